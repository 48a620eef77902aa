"""Backpropagation through time (d2l 8.7) for the scratch RNN, written out in ``mxnet.np``.

``bptt_grads`` writes the backward recurrence out, ``autograd_grads`` gets the same
numbers from MXNet's autograd; the equations and ``truncate=k``: ``d2lcore.reference.bptt``.
"""

from mxnet import autograd, np, npx

from .. import reference

__all__ = ["bptt_grads", "autograd_grads", "hidden_grad_norms", "recurrence_backward"]


# ------------------------------------------------------------------------- inputs


def _prepare(net_or_params, X, Y, state, activation, truncate=None):
    """The core's checked arguments (``reference.bptt_inputs``) as ``mxnet.np`` arrays."""
    params, activation, X, Y, H0 = reference.bptt_inputs(net_or_params, X, Y, state,
                                                         activation, truncate, whole_floats=True)
    params = {name: np.array(value, dtype="float32") for name, value in params.items()}
    X, Y = np.array(X, dtype="int64"), np.array(Y, dtype="int64")
    return params, activation, X, Y, np.array(H0, dtype="float32")


def _inputs(params, X):
    """Per-step inputs (steps, batch, inputs): one-hot rows, or rows of W_emb."""
    if "W_emb" in params:
        return np.take(params["W_emb"], X.T, axis=0)
    return npx.one_hot(X.T, params["W_xh"].shape[0], dtype=params["W_xh"].dtype)


def _act(A, activation):
    return np.tanh(A) if activation == "tanh" else np.maximum(A, 0)


def _forward_states(params, inputs, H0, activation):
    """[H_0, H_1, ..., H_T] for the given inputs."""
    states = [H0]
    for x in inputs:
        states.append(_act(np.dot(x, params["W_xh"]) + np.dot(states[-1], params["W_hh"])
                           + params["b_h"], activation))
    return states


def _output_grads(params, Hs, Y):
    """dL/dO_t for every step: (steps, batch, vocab), for the mean loss over all tokens."""
    num_steps, batch = Hs.shape[:2]
    logits = np.dot(Hs, params["W_hq"]) + params["b_q"]
    probs = npx.softmax(logits, axis=-1)
    return (probs - npx.one_hot(Y.T, logits.shape[-1], dtype=probs.dtype)) / (num_steps * batch)


def _act_grad(H, activation):
    """phi'(A_t) in terms of H_t = phi(A_t): 1 - H^2 for tanh, [H > 0] for ReLU."""
    return 1 - H * H if activation == "tanh" else (H > 0).astype(H.dtype)


# -------------------------------------------------------------------- by hand


def recurrence_backward(Hs, H0, W_hh, dHs, activation):
    """The recurrence of d2l 8.7 through all T steps, from the end back to the start.

    ``Hs`` (T, batch, hidden) holds H_1..H_T, ``dHs`` the part of each dL/dH_t from
    step t's own output.  Returns dL/dA_t (T, batch, hidden), dL/dH_0 and dL/dW_hh.
    """
    act_grad = _act_grad(Hs, activation)
    dA, dH = [None] * Hs.shape[0], np.zeros_like(H0)  # dH: what flows back from step t+1
    for t in reversed(range(Hs.shape[0])):
        dA[t] = (dHs[t] + dH) * act_grad[t]
        dH = np.dot(dA[t], W_hh.T)
    dA = np.stack(dA)
    H_prev = np.concatenate([np.expand_dims(H0, 0), Hs[:-1]], axis=0)  # H_{t-1}, t = 1..T
    num_hiddens = Hs.shape[-1]
    dW_hh = np.dot(H_prev.reshape(-1, num_hiddens).T, dA.reshape(-1, num_hiddens))
    return dA, dH, dW_hh


def _truncated_backward(Hs, W_hh, dHs, activation, truncate):
    """dL/dA_t when the loss at step t sends its gradient back ``truncate`` steps only."""
    act_grad = _act_grad(Hs, activation)
    dA = [np.zeros_like(Hs[0]) for _ in range(Hs.shape[0])]
    for t in range(Hs.shape[0]):
        dH = dHs[t]
        for s in range(t, max(t - truncate, -1), -1):
            dA_s = dH * act_grad[s]
            dA[s] = dA[s] + dA_s
            dH = np.dot(dA_s, W_hh.T)
    return np.stack(dA)


