"""The framework-free half of ``train_ch8`` and ``predict_ch8`` (d2l 8.5), written once.

Each framework's ``train.py`` keeps what d2l shows in that framework (the
minibatch step: forward, loss, backward, ``grad_clipping``, the updater) and
hands the rest to this module: per-epoch bookkeeping, divergence, the
``TrainHistory``, printing and plotting, and the sampling loop of
``predict_ch8`` (numpy, so one seed gives one text in every framework).

The public surface is the same in every package: d2l-zh's names and
positional signatures, plus the keyword-only extras ``clip_theta`` (None: no
clipping, the norm is still measured), ``detach_state`` (False: the state carried
across sequential minibatches keeps its history, so gradients flow back to the
epoch's start, at a cost growing with the square of the minibatches per epoch;
random iteration starts every minibatch from a fresh state anyway), ``grad_norms``
(a list receiving each minibatch's norm before clipping), ``updater``, ``animate``
/ ``verbose``, and ``sample`` / ``alpha`` / ``seed`` in ``predict_ch8``.  The
minibatch step calls ``d2l.grad_clipping`` and ``d2l.sgd`` by their package
names, so redefining them changes training, as in d2l.

The divergence rule, the same everywhere: a minibatch whose loss or gradient
norm is not finite updates nothing, the epoch stops there, and the run stops
with ``diverged_epoch`` set.
"""

import math
import os

import numpy as np

from .history import TrainHistory
from .plot import Animator
from .utils import Timer
from .validate import (
    check_bool,
    check_non_negative_int,
    check_positive_int,
    check_positive_number,
    check_seed,
    prefix_tokens,
)

__all__ = ["perplexity", "Epoch", "fit", "generate", "capped_epochs", "MAX_EPOCHS_ENV"]

# CI re-executes the long trainings of chapter 9 (500 epochs each, as in d2l) with this
# variable set (tools/nbval.py); the committed notebooks trained every epoch.
MAX_EPOCHS_ENV = "D2LCORE_MAX_EPOCHS"

# exp() overflows a float past ~709 nats: such a loss has diverged anyway.
_MAX_LOG_PERPLEXITY = 700.0


def perplexity(mean_loss):
    """exp(mean cross-entropy per token); inf once that overflows, nan for a nan loss."""
    return math.exp(mean_loss) if mean_loss < _MAX_LOG_PERPLEXITY else (
        math.nan if math.isnan(mean_loss) else math.inf)


class Epoch:
    """One epoch's sums: loss x tokens, tokens trained, each minibatch's norm, time."""

    def __init__(self):
        self.loss_sum, self.tokens, self.norms = 0.0, 0, []
        self.bad_loss = None  # the non-finite loss that stopped the epoch
        self.timer, self.seconds = Timer(), 0.0

    def add(self, loss, norm, tokens):
        """Record a minibatch; False means "do not update, stop" (non-finite loss or norm)."""
        loss, norm = float(loss), float(norm)
        self.norms.append(norm)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            self.bad_loss = loss if not math.isfinite(loss) else math.inf
            return False
        self.loss_sum += loss * tokens
        self.tokens += int(tokens)
        return True

    def finish(self):
        self.seconds = self.timer.stop()
        if not self.norms:
            raise ValueError("train_iter yielded no minibatch")
        return self

    @property
    def diverged(self):
        return self.bad_loss is not None

    @property
    def perplexity(self):
        if self.diverged:
            return perplexity(self.bad_loss)
        return perplexity(self.loss_sum / self.tokens)

    @property
    def speed(self):
        """Tokens trained per second of this epoch (what d2l's train_epoch_ch8 returns)."""
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def result(self, grad_norms=None):
        """``train_epoch_ch8``'s ``(perplexity, speed)``; a list ``grad_norms`` gets the norms."""
        if grad_norms is not None:
            grad_norms.extend(self.norms)
        return self.perplexity, self.speed


