"""A numpy reference of the concise models (d2l 8.6): multi-layer RNN / GRU / LSTM + dense.

Parameters use one canonical layout, PyTorch's, so every framework can be
checked against the same numbers after mapping its own layout to this one:

- ``weight_ih_l{k}`` (G*H, inputs), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
  ``bias_hh_l{k}`` (G*H,) for layer k, with G gates stacked in PyTorch's order:
  RNN: one block; GRU: reset r, update z, new n; LSTM: input i, forget f, cell g, output o;
- ``dense.weight`` (V, D*H) and ``dense.bias`` (V,) for the output layer.

Bidirectional layers (D = 2 directions, PyTorch's ``bidirectional=True``): every layer k
has a second set of the four arrays with the suffix ``_reverse`` (``weight_ih_l{k}_reverse``
...).  That direction reads the sequence from its last step to its first; its outputs are
put back in time order and concatenated after the forward direction's, [forward, reverse],
so layer k+1 (and the dense layer) get 2*H features.  The state H (and an LSTM's C) has
shape (num_layers * D, batch, hidden) in the order layer 0 forward, layer 0 reverse,
layer 1 forward, ...: row ``k * D + d`` (``state_row``).  Gluon names the reverse arrays
``r{k}_...`` where the forward ones are ``l{k}_...``; Keras wraps each layer in
``Bidirectional``, whose ``forward_layer`` / ``backward_layer`` hold the two cells.

The GRU is PyTorch's (and Keras' ``reset_after=True``) variant: the reset gate
multiplies ``W_hn h + b_hn``, not h.

Keras' layout (``to_keras`` / ``from_keras``, used by the TensorFlow package)
--------------------------------------------------------------------------
================  ================================  ==========================================
canonical         Keras 3                           mapping
================  ================================  ==========================================
weight_ih_l{k}    cell.kernel (inputs, G*H)         transpose; gate blocks reordered (below)
weight_hh_l{k}    cell.recurrent_kernel (H, G*H)    transpose; gate blocks reordered
bias_ih_l{k}      cell.bias                         RNN / LSTM: one bias (G*H,) = bias_ih + bias_hh
bias_hh_l{k}                                        GRU (reset_after=True): bias (2, G*H), row 0
                                                    is bias_ih, row 1 is bias_hh
dense.weight      dense.kernel (H, V)               transpose
dense.bias        dense.bias (V,)                   as is
================  ================================  ==========================================

Gate order: the LSTM's is the same in both (input i, forget f, cell g, output o).
Keras' GRU stacks (update z, reset r, candidate h), PyTorch's (reset r, update z,
new n): the first two blocks swap, in both directions.  Keras' GRU with
``reset_after=True`` (its default) is PyTorch's GRU; the older
``reset_after=False`` variant has no canonical form.

Keras' SimpleRNN and LSTM add a single bias where PyTorch adds two.  Only the
sum matters to the model, so ``to_keras`` loads ``bias_ih + bias_hh`` and the
caller keeps the loaded pair: ``from_keras`` gives it back unchanged, and after
training reports the change of the sum in ``bias_ih``.
"""

import numpy as np

__all__ = ["KINDS", "GATES", "DIRECTIONS", "check_kind", "directions", "layer_names",
           "state_row", "param_shapes", "init_layer_params", "layer_forward",
           "zero_state", "to_keras", "from_keras"]

KINDS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
DIRECTIONS = ("", "_reverse")  # name suffixes of the forward and the reverse direction


def directions(bidirectional):
    """The name suffixes of a layer's directions: ('',) or ('', '_reverse')."""
    if not isinstance(bidirectional, (bool, np.bool_)):
        raise TypeError(f"bidirectional must be True or False, got {bidirectional!r}")
    return DIRECTIONS if bidirectional else DIRECTIONS[:1]


