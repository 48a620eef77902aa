"""Which solution page answers which d2l-zh exercise: the order of the toc and the index page.

d2l-zh v2 asks 27 exercises at the ends of sections 8.1-8.7 and 16 at the ends of
sections 9.1-9.4. ``PAGES`` lists the solution
sources (``solutions/src/<stem>.md``) in reading order, each with the exercises it
answers and a one-line topic per exercise in this project's own words. From it,
``python -m tools.build toc`` writes the "Exercises and solutions" part of ``_toc.yml``
(section by section, with titles like "8.5 Exercises: ...") and the index page
``solutions/index.md`` (one row per exercise, linked to the heading that answers it).
A page may still be in the making: it is listed in the index without a link and left out
of the toc until its source exists.
"""

from __future__ import annotations

import dataclasses as dc
import re
from pathlib import Path

#: The exercises of d2l-zh v2, 8.1-8.7 and 9.1-9.4 (how many each section asks).
EXERCISES_PER_SECTION = {"8.1": 4, "8.2": 2, "8.3": 6, "8.4": 4, "8.5": 6, "8.6": 3, "8.7": 2,
                         "9.1": 4, "9.2": 5, "9.3": 4, "9.4": 3}
D2L_EXERCISES = tuple(
    f"{section}.{n}" for section, count in EXERCISES_PER_SECTION.items()
    for n in range(1, count + 1)
)

INDEX_PAGE = "solutions/index"  # without suffix, as in _toc.yml
INDEX_TITLE = "Exercises by section"


@dc.dataclass(frozen=True)
class Page:
    stem: str  # solutions/src/<stem>.md
    title: str  # the toc title
    answers: tuple  # ((number, topic), ...): the exercises this page answers
    also: tuple = ()  # numbers another page answers, of which this one covers a part


PAGES = (
    Page("ex_8_1_sequence_models", "8.1 Exercises: autoregressive models of a sequence", (
        ("8.1.1", "a better forecaster: longer windows, the fewest past values a clean "
                  "sine needs, older values at a fixed input size, wider and deeper MLPs"),
        ("8.1.2", "which model an investor choosing securities should trust"),
        ("8.1.3", "whether text is causal, and how far an autoregressive model of it reaches"),
        ("8.1.4", "a case that needs a latent (hidden-state) autoregressive model"),
    )),
    Page("ex_8_2_text_preprocessing", "8.2 Exercises: tokens and vocabularies", (
        ("8.2.1", "other ways to tokenize: byte-pair encoding measured"),
        ("8.2.2", "min_freq against vocabulary size and coverage of unseen text"),
    )),
    Page("ex_8_3_language_models", "8.3 Exercises: n-gram counts and minibatches", (
        ("8.3.1", "how much a four-gram model has to store"),
        ("8.3.2", "how to model a dialogue"),
        ("8.3.3", "Zipf exponents of single words, pairs and triples"),
        ("8.3.4", "other ways to read a long sequence into minibatches"),
        ("8.3.5", "why the first subsequence starts at a random offset, and how uniform that is"),
        ("8.3.6", "whole sentences as minibatch examples: what breaks and how to fix it"),
    )),
    Page("ex_8_4_rnn", "8.4 Exercises: what a recurrent language model computes", (
        ("8.4.1", "the size of the output when predicting the next character"),
        ("8.4.2", "why the hidden state can depend on every earlier token"),
        ("8.4.3", "what happens to gradients over long sequences"),
        ("8.4.4", "weaknesses of this language model"),
    )),
    Page("embeddings", "8.5 Exercises: one-hot inputs and learned embeddings", (
        ("8.5.1", "one-hot encoding as an embedding: a matrix product that is a row lookup"),
    ), also=("8.5.2",)),
    Page("ex_8_5_rnn_scratch", "8.5 Exercises: tuning and sampling the RNN from scratch", (
        ("8.5.2", "tuning the hyperparameters, learned embeddings, other books "
                  "(The War of the Worlds, Tang poems)"),
        ("8.5.3", "sampling the next token from the softmax, and the temperature"),
        ("8.5.5", "not detaching the state between minibatches: time and perplexity"),
    )),
    Page("no_clipping", "8.5 Exercises: training without gradient clipping", (
        ("8.5.4", "training without clipping"),
    )),
    Page("relu_vs_tanh", "8.5 Exercises: ReLU instead of tanh", (
        ("8.5.6", "a ReLU hidden layer: is clipping still needed?"),
    )),
    Page("ex_8_6_rnn_concise", "8.6 Exercises: overfitting and deeper concise RNNs", (
        ("8.6.1", "overfitting with the high-level API, against a validation split"),
        ("8.6.2", "one, two and three recurrent layers"),
    )),
    Page("sine_autoregression", "8.6 Exercises: an RNN for the noisy sine of 8.1", (
        ("8.6.3", "a recurrent model for the autoregression of 8.1"),
    )),
    Page("ex_8_7_bptt", "8.7 Exercises: matrix powers and exploding gradients", (
        ("8.7.1", "eigenvalues of M^k and how M^k x turns towards the top eigenvector"),
        ("8.7.2", "other remedies for exploding gradients, measured against each other"),
    )),
    Page("ex_9_1_gru", "9.1 Exercises: gate settings, tuning and one-gate GRUs", (
        ("9.1.1", "gate values that make step t depend on one earlier input only"),
        ("9.1.2", "hidden units, learning rate and epochs against time, perplexity and text"),
        ("9.1.3", "the framework's plain RNN layer against its GRU layer"),
        ("9.1.4", "a GRU without reset gate and one without update gate"),
    )),
    Page("ex_9_2_lstm", "9.2 Exercises: tuning, words, cost, the cell's tanh, the sine", (
        ("9.2.1", "hidden units, learning rate and epochs against time, perplexity and text"),
        ("9.2.2", "generating words instead of characters; perplexity in bits per character"),
        ("9.2.3", "what an RNN, a GRU and an LSTM cost per step, counted and measured in "
                  "training and inference"),
        ("9.2.4", "why the hidden state squashes the memory cell with tanh again, and an "
                  "LSTM without it"),
        ("9.2.5", "an LSTM for the noisy sine of 8.1: k-step errors against the MLP"),
    )),
    Page("ex_9_3_deep_rnn", "9.3 Exercises: deep RNNs from scratch, with GRUs, on more text", (
        ("9.3.1", "a two-layer RNN from scratch, checked and trained next to one layer"),
        ("9.3.2", "GRU instead of LSTM layers: parameters, perplexity and speed"),
        ("9.3.3", "more training text (two novels): held-out perplexity for 1, 2 and 3 layers"),
        ("9.3.4", "mixing authors in one training text, and controlling the style"),
    )),
    Page("ex_9_4_bidirectional", "9.4 Exercises: unequal directions, stacked and contextual", (
        ("9.4.1", "different hidden sizes per direction: the shapes of H_t and W_hq"),
        ("9.4.2", "several bidirectional layers: what layer 2 reads, trained on masked "
                  "characters"),
        ("9.4.3", "context-dependent word vectors from a bidirectional RNN (ELMo-like)"),
    )),
)


