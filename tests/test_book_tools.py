"""Unit tests of the notebook pipeline: read, split, strip, merge, tabs, toc, nbval config."""

import copy
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml
from docutils import nodes

from tools import build, exercise_index, sphinx_tabs
from tools import notebooks as nbt
from tools.collections import COLLECTIONS, ROOT, Collection

SOURCE = textwrap.dedent('''\
    ---
    jupytext:
      text_representation:
        format_name: myst
    kernelspec:
      name: python3
      display_name: Python 3
    ---

    # 9.9 A tiny section

    Some prose.

    ```{code-cell} ipython3
    :tags: [pytorch]
    x = "pytorch"
    ```

    ```{code-cell} ipython3
    :tags: [mxnet]
    x = "mxnet"
    ```

    ```{code-cell} ipython3
    :tags: [tensorflow, nbval-ignore-output]
    x = "tensorflow"
    ```

    More prose.

    ```{code-cell} ipython3
    print(x)
    ```

    +++ {"tags": ["solution"]}

    The answer is to print.

    +++

    ```{code-cell} ipython3
    def double(v):
        # BEGIN SOLUTION
        return 2 * v
        # END SOLUTION

    print(double(21))
    ```
    ''')


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "9_9_tiny.md"
    path.parent.mkdir()
    path.write_text(SOURCE)
    return path


def fake_execute(nb, fw):
    """Give every code cell an output naming the framework, as an execution would."""
    nb = nbformat.from_dict(nb)
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = n + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{fw}\n")]
    nb.metadata["language_info"] = {"name": "python"}
    return nb


# --------------------------------------------------------------------------- read / split


def test_read_source_cells(source):
    nb = nbt.read_source(source)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "code", "code", "markdown", "code", "markdown", "code"]
    assert nb.cells[3].metadata["tags"] == ["tensorflow", "nbval-ignore-output"]
    assert nb.cells[6].metadata["tags"] == ["solution"]


