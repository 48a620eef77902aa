"""check_rnn: a student's d2l 8.5 ``rnn(inputs, state, params)`` against numpy.

The function under test gets one-hot ``inputs`` of shape (num_steps, batch, vocab),
``state = (H,)`` and ``params = [W_xh, W_hh, b_h, W_hq, b_q]``, and must return
``(outputs, (H,))`` with ``outputs`` of shape (num_steps * batch, vocab), time-major,
exactly as d2l's ``rnn``.  Weights are drawn large enough that tanh and ReLU are
far from linear, biases and the initial state are non-zero, and batch, steps,
vocabulary and hidden sizes differ, so that each usual mistake changes the numbers.
When the numbers are wrong, the checker compares them with the outputs of those
mistakes, made on purpose in numpy, and names the one that matches.
"""

import numpy as np

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

__all__ = ["check_rnn"]

NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")
#: (batch, num_steps, vocab, hidden) of the seeded cases
CASES = ((3, 4, 7, 5), (2, 6, 9, 4), (4, 3, 6, 6))
TOL, GRAD_TOL = 1e-4, 1e-3

_ACT = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}
_OTHER = {"tanh": "relu", "relu": "tanh"}

#: mistakes made on purpose, and what to tell a student whose numbers match one
HINTS = {
    "missing_b_h": "the hidden bias b_h is missing: H_t = phi(X_t W_xh + H_(t-1) W_hh + b_h).",
    "missing_b_q": "the output bias b_q is missing: O_t = H_t W_hq + b_q.",
    "W_hh_transposed": "W_hh is used transposed: multiply H_(t-1) @ W_hh (hidden x hidden, "
                       "rows index the previous state), not W_hh.T.",
    "activation_on_output": "the activation is also applied to the output layer; O_t = H_t W_hq "
                            "+ b_q has no activation (softmax happens inside the loss).",
    "wrong_activation": "the hidden layer uses the other activation ({other} instead of {act}).",
    "no_activation": "the hidden layer has no activation: H_t = phi(X_t W_xh + H_(t-1) W_hh "
                     "+ b_h) with phi = {act}.",
    "state_not_carried": "every step starts from the initial state: update H inside the loop "
                         "so step t uses the H of step t-1.",
    "output_from_previous_state": "the output of step t is computed from H_(t-1); compute the "
                                  "new H_t first, then O_t = H_t W_hq + b_q.",
    "batch_major": "the outputs are ordered batch-major; d2l stacks them time-major (rows "
                   "t*batch .. t*batch+batch-1 are step t): concatenate the per-step outputs "
                   "along axis 0.",
    "state_not_returned": "the returned state is the initial one: return the last H as (H,).",
}


def make_case(index, activation):
    """Seeded inputs, state and parameters for case ``index`` (float32 numpy)."""
    batch, steps, vocab, hidden = CASES[index]
    rs = np.random.RandomState(1000 + index)
    X = rs.randint(0, vocab, (batch, steps))
    X[0, 0], X[-1, -1] = 0, vocab - 1  # the first and last token ids both appear
    params = {
        "W_xh": rs.normal(0, 0.6, (vocab, hidden)),
        "W_hh": rs.normal(0, 0.5 / np.sqrt(hidden), (hidden, hidden)),
        "b_h": rs.normal(0, 0.4, hidden),
        "W_hq": rs.normal(0, 0.6, (hidden, vocab)),
        "b_q": rs.normal(0, 0.4, vocab),
    }
    low = 0.0 if activation == "relu" else -0.6  # a ReLU state is never negative
    H0 = rs.uniform(low, 0.6, (batch, hidden))
    R = rs.normal(0, 1, (steps * batch, vocab))  # weights of the scalar for gradients
    S = rs.normal(0, 1, (batch, hidden))
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    return {
        "sizes": CASES[index],
        "inputs": f32(np.eye(vocab)[X.T]),
        "H0": f32(H0),
        "params": {k: f32(v) for k, v in params.items()},
        "R": f32(R),
        "S": f32(S),
    }


