"""One contract for three frameworks: the same d2l name does the same thing in every tab.

Each rule of CONTRIBUTING's "training contract" is pinned here, parametrized
over PyTorch, MXNet and TensorFlow.
"""

import ast
import math
import pathlib
import re

import numpy as np
import pytest

import d2lcore
from d2lcore import reference

FRAMEWORKS = d2lcore.FRAMEWORKS
PACKAGE = pathlib.Path(d2lcore.__file__).parent
HIDDEN = 16


@pytest.fixture(scope="module", params=FRAMEWORKS)
def d2l(request):
    return d2lcore.framework_module(request.param)


@pytest.fixture(scope="module")
def corpus():
    loader, vocab = d2lcore.load_data_time_machine(4, 8, max_tokens=600, rng=0)
    return list(loader), vocab


def batches(d2l, corpus):
    numpy_batches, _ = corpus
    return [(d2l.SeqDataLoader.to_tensor(X), d2l.SeqDataLoader.to_tensor(Y))
            for X, Y in numpy_batches]


def scratch(d2l, vocab, seed=1, **changes):
    params = reference.init_params(len(vocab), HIDDEN, seed=seed)
    for name, value in changes.items():
        params[name] = np.full_like(params[name], value)
    net = d2l.RNNModelScratch(len(vocab), HIDDEN)
    net.set_numpy_params(params)
    return net


def weights(net):
    return net.get_numpy_params()


def train(d2l, net, data, vocab, lr=1.0, num_epochs=2, **kwargs):
    kwargs.setdefault("animate", False)
    kwargs.setdefault("verbose", False)
    return d2l.train_ch8(net, data, vocab, lr, num_epochs, **kwargs)


# --------------------------------------------------------------------- TrainHistory


def test_history_fields_have_one_meaning(d2l, corpus, capsys):
    data, vocab = batches(d2l, corpus), corpus[1]
    tokens_per_epoch = sum(int(np.prod(Y.shape)) for _, Y in corpus[0])
    history = train(d2l, scratch(d2l, vocab), data, vocab, verbose=True)
    assert history.epochs == 2 and history.diverged_epoch is None
    assert history.tokens == 2 * tokens_per_epoch
    assert history.seconds > 0
    assert history.tokens_per_sec == pytest.approx(history.tokens / history.seconds)
    printed = re.search(r"perplexity ([\d.]+), ([\d.]+) tokens/sec", capsys.readouterr().out)
    assert printed.group(1) == f"{history.final_perplexity:.1f}"
    assert printed.group(2) == f"{history.tokens_per_sec:.1f}"  # printed value = returned value
    assert len(history.grad_norm) == len(history.grad_norm_max) == 2
    assert all(0 < m <= x for m, x in zip(history.grad_norm, history.grad_norm_max))


def test_epoch_norms_are_the_histories(d2l, corpus):
    """train_epoch_ch8's grad_norms and train_ch8's grad_norm are the same measurement."""
    data, vocab = batches(d2l, corpus), corpus[1]
    history = train(d2l, scratch(d2l, vocab), data, vocab, num_epochs=1, clip_theta=None)
    norms = []
    net = scratch(d2l, vocab)
    loss, updater = _loss_and_updater(d2l, net, lr=1.0)
    ppl, speed = _train_epoch(d2l, net, data, loss, updater, clip_theta=None, grad_norms=norms)
    assert len(norms) == len(data) and speed > 0
    assert np.mean(norms) == pytest.approx(history.grad_norm[0], rel=1e-4)
    assert ppl == pytest.approx(history.perplexity[0], rel=1e-4)


def _loss_and_updater(d2l, net, lr):
    if d2l.FRAMEWORK == "pytorch":
        import torch

        return torch.nn.CrossEntropyLoss(), (lambda batch_size: d2l.sgd(net.params, lr, batch_size))
    if d2l.FRAMEWORK == "mxnet":
        return (d2l.gluon.loss.SoftmaxCrossEntropyLoss(),
                lambda batch_size: d2l.sgd(net.params, lr, batch_size))
    import tensorflow as tf

    return (tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            lambda batch_size, grads: d2l.sgd(net.params, grads, lr, batch_size))


