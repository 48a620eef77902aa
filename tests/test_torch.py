"""Unit tests of d2lcore.torch against the numpy references (small sizes, a few seconds)."""

import contextlib
import io
import math
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import d2lcore  # noqa: E402
from d2lcore import reference, reference_layers  # noqa: E402
from d2lcore import torch as d2l  # noqa: E402

V, H, E, B, T = 11, 8, 5, 3, 6  # vocab, hidden, embedding, batch, steps
CASES = [("tanh", None), ("relu", None), ("tanh", E)]
CASE_IDS = ["tanh", "relu", "embedding"]


def rel_err(a, b):
    """Largest absolute difference relative to the largest reference magnitude."""
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def tokens(seed, shape=(B, T), vocab=V):
    return np.random.RandomState(seed).randint(0, vocab, shape)


def big_params(embed_size=None, seed=1):
    """Parameters large enough to exercise tanh saturation and ReLU's zero side."""
    rs = np.random.RandomState(seed)
    return {k: (rs.normal(0, 0.6, v.shape) if k != "W_emb" else rs.normal(0, 1, v.shape))
            .astype(np.float32)
            for k, v in reference.init_params(V, H, 0, embed_size).items()}


def scratch(activation="tanh", embed_size=None, fast=True, params=None):
    net = d2l.RNNModelScratch(V, H, torch.device("cpu"), activation=activation,
                              embed_size=embed_size, seed=0, fast=fast)
    net.set_numpy_params(big_params(embed_size) if params is None else params)
    return net


def grads_of(net, X, Y, H0):
    """Gradients of the mean loss for every parameter and for the initial state H0."""
    for p in net.params:
        p.grad = None
    H0 = H0.clone().requires_grad_(True)
    out, _ = net(torch.tensor(X), (H0,))
    torch.nn.functional.cross_entropy(out, torch.tensor(Y).T.reshape(-1)).backward()
    grads = {name: p.grad.clone() for name, p in zip(net.param_names, net.params, strict=True)}
    return grads | {"H0": H0.grad}


# ------------------------------------------------------------------ package surface


def test_import_is_quiet():
    result = subprocess.run([sys.executable, "-c", "from d2lcore import torch as d2l"],
                            capture_output=True, text=True, env=dict(os.environ), check=True)
    assert result.stderr == ""


def test_core_and_contract_names_are_exported():
    for name in d2lcore.__all__:
        assert hasattr(d2l, name), name
    for name in ("load_data_time_machine", "RNNModelScratch", "RNNModel", "grad_clipping",
                 "train_epoch_ch8", "train_ch8", "predict_ch8", "try_gpu", "try_all_gpus",
                 "sgd", "load_array", "evaluate_loss", "bptt_grads", "autograd_grads",
                 "hidden_grad_norms", "make_rnn_layer", "size", "reshape"):
        assert name in d2l.__all__ and hasattr(d2l, name), name
    assert d2l.try_gpu() == torch.device("cpu") or torch.cuda.is_available()
    assert len(d2l.try_all_gpus()) >= 1


def test_loader_yields_the_core_batches_as_int64_tensors():
    corpus = list(np.random.RandomState(0).randint(0, V, 400))
    vocab = d2l.Vocab([str(i) for i in range(V)])
    for random_iter in (False, True):
        ours = d2l.SeqDataLoader(4, 7, random_iter, corpus=corpus, vocab=vocab, rng=3)
        core = d2lcore.SeqDataLoader(4, 7, random_iter, corpus=corpus, vocab=vocab, rng=3)
        pairs = list(zip(ours, core, strict=True))
        assert pairs
        for (X, Y), (Xc, Yc) in pairs:
            assert X.dtype == torch.int64 and X.shape == (4, 7)
            assert np.array_equal(X.numpy(), Xc) and np.array_equal(Y.numpy(), Yc)


