"""Unit tests of the MXNet/Gluon package d2lcore.mxnet, checked against the numpy references."""

import os
import subprocess
import sys

import numpy as onp
import pytest

from d2lcore import mxnet as d2l
from d2lcore import reference, reference_layers
from d2lcore import sequence as core_sequence

mx = d2l.mx
np, npx, autograd, gluon = d2l.np, d2l.npx, d2l.autograd, d2l.gluon

RTOL = 1e-5
HIDDEN = 16


def rel_err(actual, expected):
    actual = actual.asnumpy() if hasattr(actual, "asnumpy") else onp.asarray(actual)
    expected = onp.asarray(expected, dtype=onp.float64)
    return float(onp.abs(actual - expected).max() / max(onp.abs(expected).max(), 1e-30))


@pytest.fixture(scope="module")
def data():
    loader, vocab = d2l.load_data_time_machine(8, 10, max_tokens=2000, rng=0)
    X, Y = next(iter(loader))
    return loader, vocab, X, Y


def scratch(vocab, **kwargs):
    kwargs.setdefault("seed", 1)
    return d2l.RNNModelScratch(len(vocab), HIDDEN, d2l.try_gpu(), **kwargs)


def loss_and_grads(net, X, Y, state=None):
    state = net.begin_state(batch_size=X.shape[0]) if state is None else state
    with autograd.record():
        outputs, new_state = net(X, state)
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(outputs, Y.T.reshape(-1)).mean()
    loss.backward()
    grads = {name: p.grad.asnumpy().copy() for name, p in zip(net.param_names, net.params)}
    return outputs.asnumpy(), new_state[0].asnumpy(), float(loss), grads


# ------------------------------------------------------------------- import and data


def test_import_is_silent():
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-c", "from d2lcore import mxnet as d2l"],
                            capture_output=True, text=True, env=env, check=True)
    assert result.stderr == ""


def test_core_names_are_reexported():
    import d2lcore

    for name in d2lcore.__all__:
        assert hasattr(d2l, name), name
    for name in ("try_gpu", "try_all_gpus", "sgd", "load_array", "evaluate_loss"):
        assert callable(getattr(d2l, name))
    assert d2l.try_all_gpus() == [mx.cpu()] or npx.num_gpus() > 0


def test_loader_yields_mxnet_ints_identical_to_core():
    loader, _ = d2l.load_data_time_machine(4, 5, max_tokens=500, rng=7)
    core_loader, _ = core_sequence.load_data_time_machine(4, 5, max_tokens=500, rng=7)
    for (X, Y), (cX, cY) in zip(loader, core_loader, strict=True):
        assert isinstance(X, np.ndarray) and X.dtype == onp.int64 and X.shape == (4, 5)
        onp.testing.assert_array_equal(X.asnumpy(), cX)
        onp.testing.assert_array_equal(Y.asnumpy(), cY)


def test_load_data_on_any_lines():
    loader, vocab = d2l.load_data(["abc abc abd"] * 20, 2, 4, rng=0)
    X, _ = next(iter(loader))
    assert isinstance(X, np.ndarray) and X.shape == (2, 4)
    with pytest.raises(ValueError, match="token"):
        d2l.load_data(["abc"] * 50, 2, 4, token="syllable")


# -------------------------------------------------------------------- scratch model


@pytest.mark.parametrize("activation,embed_size", [("tanh", None), ("relu", None),
                                                   ("tanh", 5), ("relu", 5)])
@pytest.mark.parametrize("fast", [True, False])
def test_scratch_forward_and_loss_match_reference(data, activation, embed_size, fast):
    _, vocab, X, Y = data
    net = scratch(vocab, activation=activation, embed_size=embed_size, fast=fast)
    params = net.get_numpy_params()
    assert list(params) == list(reference.param_names(embed_size))
    H0 = onp.random.RandomState(0).normal(0, 0.5, (8, HIDDEN)).astype(onp.float32)
    outputs, (H,) = net(X, (np.array(H0),))
    ref_out, ref_states = reference.forward(params, X.asnumpy(), H0, activation)
    assert outputs.shape == (10 * 8, len(vocab))
    assert rel_err(outputs, ref_out) < RTOL
    assert rel_err(H, ref_states[-1]) < RTOL
    out, _, loss, _ = loss_and_grads(net, X, Y)
    ref_out, _ = reference.forward(params, X.asnumpy(), None, activation)
    assert loss == pytest.approx(reference.loss(ref_out, Y.asnumpy()), rel=RTOL)


