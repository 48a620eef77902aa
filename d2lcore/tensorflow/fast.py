"""Fast paths of the TensorFlow models: the readable loop's function, in bulk.

``RNNModelScratch`` (``fast=True``, the default) calls ``scratch_forward``, compiled
with ``tf.function``; ``RNNModel(..., fast=True)`` (opt-in) runs plain ``SimpleRNN``
layers through ``simple_rnn_layers``.  Both gather rows of ``W_xh`` instead of
multiplying one-hot vectors, run the recurrence with a hand-written gradient
(``bptt.recurrence_backward``, d2l 8.7's BPTT) and compute all outputs in one product.
"""

import tensorflow as tf

from .bptt import recurrence_backward

__all__ = ["recurrent_core", "scratch_forward", "simple_rnn_layers"]


def recurrent_core(XW, H0, W_hh, activation="tanh"):
    """All states ``H_t = phi(XW_t + H_{t-1} W_hh)``, t = 1..T, shape (T, batch, hidden).

    ``XW`` (T, batch, hidden) holds the input projections, biases included.
    """
    phi = tf.tanh if activation == "tanh" else tf.nn.relu
    num_steps = XW.shape[0]
    if num_steps is None:
        raise ValueError("the number of time steps must be known when the graph is built")

    @tf.custom_gradient
    def core(XW, H0, W_hh):
        H, states = H0, []
        for xw in tf.unstack(XW, num=num_steps):
            H = phi(xw + tf.matmul(H, W_hh))
            states.append(H)
        Hs = tf.stack(states)

        def grad(dHs):
            return recurrence_backward(Hs, H0, W_hh, dHs, activation)  # dXW_t is dA_t

        return Hs, grad

    return core(XW, H0, W_hh)


def scratch_forward(X, state, params, activation):
    """What ``rnn`` (or ``rnn_relu``) returns for token ids ``X`` (batch, steps)."""
    if len(params) == 6:  # a learned embedding W_emb comes first
        W_emb, W_xh, W_hh, b_h, W_hq, b_q = params
        XW = tf.tensordot(tf.gather(W_emb, tf.transpose(X)), W_xh, axes=1) + b_h
    else:
        W_xh, W_hh, b_h, W_hq, b_q = params
        XW = tf.gather(W_xh, tf.transpose(X)) + b_h  # row x of W_xh == onehot(x) @ W_xh
    Hs = recurrent_core(XW, state[0], tf.convert_to_tensor(W_hh), activation)
    outputs = tf.matmul(tf.reshape(Hs, (-1, Hs.shape[-1])), W_hq) + b_q
    return outputs, (Hs[-1],)


def simple_rnn_layers(layers, X, per_layer):
    """Keras ``SimpleRNN`` layers (their own weights) over token ids, through ``recurrent_core``.

    Returns the time-major outputs of the last layer and ``[[H_T]]`` per layer.
    """
    Y, finals = None, []
    for k, (layer, state) in enumerate(zip(layers, per_layer, strict=True)):
        cell = layer.cell
        kernel, bias = tf.convert_to_tensor(cell.kernel), tf.convert_to_tensor(cell.bias)
        if k == 0:
            XW = tf.gather(kernel, tf.transpose(X)) + bias
        else:
            XW = tf.tensordot(Y, kernel, axes=1) + bias
        Y = recurrent_core(XW, state[0], tf.convert_to_tensor(cell.recurrent_kernel),
                           cell.activation.__name__)
        finals.append([Y[-1]])
    return Y, finals