def capped_epochs(num_epochs):
    """``num_epochs``, or ``$D2LCORE_MAX_EPOCHS`` when that is set and smaller, said aloud.

    Only a quick re-execution sets the variable (nbval of chapter 9); the printed line
    keeps a capped run from passing for a full one.
    """
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    raw = os.environ.get(MAX_EPOCHS_ENV, "").strip()
    if not raw:
        return num_epochs
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{MAX_EPOCHS_ENV} must be a positive integer (or unset), got {raw!r}")
    cap = int(raw)
    if cap >= num_epochs:
        return num_epochs
    print(f"{MAX_EPOCHS_ENV}={cap}: training {cap} of {num_epochs} epochs "
          "(a quick re-execution; unset it to train them all)")
    return cap


def fit(run_epoch, num_epochs, predict, device_name, *, animate=True, verbose=True):
    """Run ``run_epoch() -> Epoch`` up to ``num_epochs`` times; return the ``TrainHistory``.

    ``predict(prefix)`` gives the sample printed at the end; ``device_name``
    goes into d2l's last line ("... tokens/sec on cpu").
    """
    num_epochs = capped_epochs(num_epochs)
    check_bool(animate, "animate")
    check_bool(verbose, "verbose")
    animator = None
    if animate:  # d2l's x range; left automatic when it would be empty (short runs)
        animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"],
                            xlim=[10, num_epochs] if num_epochs > 10 else None)
    history = TrainHistory()
    for epoch in range(num_epochs):
        stats = run_epoch()
        history.tokens += stats.tokens
        history.seconds += stats.seconds
        ppl = stats.perplexity
        history.perplexity.append(ppl)
        history.grad_norm.append(float(np.mean(stats.norms)))
        history.grad_norm_max.append(float(np.max(stats.norms)))
        if stats.diverged or not math.isfinite(ppl):
            history.diverged_epoch = epoch + 1
            break
        if animator is not None and (epoch + 1) % 10 == 0:
            animator.add(epoch + 1, [ppl])
    history.tokens_per_sec = history.tokens / history.seconds if history.seconds > 0 else 0.0
    if history.diverged_epoch is not None:
        # Said whatever `verbose` is: a silent NaN run misleads.
        print(f"training diverged at epoch {history.diverged_epoch}: the loss became "
              "non-finite, training stopped (try clipping or a smaller learning rate)")
    elif verbose:
        print(f"perplexity {history.final_perplexity:.1f}, "
              f"{history.tokens_per_sec:.1f} tokens/sec on {device_name}")
        print(predict("time traveller"))
        print(predict("traveller"))
    return history


def _next_token(logits, sample, alpha, rng):
    if not sample:
        return int(np.argmax(logits))
    z = alpha * np.asarray(logits, dtype=np.float64)  # p**alpha renormalised = softmax(alpha z)
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def generate(prefix, num_preds, vocab, step, sample=False, alpha=1.0, seed=None):
    """The ``predict_ch8`` loop; ``step(token_ids)`` feeds ids to the model, returns last logits.

    The first call warms the state up on the whole prefix; each later call
    feeds the one token just chosen.  Greedy by default; ``sample=True`` draws
    from ``p**alpha`` renormalised with numpy's generator seeded by ``seed``.
    A str prefix is read as characters and the text joined without spaces; a
    list prefix as tokens, joined with spaces.  Unknown tokens become ``<unk>``.
    """
    tokens = prefix_tokens(prefix)
    num_preds = check_non_negative_int(num_preds, "num_preds")
    check_bool(sample, "sample")
    alpha = check_positive_number(alpha, "alpha")
    rng = np.random.default_rng(check_seed(seed))
    outputs = [vocab[token] for token in tokens]
    for i in range(num_preds):
        logits = step(outputs if i == 0 else outputs[-1:])
        outputs.append(_next_token(logits, sample, alpha, rng))
    separator = "" if isinstance(prefix, str) else " "
    return separator.join(vocab.idx_to_token[i] for i in outputs)

