"""Bad inputs to vaebook.beta's information estimate: one line that names the argument
(issue 23's rule; the coverage test walks every public name). The module's other
functions have their rows in tests/test_bad_inputs.py."""

from __future__ import annotations

import numpy as np

from tests.bad_input_rows import assert_one_line_naming_the_argument, parametrize_rows
from vaebook import beta

mu = np.zeros((20, 2))
log_var = np.zeros((20, 2))

CASES = [
    ("beta.code_information NaN mu", lambda: beta.code_information(np.full((20, 2), np.nan), log_var),
     ValueError, "mu must be finite"),
    ("beta.code_information inf log_var", lambda: beta.code_information(mu, np.full((20, 2), np.inf)),
     ValueError, "log_var must be finite"),
    ("beta.code_information 1-D mu", lambda: beta.code_information(np.zeros(20), log_var), ValueError,
     r"mu must have shape \(N, latents\)"),
    ("beta.code_information transposed", lambda: beta.code_information(mu.T, log_var.T), ValueError,
     r"mu must have shape \(N, latents\) with one row per data point"),
    ("beta.code_information shapes", lambda: beta.code_information(mu, np.zeros((20, 3))), ValueError,
     "mu and log_var must have the same shape"),
    ("beta.code_information string", lambda: beta.code_information("mu", log_var), TypeError,
     "mu must be an array of numbers"),
    ("beta.code_information queries 0", lambda: beta.code_information(mu, log_var, queries=0), ValueError,
     "queries must be a positive integer"),
    ("beta.code_information queries float", lambda: beta.code_information(mu, log_var, queries=2.5),
     ValueError, "queries must be a positive integer"),
    ("beta.code_information seed -1", lambda: beta.code_information(mu, log_var, seed=-1), ValueError,
     "seed must be a non-negative integer"),
]


def test_the_table_covers_the_module():
    assert len({case[0] for case in CASES}) == len(CASES)


@parametrize_rows(CASES)
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    assert_one_line_naming_the_argument(call, error, message)
