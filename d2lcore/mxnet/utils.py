"""Devices and data helpers d2l's chapter-8 MXNet code calls (try_gpu, load_array, ...)."""

from mxnet import gluon, npx

__all__ = ["try_gpu", "try_all_gpus", "load_array", "evaluate_loss"]


def try_gpu(i=0):
    """GPU ``i`` when it exists, else the CPU (d2l)."""
    return npx.gpu(i) if npx.num_gpus() >= i + 1 else npx.cpu()


def try_all_gpus():
    """Every GPU, or ``[cpu()]`` when there is none (d2l)."""
    devices = [npx.gpu(i) for i in range(npx.num_gpus())]
    return devices if devices else [npx.cpu()]


def load_array(data_arrays, batch_size, is_train=True):
    """A Gluon DataLoader over in-memory arrays, shuffled for training (d2l)."""
    dataset = gluon.data.ArrayDataset(*data_arrays)
    return gluon.data.DataLoader(dataset, batch_size, shuffle=is_train)


def evaluate_loss(net, data_iter, loss):
    """Mean of ``loss(net(X), y)`` over a dataset (d2l)."""
    total, count = 0.0, 0
    for X, y in data_iter:
        l = loss(net(X), y)
        total += float(l.sum())
        count += l.size
    return total / count
