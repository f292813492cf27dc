"""Every page of the built book as a reader's browser shows it: Debian's Chromium via Playwright.

Runs after the strict build, on its HTML (`make browser`; not part of the quick `make unit`):

    VAEBOOK_HTML=_ci/src/_build/html python -m pytest tests/test_browser.py

For each page in `_toc.yml`: no console errors, no failed or off-machine requests (nothing
comes from a CDN), every equation typeset by MathJax, every image loaded, no traceback in a
cell output, every saved widget rendered, and chapters link to their notebook in Colab.
A full-page screenshot of each page lands in `_build/screenshots/` for review.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.book_pages import ROOT, colab_url, source_of, toc_documents

HTML = Path(os.environ.get("VAEBOOK_HTML", ROOT / "_build" / "html")).resolve()
# The sources that HTML was built from (<book>/_build/html), e.g. the executed copy in _ci/src.
SOURCE = HTML.parents[1] if (HTML.parents[1] / "_toc.yml").exists() else ROOT
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Requests allowed to fail, as {substring of the URL: reason}. Empty: every request must succeed.
ALLOWED_FAILED_REQUESTS: dict[str, str] = {}
# Console errors allowed, as {substring of the message: reason}.
ALLOWED_CONSOLE_ERRORS: dict[str, str] = {
    "Identifier 'THEBE_JS_URL' has already been declared": (
        "sphinx-thebe 0.3.1 adds its one-line config script twice per page under Jupyter Book 1;"
        " the second copy repeats the first and fails harmlessly (thebe itself is not used)"
    ),
}
TIMEOUT_MS = 20_000

# One pass over the rendered page; returns everything the test asserts on.
INSPECT_PAGE = """
() => {
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  const markers = ["\\\\(", "\\\\[", "$$", "\\\\begin{"];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(skip)) continue;
    const text = node.textContent;
    if (markers.some((m) => text.includes(m)) || /\\$[^$\\n]*[\\\\^_][^$\\n]*\\$/.test(text)) {
      rawTex.push(text.trim().slice(0, 120));
    }
  }
  const math = [...document.querySelectorAll(".math")];
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const unrenderedViews = views.filter((tag) => {
    const area = tag.previousElementSibling;
    if (!area || !area.classList.contains("widget-subarea")) return true;
    const box = area.getBoundingClientRect();
    return area.childElementCount === 0 || box.height === 0 || box.width === 0;
  });
  const outputs = [...document.querySelectorAll(".cell_output")];
  return {
    mathNodes: math.length,
    untypesetMath: math.filter((m) => !m.querySelector("mjx-container")).map((m) => m.textContent.slice(0, 80)),
    mathErrors: [...document.querySelectorAll("mjx-merror")].map((m) => m.textContent.slice(0, 80)),
    rawTex: rawTex,
    images: document.images.length,
    brokenImages: [...document.images].filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.src),
    tracebacks: outputs.filter((o) => o.querySelector(".traceback, .output.error") ||
                                      o.textContent.includes("Traceback (most recent call last)")).length,
    colabLinks: [...document.querySelectorAll('a[href^="https://colab.research.google.com"]')].map((a) => a.href),
    widgetViews: views.length,
    unrenderedWidgets: unrenderedViews.length,
    widgetErrors: [...document.querySelectorAll(".cell_output")].filter((o) => o.textContent.includes("Error displaying widget")).length,
  };
}
"""

# Images below the fold may be lazy; ask for all of them and wait until each has settled.
LOAD_ALL_IMAGES = """
() => Promise.all([...document.images].map((img) => {
  img.loading = "eager";
  return img.complete ? null : new Promise((done) => { img.onload = done; img.onerror = done; });
}))
"""

ALL_WIDGETS_RENDERED = """
() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
  .every((tag) => tag.previousElementSibling && tag.previousElementSibling.classList.contains("widget-subarea")
                  && tag.previousElementSibling.childElementCount > 0)
"""

WIDGETS_WITHOUT_STATE = """
() => document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]') !== null
  && document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]') === null
