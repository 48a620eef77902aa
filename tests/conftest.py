"""Shared test setup: the offline mirror of the corpora, quiet frameworks, seeded tests."""

import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The Makefile and .ci/run export this too; set it here so a bare `pytest` works.
if "D2LCORE_DATA_MIRROR" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["D2LCORE_DATA_MIRROR"] = str(_SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

TEST_SEED = 0


@pytest.fixture(autouse=True)
def _seed_every_test():
    """Start each test from the same random state, whatever ran before it.

    CI runs the suite in random order (pytest-randomly): a test must not depend on
    what earlier tests left in a global generator. Frameworks are seeded only when a
    test module already imported them (the core tests check that no framework loads).
    """
    random.seed(TEST_SEED)
    np.random.seed(TEST_SEED)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(TEST_SEED)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(TEST_SEED)
    if "mxnet" in sys.modules:
        sys.modules["mxnet"].random.seed(TEST_SEED)
    yield
