"""check_eval_perplexity (exercise 8.6.1) accepts a right evaluation and names mistakes.

Each mistake is written out in every framework, the way a student would get it wrong.
"""

import importlib
import math
import types

import pytest

FRAMEWORKS = ("torch", "mxnet", "tensorflow")


def _loss_sum(fw):
    """(net, X, Y, state) -> (summed cross-entropy as float, tokens, new state)."""
    if fw == "torch":
        import torch

        ce = torch.nn.CrossEntropyLoss(reduction="sum")

        def run(net, X, Y, state):
            with torch.no_grad():
                Y_hat, state = net(X, state)
                return float(ce(Y_hat, Y.T.reshape(-1))), Y.numel(), state
        return run
    if fw == "mxnet":
        from mxnet import gluon

        ce = gluon.loss.SoftmaxCrossEntropyLoss()

        def run(net, X, Y, state):
            Y_hat, state = net(X, state)
            return float(ce(Y_hat, Y.T.reshape(-1)).sum()), Y.size, state
        return run
    import keras
    import tensorflow as tf

    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")

    def run(net, X, Y, state):
        Y_hat, state = net(X, state)
        return float(ce(tf.reshape(tf.transpose(Y), [-1]), Y_hat)), int(tf.size(Y)), state
    return run


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    checks = importlib.import_module(f"d2lcore.{request.param}.checks")
    return types.SimpleNamespace(name=request.param, checks=checks,
                                 loss_sum=_loss_sum(request.param))


def make_eval(fw, mistake=None):
    def eval_perplexity(net, data_iter):
        sums, counts, state = [], [], None
        for X, Y in data_iter:
            if state is None or mistake == "reset":
                state = net.begin_state(X.shape[0])
            total, tokens, state = fw.loss_sum(net, X, Y, state)
            sums.append(total)
            counts.append(tokens)
            if mistake == "updates":  # e.g. a training step left in the loop
                params = net.get_numpy_params()
                params["dense.bias"] = params["dense.bias"] - 0.01
                net.set_numpy_params(params)
        if mistake == "batch_mean":
            return math.exp(sum(s / n for s, n in zip(sums, counts)) / len(sums))
        if mistake == "mean_ppl":
            return sum(math.exp(s / n) for s, n in zip(sums, counts)) / len(sums)
        if mistake == "no_exp":
            return sum(sums) / sum(counts)
        if mistake == "batch_count":
            return math.exp(sum(sums) / (X.shape[0] * len(sums)))
        return math.exp(sum(sums) / sum(counts))
    return eval_perplexity


def verdict(result, capsys):
    assert result.message in capsys.readouterr().out
    return result


def test_accepts_right_evaluation(fw, capsys):
    result = verdict(fw.checks.check_eval_perplexity(make_eval(fw)), capsys)
    assert result.passed and "PASSED" in result.message, result.message


@pytest.mark.parametrize("mistake, words", [
    ("batch_mean", "weight the losses by the number of tokens"),
    ("mean_ppl", "per-minibatch perplexities were averaged"),
    ("reset", "reset to zeros at every minibatch"),
    ("no_exp", "its exponential"),
    ("batch_count", "not by the number of tokens"),
    ("updates", "changed the parameters dense.bias"),
])
def test_names_the_mistake(fw, mistake, words, capsys):
    result = verdict(fw.checks.check_eval_perplexity(make_eval(fw, mistake)), capsys)
    assert result.status == "failed" and "NOT PASSED" in result.message, result.message
    assert words in result.message, result.message


def test_todo_crash_and_not_a_function(fw, capsys):
    def placeholder(net, data_iter):
        raise NotImplementedError("fill in the marked region")

    def crash(net, data_iter):
        return {}["missing"]

    todo = verdict(fw.checks.check_eval_perplexity(placeholder), capsys)
    assert todo.status == "todo" and "STILL TO DO" in todo.message
    crashed = verdict(fw.checks.check_eval_perplexity(crash), capsys)
    assert crashed.status == "failed" and "crash raised KeyError" in crashed.message
    wrong = verdict(fw.checks.check_eval_perplexity(3.5), capsys)
    assert wrong.status == "failed" and "function itself" in wrong.message
