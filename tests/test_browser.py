"""The built book in a real browser: synced framework tabs, remembered across pages.

Builds nothing: run it after `make html`.  It serves _build/html on 127.0.0.1
from a thread, drives Debian's headless Chromium through selenium, opens the
8.5 page, checks that every code cell sits in a PyTorch / MXNet / TensorFlow tab
set, clicks TensorFlow once, checks every tab set switched, then opens 8.6 and
checks the choice was remembered.  Screenshots go to _build/browser/.

Skipped only when chromium or chromedriver is not installed; fails when the
HTML is missing.
"""

import functools
import http.server
import os
import shutil
import tempfile
import threading
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
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")

    sets = _tab_sets(browser)
    assert sets, f"{first}: no framework tab sets on the page"
    assert all(s["labels"] == LABELS for s in sets), f"{first}: tab labels {sets}"
    assert browser.execute_script(LOOSE_CELLS_JS) == 0, f"{first}: code cells outside tabs"
    assert browser.find_elements(By.CSS_SELECTOR, "div.cell"), f"{first}: no code cells"
    # A fresh profile starts on the first tab everywhere.
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
