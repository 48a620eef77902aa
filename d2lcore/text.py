"""Tokens and vocabularies: tokenize, count_corpus, Vocab and the corpus loaders."""

import collections

from .data import read_time_machine

__all__ = ["tokenize", "count_corpus", "Vocab", "load_corpus", "load_corpus_time_machine"]

TOKEN_TYPES = ("word", "char")


def _check_lines(lines):
    if isinstance(lines, str) or not all(isinstance(line, str) for line in lines):
        raise TypeError("lines must be a list of strings (one text line each)")


def tokenize(lines, token="word"):
    """Split each line into word tokens (on white space) or character tokens."""
    if token not in TOKEN_TYPES:
        raise ValueError(f"token must be one of {TOKEN_TYPES}, got {token!r}")
    _check_lines(lines)
    if token == "word":
        return [line.split() for line in lines]
    return [list(line) for line in lines]


def count_corpus(tokens):
    """Token frequencies of a flat token list or of a list of token lists."""
    if len(tokens) == 0 or isinstance(tokens[0], list):
        tokens = [token for line in tokens for token in line]
    return collections.Counter(tokens)


class Vocab:
    """Maps tokens to indices: ``<unk>`` is 0, then reserved tokens, then by frequency.

    Ties in frequency keep the order in which the tokens first appear in the
    text, so the same text always gives the same vocabulary.
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        tokens = [] if tokens is None else tokens
        reserved_tokens = [] if reserved_tokens is None else list(reserved_tokens)
        if not isinstance(min_freq, int) or isinstance(min_freq, bool):
            raise TypeError(f"min_freq must be an int, got {min_freq!r}")
        counter = count_corpus(tokens)
        # sorted() is stable, and Counter keeps first-occurrence order: ties stay in text order.
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>"] + [t for t in reserved_tokens if t != "<unk>"]
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(token) for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(index) for index in indices]
        index = int(indices)
        if not 0 <= index < len(self.idx_to_token):
            raise IndexError(f"index {index} is outside the vocabulary (0..{len(self) - 1})")
        return self.idx_to_token[index]

    @property
    def unk(self):
        return 0

    @property
    def token_freqs(self):
        return self._token_freqs


def load_corpus(lines, token="char", max_tokens=-1, vocab=None):
    """Token indices of a whole text (a flat list) and its vocabulary.

    ``max_tokens > 0`` keeps only the first tokens, like d2l's loader; a given
    ``vocab`` is reused (tokens it lacks become ``<unk>``).
    """
    if not isinstance(max_tokens, int) or max_tokens == 0 or max_tokens < -1:
        raise ValueError(f"max_tokens must be -1 (all) or a positive int, got {max_tokens!r}")
    tokens = tokenize(lines, token)
    if vocab is None:
        vocab = Vocab(tokens)
    corpus = [vocab[tok] for line in tokens for tok in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def load_corpus_time_machine(max_tokens=-1):
    """Character indices of the Time Machine and its vocabulary (d2l 8.2)."""
    return load_corpus(read_time_machine(), "char", max_tokens)
