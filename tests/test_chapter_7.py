"""Chapter 7 shows the companion's β-VAE code: the chapter's copies and vaebook's are twins."""

from __future__ import annotations

import pytest

from tests.notebooks import BOOK, assert_twin
from vaebook import beta, metrics

CHAPTER = BOOK / "07_beta_vae.ipynb"


@pytest.mark.parametrize(
    "obj",
    [
        beta.beta_vae_loss,
        beta.warmup_loss,
        beta.free_bits_loss,
        beta.capacity_loss,
        metrics.mutual_information_gap,
    ],
    ids=lambda obj: obj.__name__,
)
def test_chapter_7_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)
