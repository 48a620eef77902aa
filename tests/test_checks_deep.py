"""check_deep_rnn (exercise 9.3.1) in every framework.

A correct two-layer scratch RNN, written once as a student-style loop over a small
table of framework operations, passes in PyTorch, MXNet and TensorFlow; each usual
mistake fails with its own message; a placeholder is "still to do"; bad arguments
raise clear errors.  The numpy probes and the hand-written backpropagation of the
checker are tested against each other and against finite differences.
"""

import importlib
import inspect
import itertools
import types

import numpy as np
import pytest

from d2lcore import reference_layers
from d2lcore.checks import deep

FRAMEWORKS = ("torch", "mxnet", "tensorflow")
pytestmark = pytest.mark.filterwarnings("ignore:ndarray.as_in_context:DeprecationWarning")


def _ops(fw):
    if fw == "torch":
        import torch

        return types.SimpleNamespace(tanh=torch.tanh, cat0=lambda xs: torch.cat(xs, 0),
                                     stack0=lambda xs: torch.stack(xs, 0),
                                     stop=lambda a: a.detach())
    if fw == "mxnet":
        from mxnet import np as mnp

        return types.SimpleNamespace(tanh=mnp.tanh,
                                     cat0=lambda xs: mnp.concatenate(xs, axis=0),
                                     stack0=lambda xs: mnp.stack(xs, axis=0),
                                     stop=lambda a: a.detach())
    import tensorflow as tf

    return types.SimpleNamespace(tanh=tf.tanh, cat0=lambda xs: tf.concat(xs, 0),
                                 stack0=lambda xs: tf.stack(xs, 0), stop=tf.stop_gradient)


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    name = request.param
    return types.SimpleNamespace(name=name, d2l=importlib.import_module(f"d2lcore.{name}"),
                                 checks=importlib.import_module(f"d2lcore.{name}.checks"),
                                 ops=_ops(name))


def verdict(result, capsys):
    """The printed text must be the result's message."""
    assert result.message in capsys.readouterr().out
    return result


def make_deep_rnn(ops, mistake=None):
    """A student-style two-layer deep_rnn(inputs, state, params) with one mistake or none."""
    tanh = ops.tanh

    def deep_rnn(inputs, state, params):
        W_xh1, W_hh1, b_h1, W_xh2, W_hh2, b_h2, W_hq, b_q = params
        if mistake == "states_swapped":
            H2, H1 = state
        else:
            H1, H2 = state
        H1_0, H2_0 = H1, H2
        if mistake == "shared_state":  # one variable for both layers
            H = H1
        outputs = []
        for X in inputs:
            if mistake == "shared_state":
                H = tanh(X @ W_xh1 + H @ W_hh1 + b_h1)
                H = tanh(H @ W_xh2 + H @ W_hh2 + b_h2)
                H1 = H2 = H
                outputs.append(H @ W_hq + b_q)
                continue
            if mistake == "layer2_reads_previous_H1":  # layer 2 updated before layer 1
                H2 = tanh(H1 @ W_xh2 + H2 @ W_hh2 + b_h2)
                H1 = tanh(X @ W_xh1 + H1 @ W_hh1 + b_h1)
            else:
                H1_new = tanh(X @ W_xh1 + H1 @ W_hh1 + b_h1)
                if mistake == "no_tanh_layer1":
                    H1_new = X @ W_xh1 + H1 @ W_hh1 + b_h1
                below = X if mistake == "layer2_reads_input" else H1_new
                if mistake == "no_tanh_layer2":
                    H2_new = below @ W_xh2 + H2 @ W_hh2 + b_h2
                elif mistake == "layer2_weights_swapped":
                    H2_new = tanh(below @ W_hh2 + H2 @ W_xh2 + b_h2)
                else:
                    H2_new = tanh(below @ W_xh2 + H2 @ W_hh2 + b_h2)
                if mistake == "detached":
                    H1_new = ops.stop(H1_new)
                if mistake != "state_not_carried":
                    H1, H2 = H1_new, H2_new
            top = H1 if mistake == "output_from_layer1" else H2
            if mistake == "state_not_carried":
                top = H2_new
            outputs.append(top @ W_hq + b_q)
        if mistake == "stacked":
            return ops.stack0(outputs), (H1, H2)
        if mistake == "bare_state":
            return ops.cat0(outputs), H2
        if mistake == "top_state_only":
            return ops.cat0(outputs), (H2,)
        if mistake == "returned_swapped":
            return ops.cat0(outputs), (H2, H1)
        if mistake == "state_not_returned":
            return ops.cat0(outputs), (H1_0, H2_0)
        return ops.cat0(outputs), (H1, H2)

    return deep_rnn


