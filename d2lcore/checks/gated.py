"""check_gru and check_lstm: a student's d2l-zh 9.1 ``gru`` / 9.2 ``lstm`` against numpy.

The function under test has d2l-zh's signature ``gru(inputs, state, params)`` or
``lstm(inputs, state, params)``: one-hot ``inputs`` (num_steps, batch, vocab), the
state ``(H,)`` or ``(H, C)`` and the parameters in d2l-zh's order
(``reference_gated.PARAM_NAMES``).  It must return ``(outputs, state)`` with the
outputs time-major, (num_steps * batch, vocab).

The seeded cases use several steps, a batch of more than one, a non-zero initial
state and weights and biases drawn from N(0, 0.5^2), so every gate is far from
0 and 1 and each usual mistake changes the numbers.  Outputs and the final state
are compared with ``reference_gated.gated_forward``, the gradients (through the
framework's autograd) with ``reference_gated.gated_bptt``.  When the outputs are
wrong, the checker runs each usual mistake, made on purpose in numpy below, on
the same case and names the one whose outputs the student's match.
"""

import itertools

import numpy as np

from .. import reference_gated
from ._common import (
    FAILED,
    PASSED,
    StudentError,
    as_numpy,
    call_student,
    check_callable,
    fmt,
    gradient_problems,
    rel_error,
    report,
)

__all__ = ["check_gru", "check_lstm"]

#: (batch, num_steps, vocab, hidden) of the seeded cases
CASES = ((3, 4, 7, 5), (2, 6, 6, 4))
TOL = GRAD_TOL = 1e-4
_BLOCKS = {"gru": ("z", "r", "h"), "lstm": ("i", "f", "o", "c")}
_BLOCK_NAME = {"z": "update gate Z", "r": "reset gate R", "h": "candidate state H~",
               "i": "input gate I", "f": "forget gate F", "o": "output gate O",
               "c": "candidate memory C~"}

#: deliberate mistakes of the GRU, and what to tell a student whose numbers match one
GRU_HINTS = {
    "update_reversed": "the update gate is used the other way round: d2l keeps the old state "
                       "where Z_t is near 1, H_t = Z_t * H_(t-1) + (1 - Z_t) * H~_t, not "
                       "(1 - Z_t) * H_(t-1) + Z_t * H~_t.",
    "reset_after": "the reset gate is applied after the product, R_t * (H_(t-1) W_hh): that is "
                   "the variant of the library layers (PyTorch's nn.GRU, Gluon's rnn.GRU, "
                   "Keras' GRU with reset_after=True). d2l's scratch GRU resets the state "
                   "first and multiplies then: (R_t * H_(t-1)) W_hh.",
    "no_reset": "the reset gate is missing: the candidate uses (R_t * H_(t-1)) W_hh, not "
                "H_(t-1) W_hh.",
    "no_update": "the update gate is missing: the new state is not the candidate alone but "
                 "H_t = Z_t * H_(t-1) + (1 - Z_t) * H~_t.",
    "activations_swapped": "tanh and sigmoid are swapped: the gates Z_t and R_t use sigmoid "
                           "(values between 0 and 1), the candidate H~_t uses tanh.",
    "gates_tanh": "the gates use tanh: Z_t and R_t need sigmoid so that they lie between 0 "
                  "and 1.",
    "candidate_sigmoid": "the candidate uses sigmoid: H~_t = tanh(X_t W_xh + (R_t * H_(t-1)) "
                         "W_hh + b_h), so that it can be negative.",
    "state_not_carried": "the state is not carried from step to step: every step starts from "
                         "the initial H. Assign the new state to H inside the loop so step t "
                         "uses H_(t-1).",
}

#: deliberate mistakes of the LSTM
LSTM_HINTS = {
    "no_forget": "the memory is not carried: C_t = F_t * C_(t-1) + I_t * C~_t, the forget "
                 "term F_t * C_(t-1) is missing (you wrote C_t = I_t * C~_t).",
    "no_tanh_on_memory": "H_t = O_t * C_t lacks the tanh: H_t = O_t * tanh(C_t).",
    "tanh_outside": "the tanh is applied to the product: H_t = O_t * tanh(C_t), not "
                    "tanh(O_t * C_t).",
    "no_output_gate": "the output gate is missing: H_t = O_t * tanh(C_t).",
    "no_input_gate": "the input gate is missing: C_t = F_t * C_(t-1) + I_t * C~_t.",
    "candidate_sigmoid": "the candidate memory uses sigmoid: C~_t = tanh(X_t W_xc + H_(t-1) "
                         "W_hc + b_c), so that it can be negative.",
    "gates_tanh": "the gates use tanh: I_t, F_t and O_t need sigmoid so that they lie between "
                  "0 and 1.",
    "state_not_carried": "the state is not carried from step to step: every step starts from "
                         "the initial (H, C). Assign the new H and C inside the loop.",
    "memory_from_initial": "the memory is not carried from step to step: every step uses the "
                           "initial C. Assign C = F * C + I * C_tilde inside the loop.",
}

