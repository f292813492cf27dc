"""Chapter 7 shows the companion's β-VAE code: the chapter's copies and vaebook's are twins."""

from __future__ import annotations

import pytest

from tests.notebooks import BOOK, assert_twin, code_cells
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
        beta.code_information,
    ],
    ids=lambda obj: obj.__name__,
)
def test_chapter_7_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)


def test_the_seed_study_trains_with_the_chapters_recipe():
    """`make seeds` (studies/beta_seeds.py) extends the chapter's seeds: same recipe."""
    from studies import beta_seeds

    constants: dict = {}
    exec("import numpy as np\n" + code_cells(CHAPTER)[2], constants)
    assert beta_seeds.EPOCHS == constants["SHAPES_EPOCHS"]
    assert beta_seeds.LATENT_DIM == constants["SHAPES_LATENT_DIM"]
    assert beta_seeds.BATCH_SIZE == constants["BATCH_SIZE"]
    assert beta_seeds.LEARNING_RATE == constants["SHAPES_LEARNING_RATE"]
    assert beta_seeds.MIG_BINS == constants["MIG_BINS"]
