"""check_sample_temperature: drawing the next token from p**alpha, renormalised (d2l 8.5).

The function under test is called as ``fn(logits, alpha, rng)``: ``logits`` is a
1-D numpy float64 array of unnormalised log-probabilities (what a language model
outputs for the next token), ``alpha`` a positive float or ``math.inf``, ``rng`` a
``numpy.random.Generator``.  It must return one token id (an int) drawn with
probability proportional to ``softmax(logits) ** alpha``, using ``rng`` for the
randomness, and the argmax when ``alpha`` is infinite (the limit of the sharpening).

Sampling is random, so the checker draws many tokens and compares frequencies with
the target distribution (tolerances of several standard deviations: a correct
function fails with negligible probability, and the draws are seeded anyway).  The
cases are built so that the usual mistakes give different distributions: alpha
applied as a factor of the probabilities (which renormalising undoes), alpha used
as a temperature (logits divided by alpha), always the argmax, the probabilities
not renormalised, overflow from large logits, alpha = inf not handled, and draws
that ignore ``rng``.
"""

import math

import numpy as np

from ._common import FAILED, PASSED, StudentError, call_student, check_callable, report

__all__ = ["check_sample_temperature", "tempered_probs", "sample_cases"]

DRAWS = 2000


def tempered_probs(logits, alpha):
    """The reference: softmax(logits) ** alpha renormalised; one-hot argmax for alpha = inf."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array, got shape {z.shape}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)) or not alpha > 0:
        raise ValueError(f"alpha must be a positive number (math.inf for argmax), got {alpha!r}")
    if math.isinf(alpha):
        p = np.zeros_like(z)
        p[int(np.argmax(z))] = 1.0
        return p
    z = alpha * (z - z.max())  # p**alpha = exp(alpha * log p); the shift cancels
    p = np.exp(z)
    return p / p.sum()


def sample_cases():
    """(what the case is about, logits, alpha)."""
    base = np.log(np.array([0.05, 0.35, 0.1, 0.3, 0.15, 0.05]))
    return (
        ("sharpening, alpha = 3", base + 2.0, 3.0),
        ("flattening, alpha = 0.4", base - 1.0, 0.4),
        ("plain sampling, alpha = 1", base, 1.0),
        ("large logits (exp overflows without a shift), alpha = 2",
         np.array([800.0, 799.0, 798.5, 790.0]), 2.0),
        ("alpha = inf: the argmax", base, math.inf),
    )


def _frequencies(fn, logits, alpha, seed, name, label, adapter, draws=DRAWS):
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(logits))
    drawn = []
    for _ in range(draws):
        token = call_student(name, fn, label, logits.copy(), alpha, rng,
                             error_hints=ERROR_HINTS)
        try:
            value = np.asarray(token if adapter is None else adapter.numpy(token))
            token = int(value.reshape(-1)[0]) if value.size == 1 and value.dtype != object \
                and float(value.reshape(-1)[0]).is_integer() else None
        except (TypeError, ValueError):
            token = None
        if token is None or not 0 <= token < len(logits):
            return None, [f"{label} returned {token!r}: it must return ONE token id, an int in "
                          f"0..{len(logits) - 1} (an index into the logits)."]
        counts[token] += 1
        drawn.append(token)
    return counts / draws, drawn


def _close(freq, p, draws=DRAWS):
    # 5 standard deviations per category, plus a little for p = 0 or 1.
    return bool(np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / draws) + 2e-3))


def _wrong_distributions(logits, alpha):
    z = np.asarray(logits, dtype=np.float64)
    plain = tempered_probs(z, 1.0)
    argmax = tempered_probs(z, math.inf)
    out = []
    if not math.isinf(alpha):
        out.append((tempered_probs(z, 1.0 / alpha),
                    "alpha was used as a temperature (logits divided by alpha); here alpha is an "
                    "exponent: p**alpha, i.e. softmax(alpha * logits)."))
    if alpha != 1:
        out.append((plain,
                    "the draws follow softmax(logits), unchanged by alpha: multiplying (or "
                    "dividing) the probabilities by alpha is undone when they are renormalised; "
                    "raise them to the power alpha."))
    out.append((argmax, "every draw is the most likely token: that is greedy decoding; draw at "
                        "random with rng (rng.choice(len(p), p=p)) unless alpha is infinite."))
    out.append((np.full(len(z), 1.0 / len(z)),
                "the draws are uniform: the probabilities were not used (pass p= to rng.choice)."))
    return out


ERROR_HINTS = (
    (("sum to 1",), "Likely cause: the probabilities do not sum to 1: divide p**alpha by its sum "
                    "(renormalise) before drawing."),
    (("nan", "non-negative", "negative"),
     "Likely cause: the probabilities contain NaN or negative values: exponentiate the "
     "logits before raising to alpha, subtract the largest logit first (exp overflows "
     "otherwise), and treat alpha = inf as the argmax (p**inf is not a distribution)."),
)


def check_sample_temperature(fn, adapter=None, fn_label=None):
    """Draw many tokens with ``fn(logits, alpha, rng)`` on seeded cases; print the verdict."""
    name = "check_sample_temperature"
    label = fn_label or getattr(fn, "__name__", "your sampling function")
    problem = check_callable(name, fn, "a function fn(logits, alpha, rng) returning a token id")
    if problem is not None:
        return problem
    cases = sample_cases()
    try:
        for index, (about, logits, alpha) in enumerate(cases):
            lines = _check_case(fn, logits, alpha, index, name, label, adapter)
            if lines:
                head = f"case {index + 1} of {len(cases)} ({about}):"
                return report(name, FAILED, [head, *lines], {"case": index})
        lines = _check_rng(fn, cases[0][1], cases[0][2], name, label, adapter)
        if lines:
            return report(name, FAILED, lines, {"case": "rng"})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"{DRAWS} draws in each of {len(cases)} seeded cases follow softmax(logits)**alpha "
        "renormalised (alpha = 3, 0.4, 1, large logits, inf -> argmax), and the same "
        "generator seed gives the same draws."
    ])


def _check_case(fn, logits, alpha, index, name, label, adapter):
    freq, drawn = _frequencies(fn, logits, alpha, 3000 + index, name, label, adapter)
    if freq is None:
        return drawn  # the lines explaining the bad return value
    want = tempered_probs(logits, alpha)
    if _close(freq, want):
        return []
    shown = lambda q: "[" + ", ".join(f"{v:.3f}" for v in q) + "]"  # noqa: E731
    lines = [f"frequencies of {DRAWS} draws {shown(freq)}, expected {shown(want)}."]
    if freq.max() == 1.0 and int(np.argmax(freq)) != int(np.argmax(logits)):
        lines.append(f"Likely cause: all {DRAWS} draws gave token {int(np.argmax(freq))}, not even "
                     "the most likely one: the randomness does not come from the rng argument "
                     "(a generator created inside the function with a fixed seed?).")
        return lines
    for dist, hint in _wrong_distributions(logits, alpha):
        if _close(freq, dist):
            lines.append(f"Likely cause: {hint}")
            break
    else:
        lines.append("Expected: p = softmax(logits) ** alpha / sum(softmax(logits) ** alpha), "
                     "i.e. softmax(alpha * logits); the argmax when alpha is inf.")
    return lines


def _check_rng(fn, logits, alpha, name, label, adapter, draws=200):
    """Two generators with the same seed must give the same draws; other seeds others."""
    _, first = _frequencies(fn, logits, alpha, 77, name, label, adapter, draws)
    _, again = _frequencies(fn, logits, alpha, 77, name, label, adapter, draws)
    _, other = _frequencies(fn, logits, alpha, 78, name, label, adapter, draws)
    if first != again:
        return [f"two generators seeded alike gave different draws: {label} does not take its "
                "randomness from rng (np.random.choice or random.* use a global state). Draw "
                "with the rng argument, e.g. rng.choice(len(p), p=p), so a seed reproduces "
                "the text."]
    if first == other:
        return [f"generators with different seeds gave the same {draws} draws: {label} "
                "ignores rng (a generator created inside with a fixed seed?). Draw with the "
                "rng argument."]
    return []
