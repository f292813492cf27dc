"""Notebook-level checks of every chapter: committed clean, Colab-ready, in the book, finished.

Parametrized over the notebooks in book/, so a chapter added later is checked without
touching this file. Cheap (reads files only); part of `make unit`.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from tests.book_pages import ROOT, colab_url, config, numbered_documents, source_of, toc_chapters, toc_documents
from tests.colab_setup import TAGS, chapters, is_stamped, setup_cell_source, stamp
from tests.notebooks import code_cells

CHAPTERS = chapters()
ids = [nb.name for nb in CHAPTERS]
chapter_params = pytest.mark.parametrize("notebook", CHAPTERS, ids=ids)


def read(notebook: Path) -> nbformat.NotebookNode:
    return nbformat.read(notebook, as_version=4)


def markdown(notebook: Path) -> str:
    return "\n\n".join(c.source for c in read(notebook).cells if c.cell_type == "markdown")


# ---------------------------------------------------------------- the table of contents


def test_every_chapter_is_in_the_table_of_contents():
    listed = {p.resolve() for p in toc_chapters()}
    missing = [nb.name for nb in CHAPTERS if nb.resolve() not in listed]
    assert not missing, f"add these chapters to _toc.yml: {missing}"


def test_every_toc_entry_has_a_source_and_the_bibliography_comes_last():
    documents = toc_documents()
    for document in documents:
        source_of(document)  # raises with the missing name
    assert documents[0] == "book/intro"
    assert documents[-1] == "book/bibliography"
    assert len(documents) == len(set(documents)), "a page is listed twice in _toc.yml"


def test_the_chapters_and_only_they_are_numbered():
    # Chapter N's title reads "N. ...", its exercises "Exercise N.1", ... (browser test: exercises).
    chapters = [str(p.relative_to(ROOT).with_suffix("")) for p in toc_chapters()]
    assert numbered_documents() == chapters, "put every chapter, and nothing else, in _toc.yml's numbered part"
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "numbered: 1" in toc, "number the chapter titles only (numbered: 1), not their sections"


def test_chapters_are_listed_in_file_name_order():
    listed = [p.name for p in toc_chapters()]
    assert listed == sorted(listed), f"_toc.yml lists chapters out of order: {listed}"


# ---------------------------------------------------------------- each chapter as committed


@chapter_params
def test_outputs_are_stripped(notebook: Path):
    dirty = [i for i, c in enumerate(read(notebook).cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{notebook.name}: code cells {dirty} carry outputs or execution counts"
    assert "widgets" not in read(notebook).metadata, f"{notebook.name} carries saved widget state"


@chapter_params
def test_format_and_kernel(notebook: Path):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    kernel = nb["metadata"].get("kernelspec", {})
    assert kernel.get("name") == "python3", kernel
    assert kernel.get("display_name") == "Python 3 (ipykernel)", kernel
    assert kernel.get("language", "python") == "python", kernel
    assert nb["metadata"].get("language_info", {}).get("name", "python") == "python"


@chapter_params
def test_title_comes_first_and_the_colab_setup_cell_right_after_it(notebook: Path):
    cells = read(notebook).cells
    assert cells[0].cell_type == "markdown" and re.fullmatch(r"# [^\n]+", cells[0].source.strip()), (
        f"{notebook.name}: the first cell must hold the chapter's '# Title' and nothing else"
    )
    setup = cells[1]
    assert setup.cell_type == "code" and setup.source == setup_cell_source(), (
        f"{notebook.name}: the cell after the title differs from the Colab setup cell;"
        " run `python tests/colab_setup.py --write`"
    )
    assert setup.metadata.get("tags") == TAGS, f"{notebook.name}: setup cell tags must be {TAGS}"


@chapter_params
def test_second_code_cell_imports_and_third_sets_upper_case_constants(notebook: Path):
    cells = code_cells(notebook)
    assert len(cells) >= 3, f"{notebook.name} needs setup, imports and constants cells"
    imports = ast.parse(cells[1]).body
    # Imports, and the environment variables that must be set before one (KERAS_BACKEND).
    allowed = [isinstance(s, (ast.Import, ast.ImportFrom)) or "os.environ" in ast.unparse(s) for s in imports]
    assert imports and all(allowed), (
        f"{notebook.name}: the second code cell must hold the imports only"
    )
    assignments = [s for s in ast.parse(cells[2]).body if isinstance(s, (ast.Assign, ast.AnnAssign))]
    names = [t.id for s in assignments
             for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name)]
    assert names, f"{notebook.name}: the third code cell must set the chapter's constants"
    lower = [n for n in names if not n.isupper()]
    assert not lower, f"{notebook.name}: constants are UPPER_CASE, got {lower}"


@chapter_params
def test_chapter_ends_with_summary_exercises_and_references(notebook: Path):
    headings = re.findall(r"^## +(.+?)\s*$", markdown(notebook), flags=re.M)
    assert headings[-3:] == ["Summary", "Exercises", "References"], (
        f"{notebook.name}: the last sections must be Summary, Exercises, References; got {headings[-3:]}"
    )


@chapter_params
def test_every_exercise_has_a_solution_behind_a_toggle(notebook: Path):
    text = markdown(notebook)
    exercises = re.findall(r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?:[^\n]*\n)*?:label: *(\S+)", text, flags=re.M)
    labels = [label for _, label in exercises]
    assert labels, f"{notebook.name} has no labelled {{exercise}} block"
    solutions = re.findall(r"^(?:`{3,}|:{3,})\{solution\} *(\S+)\s*\n((?::\w[^\n]*\n)*)", text, flags=re.M)
    hidden = {label for label, options in solutions if re.search(r":class: *.*\bdropdown\b", options)}
    missing = [label for label in labels if label not in hidden]
    assert not missing, f"{notebook.name}: exercises without a dropdown solution: {missing}"


@chapter_params
def test_every_citation_is_in_the_bibliography(notebook: Path):
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    known = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib))
    cited = {key.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", markdown(notebook))
             for key in group.split(",")}
    assert cited, f"{notebook.name} cites nothing; its References section should list what it used"
    assert cited <= known, f"{notebook.name} cites keys missing from references.bib: {sorted(cited - known)}"


# ---------------------------------------------------------------- the Colab setup cell


def test_stamp_replaces_a_stale_setup_cell_and_inserts_a_missing_one(tmp_path: Path):
    old_setup = nbformat.v4.new_code_cell(
        "# Setup for Colab or any fresh environment: install the companion package `vaebook`\nprint('old')",
        metadata={"tags": ["colab-setup"]},
    )
    stale = nbformat.v4.new_notebook()  # an old chapter: setup cell above the title
    stale.cells = [old_setup, nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_markdown_cell("Text.")]
    bare = nbformat.v4.new_notebook()
    bare.cells = [nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_markdown_cell("Text.")]
    for name, nb in (("stale.ipynb", stale), ("bare.ipynb", bare)):
        path = tmp_path / name
        nbformat.write(nb, path)
        assert not is_stamped(path)
        assert stamp(path) is True
        assert is_stamped(path)
        assert stamp(path) is False, "stamping twice changes nothing"
        cells = read(path).cells
        assert [c.source for c in cells[::2]] == ["# A chapter", "Text."] and len(cells) == 3
        assert cells[1].source == setup_cell_source()


def test_stamp_refuses_a_notebook_without_a_title_cell_first(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter\n\nWith prose in the title cell.")]
    path = tmp_path / "untitled.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="Title"):
        stamp(path)


def test_setup_cell_installs_from_the_configured_repository_and_honours_the_override():
    source = setup_cell_source()
    assert f'"vaebook @ git+{config()["repository"]["url"]}"\n        "#subdirectory=companion"' in source
    assert '"VAEBOOK_INSTALL_SOURCE"' in source
    assert 'importlib.util.find_spec("vaebook") is None' in source
    # Installing only the companion keeps Colab's torch, TensorFlow and Keras.
    assert "torch" not in source.split("\n", 2)[2] and "--upgrade" not in source
    compile(source, "setup-cell", "exec")


def test_colab_launch_links_point_at_the_repository():
    settings = config()
    assert settings["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert settings["repository"]["url"].startswith("https://github.com/")
    assert settings["repository"]["branch"] == "main"
    for notebook in CHAPTERS:
        url = colab_url(notebook)
        assert url.endswith(f"/blob/main/book/{notebook.name}"), url


# ---------------------------------------------------------------- rendering without a CDN


def test_mathjax_and_widgets_come_from_the_book_not_a_cdn():
    sphinx = config()["sphinx"]["config"]
    assert "://" not in sphinx["mathjax_path"]
    assert all("://" not in path for path in sphinx["nb_ipywidgets_js"])
    assert sphinx["html_extra_path"] == ["book/_vendor"]
    for folder in (ROOT / "_static", ROOT / "book" / "_static"):
        assert not folder.exists(), f"{folder}: Jupyter Book injects every .js in a _static folder into every page"


def test_vendored_versions_are_pinned_and_match_ipywidgets():
    import ipywidgets

    lock = json.loads((ROOT / "vendor" / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    manager = packages["node_modules/@jupyter-widgets/html-manager"]["version"]
    mathjax = packages["node_modules/mathjax"]["version"]
    wanted = ipywidgets._version.__html_manager_version__  # e.g. "^1.0.1"
    assert manager.split(".")[0] == wanted.lstrip("^~").split(".")[0], (manager, wanted)
    assert mathjax.startswith("3."), mathjax
    assert all("integrity" in info for name, info in packages.items() if name), "lock file lacks hashes"
    declared = json.loads((ROOT / "vendor" / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert declared == {"@jupyter-widgets/html-manager": manager, "mathjax": mathjax}


def test_vendored_files_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "book/_vendor/" in ignored and "node_modules/" in ignored


# ---------------------------------------------------------------- the landing page


def test_landing_page_maps_every_chapter_with_a_figure_that_exists():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    figures = re.findall(r"```\{figure\} *(\S+)", intro)
    assert figures, "book/intro.md needs the chapter-map figure"
    for figure in figures:
        assert (ROOT / "book" / figure).exists(), figure
    for heading in ("What you will learn", "Who it is for", "Prerequisites", "How to read it"):
        assert re.search(rf"^## +{heading}", intro, flags=re.M), f"intro.md lacks '## {heading}'"
    assert "make book" in intro and "make test" in intro
    assert "colab" in intro.lower()


def test_chapter_map_figure_is_a_self_contained_svg():
    svg = (ROOT / "book" / "images" / "chapter_map.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and re.search(r"<title[^>]*>[^<]+</title>", svg)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", ""), "the figure must render offline"
    assert re.search(r'<svg[^>]*\bwidth="\d+"[^>]*\bheight="\d+"', svg), "width and height keep it sized"


# The chapter map is shown at width 100% of the text column: 672 px at a 1280-px window in
# sphinx-book-theme 1.3 (measured in Chromium), where a caption is set in 16 px. Scaled to
# that width, its smallest text must be at least the caption's size.
COLUMN_PX = 672
CAPTION_PX = 16


def chapter_map_problems(svg: str, chapter_numbers: list[int]) -> list[str]:
    """What keeps the chapter map from being read at the column's width, or from being complete."""
    problems = []
    width = re.search(r'<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"', svg)
    if not width:
        return ["the <svg> has no width"]
    scale = COLUMN_PX / float(width.group(1))
    sizes = [float(s) for s in re.findall(r'font-size(?:="|:\s*)(\d+(?:\.\d+)?)(?:px)?', svg)]
    if not sizes:
        problems.append("no font-size in the figure: its text size is the browser's guess")
    elif min(sizes) * scale < CAPTION_PX - 0.05:
        problems.append(
            f"smallest text {min(sizes):g} px drawn {float(width.group(1)):g} px wide renders at"
            f" {min(sizes) * scale:.1f} px in the {COLUMN_PX} px column; the caption is {CAPTION_PX} px"
        )
    missing = [n for n in chapter_numbers if not re.search(rf">\s*Chapter {n}\s*<", svg)]
    if missing:
        problems.append(f"chapters not on the map: {missing}")
    return problems


def test_chapter_map_is_readable_at_the_column_width_and_lists_every_chapter():
    svg = (ROOT / "book" / "images" / "chapter_map.svg").read_text(encoding="utf-8")
    numbers = sorted({int(nb.name[:2]) for nb in CHAPTERS} | set(range(1, 9)))  # 8: conditional VAEs
    assert chapter_map_problems(svg, numbers) == []


def test_chapter_map_check_fails_on_small_text_and_a_missing_chapter():
    small = '<svg width="900" height="300"><style>.note { font-size: 12.5px; }</style><text>Chapter 1</text></svg>'
    problems = chapter_map_problems(small, [1, 2])
    assert any("renders at 9.3 px" in p for p in problems) and any("[2]" in p for p in problems), problems
    attribute = '<svg width="672" height="10"><text font-size="15">Chapter 1</text></svg>'
    assert chapter_map_problems(attribute, [1]) and not chapter_map_problems(attribute.replace('"15"', '"16"'), [1])


def test_references_bib_parses():
    """A syntax error in references.bib (an unclosed entry) fails the whole book build."""
    import pybtex.database

    bib = pybtex.database.parse_file(str(ROOT / "book" / "references.bib"), bib_format="bibtex")
    assert len(bib.entries) >= 20
