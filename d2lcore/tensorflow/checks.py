"""Exercise checkers for TensorFlow notebooks: ``d2l.check_rnn(rnn_relu, activation='relu')``.

The Adapter converts tensors, differentiates with ``tf.GradientTape`` and calls
clipping functions the TensorFlow way; the checkers are ``d2lcore.checks``'.
"""

import re

import numpy as np
import tensorflow as tf

try:  # not public API: without it check_embedding cannot see a one-hot product
    from tensorflow.python.framework import op_callbacks
except ImportError:  # pragma: no cover - depends on the TensorFlow version
    op_callbacks = None

from .. import checks as _checks
from ..checks.bind import bind

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

# check_rnn, check_grad_clipping, ...: the rows of d2lcore.checks.bind with this adapter.
_CHECKERS = bind(_ADAPTER, __name__)
globals().update(_CHECKERS)
__all__ = list(_CHECKERS)
