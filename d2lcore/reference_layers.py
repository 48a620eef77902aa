"""A numpy reference of the concise models (d2l 8.6): multi-layer RNN / GRU / LSTM + dense.

Parameters use one canonical layout, PyTorch's, so every framework can be
checked against the same numbers after mapping its own layout to this one:

- ``weight_ih_l{k}`` (G*H, inputs), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
  ``bias_hh_l{k}`` (G*H,) for layer k, with G gates stacked in PyTorch's order:
  RNN: one block; GRU: reset r, update z, new n; LSTM: input i, forget f, cell g, output o;
- ``dense.weight`` (V, H) and ``dense.bias`` (V,) for the output layer.

The GRU is PyTorch's (and Keras' ``reset_after=True``) variant: the reset gate
multiplies ``W_hn h + b_hn``, not h.
"""

import numpy as np

__all__ = ["KINDS", "GATES", "param_shapes", "init_layer_params", "layer_forward", "zero_state"]

KINDS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def param_shapes(kind, vocab_size, num_hiddens, num_layers=1):
    """Name -> shape of every array of the canonical layout (see the module docstring)."""
    check_kind(kind)
    G, H, V = GATES[kind], num_hiddens, vocab_size
    shapes = {}
    for k in range(num_layers):
        shapes[f"weight_ih_l{k}"] = (G * H, V if k == 0 else H)
        shapes[f"weight_hh_l{k}"] = (G * H, H)
        shapes[f"bias_ih_l{k}"] = shapes[f"bias_hh_l{k}"] = (G * H,)
    shapes["dense.weight"], shapes["dense.bias"] = (V, H), (V,)
    return shapes


def init_layer_params(kind, vocab_size, num_hiddens, num_layers=1, seed=0):
    """Uniform(-1/sqrt(H), 1/sqrt(H)) for every array, as PyTorch initialises its layers."""
    check_kind(kind)
    rs = np.random.RandomState(seed)
    bound = 1.0 / np.sqrt(num_hiddens)
    shapes = param_shapes(kind, vocab_size, num_hiddens, num_layers)
    p = {name: rs.uniform(-bound, bound, shape) for name, shape in shapes.items()}
    return {k: v.astype(np.float32) for k, v in p.items()}


def zero_state(kind, batch_size, num_hiddens, num_layers=1):
    H = np.zeros((num_layers, batch_size, num_hiddens), np.float32)
    return (H, H.copy()) if kind == "lstm" else H


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _cell(kind, p, k, x, h, c):
    gi = x @ p[f"weight_ih_l{k}"].T + p[f"bias_ih_l{k}"]
    gh = h @ p[f"weight_hh_l{k}"].T + p[f"bias_hh_l{k}"]
    if kind == "rnn":
        return np.tanh(gi + gh), None
    if kind == "gru":
        i_r, i_z, i_n = np.split(gi, 3, axis=1)
        h_r, h_z, h_n = np.split(gh, 3, axis=1)
        r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
        n = np.tanh(i_n + r * h_n)
        return (1 - z) * n + z * h, None
    i, f, g, o = np.split(gi + gh, 4, axis=1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def layer_forward(kind, params, X, state=None, num_layers=1):
    """One-hot inputs through the stacked layers and the dense output.

    Returns outputs ``(num_steps * batch, vocab)`` (time-major, like d2l) and the
    final state: H of shape (num_layers, batch, hidden), or (H, C) for an LSTM.
    """
    check_kind(kind)
    X = np.asarray(X)
    vocab_size, num_hiddens = params["dense.weight"].shape
    batch = X.shape[0]
    if state is None:
        state = zero_state(kind, batch, num_hiddens, num_layers)
    Hs = np.array(state[0] if kind == "lstm" else state, dtype=np.float64)
    Cs = np.array(state[1], dtype=np.float64) if kind == "lstm" else [None] * num_layers
    layer_input = np.eye(vocab_size)[X.T]  # (steps, batch, vocab)
    for k in range(num_layers):
        h, c, outs = Hs[k], Cs[k], []
        for x in layer_input:
            h, c = _cell(kind, params, k, x, h, c)
            outs.append(h)
        Hs[k] = h
        if kind == "lstm":
            Cs[k] = c
        layer_input = np.stack(outs)
    steps = layer_input.shape[0]
    Y = layer_input.reshape(steps * batch, -1)
    outputs = Y @ params["dense.weight"].T + params["dense.bias"]
    final = (Hs, np.asarray(Cs)) if kind == "lstm" else Hs
    return outputs, final
