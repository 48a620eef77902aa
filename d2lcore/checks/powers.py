"""check_power_alignment: how M^k x turns towards the top eigenvector (d2l 8.7).

The function under test is called as ``fn(M, x, k_max)`` with a square matrix
``M`` (numpy float64, diagonalisable with real eigenvalues, one of largest modulus),
a vector ``x`` and an int ``k_max``; it must return the ``k_max + 1`` angles, in
radians, between the line through ``M^k x`` and the line through the top eigenvector
``v1`` for ``k = 0, 1, ..., k_max``.  Lines, not arrows: an eigenvector's sign is
arbitrary and a negative ``lambda1`` flips ``M^k x`` at every step, so the angle is
``arccos(|<M^k x, v1>| / (||M^k x|| ||v1||))``, a number in ``[0, pi/2]``.  The
cases are built so that the usual mistakes each give a different answer:
eigenvectors read as rows, the eigenvector of the largest signed (not absolute)
eigenvalue, ``M^k`` applied element-wise, ``k`` starting at 1, degrees, and the
angle between arrows.
"""

import numpy as np

from ._common import FAILED, PASSED, StudentError, as_numpy, call_student, check_callable, report

__all__ = ["check_power_alignment", "power_alignment", "alignment_cases"]

TOL = 1e-6


def _matrix(seed, eigenvalues):
    """A non-symmetric M = P diag(eigenvalues) P^-1 with a well-conditioned random P."""
    rs = np.random.RandomState(seed)
    n = len(eigenvalues)
    P = np.eye(n) + 0.4 * rs.normal(size=(n, n))
    M = P @ np.diag(eigenvalues) @ np.linalg.inv(P)
    return M, rs.normal(size=n)


def alignment_cases():
    """(M, x, k_max) triples; the second has a negative dominant eigenvalue."""
    return (
        (*_matrix(5000, [1.5, 0.9, -0.5, 0.3]), 12),
        (*_matrix(5001, [-1.2, 1.0, 0.6, -0.2, 0.1]), 15),
        (*_matrix(5002, [0.8, 0.7, 0.2]), 10),
    )


def _top_eigenvector(M, pick=np.abs, rows=False):
    values, vectors = np.linalg.eig(M)
    i = int(np.argmax(pick(values.real)))
    v = vectors[i] if rows else vectors[:, i]
    return np.real(v)


def _angles(M, x, k_max, v, power=None, ks=None, signed=False, degrees=False):
    power = power or (lambda k: np.linalg.matrix_power(M, k))
    ks = range(k_max + 1) if ks is None else ks
    out = []
    for k in ks:
        y = power(k) @ x
        cos = (y @ v) / (np.linalg.norm(y) * np.linalg.norm(v))
        out.append(np.arccos(np.clip(cos if signed else abs(cos), -1.0, 1.0)))
    out = np.array(out)
    return np.degrees(out) if degrees else out


def power_alignment(M, x, k_max):
    """The reference: angles (radians) between the lines of M^k x and v1, k = 0..k_max."""
    M, x = np.asarray(M, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {M.shape}")
    if x.shape != (M.shape[0],):
        raise ValueError(f"x must be a vector of length {M.shape[0]}, got shape {x.shape}")
    if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or k_max < 0:
        raise ValueError(f"k_max must be an int >= 0, got {k_max!r}")
    return _angles(M, x, int(k_max), _top_eigenvector(M))


def _variants(M, x, k_max):
    """What common mistakes return, and the hint for each."""
    v = _top_eigenvector(M)
    return [
        (_angles(M, x, k_max, v, degrees=True),
         "the angles are in degrees: return radians (np.arccos gives radians)."),
        (_angles(M, x, k_max, v, ks=range(1, k_max + 2)),
         "the powers start at k = 1: the first entry is the angle of x itself (k = 0), "
         "the list has k_max + 1 entries."),
        (_angles(M, x, k_max, v, signed=True),
         "the angle is between arrows, not lines: an eigenvector's sign is arbitrary (and a "
         "negative lambda1 flips M^k x each step), so take |cos| before arccos."),
        (_angles(M, x, k_max, _top_eigenvector(M, rows=True)),
         "the eigenvector is taken as a row: np.linalg.eig returns eigenvectors as the "
         "COLUMNS of its second result, vectors[:, i]."),
        (_angles(M, x, k_max, _top_eigenvector(M, pick=lambda a: a)),
         "v1 belongs to the largest signed eigenvalue: the dominant one has the largest "
         "absolute value |lambda|."),
        (_angles(M, x, k_max, v, power=lambda k: M ** k),
         "M ** k raises each entry to the power k: the matrix power is "
         "np.linalg.matrix_power(M, k) (or k products M @ ...)."),
    ]


def check_power_alignment(fn, adapter=None, fn_label=None):
    """Run ``fn(M, x, k_max)`` on seeded matrices; print and return the verdict.

    ``adapter`` converts a framework tensor the student may return back to numpy;
    the inputs are numpy arrays.
    """
    name = "check_power_alignment"
    label = fn_label or getattr(fn, "__name__", "your alignment function")
    problem = check_callable(name, fn, "a function fn(M, x, k_max) returning k_max + 1 angles")
    if problem is not None:
        return problem
    cases = alignment_cases()
    try:
        for index, (M, x, k_max) in enumerate(cases):
            lines = _check_case(fn, M, x, k_max, name, label, adapter)
            if lines:
                values = sorted(np.linalg.eigvals(M).real, key=abs, reverse=True)
                shown = ", ".join(f"{v:.2g}" for v in values)
                head = (f"case {index + 1} of {len(cases)} ({M.shape[0]}x{M.shape[0]} M, "
                        f"eigenvalues {shown}; k_max = {k_max}):")
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"the angles match the reference for {len(cases)} non-symmetric matrices, one with a "
        "negative dominant eigenvalue."
    ])


def _check_case(fn, M, x, k_max, name, label, adapter):
    got = call_student(name, fn, label, M.copy(), x.copy(), k_max)
    try:
        got = as_numpy(adapter, got, f"the value {label} returned") if adapter is not None \
            else np.asarray(got)
        got = np.asarray(got, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        return [f"{label} must return k_max + 1 angles (numbers): {error}"]
    want = power_alignment(M, x, k_max)
    if got.shape != want.shape:
        lines = [f"{label} returned {got.size} angles, expected k_max + 1 = {want.size} "
                 "(k = 0, 1, ..., k_max)."]
        if got.size == want.size - 1:
            lines.append("Likely cause: the powers start at k = 1; include k = 0 (x itself).")
        return lines
    if np.all(np.isfinite(got)) and np.max(np.abs(got - want)) <= TOL:
        return []
    worst = int(np.argmax(np.abs(np.nan_to_num(got - want, nan=np.inf))))
    lines = [f"at k = {worst}: angle {got[worst]:.4g}, expected {want[worst]:.4g} (radians)."]
    for value, hint in _variants(M, x, k_max):
        if np.all(np.isfinite(got)) and np.max(np.abs(got - value)) <= 1e-6 * max(
                1.0, float(np.max(np.abs(value)))):
            lines.append(f"Likely cause: {hint}")
            break
    else:
        if not np.all(np.isfinite(got)):
            lines.append("Some angles are NaN: clip the cosine to [-1, 1] before np.arccos "
                         "(rounding can push it just past 1).")
    return lines
