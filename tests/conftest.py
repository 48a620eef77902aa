"""Shared test setup: read the corpora from the offline mirror beside the project."""

import os
from pathlib import Path

_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The Makefile and .ci/run export this too; set it here so a bare `pytest` works.
if "D2LCORE_DATA_MIRROR" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["D2LCORE_DATA_MIRROR"] = str(_SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
