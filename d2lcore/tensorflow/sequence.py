"""d2l 8.3's minibatches as TensorFlow int32 tensors: the loaders of ``d2lcore.sequence.bind``."""

import tensorflow as tf

from .. import sequence as core


def _to_tensor(array):
    # int32 is TensorFlow's default integer type and what tf.gather / tf.one_hot index with.
    return tf.constant(array, dtype=tf.int32)


# The five loaders of the core, their batches converted by _to_tensor.
_LOADERS = core.bind(_to_tensor, __name__, "int32 TensorFlow tensors")
(seq_data_iter_random, seq_data_iter_sequential, SeqDataLoader, load_data,
 load_data_time_machine) = _LOADERS.values()
__all__ = list(_LOADERS)
