"""Chapters 2-4 (the ELBO, the KL term, the reparameterization trick): twins and structure.

The chapters' numerical claims are asserted inside the executed notebooks themselves; these
tests keep the code the chapters show identical to the companion's. (Structure, Colab cell
and citations are checked for every chapter by tests/test_notebooks.py.)
"""

import pytest

from tests.notebooks import BOOK, assert_twin, code_cells
from vaebook import elbo, linear_gaussian

ELBO_CHAPTER = BOOK / "02_elbo.ipynb"
KL_CHAPTER = BOOK / "03_kl_term.ipynb"
REPARAMETERIZATION_CHAPTER = BOOK / "04_reparameterization.ipynb"
CHAPTERS = [ELBO_CHAPTER, KL_CHAPTER, REPARAMETERIZATION_CHAPTER]


def test_chapter_2_shows_the_companion_ppca_fit_and_estimators():
    assert_twin(ELBO_CHAPTER, linear_gaussian.fit_ppca)
    assert_twin(ELBO_CHAPTER, elbo.log_normal_diag)
    assert_twin(ELBO_CHAPTER, elbo.iwae_log_likelihood)


def test_chapter_3_shows_the_companion_kl():
    assert_twin(KL_CHAPTER, elbo.kl_diag_gaussian)


def test_chapter_4_shows_the_companion_sampler():
    assert_twin(REPARAMETERIZATION_CHAPTER, elbo.reparameterize)


def test_chapter_4_shows_the_companion_keras_sampling_layer():
    vaebook_keras = pytest.importorskip("vaebook.keras")
    assert_twin(REPARAMETERIZATION_CHAPTER, vaebook_keras.Sampling)


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_checks_its_claims_and_glues_its_numbers(notebook):
    source = "\n".join(code_cells(notebook))
    assert source.count("assert") >= 5, "every equation needs an executed check"
    assert "glue(" in source
