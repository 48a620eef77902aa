"""check_deep_rnn: a student's two-layer scratch RNN (exercise 9.3.1) against numpy.

The function under test extends d2l 8.5's ``rnn(inputs, state, params)`` by a second
tanh layer on top of the first:

- ``inputs``: one-hot, time-major, shape (num_steps, batch, vocab);
- ``state``: a tuple ``(H1, H2)``, the hidden state of layer 1 (the lower one, which
  reads the characters) and of layer 2, each (batch, hidden);
- ``params``: the list ``[W_xh1, W_hh1, b_h1, W_xh2, W_hh2, b_h2, W_hq, b_q]`` with
  shapes (vocab, hidden), (hidden, hidden), (hidden,), (hidden, hidden),
  (hidden, hidden), (hidden,), (hidden, vocab), (vocab,).

At every step ``H1 = tanh(X_t W_xh1 + H1 W_hh1 + b_h1)``, then
``H2 = tanh(H1 W_xh2 + H2 W_hh2 + b_h2)`` with the H1 just computed, and the output
``O_t = H2 W_hq + b_q``.  The function returns ``(outputs, (H1, H2))``, the outputs of
all steps concatenated time-major into (num_steps * batch, vocab).

The seeded cases have weights and biases drawn from N(0, 0.5^2), non-zero and
different initial states for the two layers and a batch of more than one.  The first
case has as many hidden units as characters, so that a layer 2 fed with the
characters X instead of H1 still runs and its numbers can be recognised; the second
case is rectangular, so that transposed or misplaced weights raise.  Outputs and the
final states are compared with a float64 loop, the gradients of all eight parameters
(through the framework's autograd) with a float64 backpropagation through time
written below.  When the outputs are wrong, each usual mistake, made on purpose in
numpy, is run on the same case and the one whose outputs match is named.
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

__all__ = ["check_deep_rnn", "NAMES", "CASES", "HINTS", "make_case", "forward", "grads"]

#: the parameters, in the order the student's function receives them
NAMES = ("W_xh1", "W_hh1", "b_h1", "W_xh2", "W_hh2", "b_h2", "W_hq", "b_q")
#: (batch, num_steps, vocab, hidden) of the seeded cases; the first is square on purpose
CASES = ((3, 4, 5, 5), (2, 5, 7, 4))
TOL = GRAD_TOL = 1e-4

_EQUATIONS = ("H1 = tanh(X_t W_xh1 + H1 W_hh1 + b_h1), then H2 = tanh(H1 W_xh2 + H2 W_hh2 "
              "+ b_h2) with the new H1, and O_t = H2 W_hq + b_q")

#: deliberate mistakes, and what to tell a student whose outputs match one
HINTS = {
    "layer2_reads_input": "layer 2 is fed the characters X_t instead of layer 1's new state: "
                          "H2 = tanh(H1 W_xh2 + H2 W_hh2 + b_h2), where H1 is the state "
                          "layer 1 has just computed at this step.",
    "shared_state": "both layers share one state variable: each layer must carry its own, "
                    "H1 from layer 1's previous step and H2 from layer 2's previous step. "
                    "Unpack H1, H2 = state and keep them apart.",
    "output_from_layer1": "the output layer reads layer 1's state: O_t = H2 W_hq + b_q, only "
                          "the top layer feeds the output.",
    "states_swapped": "the two initial states are swapped: state is (H1, H2), layer 1's "
                      "first (the lower layer, which reads the characters). Unpack "
                      "H1, H2 = state.",
    "layer2_reads_previous_H1": "layer 2 reads layer 1's state of the previous step: update "
                                "H1 first, then compute H2 from that new H1 within the same "
                                "step.",
    "layer2_weights_swapped": "layer 2's two weight matrices are swapped: W_xh2 multiplies "
                              "layer 1's state (the input of layer 2), W_hh2 layer 2's own "
                              "previous state.",
    "no_tanh_layer2": "layer 2 has no tanh: H2 = tanh(H1 W_xh2 + H2 W_hh2 + b_h2).",
    "no_tanh_layer1": "layer 1 has no tanh: H1 = tanh(X_t W_xh1 + H1 W_hh1 + b_h1).",
    "tanh_on_output": "the output layer has a tanh: O_t = H2 W_hq + b_q is linear (softmax "
                      "happens inside the loss).",
    "state_not_carried": "the states are not carried from step to step: every step starts "
                         "from the initial (H1, H2). Assign the new H1 and H2 inside the loop.",
    "biases_swapped": "the two hidden biases are swapped: b_h1 belongs to layer 1, b_h2 to "
                      "layer 2.",
}


def make_case(index):
    """Seeded one-hot inputs, state (H1, H2), parameters and gradient weights (float32)."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(CASES):
        raise ValueError(f"index must be an int in [0, {len(CASES)}), got {index!r}")
    batch, steps, vocab, hidden = CASES[index]
    rs = np.random.RandomState(9300 + index)
    X = rs.randint(0, vocab, (batch, steps))
    X[0, 0], X[-1, -1] = 0, vocab - 1  # the first and last token ids both appear
    shapes = {"W_xh1": (vocab, hidden), "W_hh1": (hidden, hidden), "b_h1": (hidden,),
              "W_xh2": (hidden, hidden), "W_hh2": (hidden, hidden), "b_h2": (hidden,),
              "W_hq": (hidden, vocab), "b_q": (vocab,)}
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    params = {name: f32(rs.normal(0, 0.5, shape)) for name, shape in shapes.items()}
    state = tuple(f32(rs.uniform(-0.8, 0.8, (batch, hidden))) for _ in range(2))
    return {"sizes": CASES[index], "X": X, "inputs": f32(np.eye(vocab)[X.T]),
            "state": state, "params": params,
            "R": f32(rs.normal(0, 1, (steps * batch, vocab))),  # weights of the test scalar
            "S": tuple(f32(rs.normal(0, 1, (batch, hidden))) for _ in range(2))}


