"""Generate, execute and merge the workbook's notebooks.

    python -m tools.build notebooks [--force] [--jobs 2] [--only STEM ...] [--collection NAME ...]
    python -m tools.build pages          # merged page notebooks for the HTML (no execution)
    python -m tools.build toc            # rewrite _toc.yml from the sources that exist
    python -m tools.build check          # list stale, missing and orphaned notebooks; exit 1 if any

``notebooks`` executes only the notebooks whose recorded source hash differs from
the hash of a fresh split (or that do not exist yet), two at a time at most.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import copy
import multiprocessing
import os
import sys
import time
from pathlib import Path

import nbformat

from . import exercise_index
from . import notebooks as nbt
from .collections import COLLECTIONS, ROOT, Collection, by_name

CELL_TIMEOUT = 3600  # seconds; a full training cell of 8.5/8.6 stays far below


# --------------------------------------------------------------------------- planning


def expected_notebooks(collection: Collection, source: Path, root: Path = ROOT) -> dict:
    """framework -> freshly split (unexecuted) notebook for one source."""
    nb = nbt.read_source(source)
    rel = source.relative_to(root).as_posix()
    if collection.strip:
        nb = nbt.strip_solutions(nb, where=rel)
    return {fw: nbt.split(nb, fw, source=rel) for fw in nbt.FRAMEWORKS}


def plan(collections=COLLECTIONS, root: Path = ROOT, only=(), force=False):
    """Jobs (collection, target path, fresh notebook) whose notebook is missing or stale."""
    jobs = []
    for collection in collections:
        for source in collection.sources(root):
            if only and source.stem not in only:
                continue
            for fw, fresh in expected_notebooks(collection, source, root).items():
                target = collection.notebook_path(source.stem, fw, root)
                previous = nbt.read_notebook(target) if target.exists() else None
                if force or previous is None or notebook_problems(collection, fresh, previous):
                    jobs.append((collection, target, fresh, _previous_seconds(previous)))
    # Longest first keeps both workers busy until the end.
    jobs.sort(key=lambda job: -job[3])
    return jobs


#: nbval's tags say what a test compares; the kernel runs a cell the same with or without
TEST_TAGS = frozenset({"nbval-ignore-output", "nbval-skip"})


def _execution_metadata(cell) -> dict:
    """The cell metadata execution depends on: the source's, without nbval's tags."""
    meta = nbt._comparable_metadata(cell)
    tags = [t for t in meta.pop("tags", []) if t not in TEST_TAGS]
    if tags:
        meta["tags"] = tags
    return meta


def prose_update(fresh, executed):
    """``executed`` with ``fresh``'s text cells, when only text cells changed; else None.

    Execution depends on the code cells alone: when the fresh split has the same code
    cells (source and metadata up to nbval's tags, same order) the outputs still belong
    to this source, so edited prose or a changed test tag needs no re-execution (a
    chapter-9 notebook takes minutes).
    """
    fresh_code = [c for c in fresh.cells if c.cell_type == "code"]
    old_code = [c for c in executed.cells if c.cell_type == "code"]
    if len(fresh_code) != len(old_code) or any(
            want.source != got.source
            or _execution_metadata(want) != _execution_metadata(got)
            for want, got in zip(fresh_code, old_code)):
        return None
    updated = copy.deepcopy(fresh)
    old = iter(old_code)
    for cell in updated.cells:
        if cell.cell_type == "code":
            ran = next(old)
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
            # The source's metadata (new test tags included) plus the tags execution added.
            wanted = list(cell.metadata.get("tags", []))
            added = [t for t in ran.metadata.get("tags", [])
                     if t in nbt.EXECUTION_TAGS and t not in wanted]
            cell.metadata = {**copy.deepcopy(ran.metadata), **copy.deepcopy(cell.metadata)}
            cell.metadata.pop("tags", None)
            if wanted + added:
                cell.metadata["tags"] = wanted + added
    updated.metadata[nbt.META_KEY] = {**executed.metadata.get(nbt.META_KEY, {}),
                                      "source_hash": nbt.recorded_hash(fresh)}
    return updated


def refresh_prose(jobs):
    """Write the notebooks of ``jobs`` that only need new text cells; return the others."""
    remaining = []
    for collection, target, fresh, seconds in jobs:
        previous = nbt.read_notebook(target) if target.exists() else None
        updated = prose_update(fresh, previous) if previous is not None else None
        if updated is None or notebook_problems(collection, fresh, updated):
            remaining.append((collection, target, fresh, seconds))
            continue
        nbt.write_notebook(updated, target)
        print(f"text cells updated, outputs kept: {target}", flush=True)
    return remaining


def notebook_problems(collection: Collection, fresh, generated) -> list[str]:
    """Why a generated notebook is not what the pipeline would write now (empty: up to date)."""
    problems = nbt.sync_problems(fresh, generated)
    if collection.clear_outputs:
        # Unexecuted on purpose; the recorded time shows the pipeline ran it and tagged
        # the cells that raise.
        if "execution_seconds" not in generated.metadata.get(nbt.META_KEY, {}):
            problems.append("never executed by the pipeline (no execution_seconds)")
        shown = [n for n, cell in enumerate(generated.cells)
                 if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
        if shown:
            problems.append(f"code cells {shown} hold outputs or execution counts")
    return problems


def clear_outputs(nb):
    """Drop every output and execution count; the tags execution added stay."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            for key in ("execution", "collapsed", "scrolled"):
                cell.metadata.pop(key, None)
    return nb


def _previous_seconds(nb) -> float:
    if nb is None:
        return 1e9  # unknown: schedule early
    return float(nb.metadata.get(nbt.META_KEY, {}).get("execution_seconds", 0.0))


def orphans(collections=COLLECTIONS, root: Path = ROOT) -> list[Path]:
    """Generated notebooks whose source no longer exists."""
    found = []
    for collection in collections:
        stems = {s.stem for s in collection.sources(root)}
        for fw in nbt.FRAMEWORKS:
            folder = root / collection.out / fw
            if folder.is_dir():
                found += [p for p in sorted(folder.glob("*.ipynb")) if p.stem not in stems]
    return found


# --------------------------------------------------------------------------- execution


def execute(nb, cwd: Path, allow_errors: bool = False, timeout: int = CELL_TIMEOUT):
    """Execute a notebook in a fresh ``python3`` kernel; return it and the seconds taken."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if allow_errors:
        unexplained = unexplained_errors(nb)
        if unexplained:
            raise ValueError("cells raised an error that no FILL IN region explains "
                             "(broken given code?):\n  " + "\n  ".join(unexplained))
        for cell in nb.cells:
            raised = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            if raised and "raises-exception" not in nbt.tags_of(cell):
                cell.metadata["tags"] = nbt.tags_of(cell) + ["raises-exception"]
    return nb, seconds


def unexplained_errors(nb) -> list[str]:
    """Errors of an executed exercise that are not the student's missing code.

    An error is explained when it is the placeholder's NotImplementedError (raised in
    the cell or in a student function it calls), or when the cell uses a name that an
    earlier cell which raised should have bound or filled (``histories`` stays empty,
    ``result`` is never assigned). Anything else, e.g. a broken import or a typo in
    given code, is reported as ``cell N: Name: message``.
    """
    imported = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            imported |= _names(cell.source)[2]
    tainted, problems = set(), []
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            continue
        error = errors[0]
        bound, used, _ = _names(cell.source)
        placeholder = (error.get("ename") == "NotImplementedError"
                       and "fill in the marked region" in str(error.get("evalue", "")))
        if not placeholder and not (used & tainted):
            problems.append(f"cell {n}: {error.get('ename')}: {error.get('evalue')}")
        tainted |= bound - imported
    return problems


def _names(source: str) -> tuple[set, set, set]:
    """(names a cell binds or fills, names it uses, names it imports), from its syntax."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: nothing known
        return set(), set(), set()
    bound, used, imported = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            bound |= {_root(node)} - {None}  # results[key] = ..., obj.attr = ...
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            bound |= {_root(node.func)} - {None}  # histories.append(...) fills histories
    return bound, used, imported


