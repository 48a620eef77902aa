"""Training and sampling the chapter-8 language models in TensorFlow (d2l 8.5 / 8.6).

The names and positional signatures are d2l-zh v2's TensorFlow ones
(``train_epoch_ch8(net, train_iter, loss, updater, use_random_iter)``,
``train_ch8(net, train_iter, vocab, lr, num_epochs, strategy, use_random_iter)``,
``predict_ch8(prefix, num_preds, net, vocab)``); everything after them is an
optional extension.  ``strategy`` may be None, a device from ``try_gpu()``
or a ``tf.distribute`` strategy.

Speed: for the library's models the whole minibatch step (forward, loss,
gradients, clipping, update) is one compiled TensorFlow graph, traced once
per model and setting and then reused, so repeated ``train_ch8`` calls do
not pay for tracing again.  Models built from the user's own functions run
the same step eagerly, exactly as written.
"""

import math

import numpy as np
import tensorflow as tf
from tensorflow import keras

from d2lcore.history import TrainHistory
from d2lcore.plot import Animator
from d2lcore.utils import Accumulator, Timer

from .rnn import RNNModel, RNNModelScratch, _check_tokens
from .utils import (
    check_non_negative_int,
    check_positive_int,
    check_positive_number,
    device_name,
    device_scope,
)

__all__ = ["ClippedGradients", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------

class ClippedGradients(list):
    """The clipped gradients, as a list like d2l's, plus ``.norm``: the global norm before clipping.

    TensorFlow gradients are immutable tensors, so ``grad_clipping`` cannot clip
    them in place as the PyTorch and MXNet versions do: it returns new ones, and
    this list carries the pre-clip norm (a Python float) as an attribute.
    """

    norm = math.nan


def _check_theta(theta, name="theta", allow_none=False):
    if theta is None and allow_none:
        return
    try:
        check_positive_number(theta, name)
    except ValueError:
        allowed = "None (no clipping) or a positive number" if allow_none else "a positive number"
        raise ValueError(f"{name} must be {allowed}, got {theta!r}") from None


def _global_norm(grads):
    return tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in grads]))


def clip_by_global_norm(grads, theta):
    """(clipped grads, pre-clip global norm); scale by theta / norm only when norm > theta.

    Graph-friendly (no Python branching on values); ``theta=None`` only measures.
    """
    norm = _global_norm(grads)
    if theta is None:
        return list(grads), norm
    scale = tf.where(norm > theta, theta / norm, tf.ones_like(norm))
    return [g * scale for g in grads], norm


def grad_clipping(grads, theta):
    """d2l's clipping by the global L2 norm over ALL gradients: TensorFlow's version.

    Takes the list of gradients (as ``tape.gradient`` returns them) and returns a
    ``ClippedGradients`` list: every gradient scaled by ``theta / norm`` when the
    norm exceeds ``theta``, unchanged otherwise, with the pre-clip norm as ``.norm``.
    ``IndexedSlices`` (gradients of gathers) are made dense first, as d2l does.
    """
    _check_theta(theta)
    if isinstance(grads, (RNNModelScratch, keras.layers.Layer)) or tf.is_tensor(grads):
        raise TypeError("grad_clipping takes the list of gradients (TensorFlow variables do "
                        "not store them): grads = tape.gradient(loss, net.trainable_variables)")
    grads = [tf.convert_to_tensor(g) for g in grads]
    if not grads:
        raise ValueError("grads must hold at least one gradient")
    clipped, norm = clip_by_global_norm(grads, theta)
    result = ClippedGradients(clipped)
    result.norm = float(norm)
    return result


# ---------------------------------------------------------------------------
# One minibatch step
# ---------------------------------------------------------------------------

_DEFAULT_LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
_CACHE_SIZE = 4


def _model_cache(net, name):
    """A dict kept on the model itself (so it goes away with it), e.g. its compiled steps.

    ``object.__setattr__`` keeps Keras from tracking the dict as part of the layer.
    """
    cache = getattr(net, name, None)
    if cache is None:
        cache = {}
        object.__setattr__(net, name, cache)
    return cache


class _SGD:
    """d2l's hand-written sgd as an in-graph update: ``param -= lr * grad / batch_size``.

    The loss is already a mean over the minibatch, so batch_size is 1 (as in d2l).
    """

    def __init__(self, lr):
        self.lr = float(lr)

    def apply(self, params, grads):
        for param, grad in zip(params, grads, strict=True):
            param.assign_sub(self.lr * grad)


