"""Every page of the built book as a reader's browser shows it: Debian's Chromium via Playwright.

Runs after the strict build, on its HTML (`make browser`; not part of the quick `make unit`):

    VAEBOOK_HTML=_ci/src/_build/html python -m pytest tests/test_browser.py

For each page in `_toc.yml`: no console errors, no failed or off-machine requests (nothing
comes from a CDN), every equation typeset by MathJax, every image loaded, no traceback in a
cell output, every saved widget rendered, and chapters link to their notebook in Colab.
A full-page screenshot of each page lands in `_build/screenshots/` for review.

Then what a reader sees at a 1280 x 900 window, measured on the rendered page
(`READER_CHECKS`, one message per offending element, naming its section and text):

- raw-tex: TeX left as text in the article (a `$...$` pair, `$$`, a command such as
  `\\mathbf` or `\\frac`) outside typeset math, code and code outputs;
- wide-equation: a display equation wider than its column;
- wide-code, wide-output: a code line, printed output line, table or image wider than its
  column (scrollWidth against clientWidth, and the right edge against the article's);
- cut-off-text: a label in an output shortened to an ellipsis (a widget button's text);
- object-repr: an object repr such as `<torch._C.Generator at 0x...>` in an output;
- above-title: anything visible in the article above the page's h1;
- exercises: exercises not numbered per chapter (chapter N's run N.1, N.2, ...) or
  without a title.

Each check is proven to fail: `test_each_check_fails_on_its_bad_page` builds the tiny book in
`tests/bad_pages/` (one page per defect, two good chapters) and asserts that every page
fails exactly the checks it was written to fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Browser, Page

from tests.book_pages import ROOT, colab_url, config, source_of, toc_documents
from tests.explorer_checks import check_explorers
from tests.local_browser import chromium, serve

HTML = Path(os.environ.get("VAEBOOK_HTML", ROOT / "_build" / "html")).resolve()
# The sources that HTML was built from (<book>/_build/html), e.g. the executed copy in _ci/src.
SOURCE = HTML.parents[1] if (HTML.parents[1] / "_toc.yml").exists() else ROOT
SCREENSHOTS = ROOT / "_build" / "screenshots"
# A tiny book with one page per defect the reader's checks must catch (see the module docstring).
BAD_PAGES = ROOT / "tests" / "bad_pages"
# Pages with in-page latent explorers (vaebook.explorer), and how many each shows.
EXPLORER_PAGES = {"book/05_keras_vae": 1, "book/06_pytorch_vae": 2, "book/07_beta_vae": 1,
                  "book/08_conditional_and_anomaly": 1}
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


# Widths may differ from the layout by rounding; anything wider than this is a real overflow.
SLACK_PX = 1
CHECKS = (
    "raw-tex", "wide-equation", "wide-code", "wide-output", "cut-off-text", "object-repr", "above-title", "exercises",
)

# Anything visible in the article before its h1; run before OPEN_EVERYTHING (a folded cell
# above the title shows as its summary line).
ABOVE_TITLE = """
() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const h1 = article && article.querySelector("h1");
  if (!h1) return ["the article has no h1"];
  const short = (t) => { t = (t || "").replace(/\\s+/g, " ").trim(); return t.length > 70 ? t.slice(0, 70) + "..." : t; };
  for (const el of article.querySelectorAll("*")) {
    if (el.contains(h1) || !(h1.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (!el.innerText.trim() && !el.matches("img, svg, canvas, video, iframe")) continue;
    const name = el.tagName.toLowerCase() + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    return [`<${name}> "${short(el.innerText)}" is rendered above the title "${short(h1.innerText)}"`];
  }
  return [];
}
"""

# Unfold folded cells and solutions, so that what a reader can open is measured too.
OPEN_EVERYTHING = """
() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  document.querySelectorAll(".toggle-hidden").forEach((e) => e.classList.remove("toggle-hidden"));
  return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}
