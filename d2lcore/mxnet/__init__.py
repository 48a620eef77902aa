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
from .sequence import SeqDataLoader, load_data, load_data_time_machine  # noqa: E402
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


# Short tensor helpers that d2l's chapter-8 MXNet code calls as d2l.<name>.
tensor = np.array
zeros = np.zeros
ones = np.ones
arange = np.arange
normal = np.random.normal
matmul = np.dot
concat = np.concatenate
stack = np.stack
exp = np.exp
tanh = np.tanh
float32 = np.float32
int32 = np.int32


def size(a):
    return a.size


def reshape(a, *args, **kwargs):
    return a.reshape(*args, **kwargs)


def numpy(a):
    return a.asnumpy()


def argmax(a, *args, **kwargs):
    return a.argmax(*args, **kwargs)


def astype(a, *args, **kwargs):
    return a.astype(*args, **kwargs)


def reduce_sum(a, *args, **kwargs):
    return a.sum(*args, **kwargs)


__all__ = list(_core_all) + [
    "FRAMEWORK", "mx", "np", "npx", "autograd", "gluon", "init", "nn", "gluon_rnn",
    "try_gpu", "try_all_gpus", "load_array", "evaluate_loss", "sgd",
    "SeqDataLoader", "load_data", "load_data_time_machine",
    "get_params", "init_rnn_state", "rnn", "rnn_relu", "RNNModelScratch", "RNNModel",
    "make_rnn_layer", "RNN_KINDS",
    "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8",
    "bptt_grads", "autograd_grads", "hidden_grad_norms",
    "get_net", "train_autoregressor", "predict_multistep", "predict_k_step", "RNNAutoregressor",
    "tensor", "zeros", "ones", "arange", "normal", "matmul", "concat", "stack", "exp", "tanh",
    "float32", "int32", "size", "reshape", "numpy", "argmax", "astype", "reduce_sum",
] + list(_checks_all)