def _can_compile(net):
    return isinstance(net, RNNModel) or (isinstance(net, RNNModelScratch) and net.fast)


def _forward_fn(net):
    """The forward without Python-side checks when it is the library's, else ``net`` itself."""
    return net.graph_forward if isinstance(net, (RNNModel, RNNModelScratch)) else net


def _mean_loss(loss, Y, y_hat):
    y = tf.reshape(tf.transpose(Y), [-1])  # labels read time-major, like the outputs
    return tf.reduce_mean(loss(y, y_hat))


def _loss_and_grads(forward, params, loss, X, Y, state):
    with tf.GradientTape() as tape:
        y_hat, state = forward(X, state)
        l = _mean_loss(loss, Y, y_hat)
    grads = tape.gradient(l, params)
    grads = [tf.zeros_like(p) if g is None else tf.convert_to_tensor(g)
             for g, p in zip(grads, params, strict=True)]
    return l, grads, state


class _Stepper:
    """Runs minibatch steps of one model with one loss, updater and clipping threshold."""

    def __init__(self, net, loss, updater, clip_theta):
        self.net, self.loss, self.updater, self.clip_theta = net, loss, updater, clip_theta
        self.params = list(net.trainable_variables)
        self.forward = _forward_fn(net)
        self.in_graph = isinstance(updater, (_SGD, keras.optimizers.Optimizer))
        if isinstance(updater, keras.optimizers.Optimizer):
            updater.build(self.params)  # its slots must exist before the graph is traced
        self.step = self._step
        if _can_compile(net):
            self.step = tf.function(self._step)

    def _apply(self, grads):
        if isinstance(self.updater, _SGD):
            self.updater.apply(self.params, grads)
        else:
            self.updater.apply_gradients(zip(grads, self.params, strict=True))

    def _step(self, X, Y, state):
        l, grads, state = _loss_and_grads(self.forward, self.params, self.loss, X, Y, state)
        grads, norm = clip_by_global_norm(grads, self.clip_theta)
        if self.in_graph:
            self._apply(grads)
            return l, norm, state, []
        return l, norm, state, grads

    def __call__(self, X, Y, state):
        """(loss, pre-clip norm, new state); a Python updater runs after the step."""
        l, norm, state, grads = self.step(X, Y, state)
        if not self.in_graph:
            self.updater(1, grads)  # d2l's TensorFlow Updater(batch_size, grads)
        return l, norm, state


def _stepper(net, loss, updater, clip_theta):
    # Compiled steps per model, so later train_ch8 calls reuse the traced graph.
    cache = _model_cache(net, "_d2l_train_steps")
    key = (id(loss), id(updater), clip_theta)
    if key not in cache:
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = _Stepper(net, loss, updater, clip_theta)
    return cache[key]


def _check_updater(updater):
    if isinstance(updater, (_SGD, keras.optimizers.Optimizer)) or callable(updater):
        return updater
    raise TypeError("updater must be a Keras optimizer or a callable updater(batch_size, grads), "
                    f"got {type(updater).__name__}")


# ---------------------------------------------------------------------------
# One epoch
# ---------------------------------------------------------------------------

# Beyond this mean loss the perplexity exp(loss) overflows a float: training has diverged.
_MAX_LOG_PERPLEXITY = 700.0


def _safe_exp(x):
    return math.exp(x) if x < _MAX_LOG_PERPLEXITY else math.inf


def _diverged(l, norm):
    return not (math.isfinite(l) and math.isfinite(norm)) or l > _MAX_LOG_PERPLEXITY


def _check_batch(net, X, Y):
    vocab_size = getattr(net, "vocab_size", None)
    if vocab_size is None:
        return tf.convert_to_tensor(X), tf.convert_to_tensor(Y)
    X, Y = _check_tokens(X, vocab_size), _check_tokens(Y, vocab_size)
    if X.shape != Y.shape:
        raise ValueError(f"Y must have the shape of X {tuple(X.shape)}, got {tuple(Y.shape)}")
    return X, Y


