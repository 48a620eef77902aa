"""Tests of the TensorFlow (Keras 3) package against the numpy references.

Small sizes throughout (hidden 8-32, batch 4-8, 5-10 steps) so the file runs
in well under a minute on two cores.
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from d2lcore import TrainHistory, reference, reference_layers  # noqa: E402
from d2lcore import sequence as core_sequence  # noqa: E402
from d2lcore import tensorflow as d2l  # noqa: E402

RTOL = 1e-5


def assert_close(actual, expected, what="", rtol=RTOL):
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = max(float(np.abs(expected).max()), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


def mean_ce(outputs, Y):
    y = tf.reshape(tf.transpose(Y), [-1])
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, outputs))


@pytest.fixture(scope="module")
def data():
    loader, vocab = d2l.load_data_time_machine(4, 6, max_tokens=2000, rng=0)
    X, Y = next(iter(loader))
    return X, Y, vocab


@pytest.fixture(scope="module")
def tiny_iter():
    return d2l.load_data_time_machine(8, 10, max_tokens=1000, rng=0)


def scaled_params(vocab_size, num_hiddens, embed_size=None, seed=1, scale=20.0):
    """Reference parameters made large enough that the recurrence matters."""
    p = reference.init_params(vocab_size, num_hiddens, seed, embed_size)
    return {k: v if k == "W_emb" else v * scale for k, v in p.items()}


# ---------------------------------------------------------------------------
# Package surface
# ---------------------------------------------------------------------------

def test_import_prints_nothing_on_stderr():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    result = subprocess.run([sys.executable, "-c", "from d2lcore import tensorflow as d2l"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_exports_core_and_d2l_names():
    import d2lcore

    for name in d2lcore.__all__:
        assert hasattr(d2l, name), name
    for name in ("RNNModelScratch", "RNNModel", "grad_clipping", "train_epoch_ch8", "train_ch8",
                 "predict_ch8", "try_gpu", "sgd", "load_array", "evaluate_loss", "bptt_grads"):
        assert name in d2l.__all__, name
    assert d2l.try_gpu()._device_name == "/CPU:0"
    assert [d._device_name for d in d2l.try_all_gpus()] == ["/CPU:0"]


def test_loader_batches_are_int32_tensors_equal_to_the_core():
    loader, _ = d2l.load_data_time_machine(4, 5, max_tokens=500, rng=7)
    core_loader, _ = core_sequence.load_data_time_machine(4, 5, max_tokens=500, rng=7)
    for (X, Y), (Xc, Yc) in zip(loader, core_loader, strict=True):
        assert X.dtype == tf.int32 and Y.dtype == tf.int32
        np.testing.assert_array_equal(X.numpy(), Xc)
        np.testing.assert_array_equal(Y.numpy(), Yc)
    it, vocab = d2l.load_data(["hello world", "again"], 2, 3, token="char", rng=0)
    assert len(vocab) > 3 and next(iter(it))[0].shape == (2, 3)
    X, _ = next(d2l.seq_data_iter_random(list(range(40)), 2, 5, rng=0))
    assert tf.is_tensor(X) and X.shape == (2, 5)


def test_small_helpers():
    w = tf.Variable([1.0, 2.0])
    d2l.sgd([w], [tf.constant([2.0, 4.0])], lr=0.5, batch_size=2)
    np.testing.assert_allclose(w.numpy(), [0.5, 1.0])
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = X.sum(axis=1, keepdims=True)
    batches = list(d2l.load_array((X, y), 4, is_train=False))
    assert [b[0].shape[0] for b in batches] == [4, 2]

    def net(X):
        return tf.reduce_sum(X, axis=1, keepdims=True) + 1.0  # off by one everywhere

    assert d2l.evaluate_loss(net, batches, tf.keras.losses.MeanSquaredError()) == pytest.approx(1)
    assert d2l.evaluate_loss(net, batches, lambda a, b: (a - b) ** 2) == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# The scratch model
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("activation,embed_size", [("tanh", None), ("relu", None), ("tanh", 5)])
def test_scratch_forward_and_loss_equal_reference(data, fast, activation, embed_size):
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, embed_size)
    net = d2l.RNNModelScratch(len(vocab), 8, activation=activation, embed_size=embed_size,
                              fast=fast)
    net.set_numpy_params(params)
    H0 = np.random.RandomState(0).normal(0, 0.5, (4, 8)).astype(np.float32)
    outputs, (H,) = net(X, (tf.constant(H0),))
    ref_out, ref_states = reference.forward(params, X.numpy(), H0, activation)
    assert outputs.shape == (6 * 4, len(vocab))
    assert_close(outputs, ref_out, "outputs")
    assert_close(H, ref_states[-1], "final state")
    assert float(mean_ce(outputs, Y)) == pytest.approx(reference.loss(ref_out, Y.numpy()),
                                                       rel=RTOL)


def test_seeded_params_match_reference_and_random_init_is_d2ls():
    net = d2l.RNNModelScratch(28, 16, seed=3)
    expected = reference.init_params(28, 16, seed=3)
    got = net.get_numpy_params()
    assert list(got) == list(reference.PARAM_NAMES)
    for name, value in expected.items():
        np.testing.assert_array_equal(got[name], value)
    params = d2l.get_params(28, 200)
    W_xh = params[0].numpy()
    assert W_xh.shape == (28, 200) and abs(W_xh.std() - 0.01) < 0.001
    assert not params[2].numpy().any() and not params[4].numpy().any()
    emb = d2l.get_params(28, 16, embed_size=6, seed=0)
    assert [tuple(p.shape) for p in emb][:2] == [(28, 6), (6, 16)]
    assert d2l.init_rnn_state(3, 16)[0].shape == (3, 16)


def test_scratch_begin_state_and_numpy_round_trip():
    net = d2l.RNNModelScratch(28, 16, embed_size=4)
    state = net.begin_state(batch_size=3)
    assert isinstance(state, tuple) and len(state) == 1 and state[0].shape == (3, 16)
    assert net.begin_state(2, dtype=tf.float32)[0].shape == (2, 16)  # d2l passes dtype
    params = reference.init_params(28, 16, seed=5, embed_size=4)
    got = net.set_numpy_params(params).get_numpy_params()
    assert list(got) == ["W_emb", "W_xh", "W_hh", "b_h", "W_hq", "b_q"]
    for name, value in params.items():
        assert got[name].dtype == np.float32
        np.testing.assert_array_equal(got[name], value)


def test_d2l_zh_tensorflow_scratch_code_runs_unchanged(tiny_iter):
    """The 8.5 code of d2l-zh (TensorFlow), with the user's own functions."""
    train_iter, vocab = tiny_iter

    def get_params(vocab_size, num_hiddens):
        def normal(shape):
            return tf.random.normal(shape=shape, stddev=0.01, mean=0, dtype=tf.float32)

        return [tf.Variable(normal((vocab_size, num_hiddens))),
                tf.Variable(normal((num_hiddens, num_hiddens))),
                tf.Variable(tf.zeros(num_hiddens)),
                tf.Variable(normal((num_hiddens, vocab_size))),
                tf.Variable(tf.zeros(vocab_size))]

    def init_rnn_state(batch_size, num_hiddens):
        return (tf.zeros((batch_size, num_hiddens)),)

    net = d2l.RNNModelScratch(len(vocab), 16, init_rnn_state, d2l.rnn, get_params)
    assert not net.library_pieces and not net.fast
    X = tf.reshape(tf.range(10), (2, 5))
    Y, new_state = net(X, net.begin_state(X.shape[0]))
    assert Y.shape == (10, len(vocab)) and new_state[0].shape == (2, 16)
    text = d2l.predict_ch8("time traveller ", 10, net, vocab)
    # an untrained net may predict <unk>: count tokens, not characters
    assert text.startswith("time traveller ")
    assert len(text.replace("<unk>", "?")) == len("time traveller ") + 10
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    updater = tf.keras.optimizers.SGD(1.0)
    ppl, speed = d2l.train_epoch_ch8(net, train_iter, loss, updater, False)
    assert math.isfinite(ppl) and speed > 0
    history = d2l.train_ch8(net, train_iter, vocab, 1, 2, d2l.try_gpu(), animate=False,
                            verbose=False)
    assert history.epochs == 2


