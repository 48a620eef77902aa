"""Chapter 9's scratch GRU and LSTM: one numpy reference, three frameworks, their layers.

- ``reference_gated.gated_bptt`` (an explicit backward pass) = central finite
  differences, in float64;
- every framework's ``gru`` / ``lstm`` loop = ``gated_forward`` (outputs, final
  state) and its autograd gradients = ``gated_bptt`` (every parameter, the
  initial state), to 1e-4 (float32 against float64);
- the framework's LSTM layer and GRU layer (after ``to_layer_params``) = the
  reference; d2l's reset-before GRU = Keras' ``GRU(reset_after=False)``;
- seeded training gives the same perplexity in all three frameworks.
"""

import functools
import warnings

import numpy as np
import pytest

import d2lcore
from d2lcore import reference, reference_layers
from d2lcore import reference_gated as rg

FRAMEWORKS = d2lcore.FRAMEWORKS
V, H, B, T = 7, 5, 3, 4  # vocab, hidden, batch, steps
TOL = 1e-4
# (kind, reset_after): d2l's GRU, the layers' GRU, the LSTM
VARIANTS = [("gru", False), ("gru", True), ("lstm", False)]
VARIANT_IDS = ["gru", "gru-reset-after", "lstm"]


def to_numpy(x):
    return np.asarray(reference.to_numpy(x))


def rel_err(actual, expected):
    actual, expected = to_numpy(actual).astype(np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    return float(np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12))


def tokens(seed):
    return np.random.RandomState(seed).randint(0, V, (B, T))


def big_params(kind, seed=1, scale=0.5):
    """Weights and biases large enough that the gates are far from 0.5 and differ per unit."""
    rs = np.random.RandomState(seed)
    return {name: rs.normal(0, scale, shape).astype(np.float32)
            for name, (shape, _) in rg.param_specs(kind, V, H).items()}


def random_state(kind, seed=2):
    rs = np.random.RandomState(seed)
    return tuple(rs.normal(0, 0.5, (B, H)).astype(np.float32)
                 for _ in range(1 if kind == "gru" else 2))


@pytest.fixture(scope="module", params=FRAMEWORKS)
def d2l(request):
    return d2lcore.framework_module(request.param)


# ------------------------------------------------------------------ the numpy reference


def _loss(kind, params, state, X, Y, reset_after):
    outputs, _ = rg.gated_forward(kind, params, X, state, reset_after)
    return reference.loss(outputs, Y)


@pytest.mark.parametrize("kind,reset_after", VARIANTS, ids=VARIANT_IDS)
def test_gated_bptt_equals_central_finite_differences(kind, reset_after):
    params = {k: v.astype(np.float64) for k, v in big_params(kind).items()}
    state = tuple(s.astype(np.float64) for s in random_state(kind))
    X, Y = tokens(3), tokens(4)
    loss, grads, state_grads = rg.gated_bptt(kind, params, X, Y, state, reset_after)
    assert loss == pytest.approx(_loss(kind, params, state, X, Y, reset_after), rel=1e-12)
    eps = 1e-6

    def numeric(arrays, key, rebuild):
        out = np.zeros_like(arrays[key])
        for idx in np.ndindex(out.shape):
            shifted = []
            for sign in (1, -1):
                value = arrays[key].copy()
                value[idx] += sign * eps
                shifted.append(_loss(kind, *rebuild(key, value), X, Y, reset_after=reset_after))
            out[idx] = (shifted[0] - shifted[1]) / (2 * eps)
        return out

    def with_param(name, value):
        return {**params, name: value}, state

    def with_state(k, value):
        return params, tuple(value if j == k else s for j, s in enumerate(state))

    assert set(grads) == set(rg.PARAM_NAMES[kind])
    for name in rg.PARAM_NAMES[kind]:
        assert rel_err(grads[name], numeric(params, name, with_param)) < 1e-6, name
    assert len(state_grads) == len(state)
    for k in range(len(state)):
        assert rel_err(state_grads[k], numeric(dict(enumerate(state)), k, with_state)) < 1e-6


