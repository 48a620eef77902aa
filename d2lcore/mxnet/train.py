"""Training and prediction for the chapter-8 language models in MXNet/Gluon (d2l 8.5 / 8.6).

Signatures follow d2l-zh's MXNet code; the extensions are keyword-only:
clipping threshold (or none), detaching on/off, the updater, plotting and
printing switches, and sampling with a sharpening exponent in ``predict_ch8``.
"""

import math
import numbers

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, np

from ..history import TrainHistory
from ..plot import Animator
from ..utils import Accumulator, Timer

__all__ = ["sgd", "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


# ----------------------------------------------------------------------------- helpers


def _parameters(net_or_params):
    """The parameter arrays of a Gluon block, a scratch model, a dict or a list."""
    if isinstance(net_or_params, gluon.Block):
        return [p.data() for p in net_or_params.collect_params().values() if p.grad_req != "null"]
    if hasattr(net_or_params, "params"):
        return list(net_or_params.params)
    if isinstance(net_or_params, dict):
        return list(net_or_params.values())
    if isinstance(net_or_params, (list, tuple)):
        return list(net_or_params)
    raise TypeError("net_or_params must be a Gluon block, a model with .params, or a list/dict "
                    f"of arrays, got {type(net_or_params).__name__}")


def _check_theta(theta):
    if isinstance(theta, bool) or not isinstance(theta, numbers.Real) or not theta > 0:
        raise ValueError(f"theta must be a positive number, got {theta!r}")


def _net_device(net):
    if isinstance(net, gluon.Block):
        return next(iter(net.collect_params().values())).list_ctx()[0]
    return getattr(net, "device", mx.cpu())


def _detach(state):
    """A state with the same structure whose arrays no longer link to the past graph."""
    if isinstance(state, (list, tuple)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def _perplexity(mean_loss):
    # A huge but finite loss overflows exp(): that is divergence too, reported as inf.
    return math.exp(mean_loss) if mean_loss < 700 else math.inf


# ----------------------------------------------------------- updating and clipping


def sgd(params, lr, batch_size):
    """d2l's minibatch SGD: ``param -= lr * grad / batch_size`` for every array, in place."""
    for param in params:
        param[:] = param - lr * param.grad / batch_size


def _norm_array(params):
    """The global gradient norm as a 0-d array: no wait for the computation to finish."""
    return np.sqrt(sum((p.grad * p.grad).sum() for p in params))


def grad_norm(net_or_params):
    """The global L2 norm of all parameters' gradients, as a Python float."""
    return float(_norm_array(_parameters(net_or_params)))


def grad_clipping(net_or_params, theta):
    """Clip gradients in place by their global L2 norm (d2l 8.5); return the norm before.

    When the norm exceeds ``theta`` every gradient is scaled by ``theta / norm``.
    (Gluon's ``clip_global_norm`` does not accept ``mxnet.np`` arrays, hence this.)
    """
    _check_theta(theta)
    params = _parameters(net_or_params)
    norm = grad_norm(params)
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm
    return norm


def _scale_grads(params, scale):
    """Multiply every gradient by ``scale`` (a 0-d array) in place.

    With ``scale = theta / max(norm, theta)`` this is ``grad_clipping`` without
    waiting for the norm: the factor is exactly 1.0 when norm <= theta.
    """
    for param in params:
        param.grad[:] *= scale


def _make_updater(net, lr, updater):
    """A callable ``updater(batch_size)`` from None, a callable, a Trainer or an Optimizer."""
    is_block = isinstance(net, gluon.Block)
    if updater is None:
        if is_block:
            updater = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
        else:
            return lambda batch_size: sgd(net.params, lr, batch_size)
    if isinstance(updater, mx.optimizer.Optimizer):
        if is_block:
            updater = gluon.Trainer(net.collect_params(), updater)
        else:
            return _optimizer_updater(net.params, updater)
    if isinstance(updater, gluon.Trainer):
        return updater.step
    if callable(updater):
        return updater
    raise TypeError("updater must be None, a callable updater(batch_size), a gluon.Trainer or "
                    f"an mx.optimizer.Optimizer, got {type(updater).__name__}")


def _optimizer_updater(params, optimizer):
    """Apply an MXNet optimizer to plain arrays (what gluon.Trainer does for Parameters)."""
    apply = mx.optimizer.get_updater(optimizer)

    def step(batch_size):
        optimizer.rescale_grad = 1.0 / batch_size
        for i, param in enumerate(params):
            # as_nd_ndarray shares memory, so the update lands in the parameter itself.
            apply(i, param.grad.as_nd_ndarray(), param.as_nd_ndarray())

    return step


# ------------------------------------------------------------------------ training


def train_epoch_ch8(net, train_iter, loss, updater, device=None, use_random_iter=False, *,
                    clip_theta=1, detach_state=True, grad_norms=None):
    """Train one epoch; return (perplexity, tokens per second) like d2l.

    ``clip_theta=None`` measures the gradient norm without clipping.  Each
    minibatch's pre-clip norm is appended to ``grad_norms`` when a list is given.
    The epoch stops at the first non-finite loss and reports an infinite or NaN
    perplexity.

    ``detach_state=False`` (sequential partitioning) keeps every minibatch's graph
    so gradients flow back through all earlier minibatches of the epoch: the cost
    grows with each minibatch.  PyTorch refuses this once the weights have been
    updated in place; MXNet allows it, and its backward pass through an earlier
    minibatch then uses the current values of the arrays that graph recorded (the
    fused fast path recorded copies made at the time, the readable loop the
    parameters themselves), so the two paths differ slightly in this mode only.
    """
    if clip_theta is not None:
        _check_theta(clip_theta)
    device = _net_device(net) if device is None else device
    state, timer = None, Timer()
    metric = Accumulator(2)  # sum of losses, number of tokens
    for X, Y in train_iter:
        if state is None or use_random_iter:
            # ctx= is d2l-zh MXNet's keyword: models written from the book accept it.
            state = net.begin_state(batch_size=X.shape[0], ctx=device)
        elif detach_state:
            state = _detach(state)
        y = Y.T.reshape(-1)
        X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        with autograd.record():
            y_hat, state = net(X, state)
            l = loss(y_hat, y).mean()
        # Without detaching, the next minibatch backpropagates through this graph again.
        l.backward(retain_graph=not detach_state)
        params = _parameters(net)
        norm = _norm_array(params)
        if clip_theta is not None:
            _scale_grads(params, clip_theta / np.maximum(norm, clip_theta))
        updater(batch_size=1)  # the loss is already a mean
        # The first wait of the minibatch: MXNet has queued everything above by now.
        loss_value = float(l)
        if grad_norms is not None:
            grad_norms.append(float(norm))
        if not math.isfinite(loss_value):
            return math.nan if math.isnan(loss_value) else math.inf, 0.0
        metric.add(loss_value * y.size, y.size)
    return _perplexity(metric[0] / metric[1]), metric[1] / timer.stop()


def _check_training_args(lr, num_epochs):
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral) \
            or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")


def train_ch8(net, train_iter, vocab, lr, num_epochs, device=None, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l 8.5); returns a ``TrainHistory``.

    ``updater`` defaults to d2l's ``sgd`` for the scratch model and a Gluon SGD
    ``Trainer`` for Gluon blocks; a callable ``updater(batch_size)``, a
    ``gluon.Trainer`` or an ``mx.optimizer.Optimizer`` may be given instead.
    ``history.tokens_per_sec`` is the last epoch's speed, the number d2l prints.
    Training stops at the first epoch whose loss is not finite and records it
    in ``history.diverged_epoch``.
    """
    _check_training_args(lr, num_epochs)
    device = _net_device(net) if device is None else device
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    loss.hybridize()
    step = _make_updater(net, lr, updater)
    animator = None
    if animate:
        animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"],
                            xlim=[10, num_epochs] if num_epochs > 10 else None)
    history, timer = TrainHistory(), Timer()
    for epoch in range(num_epochs):
        norms = []
        ppl, speed = train_epoch_ch8(net, train_iter, loss, step, device, use_random_iter,
                                     clip_theta=clip_theta, detach_state=detach_state,
                                     grad_norms=norms)
        history.perplexity.append(ppl)
        finite_norms = [n for n in norms if math.isfinite(n)] or [math.nan]
        history.grad_norm.append(sum(finite_norms) / len(finite_norms))
        history.grad_norm_max.append(max(finite_norms))
        if not math.isfinite(ppl):
            history.diverged_epoch = epoch + 1
            break
        history.tokens_per_sec = speed
        if animator is not None and (epoch + 1) % 10 == 0:
            animator.add(epoch + 1, [ppl])
    history.seconds = timer.stop()
    if history.diverged_epoch is not None:
        # Said whatever `verbose` is, as in the other frameworks: a silent NaN run misleads.
        print(f"training diverged at epoch {history.diverged_epoch}: the loss became "
              "non-finite, training stopped (try clipping or a smaller learning rate)")
    elif verbose:
        _report(history, net, vocab, device)
    return history


def _report(history, net, vocab, device):
    print(f"perplexity {history.final_perplexity:.1f}, "
          f"{history.tokens_per_sec:.1f} tokens/sec on {device}")
    print(predict_ch8("time traveller", 50, net, vocab, device))
    print(predict_ch8("traveller", 50, net, vocab, device))


# ---------------------------------------------------------------------- prediction


def _softmax(logits, alpha):
    z = alpha * (logits - logits.max())
    p = onp.exp(z)
    return p / p.sum()


def predict_ch8(prefix, num_preds, net, vocab, device=None, sample=False, alpha=1.0,
                seed=None):
    """Continue ``prefix`` with ``num_preds`` characters (d2l 8.5).

    The prefix warms the state up; then each step takes the most likely token
    (greedy) or, with ``sample=True``, draws from ``p ** alpha`` renormalised
    (alpha > 1 sharpens, alpha < 1 flattens; ``seed`` makes the draws
    reproducible).  Characters missing from ``vocab`` become ``<unk>``.
    """
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    if isinstance(num_preds, bool) or not isinstance(num_preds, numbers.Integral) \
            or num_preds < 0:
        raise ValueError(f"num_preds must be an int >= 0, got {num_preds!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha > 0 \
            or not math.isfinite(alpha):
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}")
    device = _net_device(net) if device is None else device
    state = net.begin_state(batch_size=1, ctx=device)
    outputs = [vocab[prefix[0]]]

    def last_token():
        return np.array([[outputs[-1]]], dtype="int64", ctx=device)

    for char in prefix[1:]:  # warm-up: only the state matters
        _, state = net(last_token(), state)
        outputs.append(vocab[char])
    rng = onp.random.default_rng(seed)
    for _ in range(num_preds):
        y, state = net(last_token(), state)
        logits = y.asnumpy().reshape(-1).astype(onp.float64)
        if sample:
            outputs.append(int(rng.choice(len(logits), p=_softmax(logits, alpha))))
        else:
            outputs.append(int(logits.argmax()))
    return "".join(vocab.idx_to_token[i] for i in outputs)