"""

MATHJAX_DONE = """
() => (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)
  ? window.MathJax.startup.promise.then(() => true) : true
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The built HTML, served on 127.0.0.1 by a Python http.server thread on a free port."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}; build it first (make strict-book or make book)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _allowed(text: str, allow_list: dict[str, str]) -> bool:
    return any(pattern in text for pattern in allow_list)


def _open(page: Page, url: str, problems: list[str]) -> None:
    """Load `url`, recording console errors and failed, refused or off-machine requests."""
    here = urlsplit(url).netloc

    def route(route, request) -> None:
        if urlsplit(request.url).netloc not in (here, "") and not request.url.startswith("data:"):
            if not _allowed(request.url, ALLOWED_FAILED_REQUESTS):
                problems.append(f"request leaves the machine (CDN?): {request.url}")
            route.abort()
        else:
            route.continue_()

    def on_console(message) -> None:
        if message.type == "error" and not _allowed(message.text, ALLOWED_CONSOLE_ERRORS):
            problems.append(f"console error: {message.text} at {message.location.get('url')}")

    def on_response(response) -> None:
        if response.status >= 400 and not _allowed(response.url, ALLOWED_FAILED_REQUESTS):
            problems.append(f"HTTP {response.status}: {response.url}")

    def on_failed(request) -> None:
        local = urlsplit(request.url).netloc == here
        if local and not _allowed(request.url, ALLOWED_FAILED_REQUESTS):
            problems.append(f"request failed ({request.failure}): {request.url}")

    page.route("**/*", route)
    page.on("console", on_console)
    def on_page_error(error) -> None:
        if not _allowed(str(error), ALLOWED_CONSOLE_ERRORS):
            problems.append(f"uncaught error: {error}")

    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    page.evaluate(MATHJAX_DONE)
    if page.evaluate(WIDGETS_WITHOUT_STATE):
        problems.append("widget outputs but no saved widget state: the notebook did not run to its end")
    else:
        try:
            page.wait_for_function(ALL_WIDGETS_RENDERED, timeout=TIMEOUT_MS)
        except Exception:  # noqa: BLE001 - reported below with the count of unrendered widgets
            problems.append(f"widgets were not rendered within {TIMEOUT_MS / 1000:.0f} s")
    page.evaluate(LOAD_ALL_IMAGES)  # after the widgets, whose Image outputs are images too


@pytest.mark.parametrize("document", toc_documents(SOURCE))
def test_page_renders_for_a_reader(browser: Browser, base_url: str, document: str) -> None:
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        _open(page, f"{base_url}/{document}.html", problems)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{document.replace('/', '_')}.png", full_page=True)
        seen = page.evaluate(INSPECT_PAGE)
    finally:
        page.close()

    if seen["untypesetMath"]:
        problems.append(f"equations MathJax did not typeset: {seen['untypesetMath']}")
    if seen["mathErrors"]:
        problems.append(f"TeX errors in equations: {seen['mathErrors']}")
    if seen["rawTex"]:
        problems.append(f"raw TeX in the page text: {seen['rawTex']}")
    if seen["brokenImages"]:
        problems.append(f"images that did not load: {seen['brokenImages']}")
    if seen["tracebacks"]:
        problems.append(f"{seen['tracebacks']} cell output(s) show a traceback")
    if seen["unrenderedWidgets"] or seen["widgetErrors"]:
        problems.append(
            f"{seen['unrenderedWidgets']} of {seen['widgetViews']} widgets not rendered from the saved state"
            f" ({seen['widgetErrors']} show 'Error displaying widget')"
        )

    source = source_of(document, SOURCE)
    if source.suffix == ".ipynb":
        expected = colab_url(source, SOURCE)
        in_repository = ROOT / source.relative_to(SOURCE)
        if not in_repository.exists():
            problems.append(f"the Colab link's notebook {in_repository.relative_to(ROOT)} is not in the repository")
        if expected not in seen["colabLinks"]:
            problems.append(f"no Colab launch link {expected}; found {seen['colabLinks']}")
        wrong = sorted(set(seen["colabLinks"]) - {expected})
        if wrong:
            problems.append(f"Colab links to another notebook: {wrong}")
    elif seen["colabLinks"]:
        problems.append(f"a page without a notebook links to Colab: {seen['colabLinks']}")

    assert not problems, f"{document}.html:\n  " + "\n  ".join(problems)
