"""check_grad_clipping: a student's gradient clipping (d2l 8.5) against numpy.

Clipping by the global norm: with g the concatenation of every parameter's
gradient, if ||g|| > theta every gradient is multiplied by theta / ||g||;
otherwise nothing changes.  The seeded cases are chosen so that the usual
mistakes change the result: the five gradients have very different norms (so
clipping each tensor on its own differs from global clipping), one case has a
global norm below theta (nothing may change), one has every tensor below theta
but the global norm above it, and theta is never 1 (so forgetting theta shows).
"""

import numpy as np

from ._common import (
    FAILED,
    PASSED,
    StudentError,
    call_student,
    check_callable,
    fmt,
    rel_error,
    report,
)

__all__ = ["check_grad_clipping"]

NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")
SHAPES = ((7, 5), (5, 5), (5,), (5, 7), (7,))
TOL = 1e-4

#: (what the case is about, target norm of each gradient, theta)
CASES = (
    ("global norm far above theta", (9.0, 3.0, 0.5, 4.0, 1.5), 2.5),
    ("global norm below theta: nothing may change", (0.3, 0.5, 0.1, 0.6, 0.2), 2.5),
    ("every tensor below theta, their global norm above it", (1.2, 1.1, 0.9, 1.3, 1.0), 1.5),
)

HINTS = {
    "per_tensor": "each tensor was clipped by its own norm; d2l clips by the global norm "
                  "sqrt(sum over ALL parameters of sum(grad**2)) and scales every gradient "
                  "by the same factor theta / norm.",
    "always_scale": "the gradients were scaled although the global norm is below theta; "
                    "only rescale when norm > theta.",
    "no_sqrt": "the norm is missing its square root: norm = sqrt(sum of squares).",
    "inverted": "the scale factor is upside down: multiply by theta / norm, not norm / theta.",
    "no_theta": "the gradients were divided by the norm but not multiplied by theta.",
    "by_value": "each entry was clipped to [-theta, theta] (clipping by value); d2l rescales "
                "the whole gradient by theta / norm, which keeps its direction.",
}


def make_case(index):
    """Seeded gradients (float32) whose norms are the case's targets, and theta."""
    _, norms, theta = CASES[index]
    rs = np.random.RandomState(2000 + index)
    grads = []
    for shape, target in zip(SHAPES, norms):
        g = rs.normal(0, 1, shape)
        grads.append((g * target / np.linalg.norm(g)).astype(np.float32))
    return grads, theta


def global_norm(grads):
    return float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads)))


def clip(grads, theta, mistake=None):
    """The clipped gradients, optionally with one deliberate mistake."""
    grads = [g.astype(np.float64) for g in grads]
    norm = global_norm(grads)
    if mistake == "per_tensor":
        return [g * min(1.0, theta / np.linalg.norm(g)) for g in grads]
    if mistake == "by_value":
        return [np.clip(g, -theta, theta) for g in grads]
    if mistake == "no_sqrt":
        norm = norm**2
    if mistake == "always_scale":
        return [g * theta / norm for g in grads]
    if norm <= theta:
        return grads
    scale = {"inverted": norm / theta, "no_theta": 1.0 / norm}.get(mistake, theta / norm)
    return [g * scale for g in grads]


def _diagnose(got, grads, theta):
    for mistake, hint in HINTS.items():
        want = clip(grads, theta, mistake)
        if all(rel_error(g, w) < TOL for g, w in zip(got, want)):
            return hint
    # one parameter left as it was while the others are right: it was forgotten
    right = clip(grads, theta)
    untouched = [k for k, g, w, orig in zip(NAMES, got, right, grads)
                 if rel_error(g, w) > TOL and rel_error(g, orig) < TOL]
    others_ok = all(rel_error(g, w) < TOL for k, g, w in zip(NAMES, got, right)
                    if k not in untouched)
    if untouched and others_ok:
        return (f"the gradient of {', '.join(untouched)} was not clipped: loop over every "
                "parameter, both for the norm and for the rescaling.")
    return None


def check_grad_clipping(fn, adapter, fn_label=None):
    """Run the student's clipping on seeded gradients; print and return the verdict."""
    name = "check_grad_clipping"
    label = fn_label or getattr(fn, "__name__", "your clipping function")
    problem = check_callable(name, fn, f"a function called as {adapter.clipping_call}")
    if problem is not None:
        return problem
    try:
        for index, (about, _, theta) in enumerate(CASES):
            lines = _check_case(index, fn, adapter, name, label)
            if lines:
                head = f"case {index + 1} of {len(CASES)} ({about}; theta = {theta}):"
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"clipped gradients match the numpy reference in all {len(CASES)} seeded cases "
        "(norm above theta, below theta, and every tensor below theta with the global "
        "norm above it)."
    ])


def _check_case(index, fn, adapter, name, label):
    grads, theta = make_case(index)
    norm = global_norm(grads)
    got, returned = call_student(name, adapter.run_clipping, label, fn, grads, theta)
    if got is None or len(got) != len(grads):
        return [f"{label} must give back all {len(grads)} gradients "
                f"(called as {adapter.clipping_call})"]
    for k, g, orig in zip(NAMES, got, grads):
        if g is None or tuple(np.shape(g)) != orig.shape:
            shape = None if g is None else tuple(np.shape(g))
            return [f"the gradient of {k} has shape {shape} after clipping, expected "
                    f"{orig.shape}: rescale the gradients, do not reshape or replace them."]
    want = clip(grads, theta)
    bad = [(k, rel_error(g, w)) for k, g, w in zip(NAMES, got, want)
           if rel_error(g, w) > TOL]
    if bad:
        worst = max(bad, key=lambda kv: kv[1])
        lines = [f"the global gradient norm is {fmt(norm)}; after clipping the gradients of "
                 f"{', '.join(k for k, _ in bad)} differ from the reference (worst: {worst[0]}, "
                 f"max relative error {fmt(worst[1])})."]
        hint = _diagnose(got, grads, theta)
        lines.append(f"Likely cause: {hint}" if hint else
                     "Expected: norm = sqrt(sum_i sum(g_i**2)) over all parameters; if norm > "
                     "theta, g_i <- g_i * theta / norm for every i.")
        return lines
    if returned is not None:
        try:
            value = float(np.asarray(adapter.numpy(returned)).reshape(-1)[0])
        except Exception:
            return []  # whatever it returns besides the clipped gradients is its business
        if abs(value - norm) > 1e-3 * norm:
            return [f"the gradients are right, but the returned norm is {fmt(value)} while the "
                    f"global norm before clipping is {fmt(norm)}. Return the norm measured "
                    "before clipping (or return nothing)."]
    return []
