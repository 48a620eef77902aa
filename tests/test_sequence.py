"""The two minibatch iterators of d2l 8.3 on the toy sequence 0..34."""

import random

import numpy as np
import pytest

import d2lcore

TOY = list(range(35))


@pytest.mark.parametrize("iterator", [d2lcore.seq_data_iter_random,
                                      d2lcore.seq_data_iter_sequential])
def test_shapes_dtype_and_shift(iterator):
    batches = list(iterator(TOY, 2, 5, rng=0))
    assert batches
    for X, Y in batches:
        assert X.shape == Y.shape == (2, 5)
        assert np.issubdtype(X.dtype, np.integer)
        np.testing.assert_array_equal(Y, X + 1)


def test_sequential_rows_continue_across_minibatches():
    for seed in range(20):
        batches = list(d2lcore.seq_data_iter_sequential(TOY, 2, 5, rng=seed))
        for (X0, _), (X1, _) in zip(batches, batches[1:]):
            np.testing.assert_array_equal(X1[:, 0], X0[:, -1] + 1)


def test_random_never_repeats_a_subsequence_within_an_epoch():
    for seed in range(20):
        starts = [int(x[0]) for X, _ in d2lcore.seq_data_iter_random(TOY, 2, 5, rng=seed)
                  for x in X]
        assert len(starts) == len(set(starts))
        # Subsequences do not overlap either: starts differ by multiples of num_steps.
        assert len({s % 5 for s in starts}) == 1


def test_seeds_reproduce_and_differ():
    def run(seed):
        return [X.tolist() for X, _ in d2lcore.seq_data_iter_random(TOY, 2, 5, rng=seed)]

    assert run(3) == run(3)
    assert any(run(3) != run(s) for s in range(4, 10))
    rng = random.Random(7)
    a = [X.tolist() for X, _ in d2lcore.seq_data_iter_random(TOY, 2, 5, rng=rng)]
    assert a == [X.tolist() for X, _ in d2lcore.seq_data_iter_random(TOY, 2, 5,
                                                                       rng=random.Random(7))]


def test_global_random_is_used_without_rng():
    random.seed(11)
    a = [X.tolist() for X, _ in d2lcore.seq_data_iter_sequential(TOY, 2, 5)]
    random.seed(11)
    b = [X.tolist() for X, _ in d2lcore.seq_data_iter_sequential(TOY, 2, 5)]
    assert a == b


@pytest.mark.parametrize("iterator", [d2lcore.seq_data_iter_random,
                                      d2lcore.seq_data_iter_sequential])
def test_too_short_corpus_names_the_numbers(iterator):
    with pytest.raises(ValueError) as err:
        list(iterator(list(range(20)), 4, 5))
    message = str(err.value)
    assert "20 tokens" in message and "batch_size=4" in message and "num_steps=5" in message


@pytest.mark.parametrize("kwargs", [dict(batch_size=0, num_steps=5),
                                    dict(batch_size=2, num_steps=-1),
                                    dict(batch_size=2.0, num_steps=5)])
def test_non_positive_sizes_rejected(kwargs):
    with pytest.raises(ValueError, match="must be a positive int"):
        list(d2lcore.seq_data_iter_random(TOY, **kwargs))


def test_bad_rng_rejected():
    with pytest.raises(TypeError, match="rng"):
        list(d2lcore.seq_data_iter_random(TOY, 2, 5, rng="seed"))


def test_load_data_time_machine_epochs():
    train_iter, vocab = d2lcore.load_data_time_machine(32, 35, rng=0)
    assert len(vocab) == 28
    epoch = list(train_iter)
    assert all(X.shape == (32, 35) for X, _ in epoch)
    assert len(epoch) in (len(train_iter), len(train_iter) + 1)
    # 10,000 tokens / (32 * 35) -> 8 minibatches per epoch.
    assert len(epoch) == 8
    # A seeded loader replays the same sequence of epochs.
    a, _ = d2lcore.load_data_time_machine(32, 35, use_random_iter=True, rng=5)
    b, _ = d2lcore.load_data_time_machine(32, 35, use_random_iter=True, rng=5)
    for _ in range(2):
        assert [X.tolist() for X, _ in a] == [X.tolist() for X, _ in b]


def test_general_loader_on_war_of_the_worlds_words():
    loader, vocab = d2lcore.load_data(d2lcore.read_war_of_the_worlds(), 4, 10, token="word",
                                      rng=0)
    X, Y = next(iter(loader))
    assert X.shape == (4, 10) and len(vocab) > 1000


def test_loader_needs_vocab_with_corpus():
    with pytest.raises(ValueError, match="vocab"):
        d2lcore.SeqDataLoader(2, 5, corpus=TOY)


def test_default_loader_uses_global_random_over_epochs():
    random.seed(0)
    train_iter, _ = d2lcore.load_data_time_machine(32, 35)
    first = [X.tolist() for X, _ in train_iter]
    second = [X.tolist() for X, _ in train_iter]
    assert len(first) == len(second) == 8
