"""check_power_alignment (8.7.1) accepts right answers and names plausible mistakes.

The checker runs through every framework's ``d2lcore.<fw>.checks``; a right answer
may return a plain list, a numpy array or that framework's tensor.
"""

import importlib
import types

import numpy as np
import pytest

from d2lcore.checks.powers import alignment_cases, power_alignment

FRAMEWORKS = ("torch", "mxnet", "tensorflow")


def _to_tensor(fw):
    if fw == "torch":
        import torch

        return lambda a: torch.from_numpy(np.ascontiguousarray(a))
    if fw == "mxnet":
        from mxnet import np as mnp

        return lambda a: mnp.array(a, dtype=a.dtype)
    import tensorflow as tf

    return lambda a: tf.constant(a)


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    checks = importlib.import_module(f"d2lcore.{request.param}.checks")
    return types.SimpleNamespace(name=request.param, checks=checks,
                                 tensor=_to_tensor(request.param))


def verdict(result, capsys):
    assert result.message in capsys.readouterr().out
    return result


def failed_with(result, words):
    assert not result.passed and result.status == "failed", result.message
    assert "NOT PASSED" in result.message and words in result.message, result.message


def make_alignment(mistake=None):
    def alignment(M, x, k_max):
        values, vectors = np.linalg.eig(M)
        key = values.real if mistake == "signed_max" else np.abs(values)
        i = int(np.argmax(key))
        v1 = np.real(vectors[i] if mistake == "rows" else vectors[:, i])
        start = 1 if mistake == "from_one" else 0
        stop = k_max if mistake == "short" else k_max + 1
        angles, y = [], x.copy()
        for k in range(stop + start):
            if mistake == "elementwise":
                y = (M ** k) @ x
            elif k > 0:
                y = M @ y
            if k < start:
                continue
            cos = y @ v1 / (np.linalg.norm(y) * np.linalg.norm(v1))
            if mistake != "arrows":
                cos = abs(cos)
            angle = np.arccos(np.clip(cos, -1, 1))
            angles.append(np.degrees(angle) if mistake == "degrees" else angle)
        return angles
    return alignment


def test_reference_properties():
    # The premise of 8.7.1: the angle falls like |lambda2 / lambda1|^k.
    M, x, k_max = alignment_cases()[0]
    angles = power_alignment(M, x, k_max)
    assert angles.shape == (k_max + 1,) and np.all((angles >= 0) & (angles <= np.pi / 2))
    assert angles[-1] < angles[0] / 10
    with pytest.raises(ValueError, match="M must be a square"):
        power_alignment(np.ones((2, 3)), np.ones(3), 2)
    with pytest.raises(ValueError, match="k_max"):
        power_alignment(np.eye(2), np.ones(2), -1)


def test_accepts_correct_list_array_and_tensor(fw, capsys):
    assert verdict(fw.checks.check_power_alignment(make_alignment()), capsys).passed

    def as_tensor(M, x, k_max):
        return fw.tensor(np.array(make_alignment()(M, x, k_max)))
    assert verdict(fw.checks.check_power_alignment(as_tensor), capsys).passed

    def normalised_iterate(M, x, k_max):  # normalising every step changes no angle
        v = np.linalg.eig(M)[1][:, np.argmax(np.abs(np.linalg.eig(M)[0]))].real
        out, y = [], x / np.linalg.norm(x)
        for k in range(k_max + 1):
            if k:
                y = M @ y
                y = y / np.linalg.norm(y)
            out.append(np.arccos(min(1.0, abs(y @ v) / np.linalg.norm(v))))
        return np.array(out)
    assert verdict(fw.checks.check_power_alignment(normalised_iterate), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("rows", "COLUMNS"),
    ("signed_max", "absolute value"),
    ("elementwise", "each entry"),
    ("from_one", "start at k = 1"),
    ("short", "expected k_max + 1"),
    ("degrees", "degrees"),
    ("arrows", "not lines"),
])
def test_rejects_mistakes(fw, mistake, words, capsys):
    failed_with(verdict(fw.checks.check_power_alignment(make_alignment(mistake)), capsys), words)


def test_todo_crash_and_not_a_function(fw, capsys):
    def placeholder(M, x, k_max):
        raise NotImplementedError("fill in the marked region")

    def crash(M, x, k_max):
        return {}["missing"]

    todo = verdict(fw.checks.check_power_alignment(placeholder), capsys)
    assert todo.status == "todo" and "STILL TO DO" in todo.message
    failed_with(verdict(fw.checks.check_power_alignment(crash), capsys), "crash raised KeyError")
    failed_with(verdict(fw.checks.check_power_alignment(np.eye(2)), capsys), "function itself")