def layer_names(k, suffix=""):
    """Canonical names of layer k's four arrays in one direction (suffix '' or '_reverse')."""
    return tuple(f"{name}_l{k}{suffix}" for name in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh"))


def state_row(k, suffix, bidirectional):
    """Row of layer k's direction in a state of shape (num_layers * D, batch, hidden)."""
    return 2 * k + DIRECTIONS.index(suffix) if bidirectional else k


def check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def param_shapes(kind, vocab_size, num_hiddens, num_layers=1, bidirectional=False):
    """Name -> shape of every array of the canonical layout, in PyTorch's order."""
    check_kind(kind)
    suffixes = directions(bidirectional)
    G, H, V, D = GATES[kind], num_hiddens, vocab_size, len(suffixes)
    shapes = {}
    for k in range(num_layers):
        for suffix in suffixes:
            w_ih, w_hh, b_ih, b_hh = layer_names(k, suffix)
            shapes[w_ih] = (G * H, V if k == 0 else D * H)
            shapes[w_hh] = (G * H, H)
            shapes[b_ih] = shapes[b_hh] = (G * H,)
    shapes["dense.weight"], shapes["dense.bias"] = (V, D * H), (V,)
    return shapes


def init_layer_params(kind, vocab_size, num_hiddens, num_layers=1, seed=0, bidirectional=False):
    """Uniform(-1/sqrt(H), 1/sqrt(H)) for every array, as PyTorch initialises its layers."""
    check_kind(kind)
    rs = np.random.RandomState(seed)
    bound = 1.0 / np.sqrt(num_hiddens)
    shapes = param_shapes(kind, vocab_size, num_hiddens, num_layers, bidirectional)
    p = {name: rs.uniform(-bound, bound, shape) for name, shape in shapes.items()}
    return {k: v.astype(np.float32) for k, v in p.items()}


def zero_state(kind, batch_size, num_hiddens, num_layers=1, bidirectional=False):
    H = np.zeros((num_layers * len(directions(bidirectional)), batch_size, num_hiddens),
                 np.float32)
    return (H, H.copy()) if kind == "lstm" else H


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _cell(kind, p, names, x, h, c):
    w_ih, w_hh, b_ih, b_hh = names
    gi = x @ p[w_ih].T + p[b_ih]
    gh = h @ p[w_hh].T + p[b_hh]
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


def layer_forward(kind, params, X, state=None, num_layers=1, bidirectional=False):
    """One-hot inputs through the stacked layers and the dense output.

    Returns outputs ``(num_steps * batch, vocab)`` (time-major, like d2l) and the
    final state: H of shape (num_layers * D, batch, hidden), or (H, C) for an LSTM;
    D = 2 directions with ``bidirectional`` (rows ordered as ``state_row`` says).
    """
    check_kind(kind)
    suffixes = directions(bidirectional)
    X = np.asarray(X)
    vocab_size = params["dense.weight"].shape[0]
    num_hiddens = params["weight_hh_l0"].shape[1]
    batch = X.shape[0]
    if state is None:
        state = zero_state(kind, batch, num_hiddens, num_layers, bidirectional)
    Hs = np.array(state[0] if kind == "lstm" else state, dtype=np.float64)
    Cs = np.array(state[1], dtype=np.float64) if kind == "lstm" else [None] * len(Hs)
    layer_input = np.eye(vocab_size)[X.T]  # (steps, batch, vocab)
    for k in range(num_layers):
        per_direction = []
        for suffix in suffixes:
            row = state_row(k, suffix, bidirectional)
            h, c, outs = Hs[row], Cs[row], []
            steps = layer_input if suffix == "" else layer_input[::-1]  # reverse: last step first
            for x in steps:
                h, c = _cell(kind, params, layer_names(k, suffix), x, h, c)
                outs.append(h)
            Hs[row] = h
            if kind == "lstm":
                Cs[row] = c
            per_direction.append(np.stack(outs if suffix == "" else outs[::-1]))  # time order
        layer_input = np.concatenate(per_direction, axis=-1)  # [forward, reverse] features
    steps = layer_input.shape[0]
    Y = layer_input.reshape(steps * batch, -1)
    outputs = Y @ params["dense.weight"].T + params["dense.bias"]
    final = (Hs, np.asarray(Cs)) if kind == "lstm" else Hs
    return outputs, final


def _swap_gru_gates(a, axis):
    """Keras (z, r, h) <-> PyTorch (r, z, n): swap the first two gate blocks (an involution)."""
    z, r, h = np.split(a, 3, axis=axis)
    return np.concatenate([r, z, h], axis=axis)


def to_keras(kind, weight_ih, weight_hh, bias_ih, bias_hh):
    """One layer's canonical arrays as Keras' ``(kernel, recurrent_kernel, bias)``."""
    kernel, recurrent = weight_ih.T, weight_hh.T
    if kind == "gru":
        bias = np.stack([_swap_gru_gates(bias_ih, 0), _swap_gru_gates(bias_hh, 0)])
        return _swap_gru_gates(kernel, 1), _swap_gru_gates(recurrent, 1), bias
    return kernel, recurrent, bias_ih + bias_hh


def from_keras(kind, kernel, recurrent, bias, loaded=None):
    """One Keras layer as canonical ``(weight_ih, weight_hh, bias_ih, bias_hh)``.

    ``loaded``: the ``(bias_ih, bias_hh)`` pair last given to ``to_keras`` for a
    single-bias layer (RNN, LSTM), or None: then bias_hh is zero.
    """
    if kind == "gru":
        return (_swap_gru_gates(kernel, 1).T, _swap_gru_gates(recurrent, 1).T,
                _swap_gru_gates(bias[0], 0), _swap_gru_gates(bias[1], 0))
    if loaded is None:
        return kernel.T, recurrent.T, bias, np.zeros_like(bias)
    bias_ih, bias_hh = loaded
    if not np.array_equal(bias, bias_ih + bias_hh):
        bias_ih = bias - bias_hh  # training moved the sum: the change goes to bias_ih
    return kernel.T, recurrent.T, bias_ih, bias_hh
