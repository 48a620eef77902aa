"""Training and prediction for the chapter-8 language models (d2l 8.5 / 8.6), MXNet/Gluon.

The shared design (signatures, keyword extras, divergence, sampling): ``d2lcore.training``.
"""

import sys

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, np

from .. import training
from ..validate import check_bool, check_positive_number, check_theta
from .utils import try_gpu

__all__ = ["sgd", "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


def _d2l():
    """The package (``d2l`` in the book): its current grad_clipping and sgd are the ones used."""
    return sys.modules[__package__]


def sgd(params, lr, batch_size):
    """d2l's minibatch SGD: ``param -= lr * grad / batch_size`` for every array, in place."""
    for param in params:
        param[:] = param - lr * param.grad / batch_size


def _params(net_or_params):
    """The parameter arrays of a Gluon block, a scratch model (``.params``) or a list."""
    if isinstance(net_or_params, gluon.Block):
        return [p.data() for p in net_or_params.collect_params().values() if p.grad_req != "null"]
    params = getattr(net_or_params, "params", net_or_params)
    if not isinstance(params, (list, tuple)) or not all(isinstance(p, np.ndarray) for p in params):
        raise TypeError("net_or_params must be a Gluon block, a model with .params, "
                        f"or a list of arrays; got {type(net_or_params).__name__}")
    return list(params)


def grad_norm(net_or_params):
    """The global L2 norm of all gradients (a float)."""
    return float(np.sqrt(sum((p.grad * p.grad).sum() for p in _params(net_or_params))))


def grad_clipping(net_or_params, theta):
    """d2l's clipping: scale every gradient by theta / norm when the global norm exceeds theta.

    Clips in place and returns the norm measured before clipping (a float).
    """
    check_theta(theta)
    params = _params(net_or_params)
    norm = grad_norm(params)
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm
    return norm


def _detach(state):
    if isinstance(state, (list, tuple)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
               detach_state):
    """One epoch of d2l's loop; returns the core's ``Epoch`` (it stops at divergence)."""
    d2l, epoch = _d2l(), training.Epoch()
    state = None
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
        # Without detaching, the next minibatch backpropagates through this graph again
        # (using the arrays' current values: MXNet, unlike PyTorch, allows it).
        l.backward(retain_graph=not detach_state)
        norm = grad_norm(net) if clip_theta is None else d2l.grad_clipping(net, clip_theta)
        if not epoch.add(float(l), norm, y.size):
            break  # diverged: no update from a non-finite loss or norm
        updater(batch_size=1)  # the loss is already a mean
    return epoch.finish()


def _check_epoch_args(updater, clip_theta, detach_state):
    check_theta(clip_theta, "clip_theta", allow_none=True)
    check_bool(detach_state, "detach_state")
    if not callable(updater):
        raise TypeError("updater must be a gluon.Trainer or a callable updater(batch_size), "
                        f"got {type(updater).__name__}")


def train_epoch_ch8(net, train_iter, loss, updater, device=None, use_random_iter=False, *,
                    clip_theta=1, detach_state=True, grad_norms=None):
    """Train one epoch (d2l 8.5); returns (perplexity, tokens per second).

    ``updater`` is a ``gluon.Trainer`` or a callable ``updater(batch_size)``.  The
    extras ``clip_theta``, ``detach_state`` and ``grad_norms``: ``d2lcore.training``.
    """
    updater = updater.step if isinstance(updater, gluon.Trainer) else updater
    _check_epoch_args(updater, clip_theta, detach_state)
    device = try_gpu() if device is None else device
    epoch = _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
                       detach_state)
    return epoch.result(grad_norms)


def _make_updater(net, lr, updater):
    """d2l's choice: ``sgd`` for a scratch model, a Gluon SGD ``Trainer`` for a Block."""
    if isinstance(updater, mx.optimizer.Optimizer) and isinstance(net, gluon.Block):
        updater = gluon.Trainer(net.collect_params(), updater)
    if updater is None and isinstance(net, gluon.Block):
        updater = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    if isinstance(updater, gluon.Trainer):
        return updater.step
    if updater is None:
        return lambda batch_size: _d2l().sgd(net.params, lr, batch_size)
    return updater


def train_ch8(net, train_iter, vocab, lr, num_epochs, device=None, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l 8.5); returns a ``TrainHistory``.

    ``device=None`` means ``try_gpu()``.  ``updater``: None (d2l's choice), a
    ``gluon.Trainer`` (or an ``mx.optimizer.Optimizer`` for a Block), or a callable
    ``updater(batch_size)``.  Printing, plot, divergence: ``training.fit``.
    """
    lr = check_positive_number(lr, "lr")
    device = try_gpu() if device is None else device
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    loss.hybridize()
    updater = _make_updater(net, lr, updater)
    _check_epoch_args(updater, clip_theta, detach_state)

    def run_epoch():
        return _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
                          detach_state)

    def predict(prefix):
        return predict_ch8(prefix, 50, net, vocab, device)

    return training.fit(run_epoch, num_epochs, predict, device, animate=animate,
                        verbose=verbose)


def predict_ch8(prefix, num_preds, net, vocab, device=None, sample=False, alpha=1.0, seed=None):
    """Continue ``prefix`` (a str, or a list of tokens) by ``num_preds`` tokens (d2l 8.5).

    Greedy, or ``sample=True`` with ``alpha`` and ``seed``: ``d2lcore.training.generate``.
    """
    device = try_gpu() if device is None else device
    state = None

    def step(ids):
        nonlocal state
        if state is None:
            state = net.begin_state(batch_size=1, ctx=device)
        y, state = net(np.array([ids], dtype="int64", ctx=device), state)
        return y[-1].asnumpy().astype(onp.float64)

    return training.generate(prefix, num_preds, vocab, step, sample, alpha, seed)
