"""What a training run returns, the same in every framework."""

import math
from dataclasses import dataclass, field

__all__ = ["TrainHistory"]


@dataclass
class TrainHistory:
    """What one ``train_ch8`` run measured; every field is filled by ``d2lcore.training.fit``.

    - ``perplexity[e]``: exp of the mean cross-entropy per token over epoch e's
      updated minibatches (for the diverged epoch: inf, or nan for a nan loss).
    - ``grad_norm[e]`` / ``grad_norm_max[e]``: mean / largest over epoch e's
      minibatches of the global gradient norm measured before clipping
      (non-finite norms included, so a diverging epoch shows them).
    - ``tokens``: tokens of all minibatches that updated the model.
    - ``seconds``: training seconds of the run (the epochs' loops; no plotting,
      no printing, no sampling).
    - ``tokens_per_sec``: ``tokens / seconds``, the number ``train_ch8`` prints.
    - ``diverged_epoch``: the 1-based epoch where a loss or gradient norm became
      non-finite (no update was made from it and training stopped), or None.
    """

    perplexity: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    grad_norm_max: list = field(default_factory=list)
    tokens_per_sec: float = 0.0
    seconds: float = 0.0
    diverged_epoch: int | None = None
    tokens: int = 0

    @property
    def final_perplexity(self):
        return self.perplexity[-1] if self.perplexity else math.nan

    @property
    def epochs(self):
        return len(self.perplexity)

    def summary(self):
        if self.diverged_epoch is not None:
            return (f"diverged at epoch {self.diverged_epoch}: the loss became non-finite "
                    f"(last finite perplexity {self._last_finite():.3g})")
        return f"perplexity {self.final_perplexity:.1f}, {self.tokens_per_sec:.1f} tokens/sec"

    def _last_finite(self):
        finite = [p for p in self.perplexity if math.isfinite(p)]
        return finite[-1] if finite else math.nan
