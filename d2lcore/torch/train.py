"""Training and sampling for the chapter-8 language models (PyTorch).

The functions keep d2l-zh's signatures; the keyword-only extras are:
``clip_theta`` (any threshold, or None for no clipping; the gradient norm is
measured either way), ``detach_state``, ``grad_norms`` / the per-epoch norms
in the returned ``TrainHistory``, divergence detection, and sampling with a
sharpening exponent in ``predict_ch8``.
"""

import math
import numbers
import time

import torch
from torch import nn

from ..history import TrainHistory
from ..plot import Animator
from ..utils import Accumulator, Timer
from .utils import check_non_negative_int, check_positive_int, try_gpu

__all__ = ["sgd", "grad_clipping", "train_epoch_ch8", "train_ch8", "predict_ch8"]


def sgd(params, lr, batch_size):
    """d2l's minibatch SGD: ``param -= lr * grad / batch_size``, then zero the gradient."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def _check_positive_number(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def _params_of(net_or_params):
    """The trainable tensors of an nn.Module, a scratch model (``.params``) or a list."""
    if isinstance(net_or_params, nn.Module):
        return [p for p in net_or_params.parameters() if p.requires_grad]
    if isinstance(net_or_params, torch.Tensor):
        return [net_or_params]
    params = getattr(net_or_params, "params", net_or_params)
    if isinstance(params, dict):
        params = list(params.values())
    try:
        params = list(params)
    except TypeError:
        params = None
    if params is None or not all(isinstance(p, torch.Tensor) for p in params):
        raise TypeError("net_or_params must be an nn.Module, a model with .params, "
                        f"or a list of tensors; got {type(net_or_params).__name__}")
    return params


def _global_grad_norm(params):
    """sqrt(sum of every squared gradient entry); parameters without a gradient count as 0."""
    norms = [torch.linalg.vector_norm(p.grad) for p in params if p.grad is not None]
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)))


def grad_clipping(net_or_params, theta):
    """Scale all gradients by theta / norm when their global L2 norm exceeds ``theta``.

    Clips in place and returns the norm measured before clipping (a float).
    """
    _check_positive_number(theta, "theta")
    params = _params_of(net_or_params)
    norm = _global_grad_norm(params)
    if norm > theta:
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(theta / norm)
    return norm


def _clip_or_measure(net, clip_theta):
    if clip_theta is None:
        return _global_grad_norm(_params_of(net))
    return grad_clipping(net, clip_theta)


def _detach(state):
    # detach() (not d2l's in-place detach_()) also works when a state tensor is a view.
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(s.detach() for s in state)


def _forward_keeping_history(net, X, state):
    """``net(X, state)`` whose graph survives later in-place parameter updates.

    Without detaching, a later minibatch backpropagates into this one's graph;
    running it on clones of the parameters keeps the values it used (the
    gradient still reaches the parameters through the clones).
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


def _perplexity(mean_loss):
    # exp() overflows a float past ~709 nats: such a run has diverged anyway.
    return math.exp(mean_loss) if mean_loss < 700 else math.inf


def _run_epoch(net, train_iter, loss, updater, device, use_random_iter, clip_theta,
               detach_state, grad_norms):
    """One epoch; returns (mean loss per token, tokens, seconds). Stops at a non-finite loss."""
    if clip_theta is not None:
        _check_positive_number(clip_theta, "clip_theta")
    # Only sequential iteration without detaching backpropagates into earlier minibatches.
    keep_history = not (detach_state or use_random_iter)
    state, timer = None, Timer()
    metric = Accumulator(2)  # summed loss, number of tokens
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
        l_value = float(l.detach())
        metric.add(l_value * y.numel(), y.numel())
        if not math.isfinite(l_value):
            break  # diverged: no update from a NaN/inf loss
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
        l.backward(retain_graph=keep_history)  # the next minibatch goes through this graph too
        norm = _clip_or_measure(net, clip_theta)
        if isinstance(updater, torch.optim.Optimizer):
            updater.step()
        else:
            updater(batch_size=1)  # the loss is already a mean
        if grad_norms is not None:
            grad_norms.append(norm)
    if metric[1] == 0:
        raise ValueError("train_iter yielded no minibatch")
    return metric[0] / metric[1], metric[1], timer.stop()


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter, *, clip_theta=1,
                    detach_state=True, grad_norms=None):
    """Train one epoch (d2l 8.5); returns (perplexity, tokens per second).

    ``updater`` is a torch optimizer or a callable ``updater(batch_size)``.
    Sequential iteration carries the state across minibatches (detached unless
    ``detach_state=False``: then gradients flow back to the epoch's start, at a
    cost growing with the square of the minibatches per epoch); random
    iteration starts each minibatch from a fresh state.  ``grad_norms`` (a
    list) receives each minibatch's global gradient norm before clipping.
    """
    mean_loss, tokens, seconds = _run_epoch(net, train_iter, loss, updater, device,
                                            use_random_iter, clip_theta, detach_state,
                                            grad_norms)
    return _perplexity(mean_loss), tokens / seconds


def _make_updater(net, lr, updater):
    if updater is None:
        _check_positive_number(lr, "lr")
        if isinstance(net, nn.Module):
            return torch.optim.SGD(net.parameters(), lr)
        return lambda batch_size: sgd(net.params, lr, batch_size)
    if isinstance(updater, torch.optim.Optimizer) or callable(updater):
        return updater
    raise TypeError("updater must be None, a torch.optim.Optimizer or a callable "
                    f"updater(batch_size), got {type(updater).__name__}")


