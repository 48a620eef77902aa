r"""Serve MathJax 3 from the book itself, so formulas render offline too.

The MathJax files come from the pinned `django-static-mathjax` wheel (plain
static files, no Django needed).  The combined TeX component, its fonts and the
TeX extensions it loads on demand (``\boldsymbol`` loads ``boldsymbol.js``; a missing
one stalls MathJax for the whole page) are copied into ``_static/mathjax``;
``mathjax_path`` points there.
"""

import shutil
from importlib import resources
from pathlib import Path

COMPONENT = "tex-mml-chtml.js"


def _es5_dir():
    return Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"


def _configure(app, config):
    if not (_es5_dir() / COMPONENT).is_file():
        raise RuntimeError("MathJax files missing: install the pinned django-static-mathjax")
    config.mathjax_path = f"mathjax/{COMPONENT}"


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(_es5_dir() / COMPONENT, target / COMPONENT)
    fonts = Path("output") / "chtml" / "fonts" / "woff-v2"
    shutil.copytree(_es5_dir() / fonts, target / fonts, dirs_exist_ok=True)
    extensions = Path("input") / "tex" / "extensions"
    shutil.copytree(_es5_dir() / extensions, target / extensions, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