@pytest.mark.parametrize("kind", rg.KINDS)
def test_layer_reference_of_mapped_params_is_the_scratch_model(kind):
    """to_layer_params + reference_layers.layer_forward = gated_forward (GRU: reset after)."""
    params, state, X = big_params(kind), random_state(kind), tokens(5)
    layer_state = tuple(s[None] for s in state) if kind == "lstm" else state[0][None]
    outputs, final = reference_layers.layer_forward(kind, rg.to_layer_params(kind, params), X,
                                                    layer_state)
    expected, expected_final = rg.gated_forward(kind, params, X, state, reset_after=kind == "gru")
    assert rel_err(outputs, expected) < 1e-12
    final = final if kind == "lstm" else (final,)
    for got, want in zip(final, expected_final, strict=True):
        assert rel_err(got[0], want) < 1e-12


def test_reset_before_and_reset_after_grus_are_different_functions():
    """d2l's GRU resets H before the product, the layers reset H W_hh after it.

    Measured here (float64, the same weights and tokens for both): the outputs
    differ by up to 0.18 with weights N(0, 0.5^2) (outputs up to about 2 in
    size; 0.17 to 0.37 over four other seeds), but only by 5e-9 at d2l's
    initialisation N(0, 0.01^2): there the hidden state, and with it the
    difference between (R*H) W_hh and R*(H W_hh), is tiny.  They part as the
    weights grow in training.  The first step from a zero state is the same.
    """
    X = tokens(6)
    gaps = {}
    for label, params in (("big", big_params("gru")),
                          ("d2l init", rg.init_gated_params("gru", V, H, seed=0))):
        state = random_state("gru") if label == "big" else None
        before, _ = rg.gated_forward("gru", params, X, state)
        after, _ = rg.gated_forward("gru", params, X, state, reset_after=True)
        gaps[label] = np.abs(before - after).max()
        if state is None:  # (R * 0) W_hh = R * (0 W_hh): step 1 from zeros agrees
            assert np.abs(before[:B] - after[:B]).max() < 1e-15
    print("max |reset-before - reset-after| of the outputs:", gaps)
    assert gaps["big"] > 0.1, gaps  # they differ
    assert 1e-10 < gaps["d2l init"] < 1e-6, gaps  # ... even where the difference is small


def test_bad_arguments_name_the_argument():
    params, X = big_params("gru"), tokens(1)
    with pytest.raises(ValueError, match="kind"):
        rg.gated_forward("rnn", params, X)
    with pytest.raises(ValueError, match="kind"):
        rg.init_gated_params("GRU", V, H)
    with pytest.raises(ValueError, match="vocab_size"):
        rg.param_specs("gru", 0, H)
    with pytest.raises(TypeError, match="params"):
        rg.gated_forward("gru", list(params.values()), X)
    with pytest.raises(ValueError, match="W_xi"):  # GRU parameters given to the LSTM
        rg.gated_forward("lstm", params, X)
    bad = {**params, "W_hz": np.zeros((H + 1, H), np.float32)}
    with pytest.raises(ValueError, match="W_hz"):
        rg.gated_forward("gru", bad, X)
    with pytest.raises(ValueError, match="X"):
        rg.gated_forward("gru", params, X[0])
    with pytest.raises(ValueError, match="X"):
        rg.gated_forward("gru", params, X + V)
    with pytest.raises(ValueError, match="Y"):
        rg.gated_bptt("gru", params, X, X[:, :2])
    with pytest.raises(ValueError, match="state"):  # an LSTM's (H, C) given to the GRU
        rg.gated_forward("gru", params, X, random_state("lstm"))
    with pytest.raises(ValueError, match="state"):  # a GRU's (H,) given to the LSTM
        rg.gated_forward("lstm", big_params("lstm"), X, random_state("gru"))
    with pytest.raises(ValueError, match="state"):
        rg.gated_forward("gru", params, X, (np.zeros((B + 1, H)),))
    with pytest.raises(ValueError, match="reset_after"):
        rg.gated_forward("lstm", big_params("lstm"), X, reset_after=True)
    with pytest.raises(TypeError, match="reset_after"):
        rg.gated_forward("gru", params, X, reset_after="yes")
    with pytest.raises(ValueError, match="reset_after"):
        rg.to_layer_params("gru", params, reset_after=False)
    with pytest.raises(TypeError, match="seed"):
        rg.init_gated_params("lstm", V, H, seed=0.5)


# ----------------------------------------------------------- each framework's scratch loops


