"""Committed notebooks match their sources: same cells, same recorded source hash.

Covers the book (book/src -> book/<fw>), the solutions (solutions/src ->
solutions/<fw>) and the exercises (solutions/src stripped -> exercises/<fw>). Book and
solution notebooks are committed executed; exercise notebooks are executed by the
pipeline (to tag the cells that raise) and committed without any output.
Fix a failure with `make notebooks` (it executes exactly the stale ones).
"""

import pytest

from tools import build
from tools import notebooks as nbt
from tools.collections import COLLECTIONS, ROOT

CASES = [
    (collection, source)
    for collection in COLLECTIONS
    for source in collection.sources()
]


def _id(case):
    collection, source = case
    return f"{collection.name}:{source.stem}"


def test_book_has_sources():
    assert any(c.name == "book" for c, _ in CASES), "book/src holds no section source"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_generated_notebooks_match_source(case):
    collection, source = case
    expected = build.expected_notebooks(collection, source)
    problems = []
    for fw, fresh in expected.items():
        path = collection.notebook_path(source.stem, fw)
        rel = path.relative_to(ROOT)
        if not path.exists():
            problems.append(f"{rel}: missing")
            continue
        committed = nbt.read_notebook(path)
        problems += [f"{rel}: {p}" for p in build.notebook_problems(collection, fresh, committed)]
        meta = committed.metadata.get(nbt.META_KEY, {})
        if meta.get("framework") != fw or meta.get("source") != source.relative_to(ROOT).as_posix():
            problems.append(f"{rel}: metadata names {meta.get('framework')} / {meta.get('source')}")
        unexecuted = [
            n for n, cell in enumerate(committed.cells)
            if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None
        ]
        if unexecuted and not collection.clear_outputs:
            problems.append(f"{rel}: code cells {unexecuted} were never executed")
    assert not problems, "out of sync (run `make notebooks`):\n" + "\n".join(problems)


def test_no_orphaned_notebooks():
    orphaned = [str(p.relative_to(ROOT)) for p in build.orphans()]
    assert not orphaned, f"notebooks without a source: {orphaned}"


def test_exercises_are_stripped_solutions():
    """Every solution source has exercise notebooks without any solution text left."""
    exercises = next(c for c in COLLECTIONS if c.name == "exercises")
    for source in exercises.sources():
        for fw in nbt.FRAMEWORKS:
            nb = nbt.read_notebook(exercises.notebook_path(source.stem, fw))
            for cell in nb.cells:
                assert nbt.BEGIN_SOLUTION not in cell.source
                assert nbt.SOLUTION_TAG not in nbt.tags_of(cell)


def test_exercise_notebooks_ship_without_outputs():
    """A student notebook shows no table, plot or verdict: it holds no output at all."""
    exercises = next(c for c in COLLECTIONS if c.name == "exercises")
    assert exercises.clear_outputs
    shown = []
    for source in exercises.sources():
        for fw in nbt.FRAMEWORKS:
            path = exercises.notebook_path(source.stem, fw)
            nb = nbt.read_notebook(path)
            cells = [n for n, cell in enumerate(nb.cells) if cell.cell_type == "code"
                     and (cell.get("outputs") or cell.get("execution_count") is not None)]
            if cells:
                shown.append(f"{path.relative_to(ROOT)}: code cells {cells}")
    assert not shown, "exercise notebooks with outputs (run `make notebooks`):\n" + "\n".join(shown)
