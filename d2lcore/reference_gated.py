"""A numpy reference of d2l-zh v2's scratch GRU (9.1) and LSTM (9.2): forward, BPTT, layout.

Every framework's ``gru`` / ``lstm`` loop (``d2lcore/<fw>/modern.py``) and its
GRU / LSTM layer are tested against this one file.  It computes in float64.
Parameter names and order are d2l-zh's; ``X_t`` is a one-hot row, weights
from the input are (vocab, hidden), weights from the state (hidden, hidden).

GRU (d2l)::

    Z_t  = sigmoid(X_t W_xz + H_{t-1} W_hz + b_z)          update gate
    R_t  = sigmoid(X_t W_xr + H_{t-1} W_hr + b_r)          reset gate
    H~_t = tanh(X_t W_xh + (R_t * H_{t-1}) W_hh + b_h)     candidate: reset, then multiply
    H_t  = Z_t * H_{t-1} + (1 - Z_t) * H~_t

``reset_after=True`` is the variant of the library layers (PyTorch's ``nn.GRU``,
Gluon's ``rnn.GRU``, Keras' ``GRU`` by default), which multiply first and
reset the product: ``H~_t = tanh(X_t W_xh + b_h + R_t * (H_{t-1} W_hh))``.  The
layers carry a second candidate bias inside that product (PyTorch's ``b_hn``);
the scratch parameters have a single candidate bias, so here it sits outside
the product and the inner one is zero (``to_layer_params`` writes zeros into
``bias_hh``).  The two variants are different functions of the same
parameters; ``tests/test_gated.py`` measures how far apart they are.

LSTM::

    I_t = sigmoid(X_t W_xi + H_{t-1} W_hi + b_i)           input gate
    F_t = sigmoid(X_t W_xf + H_{t-1} W_hf + b_f)           forget gate
    O_t = sigmoid(X_t W_xo + H_{t-1} W_ho + b_o)           output gate
    C~_t = tanh(X_t W_xc + H_{t-1} W_hc + b_c)             candidate memory
    C_t = F_t * C_{t-1} + I_t * C~_t,   H_t = O_t * tanh(C_t)

Both emit ``H_t W_hq + b_q`` at every step, stacked time-major into a
``(num_steps * batch, vocab)`` matrix as in d2l.
"""

import numpy as np

from .reference import loss as mean_loss
from .reference import to_numpy
from .validate import check_bool, check_non_negative_int, check_sizes, check_state, check_token_ids

__all__ = [
    "KINDS",
    "PARAM_NAMES",
    "LAYER_GATES",
    "check_kind",
    "param_specs",
    "init_gated_params",
    "check_gated_params",
    "gated_forward",
    "gated_bptt",
    "to_layer_params",
]

KINDS = ("gru", "lstm")
# The letter of each block (gate or candidate) in d2l-zh's parameter order.
_BLOCKS = {"gru": ("z", "r", "h"), "lstm": ("i", "f", "o", "c")}
PARAM_NAMES = {kind: tuple(name for g in blocks for name in (f"W_x{g}", f"W_h{g}", f"b_{g}"))
               + ("W_hq", "b_q") for kind, blocks in _BLOCKS.items()}
# The same blocks in the layers' (PyTorch's) gate order: GRU r, z, n; LSTM i, f, g, o.
LAYER_GATES = {"gru": ("r", "z", "h"), "lstm": ("i", "f", "c", "o")}
_STATE_SIZE = {"gru": 1, "lstm": 2}  # (H,) or (H, C)


def check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def _check_reset_after(kind, reset_after, default):
    """The GRU's variant as a bool; the LSTM has no reset gate, so only the default fits it."""
    if reset_after is None:
        return default
    check_bool(reset_after, "reset_after")
    if kind == "lstm" and reset_after != default:
        raise ValueError(f"reset_after applies to the GRU only; leave it at {default} for an LSTM")
    return reset_after


def param_specs(kind, vocab_size, num_hiddens):
    """d2l's initialisation, name -> (shape, standard deviation), in d2l-zh's parameter order.

    Weights are N(0, 0.01^2) and biases (standard deviation 0) zero.
    """
    check_kind(kind)
    vocab_size, num_hiddens, _ = check_sizes(vocab_size, num_hiddens)
    specs = {}
    for g in _BLOCKS[kind]:
        specs[f"W_x{g}"] = ((vocab_size, num_hiddens), 0.01)
        specs[f"W_h{g}"] = ((num_hiddens, num_hiddens), 0.01)
        specs[f"b_{g}"] = ((num_hiddens,), 0)
    specs["W_hq"], specs["b_q"] = ((num_hiddens, vocab_size), 0.01), ((vocab_size,), 0)
    return specs