_HINTS = {"gru": GRU_HINTS, "lstm": LSTM_HINTS}
_EQUATIONS = {
    "gru": "Z_t = sigmoid(X_t W_xz + H_(t-1) W_hz + b_z), R_t likewise with W_xr, W_hr, b_r, "
           "H~_t = tanh(X_t W_xh + (R_t * H_(t-1)) W_hh + b_h), "
           "H_t = Z_t * H_(t-1) + (1 - Z_t) * H~_t, O_t = H_t W_hq + b_q",
    "lstm": "I_t, F_t, O_t = sigmoid(X_t W_x? + H_(t-1) W_h? + b_?), "
            "C~_t = tanh(X_t W_xc + H_(t-1) W_hc + b_c), C_t = F_t * C_(t-1) + I_t * C~_t, "
            "H_t = O_t * tanh(C_t), output H_t W_hq + b_q",
}
_STATE_FORM = {"gru": "(H,)", "lstm": "(H, C)"}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def make_case(kind, index):
    """Seeded token ids, one-hot inputs, state, parameters and labels (float32 numpy)."""
    batch, steps, vocab, hidden = CASES[index]
    rs = np.random.RandomState(9000 + 10 * index + (kind == "lstm"))
    X = rs.randint(0, vocab, (batch, steps))
    X[0, 0], X[-1, -1] = 0, vocab - 1  # the first and last token ids both appear
    specs = reference_gated.param_specs(kind, vocab, hidden)
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    params = {name: f32(rs.normal(0, 0.5, shape)) for name, (shape, _) in specs.items()}
    state = tuple(f32(rs.uniform(-0.8, 0.8, (batch, hidden)))
                  for _ in range(1 if kind == "gru" else 2))
    return {"sizes": CASES[index], "X": X, "Y": rs.randint(0, vocab, (batch, steps)),
            "inputs": f32(np.eye(vocab)[X.T]), "state": state, "params": params}


def forward(kind, inputs, state, params, mistake=None, order=None):
    """Outputs and final state (float64) of a GRU or LSTM with one deliberate mistake.

    ``mistake`` is a key of ``GRU_HINTS`` / ``LSTM_HINTS`` or None; ``order``, if
    given, is the blocks' letters in the order the student unpacked them, e.g.
    ``('f', 'i', 'o', 'c')``: the parameters d2l passes for block ``order[k]`` are
    used as block ``_BLOCKS[kind][k]``.  Without mistake and order this is
    ``reference_gated.gated_forward``.
    """
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    if order is not None:
        p = dict(p)
        for used, given in zip(_BLOCKS[kind], order):
            for prefix in ("W_x", "W_h", "b_"):
                p[prefix + used] = np.asarray(params[prefix + given], np.float64)
    gate_fn, cand_fn = _sigmoid, np.tanh
    if mistake in ("activations_swapped", "gates_tanh"):
        gate_fn = np.tanh
    if mistake in ("activations_swapped", "candidate_sigmoid"):
        cand_fn = _sigmoid

    def block(g, x, H, fn):
        return fn(x @ p[f"W_x{g}"] + H @ p[f"W_h{g}"] + p[f"b_{g}"])

    initial = tuple(np.asarray(s, np.float64) for s in state)
    H = initial[0]
    C = initial[1] if kind == "lstm" else None
    outs = []
    for x in np.asarray(inputs, np.float64):
        H_prev = initial[0] if mistake == "state_not_carried" else H
        if kind == "gru":
            Z = block("z", x, H_prev, gate_fn)
            R = block("r", x, H_prev, gate_fn)
            if mistake == "reset_after":
                A = x @ p["W_xh"] + R * (H_prev @ p["W_hh"]) + p["b_h"]
            else:
                reset = H_prev if mistake == "no_reset" else R * H_prev
                A = x @ p["W_xh"] + reset @ p["W_hh"] + p["b_h"]
            H_tilde = cand_fn(A)
            if mistake == "no_update":
                H = H_tilde
            elif mistake == "update_reversed":
                H = (1 - Z) * H_prev + Z * H_tilde
            else:
                H = Z * H_prev + (1 - Z) * H_tilde
        else:
            C_prev = initial[1] if mistake in ("state_not_carried", "memory_from_initial") else C
            I = block("i", x, H_prev, gate_fn)  # noqa: E741 - d2l's name for the input gate
            F = block("f", x, H_prev, gate_fn)
            O = block("o", x, H_prev, gate_fn)
            C_tilde = block("c", x, H_prev, cand_fn)
            forget = 0.0 if mistake == "no_forget" else F * C_prev
            C = forget + (C_tilde if mistake == "no_input_gate" else I * C_tilde)
            if mistake == "no_tanh_on_memory":
                H = O * C
            elif mistake == "tanh_outside":
                H = np.tanh(O * C)
            elif mistake == "no_output_gate":
                H = np.tanh(C)
            else:
                H = O * np.tanh(C)
        outs.append(H @ p["W_hq"] + p["b_q"])
    return np.concatenate(outs, axis=0), ((H,) if kind == "gru" else (H, C))


