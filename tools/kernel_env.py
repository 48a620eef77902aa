"""The environment every notebook kernel gets, for executing and for nbval alike.

Outputs are regression references, so the kernel must not print anything that
depends on the machine or the run: no TensorFlow start-up chatter, a fixed hash
seed, inline figures whatever MPLBACKEND the caller's shell has.
"""

from __future__ import annotations

import os

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


def apply(threads: int | None = None) -> dict[str, str]:
    """Put the kernel environment into this process (kernels started later inherit it)."""
    env = kernel_env(threads)
    os.environ.update(env)
    return env