# ---------------------------------------------------------------------------
# BPTT
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("truncate", [None, 1, 3])
@pytest.mark.parametrize("activation,embed_size", [("tanh", None), ("relu", None), ("tanh", 4)])
def test_bptt_equals_autograd_equals_reference(data, truncate, activation, embed_size):
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, embed_size, seed=2)
    H0 = np.random.RandomState(2).normal(0, 0.5, (4, 8)).astype(np.float32)
    ref = reference.bptt(params, X.numpy(), Y.numpy(), H0, activation, truncate)
    explicit = d2l.bptt_grads(params, X, Y, (tf.constant(H0),), activation, truncate)
    auto = d2l.autograd_grads(params, X, Y, (tf.constant(H0),), activation, truncate)
    assert set(explicit) == set(auto) == set(ref)
    for name in ref:
        assert_close(explicit[name], ref[name], f"bptt {name}")
        assert_close(auto[name], ref[name], f"autograd {name}")


def test_bptt_takes_a_model_and_uses_its_activation(data):
    X, Y, vocab = data
    net = d2l.RNNModelScratch(len(vocab), 8, activation="relu", seed=4)
    params = net.get_numpy_params()
    ref = reference.bptt(params, X.numpy(), Y.numpy(), activation="relu")
    grads = d2l.bptt_grads(net, X, Y)
    for name in ref:
        assert_close(grads[name], ref[name], name)
    with pytest.raises(ValueError, match="activation"):
        d2l.bptt_grads(net, X, Y, activation="tanh")