def test_seq_data_iters_yield_tensors_like_d2l():
    for name in ("seq_data_iter_random", "seq_data_iter_sequential"):
        ours = list(getattr(d2l, name)(list(range(35)), 2, 5, rng=1))
        core = list(getattr(d2lcore, name)(list(range(35)), 2, 5, rng=1))
        assert len(ours) == len(core) > 0
        for (X, Y), (Xc, Yc) in zip(ours, core, strict=True):
            assert isinstance(X, torch.Tensor) and np.array_equal(X.numpy(), Xc)
            assert np.array_equal(Y.numpy(), Yc)


def test_load_data_from_lines_and_time_machine():
    it, vocab = d2l.load_data(["the time machine"] * 20, 2, 5, rng=0)
    X, Y = next(iter(it))
    assert X.shape == (2, 5) and isinstance(X, torch.Tensor)
    it, vocab = d2l.load_data_time_machine(4, 10, max_tokens=2000, rng=0)
    assert len(vocab) == 28
    assert next(iter(it))[0].shape == (4, 10)


def test_load_array_and_evaluate_loss():
    X, y = torch.arange(12.0).reshape(6, 2), torch.ones(6)
    it = d2l.load_array((X, y), 4, is_train=False)
    assert [len(b[0]) for b in it] == [4, 2]
    net = torch.nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.zero_()
        net.bias.fill_(3.0)
    assert d2l.evaluate_loss(net, it, torch.nn.MSELoss(reduction="none")) == pytest.approx(4.0)


# ------------------------------------------------------------------ scratch model


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "loop"])
@pytest.mark.parametrize("activation,embed_size", CASES, ids=CASE_IDS)
def test_scratch_forward_and_loss_match_reference(activation, embed_size, fast):
    net = scratch(activation, embed_size, fast)
    X, Y = tokens(0), tokens(1)
    H0 = np.random.RandomState(2).normal(0, 0.5, (B, H)).astype(np.float32)
    out, (H_T,) = net(torch.tensor(X), (torch.tensor(H0),))
    ref_out, ref_states = reference.forward(net.get_numpy_params(), X, H0, activation)
    assert out.shape == (T * B, V)
    assert rel_err(out, ref_out) < 1e-5
    assert rel_err(H_T, ref_states[-1]) < 1e-5
    loss = torch.nn.functional.cross_entropy(out, torch.tensor(Y).T.reshape(-1))
    assert float(loss.detach()) == pytest.approx(reference.loss(ref_out, Y), rel=1e-5)


def test_seeded_params_are_the_reference_init():
    for embed_size in (None, E):
        net = d2l.RNNModelScratch(V, H, "cpu", seed=7, embed_size=embed_size)
        ref = reference.init_params(V, H, 7, embed_size)
        got = net.get_numpy_params()
        assert list(got) == list(reference.param_names(embed_size))
        assert all(np.array_equal(got[k], ref[k]) for k in ref)
        assert all(p.requires_grad for p in net.params)
    unseeded = d2l.get_params(V, H, "cpu")
    assert [tuple(p.shape) for p in unseeded] == [(V, H), (H, H), (H,), (H, V), (V,)]
    assert float(unseeded[0].detach().std()) == pytest.approx(0.01, rel=0.5)


def test_fast_state_can_be_detached_in_place():
    net = scratch()
    _, state = net(torch.tensor(tokens(0)), net.begin_state(B))
    for s in state:  # d2l's own training loop does this
        s.detach_()


def test_user_functions_are_used_like_d2l():
    calls = []

    def my_params(vocab_size, num_hiddens, device):
        calls.append("get_params")
        return d2l.get_params(vocab_size, num_hiddens, device, seed=0)

    def my_state(batch_size, num_hiddens, device):
        calls.append("init_state")
        return (torch.zeros((batch_size, num_hiddens), device=device),)

    def my_rnn(inputs, state, params):
        calls.append(tuple(inputs.shape))
        return d2l.rnn(inputs, state, params)

    net = d2l.RNNModelScratch(V, H, torch.device("cpu"), my_params, my_state, my_rnn)
    assert not net.library_pieces
    out, _ = net(torch.tensor(tokens(0)), net.begin_state(batch_size=B, device="cpu"))
    assert calls == ["get_params", "init_state", (T, B, V)]  # one-hot, time-major, as in d2l
    ref, _ = reference.forward(reference.init_params(V, H, 0), tokens(0))
    assert rel_err(out, ref) < 1e-5
    library = d2l.RNNModelScratch(V, H, "cpu", d2l.get_params, d2l.init_rnn_state, d2l.rnn_relu)
    assert library.library_pieces and library.activation == "relu"


