"""Draw the workbook's diagrams as SVG (the SVGs beside this file are its output).

    python book/figures/draw.py            # rewrites every book/figures/*.svg

Plain matplotlib: boxes, circles and arrows on an axes with equal aspect and no frame.
The output is deterministic (fixed hash salt, no date in the metadata), so re-running
the script on an unchanged file gives no diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
PREVIEW = None  # a folder to also write PNG previews to (for looking at them)

plt.rcParams.update({
    "svg.hashsalt": "d2lcore-figures",
    "svg.fonttype": "path",  # glyphs as paths: the same drawing in every browser
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "mathtext.fontset": "dejavusans",
})

# One palette for all diagrams: inputs, hidden states, outputs, parameters, losses.
INPUT, HIDDEN, OUTPUT, PARAM, LOSS = "#dbeafe", "#fde68a", "#bbf7d0", "#e9d5ff", "#fecaca"
EDGE = "#1f2937"
MUTED = "#9ca3af"


def canvas(width, height):
    """A figure whose data coordinates are inches (1 unit = 1 inch)."""
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(ax, x, y, text, color, w=0.9, h=0.5, fontsize=12, edge=EDGE, textcolor=EDGE):
    """A rounded box centred at (x, y)."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor=edge, linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=textcolor)


def circle(ax, x, y, text, color=PARAM, r=0.3, fontsize=11):
    ax.add_patch(Circle((x, y), r, facecolor=color, edgecolor=EDGE, linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, color=EDGE, style="-|>", lw=1.3, rad=0.0, ls="-", shrink=0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12,
                                 color=color, linewidth=lw, linestyle=ls,
                                 connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=shrink, shrinkB=shrink))


def save(fig, name):
    path = HERE / f"{name}.svg"
    fig.savefig(path, format="svg", metadata={"Date": None})
    if PREVIEW:
        fig.savefig(PREVIEW / f"{name}.png", dpi=80)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- 8.4


def rnn_hidden_state():
    """Three time steps of an RNN: each hidden state feeds the next one."""
    fig, ax = canvas(7.6, 3.4)
    xs = [1.9, 4.0, 6.1]
    labels = ["t-1", "t", "t+1"]
    for x, t in zip(xs, labels):
        box(ax, x, 0.55, rf"$\mathbf{{X}}_{{{t}}}$", INPUT)
        box(ax, x, 1.75, rf"$\mathbf{{H}}_{{{t}}}$", HIDDEN, w=1.1, h=0.6)
        box(ax, x, 2.95, rf"$\mathbf{{O}}_{{{t}}}$", OUTPUT)
        arrow(ax, (x, 0.8), (x, 1.45))
        arrow(ax, (x, 2.05), (x, 2.7))
    for a, b in zip(xs, xs[1:]):
        arrow(ax, (a + 0.55, 1.75), (b - 0.55, 1.75))
    # The state entering the first drawn step and leaving the last one.
    arrow(ax, (0.35, 1.75), (xs[0] - 0.55, 1.75), ls="--", color=MUTED)
    arrow(ax, (xs[-1] + 0.55, 1.75), (7.45, 1.75), ls="--", color=MUTED)
    ax.text(0.3, 1.95, r"$\mathbf{H}_{t-2}$", fontsize=10, color="#4b5563")
    ax.text((xs[0] + xs[1]) / 2, 1.88, r"$\mathbf{W}_{hh}$", ha="center", fontsize=10)
    ax.text((xs[1] + xs[2]) / 2, 1.88, r"$\mathbf{W}_{hh}$", ha="center", fontsize=10)
    ax.text(xs[1] + 0.08, 1.12, r"$\mathbf{W}_{xh}$", fontsize=10)
    ax.text(xs[1] + 0.08, 2.32, r"$\mathbf{W}_{hq}$", fontsize=10)
    return save(fig, "rnn_hidden_state")


def char_lm():
    """Reading "machin" one character at a time, predicting "achine"."""
    inputs, targets = "machin", "achine"
    fig, ax = canvas(8.0, 3.7)
    xs = [1.3 + 1.15 * i for i in range(len(inputs))]
    ax.text(0.15, 0.55, "input", va="center", fontsize=11)
    ax.text(0.15, 1.75, "state", va="center", fontsize=11)
    ax.text(0.15, 2.95, "output", va="center", fontsize=11)
    for i, (x, c_in, c_out) in enumerate(zip(xs, inputs, targets)):
        box(ax, x, 0.55, f"“{c_in}”", INPUT, w=0.7)
        box(ax, x, 1.75, rf"$\mathbf{{H}}_{{{i + 1}}}$", HIDDEN, w=0.7)
        box(ax, x, 2.95, rf"$\mathbf{{O}}_{{{i + 1}}}$", OUTPUT, w=0.7)
        arrow(ax, (x, 0.8), (x, 1.5))
        arrow(ax, (x, 2.0), (x, 2.7))
        ax.text(x, 3.5, f"“{c_out}”", ha="center", va="center", fontsize=12,
                bbox=dict(boxstyle="round,pad=0.2", facecolor=LOSS, edgecolor=EDGE))
    for a, b in zip(xs, xs[1:]):
        arrow(ax, (a + 0.35, 1.75), (b - 0.35, 1.75))
    ax.text(xs[-1] + 0.45, 3.5, "label", va="center", fontsize=11)
    return save(fig, "char_lm")


# --------------------------------------------------------------------------- 8.3


