"""Plotting: d2l's plot helpers and an Animator for training curves.

The Animator redraws one figure in place while a cell runs (a Jupyter display
with a ``display_id``) so the saved notebook ends with exactly one static
figure: the final one.  Outside Jupyter it only records the points.
"""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["use_svg_display", "set_figsize", "set_axes", "plot", "Animator"]


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def use_svg_display():
    """Show figures as SVG in Jupyter (sharper than PNG)."""
    if _in_notebook():
        from matplotlib_inline import backend_inline

        backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def legend_columns(legend, width_inches):
    """How many legend entries fit side by side in a row as wide as the axes."""
    chars_per_inch = 13  # a 10-pt label; the line sample and the gap count as 5 chars
    widest = max(len(str(label)) for label in legend) + 5
    fit = max(1, min(len(legend), int(width_inches * chars_per_inch // widest)))
    rows = -(-len(legend) // fit)
    return -(-len(legend) // rows)  # as many per row as needed, rows evenly filled


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        # Above the plot area, never on top of the curves; at the axis-label size.
        width = axes.get_position().width * axes.figure.get_figwidth()
        axes.legend(legend, loc="lower left", bbox_to_anchor=(0, 1.01), borderaxespad=0,
                    frameon=False, fontsize="medium", ncol=legend_columns(legend, width),
                    columnspacing=1.2, handlelength=1.8)
    axes.grid()


def _to_numpy(x):
    # Tensors of every framework offer .numpy() / .asnumpy(); lists pass through.
    for attr in ("asnumpy", "numpy"):
        if hasattr(x, attr) and not isinstance(x, np.ndarray):
            try:
                return getattr(x, attr)()
            except TypeError:
                pass
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return x


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5),
         axes=None):
    """Plot one or several curves (d2l's ``plot``; like d2l it returns nothing)."""
    legend = [] if legend is None else legend
    set_figsize(figsize)
    axes = axes if axes else plt.gca()

    def has_one_axis(x):
        x = _to_numpy(x)
        return (hasattr(x, "ndim") and x.ndim == 1) or (
            isinstance(x, list) and (not x or not hasattr(x[0], "__len__"))
        )

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        x, y = _to_numpy(x), _to_numpy(y)
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


class Animator:
    """Adds points to curves and redraws them (d2l's ``Animator``)."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 nrows=1, ncols=1, figsize=(3.5, 2.5)):
        legend = [] if legend is None else legend
        use_svg_display()
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        if nrows * ncols == 1:
            self.axes = [self.axes]
        self.config_axes = lambda: set_axes(self.axes[0], xlabel, ylabel, xlim, ylim,
                                            xscale, yscale, legend)
        self.X, self.Y, self.fmts = None, None, fmts
        self._handle = None
        # Keep the inline backend from showing a second copy at the end of the cell.
        plt.close(self.fig)

    def add(self, x, y):
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if self.X is None:
            self.X = [[] for _ in range(n)]
        if self.Y is None:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self.draw()

    def draw(self):
        self.axes[0].cla()
        for x, y, fmt in zip(self.X or [], self.Y or [], self.fmts * len(self.Y or [1])):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        if not _in_notebook():
            return
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)


# Every figure of a notebook that imports d2lcore is an SVG (sharp at any zoom), also
# the ones drawn with matplotlib directly.
use_svg_display()

# Headless runs (tests, CI scripts) must not try to open a window.
if not _in_notebook() and matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
    try:
        matplotlib.use("Agg")
    except Exception:  # noqa: BLE001 - an interactive backend already in use is fine
        pass
