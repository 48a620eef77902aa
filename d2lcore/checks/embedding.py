"""check_one_hot_matmul and check_embedding: two ways to turn token ids into vectors.

Both functions under test are called as ``fn(X, W)`` with integer token ids ``X``
of any shape and a (vocab_size, embed_size) matrix ``W``, and must return an array
of shape ``X.shape + (embed_size,)`` whose entry at index i is row ``X[i]`` of ``W``:

- ``one_hot_matmul`` by building the one-hot vectors and multiplying them by W,
- ``embedding`` by reading the rows directly (no (..., vocab_size) one-hot array).

They must agree, and the gradient with respect to W must be the row-wise
scatter-add of the output gradient (both are checked).  The seeded cases mix
shapes; most include the first and the last token id, one leaves out the largest
ids (so a one-hot sized by max(X)+1 instead of vocab_size fails), and one has a
square W so that a transposed W does not simply fail on shapes.

When the function raises, it is re-run on probe inputs to name the mistake
(a one-hot without the vocabulary size, a transposed W) instead of showing only
the framework's shape error.  ``check_embedding`` also asks the framework
whether W went through a matrix product: a one-hot product gives the right
values but is exactly what the lookup is meant to avoid.
"""

import numpy as np

from ._common import (
    FAILED,
    PASSED,
    StudentError,
    as_numpy,
    call_student,
    check_callable,
    first_line,
    fmt,
    rel_error,
    report,
)

__all__ = ["check_one_hot_matmul", "check_embedding", "lookup"]

#: (vocab_size, embed_size, shape of X); case 3 has no id above vocab_size - 4
CASES = ((7, 3, (2, 5)), (10, 4, (6,)), (9, 4, (4, 3)), (5, 5, (3, 2)))
_WITHOUT_TOP_IDS = 2
TOL = 1e-5
_ROWS = ("W is (vocab_size, embed_size): token id i selects ROW i of W, and "
         "one_hot(X, vocab_size) @ W multiplies in that order, W not transposed.")
ERROR_HINTS = (
    (("index", "out of bound", "out of range", "not in ["), "An index is out of range. " + _ROWS),
    (("shape", "size", "dimension", "incompatible", "mat1"), "Shapes do not fit. " + _ROWS),
)


def make_case(index):
    vocab, embed, shape = CASES[index]
    rs = np.random.RandomState(3000 + index)
    top = vocab - 3 if index == _WITHOUT_TOP_IDS else vocab
    X = rs.randint(0, top, shape)
    X.reshape(-1)[0], X.reshape(-1)[-1] = 0, top - 1
    W = rs.normal(0, 1, (vocab, embed)).astype(np.float32)
    R = rs.normal(0, 1, shape + (embed,)).astype(np.float32)
    return X.astype(np.int64), W, R


def lookup(X, W):
    """The reference: row X[i] of W for every index i (numpy fancy indexing)."""
    return W[np.asarray(X)]


def lookup_grad(X, W, R):
    """d sum(lookup(X, W) * R) / dW: each row of R added into the row of its token."""
    g = np.zeros(W.shape, np.float64)
    np.add.at(g, np.asarray(X).reshape(-1), R.reshape(-1, W.shape[1]))
    return g


def _mistake(got, X, W):
    """Name a recognisable mistake in values of the right shape."""
    vocab = W.shape[0]
    if W.shape[0] == W.shape[1] and rel_error(got, W.T[X]) < TOL:
        return ("W is used transposed: its ROWS belong to tokens (W is vocab_size x "
                "embed_size), so token i reads row i, W[i, :].")
    for shift in (-1, 1):
        if rel_error(got, W[(X + shift) % vocab]) < TOL:
            return (f"every token reads the row of token id {'+' if shift > 0 else '-'}1: "
                    "token id i (0 is <unk>) reads row i, no offset.")
    return None


def _reproduces(fn, adapter, X, W, want):
    """True when fn(X, W) runs and returns ``want`` (a probe; any failure is False)."""
    try:
        got = adapter.numpy(fn(adapter.tensor(X), adapter.tensor(W)))
        return rel_error(got, want) < TOL
    except Exception:  # a probe that fails proves nothing
        return False


def _diagnose_error(fn, adapter, X, W):
    """After fn(X, W) raised: re-run it on probe inputs to name the mistake."""
    vocab = W.shape[0]
    top = int(X.max()) + 1
    if top < vocab and _reproduces(fn, adapter, X, W[:top], W[X]):
        return [f"Likely cause: one_hot(X) without the vocabulary size makes max(X)+1 = "
                f"{top} columns, but W has vocab_size = {vocab} rows (this case has no token "
                f"id {vocab - 1}). Pass the size, one_hot(X, W.shape[0]), so that every "
                "batch gets vectors of the same length."]
    square = np.random.RandomState(7).normal(0, 1, (vocab, vocab)).astype(np.float32)
    if _reproduces(fn, adapter, X, square, square.T[X]):
        return ["Likely cause: W is used transposed (W.T); that only runs when W is square. "
                + _ROWS]
    return []


