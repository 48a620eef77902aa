"""check_zipf_exponent: a student's least-squares fit of Zipf's law (d2l 8.3).

Zipf's law says the frequency of the token of rank r falls like ``r ** -alpha``, so
``log f = -alpha * log r + c`` is a straight line on log-log axes.  The function
under test is called as ``fn(freqs, first, last)`` with a list of counts in ANY
order and 1-based inclusive ranks ``first..last`` (``last=None``: to the end); it
must sort the counts in decreasing order, give the largest rank 1, keep ranks
``first..last`` and return ``alpha`` (a positive float), the negated slope of the
least-squares line through (log r, log f).  The cases are noisy power laws, so
that regressing log r on log f, forgetting to sort or shifting the ranks by one
each give a different number.
"""

import numpy as np

from ._common import FAILED, PASSED, StudentError, call_student, check_callable, fmt, report

__all__ = ["check_zipf_exponent", "zipf_exponent"]

TOL = 1e-6
_LOG_ZERO = ("Likely cause: a logarithm of zero: ranks start at 1, not 0, and every "
             "fitted count must be positive.")
#: a least-squares fit through log(0) = -inf fails inside numpy's SVD
ERROR_HINTS = ((("linalgerror", "svd", "converge", "infs or nans", "linalg"), _LOG_ZERO),)


def _power_law(seed, size, alpha, scale, noise):
    rs = np.random.RandomState(seed)
    ranks = np.arange(1, size + 1)
    counts = np.maximum(1, np.round(scale * ranks ** -alpha * np.exp(rs.normal(0, noise, size))))
    counts = counts.astype(int)
    rs.shuffle(counts)  # the function must sort them itself
    return [int(c) for c in counts]


#: (freqs, first, last)
CASES = (
    (_power_law(4000, 120, 1.1, 5000, 0.15), 1, None),
    (_power_law(4001, 300, 0.8, 2000, 0.3), 1, None),
    (_power_law(4002, 300, 0.8, 2000, 0.3), 5, 80),
)


def _select(freqs, first, last):
    f = np.sort(np.asarray(freqs, dtype=np.float64))[::-1]
    r = np.arange(1, len(f) + 1, dtype=np.float64)
    stop = len(f) if last is None else last
    return r[first - 1:stop], f[first - 1:stop]


def zipf_exponent(freqs, first=1, last=None):
    """The reference: -slope of the least-squares line through (log rank, log count)."""
    if not isinstance(first, int) or first < 1:
        raise ValueError(f"first must be a rank >= 1, got {first!r}")
    if last is not None and (not isinstance(last, int) or last < first + 1):
        raise ValueError(f"last must be None or a rank > first, got {last!r}")
    r, f = _select(freqs, first, last)
    if len(r) < 2 or np.any(f <= 0):
        raise ValueError("freqs must hold at least two positive counts in the fitted ranks")
    return float(-np.polyfit(np.log(r), np.log(f), 1)[0])


def _variants(freqs, first, last):
    """What common mistakes return, and the hint for each."""
    r, f = _select(freqs, first, last)
    slope = np.polyfit(np.log(r), np.log(f), 1)[0]
    inverse = np.polyfit(np.log(f), np.log(r), 1)[0]
    unsorted = np.asarray(freqs, dtype=np.float64)[first - 1:(len(freqs) if last is None
                                                              else last)]
    stop = len(freqs) if last is None else last
    fs = np.sort(np.asarray(freqs, dtype=np.float64))[::-1]
    out = [
        (slope, "the sign is flipped: return alpha = -slope, a positive number."),
        (-1 / inverse, "the regression runs the wrong way: fit log f (the response) against "
                       "log r, not log r against log f; the two slopes differ on noisy data."),
        (-inverse, "the regression runs the wrong way: fit log f (the response) against "
                   "log r, not log r against log f."),
        (-np.polyfit(r, f, 1)[0], "the fit is on the raw numbers: take logarithms of both "
                                   "ranks and counts."),
        (-np.polyfit(np.log(np.arange(first, first + len(unsorted))), np.log(unsorted), 1)[0],
         "the counts are not sorted: sort them in decreasing order so rank 1 is the most "
         "frequent token."),
    ]
    # first read as a 0-based index (the top count dropped), ranks still from `first`
    shifted = fs[first:stop]
    ranks = np.arange(first, first + len(shifted), dtype=np.float64)
    out.append((-np.polyfit(np.log(ranks), np.log(shifted), 1)[0],
                "the ranks are shifted by one: rank 1 is the largest count, "
                "ranks first..last (inclusive) are sorted_counts[first-1:last]."))
    if first > 1:
        ranks1 = np.arange(1, len(fs[first - 1:stop]) + 1, dtype=np.float64)
        out.append((-np.polyfit(np.log(ranks1), np.log(fs[first - 1:stop]), 1)[0],
                    "the ranks restart at 1 after selecting first..last: keep each count's "
                    "rank in the whole sorted list."))
    return out


def check_zipf_exponent(fn, adapter=None, fn_label=None):
    """Run ``fn(freqs, first, last)`` on seeded noisy power laws; print and return the verdict.

    ``adapter`` is accepted for the same signature as the other checkers; the fit
    is plain numpy.
    """
    name = "check_zipf_exponent"
    label = fn_label or getattr(fn, "__name__", "your Zipf fit")
    problem = check_callable(name, fn, "a function fn(freqs, first, last) returning alpha")
    if problem is not None:
        return problem
    try:
        for index, (freqs, first, last) in enumerate(CASES):
            lines = _check_case(fn, freqs, first, last, name, label)
            if lines:
                head = (f"case {index + 1} of {len(CASES)} ({len(freqs)} counts, shuffled; "
                        f"ranks {first}..{len(freqs) if last is None else last}):")
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"the fitted exponents match the least-squares reference for {len(CASES)} noisy "
        "power laws, unsorted counts and a range of ranks included."
    ])


def _check_case(fn, freqs, first, last, name, label):
    got = call_student(name, fn, label, list(freqs), first, last, error_hints=ERROR_HINTS)
    try:
        got = float(np.asarray(got, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return [f"{label} must return one number (alpha); it returned {type(got).__name__}"]
    want = zipf_exponent(freqs, first, last)
    if np.isfinite(got) and abs(got - want) <= TOL * max(1.0, abs(want)):
        return []
    lines = [f"alpha = {fmt(got)}, expected {fmt(want)}."]
    if not np.isfinite(got):
        lines.append(_LOG_ZERO)
        return lines
    for value, hint in _variants(freqs, first, last):
        if abs(got - value) <= 1e-6 * max(1.0, abs(value)):
            lines.append(f"Likely cause: {hint}")
            break
    return lines
