"""The Colab path, on Colab's own stack (`make colab`; not part of `make unit`).

A reader opens a chapter in Colab: a runtime with ipywidgets 7.7.1, IPython 7, numpy 2.0,
matplotlib 3.10, torch, TensorFlow and Keras preinstalled, and no `vaebook`. The chapter's
setup cell installs it with pip from the repository (`git+https://...`). Here the runtime
is a fresh virtual environment built from tests/colab_stack.txt (the versions and where
they come from are written there), and the repository is a local bare clone of the
companion reached through `git+file://`, so pip takes the same path as on Colab: a git
checkout, then a build of `companion/`.

Checked here:
- the setup cell adds `vaebook` and nothing else: no upgrade, downgrade or reinstall of
  anything Colab ships, and no documentation toolchain; run again, it does nothing;
- the same check flags a companion that asks for ipywidgets 8 or myst-nb (pip's dry run);
- under ipywidgets 7.7.1 the latent sliders redraw when a slider moves, and tqdm's
  progress bars are widgets;
- chapter 5 (Keras, progress bars, sliders) and chapter 2 run to the end, and every
  chapter's setup and imports cells run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.book_pages import ROOT
from tests.colab_setup import chapters, setup_cell_source

STACK = ROOT / "tests" / "colab_stack.txt"
KERNEL = "vaebook-colab"
CELL_TIMEOUT = 600  # seconds per cell: twice the book's own limit
FULL_CHAPTERS = ["05_keras_vae.ipynb", "02_elbo.ipynb"]  # sliders and progress bars; a light one
ALLOWED_NEW = {"vaebook"}  # what the setup cell may add: the companion, nothing Colab lacks
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Packages Colab ships that installing vaebook must leave exactly as they are (checked by
# name in the messages; every package of the stack is compared).
COLAB_OWNS = ["ipywidgets", "widgetsnbextension", "jupyterlab-widgets", "markdown-it-py", "torch",
              "tensorflow-cpu", "keras", "numpy", "matplotlib", "pillow", "tqdm", "ipykernel"]


def canonical(name: str) -> str:
    """PEP 503 name: `jupyterlab_widgets` and `Jupyterlab-Widgets` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def public(version: str | None) -> str | None:
    """A version without its local label: torch's `2.13.0+cpu` is `2.13.0`."""
    return None if version is None else version.split("+")[0]


def stack_pins() -> dict[str, str]:
    """tests/colab_stack.txt as {canonical name: version}."""
    pins = {}
    for line in STACK.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


@dataclass
class Colab:
    python: Path
    site_packages: Path
    workdir: Path
    source: str  # what the setup cell installs: `vaebook @ git+file:///...#subdirectory=companion`


@dataclass(frozen=True)
class Snapshot:
    """The installed distributions: versions, and each one's METADATA file identity
    (inode, mtime), which changes when pip reinstalls a package at the same version."""

    versions: dict[str, str]
    files: dict[str, tuple[int, int]]


def snapshot(colab: Colab) -> Snapshot:
    versions, files = {}, {}
    for info in colab.site_packages.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        name = canonical(re.search(r"^Name: *(\S+)", metadata, flags=re.M).group(1))
        versions[name] = re.search(r"^Version: *(\S+)", metadata, flags=re.M).group(1)
        stat = (info / "METADATA").stat()
        files[name] = (stat.st_ino, stat.st_mtime_ns)
    return Snapshot(versions, files)


def unexpected_changes(before: dict[str, str], after: dict[str, str], reinstalled: set[str]) -> list[str]:
    """What an install did beyond adding the allowed packages, one line per package."""
    problems = [f"removed {name} {version}" for name, version in before.items() if name not in after]
    for name, version in after.items():
        if name not in before and name not in ALLOWED_NEW:
            problems.append(f"added {name} {version}, which vaebook does not need on Colab")
        elif name in before and before[name] != version:
            problems.append(f"changed Colab's {name} {before[name]} -> {version}")
    problems += [f"reinstalled Colab's {name} {before[name]}" for name in sorted(reinstalled)
                 if name in before and before[name] == after.get(name)]
    return problems


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    reinstalled = {n for n in before.files if n in after.files and before.files[n] != after.files[n]}
    return unexpected_changes(before.versions, after.versions, reinstalled)


def pip(colab: Colab, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(colab.python), "-m", "pip", *args], check=True, capture_output=True, text=True)