def init_gated_params(kind, vocab_size, num_hiddens, seed=0):
    """``param_specs``' initialisation as float32 numpy arrays, drawn in order from ``seed``.

    Every framework's ``get_gru_params`` / ``get_lstm_params`` with ``seed=`` loads
    these numbers, so all three start from the same model.
    """
    specs = param_specs(kind, vocab_size, num_hiddens)
    rs = np.random.RandomState(check_non_negative_int(seed, "seed"))
    return {name: (rs.normal(0, std, shape) if std else np.zeros(shape)).astype(np.float32)
            for name, (shape, std) in specs.items()}


def check_gated_params(kind, params):
    """``params`` as a dict name -> float64 array, checked; returns (arrays, vocab, hidden).

    The dict must hold exactly ``PARAM_NAMES[kind]`` with consistent shapes
    (framework tensors are accepted).
    """
    check_kind(kind)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict name -> array, got {type(params).__name__}")
    names = PARAM_NAMES[kind]
    missing, extra = [n for n in names if n not in params], sorted(set(params) - set(names))
    if missing or extra:
        raise ValueError(f"params of a {kind} must have exactly the keys {names}; "
                         f"missing {missing}, unexpected {extra}")
    p = {name: np.asarray(to_numpy(params[name]), dtype=np.float64) for name in names}
    first = names[0]  # W_xz or W_xi: (vocab_size, num_hiddens)
    if p[first].ndim != 2 or 0 in p[first].shape:
        raise ValueError(f"params[{first!r}] must be a non-empty matrix (vocab_size, "
                         f"num_hiddens), got shape {p[first].shape}")
    vocab_size, num_hiddens = p[first].shape
    for name, (shape, _) in param_specs(kind, vocab_size, num_hiddens).items():
        if p[name].shape != shape:
            raise ValueError(f"params[{name!r}] must have shape {shape} (vocab_size "
                             f"{vocab_size}, num_hiddens {num_hiddens}), got {p[name].shape}")
    return p, vocab_size, num_hiddens


def _inputs(X, vocab_size, name="X"):
    """Token ids (batch, steps) checked, and their one-hot rows (steps, batch, vocab)."""
    X = check_token_ids(np.asarray(to_numpy(X)), vocab_size, name).astype(np.int64)
    return X, np.eye(vocab_size)[X.T]


def _initial_state(kind, state, batch, num_hiddens):
    """The initial state as a tuple of float64 arrays: (H,) for a GRU, (H, C) for an LSTM."""
    shape = (batch, num_hiddens)
    if state is None:
        return tuple(np.zeros(shape) for _ in range(_STATE_SIZE[kind]))
    parts = check_state(state, shape, _STATE_SIZE[kind], bare=kind == "gru")
    return tuple(np.asarray(to_numpy(part), dtype=np.float64) for part in parts)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _gate(p, g, x, H, fn):
    """One block's activation: fn(x W_xg + H W_hg + b_g)."""
    return fn(x @ p[f"W_x{g}"] + H @ p[f"W_h{g}"] + p[f"b_{g}"])


def _gru_step(p, x, H, reset_after):
    """One GRU step; returns H_t and what the backward pass needs."""
    Z = _gate(p, "z", x, H, _sigmoid)
    R = _gate(p, "r", x, H, _sigmoid)
    if reset_after:  # the layers' variant: reset the product H W_hh
        G = H @ p["W_hh"]
        H_tilde = np.tanh(x @ p["W_xh"] + p["b_h"] + R * G)
    else:  # d2l's: reset H, then multiply
        G = None
        H_tilde = np.tanh(x @ p["W_xh"] + (R * H) @ p["W_hh"] + p["b_h"])
    H_new = Z * H + (1 - Z) * H_tilde
    return H_new, {"x": x, "H": H, "Z": Z, "R": R, "G": G, "H_tilde": H_tilde}