def _autograd(d2l, fn, arrays, X, Y, state):
    """``fn(one_hot_inputs, state, params)`` under autograd with the mean cross-entropy.

    Returns numpy (outputs, final state, dict name -> gradient, initial-state gradients).
    """
    names, fw = list(arrays), d2l.FRAMEWORK
    labels = Y.T.reshape(-1)
    if fw == "pytorch":
        import torch

        params = [torch.tensor(arrays[n], requires_grad=True) for n in names]
        state = tuple(torch.tensor(s, requires_grad=True) for s in state)
        inputs = torch.nn.functional.one_hot(torch.tensor(X).T, V).float()
        outputs, final = fn(inputs, state, params)
        torch.nn.functional.cross_entropy(outputs, torch.tensor(labels)).backward()
        grads, state_grads = [p.grad for p in params], [s.grad for s in state]
    elif fw == "mxnet":
        from mxnet import autograd, gluon, npx
        from mxnet import np as mnp

        params, state = [mnp.array(arrays[n]) for n in names], [mnp.array(s) for s in state]
        for array in params + state:
            array.attach_grad()
        with autograd.record():
            outputs, final = fn(npx.one_hot(mnp.array(X.T), V), tuple(state), params)
            loss = gluon.loss.SoftmaxCrossEntropyLoss()(outputs, mnp.array(labels)).mean()
        loss.backward()
        grads, state_grads = [p.grad for p in params], [s.grad for s in state]
    else:
        import tensorflow as tf

        params = [tf.Variable(arrays[n]) for n in names]
        state = [tf.constant(s) for s in state]
        with tf.GradientTape() as tape:
            tape.watch(state)
            outputs, final = fn(tf.one_hot(X.T, V), tuple(state), params)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                labels, outputs, from_logits=True))
        all_grads = tape.gradient(loss, params + state)
        grads, state_grads = all_grads[:len(params)], all_grads[len(params):]
    return (to_numpy(outputs), [to_numpy(s) for s in final],
            {n: to_numpy(g) for n, g in zip(names, grads, strict=True)},
            [to_numpy(g) for g in state_grads])


def assert_matches_reference(kind, got, params, X, Y, state, reset_after=False):
    """(outputs, final state, grads, state grads) = the numpy reference's, to TOL."""
    outputs, final, grads, state_grads = got
    ref_out, ref_final = rg.gated_forward(kind, params, X, state, reset_after)
    loss, ref_grads, ref_state_grads = rg.gated_bptt(kind, params, X, Y, state, reset_after)
    assert rel_err(outputs, ref_out) < TOL
    assert reference.loss(outputs, Y) == pytest.approx(loss, rel=TOL)
    for k, (got_state, want) in enumerate(zip(final, ref_final, strict=True)):
        assert rel_err(got_state, want) < TOL, f"final state[{k}]"
    for name, want in ref_grads.items():
        assert rel_err(grads[name], want) < TOL, name
    for k, (got_grad, want) in enumerate(zip(state_grads, ref_state_grads, strict=True)):
        assert rel_err(got_grad, want) < TOL, f"gradient of the initial state[{k}]"


@pytest.mark.parametrize("kind", rg.KINDS)
def test_scratch_loop_equals_reference_with_gradients(d2l, kind):
    fn = getattr(d2l, kind)  # d2l.gru / d2l.lstm, the readable loops
    params, state, X, Y = big_params(kind), random_state(kind), tokens(7), tokens(8)
    got = _autograd(d2l, fn, params, X, Y, state)
    assert_matches_reference(kind, got, params, X, Y, state)


