"""Latent sliders: move a code z by hand and watch the decoder's digit change.

Built on core ipywidgets only (sliders, buttons, a dropdown and an ``Image``), with the
API that ipywidgets 7.7 and 8 share, so the widget works in JupyterLab, Notebook and
Colab (which ships ipywidgets 7.7.1) without an extension, and its saved state renders
in the static book. It takes a plain ``decode(z) -> images`` function
(numpy in, numpy out) and never imports torch or TensorFlow::

    from vaebook.torch import numpy_decoder
    latent_sliders(numpy_decoder(model), latent_dim=2, start_codes=mu_test[:10])
"""

from __future__ import annotations

import io
from collections.abc import Callable
from numbers import Real

import ipywidgets as widgets
import numpy as np
import PIL.Image

from vaebook.checks import check_finite, check_numpy_decode, check_positive_int, check_unit_interval

SIDE = 28
"""MNIST digits are ``SIDE x SIDE`` pixels."""

Decode = Callable[[np.ndarray], np.ndarray]
"""``decode(z) -> images``: codes ``(n, latent_dim)`` to pixel intensities in [0, 1],
shape ``(n, 28, 28)`` or ``(n, 784)``."""


class LatentSliders(widgets.VBox):
    """One slider per latent dimension, the decoded digit, and three buttons.

    ``sliders[j]`` holds z_j in [-limit, limit]; ``image`` shows ``decode(z)`` as a PNG
    (``scale`` screen pixels per digit pixel). ``random_button`` draws z from the prior
    N(0, I) with ``numpy.random.default_rng(seed)`` (clipped to the sliders' range),
    ``reset_button`` sets z = 0, and ``digit_button`` starts from the code
    ``start_codes[digit_picker.value]`` (e.g. the encoder's mu of a test digit).
    """

    def __init__(
        self,
        decode: Decode,
        latent_dim: int,
        *,
        start_codes: np.ndarray | None = None,
        limit: float = 3.0,
        seed: int = 0,
        scale: int = 6,
    ) -> None:
        check_numpy_decode("decode", decode)  # a model gets the hint numpy_decoder(model)
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("scale", scale)
        if isinstance(limit, bool) or not isinstance(limit, Real) or not limit > 0:
            raise ValueError(f"limit must be a positive number, got {limit!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
        if start_codes is not None:
            start_codes = np.asarray(start_codes, dtype=np.float32)
            if start_codes.ndim != 2 or start_codes.shape[1] != latent_dim or not len(start_codes):
                raise ValueError(
                    f"start_codes must have shape (n, {latent_dim}) with n >= 1, "
                    f"got {start_codes.shape}"
                )
            check_finite("start_codes", start_codes)
        super().__init__()
        self.decode = decode
        self.latent_dim = latent_dim
        self.limit = float(limit)
        self.scale = scale
        self.start_codes = start_codes
        self.rng = np.random.default_rng(seed)
        self._holding = False  # True while several sliders move as one update

        self.sliders = [
            widgets.FloatSlider(
                value=0.0, min=-self.limit, max=self.limit, step=0.01,
                description=f"z{j + 1}", continuous_update=True, readout_format=".2f",
                layout=widgets.Layout(width="320px"),
            )
            for j in range(latent_dim)
        ]
        self.image = widgets.Image(format="png", width=SIDE * scale, height=SIDE * scale)
        # in a row beside many sliders the image would stretch to their height: keep it square
        self.image.layout.align_self = "flex-start"
        # width "auto": a button's default width (ipywidgets 7 and 8) cuts longer labels short
        fit_label = {"layout": widgets.Layout(width="auto")}
        self.random_button = widgets.Button(description="random z ~ N(0, I)", **fit_label)
        self.reset_button = widgets.Button(description="reset z = 0", **fit_label)
        self.random_button.on_click(lambda _: self.set_code(self._draw_prior()))
        self.reset_button.on_click(lambda _: self.set_code(np.zeros(latent_dim, np.float32)))
        buttons = [self.random_button, self.reset_button]
        if start_codes is not None:
            self.digit_picker = widgets.Dropdown(
                options=[(f"digit #{i}", i) for i in range(len(start_codes))],
                value=0, description="start from", layout=widgets.Layout(width="200px"),
            )
            self.digit_button = widgets.Button(description="start from digit's mu", **fit_label)
            self.digit_button.on_click(
                lambda _: self.set_code(self.start_codes[self.digit_picker.value])
            )
            buttons += [self.digit_picker, self.digit_button]
        for slider in self.sliders:
            slider.observe(self._on_slider, names="value")
        self._check_decode()
        self.redraw()
        self.children = [
            widgets.HBox([widgets.VBox(self.sliders), self.image]),
            widgets.HBox(buttons),
        ]

    @property
    def z(self) -> np.ndarray:
        """The code the sliders show, float32 array of shape (latent_dim,)."""
        return np.array([slider.value for slider in self.sliders], dtype=np.float32)

    def set_code(self, z: np.ndarray) -> None:
        """Move every slider to ``z`` (shape (latent_dim,), clipped to ±limit), redraw once."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        check_finite("z", z)
        z = np.clip(z, -self.limit, self.limit)
        if z.shape != (self.latent_dim,):
            raise ValueError(f"z must have shape ({self.latent_dim},), got {z.shape}")
        self._holding = True
        try:
            for slider, value in zip(self.sliders, z):
                slider.value = float(value)
        finally:
            self._holding = False
        self.redraw()

    def redraw(self) -> None:
        """Decode the current z and show it."""
        image = np.asarray(self.decode(self.z[None, :]), dtype=np.float32).reshape(SIDE, SIDE)
        self.image.value = png_bytes(image, scale=self.scale)

    def _on_slider(self, _change: dict) -> None:
        if not self._holding:
            self.redraw()

    def _draw_prior(self) -> np.ndarray:
        return self.rng.standard_normal(self.latent_dim)

    def _check_decode(self) -> None:
        images = np.asarray(self.decode(np.zeros((1, self.latent_dim), np.float32)))
        if images.size != SIDE * SIDE:
            raise ValueError(
                f"decode must map codes of shape (1, {self.latent_dim}) to one 28 x 28 image, "
                f"got an output of shape {images.shape}"
            )
        low, high = float(np.min(images)), float(np.max(images))
        if not (0.0 <= low and high <= 1.0):  # NaN fails both
            raise ValueError(
                f"decode must return pixel intensities in [0, 1], got values from {low:g} to "
                f"{high:g} (a decoder of logits? apply a sigmoid, as numpy_decoder does)"
            )


def latent_sliders(
    decode: Decode,
    latent_dim: int,
    *,
    start_codes: np.ndarray | None = None,
    limit: float = 3.0,
    seed: int = 0,
) -> LatentSliders:
    """An interactive view of ``decode``: one slider per latent dimension, the digit it
    decodes to, and buttons for a random z from the prior, z = 0, and a chosen digit's code.

    decode: ``decode(z) -> images`` for codes of shape (n, latent_dim); images in [0, 1].
    start_codes: optional codes (n, latent_dim) to start from, e.g. test digits' mu.
    limit: each slider spans [-limit, limit]. seed: seeds the random-z button.
    Returns a :class:`LatentSliders` (an ``ipywidgets.VBox``); display it as the
    last expression of a cell.
    """
    return LatentSliders(decode, latent_dim, start_codes=start_codes, limit=limit, seed=seed)


def png_bytes(image: np.ndarray, *, scale: int = 1) -> bytes:
    """Encode a grey image (h, w) in [0, 1] as 8-bit PNG bytes (Pillow), each pixel a
    ``scale x scale`` block (0 black, 1 white)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must have shape (height, width), got {image.shape}")
    check_finite("image", image)
    check_unit_interval("image", image)  # 0..255 would come out as a white picture
    check_positive_int("scale", scale)
    pixels = np.round(image * 255).astype(np.uint8)
    pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, format="PNG")  # 2-D uint8: greyscale ("L")
    return buffer.getvalue()
