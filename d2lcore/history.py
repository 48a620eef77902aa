"""What a training run returns, the same in every framework."""

import math
from dataclasses import dataclass, field

__all__ = ["TrainHistory"]


@dataclass
class TrainHistory:
    """Per-epoch perplexity and gradient norm of one ``train_ch8`` run.

    ``grad_norm`` holds, per epoch, the mean over minibatches of the global
    gradient norm measured before clipping; ``grad_norm_max`` the largest one.
    ``diverged_epoch`` is the 1-based epoch whose loss became non-finite
    (training stopped there), or None.
    """

    perplexity: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    grad_norm_max: list = field(default_factory=list)
    tokens_per_sec: float = 0.0
    seconds: float = 0.0
    diverged_epoch: int | None = None

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
