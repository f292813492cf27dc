"""Figures the chapters share: digit grids, latent scatters, learning curves, manifolds.

Numpy arrays in, matplotlib ``Axes`` out. Nothing here imports torch or TensorFlow:
a chapter converts its tensors with ``.numpy()`` (or hands :func:`latent_manifold` a
plain ``decode(z) -> images`` function) and may keep drawing on the returned ``Axes``
(``ax.figure`` is its figure). Every function takes an optional ``ax`` to draw into;
without one it makes a new figure of a sensible size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from vaebook.checks import as_array, check_numpy_decode, check_positive_int

SIDE = 28
"""MNIST digits are ``SIDE x SIDE`` pixels."""

GAP = 0.08
"""Blank space between two tiles of a grid, as a fraction of a tile's width."""

DIGIT_COLORS = plt.get_cmap("tab10").colors
"""Colour of digit ``y`` in every scatter of the book: ``DIGIT_COLORS[y]`` (RGB)."""


def image_grid(
    images: np.ndarray,
    *,
    ncols: int = 10,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Show digits as tiles, row by row: image ``k`` sits in row ``k // ncols``, column
    ``k % ncols``.

    images: shape ``(n, 28, 28)`` or ``(n, 784)``, pixel intensities in [0, 1]
        (0 black, 1 white).
    ncols: tiles per row; the grid has ``ceil(n / ncols)`` rows.
    titles: optional ``n`` short strings, one above each tile (a label, a loss, ...).
    title: title of the whole grid.
    row_labels: optional one label per row, written left of the row (e.g. "noisy",
        "denoised", "clean").
    ax: the ``Axes`` to draw into; a new figure when ``None``.

    Each tile is its own image (``ax.images[k]``) in data coordinates, one unit square
    (less a small gap): without titles tile ``k`` covers ``[col, col + 1] x [row, row + 1]``
    with row 0 at the top; with titles each row is 1.4 units tall, the title above the
    tile. Returns the ``Axes``.
    """
    images = _check_images("images", images)
    n = len(images)
    check_positive_int("ncols", ncols)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if titles is not None:
        titles = _check_strings("titles", titles, n)
    if row_labels is not None:
        row_labels = _check_strings("row_labels", row_labels, nrows)
    # A tile is one unit wide; its cell is taller when a title sits above the tile.
    title_room = 0.4 if titles is not None else 0.0
    cell_height = 1.0 + title_room
    if ax is None:
        scale = min(0.75, 12.0 / ncols)
        _, ax = plt.subplots(
            figsize=(ncols * scale + (1.0 if row_labels else 0.2), nrows * cell_height * scale + 0.5),
            layout="constrained",
        )
    for k, image in enumerate(images):
        row, col = divmod(k, ncols)
        top = row * cell_height + title_room
        _draw_tile(ax, image, left=col, top=top)
        if titles is not None:
            ax.text(col + 0.5, top - 0.05, titles[k], ha="center", va="bottom", fontsize=8)
    ax.set_xlim(0, ncols)
    ax.set_ylim(nrows * cell_height, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks(
            [row * cell_height + title_room + 0.5 for row in range(nrows)], list(row_labels)
        )
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title)
    return ax


def latent_scatter(
    z: np.ndarray,
    labels: np.ndarray | None,
    *,
    title: str | None = None,
    xlabel: str = "$z_1$",
    ylabel: str = "$z_2$",
    ax: Axes | None = None,
) -> Axes:
    """Scatter 2-D codes, one point per digit, coloured by its label.

    z: shape ``(n, 2)``, finite codes (latent units, no physical unit).
    labels: shape ``(n,)``, integers 0..9; digit ``y`` is drawn in ``DIGIT_COLORS[y]``
        and the legend names the digits present. ``None`` draws every point in grey.
    xlabel, ylabel: axis labels (chapter 1 calls its code $\\mathbf{h}$, not $\\mathbf{z}$).
    ax: the ``Axes`` to draw into; a new figure when ``None``.

    The points form one collection, in the order of ``z``. Returns the ``Axes``.
    """
    z = as_array("z", z, "(n, 2)").astype(float)  # a tensor is converted
    if z.ndim != 2 or z.shape[1] != 2 or len(z) == 0:
        raise ValueError(f"z must have shape (n, 2) with n >= 1, got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite, got NaN or infinity")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 5.0), layout="constrained")
    size = 4.0 if len(z) > 2000 else 12.0
    if labels is None:
        ax.scatter(z[:, 0], z[:, 1], s=size, color="0.4", alpha=0.6, linewidths=0)
    else:
        labels = _check_labels("labels", labels, len(z))
        colors = np.asarray(DIGIT_COLORS)[labels]
        ax.scatter(z[:, 0], z[:, 1], s=size, c=colors, alpha=0.6, linewidths=0)
        handles = [
            Line2D([], [], marker="o", linestyle="", color=DIGIT_COLORS[digit], label=str(digit))
            for digit in np.unique(labels)
        ]
        ax.legend(handles=handles, title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def learning_curves(
    history: Mapping[str, Sequence[float]],
    *,
    keys: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str = "nats per image",
    ax: Axes | None = None,
) -> Axes:
    """Plot per-epoch values of a training history, one line per key.

    history: ``{key: [value after epoch 1, value after epoch 2, ...]}``, as returned by
        ``vaebook.training.fit`` (``train_loss``, ``val_loss``, ...) or by Keras
        (``History.history``: ``loss``, ``val_loss``, ...).
    keys: which entries to draw, in order; default every key except ``"seconds"``.
        A key names an entry of ``history`` and also brings its ``train_<key>`` and
        ``val_<key>`` entries when present: ``keys=["loss"]`` draws ``train_loss`` and
        ``val_loss`` of a ``fit`` history, ``loss`` and ``val_loss`` of a Keras one.
        A ``val_`` line is dashed and takes the colour of its training line.
    ylabel: the unit of the values.
    ax: the ``Axes`` to draw into; a new figure when ``None``.

    The x axis counts epochs from 1. Returns the ``Axes``.
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a mapping of lists, got {type(history).__name__}")
    if keys is None:
        keys = [key for key in history if key != "seconds"]
    elif isinstance(keys, str):
        raise TypeError(f"keys must be a list of history keys, got the string {keys!r}")
    drawn: list[str] = []
    for key in keys:
        matches = [name for name in (key, f"train_{key}", f"val_{key}") if name in history]
        if not matches:
            raise ValueError(
                f"keys must name entries of history {sorted(history)}, got {key!r} in {list(keys)}"
            )
        drawn += [name for name in matches if name not in drawn]
    if not drawn:
        raise ValueError(f"keys must name entries of history {sorted(history)}, got {list(keys)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    colors: dict[str, str] = {}
    for key in drawn:
        values = np.asarray(history[key], dtype=float)
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"history[{key!r}] must be a non-empty list of numbers")
        is_val = key.startswith("val_")
        base = key.removeprefix("val_").removeprefix("train_")
        epochs = np.arange(1, len(values) + 1)
        (line,) = ax.plot(
            epochs,
            values,
            linestyle="--" if is_val else "-",
            marker="o",
            markersize=3,
            color=colors.get(base),
            label=key,
        )
        colors.setdefault(base, line.get_color())
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    ax.grid(alpha=0.3)
    if title is not None:
        ax.set_title(title)
    return ax


def normal_quantile_grid(n: int = 15, limit: float = 0.95) -> np.ndarray:
    """Coordinates of an ``n``-point grid axis at standard-Normal quantiles.

    Returns ``Phi^{-1}(p)`` for ``n`` probabilities ``p`` evenly spaced from
    ``1 - limit`` to ``limit`` (shape ``(n,)``, increasing), so each grid step holds the
    same prior mass of a standard-Normal latent dimension.
    """
    check_positive_int("n", n)
    if isinstance(limit, bool) or not isinstance(limit, Real) or not 0.5 < limit < 1.0:
        raise ValueError(f"limit must be a probability in (0.5, 1), got {limit!r}")
    probabilities = np.linspace(1.0 - limit, limit, n) if n > 1 else np.array([0.5])
    return np.array([NormalDist().inv_cdf(p) for p in probabilities])


def latent_manifold(
    decode: Callable[[np.ndarray], np.ndarray],
    *,
    n: int = 15,
    limit: float = 0.95,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Decode an ``n x n`` grid of 2-D codes and tile the images where the codes sit.

    decode: ``decode(z) -> images`` with ``z`` a float32 array of shape ``(n * n, 2)``
        and images of shape ``(n * n, 28, 28)`` or ``(n * n, 784)`` in [0, 1] (for a
        Bernoulli decoder, the pixel probabilities). Called once.
    n: grid points per latent dimension.
    limit: the grid spans the standard-Normal quantiles from ``1 - limit`` to ``limit``
        (see :func:`normal_quantile_grid`), so every tile stands for the same prior mass.
    ax: the ``Axes`` to draw into; a new figure when ``None``.

    Codes are passed in reading order: row ``r`` (top to bottom) has
    ``z_2 = grid[n - 1 - r]`` and column ``c`` has ``z_1 = grid[c]``, so the picture has
    the orientation of :func:`latent_scatter`. Returns the ``Axes``; its tick labels
    give the code values.
    """
    check_numpy_decode("decode", decode)  # a model gets the hint numpy_decoder(model)
    grid = normal_quantile_grid(n, limit)
    z1, z2 = np.meshgrid(grid, grid[::-1])
    codes = np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)
    images = np.asarray(decode(codes))
    if images.shape[0] != n * n:
        raise ValueError(
            f"decode must return one image per code ({n * n}), got shape {images.shape}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 7.0), layout="constrained")
    image_grid(_check_images("decode(z)", images), ncols=n, ax=ax)
    shown = sorted(set(np.linspace(0, n - 1, min(n, 5)).round().astype(int)))  # ends and middle
    ax.set_xticks([c + 0.5 for c in shown], [f"{grid[c]:.1f}" for c in shown])
    ax.set_yticks([r + 0.5 for r in shown], [f"{grid[n - 1 - r]:.1f}" for r in shown])
    ax.tick_params(axis="y", length=3)
    ax.set_xlabel("$z_1$ (standard-Normal quantiles)")
    ax.set_ylabel("$z_2$ (standard-Normal quantiles)")
    if title is not None:
        ax.set_title(title)
    return ax


def _draw_tile(ax: Axes, image: np.ndarray, *, left: float, top: float) -> None:
    half_gap = GAP / 2
    ax.imshow(
        image,
        cmap="gray",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
        extent=(left + half_gap, left + 1 - half_gap, top + 1 - half_gap, top + half_gap),
    )


def _check_images(name: str, images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == SIDE * SIDE:
        images = images.reshape(-1, SIDE, SIDE)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or len(images) == 0:
        raise ValueError(
            f"{name} must have shape (n, 28, 28) or (n, 784) with n >= 1, got {images.shape}"
        )
    if not np.issubdtype(images.dtype, np.number) or np.issubdtype(images.dtype, np.complexfloating):
        raise TypeError(f"{name} must be a real numeric array, got dtype {images.dtype}")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} must hold intensities in [0, 1], got NaN or infinity")
    if images.min() < 0.0 or images.max() > 1.0:
        raise ValueError(
            f"{name} must hold intensities in [0, 1] (divide uint8 pixels by 255), "
            f"got values from {images.min():g} to {images.max():g}"
        )
    return images


def _check_labels(name: str, labels: np.ndarray, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one per code, got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{name} must be integer digits 0..9, got dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"{name} must be integer digits 0..9, got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _check_strings(name: str, values: Sequence[str], n: int) -> list[str]:
    if isinstance(values, str) or len(values) != n:
        raise ValueError(f"{name} must be a list of {n} strings, got {values!r}")
    return [str(value) for value in values]