@pytest.mark.parametrize("fw", nbt.FRAMEWORKS)
def test_split_keeps_shared_and_own_cells(source, fw):
    nb = nbt.split(nbt.read_source(source), fw, source="src/9_9_tiny.md")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[0] == f'x = "{fw}"'
    assert code[1] == "print(x)"
    assert len(code) == 3
    assert all(fw_tag not in nbt.tags_of(c) for c in nb.cells for fw_tag in nbt.FRAMEWORKS)
    assert [c["id"] for c in nb.cells] == [f"cell-{n}" for n in range(len(nb.cells))]
    meta = nb.metadata[nbt.META_KEY]
    assert meta["framework"] == fw and meta["source"] == "src/9_9_tiny.md"
    assert meta["source_hash"] == nbt.content_hash(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_split_keeps_other_tags(source):
    nb = nbt.split(nbt.read_source(source), "tensorflow")
    assert nbt.tags_of(nb.cells[1]) == ["nbval-ignore-output"]


def test_hash_changes_only_for_the_affected_framework(source):
    before = {fw: nbt.split(nbt.read_source(source), fw) for fw in nbt.FRAMEWORKS}
    source.write_text(SOURCE.replace('x = "mxnet"', 'x = "gluon"'))
    after = {fw: nbt.split(nbt.read_source(source), fw) for fw in nbt.FRAMEWORKS}
    changed = [fw for fw in nbt.FRAMEWORKS
               if nbt.recorded_hash(before[fw]) != nbt.recorded_hash(after[fw])]
    assert changed == ["mxnet"]


def test_split_is_deterministic(source):
    one = nbformat.writes(nbt.split(nbt.read_source(source), "pytorch"))
    two = nbformat.writes(nbt.split(nbt.read_source(source), "pytorch"))
    assert one == two


def test_split_rejects_unknown_framework(source):
    with pytest.raises(ValueError, match="framework must be one of"):
        nbt.split(nbt.read_source(source), "jax")


def test_framework_tag_on_markdown_is_an_error(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text(SOURCE.replace('+++ {"tags": ["solution"]}', '+++ {"tags": ["pytorch"]}'))
    with pytest.raises(ValueError, match="only code cells may carry a framework tag"):
        nbt.read_source(path)


# --------------------------------------------------------------------------- sync check


def test_sync_problems_accepts_executed_copy(source):
    fresh = nbt.split(nbt.read_source(source), "pytorch")
    executed = fake_execute(fresh, "pytorch")
    executed.cells[1].metadata["tags"] = ["raises-exception"]  # added by execution
    assert nbt.sync_problems(fresh, executed) == []


def test_sync_problems_detects_edits(source):
    fresh = nbt.split(nbt.read_source(source), "pytorch")
    edited = fake_execute(fresh, "pytorch")
    edited.cells[1].source = 'x = "edited by hand"'
    problems = nbt.sync_problems(fresh, edited)
    assert problems and "cell 1 differs" in problems[0]
    stale = fake_execute(fresh, "pytorch")
    stale.metadata[nbt.META_KEY]["source_hash"] = "0" * 64
    assert any("hash" in p for p in nbt.sync_problems(fresh, stale))
    shorter = fake_execute(fresh, "pytorch")
    shorter.cells.pop()
    assert any("cells" in p for p in nbt.sync_problems(fresh, shorter))


# --------------------------------------------------------------------------- strip


def test_strip_code_keeps_indentation():
    code = "def f(v):\n    # BEGIN SOLUTION\n    return v\n    # END SOLUTION\n\nprint(1)"
    stripped = nbt.strip_code(code)
    assert stripped == (
        "def f(v):\n    " + nbt.FILL_IN_COMMENT + "\n    " + nbt.FILL_IN_RAISE + "\n\nprint(1)"
    )
    compile(stripped, "<stripped>", "exec")  # still valid Python


def test_strip_code_several_regions_and_untouched_code():
    code = ("a = 1\n# BEGIN SOLUTION\nb = 2\n# END SOLUTION\n"
            "c = 3\n# BEGIN SOLUTION\nd = 4\n# END SOLUTION")
    stripped = nbt.strip_code(code)
    assert stripped.count(nbt.FILL_IN_RAISE) == 2
    assert "b = 2" not in stripped and "d = 4" not in stripped
    assert stripped.startswith("a = 1\n") and "c = 3" in stripped
    assert nbt.strip_code("x = 1\ny = 2") == "x = 1\ny = 2"


@pytest.mark.parametrize("code, message", [
    ("# BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n# END SOLUTION", "without"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "nested"),
])
def test_strip_code_rejects_unbalanced_markers(code, message):
    with pytest.raises(ValueError, match=message):
        nbt.strip_code(code, where="cell 3")


def test_strip_solutions_drops_solution_prose(source):
    solution = nbt.read_source(source)
    exercise = nbt.strip_solutions(solution)
    texts = [c.source for c in exercise.cells]
    assert "The answer is to print." not in texts
    assert len(exercise.cells) == len(solution.cells) - 1
    assert nbt.FILL_IN_RAISE in exercise.cells[-1].source
    assert "return 2 * v" not in exercise.cells[-1].source
    # the solution itself is untouched
    assert "return 2 * v" in solution.cells[-1].source


SOLUTION_CODE_SOURCE = SOURCE + textwrap.dedent('''\

    ```{code-cell} ipython3
    :tags: [solution]
    assert double(21) == 42  # the worked solution's own check
    ```

    ```{code-cell} ipython3
    :tags: [solution, pytorch]
    print("pytorch analysis")
    ```

    ```{code-cell} ipython3
    :tags: [solution, mxnet]
    print("mxnet analysis")
    ```

    ```{code-cell} ipython3
    :tags: [tensorflow, solution]
    print("tensorflow analysis")
    ```

    ```{code-cell} ipython3
    :tags: [pytorch]
    print("task of pytorch")
    ```

    ```{code-cell} ipython3
    :tags: [mxnet]
    print("task of mxnet")
    ```

    ```{code-cell} ipython3
    :tags: [tensorflow]
    print("task of tensorflow")
    ```
    ''')


@pytest.fixture
def solution_code_source(tmp_path):
    path = tmp_path / "src" / "9_9_code.md"
    path.parent.mkdir()
    path.write_text(SOLUTION_CODE_SOURCE)
    return path


@pytest.mark.parametrize("fw", nbt.FRAMEWORKS)
def test_solution_code_cells_stay_in_the_solution_and_leave_the_exercise(solution_code_source, fw):
    src = nbt.read_source(solution_code_source)
    solution = nbt.split(src, fw)
    exercise = nbt.split(nbt.strip_solutions(src), fw)
    sol_code = [c.source for c in solution.cells if c.cell_type == "code"]
    ex_code = [c.source for c in exercise.cells if c.cell_type == "code"]
    analysis = f'print("{fw} analysis")'
    # The solution notebook keeps the shared and its own solution cell, tagged solution.
    assert "assert double(21) == 42  # the worked solution's own check" in sol_code
    assert analysis in sol_code
    kept = [c for c in solution.cells if c.source == analysis][0]
    assert nbt.tags_of(kept) == ["solution"]
    # The exercise has neither, nor any other framework's, but keeps the task cells.
    assert not any("analysis" in c or "double(21) == 42" in c for c in ex_code)
    assert f'print("task of {fw}")' in ex_code
    assert not any(nbt.SOLUTION_TAG in nbt.tags_of(c) for c in exercise.cells)
    # Exactly the solution-only cells are gone: the shared one, this framework's one,
    # and the solution prose.
    assert len(solution.cells) - len(exercise.cells) == 3


def test_solution_code_cells_form_their_own_folded_tab_set(solution_code_source):
    src = nbt.read_source(solution_code_source)
    groups = nbt.tab_groups(src)
    # ..., region cell (2), shared solution cell (3), the [solution, fw] run (4),
    # the task run right after it is a set of its own (5).
    assert groups[-7:] == [3, 4, 4, 4, 5, 5, 5]
    executed = {fw: fake_execute(nbt.split(src, fw), fw) for fw in nbt.FRAMEWORKS}
    page = nbt.merge(src, executed, collapse_solutions=True)
    sources = [c.source for c in page.cells]
    start = sources.index(f"% {nbt.SOLUTION_START}")
    end = sources.index(f"% {nbt.SOLUTION_END}")
    assert sources.count(f"% {nbt.SOLUTION_START}") == 1
    folded = sources[start + 1:end]
    assert folded[0] == "The answer is to print."
    assert 'print("mxnet analysis")' in folded and "assert double(21) == 42" in folded[4]
    assert all("task of" not in text for text in folded)
    assert [t for t in sources[end + 1:] if "task of" in t] == [
        f'print("task of {fw}")' for fw in nbt.FRAMEWORKS]
    # The mxnet analysis cell carries its framework tag and the solution tag on the page.
    cell = page.cells[sources.index('print("mxnet analysis")')]
    assert set(nbt.tags_of(cell)) == {"solution", "mxnet"}


def test_exercise_notebooks_are_written_without_outputs(source):
    exercises = Collection("demo_ex", "src", "demo_ex", strip=True, allow_errors=True,
                           clear_outputs=True)
    fresh = nbt.split(nbt.strip_solutions(nbt.read_source(source)), "pytorch")
    ran = fake_execute(fresh, "pytorch")
    ran.cells[-1].metadata["tags"] = ["raises-exception"]
    ran.metadata[nbt.META_KEY]["execution_seconds"] = 1.5
    # Executed and not cleared: stale (it would show the answers).
    problems = build.notebook_problems(exercises, fresh, ran)
    assert problems and "hold outputs or execution counts" in problems[0]
    cleared = build.clear_outputs(copy.deepcopy(ran))
    assert build.notebook_problems(exercises, fresh, cleared) == []
    assert all(c.outputs == [] and c.execution_count is None
               for c in cleared.cells if c.cell_type == "code")
    assert nbt.tags_of(cleared.cells[-1]) == ["raises-exception"]  # nbval expects the error
    # A bare split (never run, so no raises-exception tags) does not pass as generated.
    assert "never executed" in build.notebook_problems(exercises, fresh, fresh)[0]
    # Book and solution notebooks keep their outputs.
    solutions = Collection("demo", "src", "demo")
    assert build.notebook_problems(solutions, fresh, ran) == []


# --------------------------------------------------------------------------- merge


def test_tab_groups(source):
    groups = nbt.tab_groups(nbt.read_source(source))
    assert groups == [None, 0, 0, 0, None, 1, None, 2]


def test_merge_builds_tab_groups_with_each_frameworks_output(source):
    src = nbt.read_source(source)
    executed = {fw: fake_execute(nbt.split(src, fw), fw) for fw in nbt.FRAMEWORKS}
    downloads = [("Notebooks", {fw: f"/book/{fw}/9_9_tiny.ipynb" for fw in nbt.FRAMEWORKS})]
    page = nbt.merge(src, executed, downloads=downloads, collapse_solutions=True)
    code = [c for c in page.cells if c.cell_type == "code"]
    # three groups, each with one cell per framework, in tab order
    assert [(c.metadata[nbt.GROUP_KEY], nbt.tags_of(c)[-1]) for c in code[:6]] == [
        (0, "pytorch"), (0, "mxnet"), (0, "tensorflow"),
        (1, "pytorch"), (1, "mxnet"), (1, "tensorflow"),
    ]
    for cell in code:
        fw = [t for t in nbt.tags_of(cell) if t in nbt.FRAMEWORKS]
        assert len(fw) == 1 and cell.outputs[0].text == f"{fw[0]}\n"
    # The worked solution (its prose and the cells holding a solution region) sits
    # between one pair of markers; the task cells before it do not.
    sources = [c.source for c in page.cells]
    start = sources.index(f"% {nbt.SOLUTION_START}")
    end = sources.index(f"% {nbt.SOLUTION_END}")
    assert sources.count(f"% {nbt.SOLUTION_START}") == 1 and end == len(sources) - 1
    inside = page.cells[start + 1 : end]
    assert inside[0].source == "The answer is to print."
    assert [c.cell_type for c in inside[1:]] == ["code"] * 3
    assert all("return 2 * v" in c.source for c in inside[1:])
    assert all("print(x)" not in c.source for c in inside)
    assert not any("hide-input" in nbt.tags_of(c) for c in code)
    title = page.cells[0].source
    assert title.startswith("# 9.9 A tiny section")
    for fw in nbt.FRAMEWORKS:
        assert f"{{download}}`{nbt.LABELS[fw]} </book/{fw}/9_9_tiny.ipynb>`" in title
    assert page.metadata["language_info"]["name"] == "python"
    nbformat.validate(page)


def test_merge_rejects_stale_notebook(source):
    src = nbt.read_source(source)
    executed = {fw: fake_execute(nbt.split(src, fw), fw) for fw in nbt.FRAMEWORKS}
    executed["mxnet"].cells.pop()
    with pytest.raises(ValueError, match="out of date"):
        nbt.merge(src, executed)


def test_write_notebook_is_atomic(tmp_path, source):
    target = tmp_path / "out" / "nb.ipynb"
    nbt.write_notebook(nbt.split(nbt.read_source(source), "pytorch"), target)
    assert nbt.read_notebook(target).cells
    assert not list(target.parent.glob("*.part"))


def test_pipeline_on_a_temporary_collection(tmp_path, source, monkeypatch):
    """plan -> (fake) execute -> pages, with a collection list of our own."""
    collections = (
        Collection("demo", "src", "demo", pages="demo/pages",
                   links=(("Notebooks", "book"),)),
        Collection("demo_ex", "src", "demo_ex", strip=True, allow_errors=True),
    )
    jobs = build.plan(collections, root=tmp_path)
    assert len(jobs) == 6
    for _, target, fresh, _ in jobs:
        nbt.write_notebook(fake_execute(fresh, target.parent.name), target)
    assert build.plan(collections, root=tmp_path) == []
    exercise = nbt.read_notebook(tmp_path / "demo_ex" / "pytorch" / "9_9_tiny.ipynb")
    assert nbt.FILL_IN_RAISE in exercise.cells[-1].source
    # editing one framework's cell makes only that framework stale
    source.write_text(SOURCE.replace('x = "pytorch"', 'x = "pytorch 2"'))
    stale = build.plan(collections, root=tmp_path)
    assert sorted(str(t.relative_to(tmp_path)) for _, t, _, _ in stale) == [
        "demo/pytorch/9_9_tiny.ipynb", "demo_ex/pytorch/9_9_tiny.ipynb"]
    with pytest.raises(SystemExit, match="out of date"):
        build.build_pages(collections, root=tmp_path)
    for _, target, fresh, _ in stale:
        nbt.write_notebook(fake_execute(fresh, target.parent.name), target)
    monkeypatch.setattr(build, "by_name", lambda name: collections[0])
    written = build.build_pages(collections, root=tmp_path)
    assert [p.name for p in written] == ["9_9_tiny.ipynb"]
    # Downloads are copies named after the framework, linked from the page.
    downloads = tmp_path / "demo" / "pages" / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == [
        f"9_9_tiny-{fw}.ipynb" for fw in sorted(nbt.FRAMEWORKS)]
    for fw in nbt.FRAMEWORKS:
        copy = nbt.read_notebook(downloads / f"9_9_tiny-{fw}.ipynb")
        assert copy.metadata[nbt.META_KEY]["framework"] == fw
        assert f"</demo/pages/downloads/9_9_tiny-{fw}.ipynb>`" in written[0].read_text()
    assert (tmp_path / "demo" / "pages" / ".gitignore").read_text().strip().endswith("*")
    assert build.build_pages(collections, root=tmp_path) == []  # unchanged: not rewritten


@pytest.mark.parametrize("stem,fw,kind,name", [
    ("8_5_rnn_scratch", "pytorch", None, "8_5_rnn_scratch-pytorch.ipynb"),
    ("no_clipping", "mxnet", "exercise", "no_clipping-exercise-mxnet.ipynb"),
    ("no_clipping", "mxnet", "solution", "no_clipping-solution-mxnet.ipynb"),
])
def test_download_names_carry_framework_and_kind(stem, fw, kind, name):
    assert build.download_name(stem, fw, kind) == name


def test_download_name_rejects_unknown_framework():
    with pytest.raises(ValueError, match="framework must be one of"):
        build.download_name("8_5_rnn_scratch", "jax")


def test_solution_pages_tell_exercise_and_solution_downloads_apart():
    kinds = {name: build.DOWNLOAD_KINDS.get(name) for _, name in build.by_name("solutions").links}
    assert kinds == {"exercises": "exercise", "solutions": "solution"}
    assert [build.DOWNLOAD_KINDS.get(name) for _, name in build.by_name("book").links] == [None]


def test_execute_tags_cells_that_raise(tmp_path):
    """Real kernel: allowed errors are kept and tagged so nbval expects them."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(nbt.KERNELSPEC)
    nb.cells = [nbformat.v4.new_code_cell("print('ok')"),
                nbformat.v4.new_code_cell(nbt.FILL_IN_RAISE)]
    done, seconds = build.execute(nb, tmp_path, allow_errors=True)
    assert done.cells[0].outputs[0].text == "ok\n"
    assert done.cells[1].outputs[0].ename == "NotImplementedError"
    assert nbt.tags_of(done.cells[1]) == ["raises-exception"]
    assert seconds > 0


STUDENT_FUNCTION = "def f(x):\n    " + nbt.FILL_IN_COMMENT + "\n    " + nbt.FILL_IN_RAISE


def _exercise(given):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(nbt.KERNELSPEC)
    nb.cells = [nbformat.v4.new_code_cell(given),
                nbformat.v4.new_code_cell(STUDENT_FUNCTION),
                nbformat.v4.new_code_cell("results = {}\nresults['a'] = f(1)"),  # placeholder
                nbformat.v4.new_code_cell("print(results['a'])"),  # KeyError: follows from it
                nbformat.v4.new_code_cell("print('independent of the student')")]
    return nb


def test_execute_tags_placeholders_and_what_follows_from_them(tmp_path):
    done, _ = build.execute(_exercise("import math"), tmp_path, allow_errors=True)
    raised = [n for n, c in enumerate(done.cells) if "raises-exception" in nbt.tags_of(c)]
    assert raised == [2, 3]
    assert done.cells[3].outputs[0].ename == "KeyError"


@pytest.mark.parametrize("given,error", [
    ("import no_such_module_here", "ModuleNotFoundError"),  # a broken import
    ("import math\nprint(math.sqrt(4)); pritn('typo')", "NameError"),  # a typo
])
def test_execute_refuses_broken_given_code_in_an_exercise(tmp_path, given, error):
    with pytest.raises(ValueError, match=f"cell 0: {error}"):
        build.execute(_exercise(given), tmp_path, allow_errors=True)


def test_nbval_runs_unexecuted_exercises_and_fails_on_unexpected_errors(tmp_path):
    """Real kernel and real nbval on an exercise written the way the pipeline writes it."""
    import subprocess

    from tools import kernel_env
    from tools import nbval as nbval_tool

    done, _ = build.execute(_exercise("import math"), tmp_path, allow_errors=True)
    build.clear_outputs(done)
    env = {**os.environ, **kernel_env.kernel_env(None)}  # what nbval's kernels get

    def nbval(nb, lax=False):
        path = tmp_path / "exercise.ipynb"
        nbt.write_notebook(nb, path)
        return subprocess.run(nbval_tool.pytest_command([path], jobs=1, lax=lax), cwd=ROOT,
                              env=env, capture_output=True, text=True)

    result = nbval(done)
    assert result.returncode == 0 and "5 passed" in result.stdout, result.stdout[-2000:]
    # Given code that breaks after generation (an import a library change removed).
    done.cells[0].source = "from math import no_such_name"
    result = nbval(done)
    assert result.returncode == 1 and "1 failed, 4 passed" in result.stdout, result.stdout[-2000:]
    # A student's own run: regions filled, saved with outputs that a rerun does not
    # repeat (a timing, say). Strict nbval compares them; --lax only runs the cells.
    student = _exercise("import math")
    student.cells[1].source = "def f(x):\n    return x"
    student, _ = build.execute(student, tmp_path)
    student.cells[4].outputs[0].text = "took 3.2 s\n"
    assert nbval(student).returncode == 1
    result = nbval(student, lax=True)
    assert result.returncode == 0 and "5 passed" in result.stdout, result.stdout[-2000:]


# --------------------------------------------------------------------------- sphinx extension


def _cell(tags, group=None, text="code"):
    meta = {"tags": tags}
    if group is not None:
        meta[nbt.GROUP_KEY] = group
    cell = nodes.container(nb_element="cell_code", cell_metadata=meta, classes=["cell"])
    cell += nodes.literal_block(text, text)
    return cell


def _group(parent):
    sphinx_tabs.FrameworkTabs._group_children(parent)
    return parent


def test_tabs_group_consecutive_cells_by_group_key():
    section = nodes.section()
    section += nodes.paragraph("", "intro")
    for group in (0, 1):
        for fw in nbt.FRAMEWORKS:
            section += _cell([fw], group, f"{fw}{group}")
    section += nodes.paragraph("", "outro")
    _group(section)
    kinds = [child.get("design_component", type(child).__name__) for child in section.children]
    assert kinds == ["paragraph", "tab-set", "tab-set", "paragraph"]
    tab_set = section.children[1]
    labels = [(item[0]["sync_group"], item[0]["sync_id"], item[0].astext()) for item in tab_set]
    assert labels == [("framework", "pytorch", "PyTorch"), ("framework", "mxnet", "MXNet"),
                      ("framework", "tensorflow", "TensorFlow")]
    assert [item["selected"] for item in tab_set] == [True, False, False]
    for item, fw in zip(tab_set, nbt.FRAMEWORKS):
        assert item[1]["design_component"] == "tab-content"
        assert item[1].astext() == f"{fw}0"


def test_tabs_without_group_key_and_missing_framework():
    section = nodes.section()
    section += _cell(["pytorch"], text="a")
    section += _cell(["pytorch"], text="b")
    section += _cell(["tensorflow"], text="c")
    _group(section)
    assert len(section.children) == 1
    contents = [item[1].astext() for item in section.children[0]]
    assert contents[0].split() == ["a", "b"]
    assert "no MXNet code" in contents[1]
    assert contents[2] == "c"


def test_untagged_cells_are_left_alone():
    section = nodes.section()
    section += _cell([])
    section += _cell(["hide-input"])
    _group(section)
    assert [c.get("nb_element") for c in section.children] == ["cell_code", "cell_code"]


# --------------------------------------------------------------------------- config files


def test_toc_lists_exactly_the_existing_sections():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
    assert (ROOT / f"{toc['root']}.md").exists()
    expected = []
    for collection in COLLECTIONS:
        if collection.pages:
            expected += [f"{collection.pages}/{s.stem}" for s in collection.sources()]
    for page in build.BACK_MATTER:
        assert (ROOT / f"{page}.md").exists()
    assert (ROOT / f"{exercise_index.INDEX_PAGE}.md").exists()
    listed_pages = [f for f in files if f not in
                    (toc["root"], exercise_index.INDEX_PAGE, *build.BACK_MATTER)]
    assert sorted(listed_pages) == sorted(expected)
    assert len(set(files)) == len(files)


def test_toc_file_is_what_the_toc_writer_writes():
    # `python -m tools.build toc` must not drop the back matter (references, attribution).
    assert (ROOT / "_toc.yml").read_text() == build.toc_text()


def test_exercise_index_page_is_what_the_toc_writer_writes():
    # Stale after a solution source is added or its headings change: `python -m tools.build toc`.
    index = ROOT / f"{exercise_index.INDEX_PAGE}.md"
    assert index.read_text(encoding="utf8") == exercise_index.index_text(ROOT)


def test_config_loads_the_tabs_extension_and_never_executes():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert "tools.sphinx_tabs" in config["sphinx"]["local_extensions"]
    assert config["only_build_toc_files"] is True


def test_sanitize_file_masks_timings_and_figures():
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    patterns = re.findall("^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)
    assert patterns

    def sanitize(s):
        for regex, replace in patterns:
            s = re.sub(regex, replace, s)
        return s

    a = "perplexity 1.1, 61234.5 tokens/sec on cpu\n"
    b = "perplexity 1.1, 48000.0 tokens/sec on cpu\n"
    assert sanitize(a) == sanitize(b)
    assert sanitize("perplexity 1.1") != sanitize("perplexity 1.2")
    # Tables print rates padded and with thousands separators ("tokens/s" too).
    assert sanitize("scratch  |   8,182 tokens/s") == sanitize("scratch  |  12,953 tokens/s")
    assert sanitize("gru 450.5 samples/s\n") == sanitize("gru 3e4 samples/s\n")
    assert sanitize("ppl 1.25 | 8,182 tokens/s") != sanitize("ppl 1.26 | 8,182 tokens/s")
    assert sanitize("done in 3.2 sec") == sanitize("done in 12.0 sec")
    assert sanitize("<object at 0x7f00aa>") == sanitize("<object at 0x7f11bb>")
    svg1 = '<?xml version="1.0"?>\n<svg id="p1"><path d="M 1 2"/></svg>\n'
    svg2 = '<?xml version="1.0"?>\n<svg id="p9"><path d="M 1 3"/></svg>\n'
    assert sanitize(svg1) == sanitize(svg2) == "<SVG>"


def test_generated_page_folders_are_not_sources():
    for collection in COLLECTIONS:
        if collection.pages:
            assert not Path(collection.pages).is_absolute()
            assert collection.pages.split("/")[0] == collection.out.split("/")[0]


# --------------------------------------------------------------------------- site extension


def test_solution_markers_become_one_collapsed_block():
    from tools import sphinx_site

    section = nodes.section()
    section += nodes.paragraph("", "the task")
    section += nodes.comment("", nbt.SOLUTION_START)
    section += nodes.paragraph("", "the worked answer")
    for fw in nbt.FRAMEWORKS:
        section += _cell([fw], 0, f"{fw} code")
    section += nodes.comment("", nbt.SOLUTION_END)
    section += nodes.paragraph("", "next task")
    _group(section)
    assert sphinx_site.wrap_solutions(section) == 1
    kinds = [type(child).__name__ for child in section.children]
    assert kinds == ["paragraph", "admonition", "paragraph"]
    block = section.children[1]
    assert "dropdown" in block["classes"] and block[0].astext() == "Solution"
    assert block[1].astext() == "the worked answer"
    assert block[2].get("design_component") == "tab-set"
    assert section.children[0].astext() == "the task"


def test_solution_markers_in_different_sections_are_left_alone():
    from tools import sphinx_site

    doc = nodes.section()
    doc += nodes.comment("", nbt.SOLUTION_START)
    inner = nodes.section()
    inner += nodes.comment("", nbt.SOLUTION_END)
    doc += inner
    assert sphinx_site.wrap_solutions(doc) == 0


@pytest.mark.parametrize("title,number", [
    ("8.4 Recurrent Neural Networks", (8, 4)),
    ("8 Recurrent", (8,)),
    ("Exercise: training without gradient clipping (8.5)", ()),
])
def test_section_number_of_a_title(title, number):
    from tools import sphinx_site

    assert sphinx_site.section_number(title) == number


def test_equations_are_numbered_per_section():
    from types import SimpleNamespace

    from tools import sphinx_site

    env = SimpleNamespace(
        titles={"a": nodes.title("", "8.4 RNNs"), "b": nodes.title("", "Exercise: x (8.5)")},
        toc_fignumbers={"a": {"displaymath": {"eq-2": (5,), "eq-1": (4,), "eq-3": (6,)}},
                        "b": {"displaymath": {"eq-x": (7,)}, "figure": {"f": (1,)}}},
    )
    sphinx_site._number_equations(None, env)
    assert env.toc_fignumbers["a"]["displaymath"] == {
        "eq-1": (8, 4, 1), "eq-2": (8, 4, 2), "eq-3": (8, 4, 3)}
    assert env.toc_fignumbers["b"]["displaymath"] == {"eq-x": (1,)}
    assert env.toc_fignumbers["b"]["figure"] == {"f": (1,)}


def test_plot_alt_text_names_labels_not_ticks():
    from tools import sphinx_site

    svg = ("<svg><!-- Created with matplotlib --><!-- 0 --><!-- 2.5 --><!-- $10^{3}$ -->"
           "<!-- epoch --><!-- perplexity --><!-- train --><!-- epoch --></svg>")
    labels = sphinx_site._svg_labels(svg)
    assert labels == ["epoch", "perplexity", "train"]
    alt = sphinx_site.plot_alt_text(labels, "MXNet")
    assert alt == "MXNet output: a plot labelled epoch, perplexity, train"
    assert "/" not in sphinx_site.plot_alt_text([], None)


def test_config_loads_the_site_extension():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "tools.sphinx_site" in config["sphinx"]["local_extensions"]
    for name in ("d2l-site.css", "d2l-site.js", "favicon.svg"):
        assert (ROOT / "tools" / "static" / name).is_file()


# --------------------------------------------------------------------------- make lab


@pytest.mark.parametrize("cpus,threads", [(1, 1), (2, 1), (3, 1), (8, 4)])
def test_lab_kernels_get_half_the_cores(cpus, threads):
    from tools import kernel_env

    assert kernel_env.lab_threads(cpus) == threads


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_lab_threads_rejects_bad_counts(bad):
    from tools import kernel_env

    with pytest.raises(ValueError, match="cpus"):
        kernel_env.lab_threads(bad)


def test_lab_command_opens_the_exercises(tmp_path):
    from tools import kernel_env

    command = kernel_env.lab_command(ROOT / "exercises")
    assert command[1:3] == ["-m", "jupyterlab"]
    assert command[3] == f"--ServerApp.root_dir={(ROOT / 'exercises').resolve()}"
    with pytest.raises(ValueError, match="folder"):
        kernel_env.lab_command(tmp_path / "missing")


def test_lab_environment_caps_the_threads_a_kernel_uses():
    """What a kernel started by `make lab` sees: torch takes the capped thread count."""
    import os
    import subprocess
    import sys

    from tools import kernel_env

    env = {**os.environ, **kernel_env.kernel_env(kernel_env.lab_threads(4))}
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
                         env=env, capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "2"


# --------------------------------------------------------------------------- figures


def test_plot_legend_sits_above_the_curves():
    import matplotlib

    matplotlib.use("Agg")
    import d2lcore

    d2lcore.plot([0, 1, 2], [[0, 1, 4], [4, 1, 0]], "x", "y", legend=["up", "down"],
                 figsize=(3.5, 2.5))
    from matplotlib import pyplot as plt

    axes = plt.gca()
    fig = axes.figure
    fig.canvas.draw()
    legend = axes.get_legend().get_window_extent()
    frame = axes.get_window_extent()
    assert legend.y0 >= frame.y1 - 1, "the legend overlaps the plot area"
    assert axes.get_legend().get_texts()[0].get_fontsize() >= 9
    rows = {round(t.get_window_extent().y0) for t in axes.get_legend().get_texts()}
    assert len(rows) == 1  # short labels share one row
    plt.close(fig)


@pytest.mark.parametrize("legend,width,columns", [
    (["train"], 2.7, 1),
    (["train", "test"], 2.7, 2),
    ([f"{k}-step preds" for k in (1, 4, 16, 64)], 4.6, 2),  # two rows of two, not 3 + 1
    (["1-step, vs observations", "1-step, vs clean signal", "multistep, vs clean"], 2.7, 1),
])
def test_legend_columns_fill_rows_evenly(legend, width, columns):
    from d2lcore.plot import legend_columns

    assert legend_columns(legend, width) == columns


def test_portable_pass_names_what_it_leaves_out_and_why():
    from tools import nbval as nbval_tool
    from tools.collections import all_notebooks

    names = {p.name for p in all_notebooks()}
    for name, reason in nbval_tool.PORTABLE_SKIP.items():
        assert name in names, f"PORTABLE_SKIP names {name}, which no source generates"
        assert len(reason) > 40, "every left-out notebook needs its reason"
    # The portable pass still covers nearly every notebook.
    assert sum(p.name in nbval_tool.PORTABLE_SKIP for p in all_notebooks()) <= 3


def test_portable_long_runs_exactly_the_left_out_notebooks(monkeypatch):
    from tools import nbval as nbval_tool
    from tools.collections import all_notebooks

    calls = []
    monkeypatch.setattr(nbval_tool.subprocess, "call",
                        lambda cmd, cwd, env: calls.append(cmd) or 0)
    monkeypatch.setattr(nbval_tool.kernel_env, "apply", lambda threads: None)
    monkeypatch.setattr(nbval_tool.os, "environ", {})
    assert nbval_tool.main(["--portable-long"]) == 0
    expected = {str(p) for p in all_notebooks() if p.name in nbval_tool.PORTABLE_SKIP}
    assert expected and expected <= set(calls[0])
    others = {str(p) for p in all_notebooks()} - expected
    assert not others & set(calls[0])
    assert nbval_tool.os.environ["ONEDNN_MAX_CPU_ISA"]  # the perturbed numerics are set
    with pytest.raises(SystemExit):
        nbval_tool.main(["--portable-long", "book/pytorch/8_1_sequence_models.ipynb"])
    with pytest.raises(SystemExit):
        nbval_tool.main(["--portable-long", "--portable"])


def test_edited_prose_keeps_the_outputs_and_edited_code_re_executes(tmp_path, source):
    """`make notebooks` refreshes text cells without executing (chapter 9 takes minutes);
    a changed code cell still needs an execution."""
    collections = (Collection("demo", "src", "demo", pages="demo/pages"),)
    for _, target, fresh, _ in build.plan(collections, root=tmp_path):
        nbt.write_notebook(fake_execute(fresh, target.parent.name), target)
    source.write_text(SOURCE.replace("Some prose.", "Some prose.\n\n+++\n\nA new paragraph."))
    stale = build.plan(collections, root=tmp_path)
    assert len(stale) == 3  # every framework has the prose
    assert build.refresh_prose(stale) == []
    assert build.plan(collections, root=tmp_path) == []  # up to date, hash included
    nb = nbt.read_notebook(tmp_path / "demo" / "mxnet" / "9_9_tiny.ipynb")
    assert any("A new paragraph." in c.source for c in nb.cells if c.cell_type == "markdown")
    assert [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs][0] == "mxnet\n"
    # nbval's tags change what the test compares, not what runs: refreshed, not executed
    source.write_text(source.read_text()
                      .replace(":tags: [mxnet]\n", ":tags: [mxnet, nbval-skip]\n")
                      .replace(":tags: [tensorflow, nbval-ignore-output]", ":tags: [tensorflow]"))
    tagged = build.plan(collections, root=tmp_path)
    assert sorted(t.parent.name for _, t, _, _ in tagged) == ["mxnet", "tensorflow"]
    assert build.refresh_prose(tagged) == []
    for fw, tags in (("mxnet", ["nbval-skip"]), ("tensorflow", None)):
        nb = nbt.read_notebook(tmp_path / "demo" / fw / "9_9_tiny.ipynb")
        first, printed = [c for c in nb.cells if c.cell_type == "code"][:2]
        assert first.metadata.get("tags") == tags
        assert printed.outputs[0].text == f"{fw}\n"  # the outputs of the execution
    assert build.plan(collections, root=tmp_path) == []
    # a code edit is not prose: it stays a job
    source.write_text(source.read_text().replace('x = "mxnet"', 'x = "mxnet 2"'))
    remaining = build.refresh_prose(build.plan(collections, root=tmp_path))
    assert [t.parent.name for _, t, _, _ in remaining] == ["mxnet"]


def test_chapter_9_is_validated_with_capped_training_and_in_full_with_long(monkeypatch):
    from d2lcore.training import MAX_EPOCHS_ENV
    from tools import nbval as nbval_tool
    from tools.collections import all_notebooks

    calls = []
    monkeypatch.setattr(nbval_tool.subprocess, "call",
                        lambda cmd, cwd, env: calls.append((cmd, env)) or 0)
    monkeypatch.setattr(nbval_tool.kernel_env, "apply", lambda threads: None)
    monkeypatch.setattr(nbval_tool.os, "environ", {MAX_EPOCHS_ENV: "7"})  # a stray shell cap
    eight, nine, ex9 = ("book/pytorch/8_1_sequence_models.ipynb", "book/mxnet/9_1_gru.ipynb",
                        "exercises/tensorflow/ex_9_1_gru.ipynb")
    assert nbval_tool.main([eight, nine, ex9]) == 0
    (plain, plain_env), (capped, capped_env) = calls
    assert eight in plain and nine not in plain and MAX_EPOCHS_ENV not in plain_env
    assert {nine, ex9} <= set(capped) and eight not in capped
    assert capped_env[MAX_EPOCHS_ENV] == str(nbval_tool.CAP_EPOCHS)
    calls.clear()
    # every chapter-9 notebook, trained in full (an error while there are none)
    has_nine = any(nbval_tool.is_capped(p) for p in all_notebooks())
    assert nbval_tool.main(["--long"]) == (0 if has_nine else 1)
    if has_nine:
        (cmd, env), = calls
        assert MAX_EPOCHS_ENV not in env
        assert all(nbval_tool.is_capped(arg) for arg in cmd if arg.endswith(".ipynb"))
    with pytest.raises(SystemExit):
        nbval_tool.main(["--long", eight])