def test_custom_functions_are_used_as_given(data):
    _, vocab, X, _ = data
    calls = []

    def my_params(vocab_size, num_hiddens, device):
        params = [np.ones((vocab_size, num_hiddens), ctx=device)]
        for p in params:
            p.attach_grad()
        return params

    def my_state(batch_size, num_hiddens, device):
        return (np.zeros((batch_size, num_hiddens), ctx=device),)

    def my_forward(inputs, state, params):
        calls.append(inputs.shape)
        return np.dot(inputs.reshape(-1, inputs.shape[-1]), params[0]), state

    net = d2l.RNNModelScratch(len(vocab), 3, d2l.try_gpu(), my_params, my_state, my_forward)
    assert not net.fast
    out, _ = net(X, net.begin_state(batch_size=8, ctx=d2l.try_gpu()))
    assert calls == [(10, 8, len(vocab))] and out.shape == (80, 3)
    # d2l's book passes mx.np float arrays such as np.arange(10).reshape(2, 5).
    net(np.arange(10).reshape((2, 5)), net.begin_state(2))


def test_get_params_d2l_initialisation():
    W_xh, W_hh, b_h, W_hq, b_q = d2l.get_params(28, 64, d2l.try_gpu())
    assert W_xh.shape == (28, 64) and W_hq.shape == (64, 28)
    assert 0.005 < float(W_hh.std()) < 0.015
    assert float(abs(b_h).sum()) == 0 and float(abs(b_q).sum()) == 0
    assert W_xh.grad is not None
    seeded = d2l.get_params(28, 8, None, seed=3, embed_size=4)
    for got, (name, want) in zip(seeded, reference.init_params(28, 8, 3, 4).items(),
                                 strict=True):
        onp.testing.assert_array_equal(got.asnumpy(), want, err_msg=name)
    (H,) = d2l.init_rnn_state(3, 8, None)
    assert H.shape == (3, 8)


def test_rnn_functions_are_the_readable_loop(data):
    _, vocab, X, _ = data
    net = scratch(vocab, fast=False)
    params = net.get_numpy_params()
    inputs = npx.one_hot(X.T, len(vocab))
    for fn, activation in ((d2l.rnn, "tanh"), (d2l.rnn_relu, "relu")):
        out, (H,) = fn(inputs, d2l.init_rnn_state(8, HIDDEN), net.params)
        ref_out, _ = reference.forward(params, X.asnumpy(), None, activation)
        assert rel_err(out, ref_out) < RTOL


def test_numpy_params_round_trip(data):
    _, vocab, _, _ = data
    net = scratch(vocab, embed_size=3)
    values = {k: v + 1 for k, v in net.get_numpy_params().items()}
    net.set_numpy_params(values)
    back = net.get_numpy_params()
    assert all(back[k].dtype == onp.float32 and (back[k] == values[k]).all() for k in values)


def test_scratch_begin_state_shape(data):
    _, vocab, _, _ = data
    state = scratch(vocab).begin_state(batch_size=5)
    assert isinstance(state, tuple) and len(state) == 1 and state[0].shape == (5, HIDDEN)


# ------------------------------------------------------------------------------ BPTT


@pytest.mark.parametrize("truncate", [None, 1, 3])
@pytest.mark.parametrize("activation,embed_size", [("tanh", None), ("relu", None), ("tanh", 4)])
def test_bptt_equals_autograd_equals_reference(data, truncate, activation, embed_size):
    _, vocab, X, Y = data
    net = scratch(vocab, activation=activation, embed_size=embed_size, seed=5)
    params = {k: v * 20 for k, v in net.get_numpy_params().items()}
    net.set_numpy_params(params)
    H0 = onp.random.RandomState(2).normal(0, 0.5, (8, HIDDEN)).astype(onp.float32)
    want = reference.bptt(params, X.asnumpy(), Y.asnumpy(), H0, activation, truncate)
    by_hand = d2l.bptt_grads(net, X, Y, (np.array(H0),), truncate=truncate)
    by_autograd = d2l.autograd_grads(net, X, Y, (np.array(H0),), truncate=truncate)
    assert set(by_hand) == set(want) == set(by_autograd)
    for name in want:
        assert rel_err(by_hand[name], want[name]) < RTOL, name
        assert rel_err(by_autograd[name], want[name]) < RTOL, name


