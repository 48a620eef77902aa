"""Gated recurrent networks from scratch in MXNet: the GRU (d2l-zh 9.1) and the LSTM (9.2).

Each model is three functions that plug into ``RNNModelScratch`` the way
d2l-zh's do::

    net = d2l.RNNModelScratch(len(vocab), num_hiddens, device, d2l.get_gru_params,
                              d2l.init_gru_state, d2l.gru)

``gru`` and ``lstm`` are the per-step loops, written like 8.5's ``rnn`` with
``mxnet.np`` arrays.  The equations, the parameter order and the numpy
reference they are tested against are in ``d2lcore.reference_gated``.  d2l-zh
names the GRU's parameter function ``get_params``; here ``d2l.get_params``
stays the 8.5 RNN's, so the GRU's is ``get_gru_params``.

``d2l.hybridize_forward(gru)`` and ``d2l.hybridize_forward(lstm)`` compile the
loops into one graph each, as 8.5 does for ``rnn`` (the LSTM's state is the pair
``(H, C)``; the wrapper passes every state tensor through the graph).
"""

from mxnet import np, npx

from .. import reference_gated
from ..validate import check_positive_int, check_seed
from .utils import try_gpu

__all__ = ["get_gru_params", "init_gru_state", "gru", "get_lstm_params", "init_lstm_state",
           "lstm"]


def _gated_params(kind, vocab_size, num_hiddens, device, seed):
    """d2l's initialisation (weights N(0, 0.01^2), biases zero) in d2l-zh's order, with grads."""
    specs = reference_gated.param_specs(kind, vocab_size, num_hiddens)  # checks the sizes
    device = try_gpu() if device is None else device
    if check_seed(seed) is not None:  # the same numbers in every framework
        arrays = reference_gated.init_gated_params(kind, vocab_size, num_hiddens, seed)
        params = [np.array(arrays[name], ctx=device) for name in specs]
    else:
        params = [np.random.normal(0, std, size=shape, ctx=device) if std
                  else np.zeros(shape, ctx=device) for shape, std in specs.values()]
    for param in params:
        param.attach_grad()
    return params


def _zeros(batch_size, num_hiddens, device):
    check_positive_int(batch_size, "batch_size")
    check_positive_int(num_hiddens, "num_hiddens")
    return np.zeros((batch_size, num_hiddens), ctx=try_gpu() if device is None else device)


# ------------------------------------------------------------------------- GRU (9.1)


def get_gru_params(vocab_size, num_hiddens, device=None, *, seed=None):
    """The GRU's parameters (d2l-zh 9.1's ``get_params``; renamed, ``d2l.get_params`` is 8.5's).

    ``[W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]``: update
    gate, reset gate, candidate state, output layer.  With ``seed`` the values
    are ``reference_gated.init_gated_params('gru', ...)``'s.
    """
    return _gated_params("gru", vocab_size, num_hiddens, device, seed)


def init_gru_state(batch_size, num_hiddens, device=None):
    """The GRU's initial state: a one-element tuple ``(H,)`` of zeros (batch, hidden)."""
    return (_zeros(batch_size, num_hiddens, device),)


def gru(inputs, state, params):
    """d2l-zh 9.1's GRU: inputs (num_steps, batch, vocab) -> outputs and the state ``(H,)``."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:  # X: one time step, (batch_size, vocab_size)
        Z = npx.sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)  # update gate
        R = npx.sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)  # reset gate
        H_tilde = np.tanh(np.dot(X, W_xh) + np.dot(R * H, W_hh) + b_h)  # candidate
        H = Z * H + (1 - Z) * H_tilde  # keep the old state where Z is near 1
        Y = np.dot(H, W_hq) + b_q
        outputs.append(Y)
    return np.concatenate(outputs, axis=0), (H,)


# ------------------------------------------------------------------------ LSTM (9.2)


def get_lstm_params(vocab_size, num_hiddens, device=None, *, seed=None):
    """The LSTM's parameters (d2l-zh 9.2's ``get_lstm_params``).

    ``[W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq,
    b_q]``: input, forget and output gates, candidate memory, output layer.
    With ``seed`` the values are ``reference_gated.init_gated_params('lstm', ...)``'s.
    """
    return _gated_params("lstm", vocab_size, num_hiddens, device, seed)


def init_lstm_state(batch_size, num_hiddens, device=None):
    """The LSTM's initial state ``(H, C)``: hidden state and memory cell, zeros (batch, hidden)."""
    return (_zeros(batch_size, num_hiddens, device), _zeros(batch_size, num_hiddens, device))


def lstm(inputs, state, params):
    """d2l-zh 9.2's LSTM: inputs (num_steps, batch, vocab) -> outputs and the state ``(H, C)``."""
    (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q) = params
    H, C = state
    outputs = []
    for X in inputs:  # X: one time step, (batch_size, vocab_size)
        I = npx.sigmoid(np.dot(X, W_xi) + np.dot(H, W_hi) + b_i)  # noqa: E741 - input gate
        F = npx.sigmoid(np.dot(X, W_xf) + np.dot(H, W_hf) + b_f)  # forget gate
        O = npx.sigmoid(np.dot(X, W_xo) + np.dot(H, W_ho) + b_o)  # output gate
        C_tilde = np.tanh(np.dot(X, W_xc) + np.dot(H, W_hc) + b_c)  # candidate memory
        C = F * C + I * C_tilde
        H = O * np.tanh(C)
        Y = np.dot(H, W_hq) + b_q
        outputs.append(Y)
    return np.concatenate(outputs, axis=0), (H, C)
