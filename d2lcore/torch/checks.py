"""Exercise checkers for PyTorch notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The checking logic lives in :mod:`d2lcore.checks` (framework-neutral, compared
with numpy references); this module only converts tensors and calls autograd.
Each checker prints its verdict and returns a ``CheckResult``.
"""

import re
import types

import numpy as np
import torch

from .. import checks as _checks

__all__ = [
    "check_rnn",
    "check_grad_clipping",
    "check_ar_features",
    "check_one_hot_matmul",
    "check_embedding",
]


_PRODUCT_NODE = re.compile(r"(Mm|Bmm|Addmm|Baddbmm|Addbmm|Mv|Addmv|Dot|Vdot|Matmul|Linear)Backward")


class TorchAdapter(_checks.Adapter):
    framework = "pytorch"
    clipping_call = "grad_clipping(net, theta) with net.params holding tensors whose .grad is set"

    def tensor(self, array):
        return torch.from_numpy(np.array(array))

    def numpy(self, value):
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def dot_sum(self, a, b):
        return (a * b).sum()

    def value_and_grads(self, fn, arrays):
        variables = [torch.tensor(np.array(a), requires_grad=True) for a in arrays]
        value = fn(*variables)
        if not isinstance(value, torch.Tensor) or not value.requires_grad:
            return float(self.numpy(value)), [None] * len(variables)
        value.backward()
        grads = [None if v.grad is None else v.grad.numpy() for v in variables]
        return float(value.detach()), grads

    def matrix_products(self, fn, X, W):
        # Walk the autograd graph back from the result: a product node on W's path
        # (MmBackward0, BmmBackward0, ...) means W was multiplied, not indexed.
        W_var = torch.tensor(np.array(W), requires_grad=True)
        out = fn(self.tensor(X), W_var)
        if not isinstance(out, torch.Tensor) or out.grad_fn is None:
            return None
        found, seen, todo = [], set(), [out.grad_fn]
        while todo:
            node = todo.pop()
            if node is None or node in seen:
                continue
            seen.add(node)
            if _PRODUCT_NODE.match(node.name()):
                found.append(node.name())
            todo.extend(next_fn for next_fn, _ in node.next_functions)
        return found

    def run_clipping(self, fn, grads, theta):
        # Parameters like RNNModelScratch's: leaf tensors with their gradient filled in.
        params = []
        for g in grads:
            p = torch.zeros(g.shape, requires_grad=True)
            p.grad = torch.tensor(g)
            params.append(p)
        returned = fn(types.SimpleNamespace(params=params), theta)
        return [None if p.grad is None else p.grad.numpy().copy() for p in params], returned


_ADAPTER = TorchAdapter()


def check_rnn(rnn_fn, activation="tanh"):
    """Check ``rnn_fn(inputs, state, params) -> (outputs, (H,))`` (d2l 8.5's ``rnn``).

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``params`` is
    [W_xh, W_hh, b_h, W_hq, b_q]; ``activation`` is the one the hidden layer should use.
    """
    return _checks.check_rnn(rnn_fn, _ADAPTER, activation=activation)


def check_grad_clipping(clip_fn):
    """Check ``clip_fn(net, theta)`` rescales each ``p.grad`` of net.params by the global norm."""
    return _checks.check_grad_clipping(clip_fn, _ADAPTER)


def check_ar_features(features_fn):
    """Check ``features_fn(x, tau) -> (features (T-tau, tau), labels (T-tau, 1))`` (d2l 8.1)."""
    return _checks.check_ar_features(features_fn, _ADAPTER)


def check_one_hot_matmul(fn):
    """Check ``fn(X, W) == one_hot(X, len(W)) @ W`` with shape X.shape + (embed_size,)."""
    return _checks.check_one_hot_matmul(fn, _ADAPTER)


def check_embedding(fn):
    """Check the embedding lookup ``fn(X, W) == W[X]`` (values and gradient)."""
    return _checks.check_embedding(fn, _ADAPTER)


# --- text exercises of 8.2-8.3 (n-grams, Zipf's law, the random partition) ---------

__all__ += ["check_count_ngrams", "check_zipf_exponent", "check_seq_data_iter_random"]


def check_count_ngrams(fn):
    """Check ``fn(tokens, n)`` returns {n-gram tuple: count} over overlapping windows."""
    return _checks.check_count_ngrams(fn, _ADAPTER)


def check_zipf_exponent(fn):
    """Check ``fn(freqs, first, last)`` returns -slope of log count against log rank."""
    return _checks.check_zipf_exponent(fn, _ADAPTER)


def check_seq_data_iter_random(fn):
    """Check ``fn(corpus, batch_size, num_steps, rng)`` yields d2l's random-partition batches."""
    return _checks.check_seq_data_iter_random(fn, _ADAPTER)


# --- exercises of 8.7 (the power iteration behind exploding gradients) ---------------

__all__ += ["check_power_alignment"]


def check_power_alignment(fn):
    """Check ``fn(M, x, k_max)`` returns the angles between the lines of M^k x and v1."""
    return _checks.check_power_alignment(fn, _ADAPTER)


# --- ADDED (H2, exercises of 8.5: temperature sampling, detaching the state) ----------

__all__ += ["check_sample_temperature", "check_detach_state"]


def check_sample_temperature(fn):
    """Check ``fn(logits, alpha, rng)`` draws a token id from softmax(logits)**alpha."""
    return _checks.check_sample_temperature(fn, _ADAPTER)


def check_detach_state(fn):
    """Check ``fn(state)`` returns the state tuple with the same values, cut off the graph."""
    return _checks.check_detach_state(fn, _ADAPTER)