def test_bptt_accepts_a_dict_and_truncation_changes_gradients(data):
    _, vocab, X, Y = data
    params = {k: v * 30 for k, v in reference.init_params(len(vocab), HIDDEN, 0).items()}
    full = d2l.bptt_grads(params, X, Y)
    one = d2l.bptt_grads(params, X, Y, truncate=1)
    assert rel_err(one["W_hq"], full["W_hq"].asnumpy()) < RTOL  # the output layer is local
    assert rel_err(one["W_hh"], full["W_hh"].asnumpy()) > 1e-3
    long = d2l.bptt_grads(params, X, Y, truncate=X.shape[1])
    assert rel_err(long["W_hh"], full["W_hh"].asnumpy()) < RTOL
    as_list = d2l.bptt_grads(list(params.values()), X, Y)
    assert all(rel_err(as_list[k], full[k].asnumpy()) == 0 for k in full)
    with pytest.raises(ValueError, match="net_or_params"):
        d2l.bptt_grads(list(params.values())[:3], X, Y)


def test_hidden_grad_norms(data):
    _, vocab, X, Y = data
    params = reference.init_params(len(vocab), HIDDEN, 0)
    norms = d2l.hidden_grad_norms(params, X, Y)
    assert len(norms) == X.shape[1] and all(n > 0 for n in norms)
    # The last step only sees its own output: ||dL/dO_T W_hq^T||.
    out, states = reference.forward(params, X.asnumpy())
    p = onp.exp(out - out.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = Y.asnumpy().T.reshape(-1)
    p[onp.arange(len(y)), y] -= 1
    last = (p.reshape(10, 8, -1)[-1] / len(y)) @ params["W_hq"].T
    assert norms[-1] == pytest.approx(float(onp.linalg.norm(last)), rel=1e-4)


# ------------------------------------------------------------- clipping and updates


@pytest.mark.parametrize("theta", [1e-3, 1.0, 1e6])
def test_grad_clipping_matches_reference(data, theta):
    _, vocab, X, Y = data
    net = scratch(vocab, fast=False)
    params = {k: v * 10 for k, v in net.get_numpy_params().items()}
    net.set_numpy_params(params)
    loss_and_grads(net, X, Y)
    want, want_norm = reference.clip_grads(reference.bptt(params, X.asnumpy(), Y.asnumpy()),
                                           theta)
    norm = d2l.grad_clipping(net, theta)
    assert norm == pytest.approx(want_norm, rel=RTOL)
    for name, p in zip(net.param_names, net.params):
        assert rel_err(p.grad, want[name]) < RTOL, name


def test_one_clipped_sgd_step_matches_numpy(data):
    _, vocab, X, Y = data
    net = scratch(vocab)
    params = {k: v * 100 for k, v in net.get_numpy_params().items()}
    net.set_numpy_params(params)
    norms = []
    d2l.train_epoch_ch8(net, [(X, Y)], gluon.loss.SoftmaxCrossEntropyLoss(),
                        lambda batch_size: d2l.sgd(net.params, 1, batch_size), None, False,
                        clip_theta=1, grad_norms=norms)
    grads, norm = reference.clip_grads(reference.bptt(params, X.asnumpy(), Y.asnumpy()), 1)
    assert norm > 1, "the step must exercise clipping"
    assert norms == [pytest.approx(norm, rel=1e-4)]
    after = net.get_numpy_params()
    for name in params:
        assert rel_err(after[name], params[name] - grads[name]) < 1e-4, name


def test_grad_clipping_on_gluon_model(data):
    _, vocab, X, Y = data
    net = d2l.RNNModel(d2l.make_rnn_layer("gru", 8), len(vocab))
    with autograd.record():
        out, _ = net(X, net.begin_state(batch_size=8))
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(out, Y.T.reshape(-1)).mean()
    loss.backward()
    grads = [p.grad().asnumpy() for p in net.collect_params().values()]
    want = float(onp.sqrt(sum((g.astype(onp.float64) ** 2).sum() for g in grads)))
    assert d2l.grad_clipping(net, want / 2) == pytest.approx(want, rel=RTOL)
    assert d2l.grad_norm(net) == pytest.approx(want / 2, rel=1e-4)


# ------------------------------------------------------------------ concise models


@pytest.mark.parametrize("kind", reference_layers.KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_concise_matches_reference_layers(data, kind, num_layers):
    _, vocab, X, _ = data
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, HIDDEN, num_layers), len(vocab))
    params = reference_layers.init_layer_params(kind, len(vocab), HIDDEN, num_layers, seed=3)
    net.set_numpy_params(params)
    back = net.get_numpy_params()
    assert set(back) == set(params)
    assert all((back[k] == params[k]).all() and back[k].dtype == onp.float32 for k in params)
    state = net.begin_state(batch_size=8)
    shape = (num_layers, 8, HIDDEN)
    assert [s.shape for s in state] == [shape] * (2 if kind == "lstm" else 1)
    rs = onp.random.RandomState(4)
    start = [rs.normal(0, 0.5, shape).astype(onp.float32) for _ in state]
    out, new_state = net(X, [np.array(s) for s in start])
    ref_state = (start[0], start[1]) if kind == "lstm" else start[0]
    ref_out, ref_final = reference_layers.layer_forward(kind, params, X.asnumpy(), ref_state,
                                                        num_layers)
    assert out.shape == (80, len(vocab))
    assert rel_err(out, ref_out) < RTOL
    finals = ref_final if kind == "lstm" else (ref_final,)
    for got, want in zip(new_state, finals, strict=True):
        assert rel_err(got, want) < RTOL