def bare_repository(root: Path, companion: Path) -> Path:
    """A bare git repository whose one commit holds `companion/` (as the real one does)."""
    work = root / "checkout"
    shutil.copytree(companion, work / "companion",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist"))
    git = ["git", "-c", "user.name=vaebook", "-c", "user.email=ci@vaebook.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    subprocess.run([*git, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-q", "-m", "companion"], check=True)
    bare = root / "vaebook.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return bare


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Colab]:
    """A fresh environment with Colab's stack and no vaebook, a kernel for it, a git remote."""
    root = tmp_path_factory.mktemp("colab")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pins = stack_pins()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"pip=={pins['pip']}"], check=True, env=env)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(STACK)], check=True, env=env)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())

    kernel_dir = root / "jupyter" / "kernels" / KERNEL
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab's stack", "language": "python",
    }), encoding="utf-8")
    source = f"vaebook @ git+{bare_repository(root, ROOT / 'companion').as_uri()}#subdirectory=companion"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(root / "jupyter"))
        patch.setenv("VAEBOOK_INSTALL_SOURCE", source)
        patch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        patch.delenv("PYTHONPATH", raising=False)
        workdir = root / "content"  # Colab's working folder holds nothing of the repository
        workdir.mkdir()
        yield Colab(python=python, site_packages=site, workdir=workdir, source=source)


