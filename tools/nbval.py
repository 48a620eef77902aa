"""Run nbval in strict mode over every generated notebook (or the paths given).

    python -m tools.nbval [--jobs 2] [--portable | --portable-long | --long] [--lax]
                          [PATH ...] [-- extra pytest args]

Sets the same kernel environment as execution (tools/kernel_env.py), uses the
committed sanitize file tests/nbval_sanitize.cfg, keeps each notebook on one
xdist worker (``--dist loadfile``), and treats "no tests collected" as failure.
``--portable`` adds the perturbed numerics of ``tools/numerics.py`` (one thread,
lower instruction sets for ATen, MKL, oneDNN and OpenBLAS, TensorFlow without
oneDNN, MXNet without MKL-DNN): the committed outputs must hold there too.
The default portable pass leaves out the few notebooks of ``PORTABLE_SKIP`` (too long
for every CI run); ``--portable-long`` runs exactly those, under the same numerics
(``make nbval-portable-long``, before a change to them is called done).

Chapter 9's notebooks (``CAPPED``) train each model for d2l's 500 epochs, 5 to 25
minutes a notebook. nbval re-executes them with ``D2LCORE_MAX_EPOCHS=CAP_EPOCHS``
(``d2lcore.training.capped_epochs``, printed by every capped run), so it checks that
every cell runs and compares every output that does not depend on the full training;
the cells asserting what only the full run shows are tagged ``nbval-skip``. They run in
the real execution (``tools.build``, which fails on any error) and in ``--long``
(``make nbval-long``): the same notebooks re-executed in full, before a change to them is
called done.

The exercise notebooks are committed without outputs (tools/README.md). Strict mode
suits them as well: nbval compares no output of a cell stored without an execution
count, yet runs every cell and fails on an error in a cell not tagged
``raises-exception``. ``--lax`` compares no output at all (nbval's ``--nbval-lax``): for
a student's own notebook, saved with the outputs of their run, which the check only has
to run to the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from d2lcore.training import MAX_EPOCHS_ENV

from . import kernel_env, numerics
from .collections import ROOT, all_notebooks

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

# Left out of the default --portable pass, with the reason. Naming a notebook on the
# command line still runs it (`python -m tools.nbval --portable book/mxnet/8_5_...`).
PORTABLE_SKIP = {
    "8_5_rnn_scratch.ipynb": (
        "the reader's own model trains 2 x 500 epochs; at SSE-level kernels on one thread "
        "that takes about 9 (PyTorch), 20 (MXNet) and 24 (TensorFlow) minutes on a quiet "
        "2-core AMD EPYC, more than the CI's 90 minutes can add; the plain nbval pass "
        "checks it, `make nbval-portable-long` runs it perturbed"),
}


# Chapter 9 (book, solutions, exercises): see the docstring. 2 epochs run every code path
# of training (the state carried across epochs, the plot's first points are skipped).
CAPPED_PREFIXES = ("9_", "ex_9_")
CAP_EPOCHS = 2


def is_capped(path) -> bool:
    return Path(path).name.startswith(CAPPED_PREFIXES)


def pytest_command(paths, jobs: int = 2, extra=(), lax: bool = False) -> list[str]:
    command = [
        # pytest-randomly (on for the unit tests) would shuffle the cells of a notebook.
        sys.executable, "-m", "pytest", "--nbval-lax" if lax else "--nbval",
        "-p", "no:cacheprovider", "-p", "no:randomly",
        "--nbval-sanitize-with", str(SANITIZE),
        "--nbval-kernel-name", "python3",
        "--nbval-cell-timeout", "3600",
        "-q", "-ra",
    ]
    if jobs > 1:
        command += ["-n", str(jobs), "--dist", "loadfile"]
    return command + list(extra) + [str(p) for p in paths]


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(prog="python -m tools.nbval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: all generated)")
    parser.add_argument("--jobs", type=int, default=2, choices=(1, 2))
    parser.add_argument("--portable", action="store_true",
                        help="perturbed numerics (tools/numerics.py PERTURBED)")
    parser.add_argument("--portable-long", action="store_true",
                        help="perturbed numerics, only the notebooks of PORTABLE_SKIP")
    parser.add_argument("--long", action="store_true",
                        help="only chapter 9's notebooks (CAPPED_PREFIXES), trained in full")
    parser.add_argument("--lax", action="store_true",
                        help="run every cell, compare no output (a notebook you ran yourself)")
    args = parser.parse_args(argv)
    if args.portable_long and (args.portable or args.paths):
        parser.error("--portable-long takes no paths and excludes --portable")
    if args.long and (args.portable or args.portable_long or args.paths):
        parser.error("--long takes no paths and excludes --portable / --portable-long")
    if args.long:
        args.paths = [str(p) for p in all_notebooks() if is_capped(p)]
        if not args.paths:
            print("--long: no chapter-9 notebooks (names starting with "
                  f"{' or '.join(CAPPED_PREFIXES)})", file=sys.stderr)
            return 1
    if args.portable_long:
        args.portable = True
        args.paths = [str(p) for p in all_notebooks() if p.name in PORTABLE_SKIP]

    paths = args.paths or [p for p in all_notebooks() if p.exists()]
    missing = [p for p in all_notebooks() if not p.exists()] if not args.paths else []
    if missing:
        print("missing notebooks (run `make notebooks`):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    if not paths:
        print("no notebooks to validate: the source folders are empty", file=sys.stderr)
        return 1
    if args.portable and not args.paths:
        skipped = [p for p in paths if p.name in PORTABLE_SKIP]
        paths = [p for p in paths if p.name not in PORTABLE_SKIP]
        for path in skipped:
            print(f"not in the portable pass: {path.relative_to(ROOT)}: "
                  f"{PORTABLE_SKIP[path.name]}", flush=True)
    kernel_env.apply(threads=1 if args.jobs > 1 else None)
    if args.portable:
        os.environ.update(numerics.PERTURBED)
        print("nbval with perturbed numerics:",
              " ".join(f"{k}={v}" for k, v in sorted(numerics.PERTURBED.items())), flush=True)
    # Two runs when needed: the capped notebooks get D2LCORE_MAX_EPOCHS, the others not.
    groups = [(paths, None)] if args.long else [
        ([p for p in paths if not is_capped(p)], None),
        ([p for p in paths if is_capped(p)], CAP_EPOCHS)]
    worst = 0
    for group, cap in groups:
        if not group:
            continue
        env = dict(os.environ)
        env.pop(MAX_EPOCHS_ENV, None)
        if cap is not None:
            env[MAX_EPOCHS_ENV] = str(cap)
            print(f"chapter 9, trainings capped: {MAX_EPOCHS_ENV}={cap} for {len(group)} "
                  "notebooks (`make nbval-long` trains them in full)", flush=True)
        code = subprocess.call(pytest_command(group, args.jobs, extra, lax=args.lax),
                               cwd=ROOT, env=env)
        if code == 5:
            print("nbval collected no cells: counting that as a failure", file=sys.stderr)
            code = 1
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())
