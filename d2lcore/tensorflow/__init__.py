"""``from d2lcore import tensorflow as d2l``: the core plus TensorFlow models and training (ch. 8).

Where d2l-zh's TensorFlow code cannot run on Keras 3 (RNN layers built with
``time_major=True``, ``cell.get_initial_state(batch_size=..., dtype=...)``) the
replacements' docstrings say so.
"""

import os

# TensorFlow reads these when it is first imported: set them before that so
# importing the workbook prints nothing (oneDNN / CPU-feature lines, absl logs).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")

from .. import *  # noqa: E402,F403 - the framework-free core
from .. import ALIAS_NAMES  # noqa: E402
from .. import __all__ as _core_all  # noqa: E402
from . import autoregress, bptt, checks, rnn, sequence, train, utils  # noqa: E402

# Read each module's names now: below, `rnn` becomes the function d2l.rnn.
_MODULES_ALL = [name for module in (utils, sequence, rnn, train, bptt, autoregress, checks)
                for name in module.__all__]

from .autoregress import *  # noqa: E402,F403 - the 8.1 autoregressors
from .bptt import *  # noqa: E402,F403 - the explicit BPTT of 8.7
from .checks import *  # noqa: E402,F403 - exercise checkers: d2l.check_rnn(...)
from .rnn import *  # noqa: E402,F403 - the models of 8.5 and 8.6
from .sequence import *  # noqa: E402,F403 - data iterators yielding this framework's tensors
from .train import *  # noqa: E402,F403 - sgd, grad_clipping, train_ch8, predict_ch8, ...
from .utils import *  # noqa: E402,F403 - try_gpu, load_array, ...

FRAMEWORK = "tensorflow"

# d2l's framework-neutral aliases, for book code that calls e.g. d2l.size or d2l.reshape.
ones, zeros, tensor, arange = tf.ones, tf.zeros, tf.constant, tf.range
sin, cos, tanh, exp, log = tf.sin, tf.cos, tf.tanh, tf.exp, tf.math.log
normal, rand, randn, matmul = tf.random.normal, tf.random.uniform, tf.random.normal, tf.matmul
int32, float32, concat, stack = tf.int32, tf.float32, tf.concat, tf.stack
reshape, reduce_sum, argmax, astype = tf.reshape, tf.reduce_sum, tf.argmax, tf.cast


def numpy(x, *args, **kwargs):
    return x.numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    return tf.size(x, *args, **kwargs).numpy()


def to(x, *args, **kwargs):
    """Tensors are placed by device scopes in TensorFlow: d2l's ``to`` leaves x as it is."""
    return x


__all__ = [*_core_all, "FRAMEWORK", "tf", *_MODULES_ALL, *ALIAS_NAMES]

from . import modern  # noqa: E402 - chapter 9 from scratch: get_gru_params, gru, lstm, ...
from .modern import *  # noqa: E402,F403

__all__ += modern.__all__