def offsets():
    """Cutting one token sequence into subsequences of 5 from offsets 0, 1, 2 and 3."""
    text = "the time machine by h g wells"
    n = 5
    offsets_ = [0, 1, 2, 3]
    cell = 0.27
    left = 1.25
    fig, ax = canvas(left + cell * len(text) + 0.2, 0.5 + 0.62 * len(offsets_))
    fills = ["#dbeafe", "#fde68a"]
    for row, off in enumerate(offsets_):
        y = 0.35 + 0.62 * (len(offsets_) - 1 - row)
        ax.text(0.1, y, f"offset {off}", va="center", fontsize=11)
        usable = (len(text) - off) // n * n
        for i, ch in enumerate(text):
            x = left + cell * i
            inside = off <= i < off + usable
            k = (i - off) // n
            face = fills[k % 2] if inside else "white"
            edge = EDGE if inside else "#d1d5db"
            ax.add_patch(plt.Rectangle((x, y - 0.2), cell, 0.4, facecolor=face,
                                       edgecolor=edge, linewidth=0.6))
            shown = "␣" if ch == " " else ch
            ax.text(x + cell / 2, y, shown, ha="center", va="center", fontsize=10,
                    color=EDGE if inside else MUTED, family="DejaVu Sans Mono")
        # A bold frame around every subsequence of n tokens.
        for start in range(off, off + usable, n):
            ax.add_patch(plt.Rectangle((left + cell * start, y - 0.2), cell * n, 0.4,
                                       fill=False, edgecolor=EDGE, linewidth=1.8))
    return save(fig, "offsets")


# --------------------------------------------------------------------------- 8.7


def bptt_graph():
    """Computational graph of a bias-free linear RNN for three time steps."""
    fig, ax = canvas(8.4, 5.9)
    xs = [2.5, 4.7, 6.9]
    y_x, y_h, y_o, y_l, y_big = 0.5, 2.0, 3.4, 4.5, 5.45
    box(ax, 1.3, y_h, r"$\mathbf{h}_0$", "white", w=0.6, edge=MUTED)
    for t, x in enumerate(xs, start=1):
        box(ax, x, y_x, rf"$\mathbf{{x}}_{t}$", INPUT, w=0.7)
        box(ax, x, y_h, rf"$\mathbf{{h}}_{t}$", HIDDEN, w=0.7)
        box(ax, x, y_o, rf"$\mathbf{{o}}_{t}$", OUTPUT, w=0.7)
        box(ax, x, y_l, rf"$l_{t}$", LOSS, w=0.7)
        arrow(ax, (x, y_x + 0.25), (x, y_h - 0.25))
        arrow(ax, (x, y_h + 0.25), (x, y_o - 0.25))
        arrow(ax, (x, y_o + 0.25), (x, y_l - 0.25))
        arrow(ax, (x, y_l + 0.25), (4.7 + 0.5 * (t - 2), y_big - 0.22))
        # The labels enter the loss from the side.
        ax.text(x + 0.75, y_l, rf"$y_{t}$", va="center", fontsize=11)
        arrow(ax, (x + 0.68, y_l), (x + 0.37, y_l), lw=1.0)
    for a, b in zip([1.3] + xs, xs):
        arrow(ax, (a + 0.35, y_h), (b - 0.35, y_h))
    box(ax, 4.7, y_big, r"$L = \frac{1}{3}\,(l_1 + l_2 + l_3)$", LOSS, w=2.6, h=0.45)
    # The shared parameters, drawn once, with dotted edges to every use.
    purple = "#7c3aed"
    circle(ax, 0.45, 1.1, r"$\mathbf{W}_{hx}$")
    circle(ax, 0.45, 2.75, r"$\mathbf{W}_{hh}$")
    circle(ax, 0.45, 3.9, r"$\mathbf{W}_{qh}$")
    for x in xs:
        arrow(ax, (0.75, 1.05), (x - 0.36, y_h - 0.22), color=purple, ls=":", lw=1.0)
        arrow(ax, (0.75, 2.72), (x - 0.36, y_h + 0.22), color=purple, ls=":", lw=1.0)
        arrow(ax, (0.75, 3.88), (x - 0.36, y_o + 0.1), color=purple, ls=":", lw=1.0)
    return save(fig, "bptt_graph")


def truncation():
    """How far back the gradient of the last step travels under three strategies."""
    T = 16
    cell = 0.42
    left = 2.55
    fig, ax = canvas(left + cell * T + 0.3, 3.1)
    rows = [
        ("full", [(0, T)]),
        ("regular truncation", [(0, 4), (4, 8), (8, 12), (12, 16)]),
        ("randomized truncation", [(0, 2), (2, 8), (8, 9), (9, 13), (13, 16)]),
    ]
    fills = ["#dbeafe", "#fde68a"]
    for r, (name, spans) in enumerate(rows):
        y = 2.55 - 0.95 * r
        ax.text(0.1, y, name, va="center", fontsize=11)
        for k, (a, b) in enumerate(spans):
            for i in range(a, b):
                ax.add_patch(plt.Rectangle((left + cell * i, y - 0.17), cell, 0.34,
                                           facecolor=fills[k % 2], edgecolor="#6b7280",
                                           linewidth=0.5))
            ax.add_patch(plt.Rectangle((left + cell * a, y - 0.17), cell * (b - a), 0.34,
                                       fill=False, edgecolor=EDGE, linewidth=1.6))
            # The backward pass runs inside each span, from its end to its start.
            if b - a > 1:
                span = cell * (b - a) - 0.16
                arrow(ax, (left + cell * b - 0.08, y + 0.25), (left + cell * a + 0.08, y + 0.25),
                      rad=min(0.35, 0.55 / span), color="#b91c1c", lw=1.0)
    ax.text(left, 0.2, "time steps 1 … 16; red arcs: where the gradient travels back",
            fontsize=10, color="#4b5563")
    return save(fig, "truncation")


DIAGRAMS = [rnn_hidden_state, char_lm, offsets, bptt_graph, truncation]


def main() -> int:
    for draw in DIAGRAMS:
        print(draw().relative_to(HERE.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