# ------------------------------------------------------------------ BPTT


@pytest.mark.parametrize("truncate", [None, 1, 3], ids=["full", "k1", "k3"])
@pytest.mark.parametrize("activation,embed_size", CASES, ids=CASE_IDS)
def test_bptt_equals_autograd_equals_reference(activation, embed_size, truncate):
    net = scratch(activation, embed_size)
    X, Y = tokens(6), tokens(7)
    H0 = np.random.RandomState(8).normal(0, 0.5, (B, H)).astype(np.float32)
    ref = reference.bptt(net.get_numpy_params(), X, Y, H0, activation, truncate)
    manual = d2l.bptt_grads(net, X, Y, state=torch.tensor(H0), truncate=truncate)
    auto = d2l.autograd_grads(net, X, Y, state=torch.tensor(H0), truncate=truncate)
    assert set(manual) == set(auto) == set(ref)
    for name in ref:
        assert rel_err(manual[name], ref[name]) < 1e-5, name
        assert rel_err(auto[name], ref[name]) < 1e-5, name


def test_truncation_changes_the_gradient_and_params_can_be_a_dict():
    params = {k: torch.tensor(v) for k, v in big_params().items()}
    X, Y = tokens(9), tokens(10)
    full = d2l.bptt_grads(params, X, Y)
    one = d2l.bptt_grads(list(params.values()), X, Y, truncate=1)
    assert rel_err(one["W_hh"], full["W_hh"].numpy()) > 1e-3
    assert rel_err(one["W_hq"], full["W_hq"].numpy()) < 1e-6  # the output layer sees no time


def test_hidden_grad_norms_match_autograd():
    net = scratch(fast=False)
    X, Y = tokens(11), tokens(12)
    p = net.params
    inputs = torch.nn.functional.one_hot(torch.tensor(X).T, V).float()
    Hs, state, outs = [], torch.zeros(B, H), []
    for x in inputs:
        state = torch.tanh(x @ p[0] + state @ p[1] + p[2])
        state.retain_grad()
        Hs.append(state)
        outs.append(state @ p[3] + p[4])
    torch.nn.functional.cross_entropy(torch.cat(outs), torch.tensor(Y).T.reshape(-1)).backward()
    expected = [float(h.grad.norm()) for h in Hs]
    got = d2l.hidden_grad_norms(net, X, Y)
    assert len(got) == T
    assert np.allclose(got, expected, rtol=1e-5, atol=0)


# ------------------------------------------------------------------ clipping and SGD


@pytest.mark.parametrize("theta", [0.01, 1e6])
def test_grad_clipping_matches_reference(theta):
    net = scratch()
    X, Y = tokens(13), tokens(14)
    ref = reference.bptt(net.get_numpy_params(), X, Y)
    for name, p in zip(net.param_names, net.params, strict=True):
        p.grad = torch.tensor(ref[name], dtype=torch.float32)
    clipped, ref_norm = reference.clip_grads(ref, theta)
    norm = d2l.grad_clipping(net, theta)
    assert isinstance(norm, float) and norm == pytest.approx(ref_norm, rel=1e-5)
    for name, p in zip(net.param_names, net.params, strict=True):
        assert rel_err(p.grad, clipped[name]) < 1e-5, name


def test_grad_clipping_accepts_modules_and_lists():
    layer = torch.nn.Linear(3, 2)
    layer(torch.ones(4, 3)).sum().backward()
    expected = math.sqrt(sum(float((p.grad ** 2).sum()) for p in layer.parameters()))
    assert d2l.grad_clipping(layer, 1e9) == pytest.approx(expected, rel=1e-6)
    assert d2l.grad_clipping(list(layer.parameters()), 0.5) == pytest.approx(expected, rel=1e-6)
    assert d2l.grad_clipping(layer, 10.0) == pytest.approx(min(expected, 0.5), rel=1e-5)