def test_concise_hybridized_equals_imperative(data):
    _, vocab, X, _ = data
    params = reference_layers.init_layer_params("lstm", len(vocab), 8, 2, seed=0)
    outs = []
    for hybridize in (True, False):
        net = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8, 2), len(vocab), hybridize=hybridize)
        net.set_numpy_params(params)
        outs.append(net(X, net.begin_state(batch_size=8))[0].asnumpy())
    assert rel_err(outs[0], outs[1]) < RTOL


def test_d2l_concise_workflow(data):
    """d2l 8.6 (MXNet): a Gluon layer initialised first, then wrapped and re-initialised."""
    _, vocab, _, _ = data
    layer = gluon.rnn.RNN(8)
    layer.initialize()
    net = d2l.RNNModel(layer, len(vocab))
    net.initialize(force_reinit=True, ctx=d2l.try_gpu())
    assert 0.005 < net.get_numpy_params()["weight_hh_l0"].std() < 0.015  # d2l's Normal(0.01)
    text = d2l.predict_ch8("time traveller", 10, net, vocab, d2l.try_gpu())
    assert text.startswith("time traveller") and len(text) == 24


# ------------------------------------------------------------------------- training


def test_train_ch8_scratch_and_concise(data, capsys):
    loader, vocab, _, _ = data
    for net in (scratch(vocab), d2l.RNNModel(d2l.make_rnn_layer("lstm", HIDDEN), len(vocab))):
        history = d2l.train_ch8(net, loader, vocab, 1, 2, d2l.try_gpu(), animate=False)
        assert isinstance(history, d2l.TrainHistory) and history.epochs == 2
        values = history.perplexity + history.grad_norm + history.grad_norm_max
        assert all(onp.isfinite(values)) and history.diverged_epoch is None
        assert history.tokens_per_sec > 0 and history.seconds > 0
        assert history.perplexity[-1] < len(vocab)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("perplexity ") and "tokens/sec on cpu(0)" in lines[0]
    assert lines[1].startswith("time traveller") and lines[2].startswith("traveller")


def test_fast_and_readable_training_agree(data):
    loader, vocab, _, _ = data
    histories = []
    for fast in (True, False):
        loader.rng.seed(0)
        net = scratch(vocab, fast=fast)
        histories.append(d2l.train_ch8(net, loader, vocab, 1, 2, animate=False, verbose=False))
    assert histories[0].perplexity == pytest.approx(histories[1].perplexity, rel=1e-5)
    assert histories[0].grad_norm == pytest.approx(histories[1].grad_norm, rel=1e-4)


