"""check_gru (9.1) and check_lstm (9.2) in every framework.

The library's ``d2l.gru`` / ``d2l.lstm`` pass; each usual mistake, written once as a
student-style loop over a small table of framework operations and run in PyTorch,
MXNet and TensorFlow, gives NOT PASSED with its own message; a placeholder gives
STILL TO DO.
"""

import importlib
import itertools
import types

import numpy as np
import pytest

from d2lcore import reference_gated
from d2lcore.checks import gated

FRAMEWORKS = ("torch", "mxnet", "tensorflow")
pytestmark = pytest.mark.filterwarnings("ignore:ndarray.as_in_context:DeprecationWarning")


def _ops(fw):
    if fw == "torch":
        import torch

        return types.SimpleNamespace(sigmoid=torch.sigmoid, tanh=torch.tanh,
                                     cat0=lambda xs: torch.cat(xs, 0),
                                     stack0=lambda xs: torch.stack(xs, 0),
                                     stop=lambda a: a.detach())
    if fw == "mxnet":
        from mxnet import np as mnp
        from mxnet import npx

        return types.SimpleNamespace(sigmoid=npx.sigmoid, tanh=mnp.tanh,
                                     cat0=lambda xs: mnp.concatenate(xs, axis=0),
                                     stack0=lambda xs: mnp.stack(xs, axis=0),
                                     stop=lambda a: a.detach())
    import tensorflow as tf

    return types.SimpleNamespace(sigmoid=tf.sigmoid, tanh=tf.tanh,
                                 cat0=lambda xs: tf.concat(xs, 0),
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


def failed_with(result, words):
    assert not result.passed and result.status == "failed", result.message
    assert "NOT PASSED" in result.message and words in result.message, result.message


# ------------------------------------------------------------------------------ GRU


def make_gru(ops, mistake=None):
    """A student-style d2l-zh 9.1 gru(inputs, state, params) with one mistake or none."""
    sig, tanh = ops.sigmoid, ops.tanh
    gate_fn = tanh if mistake in ("activations_swapped", "gates_tanh") else sig
    cand_fn = sig if mistake in ("activations_swapped", "candidate_sigmoid") else tanh

    def gru(inputs, state, params):
        if mistake == "z_r_swapped":  # unpacked as if the reset gate came first
            W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_h, W_hq, b_q = params
        else:
            W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        H0, outputs = H, []
        for X in inputs:
            Z = gate_fn(X @ W_xz + H @ W_hz + b_z)
            R = gate_fn(X @ W_xr + H @ W_hr + b_r)
            if mistake == "reset_after":
                H_tilde = cand_fn(X @ W_xh + R * (H @ W_hh) + b_h)
            elif mistake == "no_reset":
                H_tilde = cand_fn(X @ W_xh + H @ W_hh + b_h)
            else:
                H_tilde = cand_fn(X @ W_xh + (R * H) @ W_hh + b_h)
            if mistake == "update_reversed":
                H_new = (1 - Z) * H + Z * H_tilde
            elif mistake == "no_update":
                H_new = H_tilde
            else:
                H_new = Z * H + (1 - Z) * H_tilde
            outputs.append(H_new @ W_hq + b_q)
            if mistake == "detached":  # the carried state is cut off the graph
                H_new = ops.stop(H_new)
            if mistake != "state_not_carried":  # that student forgets H = H_new
                H = H_new
        if mistake == "stacked":
            return ops.stack0(outputs), (H,)
        if mistake == "bare_state":
            return ops.cat0(outputs), H
        if mistake == "state_not_returned":
            return ops.cat0(outputs), (H0,)
        return ops.cat0(outputs), (H,)

    return gru


GRU_MISTAKES = [
    ("update_reversed", "update gate is used the other way round"),
    ("reset_after", "variant of the library layers"),
    ("no_reset", "reset gate is missing"),
    ("no_update", "update gate is missing"),
    ("activations_swapped", "tanh and sigmoid are swapped"),
    ("gates_tanh", "the gates use tanh"),
    ("candidate_sigmoid", "the candidate uses sigmoid"),
    ("state_not_carried", "state is not carried from step to step"),
    ("z_r_swapped", "unpacked in the wrong order"),
    ("bare_state", "one-element tuple (H,)"),
    ("state_not_returned", "it equals the initial H"),
    ("stacked", "concatenate the per-step outputs"),
    ("detached", "the gradient of"),
]


def test_gru_accepts_library_and_template(fw, capsys):
    for fn in (fw.d2l.gru, make_gru(fw.ops)):
        result = verdict(fw.d2l.check_gru(fn), capsys)
        assert result.passed and result.status == "passed", result.message
        assert "gradients of all 11 parameters" in result.message


@pytest.mark.parametrize("mistake, words", GRU_MISTAKES)
def test_gru_names_mistake(fw, mistake, words, capsys):
    failed_with(verdict(fw.d2l.check_gru(make_gru(fw.ops, mistake)), capsys), words)


# ----------------------------------------------------------------------------- LSTM


def make_lstm(ops, mistake=None):
    """A student-style d2l-zh 9.2 lstm(inputs, state, params) with one mistake or none."""
    sig, tanh = ops.sigmoid, ops.tanh
    cand_fn = sig if mistake == "candidate_sigmoid" else tanh
    gate_fn = tanh if mistake == "gates_tanh" else sig

    def lstm(inputs, state, params):
        if mistake == "forget_input_swapped":
            (W_xf, W_hf, b_f, W_xi, W_hi, b_i, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq,
             b_q) = params
        elif mistake == "o_c_swapped":
            (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xc, W_hc, b_c, W_xo, W_ho, b_o, W_hq,
             b_q) = params
        else:
            (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq,
             b_q) = params
        H, C = state
        H0, C0, outputs = H, C, []
        for X in inputs:
            if mistake == "state_not_carried":  # H and C are never reassigned
                H, C = H0, C0
            I = gate_fn(X @ W_xi + H @ W_hi + b_i)  # noqa: E741
            F = gate_fn(X @ W_xf + H @ W_hf + b_f)
            O = gate_fn(X @ W_xo + H @ W_ho + b_o)
            C_tilde = cand_fn(X @ W_xc + H @ W_hc + b_c)
            if mistake == "no_forget":
                C_new = I * C_tilde
            elif mistake == "no_input_gate":
                C_new = F * C + C_tilde
            else:
                C_new = F * C + I * C_tilde
            if mistake == "no_tanh_on_memory":
                H = O * C_new
            elif mistake == "tanh_outside":
                H = tanh(O * C_new)
            elif mistake == "no_output_gate":
                H = tanh(C_new)
            else:
                H = O * tanh(C_new)
            if mistake == "detached":
                C_new = ops.stop(C_new)
            C = C0 if mistake == "memory_from_initial" else C_new
            outputs.append(H @ W_hq + b_q)
        if mistake == "state_CH":
            return ops.cat0(outputs), (C, H)
        if mistake == "H_alone":
            return ops.cat0(outputs), H
        if mistake == "H_tuple":
            return ops.cat0(outputs), (H,)
        return ops.cat0(outputs), (H, C)

    return lstm


LSTM_MISTAKES = [
    ("no_forget", "the forget term F_t * C_(t-1) is missing"),
    ("forget_input_swapped", "forget and input gates are swapped"),
    ("no_tanh_on_memory", "H_t = O_t * C_t lacks the tanh"),
    ("tanh_outside", "the tanh is applied to the product"),
    ("no_output_gate", "the output gate is missing"),
    ("candidate_sigmoid", "the candidate memory uses sigmoid"),
    ("gates_tanh", "the gates use tanh: I_t, F_t and O_t need sigmoid"),
    ("no_input_gate", "the input gate is missing"),
    ("state_not_carried", "every step starts from the initial (H, C)"),
    ("memory_from_initial", "every step uses the initial C"),
    ("o_c_swapped", "unpacked in the wrong order"),
    ("state_CH", "comes back as (C, H)"),
    ("H_alone", "(H alone?)"),
    ("H_tuple", "the memory C is missing"),
    ("detached", "the gradient of"),
]


def test_lstm_accepts_library_and_template(fw, capsys):
    for fn in (fw.d2l.lstm, make_lstm(fw.ops)):
        result = verdict(fw.d2l.check_lstm(fn), capsys)
        assert result.passed and result.status == "passed", result.message
        assert "gradients of all 14 parameters" in result.message


@pytest.mark.parametrize("mistake, words", LSTM_MISTAKES)
def test_lstm_names_mistake(fw, mistake, words, capsys):
    failed_with(verdict(fw.d2l.check_lstm(make_lstm(fw.ops, mistake)), capsys), words)


def test_lstm_order_message_names_blocks(fw, capsys):
    result = verdict(fw.d2l.check_lstm(make_lstm(fw.ops, "o_c_swapped")), capsys)
    assert "c-parameters (W_xc, W_hc, b_c) as the output gate O" in result.message
    assert "o-parameters (W_xo, W_ho, b_o) as the candidate memory C~" in result.message


# ------------------------------------------------------------------- both checkers


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_todo_crash_and_not_a_function(fw, kind, capsys):
    check = getattr(fw.d2l, f"check_{kind}")

    def placeholder(inputs, state, params):
        raise NotImplementedError("fill in the marked region")

    def broken(inputs, state, params):
        return inputs @ params[1], state  # (vocab) x (hidden, hidden): shapes do not fit

    todo = verdict(check(placeholder), capsys)
    assert todo.status == "todo" and not todo.passed and "STILL TO DO" in todo.message
    crash = verdict(check(broken), capsys)
    assert crash.status == "failed" and "broken raised" in crash.message
    wrong_arg = verdict(check(getattr(fw.d2l, kind)(*_library_args(fw, kind))), capsys)
    assert wrong_arg.status == "failed" and "function itself" in wrong_arg.message


def _library_args(fw, kind):
    """Arguments for calling the library's function once (its result is not a function)."""
    case = gated.make_case(kind, 0)
    tensor = fw.checks._ADAPTER.tensor
    params = [tensor(case["params"][k]) for k in reference_gated.PARAM_NAMES[kind]]
    return tensor(case["inputs"]), tuple(tensor(s) for s in case["state"]), params


def test_bound_signature_and_docstring(fw):
    import inspect

    for kind, first in (("gru", "W_xz"), ("lstm", "W_xi")):
        check = getattr(fw.d2l, f"check_{kind}")
        assert list(inspect.signature(check).parameters) == ["fn", "fn_label"]
        assert first in check.__doc__ and check.__module__ == f"d2lcore.{fw.name}.checks"


# ------------------------------------------------- the numpy probes (framework-free)


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_probes_match_reference_and_differ(kind):
    """forward() without a mistake is reference_gated's; every probe changes the outputs.

    Each deliberate mistake (and each wrong unpacking order) must move the outputs of
    every case well beyond the tolerance and away from every other probe, so the
    mistake the checker names is the only one that fits.
    """
    for index in range(len(gated.CASES)):
        case = gated.make_case(kind, index)
        args = (kind, case["inputs"], case["state"], case["params"])
        out, state = gated.forward(*args)
        want, want_state = reference_gated.gated_forward(kind, case["params"], case["X"],
                                                         case["state"])
        assert gated.rel_error(out, want) < 1e-12
        for s, w in zip(state, want_state):
            assert gated.rel_error(s, w) < 1e-12
        probes = [gated.forward(*args, mistake=m)[0] for m in gated._HINTS[kind]]
        probes += [gated.forward(*args, order=o)[0]
                   for o in itertools.permutations(gated._BLOCKS[kind])
                   if o != gated._BLOCKS[kind]]
        for probe in probes:
            assert gated.rel_error(probe, want) > 1e-2
        for a, b in itertools.combinations(probes, 2):
            assert gated.rel_error(a, b) > 1e-2


def test_gates_are_not_saturated():
    """N(0, 0.5^2) weights keep every gate away from 0 and 1 (so each gate matters)."""
    for kind in ("gru", "lstm"):
        case = gated.make_case(kind, 0)
        p = {k: v.astype(np.float64) for k, v in case["params"].items()}
        x, H = case["inputs"][0].astype(np.float64), case["state"][0].astype(np.float64)
        for g in gated._BLOCKS[kind][:-1]:
            gate = 1 / (1 + np.exp(-(x @ p[f"W_x{g}"] + H @ p[f"W_h{g}"] + p[f"b_{g}"])))
            assert 0.2 < gate.mean() < 0.8 and gate.std() > 0.05
