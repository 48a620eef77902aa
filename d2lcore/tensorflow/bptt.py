"""Backpropagation through time (d2l 8.7) for the scratch RNN, written out in TensorFlow ops.

``bptt_grads`` writes the backward recurrence out, ``autograd_grads`` gets the same
numbers from ``tf.GradientTape`` (truncation by ``tf.stop_gradient``); the equations
and ``truncate=k``: ``d2lcore.reference.bptt``.
"""

import tensorflow as tf

from d2lcore import reference

__all__ = ["bptt_grads", "autograd_grads", "hidden_grad_norms", "recurrence_backward"]


# ------------------------------------------------------------------------- inputs


def _prepare(net_or_params, X, Y, state, activation, truncate=None):
    """The core's checked arguments (``reference.bptt_inputs``) as TensorFlow tensors."""
    p, activation, X, Y, H0 = reference.bptt_inputs(net_or_params, X, Y, state, activation,
                                                    truncate)
    p = {name: tf.convert_to_tensor(value) for name, value in p.items()}
    return p, activation, tf.constant(X, tf.int32), tf.constant(Y, tf.int32), tf.constant(H0)


def _inputs(p, X):
    """Per-step inputs (T, batch, num_inputs): one-hot vectors or embedding rows."""
    if "W_emb" in p:
        return tf.gather(p["W_emb"], tf.transpose(X))
    return tf.one_hot(tf.transpose(X), p["W_xh"].shape[0], dtype=p["W_xh"].dtype)


def _act(A, activation):
    return tf.tanh(A) if activation == "tanh" else tf.nn.relu(A)


def _step(p, x, H, activation):
    return _act(tf.matmul(x, p["W_xh"]) + tf.matmul(H, p["W_hh"]) + p["b_h"], activation)


def _forward(p, inputs, H0, activation):
    """[H_0, H_1, ..., H_T] and the outputs (T, batch, vocab)."""
    states = [H0]
    for x in tf.unstack(inputs):
        states.append(_step(p, x, states[-1], activation))
    Hs = tf.stack(states[1:])
    return states, tf.tensordot(Hs, p["W_hq"], axes=1) + p["b_q"]


def _output_grads(outputs, Y):
    """dL/dO_t for the mean cross-entropy over all T * batch tokens, shape (T, batch, vocab)."""
    labels = tf.one_hot(tf.transpose(Y), outputs.shape[-1], dtype=outputs.dtype)
    count = outputs.shape[0] * outputs.shape[1]
    return (tf.nn.softmax(outputs) - labels) / count


def _act_grad(H, activation):
    """phi'(A_t) in terms of H_t = phi(A_t)."""
    return 1.0 - tf.square(H) if activation == "tanh" else tf.cast(H > 0, H.dtype)


# -------------------------------------------------------------------- by hand


def recurrence_backward(Hs, H0, W_hh, dHs, activation):
    """The recurrence of d2l 8.7 through all T steps, from the end back to the start.

    ``Hs`` (T, batch, hidden) holds H_1..H_T, ``dHs`` the part of each dL/dH_t from
    step t's own output.  Returns dL/dA_t (T, batch, hidden), dL/dH_0 and dL/dW_hh.
    The fast path's custom gradient (``fast.py``) reuses this very function.
    """
    num_steps = Hs.shape[0]
    slopes = tf.unstack(_act_grad(Hs, activation), num=num_steps)
    upstream = tf.unstack(dHs, num=num_steps)
    dA, dH = [None] * num_steps, tf.zeros_like(H0)  # dH: what flows back from step t+1
    for t in reversed(range(num_steps)):
        dA[t] = (upstream[t] + dH) * slopes[t]
        dH = tf.matmul(dA[t], W_hh, transpose_b=True)
    dA = tf.stack(dA)
    H_prev = tf.concat([H0[None], Hs[:-1]], axis=0)  # H_{t-1} for t = 1..T
    dW_hh = tf.einsum("tbh,tbk->hk", H_prev, dA)
    return dA, dH, dW_hh