def by_stem() -> dict:
    return {page.stem: page for page in PAGES}


def claims() -> dict:
    """number -> stems of the pages that answer it (exactly one each when PAGES is right)."""
    found = {}
    for page in PAGES:
        for number, _ in page.answers:
            found.setdefault(number, []).append(page.stem)
    return found


def section_of(number: str) -> str:
    return ".".join(number.split(".")[:2])


def toc_order(stems) -> list[str]:
    """The given source stems in reading order: PAGES first, then any unknown ones by name."""
    stems = set(stems)
    known = [page.stem for page in PAGES if page.stem in stems]
    return known + sorted(stems - set(known))


# --------------------------------------------------------------------------- headings

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def headings(source_text: str) -> list[str]:
    """The markdown headings of a MyST source (code cells skipped), as plain text."""
    found, fence = [], None
    for line in source_text.split("\n"):
        stripped = line.strip()
        opening = re.match(r"^(`{3,}|~{3,})", stripped)
        if opening:
            if fence is None:
                fence = opening.group(1)
            elif stripped.startswith(fence) and stripped.strip("`~") == "":
                fence = None
            continue
        if fence is None:
            match = _HEADING.match(line)
            if match:
                found.append(re.sub(r"[`*]", "", match.group(2)))
    return found


def heading_for(number: str, source_text: str) -> str | None:
    """The first heading that starts with the exercise number (``8.5.3 ...``)."""
    pattern = re.compile(rf"^{re.escape(number)}(?![\d.])")
    return next((h for h in headings(source_text) if pattern.match(h)), None)


def anchor(heading: str) -> str:
    """The HTML id Sphinx gives a section with this title (docutils' make_id)."""
    from docutils.nodes import make_id

    return make_id(heading)


# --------------------------------------------------------------------------- index page


def index_text(root: Path) -> str:
    """The Markdown of ``solutions/index.md``: one row per d2l-zh exercise, by section."""
    pages = by_stem()
    rows = []
    for number in D2L_EXERCISES:
        stems = claims().get(number, [])
        topic = next(t for s in stems for n, t in pages[s].answers if n == number) if stems else ""
        places = []
        for stem in stems + [p.stem for p in PAGES if number in p.also]:
            places.append(_place(number, pages[stem], root))
        rows.append(f"| {number} | {topic} | {'; '.join(places) or 'not answered yet'} |")
    lines = [
        "<!-- Written by `python -m tools.build toc` from tools/exercise_index.py; "
        "do not edit by hand. -->",
        "",
        f"# {INDEX_TITLE}",
        "",
        "The exercises at the ends of sections 8.1-8.7 and 9.1-9.4 of d2l-zh (second "
        "edition), by number, with the page and the heading that answer them. Every page has an "
        "exercise notebook to work in (no outputs: run it yourself) and an executed "
        "solution notebook, linked at the top of the page. In a solution page the "
        "worked solutions are folded: open them after you have tried.",
        "",
        "| d2l-zh | what it asks | answered in |",
        "| --- | --- | --- |",
        *rows,
        "",
    ]
    return "\n".join(lines)


def _place(number: str, page: Page, root: Path) -> str:
    source = root / "solutions" / "src" / f"{page.stem}.md"
    if not source.exists():
        return f"{page.title} (in the making)"
    link = f"{{doc}}`{page.title} <pages/{page.stem}>`"
    heading = heading_for(number, source.read_text(encoding="utf8"))
    if heading is None:
        return link
    # A raw link: MyST resolves a fragment into another page only with heading anchors.
    href = f"pages/{page.stem}.html#{anchor(heading)}"
    return f'{link}, <a href="{href}">{_escape(heading)}</a>'


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|"))