def execute(colab: Colab, sources: list[str]) -> tuple[nbformat.NotebookNode, str | None, float]:
    """Run `sources` as cells in a new kernel of the Colab environment: (notebook, error, seconds)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Colab's stack", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(colab.workdir)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = str(failure)
    return nb, error, time.perf_counter() - start


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def mime_types(cell: nbformat.NotebookNode) -> set[str]:
    return {mime for o in cell.outputs for mime in o.get("data", {})}


@pytest.fixture(scope="module")
def install(colab: Colab) -> dict:
    """The setup cell run twice, each in a new kernel, with snapshots around each run."""
    pins = stack_pins()
    before = snapshot(colab)
    assert "vaebook" not in before.versions, "vaebook must not be installed before the setup cell"
    missing = {n: v for n, v in pins.items() if public(before.versions.get(n)) != v}
    assert not missing, f"the Colab environment lacks its pinned versions: {missing}"
    first, error, seconds = execute(colab, [setup_cell_source()])
    assert error is None, f"the setup cell failed on Colab's stack:\n{error}"
    after = snapshot(colab)
    second, error, _ = execute(colab, [setup_cell_source()])
    assert error is None, error
    return {"before": before, "after": after, "again": snapshot(colab), "seconds": seconds,
            "first": first.cells[0], "second": second.cells[0]}


def test_setup_cell_adds_vaebook_and_changes_nothing_colab_ships(install: dict, colab: Colab):
    before, after = install["before"], install["after"]
    assert after.versions.get("vaebook") == "0.1.0", "the setup cell did not install vaebook"
    problems = diff(before, after)
    assert not problems, "installing vaebook on Colab's stack:\n" + "\n".join(problems)
    for name in COLAB_OWNS:
        assert before.versions[name] == after.versions[name] and before.files[name] == after.files[name], name
    print(f"setup cell: {install['seconds']:.1f} s; added vaebook {after.versions['vaebook']} only")


def test_second_run_of_the_setup_cell_does_nothing(install: dict):
    assert install["again"] == install["after"], diff(install["after"], install["again"])
    assert not install["second"].outputs, f"a second run printed: {install['second'].outputs}"


def dry_run(colab: Colab, tmp_path: Path, change: tuple[str, str]) -> list[str]:
    """`unexpected_changes` for installing a companion whose pyproject has `change` applied."""
    companion = tmp_path / "companion"
    shutil.copytree(ROOT / "companion", companion,
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist"))
    pyproject = companion / "pyproject.toml"
    old, new = change
    assert old in pyproject.read_text(encoding="utf-8"), f"{old!r} not in the companion's pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    report = tmp_path / "report.json"
    before = snapshot(colab)
    pip(colab, "install", "--dry-run", "--quiet", "--report", str(report), str(companion))
    plan = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
    plan.pop("vaebook", None)  # already installed by the setup cell: a rebuild of it is fine
    after = {**before.versions, **plan}
    reinstalled = {name for name in plan if before.versions.get(name) == plan[name]}
    return unexpected_changes(before.versions, after, reinstalled)


@pytest.mark.parametrize("change, flagged", [
    (('"ipywidgets>=7.7,<9"', '"ipywidgets>=8"'), "changed Colab's ipywidgets 7.7.1 -> 8."),
    (('"tqdm>=4.60",', '"tqdm>=4.60",\n    "myst-nb>=1",'), "added myst-nb"),
], ids=["ipywidgets>=8", "myst-nb"])
def test_the_check_flags_a_companion_that_would_change_colab(install: dict, colab: Colab, tmp_path: Path,
                                                             change: tuple[str, str], flagged: str):
    problems = dry_run(colab, tmp_path, change)
    assert any(line.startswith(flagged) for line in problems), problems


def test_the_check_passes_the_companion_as_it_is(install: dict, colab: Colab, tmp_path: Path):
    assert dry_run(colab, tmp_path, ("", "")) == []


SLIDERS_AND_BARS = '''
import json
import numpy as np
import ipywidgets
from tqdm.auto import tqdm
from tqdm.notebook import tqdm as notebook_tqdm
from vaebook.widgets import latent_sliders

def decode(z):
    return np.tile(1 / (1 + np.exp(-z.sum(axis=1, keepdims=True))), (1, 784))

sliders = latent_sliders(decode, 2, start_codes=np.zeros((3, 2), np.float32))
before = sliders.image.value
sliders.sliders[0].value = 2.0
display(sliders)
bar = tqdm(range(3), desc="epochs")
for _ in bar:
    pass
print(json.dumps({"ipywidgets": ipywidgets.__version__, "redrawn": sliders.image.value != before,
                  "z": sliders.z.tolist(), "widget_bar": isinstance(bar, notebook_tqdm)}))
'''


def test_sliders_redraw_and_progress_bars_are_widgets_under_colabs_ipywidgets(install: dict, colab: Colab):
    nb, error, _ = execute(colab, [SLIDERS_AND_BARS])
    assert error is None, error
    cell = nb.cells[0]
    facts = json.loads(printed(cell).strip().splitlines()[-1])
    assert facts["ipywidgets"] == stack_pins()["ipywidgets"]
    assert facts["redrawn"] and facts["z"] == [2.0, 0.0], facts
    assert facts["widget_bar"], "tqdm.auto fell back to text progress bars"
    views = [o for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 2, f"expected the sliders and the bar as widget views, got {mime_types(cell)}"
    assert "IProgress not found" not in printed(cell)


@pytest.fixture(scope="module")
def chapter_runs(install: dict, colab: Colab) -> dict[str, tuple[nbformat.NotebookNode, str | None, float]]:
    runs = {}
    for name in FULL_CHAPTERS:
        cells = [c.source for c in nbformat.read(ROOT / "book" / name, as_version=4).cells if c.cell_type == "code"]
        runs[name] = execute(colab, cells)
    return runs


@pytest.mark.parametrize("name", FULL_CHAPTERS)
def test_chapter_runs_to_the_end_on_colabs_stack(name: str, chapter_runs: dict, capsys: pytest.CaptureFixture):
    nb, error, seconds = chapter_runs[name]
    with capsys.disabled():
        print(f"\n{name} on Colab's stack: {seconds:.1f} s")
    assert error is None, f"{name} failed on Colab's stack:\n{error}"
    assert not nb.cells[0].outputs, "the setup cell must do nothing once vaebook is installed"
    text = "\n".join(printed(c) for c in nb.cells)
    assert "IProgress not found" not in text and "Error displaying widget" not in text


def test_chapter_5_shows_its_progress_bars_and_sliders_as_widgets(chapter_runs: dict):
    nb, error, _ = chapter_runs["05_keras_vae.ipynb"]
    assert error is None, error
    views = [c for c in nb.cells if WIDGET_VIEW in mime_types(c)]
    sources = [c.source for c in views]
    assert any("TqdmCallback" in s for s in sources), "chapter 5's training shows no widget progress bar"
    assert any("latent_sliders(" in s for s in sources), "chapter 5's sliders are not a widget"


@pytest.fixture(scope="module")
def imports_run(install: dict, colab: Colab) -> dict[str, list[nbformat.NotebookNode]]:
    """Every chapter's setup and imports cells, in one kernel where vaebook is installed."""
    sources = []
    for notebook in chapters():
        cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        sources += cells[:2]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Colab's stack", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=True,
                   resources={"metadata": {"path": str(colab.workdir)}}).execute()
    return {notebook.name: nb.cells[2 * i: 2 * i + 2] for i, notebook in enumerate(chapters())}


@pytest.mark.parametrize("notebook", chapters(), ids=[nb.name for nb in chapters()])
def test_setup_and_imports_cells_run_on_colabs_stack(notebook: Path, imports_run: dict):
    setup, imports = imports_run[notebook.name]
    assert not setup.outputs, f"the setup cell printed or installed although vaebook is importable: {setup.outputs}"
    errors = [f"{o.ename}: {o.evalue}" for o in imports.outputs if o.output_type == "error"]
    assert not errors, f"{notebook.name}: the imports cell fails on Colab's stack: {errors}"