def train_epoch_ch8(net, train_iter, loss, updater, use_random_iter, *, clip_theta=1,
                    detach_state=True, grad_norms=None):
    """Train ``net`` for one epoch; returns (perplexity, tokens per second) like d2l.

    ``loss`` is called Keras-style as ``loss(labels, logits)`` (d2l passes
    ``SparseCategoricalCrossentropy(from_logits=True)``); ``updater`` is a Keras
    optimizer or a callable ``updater(batch_size, grads)``.  Extensions:
    ``clip_theta`` (None: no clipping, the norm is still measured),
    ``detach_state`` (False: gradients also flow into the previous minibatches of
    the epoch, through the carried state) and ``grad_norms`` (a list that gets
    each minibatch's global gradient norm before clipping).

    Sequential iteration carries the state across minibatches; random iteration
    starts each one from a fresh state.  A non-finite loss or gradient norm, or
    a loss so large that its perplexity overflows, ends the epoch at once and
    the returned perplexity is then non-finite (nan or inf).
    """
    _check_theta(clip_theta, "clip_theta", allow_none=True)
    updater = _check_updater(updater)
    if not isinstance(detach_state, bool):
        raise ValueError(f"detach_state must be True or False, got {detach_state!r}")
    if grad_norms is not None and not isinstance(grad_norms, list):
        raise ValueError(f"grad_norms must be None or a list, got {type(grad_norms).__name__}")
    if not detach_state and not use_random_iter:
        return _epoch_without_detach(net, train_iter, loss, updater, clip_theta, grad_norms)
    step = _stepper(net, loss, updater, clip_theta)
    state, timer = None, Timer()
    metric = Accumulator(2)  # sum of losses over tokens, number of tokens
    for X, Y in train_iter:
        X, Y = _check_batch(net, X, Y)
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=int(X.shape[0]))
        l, norm, state = step(X, Y, state)
        l, norm = float(l), float(norm)
        if grad_norms is not None:
            grad_norms.append(norm)
        n = int(tf.size(Y))
        metric.add(l * n, n)
        if _diverged(l, norm):
            return math.nan if math.isnan(l) else math.inf, metric[1] / timer.stop()
    if metric[1] == 0:
        raise ValueError("train_iter yielded no minibatches")
    return _safe_exp(metric[0] / metric[1]), metric[1] / timer.stop()


def _epoch_without_detach(net, train_iter, loss, updater, clip_theta, grad_norms):
    """Sequential epoch whose gradients reach back through every earlier minibatch.

    One persistent tape records the whole epoch, so the gradient of each
    minibatch's loss also flows through the carried state into the computations
    of the minibatches before it (with the parameter values they used), as
    PyTorch does without ``detach_``.  The cost grows with each minibatch.
    """
    params = list(net.trainable_variables)
    forward = _forward_fn(net)
    in_graph = isinstance(updater, (_SGD, keras.optimizers.Optimizer))
    state, timer, metric = None, Timer(), Accumulator(2)
    with tf.GradientTape(persistent=True) as tape:
        for X, Y in train_iter:
            X, Y = _check_batch(net, X, Y)
            if state is None:
                state = net.begin_state(batch_size=int(X.shape[0]))
            y_hat, state = forward(X, state)
            l = _mean_loss(loss, Y, y_hat)
            with tape.stop_recording():
                grads = [tf.zeros_like(p) if g is None else tf.convert_to_tensor(g)
                         for g, p in zip(tape.gradient(l, params), params, strict=True)]
                grads, norm = clip_by_global_norm(grads, clip_theta)
                l, norm = float(l), float(norm)
                if grad_norms is not None:
                    grad_norms.append(norm)
                n = int(tf.size(Y))
                metric.add(l * n, n)
                if isinstance(updater, _SGD):
                    updater.apply(params, grads)
                elif in_graph:
                    updater.apply_gradients(zip(grads, params, strict=True))
                else:
                    updater(1, grads)
                if _diverged(l, norm):
                    return math.nan if math.isnan(l) else math.inf, metric[1] / timer.stop()
    if metric[1] == 0:
        raise ValueError("train_iter yielded no minibatches")
    return _safe_exp(metric[0] / metric[1]), metric[1] / timer.stop()


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------

def _default_updater(net, lr):
    """d2l's sgd for the scratch model, Keras' SGD for RNNModel (kept per model and lr)."""
    cache = _model_cache(net, "_d2l_default_updaters")
    if lr not in cache:
        if isinstance(net, keras.layers.Layer):
            cache[lr] = keras.optimizers.SGD(learning_rate=float(lr))
        else:
            cache[lr] = _SGD(lr)
    return cache[lr]


