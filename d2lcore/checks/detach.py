"""check_detach_state: cutting the hidden state off the previous minibatch's graph (d2l 8.5).

The function under test is called as ``fn(state)`` with a tuple of framework tensors
(``(H,)`` as the scratch model carries it, or ``(H, C)`` as an LSTM does) that were
computed from trainable values.  It must return a tuple of the same length holding
the same values, through which no gradient flows back: in PyTorch ``s.detach()``,
in MXNet ``s.detach()``, in TensorFlow ``tf.stop_gradient(s)``.  The checker builds
the state from watched arrays, feeds the result into a loss that also depends on a
weight, differentiates, and looks at what reached the state.  Usual mistakes each
get their own message: the state returned as it is, or copied (``clone``, ``copy``,
``tf.identity`` keep the graph), a state reset to zeros (that is what random
sampling does, not detaching), only the first tensor of the tuple detached, and a
single tensor returned instead of a tuple.
"""

import numpy as np

from ._common import FAILED, PASSED, StudentError, as_numpy, call_student, check_callable, report

__all__ = ["check_detach_state", "detach_cases"]

#: how each framework cuts a tensor off the graph, for the messages
HOW = {
    "pytorch": "s.detach()",
    "mxnet": "s.detach()",
    "tensorflow": "tf.stop_gradient(s)",
}


def detach_cases():
    """(what the case is about, list of state arrays)."""
    rs = np.random.RandomState(4000)
    return (
        ("a scratch-RNN state (H,)", [rs.normal(size=(2, 5)).astype(np.float32)]),
        ("an LSTM-like state (H, C)", [rs.normal(size=(3, 4)).astype(np.float32),
                                       rs.normal(size=(3, 4)).astype(np.float32)]),
    )


def check_detach_state(fn, adapter, fn_label=None):
    """Run ``fn(state)`` inside a differentiated computation; print and return the verdict."""
    name = "check_detach_state"
    label = fn_label or getattr(fn, "__name__", "your detach function")
    problem = check_callable(name, fn, "a function fn(state) returning the detached state")
    if problem is not None:
        return problem
    cases = detach_cases()
    try:
        for index, (about, arrays) in enumerate(cases):
            lines = _check_case(fn, arrays, adapter, name, label)
            if lines:
                head = f"case {index + 1} of {len(cases)} ({about}):"
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"for a state (H,) and a state (H, C) {label} keeps every value and no gradient "
        "flows back through it into the previous minibatch."
    ])


def _check_case(fn, arrays, adapter, name, label):
    how = HOW.get(adapter.framework, "detach each tensor")
    n = len(arrays)
    rs = np.random.RandomState(4100 + n)
    weight = rs.normal(size=arrays[0].shape).astype(np.float32)
    returned = []

    def probe(*variables):
        *state_vars, W = variables
        # The state as the previous minibatch leaves it: computed from trainable values.
        state = tuple(v * 2.0 for v in state_vars)
        out = call_student(name, fn, label, state)
        returned.append(out)
        if not isinstance(out, (tuple, list)) or len(out) != n:
            raise _Shape()
        value = adapter.dot_sum(out[0], W)  # W keeps the loss differentiable even when detached
        for s in out[1:]:
            value = value + adapter.dot_sum(s, W)
        return value

    try:
        _, grads = adapter.value_and_grads(probe, [*arrays, weight])
    except _Shape:
        out = returned[-1]
        got = (f"a {type(out).__name__}" if not isinstance(out, (tuple, list))
               else f"{len(out)} tensors")
        return [f"{label} returned {got}; expected a tuple of {n} tensor(s), one per tensor of "
                "the state, in the same order (the state is a tuple even with one tensor)."]
    except StudentError:
        raise
    except Exception as error:  # e.g. the returned tensors do not fit the weight
        return [f"computing with the returned state failed ({type(error).__name__}: "
                f"{str(error).splitlines()[0][:200] if str(error) else ''}); return tensors of "
                "the state's shapes."]
    out = returned[-1]
    for k, (s, a) in enumerate(zip(out, arrays)):
        try:
            got = as_numpy(adapter, s, f"tensor {k} of the returned state")
        except ValueError as error:
            return [str(error)]
        want = 2.0 * a.astype(np.float64)
        if got.shape != want.shape:
            return [f"tensor {k} of the returned state has shape {got.shape}, expected "
                    f"{want.shape}: detaching changes no shape."]
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            if np.all(got == 0):
                return [f"tensor {k} of the returned state is all zeros: the state was reset "
                        "(that is what random sampling does at every minibatch). Detaching "
                        f"keeps the values and only cuts the graph: {how}."]
            return [f"tensor {k} of the returned state holds other values than the state "
                    f"passed in; detaching keeps the values and only cuts the graph: {how}."]
    leaking = [k for k, g in enumerate(grads[:n])
               if g is not None and np.any(np.asarray(g) != 0)]
    if not leaking:
        return []
    if len(leaking) == n:
        return ["the gradient of the next minibatch's loss still flows back through the "
                "returned state into the previous minibatch. Returning the state itself, or a "
                "copy (clone(), copy(), tf.identity) keeps it in the graph; cut each tensor "
                f"off with {how}."]
    names = ", ".join(f"tensor {k}" for k in leaking)
    return [f"{names} of the returned state still passes gradients back (the others are "
            f"detached): detach EVERY tensor of the tuple ({how} for each)."]


class _Shape(Exception):
    """Internal: the student's function returned something that is not a state tuple."""
