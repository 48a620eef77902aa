"""Devices and the small data/loss helpers d2l's chapter-8 code calls (PyTorch)."""

import torch
from torch.utils import data

from ..utils import Accumulator
from ..validate import check_non_negative_int, check_positive_int  # noqa: F401 - rnn.py uses them

__all__ = ["try_gpu", "try_all_gpus", "load_array", "evaluate_loss"]


def try_gpu(i=0):
    """GPU ``i`` when the machine has one, else the CPU (d2l's ``try_gpu``)."""
    check_non_negative_int(i, "i")
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


def try_all_gpus():
    """Every GPU, or ``[cpu]`` when there is none."""
    devices = [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    return devices if devices else [torch.device("cpu")]


def load_array(data_arrays, batch_size, is_train=True):
    """A DataLoader over tensors (or numpy arrays) of equal length; shuffled when training."""
    check_positive_int(batch_size, "batch_size")
    tensors = [torch.as_tensor(a) for a in data_arrays]
    return data.DataLoader(data.TensorDataset(*tensors), batch_size, shuffle=is_train)


def evaluate_loss(net, data_iter, loss):
    """Mean of an unreduced ``loss(net(X), y)`` over every example of ``data_iter``."""
    metric = Accumulator(2)  # sum of losses, number of loss terms
    with torch.no_grad():
        for X, y in data_iter:
            out = net(X)
            l = loss(out, y.reshape(out.shape))
            metric.add(float(l.sum()), l.numel())
    return metric[0] / metric[1]

