"""The bibliography's labels, as sphinxcontrib-bibtex makes them (pybtex's alpha style):
authors' initials (a "von" part kept in lower case: vdO for van den Oord) or one name's first
three letters, then a two-digit year, for every entry of book/references.bib. A LaTeX accent braced at the start of a name ({\\'A}lvarez) turns
the label into whole names ("SerraAlvarezGomez+20"); write such names in UTF-8."""

from __future__ import annotations

import re
from pathlib import Path

import pybtex.database
from pybtex.plugin import find_plugin

BIB = Path(__file__).resolve().parents[1] / "book" / "references.bib"
LABEL = re.compile(r"(?:[a-z]{0,3}[A-Z]){1,4}\+?\d{2}[a-z]?|[A-Z][a-z]{2}\d{2}[a-z]?")


def labels(bib_text: str) -> dict[str, str]:
    """{citation key: the label the bibliography shows} for a .bib text."""
    data = pybtex.database.parse_string(bib_text, bib_format="bibtex")
    style = find_plugin("pybtex.style.formatting", "alpha")()
    return {entry.key: entry.label for entry in style.format_bibliography(data)}


def odd_labels(bib_text: str) -> dict[str, str]:
    return {key: label for key, label in labels(bib_text).items() if not LABEL.fullmatch(label)}


def test_every_label_is_initials_and_a_year():
    assert odd_labels(BIB.read_text(encoding="utf-8")) == {}


def test_the_check_catches_a_braced_accent_at_the_start_of_a_name():
    entry = r"""@inproceedings{serra2020input,
  title  = {Input Complexity},
  author = {Serr{\`a}, Joan and {\'A}lvarez, David and G{\'o}mez, Vicen{\c{c}} and
            Slizovskaia, Olga and N{\'u}{\~n}ez, Jos{\'e} F. and Luque, Jordi},
  booktitle = {ICLR},
  year   = {2020}
}"""
    assert odd_labels(entry) == {"serra2020input": "SerraAlvarezGomez+20"}
    assert odd_labels(entry.replace(r"{\'A}lvarez", "Álvarez").replace(r"Serr{\`a}", "Serrà")
                      .replace(r"G{\'o}mez", "Gómez")) == {}
