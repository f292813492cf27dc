"""Chapter 9 shows the companion's VQ-VAE code: the chapter's copies and vaebook.vq's are
twins."""

from __future__ import annotations

import pytest

from tests.notebooks import BOOK, assert_twin
from vaebook import vq

CHAPTER = BOOK / "09_vq_vae.ipynb"


@pytest.mark.parametrize(
    "obj",
    [
        vq.nearest_code,
        vq.straight_through,
        vq.vq_terms,
        vq.code_perplexity,
        vq.VQVAE,
        vq.vqvae_loss,
        vq.CodePrior,
        vq.prior_loss,
        vq.sample_codes,
    ],
    ids=lambda obj: obj.__name__,
)
def test_chapter_9_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)
