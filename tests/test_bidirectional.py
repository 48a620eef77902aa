"""Bidirectional concise models (chapter 9.4): one numpy reference, three frameworks.

- ``reference_layers.layer_forward(..., bidirectional=True)`` is checked against each
  framework's own bidirectional layer (PyTorch ``bidirectional=True``, Gluon
  ``bidirectional=True``, Keras ``Bidirectional``) after ``set_numpy_params``: outputs
  and final states to 1e-4, from a non-zero initial state so that the order of the
  state rows (layer 0 forward, layer 0 reverse, layer 1 forward, ...) is tested too;
- every framework's autograd gradients (in the canonical layout) equal central finite
  differences of the float64 reference, to 1e-4;
- ``get_numpy_params`` has the canonical names and shapes and round-trips;
- bad layers and states are refused with the argument named.
"""

import functools

import numpy as np
import pytest

import d2lcore
from d2lcore import reference, reference_layers

FRAMEWORKS = d2lcore.FRAMEWORKS
V, H, B, T = 4, 3, 2, 3  # vocab, hidden, batch, steps: small, for per-element differences
TOL = 1e-4
CASES = [(kind, layers) for kind in reference_layers.KINDS for layers in (1, 2)]
CASE_IDS = [f"{kind}-{layers}" for kind, layers in CASES]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def d2l(request):
    return d2lcore.framework_module(request.param)


def rel_err(actual, expected):
    actual = np.asarray(reference.to_numpy(actual), np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return float(np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12))


def problem(kind, num_layers):
    """Canonical weights, tokens, a non-zero initial state and the loss' weights."""
    rs = np.random.RandomState(7 * num_layers + len(kind))
    shapes = reference_layers.param_shapes(kind, V, H, num_layers, bidirectional=True)
    params = {name: rs.normal(0, 0.5, shape).astype(np.float32) for name, shape in shapes.items()}
    X = rs.randint(0, V, (B, T))
    parts = [rs.normal(0, 0.5, (2 * num_layers, B, H)).astype(np.float32)
             for _ in range(2 if kind == "lstm" else 1)]
    weights = [rs.normal(0, 1, (T * B, V))] + [rs.normal(0, 1, part.shape) for part in parts]
    return params, X, parts, weights


def reference_loss(kind, num_layers, params, X, parts, weights):
    state = tuple(parts) if kind == "lstm" else parts[0]
    out, final = reference_layers.layer_forward(kind, params, X, state, num_layers,
                                                bidirectional=True)
    finals = final if kind == "lstm" else (final,)
    return sum(float((a * w).sum()) for a, w in zip((out, *finals), weights, strict=True))


@functools.cache
def finite_difference_grads(kind, num_layers, eps=1e-5):
    params, X, parts, weights = problem(kind, num_layers)
    params = {name: value.astype(np.float64) for name, value in params.items()}
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[i] += eps
            minus[i] -= eps
            grad[i] = (reference_loss(kind, num_layers, {**params, name: plus}, X, parts, weights)
                       - reference_loss(kind, num_layers, {**params, name: minus}, X, parts,
                                        weights)) / (2 * eps)
        grads[name] = grad
    return grads


