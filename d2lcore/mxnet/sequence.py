"""Language-model minibatches (d2l 8.3) as MXNet ``np`` integer arrays.

The sampling itself lives in the core (numpy), so a seeded ``rng`` gives the
same batches in every framework; this module only converts them.
"""

from mxnet import np

from .. import sequence as core

__all__ = [
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "SeqDataLoader",
    "load_data",
    "load_data_time_machine",
]


def _to_tensor(array):
    # The core's int64 ids, copied into an mxnet.np array of the same dtype.
    return np.array(array, dtype=array.dtype)


def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    """d2l's random sampling (the core's), yielding ``mxnet.np`` arrays."""
    for X, Y in core.seq_data_iter_random(corpus, batch_size, num_steps, rng):
        yield _to_tensor(X), _to_tensor(Y)


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng=None):
    """d2l's sequential partitioning (the core's), yielding ``mxnet.np`` arrays."""
    for X, Y in core.seq_data_iter_sequential(corpus, batch_size, num_steps, rng):
        yield _to_tensor(X), _to_tensor(Y)


class SeqDataLoader(core.SeqDataLoader):
    """The core loader, yielding ``(X, Y)``: int64 arrays (batch_size, num_steps)."""

    to_tensor = staticmethod(_to_tensor)


def load_data(lines, batch_size, num_steps, token="char", use_random_iter=False,
              max_tokens=-1, *, rng=None):
    """Iterator (of ``mxnet.np`` arrays) and vocabulary for any list of text lines."""
    return core.load_data(lines, batch_size, num_steps, token, use_random_iter, max_tokens,
                          rng=rng, loader_cls=SeqDataLoader)


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                           *, rng=None):
    """The Time Machine iterator and vocabulary of d2l 8.3, batches as ``mxnet.np`` arrays."""
    loader = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens, rng=rng)
    return loader, loader.vocab
