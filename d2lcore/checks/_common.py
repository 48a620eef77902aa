"""What every checker shares: the result object, calling student code, error measures.

A checker never raises because of the student's code: a placeholder that still
raises ``NotImplementedError`` is reported as "still to do", any other exception
as a failed check that names the exception, so an unsolved notebook runs to the end.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from ..reference import to_numpy

__all__ = ["CheckResult", "StudentError", "Adapter", "call_student", "rel_error", "report"]

PASSED, FAILED, TODO = "passed", "failed", "todo"
_HEADLINE = {PASSED: "PASSED", FAILED: "NOT PASSED", TODO: "STILL TO DO"}


@dataclass
class CheckResult:
    """The verdict of one checker.

    ``passed`` is True only when every case matched the reference; ``status`` is
    ``'passed'``, ``'failed'`` or ``'todo'`` (the function still raises
    NotImplementedError); ``message`` is the text the checker printed.
    """

    name: str
    status: str
    message: str
    details: dict = field(default_factory=dict)

    @property
    def passed(self):
        return self.status == PASSED

    def __bool__(self):
        return self.passed

    def _ipython_display_(self):
        # The checker already printed the verdict; showing it again as the cell's
        # value would only duplicate it.
        pass


class StudentError(Exception):
    """Internal: the student's function raised; carries the finished CheckResult."""

    def __init__(self, result):
        super().__init__(result.message)
        self.result = result


class Adapter:
    """What a checker needs from a framework; ``d2lcore.<fw>.checks`` implements it.

    Arrays cross the boundary as numpy arrays: ``tensor`` turns one into the
    framework's tensor (same dtype), ``numpy`` turns any result back (numpy input
    passes through), ``value_and_grads`` differentiates a scalar function of
    trainable copies of the given arrays, and ``run_clipping`` calls a student's
    clipping function the way that framework's d2l code calls ``grad_clipping``.
    """

    framework = "numpy"
    #: how the clipping function is called, shown in messages
    clipping_call = "grad_clipping(net, theta)"

    def tensor(self, array):
        raise NotImplementedError

    def numpy(self, value):
        return to_numpy(value)  # PyTorch and MXNet tensors, numpy input as it is

    def value_and_grads(self, fn, arrays):
        """(float value, list of numpy gradients or None where no gradient arrived)."""
        raise NotImplementedError

    def dot_sum(self, a, b):
        """sum(a * b) as a framework scalar (b is a framework tensor)."""
        return (a * b).sum()

    def run_clipping(self, fn, grads, theta):
        """Call ``fn`` on gradients ``grads`` (list of numpy arrays).

        Returns (clipped gradients as numpy arrays, the value ``fn`` returned).
        """
        raise NotImplementedError

    def matrix_products(self, fn, X, W):
        """Names of the matrix-product operations ``fn(X, W)`` applies to W.

        An empty list means none; None means the framework cannot tell.
        """
        return None


def report(name, status, lines, details=None):
    """Print the verdict (headline + indented lines) and return the CheckResult."""
    text = "\n".join([f"{name}: {_HEADLINE[status]}"] + [f"  {line}" for line in lines])
    print(text)
    return CheckResult(name, status, text, dict(details or {}))