def forward(inputs, state, params, mistake=None):
    """Outputs (num_steps * batch, vocab) and final (H1, H2) in float64, maybe with a mistake.

    ``mistake`` is a key of ``HINTS`` or None (the correct two-layer RNN).
    """
    if mistake is not None and mistake not in HINTS:
        raise ValueError(f"mistake must be None or one of {sorted(HINTS)}, got {mistake!r}")
    p = {k: np.asarray(params[k], np.float64) for k in NAMES}
    act1 = (lambda a: a) if mistake == "no_tanh_layer1" else np.tanh
    act2 = (lambda a: a) if mistake == "no_tanh_layer2" else np.tanh
    b1, b2 = (p["b_h2"], p["b_h1"]) if mistake == "biases_swapped" else (p["b_h1"], p["b_h2"])
    W_in2, W_rec2 = ((p["W_hh2"], p["W_xh2"]) if mistake == "layer2_weights_swapped"
                     else (p["W_xh2"], p["W_hh2"]))
    H1_0, H2_0 = (np.asarray(s, np.float64) for s in state)
    if mistake == "states_swapped":
        H1_0, H2_0 = H2_0, H1_0
    H1, H2, outs = H1_0, H2_0, []
    if mistake == "shared_state":  # H, = state[:1]: the one variable starts as H1
        H2 = H1_0
    for x in np.asarray(inputs, np.float64):
        if mistake == "state_not_carried":
            H1, H2 = H1_0, H2_0
        if mistake == "shared_state":  # one variable H: H1's recurrence reads the last H2
            H1 = act1(x @ p["W_xh1"] + H2 @ p["W_hh1"] + b1)
            H2 = act2(H1 @ W_in2 + H1 @ W_rec2 + b2)
        else:
            H1_new = act1(x @ p["W_xh1"] + H1 @ p["W_hh1"] + b1)
            below = {"layer2_reads_input": x, "layer2_reads_previous_H1": H1}.get(mistake, H1_new)
            H2 = act2(below @ W_in2 + H2 @ W_rec2 + b2)
            H1 = H1_new
        O = (H1 if mistake == "output_from_layer1" else H2) @ p["W_hq"] + p["b_q"]
        outs.append(np.tanh(O) if mistake == "tanh_on_output" else O)
    return np.concatenate(outs, axis=0), (H1, H2)


