"""d2lcore.masked: the framework-free data of the masked-character task (Section 9.4)."""

import numpy as np
import pytest

from d2lcore import masked


def test_split_corpus_by_position():
    train, test = masked.split_corpus(list(range(100)), 0.1)
    assert train.tolist() == list(range(90)) and test.tolist() == list(range(90, 100))
    train, test = masked.split_corpus(np.arange(7), 0.3)  # round(2.1) = 2 held out
    assert len(train) == 5 and len(test) == 2


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, "0.1", True, None])
def test_split_corpus_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        masked.split_corpus(list(range(100)), fraction)


def test_split_corpus_empty_part():
    with pytest.raises(ValueError, match="empty part"):
        masked.split_corpus([1, 2, 3], 0.01)


@pytest.mark.parametrize("corpus", [[[1, 2], [3, 4]], [0.5, 1.5], "abc"])
def test_bad_corpus_type(corpus):
    with pytest.raises(TypeError, match="corpus"):
        masked.split_corpus(corpus, 0.5)


def test_negative_ids():
    with pytest.raises(ValueError, match="corpus must hold token ids >= 0"):
        masked.masked_windows([1, -2, 3, 4], 3, 9)


def test_masked_windows_content():
    corpus = [5, 6, 7, 8, 9, 1]
    X, y = masked.masked_windows(corpus, 3, 0)
    assert X.shape == (4, 3) and y.shape == (4,)
    assert X.dtype == np.int64 and y.dtype == np.int64
    assert X.tolist() == [[5, 0, 7], [6, 0, 8], [7, 0, 9], [8, 0, 1]]
    assert y.tolist() == [6, 7, 8, 9]
    X, y = masked.masked_windows(corpus, 5, 10)
    assert X.tolist() == [[5, 6, 10, 8, 9], [6, 7, 10, 9, 1]] and y.tolist() == [7, 8]


def test_masked_windows_do_not_change_the_corpus():
    corpus = np.array([1, 2, 3, 4])
    masked.masked_windows(corpus, 3, 0)
    assert corpus.tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize("window", [1, 2, 4, 0, -3, 3.0, "3", True])
def test_masked_windows_bad_window(window):
    with pytest.raises(ValueError, match="window must be an odd int >= 3"):
        masked.masked_windows(list(range(1, 20)), window, 0)


@pytest.mark.parametrize("mask_id", [-1, 1.5, None])
def test_masked_windows_bad_mask_id(mask_id):
    with pytest.raises(ValueError, match="mask_id must be an int >= 0"):
        masked.masked_windows(list(range(1, 20)), 3, mask_id)


def test_masked_windows_mask_in_corpus():
    with pytest.raises(ValueError, match="mask_id 2 occurs in the corpus"):
        masked.masked_windows([1, 2, 3, 4], 3, 2)


def test_masked_windows_short_corpus():
    with pytest.raises(ValueError, match="fewer than one window"):
        masked.masked_windows([1, 2], 3, 0)


def test_batches_cover_every_window_once_and_are_seeded():
    X, y = masked.masked_windows(np.arange(1, 40), 3, 0)
    batches = list(masked.masked_batches(X, y, 8, rng=3))
    assert [len(b) for b, _ in batches] == [8, 8, 8, 8, 5]
    rows = np.concatenate([b for b, _ in batches])
    targets = np.concatenate([t for _, t in batches])
    assert sorted(targets.tolist()) == sorted(y.tolist())
    assert np.array_equal(rows[:, 1], np.zeros(len(rows)))
    assert np.array_equal(rows[:, 0] + 1, targets)  # rows stay paired with their targets
    again = np.concatenate([t for _, t in masked.masked_batches(X, y, 8, rng=3)])
    assert np.array_equal(targets, again)
    assert not np.array_equal(targets, np.sort(targets))  # shuffled


def test_batches_shared_generator_changes_order_and_sample_size():
    X, y = masked.masked_windows(np.arange(1, 200), 3, 0)
    rng = np.random.default_rng(0)
    first = np.concatenate([t for _, t in masked.masked_batches(X, y, 16, rng, 50)])
    second = np.concatenate([t for _, t in masked.masked_batches(X, y, 16, rng, 50)])
    assert len(first) == len(second) == 50
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2.0}, TypeError, "batch_size"),
    ({"batch_size": 2, "num_examples": 0}, ValueError, "num_examples"),
    ({"batch_size": 2, "rng": -1}, ValueError, "seed"),
])
def test_batches_bad_arguments(kwargs, error, match):
    X, y = masked.masked_windows(np.arange(1, 20), 3, 0)
    with pytest.raises(error, match=match):
        list(masked.masked_batches(X, y, **kwargs))


def test_batches_bad_shapes():
    with pytest.raises(ValueError, match="X must be"):
        list(masked.masked_batches(np.zeros((4, 3)), np.zeros(5), 2))


def test_most_frequent_accuracy():
    token, acc = masked.most_frequent_accuracy([1, 2, 2, 3, 2], [2, 1, 2, 3])
    assert token == 2 and acc == 0.5
    with pytest.raises(ValueError, match="non-empty"):
        masked.most_frequent_accuracy([], [1])
