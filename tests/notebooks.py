"""Helpers for tests that read the chapters' notebooks (not a test file itself)."""

from __future__ import annotations

import ast
import inspect
import json
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
