"""Language-model minibatches (d2l 8.3) as TensorFlow int32 tensors.

The batching itself is the core's (``d2lcore.sequence``), so a seeded loader
yields the same tokens in every framework; this module only converts them.
"""

import tensorflow as tf

from d2lcore import sequence as core

__all__ = ["SeqDataLoader", "load_data", "load_data_time_machine", "seq_data_iter_random",
           "seq_data_iter_sequential"]


def _to_tensor(array):
    # int32 is TensorFlow's default integer type and what tf.gather / tf.one_hot index with.
    return tf.constant(array, dtype=tf.int32)


class SeqDataLoader(core.SeqDataLoader):
    """The core loader with TensorFlow batches ``(X, Y)``, each ``(batch_size, num_steps)``."""

    to_tensor = staticmethod(_to_tensor)


def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    """d2l's random sampling, yielding TensorFlow tensors."""
    for X, Y in core.seq_data_iter_random(corpus, batch_size, num_steps, rng):
        yield _to_tensor(X), _to_tensor(Y)


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng=None):
    """d2l's sequential partitioning, yielding TensorFlow tensors."""
    for X, Y in core.seq_data_iter_sequential(corpus, batch_size, num_steps, rng):
        yield _to_tensor(X), _to_tensor(Y)


def load_data(lines, batch_size, num_steps, token="char", use_random_iter=False,
              max_tokens=-1, *, rng=None):
    """Iterator (TensorFlow batches) and vocabulary for any list of text lines."""
    return core.load_data(lines, batch_size, num_steps, token, use_random_iter, max_tokens,
                          rng=rng, loader_cls=SeqDataLoader)


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                           *, rng=None):
    """The Time Machine iterator (TensorFlow batches) and its vocabulary (d2l 8.3)."""
    loader = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens, rng=rng)
    return loader, loader.vocab