MISTAKES = [
    ("layer2_reads_input", "layer 2 is fed the characters X_t"),
    ("shared_state", "both layers share one state variable"),
    ("output_from_layer1", "the output layer reads layer 1's state"),
    ("states_swapped", "the two initial states are swapped"),
    ("layer2_reads_previous_H1", "layer 2 reads layer 1's state of the previous step"),
    ("layer2_weights_swapped", "layer 2's two weight matrices are swapped"),
    ("no_tanh_layer1", "layer 1 has no tanh"),
    ("no_tanh_layer2", "layer 2 has no tanh"),
    ("state_not_carried", "the states are not carried from step to step"),
    ("stacked", "concatenate the per-step outputs"),
    ("bare_state", "got a bare"),
    ("top_state_only", "of length 1"),
    ("returned_swapped", "comes back as (H2, H1)"),
    ("state_not_returned", "it equals the initial H1"),
    ("detached", "the gradient of"),
]


def test_correct_implementation_passes(fw, capsys):
    result = verdict(fw.d2l.check_deep_rnn(make_deep_rnn(fw.ops)), capsys)
    assert result.passed and result.status == "passed", result.message
    assert "gradients of all 8 parameters" in result.message


@pytest.mark.parametrize("mistake, words", MISTAKES)
def test_names_mistake(fw, mistake, words, capsys):
    result = verdict(fw.d2l.check_deep_rnn(make_deep_rnn(fw.ops, mistake)), capsys)
    assert not result.passed and result.status == "failed", result.message
    assert "NOT PASSED" in result.message and words in result.message, result.message


def test_todo_crash_and_not_a_function(fw, capsys):
    def placeholder(inputs, state, params):
        raise NotImplementedError("fill in the marked region")

    def broken(inputs, state, params):  # a slice of W_xh1 that fits nothing
        W_xh1, W_hh1, b_h1, W_xh2, W_hh2, b_h2, W_hq, b_q = params
        H1, H2 = state
        outputs = []
        for X in inputs:
            H1 = fw.ops.tanh(X @ W_xh1[:2] + H1 @ W_hh1 + b_h1)
            H2 = fw.ops.tanh(H1 @ W_xh2 + H2 @ W_hh2 + b_h2)
            outputs.append(H2 @ W_hq + b_q)
        return fw.ops.cat0(outputs), (H1, H2)

    todo = verdict(fw.d2l.check_deep_rnn(placeholder), capsys)
    assert todo.status == "todo" and "STILL TO DO" in todo.message
    crash = verdict(fw.d2l.check_deep_rnn(broken), capsys)
    assert crash.status == "failed", crash.message
    assert "broken raised" in crash.message or "could not be read" in crash.message
    assert "W_xh2 is (hidden, hidden)" in crash.message, crash.message
    wrong_arg = verdict(fw.d2l.check_deep_rnn(make_deep_rnn(fw.ops)(*_args(fw))), capsys)
    assert wrong_arg.status == "failed" and "function itself" in wrong_arg.message


def _args(fw):
    """Arguments for calling a deep_rnn once (its result is not a function)."""
    case = deep.make_case(1)
    tensor = fw.checks._ADAPTER.tensor
    return (tensor(case["inputs"]), tuple(tensor(s) for s in case["state"]),
            [tensor(case["params"][k]) for k in deep.NAMES])


