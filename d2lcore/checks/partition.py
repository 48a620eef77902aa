"""check_seq_data_iter_random: a student's random partition of a corpus (d2l 8.3).

The function under test is d2l's ``seq_data_iter_random(corpus, batch_size,
num_steps, rng)``: a generator that cuts a random number of tokens (0 to
num_steps - 1) off the front of ``corpus``, splits the rest into non-overlapping
subsequences of ``num_steps`` tokens, shuffles them and yields ``(X, Y)``
minibatches of shape (batch_size, num_steps), ``Y`` being ``X`` shifted one token
ahead.  ``rng`` is a ``random.Random``: every random choice must come from it.

The test corpus holds 100, 101, 102, ... so each token tells its position.  The
checker draws many epochs with different seeds and checks properties, not one
particular random stream: the shapes, the shift of Y, contiguous and aligned
non-overlapping rows, the number of minibatches for the offset used, that every
offset 0..num_steps-1 occurs, that the order is shuffled, and that the same seed
gives the same epoch.
"""

import random

import numpy as np

from ._common import FAILED, PASSED, StudentError, as_numpy, call_student, check_callable, report

__all__ = ["check_seq_data_iter_random", "expected_num_batches"]

BASE = 100
#: (corpus length, batch_size, num_steps)
CASES = ((61, 2, 5), (50, 3, 4), (44, 1, 6))
NUM_SEEDS = 100


