"""Tests for vaebook.glue: myst-nb's glue in the book build, nothing visible without myst-nb."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import vaebook.glue


def test_glue_hands_the_value_to_myst_nb_when_it_is_installed(monkeypatch: pytest.MonkeyPatch):
    import myst_nb

    assert vaebook.glue._myst_glue is myst_nb.glue, "in the book build glue must be myst-nb's"
    calls = []
    monkeypatch.setattr(vaebook.glue, "_myst_glue", lambda *args, **kwargs: calls.append((args, kwargs)))
    vaebook.glue.glue("test_nats", 99.43, display=False)
    assert calls == [(("test_nats", 99.43), {"display": False})]


WITHOUT_MYST_NB = """
import sys
sys.modules["myst_nb"] = None  # as on Colab: importing myst_nb raises ImportError
from vaebook.glue import glue
glue("hidden", 1.5, display=False)
glue("shown", 2.5)
"""


def test_glue_without_myst_nb_drops_hidden_values_and_shows_displayed_ones():
    run = subprocess.run([sys.executable, "-c", WITHOUT_MYST_NB], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["2.5"], run.stdout  # IPython's display prints the repr outside a kernel
    assert run.stderr == ""


@pytest.mark.parametrize("name", ["", None, 3])
def test_glue_refuses_a_name_that_is_not_a_non_empty_string(name):
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        vaebook.glue.glue(name, 1.0, display=False)


@pytest.mark.parametrize(
    "value", [np.float32(1.6795559), np.float64(0.1058), np.array(2.5), torch.tensor(3.25), np.int64(7)]
)
def test_glue_hands_numpy_and_torch_scalars_on_as_python_numbers(monkeypatch: pytest.MonkeyPatch, value):
    calls = []
    monkeypatch.setattr(vaebook.glue, "_myst_glue", lambda name, value, **kwargs: calls.append(value))
    vaebook.glue.glue("test_nats", value, display=False)
    (handed,) = calls
    assert type(handed) in (float, int)
    float(repr(handed))  # myst-nb's {glue:text}`name:.2f` parses the text/plain repr


@pytest.mark.parametrize("value", [float("nan"), np.float32("inf"), torch.tensor(float("nan"))])
def test_glue_refuses_a_value_that_is_not_finite(value):
    with pytest.raises(ValueError, match="value for 'test_nats' must be finite"):
        vaebook.glue.glue("test_nats", value, display=False)
