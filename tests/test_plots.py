"""vaebook.plots draws what it is given, where the docstrings say, and rejects bad input."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from scipy.stats import norm  # noqa: E402

from vaebook import plots  # noqa: E402
from vaebook.data import load_mnist  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    """The first 30 real test digits in [0, 1] and their labels."""
    return load_mnist("test", scaled=True, subset=30)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def tile_position(image):
    """(row, col) of the tile an AxesImage covers, from its extent."""
    left, _, _, top = image.get_extent()
    return int(np.floor(top)), int(np.floor(left))


# image_grid ---------------------------------------------------------------------------


def test_image_grid_puts_each_digit_in_its_row_and_column(digits):
    images, _ = digits
    ax = plots.image_grid(images[:12], ncols=5, title="twelve digits")
    assert len(ax.images) == 12
    for k, tile in enumerate(ax.images):
        np.testing.assert_array_equal(tile.get_array(), images[k])
        assert tile_position(tile) == divmod(k, 5)
    assert ax.get_title() == "twelve digits"
    # 12 tiles in rows of 5 make 3 rows; the view shows exactly the grid.
    assert ax.get_xlim() == (0.0, 5.0)
    assert ax.get_ylim() == (3.0, 0.0)


def test_image_grid_accepts_flat_images(digits):
    images, _ = digits
    ax = plots.image_grid(images[:4].reshape(4, 784), ncols=4)
    for k, tile in enumerate(ax.images):
        np.testing.assert_array_equal(tile.get_array(), images[k])


def test_image_grid_titles_sit_above_their_tiles(digits):
    images, labels = digits
    titles = [f"label {y}" for y in labels[:6]]
    ax = plots.image_grid(images[:6], ncols=3, titles=titles, row_labels=["first", "second"])
    assert [text.get_text() for text in ax.texts] == titles
    for text, tile in zip(ax.texts, ax.images):
        left, right, bottom, top = tile.get_extent()
        x, y = text.get_position()
        assert left < x < right and y < top  # centred over the tile, above it (y points down)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["first", "second"]


def test_image_grid_draws_into_a_given_axes(digits):
    images, _ = digits
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.image_grid(images[:3], ax=right) is right
    assert len(right.images) == 3 and len(left.images) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": np.zeros((5, 27, 28))}, "images must have shape"),
        ({"images": np.zeros((0, 28, 28))}, "images must have shape"),
        ({"images": np.full((2, 28, 28), 255.0)}, "images must hold intensities in \\[0, 1\\]"),
        ({"images": np.full((2, 28, 28), np.nan)}, "images must hold intensities"),
        ({"ncols": 0}, "ncols must be a positive integer"),
        ({"titles": ["only one"]}, "titles must be a list of 3 strings"),
        ({"row_labels": ["a", "b"]}, "row_labels must be a list of 1 strings"),
    ],
)
def test_image_grid_rejects_bad_input(digits, kwargs, message):
    arguments = {"images": digits[0][:3], **kwargs}
    with pytest.raises(ValueError, match=message):
        plots.image_grid(**arguments)


def test_image_grid_rejects_raw_uint8_pixels():
    raw, _ = load_mnist("test", subset=2)
    with pytest.raises(ValueError, match="divide uint8 pixels by 255"):
        plots.image_grid(raw)


# latent_scatter -----------------------------------------------------------------------


def test_latent_scatter_draws_one_point_per_code_in_its_digit_colour(digits):
    images, labels = digits
    # Real 2-D codes of real digits: mean ink in the top and bottom halves of each digit.
    z = np.stack([images[:, :14].mean(axis=(1, 2)), images[:, 14:].mean(axis=(1, 2))], axis=1)
    ax = plots.latent_scatter(z, labels, title="codes")
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), z)
    expected = [to_rgba(plots.DIGIT_COLORS[y], alpha=0.6) for y in labels]
    np.testing.assert_allclose(points.get_facecolors(), expected)
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [str(y) for y in np.unique(labels)]
    assert ax.get_xlabel() == "$z_1$" and ax.get_ylabel() == "$z_2$"
    assert ax.get_title() == "codes"


def test_latent_scatter_without_labels_and_with_own_axis_names(digits):
    z = digits[0][:, 10, 10:12].astype(float)
    ax = plots.latent_scatter(z, None, xlabel="$h_1$", ylabel="$h_2$")
    assert len(ax.collections[0].get_offsets()) == len(z)
    assert ax.get_legend() is None
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$h_1$", "$h_2$")


@pytest.mark.parametrize(
    ("z", "labels", "error", "message"),
    [
        (np.zeros((4, 3)), np.arange(4), ValueError, "z must have shape \\(n, 2\\)"),
        (np.full((4, 2), np.inf), np.arange(4), ValueError, "z must be finite"),
        (np.zeros((4, 2)), np.arange(3), ValueError, "labels must have shape \\(4,\\)"),
        (np.zeros((4, 2)), np.array([0, 1, 2, 10]), ValueError, "labels must be integer digits"),
        (np.zeros((4, 2)), np.zeros(4), TypeError, "labels must be integer digits"),
    ],
)
def test_latent_scatter_rejects_bad_input(z, labels, error, message):
    with pytest.raises(error, match=message):
        plots.latent_scatter(z, labels)


# learning_curves ----------------------------------------------------------------------

HISTORY = {
    "train_loss": [180.5, 150.25, 140.0],
    "val_loss": [160.0, 148.0, 145.5],
    "train_kl": [20.0, 22.0, 23.0],
    "seconds": [1.5, 1.4, 1.4],
}


def test_learning_curves_draws_one_line_per_key_with_its_values():
    ax = plots.learning_curves(HISTORY, title="MLP autoencoder")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["train_loss", "val_loss", "train_kl"]  # "seconds" is not a loss
    for key, line in lines.items():
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(line.get_ydata(), HISTORY[key])
    # Validation is dashed in the colour of its training curve.
    assert lines["val_loss"].get_linestyle() == "--"
    assert lines["train_loss"].get_linestyle() == "-"
    assert lines["val_loss"].get_color() == lines["train_loss"].get_color()
    assert lines["train_kl"].get_color() != lines["train_loss"].get_color()
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "nats per image"
    assert ax.get_title() == "MLP autoencoder"


def test_learning_curves_key_brings_its_train_and_val_entries():
    ax = plots.learning_curves(HISTORY, keys=["loss"])
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train_loss", "val_loss"]
    np.testing.assert_array_equal(lines[1].get_ydata(), HISTORY["val_loss"])
    keras_history = {"loss": [3.0, 2.0], "val_loss": [3.5, 2.5], "kl": [0.1, 0.2]}
    ax = plots.learning_curves(keras_history, keys=["loss", "val_loss", "kl"])
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss", "kl"]


def test_learning_curves_draws_only_the_chosen_keys_keras_style():
    keras_history = {"loss": [3.0, 2.0], "val_loss": [3.5, 2.5], "kl": [0.1, 0.2]}
    ax = plots.learning_curves(keras_history, keys=["loss", "val_loss"], ylabel="nats")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    assert lines[0].get_color() == lines[1].get_color()
    assert ax.get_ylabel() == "nats"


@pytest.mark.parametrize(
    ("history", "keys", "error", "message"),
    [
        (HISTORY, ["test_loss"], ValueError, "keys must name entries of history"),
        (HISTORY, [], ValueError, "keys must name entries of history"),
        (HISTORY, "train_loss", TypeError, "keys must be a list"),
        ([1.0, 2.0], None, TypeError, "history must be a mapping"),
        ({"train_loss": []}, None, ValueError, "history\\['train_loss'\\] must be a non-empty"),
    ],
)
def test_learning_curves_rejects_bad_input(history, keys, error, message):
    with pytest.raises(error, match=message):
        plots.learning_curves(history, keys=keys)


# latent_manifold ----------------------------------------------------------------------


def test_normal_quantile_grid_is_the_inverse_normal_cdf():
    expected = norm.ppf(np.linspace(0.05, 0.95, 15))
    np.testing.assert_allclose(plots.normal_quantile_grid(15, 0.95), expected, atol=1e-12)
    np.testing.assert_allclose(plots.normal_quantile_grid(1, 0.95), [0.0])


def test_latent_manifold_decodes_codes_at_normal_quantiles_in_reading_order(digits):
    images, _ = digits
    n = 5
    calls = []

    def decode(z):
        calls.append(z)
        return images[: len(z)]  # code k -> real digit k, so every tile can be traced

    ax = plots.latent_manifold(decode, n=n, limit=0.9, title="decoded grid")
    (z,) = calls
    grid = norm.ppf(np.linspace(0.1, 0.9, n))
    assert z.shape == (n * n, 2) and z.dtype == np.float32
    for k in range(n * n):
        row, col = divmod(k, n)
        np.testing.assert_allclose(z[k], [grid[col], grid[n - 1 - row]], rtol=1e-6)
        tile = ax.images[k]
        assert tile_position(tile) == (row, col)
        np.testing.assert_array_equal(tile.get_array(), images[k])
    # The middle tick sits on the middle column and reads z_1 = 0.0.
    tick_texts = [label.get_text() for label in ax.get_xticklabels()]
    assert "0.0" in tick_texts or "-0.0" in tick_texts
    assert "z_1" in ax.get_xlabel() and "z_2" in ax.get_ylabel()
    assert ax.get_title() == "decoded grid"


@pytest.mark.parametrize(
    ("decode", "kwargs", "error", "message"),
    [
        ("not a function", {}, TypeError, "decode must be a callable"),
        (lambda z: np.zeros((len(z), 28, 28)), {"limit": 1.0}, ValueError, "limit must be"),
        (lambda z: np.zeros((len(z), 28, 28)), {"limit": 0.3}, ValueError, "limit must be"),
        (lambda z: np.zeros((len(z), 28, 28)), {"n": 0}, ValueError, "n must be a positive"),
        (lambda z: np.zeros((3, 28, 28)), {}, ValueError, "decode must return one image per code"),
        (lambda z: np.full((len(z), 784), 2.0), {}, ValueError, "decode\\(z\\) must hold"),
    ],
)
def test_latent_manifold_rejects_bad_input(decode, kwargs, error, message):
    with pytest.raises(error, match=message):
        plots.latent_manifold(decode, **kwargs)


def test_plots_never_import_a_deep_learning_framework():
    code = (
        "import sys, vaebook.plots; "
        "assert not {'torch', 'tensorflow', 'keras'} & set(sys.modules), 'framework imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
