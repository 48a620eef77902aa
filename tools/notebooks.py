"""Pure notebook transformations: read a source, split it, strip solutions, merge pages.

Nothing here executes code or touches the disk except ``read_source`` and
``write_notebook``; the functions take and return ``nbformat`` notebooks so the
unit tests can feed them small hand-made examples.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from pathlib import Path

import nbformat

#: Framework tags, in tab order, with the label shown on each tab.
FRAMEWORKS = ("pytorch", "mxnet", "tensorflow")
LABELS = {"pytorch": "PyTorch", "mxnet": "MXNet", "tensorflow": "TensorFlow"}

#: Bumped whenever split/strip changes what a generated notebook contains, so that
#: every notebook counts as stale and is executed again.
PIPELINE_VERSION = 1

#: Key of our block in notebook metadata.
META_KEY = "d2lbook"
#: Cell metadata key naming the tab group of a page cell (see tools/sphinx_tabs.py).
GROUP_KEY = "d2l_tab_group"

BEGIN_SOLUTION = "# BEGIN SOLUTION"
END_SOLUTION = "# END SOLUTION"
SOLUTION_TAG = "solution"
FILL_IN_COMMENT = "# FILL IN: replace this line and the next with your code"
FILL_IN_RAISE = 'raise NotImplementedError("fill in the marked region")'

#: MyST comments around each run of worked-solution cells on a solution page;
#: tools/sphinx_site.py folds what lies between them into a collapsed block.
SOLUTION_START = "d2l-solution-start"
SOLUTION_END = "d2l-solution-end"

#: Tags that execution may add to a cell; the sync check ignores them.
EXECUTION_TAGS = ("raises-exception",)

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (d2lcore)", "language": "python"}


# --------------------------------------------------------------------------- reading


def read_source(path: str | Path) -> nbformat.NotebookNode:
    """Read a MyST Markdown notebook (``book/src/*.md``) into an nbformat notebook."""
    from myst_nb.core.read import read_myst_markdown_notebook

    path = Path(path)
    nb = read_myst_markdown_notebook(path.read_text(encoding="utf8"), path=str(path))
    for index, cell in enumerate(nb.cells):
        frameworks_of(cell, where=f"{path}: cell {index}")
    return nb


def tags_of(cell) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    if isinstance(tags, str):  # ":tags: pytorch" in a code-cell header gives a string
        tags = [tags]
    return list(tags)


def frameworks_of(cell, where: str = "cell") -> tuple[str, ...]:
    """The frameworks a source cell belongs to: its framework tags, or all when untagged."""
    tagged = tuple(fw for fw in FRAMEWORKS if fw in tags_of(cell))
    if tagged and cell.cell_type != "code":
        raise ValueError(
            f"{where}: only code cells may carry a framework tag {FRAMEWORKS}; "
            "write framework-specific prose inside the shared text instead"
        )
    return tagged or FRAMEWORKS


# --------------------------------------------------------------------------- split


def _clean_metadata(cell) -> dict:
    """Cell metadata without the framework tags (they mean nothing in a one-framework file)."""
    meta = copy.deepcopy(dict(cell.get("metadata", {})))
    tags = [t for t in tags_of(cell) if t not in FRAMEWORKS]
    meta.pop("tags", None)
    if tags:
        meta["tags"] = tags
    return meta


def cell_map(source_nb, framework: str) -> list[int]:
    """Indices of the source cells that end up in ``framework``'s notebook, in order."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    return [i for i, cell in enumerate(source_nb.cells) if framework in frameworks_of(cell)]


def split(source_nb, framework: str, *, source: str = "") -> nbformat.NotebookNode:
    """The notebook of one framework: shared cells plus that framework's cells, no outputs.

    Cell ids are deterministic (``cell-<n>``) so that regenerating a notebook does not
    produce a diff.  The content hash goes into the notebook metadata.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for n, i in enumerate(cell_map(source_nb, framework)):
        cell = source_nb.cells[i]
        meta = _clean_metadata(cell)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source=cell.source, metadata=meta)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source=cell.source, metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(source=cell.source, metadata=meta)
        new["id"] = f"cell-{n}"
        nb.cells.append(new)
    nb.metadata[META_KEY] = {
        "source": source,
        "framework": framework,
        "source_hash": content_hash(nb),
    }
    return nb


def content_hash(nb) -> str:
    """SHA-256 of what execution depends on: cell types, sources and metadata."""
    payload = {
        "pipeline": PIPELINE_VERSION,
        "kernel": nb.metadata.get("kernelspec", {}).get("name"),
        "cells": [
            [c.cell_type, c.source, _comparable_metadata(c)] for c in nb.cells
        ],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf8")).hexdigest()


def _comparable_metadata(cell) -> dict:
    meta = copy.deepcopy(dict(cell.get("metadata", {})))
    # Execution bookkeeping is not part of the source.
    for key in ("execution", "collapsed", "scrolled"):
        meta.pop(key, None)
    tags = [t for t in meta.pop("tags", []) if t not in EXECUTION_TAGS]
    if tags:
        meta["tags"] = tags
    return meta


def recorded_hash(nb) -> str | None:
    return nb.metadata.get(META_KEY, {}).get("source_hash")


def sync_problems(expected, actual) -> list[str]:
    """Differences between a freshly split notebook and a generated (executed) one.

    Empty when the generated notebook has the same cells (type, source, metadata up to
    the tags execution adds) and records the same source hash.
    """
    problems = []
    if recorded_hash(actual) != recorded_hash(expected):
        problems.append(
            f"recorded source hash {recorded_hash(actual)} != {recorded_hash(expected)}"
        )
    if len(actual.cells) != len(expected.cells):
        problems.append(f"{len(actual.cells)} cells, the source gives {len(expected.cells)}")
        return problems
    for n, (want, got) in enumerate(zip(expected.cells, actual.cells)):
        if want.cell_type != got.cell_type or want.source != got.source:
            problems.append(f"cell {n} differs from the source")
        elif _comparable_metadata(want) != _comparable_metadata(got):
            problems.append(f"cell {n}: metadata differs from the source")
    if content_hash(actual) != recorded_hash(actual) and not problems:
        problems.append("cell contents do not match the recorded hash")
    return problems


# --------------------------------------------------------------------------- strip


def strip_code(source: str, where: str = "cell") -> str:
    """Replace every ``# BEGIN SOLUTION`` .. ``# END SOLUTION`` region with a placeholder.

    The placeholder keeps the indentation of the BEGIN line, so a region inside a
    function body stays valid Python.
    """
    out, inside, indent, start = [], False, "", 0
    lines = source.split("\n")
    for number, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if inside:
                raise ValueError(f"{where}: line {number}: nested {BEGIN_SOLUTION}")
            inside, start = True, number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + FILL_IN_COMMENT)
            out.append(indent + FILL_IN_RAISE)
        elif marker == END_SOLUTION:
            if not inside:
                raise ValueError(f"{where}: line {number}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN_SOLUTION} on line {start} is never closed")
    return "\n".join(out)


def has_solution(cell) -> bool:
    return cell.cell_type == "code" and any(
        line.strip() == BEGIN_SOLUTION for line in cell.source.split("\n")
    )


def is_solution_only(cell) -> bool:
    """A cell tagged ``solution`` (prose or code): in the solution, never in the exercise."""
    return SOLUTION_TAG in tags_of(cell)


def is_worked_solution(cell) -> bool:
    """What a solution page folds: solution-only cells and code holding a solution region."""
    return is_solution_only(cell) or has_solution(cell)


def strip_solutions(source_nb, where: str = "notebook") -> nbformat.NotebookNode:
    """The exercise version of a solution source.

    Regions between the solution markers become placeholders; cells tagged ``solution``
    (the solution prose, and code that analyses or asserts the answer) are dropped.
    """
    nb = copy.deepcopy(source_nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        if is_solution_only(cell):
            continue
        if cell.cell_type == "code":
            cell.source = strip_code(cell.source, where=f"{where}: cell {index}")
        cells.append(cell)
    nb.cells = cells
    return nb


# --------------------------------------------------------------------------- merge


def tab_groups(source_nb) -> list[int | None]:
    """The tab group of every source cell (None for markdown).

    A maximal run of consecutive framework-tagged code cells is one group; every
    untagged (shared) code cell is a group of its own.  A run also breaks where cells
    tagged ``solution`` start or end: the task's tabs and the solution's tabs are two
    sets, and a solution page folds only the second.
    """
    groups, current, previous_tagged, previous_solution = [], -1, False, False
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            groups.append(None)
            previous_tagged = False
            continue
        tagged = any(fw in tags_of(cell) for fw in FRAMEWORKS)
        solution = is_solution_only(cell)
        if not (tagged and previous_tagged and solution == previous_solution):
            current += 1
        groups.append(current)
        previous_tagged, previous_solution = tagged, solution
    return groups


def merge(source_nb, executed: dict, *, downloads: list[tuple[str, dict]] = (),
          collapse_solutions: bool = False) -> nbformat.NotebookNode:
    """The page notebook of one section, built from the executed per-framework notebooks.

    ``executed`` maps each framework to its executed notebook (split from the same
    source).  Every code cell of the page carries exactly one framework tag and its
    tab group in ``metadata.d2l_tab_group``; the Sphinx extension turns each group into
    a synced tab set.  With ``collapse_solutions``, every run of worked-solution cells
    (markdown tagged ``solution``, tab groups holding a ``# BEGIN SOLUTION`` region) sits
    between ``% d2l-solution-start`` and ``% d2l-solution-end`` marker cells.
    ``downloads`` is a list of (label, {framework: path}) rendered
    as ``{download}`` links under the title.
    """
    missing = [fw for fw in FRAMEWORKS if fw not in executed]
    if missing:
        raise ValueError(f"executed notebooks missing for {missing}")
    maps = {fw: {i: j for j, i in enumerate(cell_map(source_nb, fw))} for fw in FRAMEWORKS}
    for fw in FRAMEWORKS:
        if len(executed[fw].cells) != len(maps[fw]):
            raise ValueError(
                f"the {fw} notebook has {len(executed[fw].cells)} cells but the source gives "
                f"{len(maps[fw])}: it is out of date (run `make notebooks`)"
            )
    page = nbformat.v4.new_notebook()
    first = executed[FRAMEWORKS[0]].metadata
    page.metadata["kernelspec"] = dict(first.get("kernelspec", KERNELSPEC))
    if "language_info" in first:
        page.metadata["language_info"] = copy.deepcopy(first["language_info"])

    groups = tab_groups(source_nb)
    solution_run = False  # inside a run of worked-solution cells on the page

    def mark(is_solution: bool) -> None:
        nonlocal solution_run
        if collapse_solutions and is_solution != solution_run:
            marker = SOLUTION_START if is_solution else SOLUTION_END
            page.cells.append(nbformat.v4.new_markdown_cell(source=f"% {marker}"))
            solution_run = is_solution

    index = 0
    while index < len(source_nb.cells):
        cell = source_nb.cells[index]
        if cell.cell_type != "code":
            mark(cell.cell_type == "markdown" and is_solution_only(cell))
            page.cells.append(copy.deepcopy(executed[FRAMEWORKS[0]].cells[maps[FRAMEWORKS[0]][index]]))
            index += 1
            continue
        members = [k for k in range(index, len(groups)) if groups[k] == groups[index]]
        mark(any(is_worked_solution(source_nb.cells[k]) for k in members))
        for fw in FRAMEWORKS:
            for k in members:
                if k not in maps[fw]:
                    continue
                done = copy.deepcopy(executed[fw].cells[maps[fw][k]])
                done.metadata["tags"] = [t for t in tags_of(done) if t not in FRAMEWORKS] + [fw]
                done.metadata[GROUP_KEY] = groups[index]
                page.cells.append(done)
        index = members[-1] + 1
    mark(False)

    for n, cell in enumerate(page.cells):
        cell["id"] = f"page-{n}"
    if downloads:
        _add_download_links(page, downloads)
    return page


def download_markdown(downloads) -> str:
    lines = []
    for label, paths in downloads:
        links = " · ".join(
            f"{{download}}`{LABELS[fw]} <{paths[fw]}>`" for fw in FRAMEWORKS if fw in paths
        )
        lines.append(f"**{label}:** {links}")
    return "\n\n".join(lines)


def _add_download_links(page, downloads) -> None:
    """Put the download line right below the page title (or first, without a title)."""
    text = download_markdown(downloads)
    for cell in page.cells:
        if cell.cell_type != "markdown":
            break
        lines = cell.source.split("\n")
        for n, line in enumerate(lines):
            if line.startswith("# "):
                lines[n + 1 : n + 1] = ["", text, ""]
                cell.source = "\n".join(lines)
                return
        break
    page.cells.insert(0, nbformat.v4.new_markdown_cell(source=text))


# --------------------------------------------------------------------------- writing


def write_notebook(nb, path: str | Path) -> None:
    """Write a notebook atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
