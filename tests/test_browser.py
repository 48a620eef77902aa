"""The built book in a real browser.

Builds nothing: run it after `make html`.  It serves _build/html on 127.0.0.1
from a thread and drives Debian's headless Chromium through selenium:

- synced framework tabs: every code cell of 8.5 sits in a PyTorch / MXNet /
  TensorFlow tab set, one click switches them all, 8.6 remembers the choice;
- navigation at 1280x900 and 390x844: the sidebar and page-contents toggles open
  and close their panels, there is one search box (also on the search page), and
  no page logs a console error (missing favicon, scripts loaded twice);
- downloads: one notebook per framework, named after it (and after exercise or
  solution), no download of the merged three-framework page notebook;
- layout at 1280 px: no display formula or code block wider than the text column;
  worked solutions folded; plots are SVG with alt text that is not a file path.

Screenshots go to _build/browser/.

Skipped only when chromium or chromedriver is not installed; fails when the
HTML is missing.
"""

import functools
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "browser"
# The two pages of the check; override (comma-separated stems) to try other pages.
PAGES = os.environ.get("D2L_BROWSER_PAGES", "8_5_rnn_scratch,8_6_rnn_concise").split(",")
LABELS = ["PyTorch", "MXNet", "TensorFlow"]
CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1600",
]

# Every framework tab set on the page: its labels and the sync id of the checked tab.
TAB_SETS_JS = """
return Array.from(document.querySelectorAll('.sd-tab-set'))
  .filter(set => set.querySelector(':scope > label[data-sync-group="framework"]'))
  .map(set => {
    const labels = Array.from(set.querySelectorAll(':scope > label.sd-tab-label'));
    const checked = set.querySelector(':scope > input:checked');
    const label = checked ? checked.nextElementSibling : null;
    return {labels: labels.map(l => l.textContent.trim()),
            selected: label ? label.getAttribute('data-sync-id') : null};
  });
"""

# Code cells that are not inside a framework tab set.
LOOSE_CELLS_JS = """
return Array.from(document.querySelectorAll('div.cell')).filter(cell => {
  const set = cell.closest('.sd-tab-set');
  return !set || !set.querySelector(':scope > label[data-sync-group="framework"]');
}).length;
"""


def _binaries():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return chromium, driver