@pytest.mark.parametrize("kind", rg.KINDS)
def test_get_params_and_init_state_follow_d2l(d2l, kind):
    get_params = getattr(d2l, f"get_{kind}_params")
    init_state = getattr(d2l, f"init_{kind}_state")
    device = d2l.try_gpu()
    seeded = get_params(V, H, device, seed=3)
    expected = rg.init_gated_params(kind, V, H, seed=3)
    assert len(seeded) == len(rg.PARAM_NAMES[kind])
    for name, array in zip(rg.PARAM_NAMES[kind], seeded, strict=True):
        np.testing.assert_array_equal(to_numpy(array), expected[name], err_msg=name)
    drawn = dict(zip(rg.PARAM_NAMES[kind], get_params(V, H, device), strict=True))
    for name, (shape, std) in rg.param_specs(kind, V, H).items():
        value = to_numpy(drawn[name])
        assert value.shape == shape and value.dtype == np.float32, name
        assert (0.002 < value.std() < 0.05) if std else not value.any(), name
    state = init_state(B, H, device)
    assert isinstance(state, tuple) and len(state) == (1 if kind == "gru" else 2)
    assert all(to_numpy(s).shape == (B, H) and not to_numpy(s).any() for s in state)
    with pytest.raises(ValueError, match="vocab_size"):
        get_params(0, H, device)
    with pytest.raises(TypeError, match="num_hiddens"):
        get_params(V, 2.5, device)
    with pytest.raises(TypeError, match="seed"):
        get_params(V, H, device, seed="zero")
    with pytest.raises(ValueError, match="batch_size"):
        init_state(0, H, device)


# ----------------------------------------------------------------- the frameworks' layers


def _layer_autograd(d2l, kind, layer_params, X, Y, state):
    """The concise ``RNNModel`` with canonical ``layer_params`` under autograd.

    Returns numpy (outputs, final state parts (batch, hidden), dict canonical name ->
    gradient, initial-state gradients).  Keras' LSTM keeps one bias: its gradient is
    reported as ``bias_ih_l0`` and there is no ``bias_hh_l0``.
    """
    fw = d2l.FRAMEWORK
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, H), V).set_numpy_params(layer_params)
    labels = Y.T.reshape(-1)

    def as_state(parts):  # (H, C) for an LSTM, H alone for a GRU, each (1, batch, hidden)
        return tuple(parts) if kind == "lstm" else parts[0]

    if fw == "pytorch":
        import torch

        parts = [torch.tensor(s[None], requires_grad=True) for s in state]
        outputs, final = net(torch.tensor(X), as_state(parts))
        torch.nn.functional.cross_entropy(outputs, torch.tensor(labels)).backward()
        grads = {name: p.grad for name, p in net.rnn.named_parameters()}
        grads["dense.weight"], grads["dense.bias"] = net.linear.weight.grad, net.linear.bias.grad
        state_grads = [p.grad for p in parts]
    elif fw == "mxnet":
        from mxnet import autograd, gluon
        from mxnet import np as mnp

        parts = [mnp.array(s[None]) for s in state]
        for part in parts:
            part.attach_grad()
        with autograd.record():
            outputs, final = net(mnp.array(X, dtype="int32"), parts)
            loss = gluon.loss.SoftmaxCrossEntropyLoss()(outputs, mnp.array(labels)).mean()
        loss.backward()
        gluon_names = {"l0_i2h_weight": "weight_ih_l0", "l0_h2h_weight": "weight_hh_l0",
                       "l0_i2h_bias": "bias_ih_l0", "l0_h2h_bias": "bias_hh_l0"}
        grads = {gluon_names[name[len(net.rnn.prefix):]]: p.grad()
                 for name, p in net.rnn.collect_params().items()}
        grads["dense.weight"], grads["dense.bias"] = net.dense.weight.grad(), net.dense.bias.grad()
        state_grads = [p.grad for p in parts]
    else:
        import tensorflow as tf

        parts = [tf.constant(s[None]) for s in state]
        cell = net.rnn.cell
        weights = [cell.kernel, cell.recurrent_kernel, cell.bias, net.dense.kernel,
                   net.dense.bias]
        with tf.GradientTape() as tape:
            tape.watch(parts)
            outputs, final = net(tf.constant(X), as_state(parts))
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                labels, outputs, from_logits=True))
        *weight_grads, state_grads = tape.gradient(loss, [*weights, parts])
        kernel, recurrent, bias, dense_kernel, dense_bias = (to_numpy(g) for g in weight_grads)
        grads = dict(zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                         reference_layers.from_keras(kind, kernel, recurrent, bias),
                         strict=True))
        grads["dense.weight"], grads["dense.bias"] = dense_kernel.T, dense_bias
        if kind == "lstm":
            del grads["bias_hh_l0"]  # zeros from from_keras: Keras has a single LSTM bias
    final = list(final) if isinstance(final, (list, tuple)) else [final]  # Gluon: a list [H]
    return (to_numpy(outputs), [to_numpy(s)[0] for s in final],
            {name: to_numpy(g) for name, g in grads.items()}, [to_numpy(g)[0] for g in state_grads])


