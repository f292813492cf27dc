"""The Colab path, as closely as this machine allows (`make colab`; not part of `make unit`).

Colab opens one chapter in a runtime that has torch, TensorFlow, Keras and the rest, but
not `vaebook`; the chapter's first cell installs it. Here the runtime is a fresh virtual
environment whose site-packages sees the main environment's third-party packages through
a `.pth` file (a folder of links to each of them, `vaebook` left out), so pip finds every
dependency satisfied, can change none of them (they lie outside the environment), and
installs only the companion. `VAEBOOK_INSTALL_SOURCE` points the cell at a copy of the
local `companion/` instead of GitHub.

One chapter, the shortest, runs to the end in that environment after its setup cell has
installed `vaebook`; then every chapter's setup and imports cells run there, in one more
kernel. The setup cells are identical (tests/test_notebooks.py), so one install checks
them all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.book_pages import ROOT
from tests.colab_setup import chapters

KERNEL = "vaebook-colab-sim"
CELL_TIMEOUT = 600  # seconds per cell: twice the book's own limit
EXECUTED = ROOT / "_ci" / "src" / "book"  # `make notebooks` leaves timed copies here

# Cells the test adds around a chapter's setup cell; each prints one JSON line.
PACKAGES = """
import importlib.metadata, importlib.util, json
print(json.dumps({
    "vaebook_importable": importlib.util.find_spec("vaebook") is not None,
    "packages": {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()},
}))
"""
WHERE_IS_VAEBOOK = """
import json, vaebook, vaebook.data
print(json.dumps({"file": vaebook.__file__}))
"""


@dataclass
class ColabSim:
    python: Path
    site_packages: Path
    workdir: Path


def _seconds(executed: Path) -> float:
    """Total execution time of an executed notebook's cells (nbclient's timing metadata)."""
    total = 0.0
    for cell in nbformat.read(executed, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            total += (end - start).total_seconds()
    return total if total > 0 else float("inf")


def _shortest_chapter() -> Path:
    """The chapter that took least time in the last `make notebooks` (else the first one).

    VAEBOOK_COLAB_CHAPTER=book/NN_x.ipynb picks one by hand.
    """
    if override := os.environ.get("VAEBOOK_COLAB_CHAPTER"):
        return ROOT / override
    timed = {nb: _seconds(EXECUTED / nb.name) for nb in chapters() if (EXECUTED / nb.name).exists()}
    if timed and min(timed.values()) < float("inf"):
        return min(timed, key=timed.get)
    return chapters()[0]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ColabSim]:
    """A fresh venv that sees the main venv's packages, not `vaebook`, and a kernel for it."""
    root = tmp_path_factory.mktemp("colab")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())

    # The main environment's packages, minus vaebook's editable install, as a folder of links.
    main_site = Path(sysconfig.get_paths()["purelib"])
    vaebook_files = {str(f).split("/")[0] for f in metadata.distribution("vaebook").files or []}
    mirror = root / "third-party"
    mirror.mkdir()
    for entry in main_site.iterdir():
        if entry.name not in vaebook_files and not entry.name.endswith(".pth"):
            (mirror / entry.name).symlink_to(entry)
    (site / "third_party.pth").write_text(f"{mirror}\n", encoding="utf-8")

    kernel_dir = root / "jupyter" / "kernels" / KERNEL
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab (simulated)", "language": "python",
    }), encoding="utf-8")

    companion = root / "companion"
    shutil.copytree(ROOT / "companion", companion,
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(root / "jupyter"))
        patch.setenv("VAEBOOK_INSTALL_SOURCE", f"vaebook @ {companion.as_uri()}")
        patch.delenv("PYTHONPATH", raising=False)
        patch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        workdir = root / "content"  # Colab's working folder holds nothing of the repository
        workdir.mkdir()
        yield ColabSim(python=python, site_packages=site, workdir=workdir)


