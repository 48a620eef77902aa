"""``from d2lcore import torch as d2l``: the core plus PyTorch models and training (d2l ch. 8).

Chapter-8 code of d2l-zh v2 (PyTorch) runs with only its import line changed.
"""

import os

# Quiet framework start-up messages before anything imports a framework (stable notebook output).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import torch  # noqa: E402

from .. import *  # noqa: E402,F403 - the framework-free core
from .. import ALIAS_NAMES  # noqa: E402
from .. import __all__ as _core_all  # noqa: E402
from ..utils import method_alias  # noqa: E402
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

FRAMEWORK = "pytorch"

# d2l's framework-neutral aliases, for book code that calls e.g. d2l.size or d2l.reshape.
ones, zeros, tensor, arange = torch.ones, torch.zeros, torch.tensor, torch.arange
sin, cos, tanh, exp, log = torch.sin, torch.cos, torch.tanh, torch.exp, torch.log
normal, rand, randn, matmul = torch.normal, torch.rand, torch.randn, torch.matmul
int32, float32, concat, stack = torch.int32, torch.float32, torch.cat, torch.stack


size, reshape, to, reduce_sum, argmax, astype = (
    method_alias(name) for name in ("numel", "reshape", "to", "sum", "argmax", "type"))


def numpy(x, *args, **kwargs):
    return x.detach().cpu().numpy(*args, **kwargs)


__all__ = [*_core_all, "FRAMEWORK", *_MODULES_ALL, *ALIAS_NAMES]

from . import modern  # noqa: E402 - chapter 9 from scratch: get_gru_params, gru, lstm, ...
from .modern import *  # noqa: E402,F403

__all__ += modern.__all__