def _lstm_step(p, x, H, C):
    """One LSTM step; returns H_t, C_t and what the backward pass needs."""
    I = _gate(p, "i", x, H, _sigmoid)  # noqa: E741 - d2l's name for the input gate
    F = _gate(p, "f", x, H, _sigmoid)
    O = _gate(p, "o", x, H, _sigmoid)
    C_tilde = _gate(p, "c", x, H, np.tanh)
    C_new = F * C + I * C_tilde
    T = np.tanh(C_new)
    return O * T, C_new, {"x": x, "H": H, "C": C, "I": I, "F": F, "O": O, "C_tilde": C_tilde,
                          "T": T}


def _run(kind, p, inputs, state, reset_after):
    """All steps: (outputs (steps*batch, vocab), final state tuple, per-step caches, H_1..H_T)."""
    caches, Hs = [], []
    if kind == "gru":
        (H,) = state
        for x in inputs:
            H, cache = _gru_step(p, x, H, reset_after)
            caches.append(cache)
            Hs.append(H)
        final = (H,)
    else:
        H, C = state
        for x in inputs:
            H, C, cache = _lstm_step(p, x, H, C)
            caches.append(cache)
            Hs.append(H)
        final = (H, C)
    Hs = np.stack(Hs)  # (steps, batch, hidden)
    outputs = Hs.reshape(-1, Hs.shape[-1]) @ p["W_hq"] + p["b_q"]
    return outputs, final, caches, Hs


def gated_forward(kind, params, X, state=None, reset_after=False):
    """Outputs (num_steps * batch, vocab), time-major as in d2l, and the final state.

    ``kind`` is 'gru' or 'lstm'; ``params`` a dict with ``PARAM_NAMES[kind]``;
    ``X`` token ids (batch, num_steps); ``state`` None (zeros), ``(H,)`` (or H)
    for a GRU, ``(H, C)`` for an LSTM.  ``reset_after=True`` computes the layers'
    GRU (see the module docstring).  Returns float64 arrays; the state as a tuple.
    """
    p, vocab_size, num_hiddens = check_gated_params(kind, params)
    reset_after = _check_reset_after(kind, reset_after, False)
    X, inputs = _inputs(X, vocab_size)
    outputs, final, _, _ = _run(kind, p, inputs, _initial_state(kind, state, X.shape[0],
                                                                 num_hiddens), reset_after)
    return outputs, final


def _add_block_grads(grads, p, g, cache, dA):
    """Gradients of the block g's pre-activation dA into W_xg, W_hg, b_g; returns dA's dH_{t-1}."""
    grads[f"W_x{g}"] += cache["x"].T @ dA
    grads[f"W_h{g}"] += cache["H"].T @ dA
    grads[f"b_{g}"] += dA.sum(axis=0)
    return dA @ p[f"W_h{g}"].T


def _gru_step_back(grads, p, cache, dH, reset_after):
    """dL/dH_t through one GRU step (weights accumulate in ``grads``); returns dL/dH_{t-1}."""
    H, Z, R, H_tilde = cache["H"], cache["Z"], cache["R"], cache["H_tilde"]
    dH_prev = dH * Z  # H_t = Z * H_{t-1} + ...
    dZ = dH * (H - H_tilde)
    dA_h = dH * (1 - Z) * (1 - H_tilde**2)  # through tanh of the candidate
    grads["W_xh"] += cache["x"].T @ dA_h
    grads["b_h"] += dA_h.sum(axis=0)
    if reset_after:  # A_h = ... + R * (H W_hh)
        dG = dA_h * R
        grads["W_hh"] += H.T @ dG
        dH_prev += dG @ p["W_hh"].T
        dR = dA_h * cache["G"]
    else:  # A_h = ... + (R * H) W_hh
        grads["W_hh"] += (R * H).T @ dA_h
        dRH = dA_h @ p["W_hh"].T
        dH_prev += dRH * R
        dR = dRH * H
    dH_prev += _add_block_grads(grads, p, "z", cache, dZ * Z * (1 - Z))
    dH_prev += _add_block_grads(grads, p, "r", cache, dR * R * (1 - R))
    return dH_prev


def _lstm_step_back(grads, p, cache, dH, dC):
    """dL/dH_t and dL/dC_t through one LSTM step; returns dL/dH_{t-1}, dL/dC_{t-1}."""
    I, F, O, T = cache["I"], cache["F"], cache["O"], cache["T"]  # noqa: E741
    dC = dC + dH * O * (1 - T**2)  # H_t = O * tanh(C_t)
    dA = {"o": dH * T * O * (1 - O),
          "i": dC * cache["C_tilde"] * I * (1 - I),
          "f": dC * cache["C"] * F * (1 - F),
          "c": dC * I * (1 - cache["C_tilde"] ** 2)}
    dH_prev = sum(_add_block_grads(grads, p, g, cache, dA[g]) for g in _BLOCKS["lstm"])
    return dH_prev, dC * F


