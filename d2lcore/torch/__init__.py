"""``from d2lcore import torch as d2l``: the core plus PyTorch models and training (d2l ch. 8).

Chapter-8 code of d2l-zh v2 (PyTorch) runs with only its import line changed.
"""

import os

# Quiet framework start-up messages before anything imports a framework (stable notebook output).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import torch  # noqa: E402

from .. import *  # noqa: E402,F403 - the framework-free core
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

FRAMEWORK = "pytorch"

# d2l's framework-neutral aliases, for book code that calls e.g. d2l.size or d2l.reshape.
ones, zeros, tensor, arange = torch.ones, torch.zeros, torch.tensor, torch.arange
sin, cos, tanh, exp, log = torch.sin, torch.cos, torch.tanh, torch.exp, torch.log
normal, rand, randn, matmul = torch.normal, torch.rand, torch.randn, torch.matmul
int32, float32, concat, stack = torch.int32, torch.float32, torch.cat, torch.stack


def numpy(x, *args, **kwargs):
    return x.detach().cpu().numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    return x.numel(*args, **kwargs)


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.type(*args, **kwargs)


__all__ = list(_core_all)
__all__ += [
    "FRAMEWORK", "RNNAutoregressor", "get_net", "predict_k_step", "predict_multistep",
    "train_autoregressor", "autograd_grads", "bptt_grads", "hidden_grad_norms", "RNN_KINDS",
    "RNNModel", "RNNModelScratch", "get_params", "init_rnn_state", "make_rnn_layer", "rnn",
    "rnn_relu", "SeqDataLoader", "load_data", "load_data_time_machine", "seq_data_iter_random",
    "seq_data_iter_sequential", "grad_clipping", "grad_norm",
    "predict_ch8", "sgd", "train_ch8", "train_epoch_ch8", "evaluate_loss", "load_array",
    "try_all_gpus", "try_gpu",
    # d2l's aliases
    "ones", "zeros", "tensor", "arange", "sin", "cos", "tanh", "exp", "log", "normal", "rand",
    "randn", "matmul", "int32", "float32", "concat", "stack", "numpy", "size", "reshape", "to",
    "reduce_sum", "argmax", "astype",
]
__all__ += _checks_all