def test_hidden_grad_norms_equal_autograd(data):
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, seed=6)
    p = {k: tf.constant(v) for k, v in params.items()}
    inputs = tf.unstack(tf.one_hot(tf.transpose(X), len(vocab)))
    with tf.GradientTape() as tape:
        H, Hs = tf.zeros((4, 8)), []
        for x in inputs:
            H = tf.tanh(x @ p["W_xh"] + H @ p["W_hh"] + p["b_h"])
            tape.watch(H)
            Hs.append(H)
        outputs = tf.concat([h @ p["W_hq"] + p["b_q"] for h in Hs], axis=0)
        loss = mean_ce(outputs, Y)
    expected = [float(tf.norm(g)) for g in tape.gradient(loss, Hs)]
    got = d2l.hidden_grad_norms(params, X, Y)
    assert len(got) == X.shape[1]
    np.testing.assert_allclose(got, expected, rtol=RTOL)


# ---------------------------------------------------------------------------
# Clipping and one SGD step
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("theta", [1e-3, 1.0, 1e6])
def test_grad_clipping_equals_reference(data, theta):
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, seed=3)
    ref_grads = reference.bptt(params, X.numpy(), Y.numpy())
    ref_clipped, ref_norm = reference.clip_grads(ref_grads, theta)
    names = list(reference.PARAM_NAMES)
    grads = [tf.constant(ref_grads[n], tf.float32) for n in names]
    clipped = d2l.grad_clipping(grads, theta)
    assert isinstance(clipped, list)  # d2l's TensorFlow contract: the clipped list
    assert d2l.grad_norm(grads) == pytest.approx(ref_norm, rel=RTOL)
    for name, g in zip(names, clipped, strict=True):
        assert_close(g, ref_clipped[name], name)


