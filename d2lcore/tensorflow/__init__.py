"""The TensorFlow (Keras 3) package of the workbook: ``from d2lcore import tensorflow as d2l``.

It re-exports the framework-free core and adds TensorFlow tensors, models and
training code with the names of d2l-zh v2's ``d2l.tensorflow`` module.  Where
d2l-zh's own TensorFlow code cannot run on Keras 3 (RNN layers built with
``time_major=True``, ``cell.get_initial_state(batch_size=..., dtype=...)``) the
docstrings of the replacements say so.
"""

import os

# TensorFlow reads these when it is first imported: set them before that so
# importing the workbook prints nothing (oneDNN / CPU-feature lines, absl logs).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")

from d2lcore import *  # noqa: E402,F401,F403
from d2lcore import __all__ as _core_all  # noqa: E402

from .autoregress import (  # noqa: E402
    RNNAutoregressor,
    get_net,
    predict_k_step,
    predict_multistep,
    train_autoregressor,
)
from .bptt import autograd_grads, bptt_grads, hidden_grad_norms  # noqa: E402
from .checks import *  # noqa: E402,F403 - exercise checkers: d2l.check_rnn(...)
from .checks import __all__ as _checks_all  # noqa: E402
from .rnn import (  # noqa: E402
    KINDS,
    RNN_KINDS,
    RNNModel,
    RNNModelScratch,
    StackedRNN,
    get_params,
    init_rnn_state,
    make_rnn_layer,
    rnn,
    rnn_relu,
)
from .sequence import (  # noqa: E402
    SeqDataLoader,
    load_data,
    load_data_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
)
from .train import (  # noqa: E402
    grad_clipping,
    grad_norm,
    predict_ch8,
    sgd,
    train_ch8,
    train_epoch_ch8,
)
from .utils import evaluate_loss, load_array, try_all_gpus, try_gpu  # noqa: E402

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


__all__ = list(_core_all)
__all__ += [
    "FRAMEWORK", "tf", "RNNAutoregressor", "get_net", "predict_k_step", "predict_multistep",
    "train_autoregressor", "autograd_grads", "bptt_grads", "hidden_grad_norms", "KINDS",
    "RNN_KINDS", "RNNModel", "RNNModelScratch", "StackedRNN", "get_params", "init_rnn_state",
    "make_rnn_layer", "rnn", "rnn_relu", "SeqDataLoader", "load_data", "load_data_time_machine",
    "seq_data_iter_random", "seq_data_iter_sequential", "grad_norm", "grad_clipping",
    "predict_ch8", "train_ch8", "train_epoch_ch8", "evaluate_loss", "load_array", "sgd",
    "try_all_gpus", "try_gpu",
    # d2l's aliases
    "ones", "zeros", "tensor", "arange", "sin", "cos", "tanh", "exp", "log", "normal", "rand",
    "randn", "matmul", "int32", "float32", "concat", "stack", "numpy", "size", "reshape", "to",
    "reduce_sum", "argmax", "astype",
]
__all__ += _checks_all
