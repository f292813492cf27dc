"""The Colab setup cell every chapter has right below its title, and the script that stamps it.

A chapter notebook opens with a markdown cell holding only its title (`# ...`), so the
title is the first thing on the rendered page and in Colab; the setup cell follows. The cell installs the companion package when it is missing (Colab, any fresh
environment) and does nothing where `vaebook` is importable. The repository it
installs from is `repository.url` in `_config.yml`, the one place it is written.

    python tests/colab_setup.py           # list the chapters whose setup cell differs
    python tests/colab_setup.py --write   # stamp the current cell into every chapter

tests/test_notebooks.py fails when a chapter's first code cell differs from `setup_cell_source()`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAGS = ["hide-input", "colab-setup"]
FIRST_LINE = "# Setup for Colab or any fresh environment: install the companion"

TEMPLATE = '''\
# Setup for Colab or any fresh environment: install the companion
# package `vaebook` when it is missing. Everything Colab ships (torch,
# TensorFlow, Keras, ipywidgets) is left as it is.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("vaebook") is None:
    source = os.environ.get(
        "VAEBOOK_INSTALL_SOURCE",
        "vaebook @ git+{repository_url}"
        "#subdirectory=companion",
    )
    pip_install = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip_install, source], check=True)'''


def repository_url() -> str:
    """`repository.url` from `_config.yml`, e.g. https://github.com/vaebook/vaebook."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = str(config["repository"]["url"]).rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"repository.url in _config.yml must be an https URL, got {url!r}")
    return url


def setup_cell_source() -> str:
    """The exact source of the setup cell (the first code cell) of every chapter."""
    return TEMPLATE.format(repository_url=repository_url())


def chapters() -> list[Path]:
    """Every chapter notebook in book/ (listed in _toc.yml or not)."""
    return sorted((ROOT / "book").glob("[0-9]*.ipynb"))


def _is_title(cell: nbformat.NotebookNode) -> bool:
    """A markdown cell that holds only the chapter's `# Title` line."""
    return cell.cell_type == "markdown" and bool(re.fullmatch(r"# [^\n]+", cell.source.strip()))


def is_stamped(notebook: Path) -> bool:
    """Whether the notebook is its title cell, then the current setup cell with its tags."""
    cells = nbformat.read(notebook, as_version=4).cells
    if len(cells) < 2 or not _is_title(cells[0]):
        return False
    setup = cells[1]
    return (
        setup.cell_type == "code"
        and setup.source == setup_cell_source()
        and setup.metadata.get("tags") == TAGS
    )


def stamp(notebook: Path) -> bool:
    """Make the current setup cell the cell right after the title; True if anything changed.

    An existing setup cell (tagged `colab-setup`, or starting with the cell's first line),
    wherever it stands, is updated in place (keeping its id) and moved below the title;
    otherwise a new one is inserted there. A notebook whose first cell is not a title-only
    markdown cell is refused: the title must come first on the page.
    """
    if is_stamped(notebook):
        return False
    nb = nbformat.read(notebook, as_version=4)
    setups = [c for c in nb.cells if c.cell_type == "code" and (
        "colab-setup" in c.metadata.get("tags", []) or c.source.startswith(FIRST_LINE))]
    if len(setups) > 1:
        raise ValueError(f"{notebook}: {len(setups)} setup cells, expected at most one")
    for cell in setups:
        nb.cells.remove(cell)
    if not nb.cells or not _is_title(nb.cells[0]):
        raise ValueError(f"{notebook}: the first cell must be a markdown cell with only the '# Title' line")
    if setups:
        cell = setups[0]
        cell.source = setup_cell_source()
        cell.metadata["tags"] = list(TAGS)
        cell.outputs = []
        cell.execution_count = None
    else:
        cell = nbformat.v4.new_code_cell(setup_cell_source(), metadata={"tags": list(TAGS)})
        if nb.nbformat_minor < 5:
            cell.pop("id", None)
    nb.cells.insert(1, cell)
    nbformat.write(nb, notebook)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="stamp the cell into every chapter")
    args = parser.parse_args(argv)
    if args.write:
        changed = [nb for nb in chapters() if stamp(nb)]
        for nb in changed:
            print(f"stamped {nb.relative_to(ROOT)}")
        print(f"{len(changed)} of {len(chapters())} chapters changed")
        return 0
    stale = [nb for nb in chapters() if not is_stamped(nb)]
    for nb in stale:
        print(f"setup cell differs: {nb.relative_to(ROOT)}")
    if stale:
        print("run: python tests/colab_setup.py --write")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