def test_grad_clipping_densifies_indexed_slices():
    slices = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), tf.constant([3, 2]))
    clipped = d2l.grad_clipping([slices], 1.0)
    assert d2l.grad_norm([slices]) == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0].numpy(), [[0, 0], [0.6, 0.8], [0, 0]], rtol=1e-6)


@pytest.mark.parametrize("theta, error", [(0, ValueError), (-1.0, ValueError),
                                          (math.nan, ValueError), ("1", TypeError),
                                          (None, TypeError), (True, TypeError)])
def test_grad_clipping_rejects_bad_theta(theta, error):
    with pytest.raises(error, match="theta"):
        d2l.grad_clipping([tf.ones(3)], theta)


def test_grad_clipping_refuses_a_model():
    with pytest.raises(TypeError, match="gradients"):
        d2l.grad_clipping(d2l.RNNModelScratch(5, 4), 1.0)


@pytest.mark.parametrize("fast", [True, False])
def test_one_clipped_sgd_step_equals_numpy(data, fast):
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, seed=7, scale=60.0)
    grads, norm = reference.clip_grads(reference.bptt(params, X.numpy(), Y.numpy()), 1.0)
    assert norm > 1.0, "the test must exercise clipping"
    net = d2l.RNNModelScratch(len(vocab), 8, fast=fast).set_numpy_params(params)
    norms = []
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    d2l.train_epoch_ch8(net, [(X, Y)], loss, tf.keras.optimizers.SGD(1.0), False,
                        clip_theta=1, grad_norms=norms)
    assert norms == [pytest.approx(norm, rel=RTOL)]
    after = net.get_numpy_params()
    for name in reference.PARAM_NAMES:
        assert_close(after[name], params[name] - 1.0 * grads[name], name, rtol=1e-4)
    # train_ch8's default updater (d2l's sgd) takes the same step.
    net2 = d2l.RNNModelScratch(len(vocab), 8, fast=fast).set_numpy_params(params)
    d2l.train_ch8(net2, [(X, Y)], vocab, 1, 1, animate=False, verbose=False)
    for name, value in net2.get_numpy_params().items():
        assert_close(value, after[name], name, rtol=1e-4)


# ---------------------------------------------------------------------------
# The concise model
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", reference_layers.KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_concise_models_equal_reference_layers(data, kind, num_layers):
    X, Y, vocab = data
    params = reference_layers.init_layer_params(kind, len(vocab), 16, num_layers, seed=3)
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, 16, num_layers), len(vocab))
    net.set_numpy_params(params)
    state = net.begin_state(batch_size=4)
    outputs, final = net(X, state)
    ref_out, ref_final = reference_layers.layer_forward(kind, params, X.numpy(),
                                                        num_layers=num_layers)
    assert_close(outputs, ref_out, f"{kind} x{num_layers} outputs")
    if kind == "lstm":
        assert_close(final[0], ref_final[0], "H")
        assert_close(final[1], ref_final[1], "C")
    else:
        assert_close(final, ref_final, "H")
    round_trip = net.get_numpy_params()
    assert list(round_trip) == list(params)
    for name, value in params.items():
        assert round_trip[name].dtype == np.float32
        np.testing.assert_array_equal(round_trip[name], value, err_msg=name)


@pytest.mark.parametrize("kind", reference_layers.KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_concise_begin_state_shapes(kind, num_layers):
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, 12, num_layers), 7)
    state = net.begin_state(batch_size=3)
    if kind == "lstm":
        assert isinstance(state, tuple) and [s.shape for s in state] == [(num_layers, 3, 12)] * 2
    else:
        assert tf.is_tensor(state) and state.shape == (num_layers, 3, 12)
    assert net.num_layers == num_layers and net.kind == kind


