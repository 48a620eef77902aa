"""check_ar_features: a student's autoregressive feature matrix (d2l 8.1) against numpy.

For a series x_1..x_T and window tau, example t (t = tau+1..T) has the features
(x_(t-tau), ..., x_(t-1)), oldest first, and the label x_t: ``T - tau`` rows,
a (T - tau, tau) feature matrix and a (T - tau, 1) label column, as in d2l 8.1
and ``d2lcore.ar_features``.  The test series count 0.1, 0.2, 0.3, ... so a
misplaced window is easy to read off, and the cases use several T and tau so a
hard-coded T = 1000 or tau = 4 shows.
"""

import numpy as np

from .. import sine
from ._common import (
    FAILED,
    PASSED,
    StudentError,
    as_numpy,
    call_student,
    check_callable,
    fmt,
    rel_error,
    report,
)

__all__ = ["check_ar_features"]

#: (T, tau)
CASES = ((12, 4), (9, 1), (20, 7))
TOL = 1e-6


def make_series(T):
    """0.1, 0.2, ..., 0.1*T as float32: every value tells its position."""
    return (np.arange(1, T + 1) / 10).astype(np.float32)


def _positions(values):
    """The 1-based time steps of the given series values (for messages)."""
    return [int(round(v * 10)) for v in np.asarray(values).reshape(-1)]


def _feature_mistake(got, x, tau):
    """Name a recognisable mistake in a feature matrix of the right shape."""
    want, _ = sine.ar_features(x, tau)
    if rel_error(got, want[:, ::-1]) < TOL and tau > 1:
        return ("the columns are in reverse order: column 0 must hold the oldest value "
                "x_(t-tau), column tau-1 the newest x_(t-1).")
    for shift in (1, -1):
        shifted = np.stack([np.roll(x, -shift)[i : len(x) - tau + i] for i in range(tau)], 1)
        if len(got) > 2 and rel_error(got[1:-1], shifted[1:-1]) < TOL:
            word = "late" if shift == 1 else "early"
            return (f"every window starts one step too {word}: row i must hold "
                    f"x[i], ..., x[i+tau-1] (0-based), i.e. x_(t-tau)..x_(t-1) for label x_t.")
    return None


def _label_mistake(got, x, tau):
    got = got.reshape(-1)
    for shift in (-1, 1):
        if 0 <= tau + shift and tau + shift + len(got) <= len(x) and rel_error(
                got, x[tau + shift : tau + shift + len(got)]) < TOL:
            return ("the labels are shifted by one step: the label of a window "
                    f"x[i..i+tau-1] is the NEXT value x[i+tau], i.e. labels = x[tau:] "
                    f"(yours start at x[{tau + shift}]).")
    return None


def check_ar_features(fn, adapter, fn_label=None):
    """Run ``fn(x, tau) -> (features, labels)`` on seeded series; print and return the verdict."""
    name = "check_ar_features"
    label = fn_label or getattr(fn, "__name__", "your feature function")
    problem = check_callable(name, fn, "a function fn(x, tau) returning (features, labels)")
    if problem is not None:
        return problem
    try:
        for index, (T, tau) in enumerate(CASES):
            lines = _check_case(fn, adapter, T, tau, name, label)
            if lines:
                head = (f"case {index + 1} of {len(CASES)} (T = {T}, tau = {tau}, "
                        f"x = 0.1, 0.2, ..., {T / 10:g}):")
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"features and labels match d2lcore.ar_features for {len(CASES)} series "
        f"({'; '.join(f'T={T}, tau={tau}' for T, tau in CASES)})."
    ])


def _check_case(fn, adapter, T, tau, name, label):
    x = make_series(T)
    result = call_student(name, fn, label, adapter.tensor(x), tau)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return [f"{label} must return (features, labels); it returned {type(result).__name__}"]
    try:
        features = as_numpy(adapter, result[0], "features")
        labels = as_numpy(adapter, result[1], "labels")
    except ValueError as error:
        return [str(error)]
    want_f, want_l = sine.ar_features(x, tau)
    n = T - tau
    if features.shape != want_f.shape:
        text = f"features have shape {features.shape}, expected (T - tau, tau) = {want_f.shape}"
        if features.shape == (tau, n):
            text += "; the matrix is transposed: one ROW per example, one column per lag"
        elif features.shape == (n + 1, tau):
            text += ("; there is one window too many: the last window x[T-tau:] has no "
                     "label to predict, so it is not an example")
        elif features.shape == (n - 1, tau):
            text += "; one example is missing: windows start at x[0], x[1], ..., x[T-tau-1]"
        return [text]
    err = rel_error(features, want_f)
    if err > TOL:
        row = int(np.where(np.abs(features - want_f).max(axis=1) > TOL)[0][0])
        lines = [f"features differ: row {row} is x at time steps {_positions(features[row])}, "
                 f"expected {_positions(want_f[row])} (max relative error {fmt(err)})."]
        hint = _feature_mistake(features, x, tau)
        if hint:
            lines.append(f"Likely cause: {hint}")
        return lines
    if labels.size == n and labels.shape != want_l.shape:
        return [f"the labels have shape {labels.shape}, expected a column (T - tau, 1) = "
                f"{want_l.shape}: reshape them with reshape(-1, 1) so they line up with the "
                "network's (n, 1) output (a flat vector would broadcast in the loss)."]
    if labels.shape != want_l.shape:
        text = (f"the labels have shape {labels.shape}, expected (T - tau, 1) = {want_l.shape}: "
                "one label per feature row")
        if labels.size == n - 1:
            text += "; labels = x[tau:] has T - tau values (did you start one step late?)"
        return [text]
    err = rel_error(labels, want_l)
    if err > TOL:
        first = int(np.where(np.abs(labels - want_l).reshape(-1) > TOL)[0][0])
        lines = [f"the features are right but the labels differ: label {first} is x at time "
                 f"step {_positions(labels.reshape(-1)[first])[0]}, expected "
                 f"{_positions(want_l.reshape(-1)[first])[0]}."]
        hint = _label_mistake(labels, x, tau)
        if hint:
            lines.append(f"Likely cause: {hint}")
        return lines
    return []
