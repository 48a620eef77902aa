"""Backpropagation through time by hand (d2l 8.7), in PyTorch ops, checked against autograd.

``bptt_grads`` writes the backward recurrence out, ``autograd_grads`` gets the same
numbers from autograd; the equations and ``truncate=k``: ``d2lcore.reference.bptt``.
"""

import torch
from torch.nn import functional as F

from .. import reference

__all__ = ["bptt_grads", "autograd_grads", "hidden_grad_norms", "recurrence_backward"]


# ------------------------------------------------------------------------- inputs


def _prepare(net_or_params, X, Y, state, activation, truncate=None):
    """The core's checked arguments (``reference.bptt_inputs``) as PyTorch tensors."""
    params, activation, X, Y, H0 = reference.bptt_inputs(net_or_params, X, Y, state,
                                                         activation, truncate)
    device = getattr(net_or_params, "device", None)  # a model's; else the CPU
    X, Y, H0 = (torch.as_tensor(a, device=device) for a in (X, Y, H0))
    return ({name: torch.as_tensor(value, device=device) for name, value in params.items()},
            activation, X, Y, H0)


def _inputs(params, X):
    """Per-step inputs (num_steps, batch, num_inputs): one-hot rows or embedding rows."""
    if "W_emb" in params:
        return F.embedding(X.T, params["W_emb"])
    return F.one_hot(X.T, params["W_xh"].shape[0]).to(params["W_xh"].dtype)


def _act(A, activation):
    return torch.tanh(A) if activation == "tanh" else torch.relu(A)


def _act_grad(H, activation):
    """phi'(A_t) written with H_t = phi(A_t): 1 - H^2 for tanh, [H > 0] for ReLU."""
    return 1 - H * H if activation == "tanh" else (H > 0).to(H.dtype)


# -------------------------------------------------------------------- by hand


def recurrence_backward(Hs, H0, W_hh, dHs, activation):
    """The recurrence of d2l 8.7 through all T steps, from the end back to the start.

    ``Hs`` (T, batch, hidden) holds H_1..H_T, ``dHs`` the part of each dL/dH_t from
    step t's own output.  Returns dL/dA_t (T, batch, hidden), dL/dH_0 and dL/dW_hh.
    The fast path's autograd node (``fast.py``) reuses this very function.
    """
    act_grad = _act_grad(Hs, activation)
    dA = torch.empty_like(dHs)
    dH = torch.zeros_like(H0)  # the part of dL/dH_t that flows back from step t+1
    for t in reversed(range(dHs.shape[0])):
        torch.mul(dHs[t] + dH, act_grad[t], out=dA[t])
        dH = dA[t] @ W_hh.T
    H_prev = torch.cat([H0[None], Hs[:-1]])  # H_{t-1} for t = 1..T
    num_hiddens = Hs.shape[-1]
    dW_hh = H_prev.reshape(-1, num_hiddens).T @ dA.reshape(-1, num_hiddens)
    return dA, dH, dW_hh