def test_train_ch8_accepts_a_model_written_like_the_book(data):
    """d2l-zh 8.5 (MXNet) defines its own model class with begin_state(batch_size, ctx)."""
    loader, vocab, _, _ = data

    class BookModel:
        def __init__(self, vocab_size, num_hiddens, device):
            self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
            self.params = d2l.get_params(vocab_size, num_hiddens, device)

        def __call__(self, X, state):
            return d2l.rnn(npx.one_hot(X.T, self.vocab_size), state, self.params)

        def begin_state(self, batch_size, ctx):
            return d2l.init_rnn_state(batch_size, self.num_hiddens, ctx)

    net = BookModel(len(vocab), HIDDEN, d2l.try_gpu())
    history = d2l.train_ch8(net, loader, vocab, 1, 1, d2l.try_gpu(), animate=False,
                            verbose=False)
    assert onp.isfinite(history.final_perplexity)
    assert d2l.predict_ch8("time", 3, net, vocab, d2l.try_gpu()).startswith("time")


def test_train_options(data):
    loader, vocab, _, _ = data
    net = scratch(vocab, embed_size=4)
    history = d2l.train_ch8(net, loader, vocab, 0.01, 1, None, True, clip_theta=None,
                            updater=lambda batch_size: d2l.sgd(net.params, 0.5, batch_size),
                            animate=True, verbose=False)
    assert onp.isfinite(history.final_perplexity)
    concise = d2l.RNNModel(d2l.make_rnn_layer("gru", 8), len(vocab))
    history = d2l.train_ch8(concise, loader, vocab, 0.01, 1, clip_theta=None,
                            updater=mx.optimizer.Adam(learning_rate=0.01), verbose=False)
    assert onp.isfinite(history.final_perplexity)
    trainer = gluon.Trainer(concise.collect_params(), "adam", {"learning_rate": 0.01})
    history = d2l.train_ch8(concise, loader, vocab, 1, 1, detach_state=False, updater=trainer,
                            animate=False, verbose=False)
    assert onp.isfinite(history.final_perplexity)
    with pytest.raises(TypeError, match="updater"):
        d2l.train_ch8(net, loader, vocab, 1, 1, updater="sgd", animate=False, verbose=False)


def test_divergence_is_detected(data, capsys):
    loader, vocab, _, _ = data
    net = scratch(vocab)
    history = d2l.train_ch8(net, loader, vocab, 1e6, 3, clip_theta=None, animate=False)
    assert history.diverged_epoch is not None and history.epochs == history.diverged_epoch
    assert "training diverged at epoch" in capsys.readouterr().out


# ----------------------------------------------------------------------- prediction


def test_predict_ch8(data):
    _, vocab, _, _ = data
    net = scratch(vocab)
    greedy = d2l.predict_ch8("time traveller", 20, net, vocab)
    assert greedy == d2l.predict_ch8("time traveller", 20, net, vocab)
    assert len(greedy.replace("<unk>", "?")) == len("time traveller") + 20  # tokens
    big = {k: v * 50 for k, v in net.get_numpy_params().items()}
    net.set_numpy_params(big)  # a flatter-than-uniform model would sample almost uniformly
    a = d2l.predict_ch8("the", 30, net, vocab, sample=True, seed=1)
    assert a == d2l.predict_ch8("the", 30, net, vocab, sample=True, seed=1)
    assert a != d2l.predict_ch8("the", 30, net, vocab, sample=True, seed=2)
    sharp = d2l.predict_ch8("the", 30, net, vocab, sample=True, alpha=1e3, seed=3)
    assert sharp == d2l.predict_ch8("the", 30, net, vocab)  # alpha -> inf is greedy
    assert d2l.predict_ch8("#", 0, net, vocab) == "<unk>"
    assert d2l.predict_ch8("ab", 0, net, vocab) == "ab"


def test_predict_ch8_bad_input(data):
    _, vocab, _, _ = data
    net = scratch(vocab)
    with pytest.raises(ValueError, match="prefix"):
        d2l.predict_ch8("", 5, net, vocab)
    with pytest.raises(ValueError, match="num_preds"):
        d2l.predict_ch8("a", -1, net, vocab)
    with pytest.raises(ValueError, match="alpha"):
        d2l.predict_ch8("a", 1, net, vocab, sample=True, alpha=0)


# ------------------------------------------------------------------------ bad input


