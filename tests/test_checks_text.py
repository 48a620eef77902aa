"""The text checkers of 8.2-8.3 accept right answers and name plausible mistakes.

Each checker is run through every framework's ``d2lcore.<fw>.checks``; the random
partition yields that framework's tensors.
"""

import collections
import importlib
import random
import types

import numpy as np
import pytest

FRAMEWORKS = ("torch", "mxnet", "tensorflow")


def _to_tensor(fw):
    if fw == "torch":
        import torch

        return lambda a: torch.from_numpy(np.ascontiguousarray(a))
    if fw == "mxnet":
        from mxnet import np as mnp

        return lambda a: mnp.array(a, dtype=a.dtype)
    import tensorflow as tf

    return lambda a: tf.constant(a)


@pytest.fixture(scope="module", params=FRAMEWORKS)
def fw(request):
    checks = importlib.import_module(f"d2lcore.{request.param}.checks")
    return types.SimpleNamespace(name=request.param, checks=checks,
                                 tensor=_to_tensor(request.param))


def verdict(result, capsys):
    assert result.message in capsys.readouterr().out
    return result


def failed_with(result, words):
    assert not result.passed and result.status == "failed", result.message
    assert "NOT PASSED" in result.message and words in result.message, result.message


def test_todo_crash_and_not_a_function(fw, capsys):
    def placeholder(*args):
        raise NotImplementedError("fill in the marked region")

    def crash(*args):
        return {}["missing"]

    for check in (fw.checks.check_count_ngrams, fw.checks.check_zipf_exponent,
                  fw.checks.check_seq_data_iter_random):
        todo = verdict(check(placeholder), capsys)
        assert todo.status == "todo" and "STILL TO DO" in todo.message
        failed_with(verdict(check(crash), capsys), "crash raised KeyError")
        failed_with(verdict(check(3), capsys), "function itself")


# --------------------------------------------------------------------------- n-grams


def make_ngrams(mistake=None):
    def count_ngrams(tokens, n):
        stop = len(tokens) - n if mistake == "stops_early" else len(tokens) - n + 1
        step = n if mistake == "disjoint" else 1
        grams = [tuple(tokens[i:i + n]) for i in range(0, stop, step)]
        if mistake == "reversed":
            grams = [g[::-1] for g in grams]
        if mistake == "joined":
            grams = [" ".join(g) for g in grams]
        counts = collections.Counter(grams)
        if mistake == "frequencies":
            return {g: c / len(grams) for g, c in counts.items()}
        return counts
    return count_ngrams


def test_ngrams_accepts_correct_and_plain_dict(fw, capsys):
    assert verdict(fw.checks.check_count_ngrams(make_ngrams()), capsys).passed

    def as_dict(tokens, n):
        counts = {}
        for i in range(len(tokens) - n + 1):
            key = tuple(tokens[i:i + n])
            counts[key] = counts.get(key, 0) + 1
        return counts
    assert verdict(fw.checks.check_count_ngrams(as_dict), capsys).passed

    def numpy_counts(tokens, n):
        grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return {g: np.int64(c) for g, c in collections.Counter(grams).items()}
    assert verdict(fw.checks.check_count_ngrams(numpy_counts), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("stops_early", "the last n-gram is missing"),
    ("disjoint", "do not overlap"),
    ("reversed", "reversed"),
    ("joined", "not a joined string"),
    ("frequencies", "relative frequencies"),
])
def test_ngrams_rejects_mistakes(fw, mistake, words, capsys):
    failed_with(verdict(fw.checks.check_count_ngrams(make_ngrams(mistake)), capsys), words)


# --------------------------------------------------------------------------- Zipf


