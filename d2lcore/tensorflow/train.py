"""Training and prediction for the chapter-8 language models (d2l 8.5 / 8.6), TensorFlow.

The shared design (signatures, keyword extras, divergence, sampling): ``d2lcore.training``;
d2l-zh's TensorFlow order is ``train_ch8(net, train_iter, vocab, lr, num_epochs,
strategy, use_random_iter)``.  TensorFlow gradients are immutable tensors, so
``grad_clipping(grads, theta)`` returns the clipped list, as in d2l's TensorFlow
code; ``grad_norm(grads)`` measures the norm.  Speed: the whole minibatch step
(forward, loss, gradients, ``grad_clipping``, updater) runs as one ``tf.function``
graph, traced once per model and setting; a model that cannot be traced (e.g. a
forward function calling ``.numpy()``) runs the same step eagerly, with a warning.
"""

import contextlib
import sys
import warnings

import numpy as np
import tensorflow as tf
from tensorflow import keras

from .. import training
from ..validate import check_bool, check_positive_number, check_theta
from .utils import device_name, device_scope, try_gpu

__all__ = ["sgd", "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


def _d2l():
    """The package (``d2l`` in the book): its current grad_clipping and sgd are the ones used."""
    return sys.modules[__package__]


def sgd(params, grads, lr, batch_size):
    """d2l's minibatch SGD (TensorFlow signature): ``param -= lr * grad / batch_size``.

    TensorFlow variables carry no gradients: ``grads`` is their list, in ``params`` order.
    """
    if len(params) != len(grads):
        raise ValueError(f"grads must have one entry per parameter: {len(params)} params, "
                         f"{len(grads)} grads")
    for param, grad in zip(params, grads, strict=True):
        param.assign_sub(lr * tf.convert_to_tensor(grad) / batch_size)


def _grad_list(grads):
    if not isinstance(grads, (list, tuple)):
        raise TypeError("grads must be the list of gradients (TensorFlow variables do not store "
                        "them): grads = tape.gradient(loss, params); "
                        f"got {type(grads).__name__}")
    if not grads:
        raise ValueError("grads must hold at least one gradient")
    return [tf.convert_to_tensor(g) for g in grads]  # IndexedSlices become dense, as in d2l


def _global_norm(grads):
    return tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in grads]))


def grad_norm(grads):
    """The global L2 norm of all gradients: a float (a scalar tensor inside a tf.function)."""
    norm = _global_norm(_grad_list(grads))
    return float(norm) if tf.executing_eagerly() else norm


def grad_clipping(grads, theta):
    """d2l's clipping: the gradients scaled by theta / norm when the global norm exceeds theta.

    Returns the clipped list (new tensors; the norm comes from ``grad_norm``).
    """
    check_theta(theta)
    grads = _grad_list(grads)
    scale = tf.minimum(1.0, theta / _global_norm(grads))  # 1 (no change) when norm <= theta
    return [g * scale for g in grads]


def _mean_loss(loss, Y, y_hat):
    y = tf.reshape(tf.transpose(Y), [-1])  # labels read time-major, like the outputs
    return tf.reduce_mean(loss(y, y_hat))


def _gradients(tape, l, params):
    grads = tape.gradient(l, params)
    return [tf.zeros_like(p) if g is None else tf.convert_to_tensor(g)
            for g, p in zip(grads, params, strict=True)]


def _update(params, grads, updater):
    if isinstance(updater, keras.optimizers.Optimizer):
        updater.apply_gradients(zip(grads, params, strict=True))
    else:
        updater(1, grads)  # d2l's TensorFlow updater(batch_size, grads); the loss is a mean


def _clip_and_update(params, l, grads, updater, clip_theta):
    """Measure, clip with d2l.grad_clipping, update unless loss or norm is non-finite."""
    norm = _global_norm(grads)
    if clip_theta is not None:
        grads = _d2l().grad_clipping(grads, clip_theta)
    if tf.logical_and(tf.math.is_finite(l), tf.math.is_finite(norm)):  # tf.cond when traced
        _update(params, grads, updater)
    return norm


class _Step:
    """One minibatch step of one model, loss, updater and threshold; compiled when it traces."""

    def __init__(self, net, loss, updater, clip_theta):
        self.net, self.loss, self.updater, self.clip_theta = net, loss, updater, clip_theta
        self.params = list(net.trainable_variables)
        if isinstance(updater, keras.optimizers.Optimizer):
            updater.build(self.params)  # its slots must exist before the graph is traced
        self.compiled, self.traced = tf.function(self.run), False

    def __call__(self, X, Y, state):
        """The compiled step; a forward pass tf.function cannot trace trains eagerly instead."""
        if self.compiled is not None:
            try:
                result = self.compiled(X, Y, state)
            except (TypeError, ValueError, NotImplementedError, AttributeError,
                    tf.errors.OperatorNotAllowedInGraphError) as error:
                if self.traced:
                    raise  # it ran as a graph before: this error is not about tracing
                # A stable message (no tensor names or ids): notebooks record it.
                warnings.warn(f"train_ch8: this model cannot be traced by tf.function "
                              f"({type(error).__name__}), so it trains eagerly (slower)",
                              stacklevel=4)
                self.compiled = None
            else:
                self.traced = True
                return result
        return self.run(X, Y, state)

    def run(self, X, Y, state):
        with tf.GradientTape() as tape:
            y_hat, state = self.net(X, state)
            l = _mean_loss(self.loss, Y, y_hat)
        return self.update(tape, l, state)

    def update(self, tape, l, state):
        grads = _gradients(tape, l, self.params)
        return l, _clip_and_update(self.params, l, grads, self.updater, self.clip_theta), state


