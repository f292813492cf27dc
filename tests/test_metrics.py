"""The Mutual Information Gap on codes whose answer is known, and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import special_ortho_group

from vaebook.metrics import discretize, mutual_information_gap

N = 20_000
LEVELS = (3, 6, 8, 10, 10)  # values per factor, like the shapes' five factors


@pytest.fixture(scope="module")
def factors():
    rng = np.random.default_rng(0)
    return np.stack([rng.integers(0, k, N) for k in LEVELS], axis=1)


def standardized(factors):
    return (factors - factors.mean(0)) / factors.std(0)


def test_the_factors_themselves_score_one(factors):
    result = mutual_information_gap(factors.astype(float), factors)
    assert result.score == pytest.approx(1.0, abs=0.005)
    np.testing.assert_allclose(result.per_factor, 1.0, atol=0.005)
    np.testing.assert_allclose(np.diag(result.mutual_information), result.entropy)
    np.testing.assert_allclose(result.entropy, np.log(LEVELS), rtol=0.01)  # nats


def test_factors_plus_a_little_noise_and_unused_latents_score_high(factors):
    rng = np.random.default_rng(1)
    codes = standardized(factors) + 0.01 * rng.standard_normal(factors.shape)
    codes = np.concatenate([codes, rng.standard_normal((N, 5))], axis=1)  # 5 unused
    assert mutual_information_gap(codes, factors).score > 0.95


def test_a_random_rotation_of_the_factors_scores_low(factors):
    rotation = special_ortho_group.rvs(5, random_state=2)
    codes = standardized(factors) @ rotation
    assert mutual_information_gap(codes, factors).score < 0.2


def test_pure_noise_scores_about_zero(factors):
    codes = np.random.default_rng(3).standard_normal((N, 10))
    result = mutual_information_gap(codes, factors)
    assert result.score < 0.02
    assert result.mutual_information.max() < 0.02


def test_one_latent_mixing_two_factors_scores_low_for_both(factors):
    # z_0 = v_3 + v_4: neither factor can be read off it, and nothing else carries them.
    codes = np.random.default_rng(4).standard_normal((N, 4)) * 0.01
    codes[:, 0] = factors[:, 3] + factors[:, 4]
    result = mutual_information_gap(codes, factors)
    assert result.per_factor[3] < 0.4 and result.per_factor[4] < 0.4
    assert result.score < 0.2


def test_a_factor_copied_into_two_latents_has_no_gap(factors):
    codes = standardized(factors)
    codes = np.concatenate([codes, codes[:, :1]], axis=1)  # shape in z_0 and z_5
    result = mutual_information_gap(codes, factors)
    assert result.per_factor[0] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(result.per_factor[1:], 1.0, atol=0.005)


def test_discretize_uses_equal_width_bins_over_each_column():
    codes = np.array([[0.0, 5.0], [0.49, 5.0], [0.51, 6.0], [1.0, 7.0]])
    binned = discretize(codes, bins=2)
    np.testing.assert_array_equal(binned, [[0, 0], [0, 0], [1, 1], [1, 1]])


TWO_VALUES = np.arange(20).reshape(10, 2) // 2 % 2  # two valid factors, 10 images


@pytest.mark.parametrize(
    "codes, factors, bins, name",
    [
        (np.zeros((10, 3)), np.zeros((9, 2), int), 20, "codes and factors"),
        (np.zeros((10, 3)), TWO_VALUES, 1, "bins"),
        (np.zeros((10, 3)), TWO_VALUES, 2.5, "bins"),
        (np.zeros(10), TWO_VALUES, 20, "codes"),
        (np.zeros((10, 3)), np.zeros(10, int), 20, "factors"),
        (np.full((10, 3), np.nan), TWO_VALUES, 20, "codes"),
        (np.zeros((10, 3)), TWO_VALUES * 1.0, 20, "factors"),
        (np.zeros((10, 1)), TWO_VALUES, 20, "codes"),
    ],
)
def test_bad_input_raises_a_one_line_error_naming_the_argument(codes, factors, bins, name):
    with pytest.raises(ValueError, match=f"^{name} must") as info:
        mutual_information_gap(codes, factors, bins=bins)
    assert "\n" not in str(info.value)


def test_a_constant_factor_is_refused():
    factors = np.zeros((10, 2), int)
    factors[::2, 0] = 1
    with pytest.raises(ValueError, match="^factors must each take at least two values"):
        mutual_information_gap(np.random.default_rng(0).standard_normal((10, 3)), factors)