def _describe(sizes):
    batch, steps, vocab, hidden = sizes
    return f"batch {batch}, {steps} steps, vocab {vocab}, {hidden} hidden units"


def _order_hint(kind, order):
    """The message for parameters unpacked in the order ``order`` instead of d2l's."""
    blocks = _BLOCKS[kind]
    if kind == "lstm" and order == ("f", "i", "o", "c"):
        return ("the forget and input gates are swapped: d2l passes [W_xi, W_hi, b_i, W_xf, "
                "W_hf, b_f, ...], the input gate first; unpack params in that order "
                "(C_t = F_t * C_(t-1) + I_t * C~_t).")
    wrong = [f"{given}-parameters (W_x{given}, W_h{given}, b_{given}) as the "
             f"{_BLOCK_NAME[used]}" for used, given in zip(blocks, order) if used != given]
    names = ", ".join(reference_gated.PARAM_NAMES[kind])
    return (f"the parameters are unpacked in the wrong order: your code uses the "
            f"{'; the '.join(wrong)}. d2l's order is [{names}].")


def diagnose(kind, got, case):
    """The message of the deliberate mistake whose outputs match ``got``, or None."""
    args = (kind, case["inputs"], case["state"], case["params"])
    for mistake, hint in _HINTS[kind].items():
        if rel_error(got, forward(*args, mistake=mistake)[0]) < TOL:
            return hint
    for order in itertools.permutations(_BLOCKS[kind]):
        if order != _BLOCKS[kind] and rel_error(got, forward(*args, order=order)[0]) < TOL:
            return _order_hint(kind, order)
    return None


def reference(kind, case):
    """Outputs, final state and gradients (of the mean cross-entropy against case['Y'])."""
    params, state = case["params"], case["state"]
    outputs, final = reference_gated.gated_forward(kind, params, case["X"], state)
    _, grads, _ = reference_gated.gated_bptt(kind, params, case["X"], case["Y"], state)
    # d(loss)/d(outputs), which gated_bptt pushes back through the network: the gradients
    # of sum(outputs * G) with G held fixed are the loss's when the outputs are right.
    y = case["Y"].T.reshape(-1)
    G = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    G /= G.sum(axis=1, keepdims=True)
    G[np.arange(len(y)), y] -= 1.0
    G = (G / len(y)).astype(np.float32)
    return outputs, final, [grads[k] for k in reference_gated.PARAM_NAMES[kind]], G


def check_gru(fn, adapter, fn_label=None):
    """Run ``fn(inputs, (H,), params)`` (d2l-zh 9.1's ``gru``) on seeded cases; print it."""
    return _check("gru", fn, adapter, fn_label)


def check_lstm(fn, adapter, fn_label=None):
    """Run ``fn(inputs, (H, C), params)`` (d2l-zh 9.2's ``lstm``) on seeded cases; print it."""
    return _check("lstm", fn, adapter, fn_label)