def run(d2l, kind, num_layers):
    """Model loaded with the problem's weights: outputs, final state parts, canonical grads."""
    params, X, parts, weights = problem(kind, num_layers)
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, H, num_layers, bidirectional=True), V)
    net.set_numpy_params(params)
    fw = d2l.FRAMEWORK
    if fw == "pytorch":
        import torch
        state = tuple(map(torch.tensor, parts)) if kind == "lstm" else torch.tensor(parts[0])
        out, final = net(torch.tensor(X), state)
        finals = final if kind == "lstm" else (final,)
        loss = sum((a * torch.tensor(w, dtype=torch.float32)).sum()
                   for a, w in zip((out, *finals), weights, strict=True))
        loss.backward()
        grads = {name.replace("rnn.", "").replace("linear.", "dense."): p.grad
                 for name, p in net.named_parameters()}
        return net, out, finals, grads
    if fw == "mxnet":
        from mxnet import autograd
        from mxnet import np as mnp
        state = [mnp.array(part) for part in parts]
        with autograd.record():
            out, finals = net(mnp.array(X, dtype="int32"), state)
            loss = sum((a * mnp.array(w, dtype="float32")).sum()
                       for a, w in zip((out, *finals), weights, strict=True))
        loss.backward()
        grads = {}
        for name, p in net.collect_params().items():  # Gluon names -> canonical names
            if name.startswith(net.rnn.prefix):
                short = name[len(net.rnn.prefix):]  # e.g. r1_i2h_weight
                array, kind_of = short[3:].split("_")
                canon = {"i2h": "ih", "h2h": "hh"}[array]
                grads[f"{kind_of}_{canon}_l{short[1]}{'_reverse' if short[0] == 'r' else ''}"] \
                    = p.grad()
            else:
                grads[f"dense.{name.rsplit('_', 1)[-1]}"] = p.grad()
        return net, out, finals, grads
    import tensorflow as tf
    state = tuple(map(tf.constant, parts)) if kind == "lstm" else tf.constant(parts[0])
    with tf.GradientTape() as tape:
        out, final = net(tf.constant(X), state)
        finals = final if kind == "lstm" else (final,)
        loss = sum(tf.reduce_sum(a * tf.constant(w, tf.float32))
                   for a, w in zip((out, *finals), weights, strict=True))
    cells = net._canonical_cells()  # (canonical names, Keras cell) per layer and direction
    variables = [net.dense.kernel, net.dense.bias] + [
        v for _, cell in cells for v in (cell.kernel, cell.recurrent_kernel, cell.bias)]
    g = [tf.convert_to_tensor(grad).numpy() for grad in tape.gradient(loss, variables)]
    grads = {"dense.weight": g[0].T, "dense.bias": g[1]}
    for i, (names, _) in enumerate(cells):
        arrays = list(reference_layers.from_keras(kind, *g[2 + 3 * i:5 + 3 * i]))
        if kind != "gru":  # one Keras bias = bias_ih + bias_hh: both get its gradient
            arrays[3] = arrays[2]
        grads.update(zip(names, arrays, strict=True))
    return net, out, finals, grads


@pytest.mark.parametrize("kind,num_layers", CASES, ids=CASE_IDS)
def test_layer_equals_reference_outputs_states_and_gradients(d2l, kind, num_layers):
    params, X, parts, _ = problem(kind, num_layers)
    net, out, finals, grads = run(d2l, kind, num_layers)
    assert net.num_directions == 2
    state = tuple(parts) if kind == "lstm" else parts[0]
    ref_out, ref_final = reference_layers.layer_forward(kind, params, X, state, num_layers,
                                                        bidirectional=True)
    assert rel_err(out, ref_out) < TOL
    ref_finals = ref_final if kind == "lstm" else (ref_final,)
    assert len(finals) == len(ref_finals)
    for final, ref in zip(finals, ref_finals, strict=True):
        assert rel_err(final, ref) < TOL
    fd = finite_difference_grads(kind, num_layers)
    assert sorted(grads) == sorted(fd)
    for name, grad in fd.items():
        assert rel_err(grads[name], grad) < TOL, name


@pytest.mark.parametrize("kind,num_layers", CASES, ids=CASE_IDS)
def test_numpy_params_are_canonical_and_round_trip(d2l, kind, num_layers):
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, H, num_layers, bidirectional=True), V)
    shapes = reference_layers.param_shapes(kind, V, H, num_layers, bidirectional=True)
    got = net.get_numpy_params()
    assert [(n, a.shape) for n, a in got.items()] == list(shapes.items())
    assert any(name.endswith("_reverse") for name in got)
    params = reference_layers.init_layer_params(kind, V, H, num_layers, seed=4,
                                                bidirectional=True)
    back = net.set_numpy_params(params).get_numpy_params()
    for name, value in params.items():
        np.testing.assert_array_equal(back[name], value, err_msg=name)
    state = net.begin_state(batch_size=B)
    for part in (state if isinstance(state, (list, tuple)) else (state,)):  # Gluon: a list
        assert tuple(part.shape) == (2 * num_layers, B, H)