def _step_for(net, loss, updater, clip_theta):
    """The step, kept on the model so later train_ch8 calls reuse its traced graph."""
    cache = net.__dict__.setdefault("_d2l_steps", {})
    # The step holds loss and updater, so their ids stay unique; the functions are kept as is.
    key = (id(loss), id(updater), clip_theta, _d2l().grad_clipping, _d2l().sgd)
    if key not in cache:
        if len(cache) >= 4:  # a few settings (e.g. a sweep over theta), not every one ever
            cache.pop(next(iter(cache)))
        cache[key] = _Step(net, loss, updater, clip_theta)
    return cache[key]


def _run_epoch(net, train_iter, loss, updater, use_random_iter, clip_theta, detach_state):
    """One epoch of d2l's loop; returns the core's ``Epoch`` (it stops at divergence)."""
    step, epoch = _step_for(net, loss, updater, clip_theta), training.Epoch()
    # Only sequential iteration without detaching differentiates into earlier minibatches:
    # one persistent tape records the whole epoch (eager; the cost grows each minibatch).
    # Otherwise each compiled step has a fresh tape, which detaches the carried state.
    keep_history = not (detach_state or use_random_iter)
    tape = tf.GradientTape(persistent=True) if keep_history else contextlib.nullcontext()
    state = None
    with tape:
        for X, Y in train_iter:
            if state is None or use_random_iter:
                state = net.begin_state(batch_size=int(X.shape[0]))
            if keep_history:
                y_hat, state = net(X, state)
                l = _mean_loss(loss, Y, y_hat)
                with tape.stop_recording():
                    l, norm, state = step.update(tape, l, state)
            else:
                l, norm, state = step(X, Y, state)
            if not epoch.add(float(l), float(norm), int(tf.size(Y))):
                break  # diverged: the step made no update from it
    return epoch.finish()


def _check_epoch_args(updater, clip_theta, detach_state):
    check_theta(clip_theta, "clip_theta", allow_none=True)
    check_bool(detach_state, "detach_state")
    if not (isinstance(updater, keras.optimizers.Optimizer) or callable(updater)):
        raise TypeError("updater must be a Keras optimizer or a callable "
                        f"updater(batch_size, grads), got {type(updater).__name__}")


def train_epoch_ch8(net, train_iter, loss, updater, use_random_iter=False, *, clip_theta=1,
                    detach_state=True, grad_norms=None):
    """Train one epoch (d2l 8.5); returns (perplexity, tokens per second).

    ``loss`` is called Keras-style, ``loss(labels, logits)``; ``updater`` is a Keras
    optimizer or a callable ``updater(batch_size, grads)``.  The extras
    ``clip_theta``, ``detach_state`` and ``grad_norms``: ``d2lcore.training``.
    """
    _check_epoch_args(updater, clip_theta, detach_state)
    epoch = _run_epoch(net, train_iter, loss, updater, use_random_iter, clip_theta,
                       detach_state)
    return epoch.result(grad_norms)


_LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _make_updater(net, lr, updater):
    """d2l's ``sgd`` for a scratch model, Keras' SGD for a Keras model (kept per model and lr)."""
    if updater is not None:
        return updater
    updaters = net.__dict__.setdefault("_d2l_updaters", {})
    if lr not in updaters:
        if isinstance(net, keras.layers.Layer):
            updaters[lr] = keras.optimizers.SGD(learning_rate=lr)
        else:
            updaters[lr] = lambda batch_size, grads: _d2l().sgd(net.trainable_variables, grads,
                                                                lr, batch_size)
    return updaters[lr]


def train_ch8(net, train_iter, vocab, lr, num_epochs, strategy=None, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l 8.5); returns a ``TrainHistory``.

    ``strategy``: a device (``try_gpu()``, the default), a device name or a
    ``tf.distribute`` strategy.  ``updater``: None (d2l's choice), a Keras optimizer,
    or a callable ``updater(batch_size, grads)``.  Printing, plot, divergence: ``training.fit``.
    """
    lr = check_positive_number(lr, "lr")
    strategy = try_gpu() if strategy is None else strategy
    updater = _make_updater(net, lr, updater)
    _check_epoch_args(updater, clip_theta, detach_state)

    def run_epoch():
        with device_scope(strategy):
            return _run_epoch(net, train_iter, _LOSS, updater, use_random_iter, clip_theta,
                              detach_state)

    def predict(prefix):
        return predict_ch8(prefix, 50, net, vocab, strategy)

    return training.fit(run_epoch, num_epochs, predict, device_name(strategy), animate=animate,
                        verbose=verbose)


def predict_ch8(prefix, num_preds, net, vocab, device=None, sample=False, alpha=1.0, seed=None):
    """Continue ``prefix`` (a str, or a list of tokens) by ``num_preds`` tokens (d2l 8.5).

    Greedy, or ``sample=True`` with ``alpha`` and ``seed``: ``d2lcore.training.generate``.
    """
    device = try_gpu() if device is None else device
    state = None

    def step(ids):
        nonlocal state
        with device_scope(device):
            if state is None:
                state = net.begin_state(batch_size=1)
            y, state = net(tf.constant([ids], dtype=tf.int32), state)
        return np.asarray(y[-1], dtype=np.float64)

    return training.generate(prefix, num_preds, vocab, step, sample, alpha, seed)
