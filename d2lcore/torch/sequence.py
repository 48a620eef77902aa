"""d2l 8.3's minibatches as PyTorch int64 tensors: the loaders of ``d2lcore.sequence.bind``."""

import numpy as np
import torch

from .. import sequence as core


def _to_tensor(array):
    # Copy into a contiguous int64 tensor: the core yields strided views of one array.
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))


# The five loaders of the core, their batches converted by _to_tensor.
_LOADERS = core.bind(_to_tensor, __name__, "int64 tensors")
(seq_data_iter_random, seq_data_iter_sequential, SeqDataLoader, load_data,
 load_data_time_machine) = _LOADERS.values()
__all__ = list(_LOADERS)
