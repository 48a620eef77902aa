"""The fast path of ``RNNModelScratch`` (MXNet): the readable loop's function, fused.

``RNNModelScratch(..., fast=True)`` (the default) runs ``FusedScratch`` instead
of ``rnn``: the same function

    H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h),   O_t = H_t W_hq + b_q

computed by MXNet's fused RNN kernel ``npx.rnn``, which evaluates
``phi(x W_ih^T + b_ih + h W_hh^T + b_hh)``.  It is fed ``W_ih = W_xh^T``,
``W_hh = W_hh^T``, ``b_ih = b_h`` and ``b_hh = 0``; the transposes and the
concatenation happen inside the hybridized graph, so the gradients land on the
scratch parameters themselves (the kernel has its own backward: no second
hand-written BPTT here).  The outputs of all steps are one
``npx.fully_connected``.  ``tests/test_contract_models.py`` checks outputs and
every gradient against the readable loop.
"""

import mxnet as mx
from mxnet import gluon

__all__ = ["FusedScratch"]

_MODES = {"tanh": "rnn_tanh", "relu": "rnn_relu"}


@mx.util.use_np
class FusedScratch(gluon.HybridBlock):
    """The scratch model as one hybridized graph around the fused ``npx.rnn`` kernel.

    It owns no parameters: the scratch arrays come in as inputs, so autograd
    writes their gradients into the arrays' own ``.grad`` buffers.
    """

    def __init__(self, vocab_size, num_hiddens, activation, embed_size=None):
        super().__init__()
        self._vocab_size, self._num_hiddens = vocab_size, num_hiddens
        self._mode, self._embed_size = _MODES[activation], embed_size
        # Fixed buffers and shapes: the graph is rebuilt only when the input shape changes.
        self.hybridize(static_alloc=True, static_shape=True)

    def hybrid_forward(self, F, X, H, *params):
        if self._embed_size:
            W_emb, W_xh, W_hh, b_h, W_hq, b_q = params
            inputs = F.npx.embedding(F.np.transpose(X), W_emb, input_dim=self._vocab_size,
                                     output_dim=self._embed_size)
        else:
            W_xh, W_hh, b_h, W_hq, b_q = params
            inputs = F.npx.one_hot(F.np.transpose(X), self._vocab_size)
        # npx.rnn wants one flat vector: [W_ih, W_hh] (row-major) then [b_ih, b_hh].
        flat = F.np.concatenate([F.np.transpose(W_xh).reshape(-1),
                                 F.np.transpose(W_hh).reshape(-1),
                                 b_h, F.np.zeros_like(b_h)])
        Hs, H_last = F.npx.rnn(inputs, flat, F.np.expand_dims(H, 0), mode=self._mode,
                               state_size=self._num_hiddens, num_layers=1, state_outputs=True)
        # One matrix product for the outputs of every time step (time-major rows).
        outputs = F.npx.fully_connected(Hs.reshape(-1, self._num_hiddens),
                                        F.np.transpose(W_hq), b_q, num_hidden=self._vocab_size)
        return outputs, H_last[0]