def make_zipf(mistake=None):
    def zipf_exponent(freqs, first=1, last=None):
        f = np.array(freqs, dtype=float)
        if mistake != "unsorted":
            f = np.sort(f)[::-1]
        ranks = np.arange(1, len(f) + 1, dtype=float)
        if mistake == "rank_from_zero":
            ranks = ranks - 1
        lo = first if mistake == "shifted" else first - 1
        stop = len(f) if last is None else last
        r, f = ranks[lo:stop], f[lo:stop]
        if mistake == "shifted":
            r = r - 1
        with np.errstate(divide="ignore"):
            x, y = (np.log(r), np.log(f)) if mistake != "no_log" else (r, f)
        if mistake == "swapped":
            return float(-1 / np.polyfit(y, x, 1)[0])
        slope = np.polyfit(x, y, 1)[0]
        return float(slope if mistake == "sign" else -slope)
    return zipf_exponent


def test_zipf_accepts_correct(fw, capsys):
    assert verdict(fw.checks.check_zipf_exponent(make_zipf()), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("unsorted", "not sorted"),
    ("sign", "sign is flipped"),
    ("swapped", "wrong way"),
    ("no_log", "take logarithms"),
    ("shifted", "shifted by one"),
    ("rank_from_zero", "logarithm of zero"),
])
def test_zipf_rejects_mistakes(fw, mistake, words, capsys):
    # log(0) = -inf in the rank-from-zero mistake: numpy may warn, that is the point.
    with np.errstate(all="ignore"):
        result = fw.checks.check_zipf_exponent(make_zipf(mistake))
    failed_with(verdict(result, capsys), words)


# --------------------------------------------------------------------------- partition


def make_partition(fw, mistake=None):
    def seq_data_iter_random(corpus, batch_size, num_steps, rng):
        r = random if mistake == "global_random" else rng
        offset = 0 if mistake == "no_offset" else r.randint(0, num_steps - 1)
        corpus = np.array(corpus[offset:], dtype=np.int64)
        stride = 1 if mistake == "overlapping" else num_steps
        usable = len(corpus) if mistake == "no_minus_one" else len(corpus) - 1
        num_subseqs = (usable - num_steps) // stride + 1 if mistake == "overlapping" \
            else usable // num_steps
        starts = list(range(0, num_subseqs * stride, stride))
        if mistake != "not_shuffled":
            r.shuffle(starts)
        for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
            idx = np.array(starts[i:i + batch_size])[:, None] + np.arange(num_steps)
            X = corpus[idx]
            Y = X if mistake == "y_not_shifted" else corpus[np.minimum(idx + 1, len(corpus) - 1)]
            if mistake == "transposed":
                X, Y = X.T, Y.T
            yield fw.tensor(X), fw.tensor(Y)
    return seq_data_iter_random


def test_partition_accepts_correct_and_library(fw, capsys):
    assert verdict(fw.checks.check_seq_data_iter_random(make_partition(fw)), capsys).passed
    from d2lcore import sequence

    def library(corpus, batch_size, num_steps, rng):
        for X, Y in sequence.seq_data_iter_random(corpus, batch_size, num_steps, rng):
            yield fw.tensor(X), fw.tensor(Y)
    assert verdict(fw.checks.check_seq_data_iter_random(library), capsys).passed


@pytest.mark.parametrize("mistake, words", [
    ("no_offset", "always starts at the first token"),
    ("global_random", "same seed differ"),
    ("overlapping", "overlap"),
    ("not_shuffled", "corpus order"),
    ("y_not_shifted", "Y equals X"),
    ("no_minus_one", "Y is not X shifted"),
    ("transposed", "transposed"),
])
def test_partition_rejects_mistakes(fw, mistake, words, capsys):
    result = fw.checks.check_seq_data_iter_random(make_partition(fw, mistake))
    failed_with(verdict(result, capsys), words)


def test_partition_rejects_a_list_and_a_short_epoch(fw, capsys):
    def returns_list(corpus, batch_size, num_steps, rng):
        return 42

    failed_with(verdict(fw.checks.check_seq_data_iter_random(returns_list), capsys),
                "a generator")

    def one_batch_short(corpus, batch_size, num_steps, rng):
        pairs = list(make_partition(fw)(corpus, batch_size, num_steps, rng))
        yield from pairs[:-1]
    failed_with(verdict(fw.checks.check_seq_data_iter_random(one_batch_short), capsys),
                "full minibatches")
