"""Minibatches of subsequences for language models (d2l 8.3), as numpy arrays.

Both iterators yield ``(X, Y)`` integer arrays of shape ``(batch_size, num_steps)``
with ``Y`` the next token after each token of ``X``.  Randomness comes from
``rng``: a ``random.Random``, an int seed, or None for Python's global
``random`` module (what d2l does).
"""

import functools
import random

import numpy as np

from .data import read_time_machine
from .text import load_corpus

__all__ = [
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "SeqDataLoader",
    "load_data",
    "load_data_time_machine",
    "as_rng",
    "bind",
]


def as_rng(rng):
    """A random.Random from a seed, a Random, or None (the global random module)."""
    if rng is None or rng is random:
        return random
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return random.Random(int(rng))
    raise TypeError(f"rng must be None, an int seed or a random.Random, got {type(rng).__name__}")


def _check_sizes(corpus, batch_size, num_steps):
    for name, value in (("batch_size", batch_size), ("num_steps", num_steps)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    # The random start offset can be up to num_steps, and Y needs one token more:
    # this many tokens guarantee at least one full minibatch whatever the offset.
    needed = batch_size * num_steps + num_steps + 1
    if len(corpus) < needed:
        raise ValueError(
            f"corpus has {len(corpus)} tokens, too few for one minibatch of "
            f"batch_size={batch_size} x num_steps={num_steps}: at least "
            f"batch_size * num_steps + num_steps + 1 = {needed} are needed"
        )


def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    """Random sampling: minibatches of non-overlapping subsequences in random order."""
    _check_sizes(corpus, batch_size, num_steps)
    rng = as_rng(rng)
    corpus = np.asarray(corpus, dtype=np.int64)
    corpus = corpus[rng.randint(0, num_steps - 1) :]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(starts)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        batch = np.array(starts[i : i + batch_size])[:, None] + np.arange(num_steps)
        yield corpus[batch], corpus[batch + 1]


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng=None):
    """Sequential partitioning: row i of one minibatch continues row i of the previous one."""
    _check_sizes(corpus, batch_size, num_steps)
    rng = as_rng(rng)
    corpus = np.asarray(corpus, dtype=np.int64)
    offset = rng.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset : offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class SeqDataLoader:
    """An iterable over minibatches of one corpus; each pass is one epoch.

    ``to_tensor`` turns each numpy batch into a framework tensor; the
    framework packages set it, the core leaves batches as numpy arrays.
    """

    to_tensor = staticmethod(lambda array: array)

    def __init__(self, batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                 *, rng=None, corpus=None, vocab=None):
        if corpus is None:
            corpus, vocab = load_corpus(read_time_machine(), "char", max_tokens)
        elif vocab is None:
            raise ValueError("a corpus passed to SeqDataLoader needs its vocab as well")
        _check_sizes(corpus, batch_size, num_steps)
        self.corpus, self.vocab = corpus, vocab
        self.batch_size, self.num_steps = batch_size, num_steps
        self.use_random_iter = use_random_iter
        self.data_iter_fn = seq_data_iter_random if use_random_iter else seq_data_iter_sequential
        # One generator for all epochs: a seeded loader replays the same epochs in order.
        self.rng = as_rng(rng)

    def __iter__(self):
        for X, Y in self.data_iter_fn(self.corpus, self.batch_size, self.num_steps, self.rng):
            yield self.to_tensor(X), self.to_tensor(Y)

    def __len__(self):
        """Minibatches per epoch for the largest start offset (the epoch may have one more)."""
        n = len(self.corpus) - self.num_steps - 1
        if self.use_random_iter:
            return (n // self.num_steps) // self.batch_size
        return (n // self.batch_size) // self.num_steps


def load_data(lines, batch_size, num_steps, token="char", use_random_iter=False,
              max_tokens=-1, *, rng=None, loader_cls=SeqDataLoader):
    """Iterator and vocabulary for any list of text lines."""
    corpus, vocab = load_corpus(lines, token, max_tokens)
    loader = loader_cls(batch_size, num_steps, use_random_iter, rng=rng, corpus=corpus, vocab=vocab)
    return loader, vocab


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                           *, rng=None):
    """The Time Machine iterator and vocabulary of d2l 8.3 (numpy batches)."""
    loader = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens, rng=rng)
    return loader, loader.vocab


def bind(to_tensor, module, batches):
    """The five loaders above for one framework package, yielding ``to_tensor(batch)``.

    The sampling stays here (numpy), so a seeded ``rng`` gives the same batches
    in every framework; each package passes only its conversion, its module
    name and what its batches are (for the docstrings), and gets
    ``{name: loader}`` for its ``__all__``.
    """
    def yielding(core_iter):
        @functools.wraps(core_iter)
        def seq_data_iter(corpus, batch_size, num_steps, rng=None):
            for X, Y in core_iter(corpus, batch_size, num_steps, rng):
                yield to_tensor(X), to_tensor(Y)
        seq_data_iter.__module__ = module
        seq_data_iter.__doc__ = f"{core_iter.__doc__}  Yields {batches}."
        return seq_data_iter

    loader_cls = type("SeqDataLoader", (SeqDataLoader,), {
        "__module__": module, "to_tensor": staticmethod(to_tensor),
        "__doc__": f"The core loader, yielding ``(X, Y)`` as {batches} (batch_size, num_steps)."})

    def load_data(lines, batch_size, num_steps, token="char", use_random_iter=False,
                  max_tokens=-1, *, rng=None):
        return _load_data(lines, batch_size, num_steps, token, use_random_iter, max_tokens,
                          rng=rng, loader_cls=loader_cls)

    def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000,
                               *, rng=None):
        loader = loader_cls(batch_size, num_steps, use_random_iter, max_tokens, rng=rng)
        return loader, loader.vocab

    load_data.__doc__ = f"Iterator (of {batches}) and vocabulary for any list of text lines."
    load_data_time_machine.__doc__ = ("The Time Machine iterator and vocabulary of d2l 8.3, "
                                      f"batches as {batches}.")
    for fn in (load_data, load_data_time_machine):
        fn.__module__ = module
    return {"seq_data_iter_random": yielding(seq_data_iter_random),
            "seq_data_iter_sequential": yielding(seq_data_iter_sequential),
            "SeqDataLoader": loader_cls, "load_data": load_data,
            "load_data_time_machine": load_data_time_machine}


_load_data = load_data  # bind's load_data shadows it