def _backward(params, activation, X, Y, H0, truncate):
    """Gradients and, for full BPTT, the list of dL/dH_t, without autograd."""
    p = params
    inputs = _inputs(p, X)
    num_steps, batch, num_inputs = inputs.shape
    states = [H0]  # states[t] is H_{t-1}: the input state of step t
    for x in inputs:
        states.append(_act(x @ p["W_xh"] + states[-1] @ p["W_hh"] + p["b_h"], activation))
    Hs = torch.stack(states[1:])  # (num_steps, batch, hidden)
    outputs = Hs.reshape(num_steps * batch, -1) @ p["W_hq"] + p["b_q"]
    y = Y.T.reshape(-1)
    d_out = torch.softmax(outputs, dim=1)
    d_out[torch.arange(len(y)), y] -= 1
    d_out = (d_out / len(y)).reshape(num_steps, batch, -1)

    grads = {name: torch.zeros_like(value) for name, value in p.items()}
    grads["W_hq"] = torch.einsum("tbh,tbv->hv", Hs, d_out)
    grads["b_q"] = d_out.sum(dim=(0, 1))
    dHs = d_out @ p["W_hq"].T  # what each step's own output sends back into H_t
    hidden_grads = []
    if truncate is None:
        dA, _, grads["W_hh"] = recurrence_backward(Hs, H0, p["W_hh"], dHs, activation)
        # dL/dH_t = its own output's part + what comes back from step t+1
        hidden_grads = list(dHs + F.pad(dA[1:] @ p["W_hh"].T, (0, 0, 0, 0, 0, 1)))
    else:
        dA = torch.zeros_like(dHs)
        for t in range(num_steps):  # the loss at step t reaches back k steps only
            dH = dHs[t]
            for s in range(t, max(t - truncate, -1), -1):
                dA_s = dH * _act_grad(Hs[s], activation)
                dA[s] += dA_s
                grads["W_hh"] += states[s].T @ dA_s
                dH = dA_s @ p["W_hh"].T
    grads["W_xh"] = inputs.reshape(-1, num_inputs).T @ dA.reshape(num_steps * batch, -1)
    grads["b_h"] = dA.sum(dim=(0, 1))
    if "W_emb" in p:
        d_inputs = dA @ p["W_xh"].T
        grads["W_emb"].index_add_(0, X.T.reshape(-1), d_inputs.reshape(num_steps * batch, -1))
    return grads, hidden_grads


def bptt_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """dL/d(each parameter) by the explicit recurrence of d2l 8.7, no autograd.

    ``net_or_params``, ``activation``: ``reference.bptt_arguments``.  Returns name -> tensor.
    """
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    with torch.no_grad():
        grads, _ = _backward(params, activation, X, Y, H0, truncate)
    return grads


def hidden_grad_norms(net_or_params, X, Y, state=None, activation=None):
    """||dL/dH_t|| (Frobenius norm over the batch) for t = 1..T: how far gradients travel."""
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation)
    with torch.no_grad():
        _, hidden_grads = _backward(params, activation, X, Y, H0, None)
    return [float(torch.linalg.vector_norm(dH)) for dH in hidden_grads]


# ------------------------------------------------------------------- by autograd


def autograd_grads(net_or_params, X, Y, state=None, activation=None, truncate=None):
    """The same gradients as ``bptt_grads``, computed by PyTorch's autograd.

    With ``truncate=k`` the loss at step t restarts from the detached H_{t-k}: k steps.
    """
    params, activation, X, Y, H0 = _prepare(net_or_params, X, Y, state, activation, truncate)
    p = {name: t.clone().requires_grad_(True) for name, t in params.items()}
    inputs = _inputs(p, X)
    num_steps, batch = inputs.shape[:2]
    y = Y.T.reshape(num_steps, batch)

    def run(H, first, last):
        for s in range(first, last + 1):
            H = _act(inputs[s] @ p["W_xh"] + H @ p["W_hh"] + p["b_h"], activation)
        return H

    if truncate is None:
        H, logits = H0, []
        for t in range(num_steps):
            H = run(H, t, t)
            logits.append(H @ p["W_hq"] + p["b_q"])
        loss = F.cross_entropy(torch.cat(logits), y.reshape(-1))
    else:
        with torch.no_grad():  # every H_t, as constants to restart from
            states = [H0]
            for t in range(num_steps):
                states.append(run(states[-1], t, t))
        loss = 0.0
        for t in range(num_steps):
            first = max(t - truncate + 1, 0)
            H = run(states[first], first, t)
            logits = H @ p["W_hq"] + p["b_q"]
            loss = loss + F.cross_entropy(logits, y[t], reduction="sum") / (num_steps * batch)
    grads = torch.autograd.grad(loss, list(p.values()), allow_unused=True)
    return {name: torch.zeros_like(p[name]) if g is None else g
            for name, g in zip(p, grads, strict=True)}
