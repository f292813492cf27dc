"""The one assertion every bad-input table (tests/test_bad_inputs*.py) makes of its rows.

A row is ``(id, call, exception type, pattern)``; the id starts with ``module.function``
and the pattern with the argument's name (not a test file itself).
"""

from __future__ import annotations

import pytest


def parametrize_rows(cases: list[tuple]):
    """``@parametrize_rows(CASES)``: one test per row, named by the row's id."""
    return pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in cases],
                                   ids=[case[0] for case in cases])


def assert_one_line_naming_the_argument(call, error: type[Exception], message: str) -> None:
    """``call()`` raises ``error`` with one line that matches ``message`` and names the argument."""
    with pytest.raises(error, match=message) as caught:
        call()
    text = str(caught.value)
    assert "\n" not in text
    assert message.split()[0].replace("\\", "") in text  # the argument's name