def _train_epoch(d2l, net, data, loss, updater, **kwargs):
    if d2l.FRAMEWORK == "tensorflow":  # d2l-zh's TensorFlow signature has no device
        return d2l.train_epoch_ch8(net, data, loss, updater, False, **kwargs)
    return d2l.train_epoch_ch8(net, data, loss, updater, d2l.try_gpu(), False, **kwargs)


# ---------------------------------------------------------------------- divergence


def test_a_non_finite_loss_updates_nothing_and_stops(d2l, corpus, capsys):
    # Saturated hidden units (b_h = 100) times huge output weights: every logit overflows.
    data, vocab = batches(d2l, corpus), corpus[1]
    net = scratch(d2l, vocab, b_h=100.0, W_hq=1e38)
    before = weights(net)
    history = train(d2l, net, data, vocab, num_epochs=3)
    assert history.diverged_epoch == 1 and history.epochs == 1
    assert not math.isfinite(history.perplexity[0])
    assert history.tokens == 0 and history.tokens_per_sec == 0.0
    for name, value in weights(net).items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} was updated")
    assert "diverged at epoch 1" in capsys.readouterr().out


def test_a_huge_learning_rate_stops_with_finite_weights(d2l, corpus):
    data, vocab = batches(d2l, corpus), corpus[1]
    net = scratch(d2l, vocab)
    history = train(d2l, net, data * 3, vocab, lr=1e6, num_epochs=10, clip_theta=None)
    assert all(np.isfinite(value).all() for value in weights(net).values())
    if history.diverged_epoch is not None:
        assert history.epochs == history.diverged_epoch
        assert not math.isfinite(history.final_perplexity)


def test_an_empty_iterator_is_a_value_error(d2l, corpus):
    with pytest.raises(ValueError, match="no minibatch"):
        train(d2l, scratch(d2l, corpus[1]), [], corpus[1])


# ------------------------------------------------- training goes through the taught functions


def test_redefining_d2l_grad_clipping_changes_training(d2l, corpus, monkeypatch):
    data, vocab = batches(d2l, corpus), corpus[1]
    calls = []

    def zero_the_gradients(grads_or_net, theta):  # a "clipping" that clips everything away
        calls.append(theta)
        if d2l.FRAMEWORK == "tensorflow":
            return [g * 0 for g in grads_or_net]
        for p in grads_or_net.params:
            p.grad[:] = 0
        return 1.0

    monkeypatch.setattr(d2l, "grad_clipping", zero_the_gradients)
    net = scratch(d2l, vocab)
    before = weights(net)
    train(d2l, net, data, vocab, lr=1.0, num_epochs=1, clip_theta=0.5)
    assert calls and calls[0] == 0.5
    for name, value in weights(net).items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    monkeypatch.undo()
    train(d2l, net, data, vocab, lr=1.0, num_epochs=1, clip_theta=0.5)
    assert any(not np.array_equal(weights(net)[k], before[k]) for k in before)