def expected_num_batches(length, batch_size, num_steps, offset):
    """Minibatches of one epoch once ``offset`` tokens are dropped (Y needs one more token)."""
    return ((length - offset - 1) // num_steps) // batch_size


def _epoch(fn, adapter, corpus, batch_size, num_steps, seed, name, label):
    """The epoch as a list of (X, Y) numpy pairs, or a string naming what went wrong."""
    result = call_student(name, fn, label, list(corpus), batch_size, num_steps,
                          random.Random(seed))
    try:
        iterator = iter(result)
    except TypeError:
        return (f"{label} must yield (X, Y) minibatches (a generator: use yield); it "
                f"returned {type(result).__name__}")
    pairs = []
    while True:
        try:
            pair = next(iterator)
        except StopIteration:
            break
        except NotImplementedError:
            call_student(name, _raise_todo, label)
        except Exception as error:  # the generator body runs here, not in the call
            call_student(name, _reraise(error), label)
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return f"each minibatch must be a pair (X, Y); got {type(pair).__name__}"
        try:
            X = as_numpy(adapter, pair[0], "X")
            Y = as_numpy(adapter, pair[1], "Y")
        except ValueError as error:
            return str(error)
        pairs.append((X, Y))
        if len(pairs) > len(corpus):
            return "the generator does not stop: one epoch passes over the corpus once"
    return pairs


def _raise_todo():
    raise NotImplementedError


def _reraise(error):
    def fail():
        raise error
    return fail


def check_seq_data_iter_random(fn, adapter, fn_label=None):
    """Run ``fn(corpus, batch_size, num_steps, rng)`` over many seeded epochs; print the verdict."""
    name = "check_seq_data_iter_random"
    label = fn_label or getattr(fn, "__name__", "your partition function")
    problem = check_callable(name, fn, "a generator function fn(corpus, batch_size, num_steps, "
                                       "rng)")
    if problem is not None:
        return problem
    try:
        for index, (length, batch_size, num_steps) in enumerate(CASES):
            lines = _check_case(fn, adapter, length, batch_size, num_steps, name, label)
            if lines:
                head = (f"case {index + 1} of {len(CASES)} (corpus = {BASE}, {BASE + 1}, ..., "
                        f"{BASE + length - 1}; batch_size = {batch_size}, num_steps = "
                        f"{num_steps}):")
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    return report(name, PASSED, [
        f"{len(CASES)} corpora x {NUM_SEEDS} seeds: aligned, non-overlapping subsequences, Y one "
        "token ahead, the right number of minibatches, every offset drawn, shuffled order, "
        "reproducible from rng."
    ])


def _check_case(fn, adapter, length, batch_size, num_steps, name, label):
    corpus = list(range(BASE, BASE + length))
    offsets, shuffled = set(), False
    for seed in range(NUM_SEEDS):
        pairs = _epoch(fn, adapter, corpus, batch_size, num_steps, seed, name, label)
        if isinstance(pairs, str):
            return [pairs]
        lines = _check_epoch(pairs, length, batch_size, num_steps)
        if isinstance(lines, list):
            return [f"epoch drawn with rng = random.Random({seed}):", *lines]
        offset, starts = lines
        offsets.add(offset)
        shuffled = shuffled or list(starts) != sorted(starts)
        if seed < 3:
            again = _epoch(fn, adapter, corpus, batch_size, num_steps, seed, name, label)
            if isinstance(again, str) or len(again) != len(pairs) or any(
                    not np.array_equal(a[0], b[0]) for a, b in zip(again, pairs)):
                return ["two epochs drawn with the same seed differ: take the offset and the "
                        "shuffle from the rng argument (rng.randint, rng.shuffle), not from the "
                        "global random module or np.random."]
    if offsets == {0}:
        return [f"in {NUM_SEEDS} epochs the first subsequence always starts at the first "
                "token: discard a random number of tokens, rng.randint(0, num_steps - 1), "
                "before cutting, so that every position can begin a subsequence."]
    missing = sorted(set(range(num_steps)) - offsets)
    if missing:
        return [f"in {NUM_SEEDS} epochs the offset (first start mod num_steps) took only the "
                f"values {sorted(offsets)}; {missing} never occurred: draw it uniformly "
                "from 0..num_steps-1."]
    if not shuffled:
        return [f"in {NUM_SEEDS} epochs the subsequences always came in corpus order: "
                "shuffle the list of start positions (rng.shuffle) before batching."]
    return []


def _check_epoch(pairs, length, batch_size, num_steps):
    """(offset, starts in yield order) of a valid epoch, or a list of problems."""
    if not pairs:
        return ["the epoch yielded no minibatch."]
    starts = []
    for b, (X, Y) in enumerate(pairs):
        where = f"minibatch {b}:"
        if X.shape != (batch_size, num_steps) or Y.shape != (batch_size, num_steps):
            text = (f"{where} X has shape {X.shape} and Y {Y.shape}, expected (batch_size, "
                    f"num_steps) = {(batch_size, num_steps)}")
            if X.shape == (num_steps, batch_size):
                text += "; X is transposed: one ROW per subsequence"
            return [text + "."]
        if not np.issubdtype(X.dtype, np.integer) or not np.issubdtype(Y.dtype, np.integer):
            return [f"{where} X and Y must hold integer token ids; got {X.dtype} and {Y.dtype}."]
        if np.array_equal(Y, X):
            return [f"{where} Y equals X: the label of each token is the NEXT token, "
                    "Y = corpus[i + 1 : i + 1 + num_steps] for X = corpus[i : i + num_steps]."]
        if not np.array_equal(Y, X + 1):
            return [f"{where} Y is not X shifted by one token (X row 0 = {X[0].tolist()}, "
                    f"Y row 0 = {Y[0].tolist()})."]
        steps = X - X[:, :1]
        if not np.array_equal(steps, np.broadcast_to(np.arange(num_steps), X.shape)):
            return [f"{where} a row of X is not a run of consecutive tokens ({X[0].tolist()}): "
                    "each row is corpus[i : i + num_steps] for one start i."]
        starts.extend(int(s) - BASE for s in X[:, 0])
    residues = {s % num_steps for s in starts}
    if len(residues) > 1 or len(set(starts)) < len(starts):
        text = (f"the subsequences overlap or are not aligned: their starts {sorted(starts)} "
                f"are not offset, offset + num_steps, offset + 2 num_steps, ...")
        if len(set(starts)) < len(starts):
            text = f"a subsequence appears twice in one epoch (starts {sorted(starts)})"
        return [text + ": cut the corpus (after the offset) into disjoint pieces of "
                "num_steps tokens."]
    offset = residues.pop()
    want = expected_num_batches(length, batch_size, num_steps, offset)
    if len(pairs) != want:
        return [f"the epoch has {len(pairs)} minibatches; with offset {offset} the corpus holds "
                f"(len(corpus) - offset - 1) // num_steps = "
                f"{(length - offset - 1) // num_steps} subsequences, i.e. {want} full "
                "minibatches (the -1: the last Y needs one token after its X)."]
    return offset, starts
