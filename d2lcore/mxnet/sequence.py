"""Language-model minibatches (d2l 8.3) as MXNet ``np`` integer arrays.

The sampling itself is the core's (``d2lcore.sequence``), so a loader built
with the same ``rng`` seed yields the same token ids in every framework.
"""

from mxnet import np

from .. import sequence as _core

__all__ = ["SeqDataLoader", "load_data", "load_data_time_machine"]


class SeqDataLoader(_core.SeqDataLoader):
    """The core loader whose batches ``(X, Y)`` are int64 ``mxnet.np`` arrays."""

    to_tensor = staticmethod(lambda array: np.array(array, dtype=array.dtype))


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                           *, rng=None):
    """The Time Machine iterator and vocabulary of d2l 8.3, with MXNet batches."""
    loader = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens, rng=rng)
    return loader, loader.vocab


def load_data(lines, batch_size, num_steps, token="char", use_random_iter=False,
              max_tokens=-1, *, rng=None):
    """Iterator and vocabulary for any list of text lines, with MXNet batches."""
    return _core.load_data(lines, batch_size, num_steps, token, use_random_iter, max_tokens,
                           rng=rng, loader_cls=SeqDataLoader)
