"""check_sample_temperature (8.5.3) and check_detach_state (8.5.5) in every framework.

Each checker accepts the right answer and names the specific mistake of each wrong
one; an unfilled placeholder gives STILL TO DO.
"""

import importlib
import math
import types

import numpy as np
import pytest

from d2lcore.checks.sampling import sample_cases, tempered_probs

FRAMEWORKS = ("torch", "mxnet", "tensorflow")


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    checks = importlib.import_module(f"d2lcore.{request.param}.checks")
    return types.SimpleNamespace(name=request.param, checks=checks, ops=_ops(request.param))


def _ops(fw):
    """detach / copy / zeros for the framework's tensors, and a tensor constructor."""
    if fw == "torch":
        import torch

        return types.SimpleNamespace(detach=lambda s: s.detach(), copy=lambda s: s.clone(),
                                     zeros=torch.zeros_like, tensor=torch.tensor)
    if fw == "mxnet":
        from mxnet import np as mnp

        return types.SimpleNamespace(detach=lambda s: s.detach(), copy=lambda s: s.copy(),
                                     zeros=mnp.zeros_like, tensor=mnp.array)
    import tensorflow as tf

    return types.SimpleNamespace(detach=tf.stop_gradient, copy=tf.identity,
                                 zeros=tf.zeros_like, tensor=tf.constant)


def verdict(result, capsys):
    assert result.message in capsys.readouterr().out
    return result


def failed_with(result, words):
    assert not result.passed and result.status == "failed", result.message
    assert "NOT PASSED" in result.message and words in result.message, result.message


# --- sampling ----------------------------------------------------------------------


def make_sampler(mistake=None, tensor=None):
    def sample_next(logits, alpha, rng):
        with np.errstate(all="ignore"):  # some mistakes overflow on purpose
            return _sample(logits, alpha, rng)

    def _sample(logits, alpha, rng):
        z = np.asarray(logits, dtype=np.float64)
        if mistake == "todo":
            raise NotImplementedError("fill in the marked region")
        if mistake == "argmax" or (math.isinf(alpha) and mistake != "inf_nan"):
            return int(np.argmax(z))
        if mistake == "times":
            p = np.exp(z - z.max())
            p = p * alpha
            p = p / p.sum()
        elif mistake == "temperature":
            p = np.exp((z - z.max()) / alpha)
            p = p / p.sum()
        elif mistake == "no_renorm":
            p = np.exp(z - z.max())
            p = (p / p.sum()) ** alpha
        elif mistake == "overflow":
            p = np.exp(z) ** alpha
            p = p / p.sum()
        else:  # right, also for "inf_nan" with a finite alpha and for "global_rng"
            p = np.exp(alpha * (z - z.max()))
            p = p / p.sum()
        if mistake == "global_rng":
            return int(np.random.choice(len(p), p=p))
        if mistake == "fixed_rng":
            return int(np.random.default_rng(0).choice(len(p), p=p))
        token = int(rng.choice(len(p), p=p))
        return tensor(token) if tensor is not None else token
    return sample_next


def test_reference_distribution():
    _, logits, _ = sample_cases()[0]
    p1 = tempered_probs(logits, 1.0)
    assert np.allclose(p1, np.exp(logits) / np.exp(logits).sum())
    p3 = tempered_probs(logits, 3.0)
    assert np.allclose(p3, p1**3 / (p1**3).sum()) and p3.max() > p1.max()
    one_hot = np.eye(len(logits))[np.argmax(logits)]
    assert tempered_probs(logits, math.inf).tolist() == one_hot.tolist()
    assert np.isfinite(tempered_probs(np.array([900.0, 899.0]), 5.0)).all()
    with pytest.raises(ValueError, match="alpha"):
        tempered_probs(logits, 0)
    with pytest.raises(ValueError, match="logits"):
        tempered_probs(np.zeros((2, 2)), 1.0)


def test_sampling_right_answer(fw, capsys):
    result = verdict(fw.checks.check_sample_temperature(make_sampler()), capsys)
    assert result.passed and "PASSED" in result.message, result.message
    # a framework scalar as the token id is fine too
    tensor_token = make_sampler(tensor=fw.ops.tensor)
    assert verdict(fw.checks.check_sample_temperature(tensor_token), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("times", "multiplying (or dividing) the probabilities by alpha"),
    ("temperature", "alpha was used as a temperature"),
    ("argmax", "greedy decoding"),
    ("no_renorm", "do not sum to 1"),
    ("overflow", "subtract the largest logit"),
    ("inf_nan", "treat alpha = inf as the argmax"),
    ("global_rng", "does not take its randomness from rng"),
    ("fixed_rng", "does not come from the rng argument"),
])
def test_sampling_mistakes(fw, capsys, mistake, words):
    failed_with(verdict(fw.checks.check_sample_temperature(make_sampler(mistake)), capsys), words)


def test_sampling_todo_and_not_callable(fw, capsys):
    result = verdict(fw.checks.check_sample_temperature(make_sampler("todo")), capsys)
    assert result.status == "todo" and "STILL TO DO" in result.message
    failed_with(verdict(fw.checks.check_sample_temperature(3), capsys), "pass the function")


def test_sampling_bad_return(fw, capsys):
    failed_with(verdict(fw.checks.check_sample_temperature(
        lambda logits, alpha, rng: np.exp(logits) / np.exp(logits).sum()), capsys),
        "must return ONE token id")


# --- detaching ---------------------------------------------------------------------


def make_detach(fw, mistake=None):
    ops = fw.ops

    def detach(state):
        if mistake == "todo":
            raise NotImplementedError("fill in the marked region")
        if mistake == "identity":
            return state
        if mistake == "copy":
            return tuple(ops.copy(s) for s in state)
        if mistake == "zeros":
            return tuple(ops.zeros(s) for s in state)
        if mistake == "first_only":
            return (ops.detach(state[0]), *state[1:])
        if mistake == "single":
            return ops.detach(state[0])
        return tuple(ops.detach(s) for s in state)
    return detach


def test_detach_right_answer(fw, capsys):
    result = verdict(fw.checks.check_detach_state(make_detach(fw)), capsys)
    assert result.passed and "PASSED" in result.message, result.message


def test_detach_in_place_torch(capsys):
    # d2l's PyTorch code detaches in place (s.detach_()) and keeps the tuple: also right.
    from d2lcore.torch import checks

    def detach(state):
        for s in state:
            s.detach_()
        return state
    assert verdict(checks.check_detach_state(detach), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("identity", "still flows back"),
    ("copy", "still flows back"),
    ("zeros", "the state was reset"),
    ("first_only", "detach EVERY tensor"),
    ("single", "expected a tuple"),
])
def test_detach_mistakes(fw, capsys, mistake, words):
    failed_with(verdict(fw.checks.check_detach_state(make_detach(fw, mistake)), capsys), words)


def test_detach_todo(fw, capsys):
    result = verdict(fw.checks.check_detach_state(make_detach(fw, "todo")), capsys)
    assert result.status == "todo" and "STILL TO DO" in result.message
