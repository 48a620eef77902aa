"""Small helpers d2l's chapter-8 code calls: Timer and Accumulator."""

import time

import numpy as np

__all__ = ["Timer", "Accumulator", "method_alias"]


class Timer:
    """Records running times; ``start`` on creation, ``stop`` returns the last interval."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.perf_counter()

    def stop(self):
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """Sums over ``n`` variables, e.g. total loss and token count over an epoch."""

    def __init__(self, n):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        self.data = [0.0] * n

    def add(self, *args):
        if len(args) != len(self.data):
            raise ValueError(f"add() takes {len(self.data)} values, got {len(args)}")
        self.data = [a + float(b) for a, b in zip(self.data, args, strict=True)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def method_alias(method):
    """d2l's ``lambda x, *args, **kwargs: x.<method>(*args, **kwargs)`` as a named function.

    The framework packages build their aliases with it (``d2l.size``, ``d2l.reshape``,
    ...), each with the method its tensors have.
    """
    def alias(x, *args, **kwargs):
        return getattr(x, method)(*args, **kwargs)

    alias.__doc__ = f"``x.{method}(*args, **kwargs)``: one of d2l's framework-neutral aliases."
    return alias