def train_ch8(net, train_iter, vocab, lr, num_epochs, device, use_random_iter=False, *,
              clip_theta=1, detach_state=True, updater=None, animate=True, verbose=True):
    """Train a chapter-8 language model (d2l 8.5) and return a ``TrainHistory``.

    Like d2l it plots the perplexity every 10 epochs (``animate``) and prints a
    sample then, and at the end the perplexity, speed and two samples
    (``verbose``).  ``updater``: None (d2l's ``sgd`` for a scratch model,
    ``torch.optim.SGD`` for an ``nn.Module``), a torch optimizer, or a callable
    ``updater(batch_size)``.  A non-finite loss stops training at once and
    sets ``diverged_epoch``.  ``tokens_per_sec`` counts training time only.
    """
    check_positive_int(num_epochs, "num_epochs")
    loss = nn.CrossEntropyLoss()
    updater = _make_updater(net, lr, updater)
    animator = None
    if animate:
        # d2l's x range; left automatic when it would be empty (short runs).
        animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"],
                            xlim=[10, num_epochs] if num_epochs > 10 else None)

    def predict(prefix):
        return predict_ch8(prefix, 50, net, vocab, device)

    history, tokens, train_seconds = TrainHistory(), 0.0, 0.0
    start = time.perf_counter()
    for epoch in range(num_epochs):
        norms = []
        mean_loss, epoch_tokens, seconds = _run_epoch(
            net, train_iter, loss, updater, device, use_random_iter, clip_theta,
            detach_state, norms)
        tokens, train_seconds = tokens + epoch_tokens, train_seconds + seconds
        ppl = _perplexity(mean_loss)
        history.perplexity.append(ppl)
        history.grad_norm.append(sum(norms) / len(norms) if norms else math.nan)
        history.grad_norm_max.append(max(norms) if norms else math.nan)
        if not math.isfinite(ppl):
            history.diverged_epoch = epoch + 1
            break
        if (epoch + 1) % 10 == 0 and animator is not None:
            animator.add(epoch + 1, [ppl])
    history.tokens_per_sec = tokens / train_seconds if train_seconds > 0 else 0.0
    history.seconds = time.perf_counter() - start
    if history.diverged_epoch is not None:
        print(f"training diverged at epoch {history.diverged_epoch}: the loss became "
              "non-finite, training stopped (try clipping or a smaller learning rate)")
        return history
    if verbose:
        print(f"perplexity {history.final_perplexity:.1f}, "
              f"{history.tokens_per_sec:.1f} tokens/sec on {device}")
        print(predict("time traveller"))
        print(predict("traveller"))
    return history


def _prefix_tokens(prefix):
    if isinstance(prefix, str):
        tokens = list(prefix)
    elif isinstance(prefix, (list, tuple)):
        tokens = list(prefix)
    else:
        raise TypeError(f"prefix must be a string (or a list of tokens), "
                        f"got {type(prefix).__name__}")
    if not tokens:
        raise ValueError("prefix must be non-empty: the model needs a first token to start from")
    return tokens


def _net_device(net):
    if isinstance(net, nn.Module):
        return next(net.parameters()).device
    if getattr(net, "device", None) is not None:
        return net.device
    params = getattr(net, "params", None)
    return params[0].device if params else try_gpu()


def _next_token(logits, sample, alpha, generator):
    if not sample:
        return int(logits.argmax())
    # p**alpha renormalised is softmax(alpha * logits); float64 keeps tiny probabilities sane.
    probs = torch.softmax(alpha * logits.double(), dim=0)
    return int(torch.multinomial(probs, 1, generator=generator))


def predict_ch8(prefix, num_preds, net, vocab, device=None, sample=False, alpha=1.0, seed=None):
    """Continue ``prefix`` by ``num_preds`` tokens (d2l 8.5).

    The prefix warms up the state; then each step takes the most likely token
    (greedy) or, with ``sample=True``, draws from ``p**alpha`` renormalised
    (alpha > 1 sharpens, < 1 flattens; ``seed`` makes the draws repeatable).
    Characters outside the vocabulary become ``<unk>``.  A string prefix is
    read as characters and the result joined without spaces; a list prefix is
    read as tokens and joined with spaces.
    """
    tokens = _prefix_tokens(prefix)
    check_non_negative_int(num_preds, "num_preds")
    _check_positive_number(alpha, "alpha")
    if not isinstance(sample, bool):
        raise ValueError(f"sample must be True or False, got {sample!r}")
    if seed is not None:
        check_non_negative_int(seed, "seed")
    device = _net_device(net) if device is None else device
    generator = None
    if seed is not None:
        generator = torch.Generator(device=device).manual_seed(seed)
    outputs = [vocab[token] for token in tokens]
    with torch.no_grad():
        state = net.begin_state(batch_size=1, device=device)
        if len(outputs) > 1:  # warm-up: the whole prefix but its last token in one call
            _, state = net(torch.tensor([outputs[:-1]], device=device), state)
        for _ in range(num_preds):
            y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
            outputs.append(_next_token(y[-1], sample, alpha, generator))
    separator = "" if isinstance(prefix, str) else " "
    return separator.join(vocab.idx_to_token[i] for i in outputs)
