"""The rules that keep nbval a real regression test (see tools/README.md, "nbval").

A cell whose output is not compared must be rare and must be backed by an assertion
of the claim it prints; otherwise nbval would pass whatever the notebook computes.
"""

import json
import re

import pytest

from tools.collections import COLLECTIONS, ROOT, all_notebooks
from tools.nbval import is_capped

UNCOMPARED = {"nbval-ignore-output", "nbval-skip"}
# Of the code cells of the book and the solutions, at most this share goes uncompared
# without asserting its claim in the cell itself (such a cell is checked by nothing but
# the asserts of later cells) ...
MAX_UNCOMPARED_SHARE = 0.12
# ... and at most this share goes uncompared at all (with or without its own assert).
MAX_UNCOMPARED_OR_SELF_ASSERTING_SHARE = 0.15
# Chapter 9 trains for 500 epochs, and nbval re-executes it capped at 2 (tools/nbval.py):
# every number a full training prints is uncompared there, and every claim about the full
# run sits in an nbval-skip cell that asserts it.  Its own, looser bounds:
MAX_UNCOMPARED_SHARE_CAPPED = 0.22
MAX_UNCOMPARED_OR_SELF_ASSERTING_SHARE_CAPPED = 0.40
# An uncompared cell needs an assert in itself or in one of the next few code cells.
ASSERT_WITHIN = 3

READER_COLLECTIONS = [c for c in COLLECTIONS if c.name in ("book", "solutions")]


def _code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def _uncompared(cell):
    return bool(UNCOMPARED & set(cell["metadata"].get("tags", [])))


def _notebooks():
    return [p for p in all_notebooks(collections=READER_COLLECTIONS) if p.exists()]


def _asserts_itself(cell):
    return re.search(r"^\s*assert\b", "".join(cell["source"]), re.M) is not None


@pytest.mark.parametrize("capped, max_unchecked, max_uncompared", [
    (False, MAX_UNCOMPARED_SHARE, MAX_UNCOMPARED_OR_SELF_ASSERTING_SHARE),
    (True, MAX_UNCOMPARED_SHARE_CAPPED, MAX_UNCOMPARED_OR_SELF_ASSERTING_SHARE_CAPPED),
], ids=["full-trainings", "capped-chapter-9"])
def test_uncompared_share_is_small(capped, max_unchecked, max_uncompared):
    paths = [p for p in _notebooks() if is_capped(p) == capped]
    if capped and not paths:
        pytest.skip("no chapter-9 notebooks yet")
    cells = [c for path in paths for c in _code_cells(path)]
    assert cells, "no executed notebooks found"
    uncompared = [c for c in cells if _uncompared(c)]
    unchecked = [c for c in uncompared if not _asserts_itself(c)]
    assert len(unchecked) / len(cells) <= max_unchecked, (
        f"{len(unchecked) / len(cells):.1%} of {len(cells)} code cells are neither compared "
        f"by nbval nor assert their claim themselves (at most {max_unchecked:.0%})")
    assert len(uncompared) / len(cells) <= max_uncompared, (
        f"{len(uncompared) / len(cells):.1%} of {len(cells)} code cells are not compared by "
        f"nbval (at most {max_uncompared:.0%})")


def _asserting_helpers(cells):
    """Names of functions the notebook defines in cells that assert something."""
    names = set()
    for cell in cells:
        source = "".join(cell["source"])
        if "assert " in source:
            names.update(re.findall(r"^def (\w+)\(", source, flags=re.M))
    return names


def _asserts(cell, helpers):
    source = "".join(cell["source"])
    return "assert " in source or any(f"{name}(" in source for name in helpers)


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_uncompared_cell_is_followed_by_an_assert(path):
    cells = _code_cells(path)
    helpers = _asserting_helpers(cells)
    missing = []
    for i, cell in enumerate(cells):
        if not _uncompared(cell):
            continue
        # the cell itself (its output is ignored, its asserts still run) or the next ones
        following = cells[i:i + 1 + ASSERT_WITHIN]
        if not any(_asserts(c, helpers) for c in following):
            missing.append(f"code cell {i}: {''.join(cell['source'])[:60]!r}")
    assert not missing, "uncompared cells without an assert after them:\n" + "\n".join(missing)


def test_nbval_skip_only_where_training_is_capped():
    """nbval-skip hides a cell from nbval entirely: only chapter 9's full-run claims may use
    it (tools/nbval.py), and such a cell must assert its claim itself."""
    from tools.nbval import is_capped

    wrong = []
    for path in _notebooks():
        for i, cell in enumerate(_code_cells(path)):
            if "nbval-skip" not in cell["metadata"].get("tags", []):
                continue
            if not is_capped(path) or not _asserts_itself(cell):
                wrong.append(f"{path.relative_to(ROOT)} code cell {i}")
    assert not wrong, "nbval-skip outside chapter 9 or without an assert:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_notebooks_trained_in_full(path):
    """A notebook executed with D2LCORE_MAX_EPOCHS set must never be committed."""
    from d2lcore.training import MAX_EPOCHS_ENV

    for i, cell in enumerate(_code_cells(path)):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(
                output.get("data", {}).get("text/plain", ""))
            assert f"{MAX_EPOCHS_ENV}=" not in text, (
                f"code cell {i} was executed with training capped; re-execute it in full")