def test_the_reverse_direction_reads_the_future():
    """The forward half of the first step's output ignores later tokens; the reverse half not."""
    params = reference_layers.init_layer_params("gru", V, H, 1, seed=5, bidirectional=True)
    X = np.array([[0, 1, 2]])
    X_changed = np.array([[0, 1, 3]])  # only the last token differs
    net = d2lcore.framework_module("pytorch")
    layer = net.make_rnn_layer("gru", H, bidirectional=True)
    model = net.RNNModel(layer, V).set_numpy_params(params)
    import torch
    outputs = [model.rnn(torch.nn.functional.one_hot(torch.tensor(x.T), V).float())[0]
               for x in (X, X_changed)]
    first_a, first_b = outputs[0][0, 0].detach().numpy(), outputs[1][0, 0].detach().numpy()
    np.testing.assert_array_equal(first_a[:H], first_b[:H])
    assert np.abs(first_a[H:] - first_b[H:]).max() > 1e-3
    ref_a, _ = reference_layers.layer_forward("gru", params, X, bidirectional=True)
    ref_b, _ = reference_layers.layer_forward("gru", params, X_changed, bidirectional=True)
    assert np.abs(ref_a[0] - ref_b[0]).max() > 1e-3  # the first step's logits see the future


def test_unidirectional_reference_is_unchanged():
    """bidirectional=False keeps the old names, shapes and state (num_layers, batch, hidden)."""
    shapes = reference_layers.param_shapes("lstm", V, H, 2)
    assert not any(name.endswith("_reverse") for name in shapes)
    assert shapes["dense.weight"] == (V, H) and shapes["weight_ih_l1"] == (4 * H, H)
    bi = reference_layers.param_shapes("lstm", V, H, 2, bidirectional=True)
    assert bi["dense.weight"] == (V, 2 * H) and bi["weight_ih_l1_reverse"] == (4 * H, 2 * H)
    assert reference_layers.zero_state("rnn", B, H, 2).shape == (2, B, H)
    assert reference_layers.zero_state("rnn", B, H, 2, bidirectional=True).shape == (4, B, H)
    with pytest.raises(TypeError, match="bidirectional must be True or False"):
        reference_layers.param_shapes("rnn", V, H, bidirectional="yes")


def test_bad_bidirectional_arguments_are_named(d2l):
    with pytest.raises(TypeError, match="bidirectional"):
        d2l.make_rnn_layer("gru", H, 1, bidirectional="yes")
    net = d2l.RNNModel(d2l.make_rnn_layer("gru", H, 2, bidirectional=True), V)
    # A unidirectional model's state: (num_layers, ...) instead of (2 * num_layers, ...).
    wrong = d2l.RNNModel(d2l.make_rnn_layer("gru", H, 2), V).begin_state(batch_size=B)
    with pytest.raises(ValueError, match=r"\(4, 2, 3\)"):
        net(np.zeros((B, T), np.int64), wrong)


def test_keras_bidirectional_layers_that_do_not_fit_are_refused():
    d2l = d2lcore.framework_module("tensorflow")
    from tensorflow import keras
    no_sequences = keras.layers.Bidirectional(keras.layers.GRU(H, return_state=True))
    with pytest.raises(ValueError, match="return_sequences=True"):
        d2l.RNNModel(no_sequences, V)
    summed = keras.layers.Bidirectional(
        keras.layers.GRU(H, return_sequences=True, return_state=True), merge_mode="sum")
    with pytest.raises(ValueError, match="merge_mode='concat'"):
        d2l.RNNModel(summed, V)
    mixed = d2l.StackedRNN("gru", H, 2)
    mixed.rnn_layers[1] = keras.layers.Bidirectional(
        keras.layers.GRU(H, return_sequences=True, return_state=True))
    with pytest.raises(ValueError, match="one number of directions"):
        d2l.RNNModel(mixed, V)