def test_concise_bias_split_after_training_keeps_the_sum(data):
    X, Y, vocab = data
    params = reference_layers.init_layer_params("lstm", len(vocab), 8, seed=1)
    net = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8), len(vocab)).set_numpy_params(params)
    d2l.train_ch8(net, [(X, Y)], vocab, 1, 1, animate=False, verbose=False)
    after = net.get_numpy_params()
    np.testing.assert_array_equal(after["bias_hh_l0"], params["bias_hh_l0"])
    assert_close(after["bias_ih_l0"] + after["bias_hh_l0"], net.rnn.cell.bias.numpy(), "sum")
    assert not np.array_equal(after["bias_ih_l0"], params["bias_ih_l0"])


def test_concise_training_step_is_one_clipped_sgd_step(data):
    X, Y, vocab = data
    params = reference_layers.init_layer_params("gru", len(vocab), 8, 2, seed=5)
    net = d2l.RNNModel(d2l.make_rnn_layer("gru", 8, 2), len(vocab)).set_numpy_params(params)
    with tf.GradientTape() as tape:
        outputs, _ = net(X, net.begin_state(batch_size=4))
        loss = mean_ce(outputs, Y)
    grads = tape.gradient(loss, net.trainable_variables)
    assert d2l.grad_norm(grads) > 0.2, "the test must exercise clipping"
    grads = d2l.grad_clipping(grads, 0.2)
    expected = [v.numpy() - 2.0 * g.numpy()
                for v, g in zip(net.trainable_variables, grads, strict=True)]
    d2l.train_ch8(net, [(X, Y)], vocab, 2.0, 1, clip_theta=0.2, animate=False, verbose=False)
    for v, value in zip(net.trainable_variables, expected, strict=True):
        assert_close(v.numpy(), value, v.path, rtol=1e-4)


def test_one_device_strategy_as_d2l_uses_it(tiny_iter, capsys):
    train_iter, vocab = tiny_iter
    strategy = tf.distribute.OneDeviceStrategy(d2l.try_gpu()._device_name)
    with strategy.scope():
        layer = tf.keras.layers.SimpleRNN(8, return_sequences=True, return_state=True)
        net = d2l.RNNModel(layer, vocab_size=len(vocab))
    history = d2l.train_ch8(net, train_iter, vocab, 1, 1, strategy, animate=False)
    assert history.epochs == 1
    assert "tokens/sec on /CPU:0" in capsys.readouterr().out


def test_concise_accepts_plain_keras_layers(data):
    X, _, vocab = data
    layer = tf.keras.layers.GRU(6, return_sequences=True, return_state=True)
    net = d2l.RNNModel(layer, vocab_size=len(vocab))
    outputs, state = net(X, net.begin_state(batch_size=4))
    assert outputs.shape == (24, len(vocab)) and state.shape == (1, 4, 6)
    cell_layer = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(6), return_sequences=True,
                                     return_state=True)
    assert d2l.RNNModel(cell_layer, len(vocab)).kind == "rnn"
    used = tf.keras.layers.LSTM(6, return_sequences=True, return_state=True)
    used(tf.zeros((1, 2, 3)))  # built for 3 inputs per step, not len(vocab)
    with pytest.raises(ValueError, match="rnn_layer was already built"):
        d2l.RNNModel(used, len(vocab))


# ---------------------------------------------------------------------------
# Training and prediction
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["scratch", "scratch-readable", "concise-gru"])
def test_train_ch8_returns_a_finite_history(tiny_iter, model, capsys):
    train_iter, vocab = tiny_iter
    if model == "concise-gru":
        net = d2l.RNNModel(d2l.make_rnn_layer("gru", 16), len(vocab))
    else:
        net = d2l.RNNModelScratch(len(vocab), 16, seed=0, fast=model == "scratch")
    history = d2l.train_ch8(net, train_iter, vocab, 1, 3, d2l.try_gpu(), animate=False)
    assert isinstance(history, TrainHistory)
    assert history.epochs == 3 and history.diverged_epoch is None
    values = history.perplexity + history.grad_norm + history.grad_norm_max
    assert all(math.isfinite(v) and v > 0 for v in values)
    assert history.tokens_per_sec > 0 and history.seconds > 0
    assert all(m >= a for m, a in zip(history.grad_norm_max, history.grad_norm, strict=True))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("perplexity ") and lines[0].endswith("tokens/sec on /CPU:0")
    assert lines[1].startswith("time traveller") and lines[2].startswith("traveller")