def forward(inputs, H0, params, activation, mistake=None):
    """Outputs and final state in float64, optionally with one deliberate mistake."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    act = _ACT[activation]
    if mistake == "wrong_activation":
        act = _ACT[_OTHER[activation]]
    elif mistake == "no_activation":
        act = lambda a: a  # noqa: E731
    W_hh = p["W_hh"].T if mistake == "W_hh_transposed" else p["W_hh"]
    b_h = 0.0 if mistake == "missing_b_h" else p["b_h"]
    b_q = 0.0 if mistake == "missing_b_q" else p["b_q"]
    H0 = H0.astype(np.float64)
    H, outs = H0, []
    for x in inputs.astype(np.float64):
        previous = H
        H = act(x @ p["W_xh"] + (H0 if mistake == "state_not_carried" else H) @ W_hh + b_h)
        O = (previous if mistake == "output_from_previous_state" else H) @ p["W_hq"] + b_q
        outs.append(act(O) if mistake == "activation_on_output" else O)
    if mistake == "batch_major":
        outputs = np.stack(outs, axis=1).reshape(-1, outs[0].shape[1])
    else:
        outputs = np.concatenate(outs, axis=0)
    return outputs, (H0 if mistake == "state_not_returned" else H)


def grads(inputs, H0, params, activation, R, S):
    """Gradients of sum(outputs * R) + sum(H_T * S) by backpropagation through time."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    steps, batch = inputs.shape[:2]
    act = _ACT[activation]
    states = [H0.astype(np.float64)]
    for x in inputs:
        states.append(act(x @ p["W_xh"] + states[-1] @ p["W_hh"] + p["b_h"]))
    R = R.reshape(steps, batch, -1).astype(np.float64)
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dH = S.astype(np.float64)
    for t in reversed(range(steps)):
        H = states[t + 1]
        g["W_hq"] += H.T @ R[t]
        g["b_q"] += R[t].sum(axis=0)
        dH = dH + R[t] @ p["W_hq"].T
        dA = dH * (1 - H**2 if activation == "tanh" else (H > 0).astype(np.float64))
        g["W_xh"] += inputs[t].T @ dA
        g["W_hh"] += states[t].T @ dA
        g["b_h"] += dA.sum(axis=0)
        dH = dA @ p["W_hh"].T
    return [g[k] for k in NAMES]


def _describe(sizes):
    batch, steps, vocab, hidden = sizes
    return f"batch {batch}, {steps} steps, vocab {vocab}, {hidden} hidden units"


def _unpack(result, sizes):
    """(outputs, H) as numpy from the student's return value, or a list of problems."""
    batch, steps, vocab, hidden = sizes
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return None, [f"the function must return (outputs, state); it returned "
                      f"{type(result).__name__}"]
    outputs, state = result
    if not isinstance(state, (tuple, list)) or len(state) != 1:
        return None, ["the state must be returned as a one-element tuple (H,), the form "
                      f"init_rnn_state gives; got {type(state).__name__}"
                      + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else "")]
    return (outputs, state[0]), []


def _shape_problem(shape, sizes):
    batch, steps, vocab, hidden = sizes
    want = (steps * batch, vocab)
    if shape == want:
        return None
    text = f"outputs have shape {shape}, expected (num_steps * batch, vocab) = {want}"
    if shape == (steps, batch, vocab):
        text += "; concatenate the per-step outputs along axis 0 instead of stacking them"
    elif shape == (steps * batch, hidden):
        text += "; these look like hidden states: the outputs are H_t W_hq + b_q"
    elif shape == (batch, vocab):
        text += "; only the last step is returned: collect the output of every step"
    return text


def _diagnose(got, case, activation):
    """The deliberate mistake whose outputs match the student's, if any."""
    best, best_err = None, np.inf
    for mistake in HINTS:
        out, _ = forward(case["inputs"], case["H0"], case["params"], activation, mistake)
        err = rel_error(got, out)
        if err < best_err:
            best, best_err = mistake, err
    if best_err < TOL:
        return HINTS[best].format(act=activation, other=_OTHER[activation])
    return None