@pytest.mark.parametrize("kind", rg.KINDS)
def test_framework_layer_equals_reference_after_mapping(d2l, kind):
    """The LSTM layer = the scratch LSTM; the GRU layer = the reset-after reference.

    Layer gradients are compared in the canonical layout, the reference's mapped
    by ``to_layer_params`` (a linear map, so it maps gradients too).  The layers'
    second bias ``bias_hh`` enters sums with ``bias_ih`` except in the GRU's
    candidate block (inside the reset product), so there its gradient is the
    ``bias_ih`` one for every block but that.
    """
    params, state, X, Y = big_params(kind), random_state(kind), tokens(9), tokens(10)
    reset_after = kind == "gru"
    outputs, final, grads, state_grads = _layer_autograd(
        d2l, kind, rg.to_layer_params(kind, params), X, Y, state)
    ref_out, ref_final = rg.gated_forward(kind, params, X, state, reset_after)
    _, ref_grads, ref_state_grads = rg.gated_bptt(kind, params, X, Y, state, reset_after)
    assert rel_err(outputs, ref_out) < TOL
    for got, want in zip(final, ref_final, strict=True):
        assert rel_err(got, want) < TOL
    for got, want in zip(state_grads, ref_state_grads, strict=True):
        assert rel_err(got, want) < TOL
    canonical = {name: grads[name] for name in grads if name != "bias_hh_l0"}
    ref_layer_grads = rg.to_layer_params(kind, ref_grads)
    ref_layer_grads.pop("bias_hh_l0")
    assert set(canonical) == set(ref_layer_grads)
    for name, want in ref_layer_grads.items():
        assert rel_err(canonical[name], want) < TOL, name
    if "bias_hh_l0" in grads:
        blocks = slice(0, 2 * H) if kind == "gru" else slice(None)  # GRU: r and z only
        assert rel_err(grads["bias_hh_l0"][blocks], ref_layer_grads["bias_ih_l0"][blocks]) < TOL
    if kind == "lstm":  # and literally: the scratch loop = the layer
        loop_outputs, loop_final, _, _ = _autograd(d2l, d2l.lstm, params, X, Y, state)
        assert rel_err(loop_outputs, to_numpy(outputs)) < TOL
        for got, want in zip(loop_final, final, strict=True):
            assert rel_err(got, want) < TOL


def test_tensorflow_scratch_gru_equals_keras_reset_before_gru():
    """d2l's GRU is Keras' ``GRU(reset_after=False)``, weights mapped by hand.

    Keras keeps ``kernel`` (inputs, 3H), ``recurrent_kernel`` (H, 3H) and one
    ``bias`` (3H,) with the blocks in the order update z, reset r, candidate h,
    the scratch matrices unchanged (no transposes: both compute X W):
    ``kernel = [W_xz | W_xr | W_xh]``, ``recurrent_kernel = [W_hz | W_hr | W_hh]``,
    ``bias = [b_z, b_r, b_h]``; ``W_hq`` / ``b_q`` stay outside as the output layer.
    """
    import tensorflow as tf
    from tensorflow import keras

    d2l = d2lcore.framework_module("tensorflow")
    params, state, X, Y = big_params("gru"), random_state("gru"), tokens(11), tokens(12)
    layer = keras.layers.GRU(H, return_sequences=True, return_state=True, reset_after=False)
    layer.build((None, None, V))
    cell = layer.cell
    cell.kernel.assign(np.concatenate([params[f"W_x{g}"] for g in "zrh"], axis=1))
    cell.recurrent_kernel.assign(np.concatenate([params[f"W_h{g}"] for g in "zrh"], axis=1))
    cell.bias.assign(np.concatenate([params[f"b_{g}"] for g in "zrh"]))
    W_hq, b_q = tf.Variable(params["W_hq"]), tf.Variable(params["b_q"])
    H0 = tf.constant(state[0])
    with tf.GradientTape() as tape:
        tape.watch(H0)
        Hs, H_T = layer(tf.one_hot(X, V), initial_state=H0)  # batch-major
        outputs = tf.reshape(tf.transpose(Hs, (1, 0, 2)), (-1, H)) @ W_hq + b_q  # time-major
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            Y.T.reshape(-1), outputs, from_logits=True))
    kernel, recurrent, bias, dW_hq, db_q, dH0 = (to_numpy(g) for g in tape.gradient(
        loss, [cell.kernel, cell.recurrent_kernel, cell.bias, W_hq, b_q, H0]))
    grads = {"W_hq": dW_hq, "b_q": db_q}
    for g, k in zip("zrh", range(3), strict=True):
        block = slice(k * H, (k + 1) * H)
        grads[f"W_x{g}"], grads[f"W_h{g}"] = kernel[:, block], recurrent[:, block]
        grads[f"b_{g}"] = bias[block]
    keras_run = (to_numpy(outputs), [to_numpy(H_T)], grads, [dH0])
    assert_matches_reference("gru", keras_run, params, X, Y, state)  # reset before
    loop_outputs, (loop_H,), _, _ = _autograd(d2l, d2l.gru, params, X, Y, state)
    assert rel_err(loop_outputs, keras_run[0]) < TOL and rel_err(loop_H, keras_run[1][0]) < TOL