def test_train_ch8_options(tiny_iter):
    train_iter, vocab = tiny_iter
    random_iter, _ = d2l.load_data_time_machine(8, 10, use_random_iter=True, max_tokens=1000,
                                                rng=1)
    net = d2l.RNNModelScratch(len(vocab), 16, seed=0)
    history = d2l.train_ch8(net, random_iter, vocab, 1, 2, None, True, clip_theta=None,
                            animate=True, verbose=False)
    assert history.diverged_epoch is None and history.grad_norm_max[0] > 0
    calls = tf.Variable(0)  # the updater runs inside the compiled step: count in the graph

    def updater(batch_size, grads):
        calls.assign_add(batch_size)
        d2l.sgd(net.params, grads, 0.5, batch_size)

    before = net.get_numpy_params()["W_hh"]
    history = d2l.train_ch8(net, train_iter, vocab, 1, 1, updater=updater, animate=False,
                            verbose=False)
    assert int(calls.numpy()) == len(list(train_iter))
    assert not np.array_equal(before, net.get_numpy_params()["W_hh"])
    history = d2l.train_ch8(net, train_iter, vocab, 1, 2, updater=tf.keras.optimizers.Adam(1e-3),
                            detach_state=False, animate=False, verbose=False)
    assert history.epochs == 2 and all(math.isfinite(p) for p in history.perplexity)


def test_without_detaching_gradients_reach_earlier_minibatches(data):
    """With detach_state=False the second minibatch's gradient also flows into the first."""
    X, Y, vocab = data
    params = scaled_params(len(vocab), 8, seed=8)
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    X2, Y2 = tf.roll(X, 1, axis=1), tf.roll(Y, 1, axis=1)
    norms = {}
    for detach in (True, False):
        net = d2l.RNNModelScratch(len(vocab), 8).set_numpy_params(params)
        norms[detach] = []
        d2l.train_epoch_ch8(net, [(X, Y), (X2, Y2)], loss, tf.keras.optimizers.SGD(1e-9), False,
                            clip_theta=None, detach_state=detach, grad_norms=norms[detach])
    assert norms[True][0] == pytest.approx(norms[False][0], rel=1e-5)
    assert norms[True][1] != pytest.approx(norms[False][1], rel=1e-3)


def test_divergence_is_detected(tiny_iter, capsys):
    train_iter, vocab = tiny_iter
    net = d2l.RNNModelScratch(len(vocab), 16, seed=0, activation="relu")
    history = d2l.train_ch8(net, train_iter, vocab, 1e6, 3, clip_theta=None, animate=False,
                            verbose=False)
    assert history.diverged_epoch == 1 and history.epochs == 1
    assert not math.isfinite(history.final_perplexity)
    assert "training diverged at epoch 1" in capsys.readouterr().out


def test_predict_ch8(tiny_iter):
    _, vocab = tiny_iter
    net = d2l.RNNModelScratch(len(vocab), 16, seed=0)
    net.set_numpy_params(scaled_params(len(vocab), 16, seed=0, scale=100.0))
    greedy = d2l.predict_ch8("time ", 20, net, vocab)
    assert greedy == d2l.predict_ch8("time ", 20, net, vocab)
    assert greedy.startswith("time ") and len(greedy) == 25
    sampled = [d2l.predict_ch8("time ", 20, net, vocab, sample=True, seed=s) for s in (1, 1, 2)]
    assert sampled[0] == sampled[1] and len(sampled[0]) == 25
    assert d2l.predict_ch8("time ", 20, net, vocab, sample=True, alpha=1e4, seed=3) == greedy
    assert d2l.predict_ch8("t#", 0, net, vocab) == "t<unk>"
    assert d2l.predict_ch8("#", 3, net, vocab).startswith("<unk>")
    concise = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8, 2), len(vocab))
    text = d2l.predict_ch8("time", 5, concise, vocab)  # untrained: may predict <unk> too
    assert text.startswith("time") and 4 + 5 <= len(text) <= 4 + 5 * len("<unk>")


