"""check_eval_perplexity: a student's held-out perplexity (exercise 8.6.1) against numpy.

The student's ``eval_perplexity(net, data_iter)`` runs a concise model over
minibatches without training it and returns exp(mean cross-entropy per token).
The case is built so that the usual mistakes change the number: the three
minibatches have different lengths (averaging per-minibatch losses, or
per-minibatch perplexities, weights the tokens wrongly), and the weights are
large enough that the carried state matters (starting every minibatch from a
zero state gives another value).  The parameters are compared before and after
the call, so an evaluation that trains is caught as well.
"""

import numpy as np

from .. import reference_layers
from ._common import FAILED, PASSED, StudentError, call_student, check_callable, fmt, report

__all__ = ["check_eval_perplexity", "make_case", "reference_perplexity"]

VOCAB, HIDDEN, BATCH = 7, 6, 3
STEPS = (5, 2, 8)  # unequal minibatches: per-batch averages are not per-token ones
TOL = 1e-4

HINTS = {
    "batch_mean": "each minibatch's mean loss counted once, whatever its length; weight "
                  "the losses by the number of tokens (sum the losses, divide by the total "
                  "token count) before taking exp.",
    "mean_ppl": "the per-minibatch perplexities were averaged; perplexity is exp of the "
                "mean loss over all tokens, not the mean of the minibatches' exp(loss).",
    "reset": "the state was reset to zeros at every minibatch; sequential evaluation starts "
             "from begin_state once and carries the state from one minibatch to the next.",
    "no_exp": "the mean cross-entropy was returned; perplexity is its exponential.",
    "batch_count": "the loss sum was divided by the number of sequences (batch size x "
                   "minibatches), not by the number of tokens (batch size x time steps).",
}


def make_case(seed=0):
    """(canonical parameters, list of (X, Y) int64 numpy minibatches) of the check."""
    params = reference_layers.init_layer_params("rnn", VOCAB, HIDDEN, seed=seed)
    params = {k: (3 * v).astype(np.float32) for k, v in params.items()}  # a state that matters
    rs = np.random.RandomState(100 + seed)
    text = rs.randint(0, VOCAB, size=(BATCH, sum(STEPS) + 1))
    batches, start = [], 0
    for steps in STEPS:
        X = text[:, start:start + steps]
        Y = text[:, start + 1:start + steps + 1]
        batches.append((X.astype(np.int64), Y.astype(np.int64)))
        start += steps
    return params, batches


def _losses(params, batches, carry=True):
    """Per-minibatch (sum of cross-entropies, token count), float64."""
    state, out = None, []
    for X, Y in batches:
        logits, state = reference_layers.layer_forward("rnn", params, X, state if carry else None)
        logits = logits - logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        labels = Y.T.reshape(-1)
        out.append((float(-log_p[np.arange(len(labels)), labels].sum()), labels.size))
    return out


def reference_perplexity(params, batches, mistake=None):
    """The right perplexity, or the value one named mistake gives."""
    losses = _losses(params, batches, carry=mistake != "reset")
    sums = np.array([s for s, _ in losses])
    counts = np.array([n for _, n in losses], dtype=np.float64)
    if mistake == "batch_mean":
        return float(np.exp(np.mean(sums / counts)))
    if mistake == "mean_ppl":
        return float(np.mean(np.exp(sums / counts)))
    if mistake == "no_exp":
        return float(sums.sum() / counts.sum())
    if mistake == "batch_count":
        return float(np.exp(sums.sum() / (BATCH * len(batches))))
    return float(np.exp(sums.sum() / counts.sum()))


def _close(a, b):
    return abs(a - b) <= TOL * abs(b)


def check_eval_perplexity(fn, adapter, make_model=None, fn_label=None):
    """Run ``fn(net, batches)`` on a seeded concise model; print and return the verdict.

    ``make_model(params, vocab_size, num_hiddens)`` builds the framework's
    ``RNNModel`` with the canonical ``params`` loaded (default: the framework
    package's own ``RNNModel`` around a one-layer ``make_rnn_layer('rnn', ...)``).
    """
    if make_model is None:
        make_model = _framework_model(adapter.framework)
    name = "check_eval_perplexity"
    label = fn_label or getattr(fn, "__name__", "your evaluation function")
    problem = check_callable(name, fn, "a function called as eval_perplexity(net, data_iter)")
    if problem is not None:
        return problem
    params, batches = make_case()
    net = make_model(params, VOCAB, HIDDEN)
    before = net.get_numpy_params()
    data = [(adapter.tensor(X), adapter.tensor(Y)) for X, Y in batches]
    try:
        value = call_student(name, fn, label, net, data)
    except StudentError as stop:
        return stop.result
    changed = [k for k, v in net.get_numpy_params().items()
               if not np.allclose(v, before[k], rtol=0, atol=0)]
    if changed:
        return report(name, FAILED, [
            f"{label} changed the parameters {', '.join(sorted(changed))}: evaluation must "
            "not update the model (no optimizer step, no gradient, no assignment)."
        ])
    try:
        got = float(np.asarray(adapter.numpy(value), dtype=np.float64).reshape(-1)[0])
    except Exception:
        return report(name, FAILED, [
            f"{label} returned a {type(value).__name__}; return the perplexity as one number."
        ])
    want = reference_perplexity(params, batches)
    if _close(got, want):
        return report(name, PASSED, [
            f"perplexity {fmt(want)} on {len(batches)} minibatches of different lengths, "
            "with the state carried between them, as the numpy reference; no parameter "
            "changed."
        ])
    lines = [f"{label} gave {fmt(got)}, the numpy reference is {fmt(want)} "
             f"({len(batches)} minibatches of {BATCH} sequences with {', '.join(map(str, STEPS))} "
             "steps)."]
    hint = next((h for m, h in HINTS.items()
                 if _close(got, reference_perplexity(params, batches, m))), None)
    lines.append(f"Likely cause: {hint}" if hint else
                 "Expected: state = begin_state once, then for each minibatch add the summed "
                 "cross-entropy of net(X, state) against Y.T flattened, count Y's tokens, "
                 "and return exp(total loss / total tokens).")
    return report(name, FAILED, lines)


def _framework_model(framework):
    """``make_model`` for the framework package's concise RNNModel."""
    from .. import framework_module

    def make_model(params, vocab_size, num_hiddens):
        d2l = framework_module(framework)
        return d2l.RNNModel(d2l.make_rnn_layer("rnn", num_hiddens),
                            vocab_size).set_numpy_params(params)

    return make_model
