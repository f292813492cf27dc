"""The procedural shapes of chapter 7: a full grid of five known factors, binary and repeatable."""

from __future__ import annotations

import time

import numpy as np
import pytest

from vaebook.shapes import FACTOR_NAMES, SHAPE_NAMES, SIDE, load_shapes, sprite

SMALL = dict(scales=3, orientations=4, positions=5)


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


def index_of(data, **factor_indices):
    """Row of the image whose factor indices are ``factor_indices`` (others 0)."""
    wanted = np.array([factor_indices.get(name, 0) for name in FACTOR_NAMES])
    rows = np.flatnonzero((data.factors == wanted).all(axis=1))
    assert len(rows) == 1
    return int(rows[0])


def test_grid_has_every_combination_once_with_the_default_counts(shapes):
    counts = {name: len(shapes.values[name]) for name in FACTOR_NAMES}
    assert counts == {"shape": 3, "scale": 6, "orientation": 16, "x": 16, "y": 16}
    n = int(np.prod(list(counts.values())))
    assert shapes.images.shape == (n, SIDE, SIDE) and shapes.factors.shape == (n, 5)
    assert len(np.unique(shapes.factors, axis=0)) == n
    for k, name in enumerate(FACTOR_NAMES):
        assert sorted(np.unique(shapes.factors[:, k])) == list(range(counts[name]))
    assert list(shapes.values["shape"]) == list(SHAPE_NAMES)


def test_pixels_are_binary_and_every_sprite_is_inside_the_image(shapes):
    assert shapes.images.dtype == np.float32
    assert set(np.unique(shapes.images)) == {0.0, 1.0}
    assert (shapes.images.sum(axis=(1, 2)) >= 5).all()
    # No sprite touches the border: it was not cut off.
    border = shapes.images[:, [0, -1], :].sum() + shapes.images[:, :, [0, -1]].sum()
    assert border == 0


def test_moving_x_or_y_shifts_the_pixels_and_changes_nothing_else(shapes):
    for shape in range(3):
        a = shapes.images[index_of(shapes, shape=shape, scale=5, orientation=3, x=4, y=7)]
        b = shapes.images[index_of(shapes, shape=shape, scale=5, orientation=3, x=5, y=7)]
        c = shapes.images[index_of(shapes, shape=shape, scale=5, orientation=3, x=4, y=8)]
        dx = shapes.values["x"][5] - shapes.values["x"][4]
        dy = shapes.values["y"][8] - shapes.values["y"][7]
        assert dx >= 1 and dy >= 1
        np.testing.assert_array_equal(np.roll(a, dx, axis=1), b)
        np.testing.assert_array_equal(np.roll(a, dy, axis=0), c)


def test_scale_grows_the_sprite_and_keeps_its_centre(shapes):
    for shape in range(3):
        small = shapes.images[index_of(shapes, shape=shape, scale=0, x=8, y=8)]
        large = shapes.images[index_of(shapes, shape=shape, scale=5, x=8, y=8)]
        assert large.sum() > 2.5 * small.sum()
        assert (large >= small).mean() > 0.99  # the small sprite sits inside the large one
        centre = [np.argwhere(im).mean(axis=0) for im in (small, large)]
        assert np.abs(centre[0] - centre[1]).max() < 1.0


def test_a_square_turned_by_90_degrees_looks_the_same_an_ellipse_does_not():
    square, ellipse = sprite("square", 1.0, 0.0), sprite("ellipse", 1.0, 0.0)
    assert (square != sprite("square", 1.0, np.pi / 2)).mean() < 0.02
    assert (ellipse != sprite("ellipse", 1.0, np.pi / 2)).mean() > 0.1
    # Turning by an angle that is not a symmetry of the square changes it.
    assert (square != sprite("square", 1.0, np.pi / 4)).mean() > 0.05
    # The ellipse turned by half a turn is itself again.
    assert (ellipse != sprite("ellipse", 1.0, np.pi)).mean() < 0.02


def test_orientation_and_shape_change_the_picture_but_not_its_place(shapes):
    base = shapes.images[index_of(shapes, shape=2, scale=5, orientation=0, x=8, y=8)]
    turned = shapes.images[index_of(shapes, shape=2, scale=5, orientation=4, x=8, y=8)]
    other = shapes.images[index_of(shapes, shape=1, scale=5, orientation=0, x=8, y=8)]
    for image in (turned, other):
        assert (image != base).sum() > 5
        centre = [np.argwhere(im).mean(axis=0) for im in (base, image)]
        assert np.abs(centre[0] - centre[1]).max() < 1.5


def test_same_arrays_every_call_and_generated_in_seconds():
    start = time.process_time()
    first = load_shapes()
    seconds = time.process_time() - start
    second = load_shapes()
    np.testing.assert_array_equal(first.images, second.images)
    np.testing.assert_array_equal(first.factors, second.factors)
    assert seconds < 5.0, seconds


def test_counts_are_arguments():
    small = load_shapes(**SMALL)
    assert small.images.shape == (3 * 3 * 4 * 5 * 5, SIDE, SIDE)
    assert [len(small.values[n]) for n in FACTOR_NAMES] == [3, 3, 4, 5, 5]


@pytest.mark.parametrize(
    "kwargs, name",
    [({"scales": 0}, "scales"), ({"orientations": 2.5}, "orientations"),
     ({"positions": 0}, "positions"), ({"positions": 17}, "positions")],
)
def test_bad_counts_raise_one_line_errors_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must") as info:
        load_shapes(**kwargs)
    assert "\n" not in str(info.value)


def test_unknown_shape_is_refused_by_name():
    with pytest.raises(ValueError, match="^shape must be one of"):
        sprite("star", 1.0, 0.0)


def test_symmetric_sprites_repeat_images_so_the_entropy_is_below_log_n(shapes):
    # Chapter 7 computes H from the image frequencies: squares repeat every quarter turn
    # and ellipses every half turn, so 41,472 of the 73,728 images are distinct.
    packed = np.packbits(shapes.images.astype(bool).reshape(len(shapes.images), -1), axis=1)
    _, counts = np.unique(packed, axis=0, return_counts=True)
    assert len(counts) == 41_472
    p = counts / counts.sum()
    assert -(p * np.log(p)).sum() < np.log(len(shapes.images)) - 0.5
