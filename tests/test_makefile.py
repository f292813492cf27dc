"""The README's two commands on a fresh machine: what make would run, without running it.

`make -n` prints the plan (every recipe line, in order) and executes none of it, so the
plan can be read with a PATH that lacks npm, as on a machine without Node.js.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
# What the Makefile's targets read; copied so the plan does not depend on this checkout's
# state (an existing .venv or book/_vendor would drop steps from it).
INPUTS = ["Makefile", "requirements.txt", "companion/pyproject.toml", "vendor/package.json",
          "vendor/package-lock.json"]

pytestmark = pytest.mark.skipif(MAKE is None, reason="needs GNU make")


def plan(tmp_path: Path, target: str, path: str, *variables: str) -> list[str]:
    """The recipe lines ``make -n target`` prints in a fresh copy, with PATH set to ``path``."""
    tree = tmp_path / "repo"
    for name in INPUTS:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tree / name)
    # Under `make test` the parent make's flags and variables would reach this make too.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        [MAKE, "-n", target, "CHROMIUM=/nonexistent/chromium", *variables],
        cwd=tree, env={**env, "PATH": path}, capture_output=True, text=True, check=True,
    )
    return result.stdout.splitlines()


def first(lines: list[str], *words: str) -> int:
    """Index of the first line containing all ``words``, or -1."""
    return next((i for i, line in enumerate(lines) if all(w in line for w in words)), -1)


@pytest.mark.parametrize("target", ["vendor", "book", "test"])
def test_without_npm_on_the_path_debian_nodejs_and_npm_are_installed_before_npm_ci(
    tmp_path: Path, target: str
):
    no_node = tmp_path / "empty-bin"  # a PATH with no npm and no node on it
    no_node.mkdir()
    lines = plan(tmp_path, target, str(no_node))
    npm_ci = first(lines, "npm ci")
    install = first(lines, "apt-get install", "nodejs", "npm")
    assert npm_ci >= 0, lines
    assert 0 <= install < npm_ci, f"make {target} calls npm without installing it first:\n" + (
        "\n".join(lines)
    )


def test_with_npm_on_the_path_nothing_is_installed(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\nexit 0\n")
    npm.chmod(0o755)
    lines = plan(tmp_path, "vendor", str(bin_dir))
    assert first(lines, "npm ci") >= 0
    assert first(lines, "apt-get") == -1, lines


def test_the_browser_step_installs_debian_chromium_when_it_is_missing(tmp_path: Path):
    lines = plan(tmp_path, "browser", "/nonexistent")
    assert 0 <= first(lines, "apt-get install", "chromium") < first(lines, "test_browser.py")


def fake_python(tmp_path: Path, has_ensurepip: bool) -> Path:
    """A ``python3`` that answers ``-c 'import ensurepip'`` as Debian's does with or without
    python3-venv (the module ships in python3.11-venv)."""
    python = tmp_path / ("python-venv" if has_ensurepip else "python-bare")
    python.write_text(f"#!/bin/sh\nexit {0 if has_ensurepip else 1}\n")
    python.chmod(0o755)
    return python


@pytest.mark.parametrize("has_ensurepip", [False, True])
def test_python3_venv_is_installed_only_when_python_cannot_make_a_venv(
    tmp_path: Path, has_ensurepip: bool
):
    python = fake_python(tmp_path, has_ensurepip)
    lines = plan(tmp_path, "venv", os.environ["PATH"], f"PYTHON={python}")
    make_venv = first(lines, "-m venv")
    install = first(lines, "apt-get install", "python3-venv")
    assert make_venv >= 0, lines
    if has_ensurepip:
        assert install == -1, lines
    else:
        assert 0 <= install < make_venv, lines


def test_nbmake_allows_each_cell_the_seconds_the_book_build_allows():
    """A slow CPU must not fail CI's notebooks on a cell that `make book` would finish."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    found = re.findall(r"--nbmake-timeout=(\d+)", (ROOT / "Makefile").read_text())
    assert found == [str(config["execute"]["timeout"])], found