# ---------------------------------------------------------------------------
# Bad input: every error names its argument
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("call,argument", [
    (lambda: d2l.RNNModelScratch(28, 8, activation="sigmoid"), "activation"),
    (lambda: d2l.RNNModelScratch(0, 8), "vocab_size"),
    (lambda: d2l.RNNModelScratch(28, -1), "num_hiddens"),
    (lambda: d2l.RNNModelScratch(28, 8, embed_size=0), "embed_size"),
    (lambda: d2l.RNNModelScratch(28, 8, forward_fn=d2l.rnn, activation="relu"), "activation"),
    (lambda: d2l.get_params(28, 8, seed=1.5), "seed"),
    (lambda: d2l.RNNModelScratch(28, 8).begin_state(0), "batch_size"),
    (lambda: d2l.make_rnn_layer("transformer", 8), "kind"),
    (lambda: d2l.make_rnn_layer("gru", 8, num_layers=0), "num_layers"),
    (lambda: d2l.RNNModel(tf.keras.layers.SimpleRNN(4), 28), "rnn_layer"),
    (lambda: d2l.RNNModel(tf.keras.layers.Dense(4), 28), "rnn_layer"),
    (lambda: d2l.RNNModel(d2l.make_rnn_layer("rnn", 4), 0), "vocab_size"),
    (lambda: d2l.RNNModelScratch(28, 8).set_numpy_params({"W_xh": np.zeros((28, 8))}), "params"),
    (lambda: d2l.RNNModel(d2l.make_rnn_layer("rnn", 4), 5).set_numpy_params({}), "params"),
    (lambda: d2l.grad_clipping([tf.ones(2)], 0), "theta"),
    (lambda: d2l.bptt_grads(reference.init_params(5, 4), [[1, 2]], [[2, 3]], truncate=0),
     "truncate"),
    (lambda: d2l.bptt_grads({"W_xh": 1}, [[1]], [[2]]), "net_or_params"),
    (lambda: d2l.load_data_time_machine(5000, 35), "batch_size"),
    (lambda: d2l.try_gpu(-1), "i"),
])
def test_bad_arguments_are_named(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_bad_model_inputs_are_named(data):
    X, Y, vocab = data
    net = d2l.RNNModelScratch(len(vocab), 8)
    state = net.begin_state(batch_size=4)
    with pytest.raises(ValueError, match="X must be 2-D"):
        net(tf.zeros(5, tf.int32), state)
    with pytest.raises(ValueError, match="X must hold integer"):
        net(tf.zeros((4, 6)), state)
    with pytest.raises(ValueError, match="vocab_size"):
        net(X + len(vocab), state)
    with pytest.raises(ValueError, match="state"):
        net(X, net.begin_state(batch_size=3))
    with pytest.raises(ValueError, match="state"):
        net(X, state[0])
    shape = d2l.RNNModelScratch(len(vocab), 8, fast=False).params[0].shape
    with pytest.raises(ValueError, match=r"params\['W_xh'\]"):
        net.set_numpy_params({**net.get_numpy_params(), "W_xh": np.zeros(shape[::-1])})
    concise = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8), len(vocab))
    with pytest.raises(ValueError, match="state"):
        concise(X, concise.begin_state(batch_size=4)[0])
    with pytest.raises(ValueError, match="X holds token ids"):
        concise(X * 0 - 1, concise.begin_state(batch_size=4))