@pytest.mark.parametrize("theta, error", [(0, ValueError), (-1.0, ValueError),
                                          (float("nan"), ValueError), ("1", TypeError),
                                          (None, TypeError), (True, TypeError)])
def test_grad_clipping_rejects_bad_theta(theta, error):
    with pytest.raises(error, match="theta"):
        d2l.grad_clipping(scratch(), theta)


def test_one_clipped_sgd_step_matches_numpy():
    net = scratch()
    start = net.get_numpy_params()
    X, Y = tokens(15), tokens(16)
    norms = []
    d2l.train_epoch_ch8(net, [(torch.tensor(X), torch.tensor(Y))], torch.nn.CrossEntropyLoss(),
                        lambda batch_size: d2l.sgd(net.params, 1.0, batch_size), "cpu", False,
                        clip_theta=1, grad_norms=norms)
    clipped, norm = reference.clip_grads(reference.bptt(start, X, Y), 1)
    assert norm > 1  # the step really clipped
    assert norms == [pytest.approx(norm, rel=1e-5)]
    got = net.get_numpy_params()
    for name in start:
        assert rel_err(got[name], start[name] - 1.0 * clipped[name]) < 1e-4, name


def test_without_detaching_the_gradient_reaches_the_previous_minibatch():
    """Minibatch 2's gradient includes the path through minibatch 1, at minibatch 1's values."""
    start = big_params(seed=4)
    X1, Y1, X2, Y2 = tokens(20), tokens(21), tokens(22), tokens(23)
    net = scratch(params=start)
    batches = [(torch.tensor(X1), torch.tensor(Y1)), (torch.tensor(X2), torch.tensor(Y2))]
    d2l.train_epoch_ch8(net, batches, torch.nn.CrossEntropyLoss(),
                        lambda batch_size: d2l.sgd(net.params, 0.1, batch_size), "cpu", False,
                        clip_theta=None, detach_state=False)
    # The same two steps by hand: p1 = p0 - 0.1 g1; g2 = dL2/dp1 + dL2/dp0 (through H after 1).
    names = list(reference.PARAM_NAMES)
    p0 = [torch.tensor(start[n], requires_grad=True) for n in names]
    out1, (H1,) = d2l.rnn(torch.nn.functional.one_hot(torch.tensor(X1).T, V).float(),
                          (torch.zeros(B, H),), p0)
    g1 = torch.autograd.grad(
        torch.nn.functional.cross_entropy(out1, torch.tensor(Y1).T.reshape(-1)), p0,
        retain_graph=True)
    p1 = [(p - 0.1 * g).detach().requires_grad_(True) for p, g in zip(p0, g1, strict=True)]
    out2, _ = d2l.rnn(torch.nn.functional.one_hot(torch.tensor(X2).T, V).float(), (H1,), p1)
    l2 = torch.nn.functional.cross_entropy(out2, torch.tensor(Y2).T.reshape(-1))
    g2_direct = torch.autograd.grad(l2, p1, retain_graph=True)
    g2_through_time = [torch.zeros_like(p) if g is None else g
                       for p, g in zip(p0, torch.autograd.grad(l2, p0, allow_unused=True),
                                       strict=True)]
    got = net.get_numpy_params()
    for i, name in enumerate(names):
        expected = p1[i] - 0.1 * (g2_direct[i] + g2_through_time[i])
        assert rel_err(got[name], expected.detach().numpy()) < 1e-5, name
    assert float(g2_through_time[1].abs().max()) > 0  # the extra path is really there