def _backward(params, activation, X, Y, H0, truncate):
    """Every parameter's gradient and dL/dH_t for all t (full BPTT), without autograd."""
    inputs = _inputs(params, X)
    states = _forward_states(params, inputs, H0, activation)
    Hs = np.stack(states[1:])
    num_steps, batch, num_hiddens = Hs.shape
    d_out = _output_grads(params, Hs, Y)
    dHs = np.dot(d_out, params["W_hq"].T)  # each step's own output -> H_t
    if truncate is None:
        dA, _, _ = recurrence_backward(Hs, H0, params["W_hh"], dHs, activation)
    else:
        dA = _truncated_backward(Hs, params["W_hh"], dHs, activation, truncate)

    def flat(a):  # (steps, batch, n) -> (steps * batch, n)
        return a.reshape(num_steps * batch, -1)

    H_prev = np.stack(states[:-1])
    grads = {"W_xh": np.dot(flat(inputs).T, flat(dA)), "W_hh": np.dot(flat(H_prev).T, flat(dA)),
             "b_h": dA.sum(axis=(0, 1)), "W_hq": np.dot(flat(Hs).T, flat(d_out)),
             "b_q": d_out.sum(axis=(0, 1))}
    if "W_emb" in params:
        # Each row of W_emb collects the input gradients of the steps that used it.
        d_inputs = flat(np.dot(dA, params["W_xh"].T))
        one_hot = npx.one_hot(X.T.reshape(-1), params["W_emb"].shape[0], dtype=d_inputs.dtype)
        grads["W_emb"] = np.dot(one_hot.T, d_inputs)
    # dL/dH_t = its own output's part + what comes back from step t+1
    later = np.dot(dA[1:], params["W_hh"].T)
    dH_all = dHs + np.concatenate([later, np.zeros_like(dHs[:1])], axis=0)
    return {name: grads[name] for name in params}, dH_all


def bptt_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """Gradients of the mean cross-entropy by the explicit recurrence of d2l 8.7.

    ``net_or_params``, ``activation``: ``reference.bptt_arguments``.  Returns name -> array.
    """
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    return _backward(params, activation, X, Y, H0, truncate)[0]


def hidden_grad_norms(net_or_params, X, Y, state=None, activation=None):
    """||dL/dH_t|| (Frobenius norm over the batch) for t = 1..T: how far gradients travel."""
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation)
    dH_all = _backward(params, activation, X, Y, H0, None)[1]
    return [float(np.sqrt((dH * dH).sum())) for dH in dH_all]


# ------------------------------------------------------------------- by autograd


def _step_loss(params, Hs_window_last, y_t, total_tokens):
    logits = np.dot(Hs_window_last, params["W_hq"]) + params["b_q"]
    log_probs = npx.log_softmax(logits, axis=-1)
    return -npx.pick(log_probs, y_t, axis=-1).sum() / total_tokens


def autograd_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """The gradients of ``bptt_grads`` by MXNet's autograd (same arguments, same result).

    With ``truncate=k`` the loss at step t restarts from the detached H_{t-k}: k steps.
    """
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    leaves = {name: p.copy() for name, p in params.items()}
    for leaf in leaves.values():
        leaf.attach_grad()
    num_steps, batch = X.shape[1], X.shape[0]
    total_tokens = num_steps * batch
    with autograd.record():
        inputs = _inputs(leaves, X)
        if truncate is None:
            Hs = _forward_states(leaves, inputs, H0, activation)[1:]
            loss = sum(_step_loss(leaves, Hs[t], Y[:, t], total_tokens)
                       for t in range(num_steps))
        else:
            with autograd.pause():
                states = _forward_states(params, _inputs(params, X), H0, activation)
            loss = 0
            for t in range(num_steps):
                start = max(t - truncate + 1, 0)
                H = states[start].detach()  # H_{start-1}: no gradient flows past it
                for s in range(start, t + 1):
                    H = _act(np.dot(inputs[s], leaves["W_xh"]) + np.dot(H, leaves["W_hh"])
                             + leaves["b_h"], activation)
                loss = loss + _step_loss(leaves, H, Y[:, t], total_tokens)
    loss.backward()
    return {name: leaf.grad for name, leaf in leaves.items()}