def test_bad_training_and_prediction_arguments_are_named(tiny_iter):
    train_iter, vocab = tiny_iter
    net = d2l.RNNModelScratch(len(vocab), 8)
    for kwargs, argument in [({"lr": 0}, "lr"), ({"num_epochs": 0}, "num_epochs"),
                             ({"clip_theta": -1}, "clip_theta")]:
        args = {"lr": 1, "num_epochs": 1, **kwargs}
        with pytest.raises(ValueError, match=argument):
            d2l.train_ch8(net, train_iter, vocab, args["lr"], args["num_epochs"],
                          clip_theta=kwargs.get("clip_theta", 1), animate=False, verbose=False)
    with pytest.raises(TypeError, match="updater"):
        d2l.train_ch8(net, train_iter, vocab, 1, 1, updater="sgd", animate=False)
    with pytest.raises(ValueError, match="prefix"):
        d2l.predict_ch8("", 5, net, vocab)
    with pytest.raises(ValueError, match="num_preds"):
        d2l.predict_ch8("time", -1, net, vocab)
    with pytest.raises(ValueError, match="alpha"):
        d2l.predict_ch8("time", 5, net, vocab, sample=True, alpha=0)


# ---------------------------------------------------------------------------
# d2l 8.1: autoregressive models of the sine
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make_net", [lambda: d2l.get_net(seed=0),
                                      lambda: d2l.RNNAutoregressor(8, seed=0)])
def test_autoregressors_train_and_predict(make_net):
    _, x = d2l.make_sine(T=300, seed=0)
    features, labels = d2l.ar_features(x, 4)
    net = make_net()
    losses = d2l.train_autoregressor(net, features, labels, epochs=3, lr=0.01, n_train=200,
                                     seed=0)
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    preds = d2l.predict_multistep(net, x, 4, 204)
    assert preds.shape == x.shape
    np.testing.assert_array_equal(preds[:204], x[:204])
    matrix = d2l.predict_k_step(net, x, 4, 16)
    rows, observed = d2l.k_step_targets(x, 4, 16)
    assert matrix.shape == (rows, 20)
    np.testing.assert_array_equal(matrix[:, :4], observed)
    one_step = np.asarray(net(features[:rows])).reshape(-1)
    assert_close(matrix[:, 4], one_step, "1-step column", rtol=1e-5)
    with pytest.raises(ValueError, match="n_train"):
        d2l.train_autoregressor(net, features, labels, n_train=0)
    with pytest.raises(ValueError, match="n_start"):
        d2l.predict_multistep(net, x, 4, 2)


def test_a_forward_pass_tf_function_cannot_trace_trains_eagerly_with_a_warning():
    corpus = np.arange(400) % 7
    batches = [(tf.constant(X, tf.int32), tf.constant(Y, tf.int32))
               for X, Y in core_sequence.seq_data_iter_sequential(corpus, 4, 5)]

    def untraceable_rnn(inputs, state, params):
        if float(tf.reduce_sum(inputs).numpy()) < 0:  # .numpy() exists only eagerly
            raise AssertionError("not reached")
        return d2l.rnn(inputs, state, params)

    traced = d2l.RNNModelScratch(7, 8, d2l.init_rnn_state, d2l.rnn, d2l.get_params)
    eager = d2l.RNNModelScratch(7, 8, d2l.init_rnn_state, untraceable_rnn, d2l.get_params)
    eager.set_numpy_params(traced.get_numpy_params())
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ppl_traced, _ = d2l.train_epoch_ch8(traced, batches, loss, lambda b, g: d2l.sgd(
        traced.params, g, 1, b))
    with pytest.warns(UserWarning, match="cannot be traced by tf.function"):
        ppl_eager, _ = d2l.train_epoch_ch8(eager, batches, loss, lambda b, g: d2l.sgd(
            eager.params, g, 1, b))
    assert ppl_eager == pytest.approx(ppl_traced, rel=1e-5)
    for a, b in zip(traced.params, eager.params, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