def _check_product(name, fn, adapter):
    """check_embedding only: a one-hot product gives the right values but is not allowed."""
    X, W, _ = make_case(0)
    try:
        products = adapter.matrix_products(fn, X, W)
    except Exception:  # the cases already ran this function; a tracing problem is ours
        products = None
    if not products:
        return None
    return report(name, FAILED, [
        f"the values and the gradient are right, but W goes through a matrix product "
        f"({', '.join(sorted(set(products)))}). That is the one-hot product: it builds a "
        "(..., vocab_size) array and multiplies it by W, which the embedding must avoid. "
        "Read the rows directly instead (indexing W[X], gather, or the framework's "
        "embedding lookup)."
    ], {"products": sorted(set(products))})


def _check(name, fn, adapter, what, fn_label, forbid_product=False):
    label = fn_label or getattr(fn, "__name__", "your function")
    problem = check_callable(name, fn, "a function fn(X, W)")
    if problem is not None:
        return problem
    try:
        for index in range(len(CASES)):
            lines = _check_case(index, fn, adapter, name, label)
            if lines:
                vocab, embed, shape = CASES[index]
                head = (f"case {index + 1} of {len(CASES)} (X of shape {shape}, W of shape "
                        f"({vocab}, {embed})):")
                return report(name, FAILED, [head, *lines], {"case": index})
    except StudentError as stop:
        return stop.result
    if forbid_product:
        failed = _check_product(name, fn, adapter)
        if failed is not None:
            return failed
    return report(name, PASSED, [
        f"{what} and its gradient with respect to W match the reference W[X] on "
        f"{len(CASES)} seeded cases."
    ])


def _check_case(index, fn, adapter, name, label):
    X, W, R = make_case(index)
    def diagnose():
        return _diagnose_error(fn, adapter, X, W)

    got = call_student(name, fn, label, adapter.tensor(X), adapter.tensor(W),
                       error_hints=ERROR_HINTS, diagnose=diagnose)
    try:
        got = as_numpy(adapter, got, "the result", ERROR_HINTS, diagnose)
    except ValueError as error:
        return [str(error)]
    want = lookup(X, W)
    if got.shape != want.shape:
        text = f"the result has shape {got.shape}, expected X.shape + (embed_size,) = {want.shape}"
        if X.ndim == 2 and got.shape == (X.shape[1], X.shape[0], W.shape[1]):
            text += "; the batch and time axes are swapped (X was transposed)"
        elif X.ndim > 1 and got.shape == (X.size, W.shape[1]):
            text += "; the result is flattened: keep the shape of X and add one axis"
        elif got.shape == X.shape + (W.shape[0],):
            text += ("; these are the one-hot vectors themselves: multiply them by W "
                     "(or read rows of W)")
        return [text]
    err = rel_error(got, want)
    if err > TOL:
        lines = [f"the vectors differ from W[X]: max relative error {fmt(err)}"]
        hint = _mistake(got, X, W)
        if hint:
            lines.append(f"Likely cause: {hint}")
        return lines
    Xt, Rt = adapter.tensor(X), adapter.tensor(R)

    def scalar(W_var):
        return adapter.dot_sum(call_student(name, fn, label, Xt, W_var), Rt)

    try:
        _, (g,) = adapter.value_and_grads(scalar, [W])
    except StudentError:
        raise
    except Exception as error:
        return [f"the values are right, but no gradient with respect to W could be computed "
                f"({type(error).__name__}: {first_line(error)}). Use the framework's "
                "operations (no numpy, no detach) so the embedding can be trained."]
    if g is None:
        return ["the values are right, but no gradient reaches W: compute with the framework's "
                "operations (no numpy, no detach), otherwise the embedding never learns."]
    err = rel_error(g, lookup_grad(X, W, R))
    if err > 1e-4:
        return [f"the values are right, but the gradient with respect to W differs: max "
                f"relative error {fmt(err)}."]
    return []


def check_one_hot_matmul(fn, adapter, fn_label=None):
    """Check ``fn(X, W) = one_hot(X, len(W)) @ W``; print and return the verdict."""
    return _check("check_one_hot_matmul", fn, adapter, "one_hot(X) @ W", fn_label)


def check_embedding(fn, adapter, fn_label=None):
    """Check the row lookup ``fn(X, W) = W[X]``; print and return the verdict."""
    return _check("check_embedding", fn, adapter, "the embedding lookup", fn_label,
                  forbid_product=True)
