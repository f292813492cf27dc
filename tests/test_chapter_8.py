"""Chapter 8 shows the companion's conditional-VAE and anomaly code: the chapter's copies and
vaebook's are twins."""

from __future__ import annotations

import pytest

from tests.notebooks import BOOK, assert_twin
from vaebook import anomaly, conditional

CHAPTER = BOOK / "08_conditional_and_anomaly.ipynb"


@pytest.mark.parametrize(
    "obj",
    [
        conditional.pack_labels,
        conditional.ConditionalVAE,
        conditional.cvae_loss,
        conditional.FixedLabel,
        conditional.estimate_log_px_given_y,
        anomaly.anomaly_roc,
        anomaly.png_code_length,
        anomaly.complexity_corrected,
    ],
    ids=lambda obj: obj.__name__,
)
def test_chapter_8_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)