def _truncated_backward(Hs, W_hh, dHs, activation, truncate):
    """dL/dA_t when the loss at step t sends its gradient back ``truncate`` steps only."""
    num_steps = Hs.shape[0]
    slopes = tf.unstack(_act_grad(Hs, activation), num=num_steps)
    dA = [tf.zeros_like(slopes[0]) for _ in range(num_steps)]
    for t in range(num_steps):
        dH = dHs[t]
        for s in range(t, max(t - truncate, -1), -1):
            dA_s = dH * slopes[s]
            dA[s] += dA_s
            dH = tf.matmul(dA_s, W_hh, transpose_b=True)
    return tf.stack(dA)


def _backward(p, activation, X, Y, H0, truncate):
    """Every parameter's gradient and dL/dH_t for all t (full BPTT), without autograd."""
    inputs = _inputs(p, X)
    states, outputs = _forward(p, inputs, H0, activation)
    Hs = tf.stack(states[1:])
    d_out = _output_grads(outputs, Y)
    dHs = tf.matmul(d_out, p["W_hq"], transpose_b=True)  # each step's own output -> H_t
    if truncate is None:
        dA, _, _ = recurrence_backward(Hs, H0, p["W_hh"], dHs, activation)
    else:
        dA = _truncated_backward(Hs, p["W_hh"], dHs, activation, truncate)
    grads = {"W_xh": tf.einsum("tbi,tbh->ih", inputs, dA),
             "W_hh": tf.einsum("tbh,tbk->hk", tf.stack(states[:-1]), dA),
             "b_h": tf.reduce_sum(dA, axis=(0, 1)),
             "W_hq": tf.einsum("tbh,tbv->hv", Hs, d_out),
             "b_q": tf.reduce_sum(d_out, axis=(0, 1))}
    if "W_emb" in p:  # every input row is W_emb[X[b, t]]: add its gradient to that row
        rows = tf.matmul(dA, p["W_xh"], transpose_b=True)
        grads["W_emb"] = tf.math.unsorted_segment_sum(
            tf.reshape(rows, (-1, rows.shape[-1])), tf.reshape(tf.transpose(X), [-1]),
            p["W_emb"].shape[0])
    # dL/dH_t = its own output's part + what comes back from step t+1
    later = tf.matmul(dA[1:], p["W_hh"], transpose_b=True)
    dH_all = dHs + tf.concat([later, tf.zeros_like(dHs[:1])], axis=0)
    return {name: grads[name] for name in p}, dH_all


def bptt_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """Gradients of the mean loss by the explicit backward recurrence: dict name -> tensor.

    ``net_or_params`` (a model, a dict or a list), ``activation``: ``reference.bptt_arguments``.
    """
    p, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    grads, _ = _backward(p, activation, X, Y, H0, truncate)
    return grads


def hidden_grad_norms(net_or_params, X, Y, state=None, activation=None):
    """||dL/dH_t|| (Frobenius norm over the batch) for t = 1..T: how far gradients travel."""
    p, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation)
    _, dH_all = _backward(p, activation, X, Y, H0, None)
    return [float(tf.norm(dH)) for dH in tf.unstack(dH_all)]


# ------------------------------------------------------------------- by autograd


def _step_loss(p, H, Y_t):
    logits = tf.matmul(H, p["W_hq"]) + p["b_q"]
    return tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(Y_t, logits))


def autograd_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """The gradients of ``bptt_grads`` from ``tf.GradientTape`` (dict name -> tensor).

    With ``truncate=k`` the loss at step t restarts from ``tf.stop_gradient(H_{t-k})``.
    """
    p, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    labels = tf.unstack(tf.transpose(Y))
    num_steps, count = len(labels), X.shape[0] * X.shape[1]
    with tf.GradientTape() as tape:
        tape.watch(list(p.values()))
        inputs = tf.unstack(_inputs(p, X))
        if truncate is None:
            total, H = 0.0, H0
            for x, y in zip(inputs, labels, strict=True):
                H = _step(p, x, H, activation)
                total += _step_loss(p, H, y)
        else:
            with tape.stop_recording():
                states, _ = _forward(p, tf.stack(inputs), H0, activation)
            total = 0.0
            for t in range(num_steps):
                start = max(t - truncate + 1, 0)
                H = tf.stop_gradient(states[start])
                for s in range(start, t + 1):
                    H = _step(p, inputs[s], H, activation)
                total += _step_loss(p, H, labels[t])
        loss = total / count
    grads = tape.gradient(loss, p)
    return {name: tf.convert_to_tensor(g) if g is not None else tf.zeros_like(p[name])
            for name, g in grads.items()}
