"""check_count_ngrams: a student's n-gram counter (d2l 8.3) against a plain reference.

The function under test is called as ``fn(tokens, n)`` with a flat list of tokens
(strings) and an int ``n >= 1``, and must return a mapping (a dict or a
``collections.Counter``) from each n-gram, a tuple of ``n`` consecutive tokens,
to the number of positions where it occurs.  N-grams overlap: a list of ``T``
tokens holds ``T - n + 1`` of them.  The cases are short word lists with
repeated phrases, so that a window that stops early, non-overlapping windows or
reversed tuples change the counts.
"""

import collections
import numbers

from ._common import FAILED, PASSED, StudentError, call_student, check_callable, report

__all__ = ["check_count_ngrams", "count_ngrams"]

_TEXT = ("the time traveller smiled and the time traveller spoke of the time of the "
         "machine and of the time to come").split()
#: (tokens, n): unigrams, bigrams, trigrams, and a list whose last n-gram is unique
CASES = (
    (_TEXT, 2),
    (_TEXT, 1),
    (_TEXT, 3),
    (list("abracadabra"), 4),
)


def count_ngrams(tokens, n):
    """The reference: every run of ``n`` consecutive tokens, overlapping, as tuples."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    tokens = list(tokens)
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _describe(tokens, n):
    shown = " ".join(tokens) if len(tokens[0]) > 1 else "".join(tokens)
    return f"n = {n}, {len(tokens)} tokens: {shown!r}"


def _mistake(got, tokens, n):
    """Name a recognisable mistake in a mapping whose counts are wrong."""
    short = count_ngrams(tokens[:-1], n)
    if got == short:
        return ("the last n-gram is missing: a list of T tokens holds T - n + 1 n-grams, "
                "the last one starting at index T - n (range(len(tokens) - n + 1)).")
    disjoint = collections.Counter(
        tuple(tokens[i:i + n]) for i in range(0, len(tokens) - n + 1, n))
    if n > 1 and got == disjoint:
        return ("the windows do not overlap: an n-gram starts at EVERY position "
                "(step 1), not every n positions.")
    reverse = collections.Counter({key[::-1]: c for key, c in count_ngrams(tokens, n).items()})
    if n > 1 and got == reverse:
        return "the tuples are reversed: keep the tokens in text order, oldest first."
    return None


def check_count_ngrams(fn, adapter=None, fn_label=None):
    """Run ``fn(tokens, n)`` on seeded token lists; print and return the verdict.

    ``adapter`` is accepted for the same signature as the other checkers; n-gram
    counting needs no tensors.
    """
    name = "check_count_ngrams"
    label = fn_label or getattr(fn, "__name__", "your n-gram counter")
    problem = check_callable(name, fn, "a function fn(tokens, n) returning n-gram counts")
    if problem is not None:
        return problem
    try:
        for index, (tokens, n) in enumerate(CASES):
            lines = _check_case(fn, list(tokens), n, name, label)
            if lines:
                head = f"case {index + 1} of {len(CASES)} ({_describe(tokens, n)}):"
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"n-gram counts match the reference for {len(CASES)} token lists "
        f"(n = {', '.join(str(n) for _, n in CASES)})."
    ])


def _check_case(fn, tokens, n, name, label):
    result = call_student(name, fn, label, list(tokens), n)
    if not isinstance(result, collections.abc.Mapping):
        return [f"{label} must return a dict (or Counter) from n-gram to count; it returned "
                f"{type(result).__name__}"]
    want = count_ngrams(tokens, n)
    bad_keys = [key for key in result if not (isinstance(key, tuple) and len(key) == n)]
    if bad_keys:
        key = bad_keys[0]
        text = f"the key {key!r} is not a tuple of {n} tokens"
        if n == 1 and isinstance(key, str):
            text += "; a unigram is a 1-tuple too, e.g. ('time',)"
        elif isinstance(key, str):
            text += "; keep the tokens as a tuple, e.g. ('the', 'time'), not a joined string"
        return [text + "."]
    values = list(result.values())
    def is_count(c):  # Python and NumPy integers, not bools
        return isinstance(c, numbers.Integral) and not isinstance(c, bool)

    if not all(is_count(c) for c in values):
        bad = next(c for c in values if not is_count(c))
        text = f"the counts must be ints; found {bad!r} ({type(bad).__name__})"
        if isinstance(bad, float) and abs(sum(values) - 1) < 1e-6:
            text += ": these look like relative frequencies; return the raw counts"
        return [text + "."]
    got = collections.Counter({key: c for key, c in result.items() if c != 0})
    if got == want:
        return []
    lines = [f"expected {len(want)} distinct n-grams with {sum(want.values())} occurrences "
             f"in total; got {len(got)} distinct with {sum(got.values())}."]
    diff = sorted(set(want) | set(got), key=lambda k: (want.get(k, 0) == got.get(k, 0), k))
    key = diff[0]
    lines.append(f"e.g. {key!r}: expected {want.get(key, 0)}, got {got.get(key, 0)}.")
    hint = _mistake(got, tokens, n)
    if hint:
        lines.append(f"Likely cause: {hint}")
    return lines