def test_bad_input_names_the_argument(data):
    loader, vocab, X, _ = data
    V = len(vocab)
    net = scratch(vocab)
    state = net.begin_state(batch_size=8)
    cases = [
        ("activation", lambda: d2l.RNNModelScratch(V, 4, activation="sigmoid")),
        ("vocab_size", lambda: d2l.RNNModelScratch(0, 4)),
        ("num_hiddens", lambda: d2l.RNNModelScratch(V, -1)),
        ("embed_size", lambda: d2l.RNNModelScratch(V, 4, embed_size=0)),
        ("X", lambda: net(X.reshape(-1), state)),
        ("X", lambda: net(X.astype("float32") + 0.5, state)),
        ("X", lambda: net(X + V, state)),
        ("state", lambda: net(X, (np.zeros((8, HIDDEN + 1)),))),
        ("state", lambda: net(X, np.zeros((8, HIDDEN)))),
        ("batch_size", lambda: net.begin_state(batch_size=0)),
        ("theta", lambda: d2l.grad_clipping(net, 0)),
        ("kind", lambda: d2l.make_rnn_layer("transformer", 4)),
        ("num_layers", lambda: d2l.make_rnn_layer("gru", 4, 0)),
        ("lr", lambda: d2l.train_ch8(net, loader, vocab, -1, 1, animate=False)),
        ("num_epochs", lambda: d2l.train_ch8(net, loader, vocab, 1, 0, animate=False)),
        ("theta", lambda: d2l.train_ch8(net, loader, vocab, 1, 1, clip_theta=-1,
                                        animate=False)),
        ("params", lambda: net.set_numpy_params({"W_xh": onp.zeros((V, HIDDEN))})),
        ("truncate", lambda: d2l.bptt_grads(net, X, X, truncate=0)),
        ("activation", lambda: d2l.bptt_grads(net.get_numpy_params(), X, X, activation="x")),
    ]
    for argument, call in cases:
        with pytest.raises(ValueError, match=argument):
            call()
    with pytest.raises(TypeError, match="theta"):
        d2l.grad_clipping(net, "1")
    concise = d2l.RNNModel(d2l.make_rnn_layer("lstm", 4), V)
    with pytest.raises(ValueError, match="state"):
        concise(X, concise.begin_state(batch_size=8)[:1])
    with pytest.raises(ValueError, match="params"):
        concise.set_numpy_params({**concise.get_numpy_params(),
                                  "dense.bias": onp.zeros(V + 1)})
    with pytest.raises(TypeError, match="rnn_layer"):
        d2l.RNNModel(gluon.nn.Dense(3), V)


# ------------------------------------------------------------------ d2l 8.1 models


def test_autoregressors():
    _, x = d2l.make_sine(T=300, seed=0)
    features, labels = d2l.ar_features(x, 4)
    net = d2l.get_net(seed=0)
    losses = d2l.train_autoregressor(net, features, labels, epochs=3, n_train=200, seed=0)
    assert len(losses) == 3 and all(onp.isfinite(losses)) and losses[-1] < losses[0]
    again = d2l.get_net(seed=0)
    assert d2l.train_autoregressor(again, features, labels, epochs=3, n_train=200,
                                   seed=0) == pytest.approx(losses, rel=1e-5)
    multi = d2l.predict_multistep(net, x, 4, 204)
    assert multi.shape == x.shape and (multi[:204] == x[:204]).all()
    k_step = d2l.predict_k_step(net, x, 4, 8)
    n, observed = d2l.k_step_targets(x, 4, 8)
    assert k_step.shape == (n, 12) and (k_step[:, :4] == observed).all()
    rnn_net = d2l.RNNAutoregressor(8, seed=0)
    assert rnn_net(np.array(features[:5])).shape == (5, 1)
    rnn_losses = d2l.train_autoregressor(rnn_net, features, labels, epochs=2, n_train=200,
                                         seed=0)
    assert all(onp.isfinite(rnn_losses))
    with pytest.raises(ValueError, match="n_train"):
        d2l.train_autoregressor(net, features, labels, n_train=10_000)


def test_load_array_and_evaluate_loss():
    X = np.arange(20, dtype="float32").reshape(10, 2)
    y = X.sum(axis=1, keepdims=True)
    loader = d2l.load_array((X, y), 4, is_train=False)
    assert sum(batch.shape[0] for batch, _ in loader) == 10
    loss = d2l.evaluate_loss(lambda a: a.sum(axis=1, keepdims=True), loader,
                             gluon.loss.L2Loss())
    assert loss == 0