def _check(kind, fn, adapter, fn_label):
    name = f"check_{kind}"
    label = fn_label or getattr(fn, "__name__", f"your {kind} function")
    problem = check_callable(name, fn, f"a {kind}(inputs, state, params) function")
    if problem is not None:
        return problem
    try:
        for index in range(len(CASES)):
            lines = _check_case(kind, index, fn, adapter, name, label)
            if lines:
                case_text = f"case {index + 1} of {len(CASES)} ({_describe(CASES[index])}):"
                return report(name, FAILED, [case_text, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    count = len(reference_gated.PARAM_NAMES[kind])
    return report(name, PASSED, [
        f"outputs, the final state {_STATE_FORM[kind]} and the gradients of all {count} "
        f"parameters match the numpy reference on {len(CASES)} seeded cases."
    ])


def _state_parts(kind, state):
    """The returned state as a list of arrays-to-be, or a message about its form."""
    want = _STATE_FORM[kind]
    if not isinstance(state, (tuple, list)):
        if kind == "gru":
            return None, (f"the state must be returned as a one-element tuple (H,), the form "
                          f"init_gru_state gives, so that the next call can unpack it; got a "
                          f"bare {type(state).__name__}: return outputs, (H,)")
        return None, (f"the state must be returned as the tuple (H, C), the form "
                      f"init_lstm_state gives; got a bare {type(state).__name__} (H alone?): "
                      f"the memory C must come back too, return outputs, (H, C)")
    size = 1 if kind == "gru" else 2
    if len(state) != size:
        extra = " (the memory C is missing)" if kind == "lstm" and len(state) == 1 else ""
        return None, (f"the state must be the tuple {want}; got a {type(state).__name__} "
                      f"of length {len(state)}{extra}")
    return list(state), None


def _check_case(kind, index, fn, adapter, name, label):
    """Problems found in one case (empty list: the case passed)."""
    case = make_case(kind, index)
    batch, steps, vocab, hidden = case["sizes"]
    inputs = adapter.tensor(case["inputs"])
    state = tuple(adapter.tensor(s) for s in case["state"])
    params = [adapter.tensor(case["params"][k]) for k in reference_gated.PARAM_NAMES[kind]]
    result = call_student(name, fn, label, inputs, state, params)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return [f"the function must return (outputs, state); it returned "
                f"{type(result).__name__}" + (f" of length {len(result)}"
                                              if isinstance(result, (tuple, list)) else "")]
    parts, problem = _state_parts(kind, result[1])
    if problem:
        return [problem]
    try:
        outputs = as_numpy(adapter, result[0], "outputs")
        got_state = [as_numpy(adapter, part, f"state[{i}]") for i, part in enumerate(parts)]
    except ValueError as error:
        return [str(error)]
    want_shape = (steps * batch, vocab)
    if tuple(outputs.shape) != want_shape:
        text = (f"outputs have shape {tuple(outputs.shape)}, expected (num_steps * batch, "
                f"vocab) = {want_shape}")
        if tuple(outputs.shape) == (steps, batch, vocab):
            text += "; concatenate the per-step outputs along axis 0 instead of stacking them"
        return [text]
    want, want_state, want_grads, G = reference(kind, case)
    err = rel_error(outputs, want)
    if err > TOL:
        hint = diagnose(kind, outputs, case)
        return [f"outputs differ from the reference: max relative error {fmt(err)}",
                f"Likely cause: {hint}" if hint else
                f"Compare your loop, step by step, with {_EQUATIONS[kind]}."]
    lines = _state_problem(kind, got_state, want_state, case)
    if lines:
        return lines
    return _check_grads(kind, case, fn, adapter, name, label, want_grads, G)


def _state_problem(kind, got, want, case):
    names = ("H", "C")
    for i, (g, w) in enumerate(zip(got, want)):
        if tuple(g.shape) == tuple(w.shape) and rel_error(g, w) <= TOL:
            continue
        if (kind == "lstm" and all(tuple(a.shape) == tuple(b.shape) for a, b in zip(got, want))
                and rel_error(got[0], want[1]) <= TOL and rel_error(got[1], want[0]) <= TOL):
            return ["outputs are right but the state comes back as (C, H): d2l's LSTM state "
                    "is (H, C), hidden state first (init_lstm_state's order); return "
                    "outputs, (H, C)."]
        if tuple(g.shape) != tuple(w.shape):
            return [f"the returned {names[i]} has shape {tuple(g.shape)}, expected (batch, "
                    f"hidden) = {w.shape}"]
        initial = case["state"][i]
        hint = (f"it equals the initial {names[i]}: return the {names[i]} computed at the "
                f"last step." if rel_error(g, initial) < TOL else
                f"return the {names[i]} of the last time step as {_STATE_FORM[kind]}.")
        return [f"outputs are right but the returned {names[i]} differs: max relative error "
                f"{fmt(rel_error(g, w))}; {hint}"]
    return []


def _check_grads(kind, case, fn, adapter, name, label, want, G):
    names = reference_gated.PARAM_NAMES[kind]
    inputs = adapter.tensor(case["inputs"])
    state = tuple(adapter.tensor(s) for s in case["state"])
    G = adapter.tensor(G)

    def scalar(*params):
        outputs, _ = call_student(name, fn, label, inputs, state, list(params))
        return adapter.dot_sum(outputs, G)

    return gradient_problems(adapter, scalar, [case["params"][k] for k in names], names, want,
                             label, GRAD_TOL)
