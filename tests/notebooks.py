"""Helpers for tests that read the chapters' notebooks (not a test file itself)."""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"


def code_cells(notebook: Path) -> list[str]:
    """The source of each code cell of ``notebook``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def definition_in_notebook(notebook: Path, name: str) -> str:
    """Source of the top-level ``def``/``class`` called ``name`` in a code cell."""
    for source in code_cells(notebook):
        if source.lstrip().startswith(("%", "!")):
            continue
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                lines = source.splitlines()[first - 1 : node.end_lineno]
                return "\n".join(lines)
    raise AssertionError(f"{notebook.name} defines no top-level {name!r}")


def assert_twin(notebook: Path, obj: object) -> None:
    """Fail unless the chapter shows exactly the companion's source of ``obj``."""
    companion = textwrap.dedent(inspect.getsource(obj)).rstrip()
    chapter = definition_in_notebook(notebook, obj.__name__).rstrip()
    assert chapter == companion, (
        f"{obj.__module__}.{obj.__name__} and its copy in {notebook.name} differ; "
        "edit both so the chapter shows the code the companion runs"
    )


def markdown_of(notebook: Path) -> str:
    """The markdown cells of ``notebook``, joined by blank lines."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def listing_region(
    notebook: Path, *, markdown: str | None = None, book: Path = BOOK
) -> tuple[Path, str]:
    """The file and the text that the chapter's one ``{literalinclude}`` shows.

    The directive names a file relative to ``book`` and cuts it with
    ``:start-after:`` and ``:end-before:`` markers, each found exactly once.
    """
    markdown = markdown_of(notebook) if markdown is None else markdown
    found = re.findall(
        r"^```\{literalinclude\} +(\S+)\n((?::[\w-]+:.*\n)*)```", markdown, flags=re.M
    )
    assert len(found) == 1, f"{notebook.name}: expected one literalinclude, found {len(found)}"
    target, options = found[0]
    opts = dict(re.findall(r"^:([\w-]+): *(.*)$", options, flags=re.M))
    path = (book / target).resolve()
    assert path.is_file(), f"{target} does not exist relative to {book}"
    text = path.read_text(encoding="utf-8")
    start, end = opts.get("start-after"), opts.get("end-before")
    assert start and end, "the listing needs :start-after: and :end-before:"
    assert text.count(start) == 1 and text.count(end) == 1, "each marker must occur once"
    region = text.split(start, 1)[1].split("\n", 1)[1].split(end, 1)[0]
    return path, region.rsplit("\n", 1)[0]
