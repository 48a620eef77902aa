"""The exercise checkers accept the right answer and reject plausible wrong ones.

Every student-style implementation below is written once against a tiny table of
framework operations (``OPS``) and run in PyTorch, MXNet and TensorFlow through
each framework's ``d2lcore.<fw>.checks`` module.
"""

import importlib
import math
import types

import pytest

FRAMEWORKS = ("torch", "mxnet", "tensorflow")
pytestmark = pytest.mark.filterwarnings("ignore:ndarray.as_in_context:DeprecationWarning")


def _ops(fw):
    if fw == "torch":
        import torch
        import torch.nn.functional as F

        return types.SimpleNamespace(
            tanh=torch.tanh, relu=torch.relu, cat0=lambda xs: torch.cat(xs, 0),
            stack=lambda xs, axis: torch.stack(xs, axis), reshape=lambda a, s: a.reshape(s),
            T=lambda a: a.T, one_hot=lambda X, n: F.one_hot(X, n).float(),
            one_hot_auto=lambda X: F.one_hot(X).float(), eye=torch.eye,
            dot=lambda a, b: torch.tensordot(a, b, dims=1),
            gather=lambda W, X: W[X], stop=lambda a: a.detach(), clip=torch.clamp,
            sum=lambda a: a.sum(), to_numpy=lambda a: a.detach().numpy(),
        )
    if fw == "mxnet":
        from mxnet import np as mnp
        from mxnet import npx

        return types.SimpleNamespace(
            tanh=mnp.tanh, relu=npx.relu, cat0=lambda xs: mnp.concatenate(xs, axis=0),
            stack=lambda xs, axis: mnp.stack(xs, axis=axis), reshape=lambda a, s: a.reshape(s),
            T=lambda a: a.T, one_hot=lambda X, n: npx.one_hot(X, n),
            one_hot_auto=lambda X: npx.one_hot(X, int(X.max()) + 1), eye=mnp.eye, dot=mnp.dot,
            gather=lambda W, X: W[X], stop=lambda a: a.detach(), clip=mnp.clip,
            sum=lambda a: a.sum(), to_numpy=lambda a: a.asnumpy(),
        )
    import tensorflow as tf

    return types.SimpleNamespace(
        tanh=tf.tanh, relu=tf.nn.relu, cat0=lambda xs: tf.concat(xs, 0),
        stack=lambda xs, axis: tf.stack(xs, axis), reshape=tf.reshape,
        T=tf.transpose, one_hot=lambda X, n: tf.one_hot(X, n),
        one_hot_auto=lambda X: tf.one_hot(X, int(tf.reduce_max(X)) + 1), eye=tf.eye,
        dot=lambda a, b: tf.tensordot(a, b, axes=1),
        gather=tf.gather, stop=tf.stop_gradient, clip=tf.clip_by_value,
        sum=tf.reduce_sum, to_numpy=lambda a: a.numpy(),
    )


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    checks = importlib.import_module(f"d2lcore.{request.param}.checks")
    return types.SimpleNamespace(name=request.param, checks=checks, ops=_ops(request.param))


def verdict(result, capsys):
    """The printed text must be the result's message."""
    printed = capsys.readouterr().out
    assert result.message in printed
    return result


# --------------------------------------------------------------------------- rnn


