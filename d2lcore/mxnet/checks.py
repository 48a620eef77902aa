"""Exercise checkers for MXNet notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The checking logic lives in :mod:`d2lcore.checks` (framework-neutral, compared
with numpy references); this module only converts ``mxnet.np`` arrays and calls
autograd.  Each checker prints its verdict and returns a ``CheckResult``.
"""

import json
import re
import types

import mxnet as mx
import numpy as onp
from mxnet import autograd, np, npx

from .. import checks as _checks

__all__ = [
    "check_rnn",
    "check_grad_clipping",
    "check_ar_features",
    "check_one_hot_matmul",
    "check_embedding",
]

# d2l's MXNet code runs with NumPy semantics on; the students' functions expect them.
npx.set_np()


_PRODUCT_OP = re.compile(r"matmul|dot|einsum|gemm|FullyConnected", re.IGNORECASE)


class MXNetAdapter(_checks.Adapter):
    framework = "mxnet"
    clipping_call = ("grad_clipping(net, theta) with net.params holding arrays whose .grad "
                     "is set (attach_grad)")

    def tensor(self, array):
        array = onp.asarray(array)
        return np.array(array, dtype=array.dtype)

    def numpy(self, value):
        if isinstance(value, (np.ndarray, mx.nd.NDArray)):
            return value.asnumpy()
        return onp.asarray(value)

    def dot_sum(self, a, b):
        return (a * b).sum()

    def value_and_grads(self, fn, arrays):
        variables = [self.tensor(a) for a in arrays]
        for v in variables:
            v.attach_grad()
        with autograd.record():
            value = fn(*variables)
        value.backward()
        # MXNet leaves zeros (not None) where no gradient arrived; the comparison shows it.
        return float(value), [v.grad.asnumpy() for v in variables]

    def matrix_products(self, fn, X, W):
        # The graph autograd recorded from W to the result: a product operator in it
        # (_npi_matmul, _np_dot, ...) means W was multiplied, not indexed.
        W_var = self.tensor(W)
        W_var.attach_grad()
        with autograd.record():
            out = fn(self.tensor(X), W_var)
        if not isinstance(out, np.ndarray):
            return None
        nodes = json.loads(autograd.get_symbol(out).tojson())["nodes"]
        return [node["op"] for node in nodes if _PRODUCT_OP.search(node["op"])]

    def run_clipping(self, fn, grads, theta):
        params = []
        for g in grads:
            p = np.zeros(g.shape, dtype=g.dtype)
            p.attach_grad()
            p.grad[:] = self.tensor(g)
            params.append(p)
        returned = fn(types.SimpleNamespace(params=params), theta)
        return [p.grad.asnumpy() for p in params], returned


_ADAPTER = MXNetAdapter()


def check_rnn(rnn_fn, activation="tanh"):
    """Check ``rnn_fn(inputs, state, params) -> (outputs, (H,))`` (d2l 8.5's ``rnn``).

    ``inputs`` are one-hot (num_steps, batch, vocab) arrays, ``params`` is
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
