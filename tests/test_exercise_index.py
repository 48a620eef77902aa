"""The exercise list by d2l-zh section (tools/exercise_index.py) matches the sources.

Every exercise of 8.1-8.7 and 9.1-9.4 is answered by exactly one page; every solution source is in
the list; the page that claims an exercise heads its answer with the number. Pages still
being written (no source yet) are only allowed to be missing, never to be wrong.
"""

import pytest

from tools import build
from tools import exercise_index as xi
from tools.collections import ROOT, by_name

SOURCES = {s.stem: s for s in by_name("solutions").sources()}


def test_the_43_exercises_of_8_1_to_8_7_and_9_1_to_9_4():
    assert len(xi.D2L_EXERCISES) == 27 + 16
    assert xi.D2L_EXERCISES[0] == "8.1.1" and xi.D2L_EXERCISES[26] == "8.7.2"
    assert xi.D2L_EXERCISES[27] == "9.1.1" and xi.D2L_EXERCISES[-1] == "9.4.3"


def test_every_exercise_is_answered_by_exactly_one_page():
    claims = xi.claims()
    unanswered = [n for n in xi.D2L_EXERCISES if n not in claims]
    twice = {n: stems for n, stems in claims.items() if len(stems) > 1}
    unknown = sorted(set(claims) - set(xi.D2L_EXERCISES))
    assert not unanswered and not twice and not unknown, (unanswered, twice, unknown)
    # a partial answer ("also") points at a number another page answers
    for page in xi.PAGES:
        for number in page.also:
            assert number in claims and page.stem not in claims[number]


def test_every_solution_source_is_listed():
    listed = {page.stem for page in xi.PAGES}
    assert len(listed) == len(xi.PAGES)
    assert not sorted(set(SOURCES) - listed), "add the page to tools/exercise_index.py PAGES"


def test_pages_are_in_section_order_with_section_titles():
    sections = []
    for page in xi.PAGES:
        own = {xi.section_of(n) for n, _ in page.answers}
        assert len(own) == 1, f"{page.stem} answers exercises of several sections: {own}"
        section = own.pop()
        assert page.title.startswith(f"{section} Exercises: "), page.title
        numbers = [n for n, _ in page.answers]
        assert numbers == sorted(numbers, key=lambda n: tuple(map(int, n.split("."))))
        sections.append(tuple(map(int, section.split("."))))
    assert sections == sorted(sections)


def test_toc_lists_the_solution_pages_in_that_order():
    toc = build.toc_text()
    files = [line.split("file: ")[1] for line in toc.splitlines() if "file: solutions/" in line]
    assert files[0] == xi.INDEX_PAGE
    expected = [f"solutions/pages/{p.stem}" for p in xi.PAGES if p.stem in SOURCES]
    assert files[1:] == expected
    for page in xi.PAGES:
        if page.stem in SOURCES:
            assert f'title: "{page.title}"' in toc


def test_index_has_one_row_per_exercise_linking_its_page():
    text = xi.index_text(ROOT)
    rows = [line for line in text.splitlines() if line.startswith(("| 8.", "| 9."))]
    assert [row.split(" | ")[0][2:] for row in rows] == list(xi.D2L_EXERCISES)
    for row, number in zip(rows, xi.D2L_EXERCISES):
        (stem,) = xi.claims()[number]
        if stem in SOURCES:
            assert f"<pages/{stem}>`" in row
        else:
            assert "(in the making)" in row


@pytest.mark.parametrize("stem", sorted(SOURCES))
def test_each_answer_is_headed_by_its_number(stem):
    page = xi.by_stem()[stem]
    text = SOURCES[stem].read_text(encoding="utf8")
    numbered = [h for h in xi.headings(text) if h.startswith(("8.", "9."))]
    if not numbered:
        # The four early exercise pages predate the numbering (issue 10 renumbers them).
        pytest.skip(f"{stem} has no heading with a d2l-zh number yet")
    missing = [n for n, _ in page.answers if xi.heading_for(n, text) is None]
    assert not missing, f"{stem}: no heading starts with {missing}"


def test_heading_search_skips_code_and_matches_whole_numbers():
    text = "# 8.5 Title\n\n```{code-cell} ipython3\n# 8.5.3 a comment\n```\n\n## 8.5.31 x\n"
    assert xi.heading_for("8.5.3", text) is None
    text += "\n## 8.5.3 Sampling with `alpha`\n"
    assert xi.heading_for("8.5.3", text) == "8.5.3 Sampling with alpha"
    assert xi.anchor("8.5.3 Sampling with alpha") == "sampling-with-alpha"
