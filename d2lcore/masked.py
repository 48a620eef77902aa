"""Masked-token filling (Section 9.4): the data of a task a bidirectional RNN fits.

A window of ``window`` consecutive tokens (odd) has its middle token replaced by a
mask id; the model must name the hidden token from the context on both sides.
Everything here is framework-free numpy: the split of a corpus into a training and a
held-out part (by position, so no held-out window shares a character with a training
one), the windows and their targets, seeded shuffled minibatches, and the accuracy of
the frequency baseline (always answer the commonest training target).
"""

import numpy as np

from .validate import check_positive_int, check_seed, is_int

__all__ = ["split_corpus", "masked_windows", "masked_batches", "most_frequent_accuracy"]


def _check_corpus(corpus, name="corpus"):
    ids = np.asarray(corpus)
    if ids.ndim != 1 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise TypeError(f"{name} must be a flat sequence of int token ids, "
                        f"got an array of shape {ids.shape} and dtype {ids.dtype}")
    if ids.size and ids.min() < 0:
        raise ValueError(f"{name} must hold token ids >= 0, got {int(ids.min())}")
    return ids.astype(np.int64)


def split_corpus(corpus, test_fraction=0.1):
    """(train, test): the first part of the corpus and its last ``test_fraction``.

    Splitting by position (not by shuffling windows) keeps every held-out window out of
    the training text: the two parts share no characters.
    """
    ids = _check_corpus(corpus)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be a number strictly between 0 and 1, "
                         f"got {test_fraction!r}")
    num_test = int(round(len(ids) * test_fraction))
    if num_test < 1 or num_test >= len(ids):
        raise ValueError(f"test_fraction={test_fraction} leaves an empty part of a corpus "
                         f"of {len(ids)} tokens")
    return ids[:-num_test], ids[-num_test:]


def masked_windows(corpus, window, mask_id):
    """Every ``window``-token slice of ``corpus`` with its middle token masked.

    Returns ``X`` (num_windows, window) int64, the slices with position ``window // 2``
    set to ``mask_id``, and ``y`` (num_windows,), the tokens that were there.  Windows
    start at every position (stride 1); ``window`` must be odd and at least 3, so the
    masked token has the same number of neighbours on each side.
    """
    ids = _check_corpus(corpus)
    if not is_int(window) or window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd int >= 3 (a middle token with neighbours "
                         f"on both sides), got {window!r}")
    if not is_int(mask_id) or mask_id < 0:
        raise ValueError(f"mask_id must be an int >= 0, got {mask_id!r}")
    if ids.size and int(mask_id) <= int(ids.max()) and np.any(ids == mask_id):
        raise ValueError(f"mask_id {mask_id} occurs in the corpus: pick an id no token has "
                         "(e.g. len(vocab))")
    if len(ids) < window:
        raise ValueError(f"corpus has {len(ids)} tokens, fewer than one window of {window}")
    X = np.lib.stride_tricks.sliding_window_view(ids, window).copy()
    mid = window // 2
    y = X[:, mid].copy()
    X[:, mid] = mask_id
    return X, y


def masked_batches(X, y, batch_size, rng=None, num_examples=None):
    """Shuffled minibatches ``(X[b], y[b])`` of at most ``batch_size`` windows.

    ``rng``: a ``numpy.random.Generator`` (shared across epochs, so every epoch gets
    another order), an int seed, or None (seed 0).  ``num_examples`` keeps only that many
    windows of the shuffled order (an epoch on a sample); None takes all.  The last
    minibatch may be smaller.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (num_windows, window) and y (num_windows,), got "
                         f"{X.shape} and {y.shape}")
    batch_size = check_positive_int(batch_size, "batch_size")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(check_seed(0 if rng is None else rng))
    order = rng.permutation(len(X))
    if num_examples is not None:
        order = order[:check_positive_int(num_examples, "num_examples")]
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def most_frequent_accuracy(train_targets, test_targets):
    """(token, accuracy): the commonest training target and how often it is right on test."""
    train = _check_corpus(train_targets, "train_targets")
    test = _check_corpus(test_targets, "test_targets")
    if train.size == 0 or test.size == 0:
        raise ValueError("train_targets and test_targets must be non-empty")
    token = int(np.bincount(train).argmax())
    return token, float(np.mean(test == token))