def gated_bptt(kind, params, X, Y, state=None, reset_after=False):
    """The mean cross-entropy loss and its gradients, by an explicit backward pass (no autograd).

    The backward recurrence runs from the last step to the first, as
    ``reference.bptt`` does for the 8.5 RNN: at each step the loss's gradient
    with respect to H_t (from the output at t and from step t+1), and for an
    LSTM the memory's C_t, is pushed through the gates into the weights and
    into H_{t-1} (and C_{t-1}).  Returns ``(loss, grads, state_grads)``: a
    float, a dict name -> float64 gradient of every parameter, and the
    gradient of the initial state, ``(dH0,)`` or ``(dH0, dC0)``.
    """
    p, vocab_size, num_hiddens = check_gated_params(kind, params)
    reset_after = _check_reset_after(kind, reset_after, False)
    X, inputs = _inputs(X, vocab_size)
    Y, _ = _inputs(Y, vocab_size, "Y")
    if Y.shape != X.shape:
        raise ValueError(f"Y must have the shape of X {X.shape}, got {Y.shape}")
    state = _initial_state(kind, state, X.shape[0], num_hiddens)
    outputs, _, caches, Hs = _run(kind, p, inputs, state, reset_after)
    num_steps, batch = X.shape[1], X.shape[0]
    # Mean cross-entropy over the steps*batch outputs: d/d logits = (softmax - one_hot) / N.
    y = Y.T.reshape(-1)
    d_out = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    d_out /= d_out.sum(axis=1, keepdims=True)
    d_out[np.arange(len(y)), y] -= 1.0
    d_out = (d_out / len(y)).reshape(num_steps, batch, vocab_size)
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    grads["W_hq"] = np.einsum("tbh,tbv->hv", Hs, d_out)
    grads["b_q"] = d_out.sum(axis=(0, 1))
    dH = np.zeros((batch, num_hiddens))  # dL/dH_t through step t+1 (none after the last)
    dC = np.zeros((batch, num_hiddens))
    for t in reversed(range(num_steps)):
        dH = dH + d_out[t] @ p["W_hq"].T  # plus the output at step t
        if kind == "gru":
            dH = _gru_step_back(grads, p, caches[t], dH, reset_after)
        else:
            dH, dC = _lstm_step_back(grads, p, caches[t], dH, dC)
    state_grads = (dH,) if kind == "gru" else (dH, dC)
    return mean_loss(outputs, Y), grads, state_grads


def to_layer_params(kind, params, reset_after=None):
    """The scratch parameters in ``reference_layers``' canonical (PyTorch) layer layout.

    Blocks are stacked in the layers' gate order (GRU r, z, n; LSTM i, f, g, o)
    and transposed; the scratch biases become ``bias_ih_l0`` and
    ``bias_hh_l0`` is zero; ``W_hq`` / ``b_q`` become ``dense.weight`` (its
    transpose) / ``dense.bias``.  Then ``reference_layers.layer_forward`` computes
    ``gated_forward(..., reset_after=True)`` for a GRU and ``gated_forward`` for
    an LSTM.  ``reset_after`` may only be None or True for a GRU: d2l's
    reset-before GRU has no layer layout.  Applied to a dict of gradients it
    maps them the same way.  Returns float64 arrays.
    """
    p, _, _ = check_gated_params(kind, params)
    if not _check_reset_after(kind, reset_after, kind == "gru") and kind == "gru":
        raise ValueError("reset_after=False (d2l's GRU) has no layer layout: PyTorch's, MXNet's "
                         "and Keras' default GRU reset the product H W_hh, not H")
    gates = LAYER_GATES[kind]
    bias_ih = np.concatenate([p[f"b_{g}"] for g in gates])
    return {"weight_ih_l0": np.concatenate([p[f"W_x{g}"].T for g in gates]),
            "weight_hh_l0": np.concatenate([p[f"W_h{g}"].T for g in gates]),
            "bias_ih_l0": bias_ih,
            "bias_hh_l0": np.zeros_like(bias_ih),
            "dense.weight": np.ascontiguousarray(p["W_hq"].T),
            "dense.bias": p["b_q"]}