# ------------------------------------------------------------------ concise model


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_concise_matches_reference_layers(kind, num_layers):
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, H, num_layers), V)
    params = reference_layers.init_layer_params(kind, V, H, num_layers, seed=3)
    net.set_numpy_params(params)
    got = net.get_numpy_params()
    assert list(got) == list(params)
    assert all(np.array_equal(got[k], params[k]) for k in params)
    X = tokens(17)
    rs = np.random.RandomState(18)
    shape = (num_layers, B, H)
    ref_state = tuple(rs.normal(0, 0.5, shape).astype(np.float32)
                      for _ in range(2 if kind == "lstm" else 1))
    state = tuple(torch.tensor(s) for s in ref_state)
    out, new_state = net(torch.tensor(X), state if kind == "lstm" else state[0])
    ref_out, ref_new = reference_layers.layer_forward(
        kind, params, X, ref_state if kind == "lstm" else ref_state[0], num_layers)
    assert out.shape == (T * B, V)
    assert rel_err(out, ref_out) < 1e-5
    if kind == "lstm":
        assert rel_err(new_state[0], ref_new[0]) < 1e-5
        assert rel_err(new_state[1], ref_new[1]) < 1e-5
    else:
        assert rel_err(new_state, ref_new) < 1e-5


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_begin_state_shapes(kind):
    net = d2l.RNNModel(d2l.make_rnn_layer(kind, H, 2), V)
    state = net.begin_state(batch_size=4)
    expected = (2, 4, H)
    if kind == "lstm":
        assert isinstance(state, tuple) and [tuple(s.shape) for s in state] == [expected] * 2
    else:
        assert tuple(state.shape) == expected
    d2l_order = net.begin_state(torch.device("cpu"), 4)  # d2l-zh: begin_state(device, batch_size)
    first = d2l_order[0] if kind == "lstm" else d2l_order
    assert tuple(first.shape) == expected
    (H0,) = scratch().begin_state(4)
    assert tuple(H0.shape) == (4, H) and float(H0.abs().sum()) == 0


def test_plain_torch_layer_works_like_d2l():
    layer = torch.nn.RNN(V, H)
    net = d2l.RNNModel(layer, V)
    assert net.rnn is layer
    out, state = net(torch.tensor(tokens(0)), net.begin_state(device="cpu", batch_size=B))
    assert out.shape == (T * B, V) and state.shape == (1, B, H)


# ------------------------------------------------------------------ training


def tiny_data(random_iter=False, batch_size=4, num_steps=8):
    lines = ["the time traveller for so it will be convenient to speak of him"] * 6
    return d2l.load_data(lines, batch_size, num_steps, use_random_iter=random_iter, rng=0)


@pytest.mark.parametrize("model", ["scratch", "concise"])
@pytest.mark.parametrize("random_iter", [False, True], ids=["sequential", "random"])
def test_train_ch8_returns_finite_history(model, random_iter):
    torch.manual_seed(0)
    it, vocab = tiny_data(random_iter)
    if model == "scratch":
        net = d2l.RNNModelScratch(len(vocab), 16, "cpu", seed=0)
    else:
        net = d2l.RNNModel(d2l.make_rnn_layer("gru", 16), len(vocab))
    history = d2l.train_ch8(net, it, vocab, 1, 3, "cpu", random_iter, animate=False,
                            verbose=False)
    assert isinstance(history, d2l.TrainHistory)
    assert history.epochs == 3 and history.diverged_epoch is None
    values = history.perplexity + history.grad_norm + history.grad_norm_max
    assert all(math.isfinite(v) and v > 0 for v in values)
    assert all(m >= a for m, a in zip(history.grad_norm_max, history.grad_norm, strict=True))
    assert history.tokens_per_sec > 0 and history.seconds > 0


def test_train_ch8_without_detaching_and_without_clipping():
    it, vocab = tiny_data()
    net = d2l.RNNModelScratch(len(vocab), 16, "cpu", seed=0)
    history = d2l.train_ch8(net, it, vocab, 1, 2, "cpu", detach_state=False, clip_theta=None,
                            animate=False, verbose=False)
    assert history.epochs == 2 and all(math.isfinite(p) for p in history.perplexity)
    concise = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8), len(vocab))
    history = d2l.train_ch8(concise, it, vocab, 1, 2, "cpu", detach_state=False, animate=False,
                            verbose=False, updater=torch.optim.Adam(concise.parameters(), 0.01))
    assert history.epochs == 2 and all(math.isfinite(p) for p in history.perplexity)


