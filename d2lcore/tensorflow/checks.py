"""Exercise checkers for TensorFlow notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The checking logic lives in :mod:`d2lcore.checks` (framework-neutral, compared
with numpy references); this module only converts tensors, differentiates with
``tf.GradientTape`` and calls clipping functions the TensorFlow way.  Each
checker prints its verdict and returns a ``CheckResult``.
"""

import re

import numpy as np
import tensorflow as tf

try:  # not public API: without it check_embedding cannot see a one-hot product
    from tensorflow.python.framework import op_callbacks
except ImportError:  # pragma: no cover - depends on the TensorFlow version
    op_callbacks = None

from .. import checks as _checks

__all__ = [
    "check_rnn",
    "check_grad_clipping",
    "check_ar_features",
    "check_one_hot_matmul",
    "check_embedding",
]


_PRODUCT_OP = re.compile(r"MatMul|Einsum|Tensordot")


class TensorFlowAdapter(_checks.Adapter):
    framework = "tensorflow"
    # TensorFlow gradients are immutable: d2l's TensorFlow grad_clipping returns new ones.
    clipping_call = "grad_clipping(grads, theta), returning the list of clipped gradients"

    def tensor(self, array):
        array = np.asarray(array)
        return tf.constant(array, dtype=array.dtype)

    def numpy(self, value):
        if isinstance(value, (tf.Tensor, tf.Variable, tf.IndexedSlices)):
            return tf.convert_to_tensor(value).numpy()
        return np.asarray(value)

    def dot_sum(self, a, b):
        return tf.reduce_sum(a * b)

    def value_and_grads(self, fn, arrays):
        tensors = [self.tensor(a) for a in arrays]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            value = fn(*tensors)
        grads = tape.gradient(value, tensors)
        return float(value), [None if g is None else self.numpy(g) for g in grads]

    def matrix_products(self, fn, X, W):
        # Record every operation TensorFlow runs during the call (eager op callback):
        # a product (MatMul, BatchMatMulV2, Einsum) means W was multiplied, not gathered.
        if op_callbacks is None:
            return None
        found = []

        def record(op_type, inputs, attrs, outputs, op_name=None, graph=None):
            if isinstance(op_type, bytes):  # some ops report their type as bytes
                op_type = op_type.decode()
            if _PRODUCT_OP.search(op_type):
                found.append(op_type)

        op_callbacks.add_op_callback(record)
        try:
            fn(self.tensor(X), self.tensor(W))
        finally:
            op_callbacks.remove_op_callback(record)
        return found

    def run_clipping(self, fn, grads, theta):
        # The TensorFlow contract (book, exercise, library): return the clipped list, no norm.
        returned = fn([self.tensor(g) for g in grads], theta)
        if not isinstance(returned, (list, tuple)):
            return None, None
        return [None if g is None else self.numpy(g) for g in returned], None


_ADAPTER = TensorFlowAdapter()


def check_rnn(rnn_fn, activation="tanh"):
    """Check ``rnn_fn(inputs, state, params) -> (outputs, (H,))`` (d2l 8.5's ``rnn``).

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``params`` is
    [W_xh, W_hh, b_h, W_hq, b_q]; ``activation`` is the one the hidden layer should use.
    """
    return _checks.check_rnn(rnn_fn, _ADAPTER, activation=activation)


def check_grad_clipping(clip_fn):
    """Check ``clip_fn(grads, theta)`` returns the gradients rescaled by the global norm."""
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
