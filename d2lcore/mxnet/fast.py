"""The fast path of ``RNNModelScratch`` (MXNet, ``fast=True``): the loop's function, fused.

``FusedScratch`` computes ``H_t = phi(X_t W_xh + H_{t-1} W_hh + b_h)``,
``O_t = H_t W_hq + b_q`` with MXNet's fused kernel ``npx.rnn``, which evaluates
``phi(x W_ih^T + b_ih + h W_hh^T + b_hh)``: it is fed ``W_ih = W_xh^T``,
``W_hh = W_hh^T``, ``b_ih = b_h`` and ``b_hh = 0``.  The transposes happen inside the
hybridized graph, so the gradients land on the scratch parameters themselves (the
kernel has its own backward: no second hand-written BPTT); the outputs of all steps
are one ``npx.fully_connected``.  ``hybridize_forward(rnn)`` instead compiles a
reader's own ``forward_fn`` (8.5 trains the page's ``rnn`` through it).
"""

import types
import warnings

import mxnet as mx
from mxnet import gluon
from mxnet import np as mx_np
from mxnet import npx as mx_npx

__all__ = ["FusedScratch", "hybridize_forward"]

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


# ----------------------------------------------------------- a reader's forward_fn, hybridized


class _HybridForward(gluon.HybridBlock):
    """``forward_fn(inputs, state, params)`` run inside one hybridized graph.

    Gluon builds the graph by calling ``hybrid_forward`` once with symbols, and
    ``mxnet.np`` functions accept arrays only; so the reader's code runs with
    its global names ``np`` / ``npx`` bound to the symbolic ``F.np`` / ``F.npx``
    (same code object, nothing rewritten).  A symbol cannot be iterated, so the
    time steps arrive as a Python list, which ``for X_t in inputs`` walks as usual.
    The state's tensors (one for an RNN or a GRU, ``(H, C)`` for an LSTM) come
    first among the block's inputs, then the parameters.
    """

    def __init__(self, forward_fn, num_steps, num_states):
        super().__init__()
        self._forward_fn, self._num_steps, self._num_states = forward_fn, num_steps, num_states
        self.hybridize(static_alloc=True, static_shape=True)

    def _symbolic(self, F):
        fn, names = self._forward_fn, dict(self._forward_fn.__globals__)
        for name, value in list(names.items()):
            # the reader's MXNet modules under whatever name (np, mnp, ...), nothing else
            if value is mx_np:
                names[name] = F.np
            elif value is mx_npx:
                names[name] = F.npx
        return types.FunctionType(fn.__code__, names, fn.__name__, fn.__defaults__,
                                  fn.__closure__)

    def hybrid_forward(self, F, inputs, *state_and_params):
        state, params = state_and_params[:self._num_states], state_and_params[self._num_states:]
        steps = F.np.split(inputs, self._num_steps, axis=0) if self._num_steps > 1 else [inputs]
        steps = [F.np.squeeze(X_t, axis=0) for X_t in steps]
        outputs, state = self._symbolic(F)(steps, tuple(state), list(params))
        if not isinstance(state, (tuple, list)) or len(state) != self._num_states:
            raise TypeError(f"hybridize_forward: forward_fn must return (outputs, state) with "
                            f"a state of {self._num_states} tensor(s), as it was given")
        return (outputs, *state)


def hybridize_forward(forward_fn):
    """``forward_fn`` (d2l 8.5's ``rnn(inputs, state, params)``) compiled by Gluon's hybridize.

    Returns a function with the same signature and results (outputs, state)
    that runs ``forward_fn`` as a hybridized block: traced once per input
    shape and state size, then executed as one graph, forward and backward.
    The parameters enter the block as inputs, so autograd writes their
    gradients into the reader's own arrays.  The state is a tuple of arrays:
    ``(H,)`` for 8.5's RNN and 9.1's GRU, ``(H, C)`` for 9.2's LSTM.  If
    the function cannot be traced (it calls something other than ``np`` /
    ``npx`` functions on its arrays), it runs eagerly, with a warning.
    """
    if not callable(forward_fn) or not hasattr(forward_fn, "__code__"):
        raise TypeError("forward_fn must be a Python function rnn(inputs, state, params), "
                        f"got {type(forward_fn).__name__}")
    blocks, eager, traced = {}, [], []

    def compiled(inputs, state, params):
        if eager:
            return forward_fn(inputs, state, params)
        key = (inputs.shape, len(state), len(params))
        if key not in blocks:
            blocks[key] = _HybridForward(forward_fn, inputs.shape[0], len(state))
        try:
            outputs, *new_state = blocks[key](inputs, *state, *params)
        except (AssertionError, TypeError, AttributeError, mx.base.MXNetError) as error:
            if traced:
                raise  # it ran as a graph before: not a tracing problem
            warnings.warn(f"hybridize_forward: {forward_fn.__name__} cannot be hybridized "
                          f"({type(error).__name__}); it runs eagerly", stacklevel=2)
            eager.append(True)
            return forward_fn(inputs, state, params)
        traced.append(True)
        return outputs, tuple(new_state)

    compiled.__wrapped__ = forward_fn
    compiled.__name__ = f"hybridized_{forward_fn.__name__}"
    return compiled