def _new_notebook(sources: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Colab (simulated)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nb


def _execute(sim: ColabSim, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run `nb` in a new kernel of the simulated runtime, in its empty working folder."""
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(sim.workdir)}})
    client.execute()
    return nb


def _printed(cell: nbformat.NotebookNode) -> dict:
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return json.loads(text.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def colab_run(sim: ColabSim) -> dict:
    """The shortest chapter, run from its setup cell to its end in the fresh environment.

    A failing chapter cell is recorded, not raised, so the install checks still report.
    """
    if not chapters():
        pytest.skip("no chapter notebooks in book/ yet")
    chapter = _shortest_chapter()
    cells = [c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "code"]
    nb = _new_notebook([PACKAGES, cells[0], PACKAGES, WHERE_IS_VAEBOOK, *cells[1:]])
    error = None
    try:
        _execute(sim, nb)
    except CellExecutionError as failure:
        error = str(failure)
        if not nb.cells[3].outputs:
            pytest.fail(f"the setup cell did not make vaebook importable:\n{error}")
    return {
        "chapter": chapter,
        "before": _printed(nb.cells[0]),
        "after": _printed(nb.cells[2]),
        "vaebook": _printed(nb.cells[3]),
        "error": error,
    }


def test_setup_cell_installs_only_vaebook_into_the_fresh_environment(colab_run: dict, sim: ColabSim):
    before, after = colab_run["before"], colab_run["after"]
    assert not before["vaebook_importable"], "vaebook must not be importable before the setup cell"
    assert {"torch", "keras", "numpy"} <= set(before["packages"]), "the simulated runtime lacks Colab's frameworks"
    assert any(name.startswith("tensorflow") for name in before["packages"])
    assert after["vaebook_importable"]
    added = {k: v for k, v in after["packages"].items() if before["packages"].get(k) != v}
    assert added == {"vaebook": "0.1.0"}, f"the setup cell changed more than vaebook: {added}"
    assert set(before["packages"]) <= set(after["packages"]), "the setup cell removed packages"
    installed = Path(colab_run["vaebook"]["file"]).resolve()
    assert installed.is_relative_to(sim.site_packages.resolve()), (
        f"vaebook was imported from {installed}, not from the fresh environment"
    )


def test_shortest_chapter_runs_to_the_end_in_the_fresh_environment(colab_run: dict):
    assert colab_run["error"] is None, f"{colab_run['chapter'].name} failed in the fresh environment:\n{colab_run['error']}"


@pytest.fixture(scope="module")
def imports_run(sim: ColabSim, colab_run: dict) -> dict[str, list[nbformat.NotebookNode]]:
    """Every chapter's setup and imports cells, in one kernel where vaebook is installed.

    One kernel, not one per chapter, keeps this to one import of torch and TensorFlow;
    the cells are independent (the setup cell does nothing here, imports are statements).
    """
    sources = [PACKAGES]
    for notebook in chapters():
        cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        sources += cells[:2]
    sources.append(PACKAGES)
    nb = _new_notebook(sources)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=True,
                            resources={"metadata": {"path": str(sim.workdir)}})
    client.execute()
    before, after = _printed(nb.cells[0]), _printed(nb.cells[-1])
    assert before["vaebook_importable"]
    assert before["packages"] == after["packages"], "with vaebook importable the setup cells must do nothing"
    return {notebook.name: nb.cells[1 + 2 * i : 3 + 2 * i] for i, notebook in enumerate(chapters())}


@pytest.mark.parametrize("notebook", chapters(), ids=[nb.name for nb in chapters()])
def test_setup_and_imports_cells_run_where_vaebook_is_installed(notebook: Path, imports_run: dict):
    setup, imports = imports_run[notebook.name]
    assert not setup.outputs, f"the setup cell printed or installed although vaebook is importable: {setup.outputs}"
    errors = [f"{o.ename}: {o.evalue}" for o in imports.outputs if o.output_type == "error"]
    assert not errors, f"{notebook.name}: the imports cell fails in a Colab-like runtime: {errors}"