def _first_bad_step(got, want, batch):
    rows = np.where(np.abs(got - want).max(axis=1) > TOL * np.abs(want).max())[0]
    return int(rows[0]) // batch if len(rows) else 0


def check_rnn(fn, adapter, activation="tanh", fn_label=None):
    """Run ``fn(inputs, state, params)`` on seeded cases; print and return the verdict."""
    if activation not in _ACT:
        raise ValueError(f"activation must be one of {tuple(_ACT)}, got {activation!r}")
    name = f"check_rnn(activation={activation!r})"
    label = fn_label or getattr(fn, "__name__", "your rnn function")
    problem = check_callable(name, fn, "an rnn(inputs, state, params) function")
    if problem is not None:
        return problem
    try:
        for index in range(len(CASES)):
            lines = _check_case(index, fn, adapter, activation, name, label)
            if lines:
                case_text = f"case {index + 1} of {len(CASES)} ({_describe(CASES[index])}):"
                return report(name, FAILED, [case_text, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"outputs, final state and all five gradients match the numpy reference on "
        f"{len(CASES)} seeded cases ({activation} hidden layer)."
    ])


def _check_case(index, fn, adapter, activation, name, label):
    """Problems found in one case (empty list: the case passed)."""
    case = make_case(index, activation)
    sizes = case["sizes"]
    batch = sizes[0]
    inputs = adapter.tensor(case["inputs"])
    params = [adapter.tensor(case["params"][k]) for k in NAMES]
    result = call_student(name, fn, label, inputs, (adapter.tensor(case["H0"]),), params)
    parts, problems = _unpack(result, sizes)
    if problems:
        return problems
    try:
        outputs = as_numpy(adapter, parts[0], "outputs")
        H = as_numpy(adapter, parts[1], "the returned H")
    except ValueError as error:
        return [str(error)]
    shape_text = _shape_problem(tuple(outputs.shape), sizes)
    if shape_text:
        return [shape_text]
    want, H_want = forward(case["inputs"], case["H0"], case["params"], activation)
    err = rel_error(outputs, want)
    if err > TOL:
        lines = [f"outputs differ from the reference: max relative error {fmt(err)}, "
                 f"first at time step {_first_bad_step(outputs, want, batch)}"]
        hint = _diagnose(outputs, case, activation)
        lines.append(f"Likely cause: {hint}" if hint else
                     "Compare your loop with H_t = phi(X_t W_xh + H_(t-1) W_hh + b_h), "
                     "O_t = H_t W_hq + b_q, step by step.")
        return lines
    if tuple(H.shape) != tuple(H_want.shape):
        return [f"the returned H has shape {tuple(H.shape)}, expected (batch, hidden) = "
                f"{H_want.shape}"]
    err = rel_error(H, H_want)
    if err > TOL:
        hint = ("it equals the initial state: return the H computed at the last step."
                if rel_error(H, case["H0"]) < TOL else
                "return the H of the last time step as (H,).")
        return [f"outputs are right but the returned state differs: max relative error "
                f"{fmt(err)}; {hint}"]
    return _check_grads(case, fn, adapter, activation, name, label)


def _check_grads(case, fn, adapter, activation, name, label):
    R, S = adapter.tensor(case["R"]), adapter.tensor(case["S"])
    inputs, H0 = adapter.tensor(case["inputs"]), adapter.tensor(case["H0"])

    def scalar(*params):
        outputs, state = call_student(name, fn, label, inputs, (H0,), list(params))
        return adapter.dot_sum(outputs, R) + adapter.dot_sum(state[0], S)

    want = grads(case["inputs"], case["H0"], case["params"], activation, case["R"], case["S"])
    return gradient_problems(adapter, scalar, [case["params"][k] for k in NAMES], NAMES, want,
                             label, GRAD_TOL)
