"""d2l 8.3's minibatches as MXNet ``np`` int64 arrays: the loaders of ``d2lcore.sequence.bind``."""

from mxnet import np

from .. import sequence as core


def _to_tensor(array):
    # The core's int64 ids, copied into an mxnet.np array of the same dtype.
    return np.array(array, dtype=array.dtype)


# The five loaders of the core, their batches converted by _to_tensor.
_LOADERS = core.bind(_to_tensor, __name__, "int64 ``mxnet.np`` arrays")
(seq_data_iter_random, seq_data_iter_sequential, SeqDataLoader, load_data,
 load_data_time_machine) = _LOADERS.values()
__all__ = list(_LOADERS)
