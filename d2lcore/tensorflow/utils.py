"""d2l's small TensorFlow helpers: devices, load_array, evaluate_loss."""

import contextlib

import tensorflow as tf

from ..utils import Accumulator
from ..validate import check_non_negative_int, check_positive_int, is_int  # noqa: F401 - rnn.py

__all__ = ["try_gpu", "try_all_gpus", "load_array", "evaluate_loss"]


def try_gpu(i=0):
    """``tf.device('/GPU:i')`` if that GPU exists, else ``tf.device('/CPU:0')`` (d2l's)."""
    check_non_negative_int(i, "i")
    if len(tf.config.list_physical_devices("GPU")) >= i + 1:
        return tf.device(f"/GPU:{i}")
    return tf.device("/CPU:0")


def try_all_gpus():
    """A device for every GPU, or ``[tf.device('/CPU:0')]`` when there is none (d2l's)."""
    num_gpus = len(tf.config.list_physical_devices("GPU"))
    return [tf.device(f"/GPU:{i}") for i in range(num_gpus)] or [tf.device("/CPU:0")]


def device_name(device):
    """A device's name such as '/CPU:0', from a name, a ``tf.device(...)`` object or a strategy."""
    if isinstance(device, str):
        return device
    if hasattr(device, "_device_name"):  # what tf.device(...) returns in eager mode
        return device._device_name
    if isinstance(device, tf.distribute.Strategy):
        # '/job:localhost/replica:0/task:0/device:CPU:0' -> '/CPU:0', as try_gpu() names it
        spec = tf.DeviceSpec.from_string(device.extended.worker_devices[0])
        return f"/{spec.device_type}:{spec.device_index or 0}"
    raise TypeError("device must be None, a device name, tf.device(...) or a tf.distribute "
                    f"strategy, got {type(device).__name__}")


def device_scope(device):
    """A context placing new tensors on ``device`` (any form ``device_name`` accepts).

    A strategy (d2l passes ``OneDeviceStrategy`` objects around) becomes ``tf.device``
    of its first device: inside ``strategy.scope()`` Keras 3 optimizers refuse to
    apply gradients outside ``strategy.run``.
    """
    if device is None:
        return contextlib.nullcontext()
    return tf.device(device_name(device))


def load_array(data_arrays, batch_size, is_train=True):
    """A ``tf.data`` pipeline over tensors, shuffled when ``is_train`` (d2l's)."""
    check_positive_int(batch_size, "batch_size")
    dataset = tf.data.Dataset.from_tensor_slices(tuple(data_arrays))
    if is_train:
        dataset = dataset.shuffle(buffer_size=1000)
    return dataset.batch(batch_size)


def evaluate_loss(net, data_iter, loss):
    """Mean loss of ``net`` over a dataset, calling ``loss(net(X), y)`` like d2l.

    A Keras loss returns the batch mean, a hand-written one per-example values:
    the mean counts once per example, so both give the mean over all examples.
    """
    metric = Accumulator(2)  # sum of losses, number of loss terms
    for X, y in data_iter:
        l = tf.convert_to_tensor(loss(net(X), y))
        if l.shape.rank == 0:  # already averaged over the batch
            l = tf.fill([int(tf.shape(y)[0])], l)
        metric.add(float(tf.reduce_sum(l)), int(tf.size(l)))
    if metric[1] == 0:
        raise ValueError("data_iter yielded no examples")
    return metric[0] / metric[1]