def test_the_scratch_model_is_updated_by_d2l_sgd(d2l, corpus, monkeypatch):
    data, vocab = batches(d2l, corpus), corpus[1]
    calls = []
    monkeypatch.setattr(d2l, "sgd", lambda *args: calls.append(args[-1]))
    net = scratch(d2l, vocab)
    before = weights(net)
    train(d2l, net, data, vocab, num_epochs=1)
    assert calls and set(calls) == {1}  # d2l's batch_size=1: the loss is already a mean
    for name, value in weights(net).items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_grad_clipping_and_grad_norm_return_values(d2l, corpus):
    """PyTorch/MXNet clip in place and return the norm; TensorFlow returns the clipped list."""
    X, Y = batches(d2l, corpus)[0]
    net = scratch(d2l, corpus[1])
    grads = _gradients(d2l, net, X, Y)
    norm = d2l.grad_norm(grads if d2l.FRAMEWORK == "tensorflow" else net)
    assert isinstance(norm, float) and norm > 0
    theta = norm / 4
    if d2l.FRAMEWORK == "tensorflow":
        clipped = d2l.grad_clipping(grads, theta)
        assert isinstance(clipped, list) and len(clipped) == len(grads)
        assert d2l.grad_norm(clipped) == pytest.approx(theta, rel=1e-4)
    else:
        assert d2l.grad_clipping(net, theta) == pytest.approx(norm)
        assert d2l.grad_norm(net) == pytest.approx(theta, rel=1e-4)
    for bad, error in ((0, ValueError), (-1.0, ValueError), ("1", TypeError), (True, TypeError)):
        with pytest.raises(error, match="theta"):
            d2l.grad_clipping(grads if d2l.FRAMEWORK == "tensorflow" else net, bad)


def _gradients(d2l, net, X, Y):
    """Backpropagate one minibatch; TensorFlow returns the gradients, the others store them."""
    if d2l.FRAMEWORK == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            y_hat, _ = net(X, net.begin_state(batch_size=X.shape[0]))
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                tf.reshape(tf.transpose(Y), [-1]), y_hat, from_logits=True))
        return tape.gradient(loss, net.params)
    if d2l.FRAMEWORK == "mxnet":
        with d2l.autograd.record():
            y_hat, _ = net(X, net.begin_state(batch_size=X.shape[0]))
            loss = d2l.gluon.loss.SoftmaxCrossEntropyLoss()(y_hat, Y.T.reshape(-1)).mean()
        loss.backward()
        return None
    import torch

    y_hat, _ = net(X, net.begin_state(batch_size=X.shape[0]))
    torch.nn.CrossEntropyLoss()(y_hat, Y.T.reshape(-1)).backward()
    return None


def test_theta_inf_never_clips(d2l, corpus):
    data, vocab = batches(d2l, corpus), corpus[1]
    a, b = scratch(d2l, vocab), scratch(d2l, vocab)
    train(d2l, a, data, vocab, num_epochs=1, clip_theta=math.inf)
    train(d2l, b, data, vocab, num_epochs=1, clip_theta=None)
    for name, value in weights(a).items():
        np.testing.assert_allclose(value, weights(b)[name], rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------- predict_ch8


def test_the_same_seed_gives_the_same_text_everywhere(corpus):
    vocab = corpus[1]
    texts = {}
    for name in FRAMEWORKS:
        d2l = d2lcore.framework_module(name)
        net = scratch(d2l, vocab, seed=4)
        texts[name] = [d2l.predict_ch8("time ", 30, net, vocab, sample=True, seed=seed)
                       for seed in (0, 1)] + [d2l.predict_ch8("time ", 30, net, vocab),
                                              d2l.predict_ch8("time ", 30, net, vocab,
                                                              sample=True, alpha=3.0, seed=2)]
    assert texts["pytorch"][0] != texts["pytorch"][1], "the seed must matter"
    assert texts["mxnet"] == texts["pytorch"] and texts["tensorflow"] == texts["pytorch"]


def test_prefix_types(d2l, corpus):
    vocab = corpus[1]
    net = scratch(d2l, vocab)
    text = d2l.predict_ch8("ti", 3, net, vocab)
    assert len(text) == 5 and text.startswith("ti")
    tokens = d2l.predict_ch8(["t", "i"], 3, net, vocab)
    assert tokens.split(" ") == list(text)  # a token list is joined with spaces
    assert d2l.predict_ch8(("t", "i"), 3, net, vocab) == tokens


@pytest.mark.parametrize("kwargs, error, name", [
    ({"prefix": 5}, TypeError, "prefix"),
    ({"prefix": ""}, ValueError, "prefix"),
    ({"prefix": ["t", 1]}, TypeError, "prefix"),
    ({"num_preds": -1}, ValueError, "num_preds"),
    ({"num_preds": 2.0}, TypeError, "num_preds"),
    ({"sample": 1}, TypeError, "sample"),
    ({"alpha": 0}, ValueError, "alpha"),
    ({"alpha": math.inf}, ValueError, "alpha"),
    ({"alpha": "2"}, TypeError, "alpha"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
])
def test_predict_validation(d2l, corpus, kwargs, error, name):
    vocab = corpus[1]
    args = {"prefix": "t", "num_preds": 2, "sample": True, "alpha": 1.0, "seed": 0, **kwargs}
    prefix, num_preds = args.pop("prefix"), args.pop("num_preds")
    with pytest.raises(error, match=name):
        d2l.predict_ch8(prefix, num_preds, scratch(d2l, vocab), vocab, **args)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"num_epochs": 0}, ValueError, "num_epochs"),
    ({"num_epochs": 2.0}, TypeError, "num_epochs"),
    ({"num_epochs": True}, TypeError, "num_epochs"),
    ({"lr": 0}, ValueError, "lr"),
    ({"lr": "1"}, TypeError, "lr"),
    ({"clip_theta": -1}, ValueError, "clip_theta"),
    ({"detach_state": 1}, TypeError, "detach_state"),
    ({"animate": None}, TypeError, "animate"),
    ({"updater": 3}, TypeError, "updater"),
])
def test_train_validation(d2l, corpus, kwargs, error, name):
    data, vocab = batches(d2l, corpus), corpus[1]
    args = {"lr": 1.0, "num_epochs": 1, **kwargs}
    lr, num_epochs = args.pop("lr"), args.pop("num_epochs")
    with pytest.raises(error, match=name):
        train(d2l, scratch(d2l, vocab), data, vocab, lr, num_epochs, **args)


