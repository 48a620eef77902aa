"""Training and prediction for the chapter-8 language models (d2l 8.5 / 8.6), PyTorch.

The shared design (signatures, keyword extras, divergence, sampling): ``d2lcore.training``.
"""

import sys

import torch
from torch import nn

from .. import training
from ..validate import check_bool, check_positive_number, check_theta
from .utils import try_gpu

__all__ = ["sgd", "grad_norm", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


def _d2l():
    """The package (``d2l`` in the book): its current grad_clipping and sgd are the ones used."""
    return sys.modules[__package__]


def sgd(params, lr, batch_size):
    """d2l's minibatch SGD: ``param -= lr * grad / batch_size``, then zero the gradient."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def _params(net_or_params):
    """The trainable tensors of an nn.Module, a scratch model (``.params``) or a list."""
    if isinstance(net_or_params, nn.Module):
        return [p for p in net_or_params.parameters() if p.requires_grad]
    params = getattr(net_or_params, "params", net_or_params)
    if not isinstance(params, (list, tuple)) or not all(
            isinstance(p, torch.Tensor) for p in params):
        raise TypeError("net_or_params must be an nn.Module, a model with .params, "
                        f"or a list of tensors; got {type(net_or_params).__name__}")
    return list(params)


def grad_norm(net_or_params):
    """The global L2 norm of all gradients (a float); parameters without one count as 0."""
    grads = [p.grad for p in _params(net_or_params) if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g)
                                                       for g in grads])))


def grad_clipping(net_or_params, theta):
    """d2l's clipping: scale every gradient by theta / norm when the global norm exceeds theta.

    Clips in place and returns the norm measured before clipping (a float).
    """
    check_theta(theta)
    params = _params(net_or_params)
    norm = grad_norm(params)
    if norm > theta:
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(theta / norm)
    return norm


def _detach(state):
    # detach() (not d2l's in-place detach_()) also works when a state tensor is a view.
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(s.detach() for s in state)


def _forward_keeping_history(net, X, state):
    """``net(X, state)`` whose graph survives later in-place parameter updates.

    Without detaching, a later minibatch backpropagates into this one's graph; run on
    clones of the parameters, it keeps the values it used (gradients reach them anyway).
    """
    if isinstance(net, nn.Module):
        clones = {name: p.clone() for name, p in net.named_parameters()}
        return torch.func.functional_call(net, clones, (X, state))
    originals = net.params
    net.params = [p.clone() for p in originals]
    try:
        return net(X, state)
    finally:
        net.params = originals


def _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
               detach_state):
    """One epoch of d2l's loop; returns the core's ``Epoch`` (it stops at divergence)."""
    d2l, epoch = _d2l(), training.Epoch()
    # Only sequential iteration without detaching backpropagates into earlier minibatches.
    keep_history = not (detach_state or use_random_iter)
    state = None
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        elif detach_state:
            state = _detach(state)
        y = Y.T.reshape(-1)
        X, y = X.to(device), y.to(device)
        if keep_history:
            y_hat, state = _forward_keeping_history(net, X, state)
        else:
            y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
        l.backward(retain_graph=keep_history)  # the next minibatch goes through this graph too
        norm = grad_norm(net) if clip_theta is None else d2l.grad_clipping(net, clip_theta)
        if not epoch.add(float(l.detach()), norm, y.numel()):
            break  # diverged: no update from a non-finite loss or norm
        if isinstance(updater, torch.optim.Optimizer):
            updater.step()
        else:
            updater(batch_size=1)  # the loss is already a mean
    return epoch.finish()


def _check_epoch_args(updater, clip_theta, detach_state):
    check_theta(clip_theta, "clip_theta", allow_none=True)
    check_bool(detach_state, "detach_state")
    if not (isinstance(updater, torch.optim.Optimizer) or callable(updater)):
        raise TypeError("updater must be a torch.optim.Optimizer or a callable "
                        f"updater(batch_size), got {type(updater).__name__}")


def train_epoch_ch8(net, train_iter, loss, updater, device=None, use_random_iter=False, *,
                    clip_theta=1, detach_state=True, grad_norms=None):
    """Train one epoch (d2l 8.5); returns (perplexity, tokens per second).

    ``updater`` is a torch optimizer or a callable ``updater(batch_size)``.  The
    extras ``clip_theta``, ``detach_state`` and ``grad_norms``: ``d2lcore.training``.
    """
    _check_epoch_args(updater, clip_theta, detach_state)
    device = try_gpu() if device is None else device
    epoch = _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
                       detach_state)
    return epoch.result(grad_norms)


def _make_updater(net, lr, updater):
    """d2l's choice: ``sgd`` for a scratch model, ``torch.optim.SGD`` for an nn.Module."""
    if updater is not None:
        return updater
    if isinstance(net, nn.Module):
        return torch.optim.SGD(net.parameters(), lr)
    return lambda batch_size: _d2l().sgd(net.params, lr, batch_size)


def train_ch8(net, train_iter, vocab, lr, num_epochs, device=None, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l 8.5); returns a ``TrainHistory``.

    ``device=None`` means ``try_gpu()``.  ``updater``: None (d2l's choice), a torch
    optimizer, or a callable ``updater(batch_size)``.  Printing, plot, divergence: ``training.fit``.
    """
    lr = check_positive_number(lr, "lr")
    device = try_gpu() if device is None else device
    loss = nn.CrossEntropyLoss()
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
            state = net.begin_state(batch_size=1, device=device)
        with torch.no_grad():
            y, state = net(torch.tensor([ids], device=device), state)
        return y[-1].double().cpu().numpy()

    return training.generate(prefix, num_preds, vocab, step, sample, alpha, seed)
