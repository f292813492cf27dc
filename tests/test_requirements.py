"""The pip route (requirements.txt) and the conda route (environment.yml) install the same pins."""

from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_pins() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def conda_pip_section() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    assert len(sections) == 1, "environment.yml needs exactly one pip: section"
    return sections[0]


def test_environment_yml_installs_the_same_pins_as_requirements_txt():
    conda = [entry for entry in conda_pip_section() if not entry.startswith("-e ")]
    assert conda == pip_pins()


def test_both_routes_install_the_companion_editable():
    assert "-e ./companion" in conda_pip_section()
    assert "-e ./companion" in (ROOT / "Makefile").read_text()


def test_environment_yml_uses_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_every_pin_is_exact_and_torch_is_the_local_cpu_build():
    pins = pip_pins()
    assert all("==" in pin for pin in pins), [p for p in pins if "==" not in p]
    assert "torch==2.13.0" in pins
    assert any(p.startswith("jupyter-book==1.") for p in pins)


def test_companion_keeps_loose_ranges_and_frameworks_in_extras():
    project = tomllib.loads((ROOT / "companion" / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    assert "==" not in core
    for framework in ("torch", "tensorflow", "keras"):
        assert framework not in core, f"{framework} must stay an extra, not a core dependency"
    assert set(project["optional-dependencies"]) >= {"torch", "keras"}
