"""What `_toc.yml` and `_config.yml` say about the book (helpers for tests, not a test file).

Tests that must cover every page or every chapter take the list from here, so a
chapter added to `_toc.yml` is checked without touching any test.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def config(root: Path = ROOT) -> dict:
    """The book's `_config.yml`."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def _entries(node: dict | list) -> list[str]:
    """Every `file:` below one `_toc.yml` node, in reading order."""
    items = node if isinstance(node, list) else [node]
    found: list[str] = []
    for item in items:
        if "file" in item:
            found.append(str(item["file"]))
        for key in ("parts", "chapters", "sections"):
            if key in item:
                found.extend(_entries(item[key]))
    return found


def toc_documents(root: Path = ROOT) -> list[str]:
    """Every page of the book as a path without suffix (`book/intro`, ...), root first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    documents = [str(toc["root"])] + _entries({k: v for k, v in toc.items() if k != "root"})
    return [d.removesuffix(".md").removesuffix(".ipynb") for d in documents]


def numbered_documents(root: Path = ROOT) -> list[str]:
    """The pages of `_toc.yml`'s numbered parts (`numbered:` true or a depth), in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    parts = toc.get("parts", [toc])
    found = [d for part in parts if part.get("numbered") or part.get("options", {}).get("numbered")
             for d in _entries(part.get("chapters", []))]
    return [d.removesuffix(".md").removesuffix(".ipynb") for d in found]


def source_of(document: str, root: Path = ROOT) -> Path:
    """The source file of a toc entry (`.md` or `.ipynb`); fails if there is none."""
    for suffix in (".ipynb", ".md"):
        path = root / f"{document}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml lists {document!r}, but neither .ipynb nor .md exists")


def toc_chapters() -> list[Path]:
    """The notebooks that `_toc.yml` lists, in reading order."""
    paths = [ROOT / f"{d}.ipynb" for d in toc_documents()]
    return [p for p in paths if p.exists()]


def colab_url(notebook: Path, root: Path = ROOT) -> str:
    """Where Colab opens `notebook` from: the repository in `_config.yml`, its branch, its path."""
    repository = config(root)["repository"]
    prefix = "https://github.com/"
    if not repository["url"].startswith(prefix):
        raise ValueError(f"repository.url must start with {prefix}, got {repository['url']!r}")
    org_repo = repository["url"].removeprefix(prefix).rstrip("/")
    path = notebook.resolve().relative_to(root.resolve()).as_posix()
    return f"https://colab.research.google.com/github/{org_repo}/blob/{repository['branch']}/{path}"