@pytest.fixture(scope="module")
def site():
    pages = [HTML / "book" / "pages" / f"{stem}.html" for stem in PAGES]
    missing = [str(p.relative_to(ROOT)) for p in [HTML / "index.html", *pages] if not p.exists()]
    if missing:
        pytest.fail(f"the built HTML is missing ({', '.join(missing)}): run `make html` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    chromium, driver = _binaries()
    if not (chromium and driver):
        pytest.skip("chromium and chromedriver are not installed "
                    "(Debian: apt-get install chromium chromium-driver; .ci/run does this)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="d2l-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _tab_sets(drv):
    return drv.execute_script(TAB_SETS_JS)


def _shot(drv, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    drv.save_screenshot(str(SHOTS / name))


def test_tabs_sync_and_persist(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    first, second = PAGES[0], PAGES[1]
    browser.get(f"{site}/book/pages/{first}.html")
    # The browser is shared by the module and tests run in random order: another test
    # may have left a tab choice in localStorage. Start from an empty one.
    browser.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
    browser.refresh()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")

    sets = _tab_sets(browser)
    assert sets, f"{first}: no framework tab sets on the page"
    assert all(s["labels"] == LABELS for s in sets), f"{first}: tab labels {sets}"
    assert browser.execute_script(LOOSE_CELLS_JS) == 0, f"{first}: code cells outside tabs"
    assert browser.find_elements(By.CSS_SELECTOR, "div.cell"), f"{first}: no code cells"
    # With nothing stored, every tab set starts on the first tab.
    assert {s["selected"] for s in sets} == {"pytorch"}
    links = [a.get_attribute("href") for a in
             browser.find_elements(By.CSS_SELECTOR, "a.reference.download")]
    assert sum(href.endswith(".ipynb") for href in links) >= 3, f"{first}: notebook links {links}"
    # Math renders: the book serves MathJax itself, so typesetting works offline too.
    assert browser.find_elements(By.CSS_SELECTOR, "script[src*='_static/mathjax']"), "no MathJax"
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "mjx-container"),
        f"{first}: MathJax typeset no formula")
    assert not browser.find_elements(By.CSS_SELECTOR, "mjx-merror"), f"{first}: TeX errors"
    _shot(browser, f"{first}_before.png")

    # One click on the first TensorFlow tab switches them all.
    label = browser.find_element(
        By.CSS_SELECTOR,
        'label.sd-tab-label[data-sync-group="framework"][data-sync-id="tensorflow"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", label)
    WebDriverWait(browser, 10).until(ec.element_to_be_clickable(label)).click()
    WebDriverWait(browser, 10).until(
        lambda d: {s["selected"] for s in _tab_sets(d)} == {"tensorflow"})
    sets = _tab_sets(browser)
    assert [s["selected"] for s in sets] == ["tensorflow"] * len(sets)
    visible = browser.find_elements(By.CSS_SELECTOR, "div.cell.tag_tensorflow")
    assert visible and all(cell.is_displayed() for cell in visible[:5])
    hidden = browser.find_elements(By.CSS_SELECTOR, "div.cell.tag_pytorch")
    assert hidden and not any(cell.is_displayed() for cell in hidden)
    _shot(browser, f"{first}_tensorflow.png")

    # The next page opens on TensorFlow: the choice lives in localStorage.
    browser.get(f"{site}/book/pages/{second}.html")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(browser, 10).until(
        lambda d: _tab_sets(d) and {s["selected"] for s in _tab_sets(d)} == {"tensorflow"})
    sets = _tab_sets(browser)
    assert sets and all(s["labels"] == LABELS for s in sets)
    assert [s["selected"] for s in sets] == ["tensorflow"] * len(sets)
    _shot(browser, f"{second}_tensorflow.png")


def test_search_index_built(site):
    assert (HTML / "search.html").exists()
    index = (HTML / "searchindex.js").read_text(encoding="utf8")
    assert "vocabulari" in index or "vocab" in index  # stemmed words of the sections


# --------------------------------------------------------------------------- site chrome

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
BOOK_PAGES = sorted(p.stem for p in (HTML / "book" / "pages").glob("*.html"))
SOLUTION_PAGES = sorted(p.stem for p in (HTML / "solutions" / "pages").glob("*.html"))


def _open(drv, url, size=None):
    from selenium.webdriver.support.ui import WebDriverWait

    if size:
        drv.set_window_size(*SIZES[size])
    drv.get(url)
    WebDriverWait(drv, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")
    _wait_for_math(drv)


def _wait_for_math(drv):
    # MathJax typesets after load; the site script fits wide formulas after that.
    drv.set_script_timeout(30)
    drv.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const p = window.MathJax && MathJax.startup && MathJax.startup.promise;
        if (p) { p.then(() => setTimeout(done, 200)); } else { setTimeout(done, 200); }""")


def _visible(drv, selector):
    from selenium.webdriver.common.by import By

    return [e for e in drv.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


def _severe(drv):
    return [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize("size", list(SIZES))
def test_sidebar_toggles_open_and_close_their_panels(site, browser, size):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(browser, f"{site}/book/pages/8_4_rnn.html", size)
    wide = size == "desktop"
    for side, links in (("primary", "a.reference.internal"), ("secondary", "a.nav-link")):
        panel = f"#pst-{side}-sidebar {links}, #pst-{side}-sidebar-modal {links}"
        toggles = _visible(browser, f".{side}-toggle")
        assert len(toggles) == 1, f"{size}: {len(toggles)} visible {side} toggles"
        # Wide screens show both panels; a phone shows neither until asked.
        before = len(_visible(browser, panel))
        assert (before > 0) == wide, f"{size}: {side} panel shows {before} links at first"
        toggles[0].click()
        time.sleep(0.4)
        opened = len(_visible(browser, panel))
        assert (opened > 0) != wide, f"{size}: the {side} toggle did not change the panel"
        _shot(browser, f"nav_{size}_{side}_toggled.png")
        if wide:
            _visible(browser, f".{side}-toggle")[0].click()
        else:  # the drawer is a modal dialog: Escape (or a click beside it) closes it
            ActionChains(browser).send_keys(Keys.ESCAPE).perform()
        time.sleep(0.4)
        assert len(_visible(browser, panel)) == before, f"{size}: {side} panel did not close"
    assert not _severe(browser)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("page", ["book/pages/8_5_rnn_scratch.html", "search.html"])
def test_one_search_box(site, browser, size, page):
    _open(browser, f"{site}/{page}", size)
    boxes = _visible(browser, ".search-button-field, .search-button, input[type=search]")
    assert len(boxes) == 1, f"{page} at {size}: {len(boxes)} search boxes"
    _shot(browser, f"search_{size}_{Path(page).stem}.png")


def test_no_console_errors(site, browser):
    pages = (["index.html", "search.html"]
             + [f"book/pages/{p}.html" for p in BOOK_PAGES]
             + [f"solutions/pages/{p}.html" for p in SOLUTION_PAGES])
    browser.get_log("browser")  # drop what earlier tests left
    errors = {}
    for page in pages:
        _open(browser, f"{site}/{page}", "desktop")
        found = _severe(browser)
        if found:
            errors[page] = found
    assert not errors, errors


# --------------------------------------------------------------------------- downloads


def _download_names(drv):
    from selenium.webdriver.common.by import By

    links = drv.find_elements(By.CSS_SELECTOR, "a.reference.download")
    return {Path(a.get_attribute("href")).name: a.get_attribute("href") for a in links}


def _framework_of_download(href):
    with urllib.request.urlopen(href, timeout=30) as response:
        return json.load(response)["metadata"]["d2lbook"]["framework"]


def test_downloads_are_named_after_framework_and_kind(site, browser):
    from selenium.webdriver.common.by import By

    _open(browser, f"{site}/book/pages/8_5_rnn_scratch.html", "desktop")
    names = _download_names(browser)
    assert set(names) == {f"8_5_rnn_scratch-{fw}.ipynb" for fw in ("pytorch", "mxnet",
                                                                   "tensorflow")}
    for name, href in names.items():
        assert _framework_of_download(href) == name.split("-")[-1][: -len(".ipynb")]
    # No toolbar download of the merged page notebook (it has all three frameworks).
    toolbar = browser.find_elements(By.CSS_SELECTOR, ".article-header-buttons a[href$='.ipynb']")
    assert not toolbar and not browser.find_elements(By.CSS_SELECTOR, ".dropdown-download-buttons")

    _open(browser, f"{site}/solutions/pages/no_clipping.html", "desktop")
    names = _download_names(browser)
    assert set(names) == {f"no_clipping-{kind}-{fw}.ipynb" for kind in ("exercise", "solution")
                          for fw in ("pytorch", "mxnet", "tensorflow")}
    exercise = urllib.request.urlopen(names["no_clipping-exercise-mxnet.ipynb"]).read()
    solution = urllib.request.urlopen(names["no_clipping-solution-mxnet.ipynb"]).read()
    assert b"FILL IN" in exercise and b"FILL IN" not in solution


# --------------------------------------------------------------------------- layout

# Display maths and code blocks of the shown tab that are wider than their box.
OVERFLOW_JS = """
return Array.from(document.querySelectorAll(
    'article div.math, article pre, article mjx-container[display="true"]'))
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => [e.tagName, e.id, e.scrollWidth, e.clientWidth, e.textContent.slice(0, 50)]);
"""


def test_nothing_wider_than_the_text_column_at_1280(site, browser):
    from selenium.webdriver.common.by import By

    problems = {}
    for page in BOOK_PAGES + SOLUTION_PAGES:
        folder = "book" if page in BOOK_PAGES else "solutions"
        _open(browser, f"{site}/{folder}/pages/{page}.html", "desktop")
        for fw in ("pytorch", "mxnet", "tensorflow"):
            labels = browser.find_elements(
                By.CSS_SELECTOR, f'label.sd-tab-label[data-sync-id="{fw}"]')
            if labels:
                browser.execute_script("arguments[0].click();", labels[0])
                time.sleep(0.2)
            found = browser.execute_script(OVERFLOW_JS)
            if found:
                problems[f"{page} ({fw})"] = found
        if page == "8_7_bptt":
            _shot(browser, "8_7_bptt_1280.png")
    assert not problems, problems


def test_solutions_are_folded(site, browser):
    from selenium.webdriver.common.by import By

    for page in SOLUTION_PAGES:
        _open(browser, f"{site}/solutions/pages/{page}.html", "desktop")
        blocks = browser.find_elements(By.CSS_SELECTOR, ".admonition.d2l-solution")
        assert blocks, f"{page}: no solution block"
        body = blocks[0].find_elements(By.CSS_SELECTOR, ":scope > :not(.admonition-title)")
        assert body and not any(e.is_displayed() for e in body), f"{page}: solution not folded"
    title = blocks[0].find_element(By.CSS_SELECTOR, ".admonition-title")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", title)
    title.click()
    time.sleep(0.5)
    assert any(e.is_displayed() for e in body), "the solution does not unfold"
    _shot(browser, "solution_unfolded.png")


def test_plots_are_svg_with_alt_text(site, browser):
    from selenium.webdriver.common.by import By

    problems = []
    for page in BOOK_PAGES + SOLUTION_PAGES:
        folder = "book" if page in BOOK_PAGES else "solutions"
        _open(browser, f"{site}/{folder}/pages/{page}.html", "desktop")
        for img in browser.find_elements(By.CSS_SELECTOR, "div.cell_output img"):
            src, alt = img.get_attribute("src"), img.get_attribute("alt") or ""
            if not src.endswith(".svg"):
                problems.append(f"{page}: {Path(src).name} is not an SVG")
            if not alt or re.search(r"_images|jupyter_execute|\.(svg|png)$", alt):
                problems.append(f"{page}: alt text {alt!r}")
    assert not problems, problems