def train_ch8(net, train_iter, vocab, lr, num_epochs, strategy=None, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l-zh's TensorFlow signature); returns a TrainHistory.

    ``strategy`` (a device, a ``tf.distribute`` strategy or None) is optional.
    ``updater=None`` uses d2l's sgd for the scratch model and Keras' SGD for
    ``RNNModel``, both with learning rate ``lr``; a Keras optimizer or a callable
    ``updater(batch_size, grads)`` replaces them.  ``animate`` plots perplexity
    every 10 epochs; ``verbose`` prints d2l's final line and two predictions.
    A non-finite loss (see ``train_epoch_ch8``) stops training at once:
    ``diverged_epoch`` is set and a line says so, whatever ``verbose`` is.
    """
    check_positive_number(lr, "lr")
    check_positive_int(num_epochs, "num_epochs")
    _check_theta(clip_theta, "clip_theta", allow_none=True)
    updater = _default_updater(net, lr) if updater is None else _check_updater(updater)
    where = device_name(strategy)
    history = TrainHistory()
    animator = None
    if animate:
        animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"],
                            xlim=[10, num_epochs] if num_epochs > 10 else None)
    tokens = 0.0
    with device_scope(strategy):
        for epoch in range(num_epochs):
            norms = []
            timer = Timer()
            ppl, speed = train_epoch_ch8(net, train_iter, _DEFAULT_LOSS, updater, use_random_iter,
                                         clip_theta=clip_theta, detach_state=detach_state,
                                         grad_norms=norms)
            seconds = timer.stop()
            history.seconds += seconds
            tokens += speed * seconds
            history.perplexity.append(ppl)
            history.grad_norm.append(float(np.mean(norms)) if norms else math.nan)
            history.grad_norm_max.append(float(np.max(norms)) if norms else math.nan)
            if not math.isfinite(ppl):
                history.diverged_epoch = epoch + 1
                break
            if animator is not None and (epoch + 1) % 10 == 0:
                animator.add(epoch + 1, [ppl])
    history.tokens_per_sec = tokens / history.seconds if history.seconds > 0 else 0.0
    if history.diverged_epoch is not None:
        print(f"training diverged at epoch {history.diverged_epoch}: the loss became "
              f"non-finite (or too large for exp(loss) to be a number); try a smaller lr "
              f"(got {lr}) or gradient clipping (clip_theta, got {clip_theta})")
        return history
    if verbose:
        print(f"perplexity {ppl:.1f}, {speed:.1f} tokens/sec on {where}")
        print(predict_ch8("time traveller", 50, net, vocab))
        print(predict_ch8("traveller", 50, net, vocab))
    return history


# ---------------------------------------------------------------------------
# Prediction
# ---------------------------------------------------------------------------

def _next_token(logits, sample, alpha, rng):
    if not sample:
        return int(np.argmax(logits))
    z = alpha * logits.astype(np.float64)  # p**alpha renormalised == softmax(alpha * logits)
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def predict_ch8(prefix, num_preds, net, vocab, device=None, sample=False, alpha=1.0, seed=None):
    """Continue ``prefix`` by ``num_preds`` tokens (d2l 8.5).

    The state is warmed up on the prefix, then each step feeds the last token:
    greedy argmax by default; ``sample=True`` draws from the softmax raised to
    ``alpha`` and renormalised (alpha > 1 sharpens, < 1 flattens), reproducibly
    with an int ``seed``.  Characters outside the vocabulary become ``<unk>``.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    check_non_negative_int(num_preds, "num_preds")
    check_positive_number(alpha, "alpha")
    if not isinstance(sample, bool):
        raise ValueError(f"sample must be True or False, got {sample!r}")
    rng = np.random.default_rng(seed) if sample else None
    with device_scope(device):
        state = (net.begin_state(batch_size=1) if device is None
                 else net.begin_state(batch_size=1, device=device))
        outputs = [vocab[prefix[0]]]

        def last_token():
            return tf.constant([[outputs[-1]]], dtype=tf.int32)

        for char in prefix[1:]:  # warm-up: only the state matters
            _, state = net(last_token(), state)
            outputs.append(vocab[char])
        for _ in range(num_preds):
            y, state = net(last_token(), state)
            outputs.append(_next_token(np.asarray(y)[0], sample, alpha, rng))
    return "".join(vocab.idx_to_token[i] for i in outputs)