@pytest.mark.parametrize("make, error, name", [
    (lambda d2l: d2l.RNNModelScratch(28, 8, fast="yes"), TypeError, "fast"),
    (lambda d2l: d2l.RNNModelScratch(28, 8, fast=1), TypeError, "fast"),
    # Only TensorFlow's RNNModel has fast=; elsewhere the keyword itself is a TypeError.
    (lambda d2l: d2l.RNNModel(d2l.make_rnn_layer("rnn", 4), 28, fast=None), TypeError, "fast"),
    (lambda d2l: d2l.init_rnn_state(0, 8, None), ValueError, "batch_size"),
    (lambda d2l: d2l.init_rnn_state(2, 8.0, None), TypeError, "num_hiddens"),
    (lambda d2l: d2l.RNNModelScratch(28, 8).begin_state(0), ValueError, "batch_size"),
])
def test_model_validation(d2l, make, error, name):
    with pytest.raises(error, match=name):
        make(d2l)


def test_bptt_refuses_a_model_of_the_readers_functions(d2l, corpus):
    """bptt_grads derives the gradients of d2l's RNN; a reader's forward_fn may be another model."""
    numpy_batches, vocab = corpus
    X, Y = (d2l.SeqDataLoader.to_tensor(a) for a in numpy_batches[0])

    def my_rnn(inputs, state, params):
        return d2l.rnn(inputs, state, params)

    net = d2l.RNNModelScratch(len(vocab), HIDDEN, forward_fn=my_rnn)
    for grads in (d2l.bptt_grads, d2l.autograd_grads):
        with pytest.raises(ValueError, match="net_or_params"):
            grads(net, X, Y)
    assert set(d2l.bptt_grads(net.params, X, Y)) >= {"W_xh", "W_hh"}  # its arrays are fine


def test_numpy_integers_are_ints(d2l, corpus):
    data, vocab = batches(d2l, corpus), corpus[1]
    net = scratch(d2l, vocab)
    assert train(d2l, net, data, vocab, num_epochs=np.int64(2)).epochs == 2
    assert len(d2l.predict_ch8("t", np.int32(3), net, vocab, sample=True, seed=np.int64(1))) == 4


