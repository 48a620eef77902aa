"""d2lcore: the framework-agnostic core of the RNN workbook.

``from d2lcore import torch as d2l`` (or ``mxnet``, ``tensorflow``) gives the
core plus that framework's models and training code; the core itself never
imports a deep-learning framework.
"""

from .data import (
    CACHE_ENV,
    DATA_HUB,
    DATA_URL,
    MIRROR_ENV,
    ChecksumError,
    DataUnavailableError,
    cache_dir,
    download,
    read_tang_poems,
    read_time_machine,
    read_war_of_the_worlds,
    sha1_of,
    strip_gutenberg,
)
from .history import TrainHistory
from .plot import Animator, plot, set_axes, set_figsize, use_svg_display
from .sequence import (
    SeqDataLoader,
    as_rng,
    load_data,
    load_data_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
)
from .sine import ar_features, k_step_targets, make_sine
from .text import Vocab, count_corpus, load_corpus, load_corpus_time_machine, tokenize
from .utils import Accumulator, Timer

FRAMEWORKS = ("pytorch", "mxnet", "tensorflow")

# d2l's framework-neutral aliases (d2l.reshape, d2l.sin, ...).  Every framework package
# defines each one with its own tensor functions and exports these names.
ALIAS_NAMES = (
    "ones", "zeros", "tensor", "arange", "sin", "cos", "tanh", "exp", "log", "normal", "rand",
    "randn", "matmul", "int32", "float32", "concat", "stack", "numpy", "size", "reshape", "to",
    "reduce_sum", "argmax", "astype",
)

__all__ = [
    "CACHE_ENV", "DATA_HUB", "DATA_URL", "MIRROR_ENV", "ChecksumError", "DataUnavailableError",
    "cache_dir", "download", "read_tang_poems", "read_time_machine", "read_war_of_the_worlds",
    "sha1_of", "strip_gutenberg", "Animator", "plot", "set_axes", "set_figsize",
    "use_svg_display", "SeqDataLoader", "as_rng", "load_data", "load_data_time_machine",
    "seq_data_iter_random", "seq_data_iter_sequential", "Vocab", "count_corpus", "load_corpus",
    "load_corpus_time_machine", "tokenize", "Accumulator", "Timer", "FRAMEWORKS",
    "framework_module", "TrainHistory", "ar_features", "k_step_targets", "make_sine",
]


def framework_module(name):
    """The framework package for a name: 'pytorch'/'torch', 'mxnet' or 'tensorflow'."""
    import importlib

    aliases = {"pytorch": "torch", "torch": "torch", "mxnet": "mxnet", "tensorflow": "tensorflow"}
    if name not in aliases:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {name!r}")
    return importlib.import_module(f"d2lcore.{aliases[name]}")