# ------------------------------------------------------------- seeded training, three ways


def _scratch_model(d2l, kind, vocab_size, num_hiddens):
    """d2l-zh's wiring of the chapter-9 pieces, from ``init_gated_params(kind, ..., seed=0)``.

    MXNet runs the loop through ``hybridize_forward`` as 8.5 does (the GRU's
    ``(H,)`` and the LSTM's ``(H, C)`` both as one graph).
    """
    get_params = functools.partial(getattr(d2l, f"get_{kind}_params"), seed=0)
    init_state, forward_fn = getattr(d2l, f"init_{kind}_state"), getattr(d2l, kind)
    if d2l.FRAMEWORK == "tensorflow":  # d2l-zh's TensorFlow argument order
        return d2l.RNNModelScratch(vocab_size, num_hiddens, init_state, forward_fn, get_params)
    if d2l.FRAMEWORK == "mxnet":
        forward_fn = d2l.hybridize_forward(forward_fn)
    return d2l.RNNModelScratch(vocab_size, num_hiddens, d2l.try_gpu(), get_params, init_state,
                               forward_fn)


@pytest.mark.parametrize("kind", rg.KINDS)
def test_seeded_training_gives_the_same_perplexity_in_every_framework(kind):
    """``train_ch8`` for 2 epochs on 3,000 tokens of The Time Machine, then ``predict_ch8``."""
    perplexities = {}
    for name in FRAMEWORKS:
        d2l = d2lcore.framework_module(name)
        train_iter, vocab = d2l.load_data_time_machine(16, 10, max_tokens=3000, rng=0)
        net = _scratch_model(d2l, kind, len(vocab), 32)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = d2l.train_ch8(net, train_iter, vocab, 1, 2, d2l.try_gpu(), animate=False,
                                    verbose=False)
        # TensorFlow traced the loop and MXNet hybridized it: no eager fallback warned.
        assert not [w for w in caught if "cannot be" in str(w.message)], name
        assert history.diverged_epoch is None
        perplexities[name] = history.final_perplexity
        text = d2l.predict_ch8("time ", 10, net, vocab, d2l.try_gpu())
        assert text.startswith("time ") and len(text) == 15
    low, high = min(perplexities.values()), max(perplexities.values())
    print(kind, perplexities)
    assert high / low - 1 < 1e-3, perplexities
    assert high < len(vocab), perplexities  # better than a uniform guess


@pytest.mark.parametrize("kind", rg.KINDS)
def test_scratch_model_names_the_gated_parameters_as_d2l(d2l, kind):
    """RNNModelScratch over the chapter-9 pieces reads and loads d2l-zh's parameter names."""
    net = _scratch_model(d2l, kind, V, H)
    assert tuple(net.param_names) == rg.PARAM_NAMES[kind]
    start = big_params(kind)
    assert net.set_numpy_params(start) is net
    loaded = net.get_numpy_params()
    assert list(loaded) == list(rg.PARAM_NAMES[kind])
    for name, value in start.items():
        np.testing.assert_array_equal(loaded[name], value, err_msg=name)
    X = tokens(13)
    state = net.begin_state(batch_size=B)
    outputs, _ = net(d2l.tensor(X), state)
    assert rel_err(outputs, rg.gated_forward(kind, start, X)[0]) < TOL