def test_train_ch8_prints_like_d2l_and_animates():
    it, vocab = tiny_data()
    net = d2l.RNNModelScratch(len(vocab), 16, "cpu", seed=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = d2l.train_ch8(net, it, vocab, 1, 10, "cpu")
    lines = out.getvalue().splitlines()
    # The summary and two samples; progress is the animator's figure, as in every framework.
    assert len(lines) == 3
    assert lines[0].startswith(f"perplexity {history.final_perplexity:.1f}, ")
    assert lines[0].endswith("tokens/sec on cpu")
    assert lines[1].startswith("time traveller") and lines[2].startswith("traveller")


def test_divergence_is_detected():
    it, vocab = tiny_data()
    net = d2l.RNNModelScratch(len(vocab), 16, "cpu", seed=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = d2l.train_ch8(net, it, vocab, 1e6, 5, "cpu", clip_theta=None,
                                animate=False, verbose=False)
    assert history.diverged_epoch is not None and history.diverged_epoch <= 5
    assert len(history.perplexity) == history.diverged_epoch
    assert not math.isfinite(history.perplexity[-1])
    assert f"training diverged at epoch {history.diverged_epoch}" in out.getvalue()


# ------------------------------------------------------------------ prediction


def test_predict_ch8_greedy_sampling_and_unk():
    it, vocab = tiny_data()
    net = d2l.RNNModelScratch(len(vocab), 16, "cpu", seed=0)
    d2l.train_ch8(net, it, vocab, 1, 3, "cpu", animate=False, verbose=False)
    greedy = d2l.predict_ch8("time ", 20, net, vocab, "cpu")
    assert greedy == d2l.predict_ch8("time ", 20, net, vocab)
    assert len(greedy) == 25 and greedy.startswith("time ")
    a = d2l.predict_ch8("time ", 30, net, vocab, sample=True, alpha=0.5, seed=1)
    b = d2l.predict_ch8("time ", 30, net, vocab, sample=True, alpha=0.5, seed=1)
    c = d2l.predict_ch8("time ", 30, net, vocab, sample=True, alpha=0.5, seed=2)
    assert a == b and a != c
    sharp = d2l.predict_ch8("time ", 20, net, vocab, sample=True, alpha=1e4, seed=3)
    assert sharp == greedy  # alpha -> infinity is argmax
    assert d2l.predict_ch8("time!", 0, net, vocab) == "time<unk>"
    concise = d2l.RNNModel(d2l.make_rnn_layer("lstm", 8), len(vocab))
    assert len(d2l.predict_ch8("the", 5, concise, vocab)) == 8


@pytest.mark.parametrize("kwargs,name,error", [
    ({"prefix": ""}, "prefix", ValueError),
    ({"num_preds": -1}, "num_preds", ValueError),
    ({"alpha": 0}, "alpha", ValueError),
    ({"sample": "yes"}, "sample", TypeError),
])
def test_predict_ch8_rejects_bad_input(kwargs, name, error):
    it, vocab = tiny_data()
    net = d2l.RNNModelScratch(len(vocab), 4, "cpu", seed=0)
    args = {"prefix": "time", "num_preds": 3, "net": net, "vocab": vocab} | kwargs
    with pytest.raises(error, match=name):
        d2l.predict_ch8(**args)


# ------------------------------------------------------------------ bad input


def _bad_scratch_calls():
    net = scratch()
    ok_X, ok_state = torch.tensor(tokens(0)), net.begin_state(B)
    return [
        ("activation", lambda: d2l.RNNModelScratch(V, H, "cpu", activation="sigmoid")),
        ("vocab_size", lambda: d2l.RNNModelScratch(0, H, "cpu")),
        ("num_hiddens", lambda: d2l.RNNModelScratch(V, -2, "cpu")),
        ("embed_size", lambda: d2l.RNNModelScratch(V, H, "cpu", embed_size=0)),
        ("X", lambda: net(ok_X.float(), ok_state)),
        ("X", lambda: net(ok_X[0], ok_state)),
        ("X", lambda: net(ok_X + V, ok_state)),
        ("X", lambda: net(ok_X - V, ok_state)),
        ("state", lambda: net(ok_X, (torch.zeros(B + 1, H),))),
        ("state", lambda: net(ok_X, torch.zeros(B, H))),
        ("batch_size", lambda: net.begin_state(0)),
        ("params", lambda: net.set_numpy_params({"W_xh": np.zeros((V, H))})),
        ("W_hh", lambda: net.set_numpy_params(
            big_params() | {"W_hh": np.zeros((H, H + 1), np.float32)})),
        ("kind", lambda: d2l.make_rnn_layer("cnn", H)),
        ("num_layers", lambda: d2l.make_rnn_layer("gru", H, 0)),
        ("input_size", lambda: d2l.RNNModel(torch.nn.GRU(V + 1, H), V)),
        ("state", lambda: d2l.RNNModel(d2l.make_rnn_layer("lstm", H), V)(
            ok_X, torch.zeros(1, B, H))),
        ("truncate", lambda: d2l.bptt_grads(net, tokens(0), tokens(1), truncate=0)),
        ("Y", lambda: d2l.bptt_grads(net, tokens(0), tokens(1, (B, T + 1)))),
        ("activation", lambda: d2l.autograd_grads(net, tokens(0), tokens(1), activation="x")),
        ("clip_theta", lambda: d2l.train_epoch_ch8(
            net, [(ok_X, ok_X)], torch.nn.CrossEntropyLoss(), lambda batch_size: None, "cpu",
            False, clip_theta=-1)),
        ("num_epochs", lambda: d2l.train_ch8(net, [], None, 1, 0, "cpu")),
        ("lr", lambda: d2l.train_ch8(net, [], None, -1, 1, "cpu")),
    ]


@pytest.mark.parametrize("index", range(len(_bad_scratch_calls())))
def test_bad_input_errors_name_their_argument(index):
    name, call = _bad_scratch_calls()[index]
    with pytest.raises(ValueError, match=name):
        call()


# ------------------------------------------------------------------ 8.1 autoregression


def test_autoregressive_mlp_and_predictions():
    tau, T_sine = 4, 200
    _, x = d2l.make_sine(T_sine, seed=0)
    features, labels = d2l.ar_features(x, tau)
    net = d2l.get_net(seed=0)
    losses = d2l.train_autoregressor(net, features, labels, epochs=3, n_train=120, seed=0)
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    again = d2l.train_autoregressor(d2l.get_net(seed=0), features, labels, epochs=3,
                                    n_train=120, seed=0)
    assert np.allclose(again, losses)
    multi = d2l.predict_multistep(net, x, tau, 120 + tau)
    assert multi.shape == (T_sine,) and np.array_equal(multi[:124], x[:124])
    k_matrix = d2l.predict_k_step(net, x, tau, 16)
    rows, observed = d2l.k_step_targets(x, tau, 16)
    assert k_matrix.shape == (rows, tau + 16)
    assert np.array_equal(k_matrix[:, :tau], observed)
    one_step = net(torch.tensor(observed)).detach().numpy().reshape(-1)
    assert np.allclose(k_matrix[:, tau], one_step, atol=1e-6)


def test_rnn_autoregressor_trains_on_windows():
    _, x = d2l.make_sine(120, seed=1)
    features, labels = d2l.ar_features(x, 4)
    net = d2l.RNNAutoregressor(8, seed=0)
    assert net(torch.tensor(features[:5])).shape == (5, 1)
    losses = d2l.train_autoregressor(net, features, labels, epochs=2, n_train=80, seed=0)
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    assert d2l.predict_k_step(net, x, 4, 3).shape == (120 - 4 - 3 + 1, 7)