def _root(node):
    import ast

    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _run_job(target: str, nb, allow_errors: bool, threads: int | None,
             clear: bool = False):
    # Runs in a worker process: set the kernel environment before any kernel starts.
    from . import kernel_env

    kernel_env.apply(threads)
    # The committed notebooks train in full: a cap left in the shell must not reach them.
    os.environ.pop("D2LCORE_MAX_EPOCHS", None)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb, seconds = execute(nb, target.parent, allow_errors=allow_errors)
    if clear:
        clear_outputs(nb)
    nb.metadata[nbt.META_KEY]["execution_seconds"] = round(seconds, 1)
    nbt.write_notebook(nb, target)
    return str(target), seconds


def run_jobs(jobs, workers: int = 2, root: Path = ROOT) -> list[tuple[str, float]]:
    if not jobs:
        return []
    threads = 1 if workers > 1 else None
    results, failures = [], []
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_run_job, str(target), fresh, collection.allow_errors, threads,
                        collection.clear_outputs): target
            for collection, target, fresh, _ in jobs
        }
        for future in cf.as_completed(futures):
            target = futures[future]
            rel = target.relative_to(root)
            try:
                _, seconds = future.result()
            except Exception as error:  # noqa: BLE001 - report every failing notebook
                failures.append(rel)
                print(f"FAILED  {rel}\n{error}", file=sys.stderr, flush=True)
                continue
            results.append((str(rel), seconds))
            print(f"executed {rel} in {seconds:.1f} s", flush=True)
    if failures:
        raise SystemExit(f"{len(failures)} notebook(s) failed: {', '.join(map(str, failures))}")
    return results


