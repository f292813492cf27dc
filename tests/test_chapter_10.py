"""Chapter 10 shows the companion's latent-diffusion code: the chapter's copies and
vaebook's are twins."""

from __future__ import annotations

import pytest

from tests.notebooks import BOOK, assert_twin
from vaebook import latent_diffusion

CHAPTER = BOOK / "10_latent_diffusion.ipynb"


@pytest.mark.parametrize(
    "obj",
    [
        latent_diffusion.KLAutoencoder,
        latent_diffusion.scale_factor,
        latent_diffusion.time_features,
        latent_diffusion.Denoiser,
        latent_diffusion.flow_noise,
        latent_diffusion.flow_matching_loss,
        latent_diffusion.flow_sample,
        latent_diffusion.ddpm_noise,
        latent_diffusion.ddpm_loss,
    ],
    ids=lambda obj: obj.__name__,
)
def test_chapter_10_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)