def make_rnn(ops, activation="tanh", mistake=None):
    """A d2l-style rnn(inputs, state, params), optionally with one typical mistake."""
    act = ops.tanh if activation == "tanh" else ops.relu
    if mistake == "wrong_activation":
        act = ops.relu if activation == "tanh" else ops.tanh

    def rnn(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        (H,) = state
        H0, outputs = H, []
        for X in inputs:
            hidden = (H0 if mistake == "state_not_carried" else H)
            W = ops.T(W_hh) if mistake == "W_hh_transposed" else W_hh
            A = X @ W_xh + hidden @ W
            H = act(A if mistake == "missing_b_h" else A + b_h)
            if mistake == "detached":
                H = ops.stop(H)
            Y = H @ W_hq + b_q
            outputs.append(act(Y) if mistake == "activation_on_output" else Y)
        if mistake == "batch_major":
            out = ops.stack(outputs, 1)
            return ops.reshape(out, (-1, out.shape[-1])), (H,)
        if mistake == "stacked":
            return ops.stack(outputs, 0), (H,)
        if mistake == "bare_state":
            return ops.cat0(outputs), H
        return ops.cat0(outputs), (H,)

    return rnn


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_accepts_correct(fw, activation, capsys):
    result = verdict(fw.checks.check_rnn(make_rnn(fw.ops, activation), activation=activation),
                     capsys)
    assert result.passed and result.status == "passed" and "PASSED" in result.message


@pytest.mark.parametrize("mistake, words", [
    ("missing_b_h", "b_h is missing"),
    ("W_hh_transposed", "W_hh is used transposed"),
    ("activation_on_output", "applied to the output layer"),
    ("wrong_activation", "other activation"),
    ("state_not_carried", "initial state"),
    ("batch_major", "time-major"),
    ("stacked", "concatenate"),
    ("bare_state", "one-element tuple"),
    ("detached", "gradient"),
])
def test_rnn_rejects_mistakes(fw, mistake, words, capsys):
    result = verdict(fw.checks.check_rnn(make_rnn(fw.ops, "relu", mistake), activation="relu"),
                     capsys)
    assert not result.passed and result.status == "failed"
    assert "NOT PASSED" in result.message and words in result.message


def test_rnn_todo_and_crash(fw, capsys):
    def placeholder(inputs, state, params):
        raise NotImplementedError("fill in the marked region")

    def broken(inputs, state, params):
        return inputs @ params[1], state  # vocab x hidden mismatch

    todo = verdict(fw.checks.check_rnn(placeholder), capsys)
    assert todo.status == "todo" and not todo.passed and "STILL TO DO" in todo.message
    crash = verdict(fw.checks.check_rnn(broken), capsys)
    assert crash.status == "failed" and "broken raised" in crash.message
    wrong_arg = verdict(fw.checks.check_rnn(42), capsys)
    assert wrong_arg.status == "failed" and "function itself" in wrong_arg.message


# --------------------------------------------------------------------------- clipping


def _policy(ops, mistake):
    """clip(grads, theta) -> new gradient list, with one typical mistake or none."""

    def clip(grads, theta):
        sq = [float(ops.sum(g * g)) for g in grads]
        if mistake == "per_tensor":
            return [g * min(1.0, theta / math.sqrt(s)) for g, s in zip(grads, sq)]
        if mistake == "by_value":
            return [ops.clip(g, -theta, theta) for g in grads]
        norm = sum(sq) if mistake == "no_sqrt" else math.sqrt(sum(sq))
        if norm <= theta and mistake != "always_scale":
            return list(grads)
        scale = norm / theta if mistake == "inverted" else theta / norm
        clipped = [g * scale for g in grads]
        if mistake == "forget_last":
            clipped[-1] = grads[-1]
        return clipped

    return clip


def make_clipping(fw, mistake=None):
    policy = _policy(fw.ops, mistake)
    if fw.name == "tensorflow":
        def grad_clipping(grads, theta):
            return policy(grads, theta)
    else:
        def grad_clipping(net, theta):
            new = policy([p.grad for p in net.params], theta)
            for p, g in zip(net.params, new):
                p.grad[:] = g
    return grad_clipping


def test_clipping_accepts_correct(fw, capsys):
    assert verdict(fw.checks.check_grad_clipping(make_clipping(fw)), capsys).passed


def test_clipping_accepts_d2l_style_in_place(fw, capsys):
    """d2l's own loop (scale each .grad in place) and the library function pass."""
    if fw.name == "tensorflow":
        import tensorflow as tf

        def grad_clipping(grads, theta):
            norm = tf.sqrt(sum(tf.reduce_sum(g**2) for g in grads))
            return [g * theta / norm for g in grads] if norm > theta else grads
    else:
        def grad_clipping(net, theta):
            norm = math.sqrt(sum(float((p.grad**2).sum()) for p in net.params))
            if norm > theta:
                for p in net.params:
                    p.grad[:] *= theta / norm
            return norm
    assert verdict(fw.checks.check_grad_clipping(grad_clipping), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("per_tensor", "own norm"),
    ("always_scale", "below theta"),
    ("forget_last", "b_q was not clipped"),
    ("no_sqrt", "square root"),
    ("by_value", "clipping by value"),
    ("inverted", "upside down"),
])
def test_clipping_rejects_mistakes(fw, mistake, words, capsys):
    result = verdict(fw.checks.check_grad_clipping(make_clipping(fw, mistake)), capsys)
    assert result.status == "failed" and words in result.message


def test_clipping_rejects_wrong_returned_norm_and_todo(fw, capsys):
    if fw.name != "tensorflow":
        right = make_clipping(fw)

        def returns_clipped_norm(net, theta):
            right(net, theta)
            return math.sqrt(sum(float((p.grad**2).sum()) for p in net.params))

        result = verdict(fw.checks.check_grad_clipping(returns_clipped_norm), capsys)
        assert result.status == "failed" and "returned norm" in result.message
    else:
        def forgets_return(grads, theta):
            _policy(fw.ops, None)(grads, theta)

        result = verdict(fw.checks.check_grad_clipping(forgets_return), capsys)
        assert result.status == "failed" and "give back" in result.message

    def placeholder(*args):
        raise NotImplementedError

    assert verdict(fw.checks.check_grad_clipping(placeholder), capsys).status == "todo"


# --------------------------------------------------------------------------- features


def make_features(ops, mistake=None):
    def features_fn(x, tau):
        T = x.shape[0]
        if mistake == "hard_coded_tau":
            tau = 4
        rows = T - tau + (1 if mistake == "extra_row" else 0)
        shift = 1 if mistake == "window_late" else 0
        cols = [x[i + shift : rows + i + shift] for i in range(tau)]
        if mistake == "reversed":
            cols = cols[::-1]
        features = ops.stack(cols, 0 if mistake == "transposed" else 1)
        start = tau - 1 if mistake == "label_early" else tau
        labels = x[start : start + T - tau]
        if mistake != "flat_labels":
            labels = ops.reshape(labels, (-1, 1))
        return features, labels

    return features_fn