"""

# The reader's checks on the unfolded page: {check: [message, ...]}.
READER_CHECKS = """
(slack) => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const found = {"raw-tex": [], "wide-equation": [], "wide-code": [], "wide-output": [],
                 "cut-off-text": [], "object-repr": [], "exercises": []};
  if (!article) { found["raw-tex"].push("no article element"); return found; }
  const short = (t, n = 70) => { t = (t || "").replace(/\\s+/g, " ").trim(); return t.length > n ? t.slice(0, n) + "..." : t; };
  const where = (el) => { const s = el.closest("section[id]"); return s ? "#" + s.id : "(before the first section)"; };
  const style = getComputedStyle(article);
  const columnRight = article.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
  const shown = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  // Wider than its own box (scrolls or is clipped), or running past the article's column.
  const overflow = (el) => {
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + slack) return `${el.scrollWidth} px of content in ${el.clientWidth} px`;
    if (box.right > columnRight + slack) return `right edge ${Math.round(box.right - columnRight)} px past the column`;
    return null;
  };

  // raw-tex: text outside typeset math, code and code outputs, gathered per block so that
  // a `$...$` pair split over inline elements is seen whole.
  const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container, .MathJax, .highlight, .math, .widget-subarea";
  const blocks = new Map();
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const block = parent.closest("p, li, dt, dd, td, th, h1, h2, h3, h4, h5, h6, figcaption, caption, blockquote, div, section") || article;
    blocks.set(block, (blocks.get(block) || "") + node.textContent);
  }
  const texPatterns = [/\\$\\$/, /\\$[^$]{1,300}?\\$/, /\\\\[A-Za-z]{2,}/, /\\\\[\\[\\]()]/];
  for (const [block, text] of blocks) {
    for (const pattern of texPatterns) {
      const m = pattern.exec(text);
      if (m) {
        const at = Math.max(0, m.index - 20);
        found["raw-tex"].push(`${where(block)}: "${short(text.slice(at, m.index + m[0].length + 30))}" (${short(m[0], 30)})`);
        break;
      }
    }
  }

  // wide-equation: each display equation against its column.
  const items = (window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.document.math)
    ? [...MathJax.startup.document.math] : [];
  const texOf = new Map(items.map((item) => [item.typesetRoot, item.math]));
  for (const eq of article.querySelectorAll('mjx-container[display="true"]')) {
    if (!shown(eq)) continue;
    const math = eq.querySelector("mjx-math") || eq;
    const width = Math.max(eq.scrollWidth, math.getBoundingClientRect().width);
    const column = Math.min(eq.clientWidth || Infinity, eq.parentElement.clientWidth);
    const right = math.getBoundingClientRect().right;
    if (width > column + slack || right > columnRight + slack) {
      found["wide-equation"].push(`${where(eq)}: ${Math.round(width)} px wide in a ${column} px column: "${short(texOf.get(eq) || eq.textContent, 90)}"`);
    }
  }

  // wide-code / wide-output: code blocks, printed outputs, and other outputs (tables, images).
  for (const pre of article.querySelectorAll("div.highlight pre, .cell_output pre")) {
    if (!shown(pre)) continue;
    const why = overflow(pre);
    if (!why) continue;
    const lines = pre.textContent.split("\\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    const output = pre.closest(".cell_output") !== null;
    found[output ? "wide-output" : "wide-code"].push(
      `${where(pre)}: ${output ? "output" : "code"} line of ${longest.length} characters, ${why}: "${short(longest, 90)}"`);
  }
  for (const out of article.querySelectorAll(".cell_output > *")) {
    if (!shown(out) || out.querySelector("pre")) continue;
    for (const el of [out, ...out.querySelectorAll("table, img, svg, canvas, iframe")]) {
      const why = overflow(el);
      if (why) {
        const name = el.tagName.toLowerCase() + [...el.classList].slice(0, 2).map((c) => "." + c).join("");
        found["wide-output"].push(`${where(el)}: <${name}> ${why}: "${short(el.innerText || el.getAttribute("alt") || el.getAttribute("src"), 60)}"`);
        break;
      }
    }
  }

  // cut-off-text: a label shortened to an ellipsis (widget buttons, labels and readouts do that).
  for (const el of article.querySelectorAll(".cell_output *")) {
    if (!shown(el) || getComputedStyle(el).textOverflow !== "ellipsis") continue;
    if (el.scrollWidth > el.clientWidth + slack && el.innerText.trim()) {
      const name = el.tagName.toLowerCase() + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
      found["cut-off-text"].push(`${where(el)}: <${name}> shows ${el.clientWidth} of ${el.scrollWidth} px: "${short(el.innerText, 60)}"`);
    }
  }

  // object-repr: `<... at 0x...>` printed by a cell.
  for (const out of article.querySelectorAll(".cell_output")) {
    for (const m of out.textContent.matchAll(/<[^<>\\n]{0,200}? at 0x[0-9a-fA-F]+>/g)) {
      found["object-repr"].push(`${where(out)}: ${short(m[0], 90)}`);
    }
  }

  // exercises: chapter N's exercises are N.1, N.2, ... in order, each with a title.
  const number = article.querySelector("h1 .section-number");
  const chapter = number ? number.textContent.trim().replace(/\\.$/, "") : null;
  const exercises = [...article.querySelectorAll("div.exercise")];
  exercises.forEach((ex, i) => {
    const title = ex.querySelector(".admonition-title");
    const text = title ? title.textContent.replace(/\\s+/g, " ").trim() : "";
    const m = /^\\S+\\s+([0-9][0-9.]*)\\s*(.*)$/.exec(text);
    const expected = chapter ? `${chapter}.${i + 1}` : null;
    if (!expected) {
      found["exercises"].push(`${where(ex)}: "${short(text)}" is on a page without a chapter number`);
    } else if (!m || m[1] !== expected) {
      found["exercises"].push(`${where(ex)}: "${short(text)}" should be numbered ${expected}`);
    }
    if (m && !m[2].replace(/[()\\s]/g, "")) {
      found["exercises"].push(`${where(ex)}: "${short(text)}" has no title`);
    }
  });
  return found;
}
"""


def reader_defects(page: Page) -> dict[str, list[str]]:
    """Run every reader's check on a loaded page: {check: [message, ...]} for each check in CHECKS.

    Folds the page open (cells, solutions) after looking above the title, so call it last.
    """
    found = {"above-title": page.evaluate(ABOVE_TITLE)}
    page.evaluate(OPEN_EVERYTHING)
    found.update(page.evaluate(READER_CHECKS, SLACK_PX))
    return {check: found[check] for check in CHECKS}


def reader_problems(defects: dict[str, list[str]]) -> list[str]:
    return [f"{check}: {message}" for check, messages in defects.items() for message in messages]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The built book's HTML, served locally."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}; build it first (make strict-book or make book)")
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="module")
def bad_book_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/bad_pages built strictly with the book's own configuration (MathJax, widgets, theme)."""
    vendor = ROOT / "book" / "_vendor"
    if not (vendor / "mathjax").is_dir():
        pytest.fail(f"{vendor} is missing; `make vendor` fetches MathJax")
    source = tmp_path_factory.mktemp("bad_pages") / "src"
    shutil.copytree(BAD_PAGES, source)
    (source / "book").mkdir()
    (source / "book" / "_vendor").symlink_to(vendor)  # html_extra_path of _config.yml
    shutil.copytree(ROOT / "book" / "style", source / "book" / "style")  # html_static_path
    shutil.copy(ROOT / "book" / "references.bib", source / "book")  # bibtex_bibfiles
    settings = config()
    settings["title"] = "vaebook: pages the browser test must fail"
    settings["execute"]["execute_notebooks"] = "off"  # the pages carry their outputs
    (source / "_config.yml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    build = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", "--all", str(source), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, f"building {BAD_PAGES} failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    with serve(source / "_build" / "html") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


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
        problems.extend(reader_problems(reader_defects(page)))
        try:  # drag every slider of every in-page latent explorer; the digit must follow
            explorers = check_explorers(page)
        except AssertionError as error:
            explorers = None
            problems.append(f"latent explorer: {error}")
        expected_explorers = EXPLORER_PAGES.get(document, 0)
        if explorers is not None and explorers != expected_explorers:
            problems.append(f"{explorers} latent explorers on the page, expected {expected_explorers}")
    finally:
        page.close()

    if seen["untypesetMath"]:
        problems.append(f"equations MathJax did not typeset: {seen['untypesetMath']}")
    if seen["mathErrors"]:
        problems.append(f"TeX errors in equations: {seen['mathErrors']}")
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


# Each page of tests/bad_pages: the checks it must fail (none for the good pages), and a piece
# of text each message must quote so that an author can find the offending element.
BAD_PAGE_EXPECTATIONS: dict[str, dict[str, str]] = {
    "index": {},
    "good": {},
    "good_second": {},
    "front": {"exercises": "without a chapter number"},
    "untitled_exercise": {"exercises": "has no title"},
    "raw_dollars": {"raw-tex": "$x^2 + y^2$"},
    "raw_command": {"raw-tex": "\\mathrm"},
    "wide_equation": {"wide-equation": "\\frac{\\partial \\mathcal{L}_{1}}"},
    "wide_code": {"wide-code": "some_function_with_a_long_name"},
    "wide_output": {"wide-output": "{'beta=0': 100.0"},
    "wide_table": {"wide-output": "column_00_name"},
    "cut_off_label": {"cut-off-text": "start from digit's code"},
    "object_repr": {"object-repr": "<torch._C.Generator at 0x7f3c2c0b2f30>"},
    "above_title": {"above-title": "Something is rendered above this title"},
}


def test_bad_pages_cover_every_check_and_every_page() -> None:
    pages = {p.stem for p in BAD_PAGES.iterdir() if p.suffix in (".md", ".ipynb")}
    assert pages == set(BAD_PAGE_EXPECTATIONS), "tests/bad_pages and BAD_PAGE_EXPECTATIONS differ"
    assert set(toc_documents(BAD_PAGES)) == pages
    caught = {check for expected in BAD_PAGE_EXPECTATIONS.values() for check in expected}
    assert caught == set(CHECKS), f"checks without a bad page: {set(CHECKS) - caught}"


@pytest.mark.parametrize("document", sorted(BAD_PAGE_EXPECTATIONS))
def test_each_check_fails_on_its_bad_page(browser: Browser, bad_book_url: str, document: str) -> None:
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        _open(page, f"{bad_book_url}/{document}.html", problems)
        assert page.evaluate(INSPECT_PAGE)["untypesetMath"] == []
        defects = reader_defects(page)
    finally:
        page.close()
    expected = BAD_PAGE_EXPECTATIONS[document]
    failed = {check for check, messages in defects.items() if messages}
    assert failed == set(expected), f"{document}.html: expected to fail {sorted(expected)}, got {defects}"
    for check, quoted in expected.items():
        assert any(quoted in message for message in defects[check]), (
            f"{document}.html: no {check} message quotes {quoted!r}: {defects[check]}"
        )


def test_exercise_check_wants_each_chapters_own_numbers(browser: Browser) -> None:
    # The numbering a book-wide counter gives (chapter 3's first exercise is "Exercise 3.4"),
    # next to the right one: a case the bad pages' build cannot produce.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        def exercises(first: str) -> list[str]:
            page.set_content(
                '<article class="bd-article"><section id="kl"><h1><span class="section-number">3. </span>KL</h1>'
                f'<div class="exercise admonition"><p class="admonition-title">Exercise {first} (One)</p></div>'
                '<div class="exercise admonition"><p class="admonition-title">Exercise 3.2 (Two)</p></div>'
                "</section></article>"
            )
            return page.evaluate(READER_CHECKS, SLACK_PX)["exercises"]

        assert exercises("3.1") == []
        assert exercises("3.4") == ['#kl: "Exercise 3.4 (One)" should be numbered 3.1']
    finally:
        page.close()
