"""The environment every notebook kernel gets, for executing and for nbval alike.

Outputs are regression references, so the kernel must not print anything that
depends on the machine or the run: no TensorFlow start-up chatter, a fixed hash
seed, inline figures whatever MPLBACKEND the caller's shell has.

``python -m tools.kernel_env lab [FOLDER]`` (what ``make lab`` runs) starts
JupyterLab on FOLDER (default ``exercises``) with the same environment, and each
kernel capped at half the cores: two notebooks open side by side then share the
machine instead of each taking every core (on 2 cores that made both about ten
times slower).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .collections import ROOT

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def kernel_env(threads: int | None = None) -> dict[str, str]:
    """Variables to set for a kernel; ``threads`` caps each framework's thread pools.

    With two notebooks running side by side on two cores, one thread each avoids
    the two kernels fighting over both cores.
    """
    env = {
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        # matplotlib writes this date into SVG metadata instead of "now".
        "SOURCE_DATE_EPOCH": "0",
        # ipykernel's debugger warns on stderr about frozen modules otherwise.
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    mirror = os.environ.get("D2LCORE_DATA_MIRROR")
    shared = ROOT.parent / "shared" / "data"
    if not mirror and shared.is_dir():
        mirror = str(shared)
    if mirror:
        env["D2LCORE_DATA_MIRROR"] = mirror
    if threads:
        env.update({name: str(threads) for name in THREAD_VARS})
    return env


def lab_threads(cpus: int | None = None) -> int:
    """Threads per JupyterLab kernel: half the cores, at least one."""
    cpus = os.cpu_count() if cpus is None else cpus
    if not isinstance(cpus, int) or isinstance(cpus, bool) or cpus < 1:
        raise ValueError(f"cpus must be a positive int, got {cpus!r}")
    return max(1, cpus // 2)


def lab_command(folder: str | Path) -> list[str]:
    """The command line that serves JupyterLab with ``folder`` as its file browser root."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing directory, got {str(folder)!r}")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder.resolve()}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; Jupyter refuses then
    return command


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.kernel_env",
                                     description="Start JupyterLab with the kernel environment.")
    parser.add_argument("command", choices=("lab",))
    parser.add_argument("folder", nargs="?", default=str(ROOT / "exercises"))
    args = parser.parse_args(argv)
    command = lab_command(args.folder)
    env = apply(lab_threads())
    mirror = env.get("D2LCORE_DATA_MIRROR", "none: corpora are downloaded on first use")
    print(f"JupyterLab on {args.folder}: {env['OMP_NUM_THREADS']} thread(s) per kernel, "
          f"data mirror {mirror}", flush=True)
    os.execv(command[0], command)
    return 0  # not reached


def apply(threads: int | None = None) -> dict[str, str]:
    """Put the kernel environment into this process (kernels started later inherit it)."""
    env = kernel_env(threads)
    os.environ.update(env)
    return env


if __name__ == "__main__":
    sys.exit(main())
