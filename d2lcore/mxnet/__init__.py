"""The MXNet/Gluon flavour of the workbook: ``from d2lcore import mxnet as d2l``.

It offers the framework-free core plus MXNet data loaders, models, training,
an explicit BPTT and the 8.1 autoregressors, under d2l-zh's names.  Like d2l-zh
it switches MXNet to NumPy semantics (``npx.set_np()``) on import.
"""

import os
import warnings

# Keep framework start-up chatter out of notebook outputs (nbval compares them).
os.environ.setdefault("MXNET_SUBGRAPH_VERBOSE", "0")
os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
with warnings.catch_warnings():
    # mxnet 1.9 touches deprecated numpy aliases while importing.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", FutureWarning)
    import mxnet as mx
    from mxnet import autograd, gluon, init, np, npx
    from mxnet.gluon import nn
    from mxnet.gluon import rnn as gluon_rnn

npx.set_np()

from .. import *  # noqa: E402,F401,F403 - the core, re-exported
from .. import __all__ as _core_all  # noqa: E402
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
from .fast import hybridize_forward  # noqa: E402
from .rnn import (  # noqa: E402
    RNN_KINDS,
    RNNModel,
    RNNModelScratch,
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

FRAMEWORK = "mxnet"


# d2l's framework-neutral aliases, for book code that calls e.g. d2l.size or d2l.reshape.
ones, zeros, tensor, arange = np.ones, np.zeros, np.array, np.arange
sin, cos, tanh, exp, log = np.sin, np.cos, np.tanh, np.exp, np.log
normal, matmul = np.random.normal, np.dot
int32, float32, concat, stack = np.int32, np.float32, np.concatenate, np.stack


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def rand(*size, **kwargs):
    """Uniform samples in [0, 1): ``rand(2, 3)`` or ``rand((2, 3))`` as in PyTorch."""
    return np.random.uniform(size=_shape(size), **kwargs)


def randn(*size, **kwargs):
    """Standard normal samples: ``randn(2, 3)`` or ``randn((2, 3))`` as in PyTorch."""
    return np.random.normal(size=_shape(size), **kwargs)


def numpy(x, *args, **kwargs):
    return x.asnumpy(*args, **kwargs)


def size(x):
    return x.size


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, ctx):
    return x.as_in_ctx(ctx)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.astype(*args, **kwargs)


__all__ = list(_core_all) + [
    # not np: `from d2lcore.mxnet import *` must leave the reader's numpy alone
    "FRAMEWORK", "mx", "npx", "autograd", "gluon", "init", "nn", "gluon_rnn",
    "try_gpu", "try_all_gpus", "load_array", "evaluate_loss", "sgd",
    "SeqDataLoader", "load_data", "load_data_time_machine", "seq_data_iter_random",
    "seq_data_iter_sequential",
    "get_params", "init_rnn_state", "rnn", "rnn_relu", "RNNModelScratch", "RNNModel",
    "make_rnn_layer", "RNN_KINDS", "hybridize_forward",
    "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8",
    "bptt_grads", "autograd_grads", "hidden_grad_norms",
    "get_net", "train_autoregressor", "predict_multistep", "predict_k_step", "RNNAutoregressor",
    # d2l's aliases
    "ones", "zeros", "tensor", "arange", "sin", "cos", "tanh", "exp", "log", "normal", "rand",
    "randn", "matmul", "int32", "float32", "concat", "stack", "numpy", "size", "reshape", "to",
    "reduce_sum", "argmax", "astype",
] + list(_checks_all)
