"""Gated recurrent networks from scratch in TensorFlow: the GRU (d2l-zh 9.1) and the LSTM (9.2).

Each model is three functions that plug into ``RNNModelScratch`` the way
d2l-zh's do (TensorFlow's argument order)::

    net = d2l.RNNModelScratch(len(vocab), num_hiddens, d2l.init_gru_state, d2l.gru,
                              d2l.get_gru_params)

``gru`` and ``lstm`` are the per-step loops, written like 8.5's ``rnn``;
``train_ch8`` traces them into one ``tf.function`` graph.  The equations, the
parameter order and the numpy reference they are tested against are in
``d2lcore.reference_gated``.  d2l-zh names the GRU's parameter function
``get_params``; here ``d2l.get_params`` stays the 8.5 RNN's, so the GRU's is
``get_gru_params``.  ``device`` is optional, as in ``get_params``.
"""

import tensorflow as tf

from .. import reference_gated
from ..validate import check_positive_int, check_seed
from .utils import device_scope

__all__ = ["get_gru_params", "init_gru_state", "gru", "get_lstm_params", "init_lstm_state",
           "lstm"]


def _gated_params(kind, vocab_size, num_hiddens, device, seed):
    """d2l's initialisation (weights N(0, 0.01^2), biases zero) as ``tf.Variable`` s, in order."""
    specs = reference_gated.param_specs(kind, vocab_size, num_hiddens)  # checks the sizes
    if check_seed(seed) is not None:  # the same numbers in every framework
        values = reference_gated.init_gated_params(kind, vocab_size, num_hiddens, seed)
    else:
        values = {name: tf.random.normal(shape, stddev=std) if std else tf.zeros(shape)
                  for name, (shape, std) in specs.items()}
    with device_scope(device):
        return [tf.Variable(values[name], name=name) for name in specs]


def _zeros(batch_size, num_hiddens, device):
    check_positive_int(batch_size, "batch_size")
    check_positive_int(num_hiddens, "num_hiddens")
    with device_scope(device):
        return tf.zeros((batch_size, num_hiddens))


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
        Z = tf.sigmoid(tf.matmul(X, W_xz) + tf.matmul(H, W_hz) + b_z)  # update gate
        R = tf.sigmoid(tf.matmul(X, W_xr) + tf.matmul(H, W_hr) + b_r)  # reset gate
        H_tilde = tf.tanh(tf.matmul(X, W_xh) + tf.matmul(R * H, W_hh) + b_h)  # candidate
        H = Z * H + (1 - Z) * H_tilde  # keep the old state where Z is near 1
        Y = tf.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return tf.concat(outputs, axis=0), (H,)


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
        I = tf.sigmoid(tf.matmul(X, W_xi) + tf.matmul(H, W_hi) + b_i)  # noqa: E741 - input gate
        F = tf.sigmoid(tf.matmul(X, W_xf) + tf.matmul(H, W_hf) + b_f)  # forget gate
        O = tf.sigmoid(tf.matmul(X, W_xo) + tf.matmul(H, W_ho) + b_o)  # output gate
        C_tilde = tf.tanh(tf.matmul(X, W_xc) + tf.matmul(H, W_hc) + b_c)  # candidate memory
        C = F * C + I * C_tilde
        H = O * tf.tanh(C)
        Y = tf.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return tf.concat(outputs, axis=0), (H, C)