# --------------------------------------------------------------------------- pages


def build_pages(collections=COLLECTIONS, root: Path = ROOT, only=()) -> list[Path]:
    """Write the merged page notebook of every source (only when its content changed)."""
    written = []
    for collection in collections:
        if not collection.pages:
            continue
        folder = root / collection.pages
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# generated by `python -m tools.build pages`\n*\n")
        stems = set()
        for source in collection.sources(root):
            stems.add(source.stem)
            if only and source.stem not in only:
                continue
            page = merged_page(collection, source, root)
            target = collection.page_path(source.stem, root)
            text = nbformat.writes(page) + "\n"
            if not target.exists() or target.read_text(encoding="utf8") != text:
                nbt.write_notebook(page, target)
                written.append(target)
        for stale in folder.glob("*.ipynb"):
            if stale.stem not in stems:
                stale.unlink()
        for stale in (folder / "downloads").glob("*.ipynb"):
            if stale.name.split("-", 1)[0] not in stems:
                stale.unlink()
    return written


def merged_page(collection: Collection, source: Path, root: Path = ROOT):
    fresh = expected_notebooks(collection, source, root)
    executed = {}
    for fw in nbt.FRAMEWORKS:
        path = collection.notebook_path(source.stem, fw, root)
        if not path.exists():
            raise SystemExit(f"{path.relative_to(root)} is missing: run `make notebooks`")
        nb = nbt.read_notebook(path)
        problems = nbt.sync_problems(fresh[fw], nb)
        if problems:
            raise SystemExit(
                f"{path.relative_to(root)} is out of date ({problems[0]}): run `make notebooks`"
            )
        executed[fw] = nb
    downloads = []
    for label, name in collection.links:
        linked = by_name(name)
        paths = {}
        for fw in nbt.FRAMEWORKS:
            copy = download_copy(collection, linked, source.stem, fw, root)
            paths[fw] = "/" + copy.relative_to(root).as_posix()
        downloads.append((label, paths))
    source_nb = nbt.read_source(source)
    return nbt.merge(source_nb, executed, downloads=downloads,
                     collapse_solutions=collection.collapse_solutions)


