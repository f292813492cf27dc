"""Tests for vaebook.widgets: the latent sliders show decode(z) for the z they hold."""

from __future__ import annotations

import io
import subprocess
import sys

import ipywidgets
import matplotlib.image
import numpy as np
import pytest

from vaebook.data import load_mnist
from vaebook.widgets import LatentSliders, latent_sliders, png_bytes

LATENT_DIM = 3
SCALE = 6  # screen pixels per digit pixel, the widget's default


@pytest.fixture(scope="module")
def linear_decoder():
    """A numpy-only decoder from real MNIST: the mean digit plus z_j times the direction
    from the mean towards the mean "0", "1" and "2" (a linear decoder, no training)."""
    images, labels = load_mnist("train", scaled=True, subset=2000)
    x = images.reshape(len(images), -1).astype(np.float64)
    mean = x.mean(axis=0)
    directions = np.stack([x[labels == digit].mean(axis=0) - mean for digit in range(LATENT_DIM)])

    def decode(z: np.ndarray) -> np.ndarray:
        return np.clip(mean + np.asarray(z) @ directions, 0.0, 1.0).reshape(-1, 28, 28)

    test_images, _ = load_mnist("test", scaled=True, subset=5)
    # Codes of five test digits: their least-squares coordinates along the directions.
    gram = directions @ directions.T
    codes = np.linalg.solve(gram, directions @ (test_images.reshape(5, -1) - mean).T).T
    return decode, codes.astype(np.float32)


def shown_image(widget: LatentSliders) -> np.ndarray:
    """The digit the widget displays, read back from its PNG bytes, (28, 28) in [0, 1]."""
    pixels = matplotlib.image.imread(io.BytesIO(widget.image.value), format="png")
    assert pixels.shape == (28 * SCALE, 28 * SCALE)
    blocks = pixels.reshape(28, SCALE, 28, SCALE)
    assert np.ptp(blocks, axis=(1, 3)).max() == 0  # every block is one digit pixel
    return blocks[:, 0, :, 0]


def assert_shows(widget: LatentSliders, decode, z: np.ndarray) -> None:
    expected = decode(np.asarray(z, dtype=np.float32)[None, :])[0]
    # 8-bit PNG: rounding to the nearest of 256 grey levels.
    np.testing.assert_allclose(shown_image(widget), expected, atol=0.5 / 255 + 1e-6)


def test_widget_is_core_ipywidgets_with_one_slider_per_dimension(linear_decoder):
    decode, codes = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM, start_codes=codes)
    assert isinstance(widget, ipywidgets.VBox)
    assert len(widget.sliders) == LATENT_DIM
    assert all(isinstance(s, ipywidgets.FloatSlider) for s in widget.sliders)
    assert [(s.min, s.max) for s in widget.sliders] == [(-3.0, 3.0)] * LATENT_DIM
    assert isinstance(widget.image, ipywidgets.Image) and widget.image.format == "png"
    np.testing.assert_array_equal(widget.z, np.zeros(LATENT_DIM))
    assert_shows(widget, decode, np.zeros(LATENT_DIM))


def test_moving_a_slider_shows_decode_of_the_new_z(linear_decoder):
    decode, _ = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM)
    before = widget.image.value
    widget.sliders[1].value = 2.25
    widget.sliders[2].value = -1.5
    z = np.array([0.0, 2.25, -1.5])
    np.testing.assert_array_equal(widget.z, z.astype(np.float32))
    assert widget.image.value != before
    assert_shows(widget, decode, z)


def test_random_button_draws_from_the_seeded_prior_into_the_sliders(linear_decoder):
    decode, _ = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM, seed=7)
    expected = np.clip(np.random.default_rng(7).standard_normal((2, LATENT_DIM)), -3, 3)
    widget.random_button.click()
    np.testing.assert_allclose(widget.z, expected[0], rtol=1e-6)
    assert_shows(widget, decode, widget.z)
    widget.random_button.click()  # the next draw of the same generator
    np.testing.assert_allclose(widget.z, expected[1], rtol=1e-6)
    other_seed = latent_sliders(decode, LATENT_DIM, seed=8)
    other_seed.random_button.click()
    assert not np.allclose(other_seed.z, expected[0])


def test_random_draws_are_clipped_to_the_slider_range(linear_decoder):
    decode, _ = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM, limit=0.1, seed=0)
    widget.random_button.click()
    assert np.abs(widget.z).max() <= 0.1 + 1e-7
    assert_shows(widget, decode, widget.z)


def test_reset_button_zeroes_the_code(linear_decoder):
    decode, _ = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM)
    widget.sliders[0].value = 1.0
    widget.reset_button.click()
    np.testing.assert_array_equal(widget.z, np.zeros(LATENT_DIM))
    assert_shows(widget, decode, np.zeros(LATENT_DIM))


def test_start_from_digit_sets_its_code(linear_decoder):
    decode, codes = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM, start_codes=codes)
    widget.digit_picker.value = 3
    widget.digit_button.click()
    expected = np.clip(codes[3], -3, 3)
    np.testing.assert_allclose(widget.z, expected, rtol=1e-6)
    assert_shows(widget, decode, expected)


def test_png_bytes_round_trip():
    images, _ = load_mnist("test", scaled=True, subset=1)
    data = png_bytes(images[0], scale=2)
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    np.testing.assert_allclose(pixels[::2, ::2], images[0], atol=0.5 / 255 + 1e-6)


def test_bad_arguments_raise_one_line_errors(linear_decoder):
    decode, codes = linear_decoder
    with pytest.raises(TypeError, match="decode must be a callable"):
        latent_sliders("decoder", LATENT_DIM)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 0"):
        latent_sliders(decode, 0)
    with pytest.raises(ValueError, match=r"start_codes must have shape \(n, 3\)"):
        latent_sliders(decode, LATENT_DIM, start_codes=codes[:, :2])
    with pytest.raises(ValueError, match="limit must be a positive number"):
        latent_sliders(decode, LATENT_DIM, limit=-1.0)
    with pytest.raises(ValueError, match="decode must map codes of shape"):
        latent_sliders(lambda z: np.zeros((1, 10)), LATENT_DIM)
    with pytest.raises(ValueError, match=r"z must have shape \(3,\)"):
        latent_sliders(decode, LATENT_DIM).set_code(np.zeros(2))
    with pytest.raises(ValueError, match="image must have shape"):
        png_bytes(np.zeros(784))


def test_widgets_never_import_a_framework():
    code = "import sys, vaebook.widgets; print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_buttons_are_as_wide_as_their_labels(linear_decoder):
    """A button's default width cuts "start from digit's mu" short on the page."""
    decode, codes = linear_decoder
    widget = latent_sliders(decode, LATENT_DIM, start_codes=codes)
    buttons = [widget.random_button, widget.reset_button, widget.digit_button]
    assert [b.layout.width for b in buttons] == ["auto"] * 3