def test_bad_arguments(fw):
    with pytest.raises(TypeError, match="fn_label"):
        fw.d2l.check_deep_rnn(make_deep_rnn(fw.ops), fn_label=3)


def test_bound_signature_and_docstring(fw):
    check = fw.d2l.check_deep_rnn
    assert list(inspect.signature(check).parameters) == ["fn", "fn_label"]
    assert "W_xh2" in check.__doc__ and check.__module__ == f"d2lcore.{fw.name}.checks"


# ------------------------------------------------- the numpy probes (framework-free)


def test_forward_is_two_stacked_layers():
    """forward() equals reference_layers' two-layer RNN with the weights copied over."""
    for index in range(len(deep.CASES)):
        case = deep.make_case(index)
        p = {k: v.astype(np.float64) for k, v in case["params"].items()}
        canonical = {}
        for k, (w_x, w_h, b) in enumerate((("W_xh1", "W_hh1", "b_h1"),
                                          ("W_xh2", "W_hh2", "b_h2"))):
            canonical[f"weight_ih_l{k}"] = p[w_x].T
            canonical[f"weight_hh_l{k}"] = p[w_h].T
            canonical[f"bias_ih_l{k}"] = p[b]
            canonical[f"bias_hh_l{k}"] = np.zeros_like(p[b])
        canonical["dense.weight"], canonical["dense.bias"] = p["W_hq"].T, p["b_q"]
        out, state = deep.forward(case["inputs"], case["state"], case["params"])
        want, want_state = reference_layers.layer_forward(
            "rnn", canonical, case["X"], np.stack(case["state"]), num_layers=2)
        assert deep.rel_error(out, want) < 1e-12
        for s, w in zip(state, want_state):
            assert deep.rel_error(s, w) < 1e-12


def test_probes_differ():
    """Each mistake moves the outputs well beyond the tolerance and away from the others.

    ``layer2_reads_input`` needs vocab == hidden and is only tested on the square case.
    """
    for index in range(len(deep.CASES)):
        case = deep.make_case(index)
        args = (case["inputs"], case["state"], case["params"])
        want = deep.forward(*args)[0]
        square = case["sizes"][2] == case["sizes"][3]
        probes = [deep.forward(*args, mistake=m)[0] for m in deep.HINTS
                  if square or m != "layer2_reads_input"]
        for probe in probes:
            assert deep.rel_error(probe, want) > 1e-2
        for a, b in itertools.combinations(probes, 2):
            assert deep.rel_error(a, b) > 1e-2
    assert deep.CASES[0][2] == deep.CASES[0][3]


def test_grads_match_finite_differences():
    case = deep.make_case(1)
    params = {k: v.astype(np.float64) for k, v in case["params"].items()}

    def scalar(p):
        out, (H1, H2) = deep.forward(case["inputs"], case["state"], p)
        S1, S2 = case["S"]
        return float((out * case["R"]).sum() + (H1 * S1).sum() + (H2 * S2).sum())

    got = deep.grads(case["inputs"], case["state"], params, case["R"], case["S"])
    eps = 1e-6
    for k, g in zip(deep.NAMES, got):
        numeric = np.zeros_like(params[k])
        for i in np.ndindex(params[k].shape):
            plus, minus = dict(params), dict(params)
            plus[k], minus[k] = params[k].copy(), params[k].copy()
            plus[k][i] += eps
            minus[k][i] -= eps
            numeric[i] = (scalar(plus) - scalar(minus)) / (2 * eps)
        assert deep.rel_error(g, numeric) < 1e-6, k


def test_bad_probe_arguments():
    case = deep.make_case(0)
    with pytest.raises(ValueError, match="mistake"):
        deep.forward(case["inputs"], case["state"], case["params"], mistake="nonsense")
    with pytest.raises(ValueError, match="index"):
        deep.make_case(len(deep.CASES))