#: What a downloaded notebook of a collection is, in its file name (the book's need none).
DOWNLOAD_KINDS = {"exercises": "exercise", "solutions": "solution"}


def download_name(stem: str, framework: str, kind: str | None = None) -> str:
    """``8_5_rnn_scratch-pytorch.ipynb``, ``no_clipping-exercise-mxnet.ipynb``."""
    if framework not in nbt.FRAMEWORKS:
        raise ValueError(f"framework must be one of {nbt.FRAMEWORKS}, got {framework!r}")
    parts = [stem] + ([kind] if kind else []) + [framework]
    return "-".join(parts) + ".ipynb"


def download_copy(page_collection: Collection, linked: Collection, stem: str, framework: str,
                  root: Path = ROOT) -> Path:
    """Copy an executed notebook under its download name next to the pages (git-ignored).

    Sphinx's download role keeps a file's own name, and every framework's notebook is
    called ``<stem>.ipynb``: the copy gives the saved file a name that says what it is.
    """
    source = linked.notebook_path(stem, framework, root)
    if not source.exists():
        raise SystemExit(f"{source.relative_to(root)} is missing: run `make notebooks`")
    target = (root / page_collection.pages / "downloads"
              / download_name(stem, framework, DOWNLOAD_KINDS.get(linked.name)))
    data = source.read_bytes()
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target


def smoke(collections, root: Path, only=()) -> int:
    """Execute sources with trainings capped at 2 epochs into a temporary folder.

    A quick check that every cell of a new or edited source runs (chapter 9's full
    executions take minutes); nothing in the repository is written. As in nbval, the
    cells tagged ``nbval-skip`` (claims of the full run) are left out.
    """
    import tempfile

    from . import kernel_env

    kernel_env.apply()
    os.environ["D2LCORE_MAX_EPOCHS"] = "2"
    jobs = plan(collections, root, only=only, force=True)
    if not jobs:
        print("no source matches --only", file=sys.stderr)
        return 1
    failed = 0
    with tempfile.TemporaryDirectory(prefix="d2lcore-smoke-") as tmp:
        for collection, target, nb, _ in jobs:
            name = target.relative_to(root)
            nb.cells = [c for c in nb.cells if "nbval-skip" not in nbt.tags_of(c)]
            try:  # the notebook's own folder as working directory, as in the real run
                nb, seconds = execute(nb, target.parent, allow_errors=collection.clear_outputs)
            except Exception as error:  # noqa: BLE001 - report every notebook, then fail
                failed += 1
                print(f"FAILED {name}: {str(error)[-2000:]}", flush=True)
                continue
            nbt.write_notebook(nb, Path(tmp) / target.name)
            print(f"ok {name} ({seconds:.1f} s, capped at 2 epochs)", flush=True)
    return 1 if failed else 0


# --------------------------------------------------------------------------- toc

PART_CAPTIONS = {"solutions": "Exercises and solutions"}
# The book's sections form one part per chapter, by the number their stem starts with.
CHAPTER_CAPTIONS = {"8": "Chapter 8: Recurrent Neural Networks",
                    "9": "Chapter 9: Modern Recurrent Neural Networks"}
TOC_HEADER = """\
# Table of contents of the book (Jupyter Book 1), written by `python -m tools.build toc`.
# Pages under */pages/ are generated by `python -m tools.build pages` from */src/*.md;
# only sections whose source exists are listed (tests/test_book_tools.py checks it),
# the exercises by d2l-zh section after their index page (tools/exercise_index.py),
# followed by the hand-written back matter (BACK_MATTER in tools/build.py).
"""


