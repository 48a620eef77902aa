"""Argument checks shared by every framework package: one rule, one message.

A wrong type raises TypeError, a wrong value ValueError; each message names
the argument and says what is allowed.  numpy scalars count as numbers
(``np.int64(5)`` is an int here); bools never do.
"""

import math
import numbers

import numpy as np

__all__ = [
    "is_int",
    "check_bool",
    "check_positive_int",
    "check_non_negative_int",
    "check_positive_number",
    "check_theta",
    "check_seed",
    "prefix_tokens",
    "check_token_ids",
    "check_state",
    "check_sizes",
]


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_bool(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_positive_int(value, name):
    if not is_int(value):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_sizes(vocab_size, num_hiddens, embed_size=None):
    """A scratch model's sizes as ints: positive, and ``embed_size`` None or positive."""
    if embed_size is not None:
        embed_size = check_positive_int(embed_size, "embed_size")
    return (check_positive_int(vocab_size, "vocab_size"),
            check_positive_int(num_hiddens, "num_hiddens"), embed_size)


def check_non_negative_int(value, name):
    if not is_int(value):
        raise TypeError(f"{name} must be an int >= 0, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return int(value)


def check_positive_number(value, name, allow_inf=False):
    """A real number > 0; finite unless ``allow_inf``."""
    what = "a positive number" + ("" if allow_inf else " (finite)")
    if not _is_real(value):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {value!r}")
    if not value > 0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return float(value)


def check_theta(theta, name="theta", allow_none=False):
    """A clipping threshold: a positive number; ``inf`` (never clip) is accepted everywhere."""
    if theta is None and allow_none:
        return None
    return check_positive_number(theta, name, allow_inf=True)


def check_seed(seed):
    return None if seed is None else check_non_negative_int(seed, "seed")


def prefix_tokens(prefix):
    """The tokens of a ``predict_ch8`` prefix: a str is read as characters, a list as tokens."""
    if isinstance(prefix, str):
        tokens = list(prefix)
    elif isinstance(prefix, (list, tuple)) and all(isinstance(t, str) for t in prefix):
        tokens = list(prefix)
    else:
        raise TypeError("prefix must be a string or a list of token strings, "
                        f"got {type(prefix).__name__}")
    if not tokens:
        raise ValueError("prefix must be non-empty: the model needs a first token to start from")
    return tokens


def check_token_ids(ids, vocab_size, name="X", whole_floats=False):
    """Check a numpy array of token ids: 2-D (batch, num_steps), not empty, in the vocabulary.

    ``whole_floats`` also accepts floats holding whole numbers (MXNet's
    ``np.arange`` and ``d2l.tensor`` make float32 by default).  Returns ``ids``.
    """
    if ids.ndim != 2:
        raise ValueError(f"{name} must be 2-D (batch_size, num_steps), got shape {ids.shape}")
    if ids.size == 0:
        raise ValueError(f"{name} must have at least one token, got shape {ids.shape}")
    whole = (whole_floats and ids.dtype.kind == "f" and np.all(np.isfinite(ids))
             and np.all(ids == np.round(ids)))
    if ids.dtype.kind not in "iu" and not whole:
        raise ValueError(f"{name} must hold integer token ids, got dtype {ids.dtype}")
    low, high = ids.min(), ids.max()
    if low < 0 or high >= vocab_size:
        raise ValueError(f"{name} holds token ids in [{low:g}, {high:g}]; they must lie in "
                         f"[0, vocab_size - 1] = [0, {vocab_size - 1}]")
    return ids


def check_state(state, shape, count=1, bare=False, array_type=None):
    """A model's state as a list of ``count`` arrays of ``shape``, as ``begin_state`` makes it.

    ``state`` is a tuple or list: ``(H,)`` or, with ``count=2``, an LSTM's
    ``(H, C)``; with ``bare`` a single array H is accepted too.  Only shapes
    are read (``np.shape``), so any framework's arrays pass, unless
    ``array_type`` names the one type the arrays must have.
    """
    parts = [state] if bare and not isinstance(state, (tuple, list)) else state
    what = "(H, C)" if count == 2 else "H or (H,)" if bare else "(H,)"
    if not isinstance(parts, (tuple, list)) or len(parts) != count:
        raise ValueError(f"state must be {what} as begin_state returns, got "
                         f"{type(state).__name__}")
    for k, part in enumerate(parts):
        if array_type is not None and not isinstance(part, array_type):
            raise ValueError(f"state must be {what} with {array_type.__name__} arrays, got "
                             f"{type(part).__name__}")
        if tuple(np.shape(part)) != tuple(shape):
            raise ValueError(f"state[{k}] must have shape {tuple(shape)}, got "
                             f"{tuple(np.shape(part))}")
    return list(parts)
