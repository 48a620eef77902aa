"""Sphinx extension: the site around the pages (navigation, numbering, links, figures).

- ``tools/static/d2l-site.{css,js}``: sidebar toggles that work at every width (the
  theme binds only the first of two toggle buttons, which sits in a hidden header),
  one search box, wrapped code and outputs, display maths fitted to the text column.
- No thebe scripts (nothing on these pages runs in the browser; the theme loaded them
  twice and the second copy raised ``THEBE_JS_URL has already been declared``), a
  favicon, a fixed light/dark default, and no toolbar download of the merged page
  notebook (it holds all three frameworks; the per-framework links under the title
  are the downloads).
- Equations numbered per section: ``(8.4.1)`` on a page titled "8.4 ...", ``(1)``
  on a page without a section number; references use the same numbers, so a
  reference to another page says which section it means.
- A link whose text is the bare file name of a page ("relu_vs_tanh") shows that
  page's title instead.
- Plots get alt text made from their labels instead of a file path.
- On solution pages, each worked solution (between the markers that
  ``tools/notebooks.py`` puts in) becomes a collapsed "Solution" block.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform

from .notebooks import SOLUTION_END, SOLUTION_START

STATIC = Path(__file__).resolve().parent / "static"
SECTION_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)\s")
FRAMEWORK_LABELS = {"pytorch": "PyTorch", "mxnet": "MXNet", "tensorflow": "TensorFlow"}


# --------------------------------------------------------------------------- config


def _configure(app, config) -> None:
    options = config.html_theme_options
    # An empty default makes the theme log "Got invalid theme mode" on every first visit.
    config.html_context = {"default_mode": "light", **(config.html_context or {})}
    options["use_download_button"] = False
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _clean_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop thebe and exact duplicates from the page's scripts."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        filename = str(getattr(script, "filename", script) or "")
        body = str(getattr(script, "attributes", {}).get("body", ""))
        if "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "thebe@" in filename:
            continue
        key = (filename, tuple(sorted(getattr(script, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


# --------------------------------------------------------------------------- equations


def section_number(title: str) -> tuple[int, ...]:
    """``(8, 4)`` for a title "8.4 Recurrent Neural Networks", ``()`` without a number."""
    match = SECTION_NUMBER.match(title)
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def _number_equations(app, env):
    """Renumber display maths per page, prefixed with the page's section number."""
    for docname, numbers in env.toc_fignumbers.items():
        equations = numbers.get("displaymath")
        if not equations:
            continue
        title = env.titles[docname].astext() if docname in env.titles else ""
        prefix = section_number(title)
        # The theme's numbers run across the book in document order; keep the order.
        for n, node_id in enumerate(sorted(equations, key=equations.get), 1):
            equations[node_id] = (*prefix, n)
    return []


# --------------------------------------------------------------------------- links


def _page_titles_for_slug_links(app, doctree, fromdocname) -> None:
    """A link that shows the bare name of the page it points to shows the title instead."""
    env = app.env
    base = posixpath.dirname(fromdocname)
    for ref in list(doctree.findall(nodes.reference)):
        uri = ref.get("refuri", "")
        if not ref.get("internal") or not uri or "://" in uri:
            continue
        path = uri.split("#", 1)[0]
        suffix = getattr(app.builder, "out_suffix", ".html")
        if not path.endswith(suffix):
            continue
        target = posixpath.normpath(posixpath.join(base, path[: -len(suffix)]))
        if target not in env.titles:
            continue
        text = ref.astext().strip()
        if text not in (posixpath.basename(target), target):
            continue
        title = env.titles[target].astext()
        for child in ref.findall(nodes.Text):
            child.parent.replace(child, nodes.Text(title))
            break


# --------------------------------------------------------------------------- images


def _svg_labels(svg_text: str) -> list[str]:
    """The words matplotlib drew in an SVG (axis labels, legend entries), not tick numbers."""
    labels = []
    for comment in re.findall(r"<!--\s*(.*?)\s*-->", svg_text, flags=re.S):
        text = comment.strip().replace("$", "")
        if not text or len(text) > 80 or "Created with" in text:
            continue
        if re.fullmatch(r"[-−+\d.,eE×^{}\s\\mathdefault()]*", text):
            continue  # tick labels
        if text not in labels:
            labels.append(text)
    return labels


def _framework_of(node) -> str | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code":
            tags = parent.get("cell_metadata", {}).get("tags", []) or []
            for fw, label in FRAMEWORK_LABELS.items():
                if fw in tags:
                    return label
            return None
        parent = parent.parent
    return None


def _read_image(app, docname: str, uri: str) -> str | None:
    candidates = [Path(uri), Path(app.srcdir) / uri.lstrip("/"),
                  Path(app.srcdir) / posixpath.dirname(docname) / uri]
    for path in candidates:
        try:
            if path.is_file() and path.suffix == ".svg":
                return path.read_text(encoding="utf8", errors="replace")
        except OSError:
            continue
    return None


def plot_alt_text(labels, framework: str | None) -> str:
    who = f"{framework} output" if framework else "Output"
    if not labels:
        return f"{who}: a plot"
    return f"{who}: a plot labelled " + ", ".join(labels[:8])


class PlotAltText(SphinxTransform):
    """Alt text for notebook output images, from the labels in the SVG."""

    default_priority = 120

    def apply(self, **kwargs) -> None:
        for image in self.document.findall(nodes.image):
            uri = image.get("uri", "")
            alt = image.get("alt", "")
            if alt and alt != uri:
                continue
            svg = _read_image(self.app, self.env.docname, uri)
            if svg is None and "jupyter_execute" not in uri and not uri.endswith((".png", ".svg")):
                continue
            image["alt"] = plot_alt_text(_svg_labels(svg or ""), _framework_of(image))


# --------------------------------------------------------------------------- solutions


def _is_marker(node, text: str) -> bool:
    return isinstance(node, nodes.comment) and node.astext().strip() == text


def wrap_solutions(document) -> int:
    """Fold the nodes between each pair of solution markers into a collapsed block.

    Markers that do not share a parent (a heading inside the solution opened a new
    section) are left alone: the solution then stays visible rather than lost.
    Returns the number of blocks made.
    """
    made = 0
    starts = [n for n in document.findall(nodes.comment) if _is_marker(n, SOLUTION_START)]
    for start in starts:
        parent = start.parent
        if parent is None:
            continue
        children = list(parent.children)
        begin = children.index(start)
        end = next((k for k in range(begin + 1, len(children))
                    if _is_marker(children[k], SOLUTION_END)), None)
        if end is None:
            continue
        # sphinx-togglebutton collapses admonitions with the class "dropdown".
        block = nodes.admonition("", classes=["dropdown", "d2l-solution", "tip"])
        block += nodes.title("", "Solution")
        block.extend(children[begin + 1 : end])
        parent.children = []
        parent.extend(children[:begin] + [block] + children[end + 1 :])
        made += 1
    return made


class SolutionBlocks(SphinxTransform):
    """Collapsed "Solution" blocks on solution pages (see ``wrap_solutions``)."""

    default_priority = 110  # after the framework tab sets (100)

    def apply(self, **kwargs) -> None:
        wrap_solutions(self.document)


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _clean_scripts)
    app.connect("env-get-updated", _number_equations, priority=900)
    app.connect("doctree-resolved", _page_titles_for_slug_links)
    app.add_transform(SolutionBlocks)
    app.add_transform(PlotAltText)
    app.add_css_file("d2l-site.css")
    app.add_js_file("d2l-site.js", defer="defer")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