# Hand-written pages after the chapter and the solutions (no source, no notebooks).
BACK_MATTER = ("book/references", "book/attribution")


def toc_text(collections=COLLECTIONS, root: Path = ROOT) -> str:
    lines = [TOC_HEADER.rstrip("\n"), "format: jb-book", "root: book/intro", "parts:"]
    for collection in collections:
        sources = collection.sources(root)
        if not collection.pages or not sources:
            continue
        if collection.name == "book":
            for chapter in sorted({s.stem.split("_")[0] for s in sources}, key=int):
                caption = CHAPTER_CAPTIONS.get(chapter, f"Chapter {chapter}")
                lines += [f'  - caption: "{caption}"', "    numbered: false", "    chapters:"]
                lines += [f"      - file: {collection.pages}/{s.stem}" for s in sources
                          if s.stem.split("_")[0] == chapter]
            continue
        caption = PART_CAPTIONS.get(collection.name, collection.name.title())
        lines += [f'  - caption: "{caption}"', "    numbered: false", "    chapters:"]
        if collection.name != "solutions":
            lines += [f"      - file: {collection.pages}/{s.stem}" for s in sources]
            continue
        # The exercises by d2l-zh section, after the index page that lists them.
        pages = exercise_index.by_stem()
        lines.append(f"      - file: {exercise_index.INDEX_PAGE}")
        for stem in exercise_index.toc_order(s.stem for s in sources):
            lines.append(f"      - file: {collection.pages}/{stem}")
            if stem in pages:
                lines.append(f'        title: "{pages[stem].title}"')
    lines += ['  - caption: "About this book"', "    numbered: false", "    chapters:"]
    lines += [f"      - file: {page}" for page in BACK_MATTER]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CLI


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("notebooks", "smoke", "pages", "toc", "check"))
    parser.add_argument("--force", action="store_true", help="execute even up-to-date notebooks")
    parser.add_argument("--jobs", type=int, default=2, choices=(1, 2),
                        help="notebooks executed at the same time (2 cores: at most 2)")
    parser.add_argument("--only", nargs="*", default=(), metavar="STEM",
                        help="restrict to these sources, e.g. 8_2_text_preprocessing")
    parser.add_argument("--collection", nargs="*", default=None, metavar="NAME",
                        help=f"restrict to these collections {[c.name for c in COLLECTIONS]}")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="repository root holding the source folders (default: this one)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    collections = [by_name(n) for n in args.collection] if args.collection else COLLECTIONS

    if args.command == "notebooks":
        jobs = plan(collections, root, only=set(args.only), force=args.force)
        if not args.force:
            jobs = refresh_prose(jobs)
        if not jobs:
            print("all notebooks are up to date")
            return 0
        print(f"executing {len(jobs)} notebook(s), {args.jobs} at a time", flush=True)
        start = time.perf_counter()
        run_jobs(jobs, workers=args.jobs, root=root)
        print(f"done in {time.perf_counter() - start:.1f} s")
        return 0
    if args.command == "smoke":
        return smoke(collections, root, only=set(args.only))
    if args.command == "pages":
        written = build_pages(collections, root, only=set(args.only))
        print(f"{len(written)} page notebook(s) written")
        return 0
    if args.command == "toc":
        (root / "_toc.yml").write_text(toc_text(collections, root))
        index = root / f"{exercise_index.INDEX_PAGE}.md"
        index.write_text(exercise_index.index_text(root), encoding="utf8")
        print(f"wrote {root / '_toc.yml'} and {index}")
        return 0
    # check
    stale = plan(collections, root, only=set(args.only))
    orphaned = orphans(collections, root)
    for _, target, _, _ in stale:
        print(f"stale or missing: {target.relative_to(root)}")
    for path in orphaned:
        print(f"orphan (no source): {path.relative_to(root)}")
    return 1 if stale or orphaned else 0


if __name__ == "__main__":
    sys.exit(main())