def grads(inputs, state, params, R, S):
    """Gradients (float64, in ``NAMES`` order) of sum(outputs * R) + sum(H1_T * S1 + H2_T * S2).

    Backpropagation through time of the correct two-layer RNN, written out by hand.
    """
    p = {k: np.asarray(params[k], np.float64) for k in NAMES}
    inputs = np.asarray(inputs, np.float64)
    steps, batch = inputs.shape[:2]
    H1s, H2s = [np.asarray(state[0], np.float64)], [np.asarray(state[1], np.float64)]
    for x in inputs:
        H1s.append(np.tanh(x @ p["W_xh1"] + H1s[-1] @ p["W_hh1"] + p["b_h1"]))
        H2s.append(np.tanh(H1s[-1] @ p["W_xh2"] + H2s[-1] @ p["W_hh2"] + p["b_h2"]))
    R = np.asarray(R, np.float64).reshape(steps, batch, -1)
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dH1, dH2 = (np.asarray(s, np.float64) for s in S)  # from the final states
    for t in reversed(range(steps)):
        g["W_hq"] += H2s[t + 1].T @ R[t]
        g["b_q"] += R[t].sum(axis=0)
        dA2 = (dH2 + R[t] @ p["W_hq"].T) * (1 - H2s[t + 1] ** 2)
        g["W_xh2"] += H1s[t + 1].T @ dA2
        g["W_hh2"] += H2s[t].T @ dA2
        g["b_h2"] += dA2.sum(axis=0)
        dA1 = (dH1 + dA2 @ p["W_xh2"].T) * (1 - H1s[t + 1] ** 2)
        g["W_xh1"] += inputs[t].T @ dA1
        g["W_hh1"] += H1s[t].T @ dA1
        g["b_h1"] += dA1.sum(axis=0)
        dH1, dH2 = dA1 @ p["W_hh1"].T, dA2 @ p["W_hh2"].T
    return [g[k] for k in NAMES]


def diagnose(got, case):
    """The message of the deliberate mistake whose outputs match ``got``, or None."""
    for mistake, hint in HINTS.items():
        if rel_error(got, forward(case["inputs"], case["state"], case["params"], mistake)[0]) \
                < TOL:
            return hint
    return None


def _describe(sizes):
    batch, steps, vocab, hidden = sizes
    return f"batch {batch}, {steps} steps, vocab {vocab}, {hidden} hidden units per layer"


def check_deep_rnn(fn, adapter, fn_label=None):
    """Run ``fn(inputs, (H1, H2), params)`` on seeded cases; print and return the verdict."""
    if fn_label is not None and not isinstance(fn_label, str):
        raise TypeError(f"fn_label must be a str or None, got {type(fn_label).__name__}")
    name = "check_deep_rnn"
    label = fn_label or getattr(fn, "__name__", "your deep_rnn function")
    problem = check_callable(name, fn, "a deep_rnn(inputs, state, params) function")
    if problem is not None:
        return problem
    try:
        for index in range(len(CASES)):
            lines = _check_case(index, fn, adapter, name, label)
            if lines:
                case_text = f"case {index + 1} of {len(CASES)} ({_describe(CASES[index])}):"
                return report(name, FAILED, [case_text, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"outputs, the final state (H1, H2) and the gradients of all {len(NAMES)} parameters "
        f"match the numpy reference on {len(CASES)} seeded cases."
    ])


_ERROR_HINTS = (
    (("shape", "size", "dimension", "incompatible", "mat1", "matmul", "dot"),
     "Shapes do not fit. W_xh1 is (vocab, hidden) and multiplies the characters X_t; "
     "W_xh2 is (hidden, hidden) and multiplies layer 1's state H1, never X_t."),
    (("unpack", "values to unpack"),
     "state is the tuple (H1, H2) and params the list [W_xh1, W_hh1, b_h1, W_xh2, W_hh2, "
     "b_h2, W_hq, b_q]: unpack them in that order."),
)


