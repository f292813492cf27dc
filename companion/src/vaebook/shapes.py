"""Shapes whose factors we know: a procedural, dSprites-like data set (chapter 7).

``load_shapes()`` draws every combination of five factors on a full grid, one binary
28 x 28 image each (the size of an MNIST digit, so the book's models, plots and
sliders take them unchanged):

- shape: square, ellipse, heart;
- scale: the sprite's size;
- orientation: its angle, in [0, 2 pi);
- x and y: the pixel its centre sits on.

Each sprite is rendered once per (shape, scale, orientation) by testing every pixel
centre against the shape's inside, rotated and scaled, then pasted at every position:
moving x by one step shifts the image by exactly one pixel. Nothing is downloaded and
nothing is random: every call returns the same arrays, in well under a second.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vaebook.checks import check_finite_number, check_positive_int

SIDE = 28
"""Images are ``SIDE x SIDE`` pixels, like MNIST digits."""

FACTOR_NAMES = ("shape", "scale", "orientation", "x", "y")
"""The five factors, in the order of the columns of ``Shapes.factors``."""

SHAPE_NAMES = ("square", "ellipse", "heart")
"""Values of the shape factor, in index order."""

SPRITE_RADIUS = 6
"""Half-width of the patch a sprite is drawn in: the largest sprite fits in 13 x 13."""


class Shapes(NamedTuple):
    """The data set: ``images`` (N, 28, 28) float32 in {0, 1}; ``factors`` (N, 5) int64
    indices into ``values``, columns in ``FACTOR_NAMES`` order; ``values`` the factor
    values of each index (shape names; scales as a fraction of the largest sprite;
    angles in radians; x and y in pixels from the left and top edge)."""

    images: np.ndarray
    factors: np.ndarray
    values: dict[str, np.ndarray]


def _inside(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether points (u, v) of the sprite's own frame (radius about 1) lie inside it."""
    if shape == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.72
    if shape == "ellipse":
        return (u / 1.0) ** 2 + (v / 0.5) ** 2 <= 1.0
    # heart: (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, scaled to a radius of about 1, point up
    x, y = u * 1.15, -v * 1.15 + 0.15
    return (x**2 + y**2 - 1.0) ** 3 - x**2 * y**3 <= 0.0


def sprite(shape: str, scale: float, angle: float) -> np.ndarray:
    """One sprite on a (2 * SPRITE_RADIUS + 1)-pixel square patch, centred on its middle
    pixel: bool array, True inside the shape. ``scale`` in (0, 1] (1 is the largest),
    ``angle`` in radians (counter-clockwise on the screen)."""
    if shape not in SHAPE_NAMES:
        raise ValueError(f"shape must be one of {SHAPE_NAMES}, got {shape!r}")
    scale = check_finite_number("scale", scale)
    if not 0 < scale <= 1:
        raise ValueError(
            f"scale must be in (0, 1], a fraction of the largest sprite (not pixels), got {scale!r}"
        )
    angle = check_finite_number("angle", angle)
    offsets = np.arange(-SPRITE_RADIUS, SPRITE_RADIUS + 1, dtype=np.float64)
    rows, cols = np.meshgrid(offsets, offsets, indexing="ij")
    radius = scale * (SPRITE_RADIUS - 0.8)  # the outermost ring of the patch stays empty
    # Screen x to the right, y up; rotate the pixel back by -angle into the sprite's frame.
    x, y = cols / radius, -rows / radius
    cos, sin = np.cos(angle), np.sin(angle)
    return _inside(shape, cos * x + sin * y, -sin * x + cos * y)


def load_shapes(
    *, scales: int = 6, orientations: int = 16, positions: int = 16
) -> Shapes:
    """Every combination of 3 shapes x ``scales`` x ``orientations`` x ``positions``
    x ``positions`` (x and y), one binary 28 x 28 image each, in C order of the factors.

    Scales run from 0.5 to 1 of the largest sprite; orientations are evenly spaced in
    [0, 2 pi); positions put the sprite's centre on ``positions`` evenly spaced pixels
    from 6 to 21, so every sprite stays inside the image. Deterministic.
    """
    for name, value in (("scales", scales), ("orientations", orientations)):
        check_positive_int(name, value)
    check_positive_int("positions", positions)
    last = SIDE - 1 - SPRITE_RADIUS
    if positions > last - SPRITE_RADIUS + 1:
        raise ValueError(
            f"positions must be at most {last - SPRITE_RADIUS + 1} (one per pixel), "
            f"got {positions}"
        )
    values = {
        "shape": np.array(SHAPE_NAMES),
        "scale": np.linspace(0.5, 1.0, scales) if scales > 1 else np.ones(1),
        "orientation": np.arange(orientations) * (2 * np.pi / orientations),
        "x": np.linspace(SPRITE_RADIUS, last, positions).round().astype(np.int64),
        "y": np.linspace(SPRITE_RADIUS, last, positions).round().astype(np.int64),
    }
    sizes = [len(values[name]) for name in FACTOR_NAMES]
    patches = np.array(
        [
            [[sprite(shape, s, a) for a in values["orientation"]] for s in values["scale"]]
            for shape in SHAPE_NAMES
        ]
    )  # (shapes, scales, orientations, 13, 13)
    width = 2 * SPRITE_RADIUS + 1
    images = np.zeros((*sizes, SIDE, SIDE), dtype=np.float32)
    for i, y in enumerate(values["y"]):
        for j, x in enumerate(values["x"]):
            top, left = y - SPRITE_RADIUS, x - SPRITE_RADIUS
            images[:, :, :, j, i, top : top + width, left : left + width] = patches
    factors = np.stack(
        np.meshgrid(*[np.arange(n) for n in sizes], indexing="ij"), axis=-1
    ).reshape(-1, len(sizes))
    return Shapes(images.reshape(-1, SIDE, SIDE), factors.astype(np.int64), values)


__all__ = ["SIDE", "FACTOR_NAMES", "SHAPE_NAMES", "Shapes", "sprite", "load_shapes"]
