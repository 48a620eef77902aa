"""The student-facing checkers of one framework, built from one table.

Every framework's ``checks.py`` defines an :class:`Adapter` and calls
``bind(adapter)``; the checkers it returns call the framework-neutral ones
here with that adapter, e.g. ``d2l.check_rnn(rnn_relu, activation='relu')``
runs ``d2lcore.checks.check_rnn(rnn_relu, adapter, activation='relu')``.

Adding a checker is one change: write it in ``d2lcore/checks/`` (signature
``check_x(fn, adapter, ...)``) and add a row to ``CHECKERS`` below.  Every
framework package then offers it as ``d2l.check_x``.
"""

import functools
import inspect

from .clipping import check_grad_clipping
from .deep import check_deep_rnn
from .detach import check_detach_state
from .embedding import check_embedding, check_one_hot_matmul
from .evaluation import check_eval_perplexity
from .features import check_ar_features
from .gated import check_gru, check_lstm
from .ngrams import check_count_ngrams
from .partition import check_seq_data_iter_random
from .powers import check_power_alignment
from .rnn import check_rnn
from .sampling import check_sample_temperature
from .zipf import check_zipf_exponent

__all__ = ["CHECKERS", "bind"]

# name -> (framework-neutral checker, the docstring readers see with ``??``).
# ``{clipping_call}`` is replaced by how d2l calls grad_clipping in that framework.
CHECKERS = {
    "check_rnn": (check_rnn, """\
Check ``rnn_fn(inputs, state, params) -> (outputs, (H,))`` (d2l 8.5's ``rnn``).

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``params`` is
    [W_xh, W_hh, b_h, W_hq, b_q]; ``activation`` is the one the hidden layer should use.
    """),
    "check_grad_clipping": (check_grad_clipping, """\
Check your gradient clipping by the global norm.

    It is called the way d2l calls it in this framework: {clipping_call}.
    """),
    "check_ar_features": (check_ar_features, """\
Check ``features_fn(x, tau) -> (features (T-tau, tau), labels (T-tau, 1))`` (d2l 8.1)."""),
    "check_one_hot_matmul": (check_one_hot_matmul, """\
Check ``fn(X, W) == one_hot(X, len(W)) @ W`` with shape X.shape + (embed_size,)."""),
    "check_embedding": (check_embedding, """\
Check the embedding lookup ``fn(X, W) == W[X]`` (values and gradient)."""),
    # text exercises of 8.2-8.3 (n-grams, Zipf's law, the random partition)
    "check_count_ngrams": (check_count_ngrams, """\
Check ``fn(tokens, n)`` returns {{n-gram tuple: count}} over overlapping windows."""),
    "check_zipf_exponent": (check_zipf_exponent, """\
Check ``fn(freqs, first, last)`` returns -slope of log count against log rank."""),
    "check_seq_data_iter_random": (check_seq_data_iter_random, """\
Check ``fn(corpus, batch_size, num_steps, rng)`` yields d2l's random-partition batches."""),
    # exercises of 8.7 (the power iteration behind exploding gradients)
    "check_power_alignment": (check_power_alignment, """\
Check ``fn(M, x, k_max)`` returns the angles between the lines of M^k x and v1."""),
    # exercises of 8.5 (sampling with an exponent, detaching the state) and 8.6
    "check_sample_temperature": (check_sample_temperature, """\
Check ``fn(logits, alpha, rng)`` draws a token id from softmax(logits)**alpha."""),
    "check_detach_state": (check_detach_state, """\
Check ``fn(state)`` returns the state tuple with the same values, cut off the graph."""),
    "check_eval_perplexity": (check_eval_perplexity, """\
Check ``fn(net, data_iter)`` returns exp(mean loss per token), state carried, no update."""),
    # exercises of 9.1-9.2 (the scratch GRU and LSTM)
    "check_gru": (check_gru, """\
Check ``gru_fn(inputs, state, params) -> (outputs, (H,))`` (d2l-zh 9.1's ``gru``).

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``state`` is (H,) and
    ``params`` is [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q].
    Outputs, final state and gradients are compared with a numpy GRU; a wrong
    result names the usual mistake it matches.
    """),
    "check_lstm": (check_lstm, """\
Check ``lstm_fn(inputs, state, params) -> (outputs, (H, C))`` (d2l-zh 9.2's ``lstm``).

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``state`` is (H, C) and
    ``params`` is [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c,
    W_hq, b_q].  Outputs, final state and gradients are compared with a numpy LSTM; a
    wrong result names the usual mistake it matches.
    """),
    # exercise 9.3.1 (a two-layer RNN from scratch)
    "check_deep_rnn": (check_deep_rnn, """\
Check ``deep_rnn(inputs, state, params) -> (outputs, (H1, H2))``, a two-layer scratch RNN.

    ``inputs`` are one-hot (num_steps, batch, vocab) tensors, ``state`` is (H1, H2), the
    states of layer 1 (which reads the characters) and layer 2, each (batch, hidden), and
    ``params`` is [W_xh1, W_hh1, b_h1, W_xh2, W_hh2, b_h2, W_hq, b_q] with shapes
    (vocab, hidden), (hidden, hidden), (hidden,), (hidden, hidden), (hidden, hidden),
    (hidden,), (hidden, vocab), (vocab,).  Each step computes
    H1 = tanh(X_t W_xh1 + H1 W_hh1 + b_h1), H2 = tanh(H1 W_xh2 + H2 W_hh2 + b_h2),
    O_t = H2 W_hq + b_q; outputs are the O_t concatenated time-major.  Outputs, final
    states and gradients are compared with a numpy reference; a wrong result names the
    usual mistake it matches.
    """),
}


def bind(adapter, module_name):
    """A dict name -> checker for one framework: ``CHECKERS`` with ``adapter`` filled in."""
    return {name: _bound(name, check, doc, adapter, module_name)
            for name, (check, doc) in CHECKERS.items()}


def _bound(name, check, doc, adapter, module_name):
    @functools.wraps(check)
    def checker(fn, *args, **kwargs):
        return check(fn, adapter, *args, **kwargs)

    checker.__doc__ = doc.format(clipping_call=adapter.clipping_call)
    checker.__module__ = module_name
    # The signature readers see: the checker's own without the adapter argument.
    signature = inspect.signature(check)
    checker.__signature__ = signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "adapter"])
    del checker.__wrapped__  # ``??`` shows this wrapper, whose docstring is the one above
    return checker