# ---------------------------------------------------------------------- the surface


def test_seq_data_iters_yield_the_frameworks_tensors(d2l):
    corpus = list(range(100))
    tensor_type = type(d2l.tensor([1, 2]))
    for make in (d2l.seq_data_iter_random, d2l.seq_data_iter_sequential):
        X, Y = next(iter(make(corpus, 2, 5, rng=0)))
        assert isinstance(X, tensor_type) and isinstance(Y, tensor_type), make.__name__
        assert tuple(X.shape) == (2, 5)


def test_the_default_device_is_try_gpu(d2l, corpus, capsys):
    data, vocab = batches(d2l, corpus), corpus[1]
    train(d2l, scratch(d2l, vocab), data, vocab, num_epochs=1, verbose=True)
    device = d2l.try_gpu()
    name = device._device_name if d2l.FRAMEWORK == "tensorflow" else str(device)
    assert f"tokens/sec on {name}\n" in capsys.readouterr().out


D2L_NAMES = [
    # d2l-zh 8.1-8.7
    "load_data_time_machine", "seq_data_iter_random", "seq_data_iter_sequential",
    "SeqDataLoader", "Vocab", "tokenize", "load_corpus_time_machine", "read_time_machine",
    "RNNModelScratch", "RNNModel", "get_params", "init_rnn_state", "rnn", "grad_clipping",
    "sgd", "train_epoch_ch8", "train_ch8", "predict_ch8", "try_gpu", "try_all_gpus",
    "Timer", "Accumulator", "Animator", "plot", "set_figsize", "load_array", "evaluate_loss",
    # d2l-zh 9.1-9.2 from scratch (the GRU's get_params is get_gru_params: get_params is 8.5's)
    "get_gru_params", "init_gru_state", "gru", "get_lstm_params", "init_lstm_state", "lstm",
    # d2l's framework-neutral aliases
    "ones", "zeros", "tensor", "arange", "sin", "cos", "tanh", "exp", "log", "normal", "rand",
    "randn", "matmul", "int32", "float32", "concat", "stack", "numpy", "size", "reshape", "to",
    "reduce_sum", "argmax", "astype",
    # this workbook's additions, the same in every framework
    "grad_norm", "TrainHistory", "FRAMEWORK",
]


def test_d2l_names_exist_everywhere(d2l):
    missing = [name for name in D2L_NAMES if not hasattr(d2l, name) or name not in d2l.__all__]
    assert not missing, f"{d2l.FRAMEWORK} lacks {missing}"
    assert "np" not in d2l.__all__  # `import *` must not shadow the reader's numpy


def test_the_aliases_work_like_d2l(d2l):
    x = d2l.reshape(d2l.arange(6, dtype=d2l.float32), (2, 3))
    assert d2l.size(x) == 6
    assert float(d2l.reduce_sum(d2l.sin(d2l.zeros((2, 2))))) == 0.0
    np.testing.assert_allclose(d2l.numpy(d2l.exp(d2l.log(d2l.ones(3)))), np.ones(3), rtol=1e-6)
    assert d2l.numpy(d2l.to(x, d2l.try_gpu())).shape == (2, 3)
    assert tuple(d2l.rand((2, 3)).shape) == tuple(d2l.randn((2, 3)).shape) == (2, 3)


def test_train_modules_define_the_same_functions_in_the_same_order():
    def top_level(framework):
        tree = ast.parse((PACKAGE / framework / "train.py").read_text())
        return [node.name for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                and not node.name.startswith("_")]

    torch_names = top_level("torch")
    assert torch_names == ["sgd", "grad_norm", "grad_clipping", "train_epoch_ch8",
                           "train_ch8", "predict_ch8"]
    assert top_level("mxnet") == torch_names and top_level("tensorflow") == torch_names
