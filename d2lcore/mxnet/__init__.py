"""``from d2lcore import mxnet as d2l``: the core plus MXNet/Gluon models and training (ch. 8).

Like d2l-zh it switches MXNet to NumPy semantics (``npx.set_np()``) on import.
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
from .fast import hybridize_forward  # noqa: E402 - MXNet only: hybridise a reader's rnn
from .rnn import *  # noqa: E402,F403 - the models of 8.5 and 8.6
from .sequence import *  # noqa: E402,F403 - data iterators yielding this framework's tensors
from .train import *  # noqa: E402,F403 - sgd, grad_clipping, train_ch8, predict_ch8, ...
from .utils import *  # noqa: E402,F403 - try_gpu, load_array, ...

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


numpy, reshape, to, reduce_sum, argmax, astype = (
    method_alias(name) for name in ("asnumpy", "reshape", "as_in_ctx", "sum", "argmax", "astype"))


def size(x):
    return x.size  # an attribute in MXNet, not a method


# not np: `from d2lcore.mxnet import *` must leave the reader's numpy alone
__all__ = [*_core_all, "FRAMEWORK", "mx", "npx", "autograd", "gluon", "init", "nn", "gluon_rnn",
           *_MODULES_ALL, "hybridize_forward", *ALIAS_NAMES]

from . import modern  # noqa: E402 - chapter 9 from scratch: get_gru_params, gru, lstm, ...
from .modern import *  # noqa: E402,F403

__all__ += modern.__all__