def call_student(name, fn, fn_label, *args, error_hints=(), diagnose=None):
    """Call the student's function; turn an exception into a finished CheckResult.

    ``error_hints`` is a sequence of (keywords, hint): the first hint whose
    keyword occurs in the error message is added to the verdict.  ``diagnose``,
    if given, is called without arguments after an exception; the lines it
    returns (e.g. from re-running the function on probe inputs) replace the
    keyword hint, because they name the mistake instead of guessing from text.
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise StudentError(report(name, TODO, [
            f"{fn_label} still raises NotImplementedError: replace the FILL IN lines with "
            "your code, run that cell, then run this check again."
        ])) from None
    except Exception as error:  # the student's bug is the verdict, not a crash
        raise StudentError(report(name, FAILED, [
            f"{fn_label} raised {type(error).__name__}: {first_line(error)}",
            *((diagnose and diagnose()) or _hint_for_error(error, error_hints)),
        ])) from None


def check_callable(name, fn, what):
    """A failed result when ``fn`` is not a function (e.g. its result was passed)."""
    if callable(fn):
        return None
    return report(name, FAILED, [
        f"expected {what}, got a {type(fn).__name__}: pass the function itself "
        "(its name without parentheses), the checker calls it on its own test inputs."
    ])


def first_line(error):
    """The informative line of an exception message (frameworks wrap theirs in noise)."""
    lines = [line.strip() for line in str(error).strip().split("\n") if line.strip()]
    if lines and lines[0].startswith("Traceback") and len(lines) > 1:
        lines = lines[-1:]  # MXNet puts its C++ traceback first and the reason last
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", lines[0]) if lines else ""
    return text[:300] if text else "(no message)"


def _hint_for_error(error, error_hints=()):
    text = str(error).lower()
    for keywords, hint in error_hints:
        if any(word in text for word in keywords):
            return [hint]
    if any(word in text for word in ("shape", "size", "dimension", "incompatible", "mat1")):
        return ["Shapes do not fit: check each matrix product against the shapes the "
                "exercise states (rows of the left factor, columns of the right one)."]
    return []


def rel_error(got, want):
    """Max absolute difference relative to the largest reference entry (normwise)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = max(float(np.max(np.abs(want))) if want.size else 0.0, 1e-12)
    if got.shape != want.shape:
        return np.inf
    if not np.all(np.isfinite(got)):
        return np.inf
    return float(np.max(np.abs(got - want))) / scale if want.size else 0.0


def as_numpy(adapter, value, what, error_hints=(), diagnose=None):
    """Convert a student's result to numpy, or explain why that is impossible.

    MXNet runs operations lazily, so an error in the student's code may only
    surface here; it is reported like an exception raised by the call.
    """
    try:
        array = adapter.numpy(value)
    except Exception as error:
        hints = (diagnose and diagnose()) or _hint_for_error(error, error_hints)
        raise ValueError(
            f"{what} could not be read as an array ({type(error).__name__}: "
            f"{first_line(error)})" + (f". {hints[0]}" if hints else "")
        ) from None
    if array.dtype == object:
        raise ValueError(f"{what} is not a numeric array (got {type(value).__name__})")
    return array


def fmt(x):
    """A short number: 3 significant digits, scientific for tiny or huge values."""
    if not np.isfinite(x):
        return "inf" if x > 0 else "nan"
    return f"{x:.3g}"


def gradient_problems(adapter, scalar, values, names, want, label, tol):
    """[] when autograd's gradients of ``scalar`` at ``values`` match ``want``, else one message.

    ``scalar`` runs the student's function and reduces its results to one number; ``want``
    holds the NumPy gradients in the order of ``names``. Shared by the step checkers.
    """
    try:
        _, got = adapter.value_and_grads(scalar, values)
    except StudentError:
        raise
    except Exception as error:
        return [f"the outputs are right, but no gradient could be computed through {label} "
                f"({type(error).__name__}: {first_line(error)}). Use only the framework's "
                "tensor operations (no numpy, no in-place updates of the parameters) so that "
                "autograd can train the model."]
    missing = [k for k, g in zip(names, got) if g is None]
    if missing:
        return [f"the outputs are right, but no gradient reaches {', '.join(missing)}: "
                "compute with the framework's operations (no numpy, no detach) so that "
                "training can update these parameters."]
    for k, g, w in zip(names, got, want):
        err = rel_error(g, w)
        if err > tol:
            return [f"the outputs are right, but the gradient of {k} differs: max relative "
                    f"error {fmt(err)}. Something in the loop is cut off from autograd "
                    "(numpy arrays, .detach() / stop_gradient, or values copied out of the "
                    "graph)."]
    return []
