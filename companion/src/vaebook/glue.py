"""Numbers for the prose: ``glue`` that works in the book, in Colab and in plain Jupyter.

The rendered book fills ``{glue:text}`` roles in the chapters' prose with values the
chapter computed; that needs myst-nb's ``glue``, which only the book build installs
(it brings Sphinx with it). Everywhere else (Colab, a plain Jupyter) this ``glue`` does
nothing visible, so a chapter runs unchanged without the documentation toolchain.
"""

from __future__ import annotations

import math
from typing import Any

try:  # the book build: myst-nb records the value in the cell's output for the prose
    from myst_nb import glue as _myst_glue
except ImportError:  # Colab or a plain Jupyter: no prose to fill in
    _myst_glue = None


def glue(name: str, value: Any, display: bool = True) -> None:
    """Hand ``value`` to the prose under ``name`` (myst-nb's ``glue``, when it is installed).

    name: the key a ``{glue:text}`` role in the chapter's markdown refers to.
    display: also show the value in the cell's output (myst-nb's meaning). Without
    myst-nb a displayed value is shown with IPython's ``display``; a hidden one is dropped.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"value for {name!r} must be finite, got {value}")
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
    elif display:
        from IPython.display import display as show

        show(value)


def _plain(value: Any) -> Any:
    """A numpy or torch scalar (0-d) as the Python number it holds.

    myst-nb formats ``{glue:text}`name:.2f``` by parsing the value's text; numpy 2 writes
    a numpy scalar as ``np.float32(1.68)``, which does not parse, so a number computed
    with numpy would reach the prose only as a build warning.
    """
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):
        return value.item()
    return value
