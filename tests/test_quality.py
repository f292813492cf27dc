"""vaebook.quality: the digit classifier reads real digits, and the Fréchet distance is the
closed form of two Gaussians."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaebook import quality
from vaebook.data import load_mnist


@pytest.fixture(scope="module")
def small_classifier():
    """A classifier trained on 12,000 digits for two epochs (a few seconds)."""
    torch.set_num_threads(1)
    images, labels = load_mnist("train", scaled=True, subset=12000)
    return quality.train_digit_classifier(images, labels, epochs=2, progress=False)


def reference_fid(a: np.ndarray, b: np.ndarray) -> float:
    """The FID formula with scipy's general matrix square root (an independent route)."""
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    # Data whose sample mean and covariance are exactly m and diag(s^2): +-s around m.
    m_a, s_a = np.array([0.0, 1.0, -2.0]), np.array([1.0, 2.0, 0.5])
    m_b, s_b = np.array([1.0, 1.0, 0.0]), np.array([3.0, 1.0, 0.5])
    signs = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float)  # orthogonal columns
    scale = np.sqrt(4 / 3)  # 4 rows of (+-s / scale)^2, divided by N - 1 = 3, give s^2
    a, b = m_a + signs * s_a / scale, m_b + signs * s_b / scale
    expected = ((m_a - m_b) ** 2).sum() + ((s_a - s_b) ** 2).sum()  # (1 + 0 + 4) + (4 + 1 + 0)
    assert quality.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(10.0)


def test_frechet_distance_agrees_with_scipy_on_correlated_features():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6)) + 0.5
    assert quality.frechet_distance(a, b) == pytest.approx(reference_fid(a, b), rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(-3, 3))
def test_frechet_distance_is_symmetric_non_negative_and_zero_on_itself(seed, shift):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(60, 4)) * 2 + shift
    d = quality.frechet_distance(a, b)
    assert d >= 0 and d == pytest.approx(quality.frechet_distance(b, a), rel=1e-6, abs=1e-9)
    assert quality.frechet_distance(a, a) == pytest.approx(0, abs=1e-8)


def test_frechet_distance_grows_with_the_shift_of_the_mean():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(300, 3))
    distances = [quality.frechet_distance(a, a + shift) for shift in (0.0, 1.0, 2.0)]
    assert distances == pytest.approx([0, 3, 12], abs=1e-8)  # |shift|^2 summed over 3 axes


def test_the_classifier_reads_real_digits_grey_and_binarized(small_classifier):
    grey, labels = load_mnist("test", scaled=True, subset=2000)
    binary, _ = load_mnist("test", binarize=True, seed=3, subset=2000)
    for images in (grey, binary, grey.reshape(-1, 28, 28)):
        read, confidence = quality.read_digits(small_classifier, images)
        assert read.shape == confidence.shape == (2000,)
        assert (read == labels).mean() > 0.85  # chance is 0.1; the full training set gives 0.98
        assert ((confidence > 0.1) & (confidence <= 1)).all()


def test_training_is_repeatable_with_a_seed():
    torch.set_num_threads(1)
    images, labels = load_mnist("train", scaled=True, subset=512)
    one, two = (quality.train_digit_classifier(images, labels, epochs=1, seed=5, progress=False)
                for _ in range(2))
    for p, q in zip(one.parameters(), two.parameters()):
        assert torch.equal(p, q)


def test_sample_quality_tells_real_digits_from_blur_and_noise(small_classifier):
    test, _ = load_mnist("test", scaled=True, subset=2000)
    reference = quality.classifier_features(small_classifier, test[:1000])
    assert reference.shape == (1000, quality.FEATURES) and reference.dtype == np.float64
    real = quality.sample_quality(small_classifier, test[1000:], reference)
    padded = np.pad(test[1000:].reshape(-1, 28, 28), ((0, 0), (1, 1), (1, 1)))
    blurred = sum(padded[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9
    blur = quality.sample_quality(small_classifier, blurred.astype(np.float32), reference)
    noise = quality.sample_quality(
        small_classifier, np.random.default_rng(0).random((1000, 784), dtype=np.float32), reference)
    assert sum(real["class_counts"]) == 1000
    assert real["class_entropy"] > 2.2 and real["class_entropy"] <= np.log(10) + 1e-12
    assert real["fid"] < blur["fid"] < noise["fid"]
    assert real["confidence"] > blur["confidence"]
    assert noise["class_entropy"] < 1.5  # noise is read as one or two digits


def test_one_class_has_zero_class_entropy(small_classifier):
    test, labels = load_mnist("test", scaled=True, subset=2000)
    reference = quality.classifier_features(small_classifier, test)
    read, _ = quality.read_digits(small_classifier, test)
    ones = test[(labels == 1) & (read == 1)]
    assert quality.sample_quality(small_classifier, ones, reference)["class_entropy"] == 0.0