def _state_parts(state):
    """The returned state as a list of two arrays-to-be, or a message about its form."""
    if not isinstance(state, (tuple, list)):
        return None, ("the state must be returned as the tuple (H1, H2), one state per "
                      f"layer, so that the next minibatch can resume both; got a bare "
                      f"{type(state).__name__}: return outputs, (H1, H2)")
    if len(state) != 2:
        return None, (f"the state must be the tuple (H1, H2), one state per layer; got a "
                      f"{type(state).__name__} of length {len(state)}")
    return list(state), None


def _check_case(index, fn, adapter, name, label):
    """Problems found in one case (empty list: the case passed)."""
    case = make_case(index)
    batch, steps, vocab, hidden = case["sizes"]
    inputs = adapter.tensor(case["inputs"])
    state = tuple(adapter.tensor(s) for s in case["state"])
    params = [adapter.tensor(case["params"][k]) for k in NAMES]
    result = call_student(name, fn, label, inputs, state, params, error_hints=_ERROR_HINTS)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return [f"the function must return (outputs, state); it returned "
                f"{type(result).__name__}" + (f" of length {len(result)}"
                                              if isinstance(result, (tuple, list)) else "")]
    parts, problem = _state_parts(result[1])
    if problem:
        return [problem]
    try:
        outputs = as_numpy(adapter, result[0], "outputs", _ERROR_HINTS)
        got_state = [as_numpy(adapter, part, f"state[{i}]", _ERROR_HINTS)
                     for i, part in enumerate(parts)]
    except ValueError as error:
        return [str(error)]
    want_shape = (steps * batch, vocab)
    if tuple(outputs.shape) != want_shape:
        text = (f"outputs have shape {tuple(outputs.shape)}, expected (num_steps * batch, "
                f"vocab) = {want_shape}")
        if tuple(outputs.shape) == (steps, batch, vocab):
            text += "; concatenate the per-step outputs along axis 0 instead of stacking them"
        elif tuple(outputs.shape) == (batch, vocab):
            text += "; only the last step is returned: collect the output of every step"
        return [text]
    want, want_state = forward(case["inputs"], case["state"], case["params"])
    err = rel_error(outputs, want)
    if err > TOL:
        hint = diagnose(outputs, case)
        return [f"outputs differ from the reference: max relative error {fmt(err)}",
                f"Likely cause: {hint}" if hint else
                f"Compare your loop, step by step, with {_EQUATIONS}."]
    lines = _state_problem(got_state, want_state, case)
    if lines:
        return lines
    return _check_grads(case, fn, adapter, name, label)


def _state_problem(got, want, case):
    names = ("H1", "H2")
    for i, (g, w) in enumerate(zip(got, want)):
        if tuple(g.shape) == tuple(w.shape) and rel_error(g, w) <= TOL:
            continue
        if tuple(g.shape) != tuple(w.shape):
            return [f"the returned {names[i]} has shape {tuple(g.shape)}, expected (batch, "
                    f"hidden) = {w.shape}"]
        if rel_error(got[0], want[1]) <= TOL and rel_error(got[1], want[0]) <= TOL:
            return ["outputs are right but the state comes back as (H2, H1): return it in "
                    "the order it came in, layer 1's state first: outputs, (H1, H2)."]
        initial = case["state"][i]
        hint = (f"it equals the initial {names[i]}: return the {names[i]} computed at the "
                f"last step." if rel_error(g, initial) < TOL else
                f"return the {names[i]} of the last time step, as (H1, H2).")
        return [f"outputs are right but the returned {names[i]} differs: max relative error "
                f"{fmt(rel_error(g, w))}; {hint}"]
    return []


def _check_grads(case, fn, adapter, name, label):
    inputs = adapter.tensor(case["inputs"])
    state = tuple(adapter.tensor(s) for s in case["state"])
    R = adapter.tensor(case["R"])
    S1, S2 = (adapter.tensor(s) for s in case["S"])

    def scalar(*params):
        outputs, (H1, H2) = call_student(name, fn, label, inputs, state, list(params))
        return adapter.dot_sum(outputs, R) + adapter.dot_sum(H1, S1) + adapter.dot_sum(H2, S2)

    want = grads(case["inputs"], case["state"], case["params"], case["R"], case["S"])
    return gradient_problems(adapter, scalar, [case["params"][k] for k in NAMES], NAMES, want,
                             label, GRAD_TOL)
