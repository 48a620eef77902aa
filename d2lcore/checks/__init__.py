"""Exercise checkers: run a student's function on seeded inputs, compare with numpy.

The logic here is framework-neutral; each framework package has a thin
``checks.py`` that supplies an :class:`Adapter` (tensor conversion, autograd,
how d2l calls ``grad_clipping`` there) and exposes the checkers with the
student-facing signatures, e.g. ``d2l.check_rnn(rnn_relu, activation='relu')``.

Every checker prints a verdict and returns a :class:`CheckResult`
(``passed``, ``status`` in 'passed' / 'failed' / 'todo', ``message``).  A function
that still raises ``NotImplementedError`` is "still to do", other exceptions are
reported, never raised, so exercise notebooks always run to the end.
"""

from ._common import Adapter, CheckResult
from .clipping import check_grad_clipping
from .embedding import check_embedding, check_one_hot_matmul
from .features import check_ar_features
from .rnn import check_rnn

__all__ = [
    "Adapter",
    "CheckResult",
    "check_rnn",
    "check_grad_clipping",
    "check_ar_features",
    "check_one_hot_matmul",
    "check_embedding",
]

# --- text exercises of 8.2-8.3 (n-grams, Zipf's law, the random partition) ---------
from .ngrams import check_count_ngrams  # noqa: E402
from .partition import check_seq_data_iter_random  # noqa: E402
from .zipf import check_zipf_exponent  # noqa: E402

__all__ += ["check_count_ngrams", "check_zipf_exponent", "check_seq_data_iter_random"]

# --- exercises of 8.7 (the power iteration behind exploding gradients) ---------------
from .powers import check_power_alignment  # noqa: E402

__all__ += ["check_power_alignment"]

# --- exercises of 8.5 (temperature sampling, detaching the state) and 8.6 (held-out
# perplexity of the concise model)
from .detach import check_detach_state  # noqa: E402
from .evaluation import check_eval_perplexity  # noqa: E402
from .sampling import check_sample_temperature  # noqa: E402

__all__ += ["check_sample_temperature", "check_detach_state", "check_eval_perplexity"]

# --- exercises of 9.1-9.2 (the scratch GRU and LSTM step by step) ----------------------
from .gated import check_gru, check_lstm  # noqa: E402

__all__ += ["check_gru", "check_lstm"]

# --- exercise 9.3.1 (a two-layer RNN from scratch) -------------------------------------
from .deep import check_deep_rnn  # noqa: E402

__all__ += ["check_deep_rnn"]
