"""Run nbval in strict mode over every generated notebook (or the paths given).

    python -m tools.nbval [--jobs 2] [--portable | --portable-long] [--lax] [PATH ...]
                          [-- extra pytest args]

Sets the same kernel environment as execution (tools/kernel_env.py), uses the
committed sanitize file tests/nbval_sanitize.cfg, keeps each notebook on one
xdist worker (``--dist loadfile``), and treats "no tests collected" as failure.
``--portable`` adds the perturbed numerics of ``tools/numerics.py`` (one thread,
lower instruction sets for ATen, MKL, oneDNN and OpenBLAS, TensorFlow without
oneDNN, MXNet without MKL-DNN): the committed outputs must hold there too.
The default portable pass leaves out the few notebooks of ``PORTABLE_SKIP`` (too long
for every CI run); ``--portable-long`` runs exactly those, under the same numerics
(``make nbval-portable-long``, before a change to them is called done).

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
    parser.add_argument("--lax", action="store_true",
                        help="run every cell, compare no output (a notebook you ran yourself)")
    args = parser.parse_args(argv)
    if args.portable_long and (args.portable or args.paths):
        parser.error("--portable-long takes no paths and excludes --portable")
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
    code = subprocess.call(pytest_command(paths, args.jobs, extra, lax=args.lax), cwd=ROOT)
    if code == 5:
        print("nbval collected no cells: counting that as a failure", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