def test_features_accepts_correct(fw, capsys):
    assert verdict(fw.checks.check_ar_features(make_features(fw.ops)), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("window_late", "one step too late"),
    ("label_early", "shifted by one step"),
    ("extra_row", "no label"),
    ("reversed", "reverse order"),
    ("transposed", "transposed"),
    ("flat_labels", "reshape(-1, 1)"),
    ("hard_coded_tau", "expected (T - tau, tau)"),
])
def test_features_rejects_mistakes(fw, mistake, words, capsys):
    result = verdict(fw.checks.check_ar_features(make_features(fw.ops, mistake)), capsys)
    assert result.status == "failed" and words in result.message


# --------------------------------------------------------------------------- embeddings


def make_lookup(ops, how="gather", mistake=None):
    def lookup(X, W):
        vocab = W.shape[0]
        if mistake == "transposed_X":
            X = ops.T(X)
        if mistake == "off_by_one":
            X = (X + vocab - 1) % vocab
        if mistake == "transposed_W":
            W = ops.T(W)
        if mistake == "detached":
            W = ops.stop(W)
        if how == "gather":
            out = ops.gather(W, X)
        else:
            out = ops.one_hot(X, vocab) @ W
        if mistake == "flattened":
            out = ops.reshape(out, (-1, out.shape[-1]))
        return out

    return lookup


@pytest.mark.parametrize("checker, how", [("check_embedding", "gather"),
                                          ("check_one_hot_matmul", "one_hot"),
                                          ("check_one_hot_matmul", "gather")])
def test_lookup_accepts_correct(fw, checker, how, capsys):
    assert verdict(getattr(fw.checks, checker)(make_lookup(fw.ops, how)), capsys).passed


def test_one_hot_matmul_rejects_missing_vocab_size(fw, capsys):
    # torch's F.one_hot(X) sizes the vectors by max(X)+1; MXNet and TensorFlow
    # need a depth, and the same mistake there is a depth taken from the data.
    def without_size(X, W):
        return fw.ops.one_hot_auto(X) @ W

    result = verdict(fw.checks.check_one_hot_matmul(without_size), capsys)
    assert result.status == "failed" and "max(X)+1 = 6 columns" in result.message
    assert "without the vocabulary size" in result.message and "vocab_size = 9" in result.message


def test_one_hot_matmul_explains_transposed_w(fw, capsys):
    def transposed(X, W):
        return fw.ops.one_hot(X, W.shape[0]) @ fw.ops.T(W)

    result = verdict(fw.checks.check_one_hot_matmul(transposed), capsys)
    assert result.status == "failed" and "W is used transposed (W.T)" in result.message


@pytest.mark.parametrize("how", ["one_hot", "eye", "dot"])
def test_embedding_rejects_one_hot_product(fw, how, capsys):
    def via_product(X, W):
        if how == "eye":  # the rows of an identity matrix are one-hot vectors too
            return fw.ops.gather(fw.ops.eye(W.shape[0]), X) @ W
        rows = fw.ops.one_hot(X, W.shape[0])
        return fw.ops.dot(rows, W) if how == "dot" else rows @ W

    assert verdict(fw.checks.check_one_hot_matmul(via_product), capsys).passed
    result = verdict(fw.checks.check_embedding(via_product), capsys)
    assert result.status == "failed" and "matrix product" in result.message
    assert result.details["products"]


@pytest.mark.parametrize("checker, how", [("check_embedding", "gather"),
                                          ("check_one_hot_matmul", "one_hot")])
@pytest.mark.parametrize("mistake, words", [
    ("transposed_X", "swapped"),
    ("off_by_one", "no offset"),
    ("transposed_W", "ROW i of W"),
    ("flattened", "flattened"),
    ("detached", "gradient"),
])
def test_lookup_rejects_mistakes(fw, checker, how, mistake, words, capsys):
    result = verdict(getattr(fw.checks, checker)(make_lookup(fw.ops, how, mistake)), capsys)
    assert result.status == "failed" and words in result.message


def test_lookup_rejects_numpy_and_wrong_depth(fw, capsys):
    def via_numpy(X, W):
        return fw.ops.to_numpy(W)[fw.ops.to_numpy(X)]

    def wrong_depth(X, W):
        return fw.ops.one_hot(X, W.shape[1]) @ W

    result = verdict(fw.checks.check_embedding(via_numpy), capsys)
    assert result.status == "failed" and "gradient" in result.message
    assert verdict(fw.checks.check_one_hot_matmul(wrong_depth), capsys).status == "failed"


def test_results_do_not_display_twice(fw, capsys):
    result = fw.checks.check_embedding(make_lookup(fw.ops))
    capsys.readouterr()
    assert result._ipython_display_() is None and bool(result) is True
