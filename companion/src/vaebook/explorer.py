"""A latent explorer that runs in the reader's browser: no kernel, no server, no CDN.

:func:`latent_explorer` exports a trained MLP decoder into one self-contained HTML
fragment: the weights, a forward pass in plain JavaScript on ``Float32Array``s, a
``<canvas>`` for the digit and one ``<input type="range">`` per latent dimension. The
weights are base64 text: small layers in float16; large ones as 8- to 10-bit integers
with one scale per output unit (rounded with GPTQ's error feedback, the extra bits
where the pixels are most sensitive, as many as ``max_bytes`` allows), deflated and
unpacked by the browser's ``DecompressionStream``. For d = 2 it adds the latent plane:
the test codes as a coloured scatter, and the digit decoded under the mouse (or finger).
The fragment works in the static book page and as a notebook output (JupyterLab,
Notebook 7, VS Code, Colab), because it is plain HTML with one inline script that finds
its own elements by a unique id. Unlike :mod:`vaebook.widgets`, it needs no Python
behind the page, but only fits MLP decoders; the ipywidgets sliders take any decoder.

The module imports numpy and the standard library only; ``vaebook.torch`` and
``vaebook.keras`` each hand over a decoder's weights with ``decoder_layers(model)``::

    from vaebook.torch import decoder_layers
    latent_explorer(decoder_layers(model), latent_dim=2, start_codes=mu_test[:10],
                    codes=mu_test, labels=y_test)
"""

from __future__ import annotations

import base64
import json
import secrets
import struct
import zlib
from collections.abc import Sequence
from numbers import Real

import numpy as np

from vaebook.checks import check_codes_matrix, check_positive_int

SIDE = 28
"""MNIST digits are ``SIDE x SIDE`` pixels; the decoder's last layer has SIDE**2 units."""

ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")
"""Activations the JavaScript forward pass knows; the last layer must be ``"linear"``."""

ACTIVE_VARIANCE = 0.01
"""A latent dimension j is *active* when Var(mu_j) over the given codes is at least this
(the criterion of Burda et al., 2016); inactive ones sit behind a toggle."""

HALF_PRECISION_WEIGHTS = 20_000
"""Layers with at most this many weights are embedded in float16, larger ones as
8- to 10-bit integers."""

PLANE_SIZE = 256
"""Side of the d = 2 latent plane, in screen pixels."""

# tab10, as matplotlib's DIGIT_COLORS in vaebook.plots (not imported: no matplotlib here).
DIGIT_COLORS = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)

Layer = tuple[np.ndarray, np.ndarray, str]
"""One dense layer ``(W, b, activation)``: h_out = activation(h_in @ W + b), W of shape
(inputs, outputs) (a Keras ``Dense`` kernel; torch's ``Linear.weight`` transposed)."""


class LatentExplorer:
    """The HTML of one explorer (``html``) and the decoder it embeds.

    Displayed as the last expression of a notebook cell (``_repr_html_``). ``decode(z)``
    runs the embedded, quantized weights in numpy, the same arithmetic as the page's
    JavaScript; ``nbytes`` is the size of the HTML in bytes (UTF-8).
    """

    def __init__(self, html: str, layers: list[Layer], element_id: str) -> None:
        for name, value in (("html", html), ("element_id", element_id)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str (latent_explorer builds it), got {type(value).__name__}")
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
            raise TypeError(f"layers must be a non-empty list of (W, b, activation), got {type(layers).__name__}")
        self.html = html
        self.layers = layers
        self.element_id = element_id

    @property
    def nbytes(self) -> int:
        return len(self.html.encode("utf-8"))

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Pixel probabilities of the embedded decoder: z (n, d) -> float32 (n, 28, 28).

        z must be finite codes of shape (n, d); (d, n) is refused as transposed."""
        h = _check_codes("z", z, self.layers[0][0].shape[0])
        for weights, bias, activation in self.layers:
            h = _activate(h @ weights + bias, activation)
        return _activate(h, "sigmoid").astype(np.float32).reshape(-1, SIDE, SIDE)

    def _repr_html_(self) -> str:
        return self.html


def latent_explorer(
    layers: Sequence[Layer],
    *,
    latent_dim: int,
    start_codes: np.ndarray | None = None,
    codes: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    limit: float = 3.0,
    seed: int = 0,
    scale: int = 6,
    max_bytes: int = 500_000,
) -> LatentExplorer:
    """An explorer of an MLP decoder that runs in the browser, as one HTML fragment.

    layers: the decoder as ``[(W, b, activation), ...]`` (see :data:`Layer`), from
        ``vaebook.torch.decoder_layers`` or ``vaebook.keras.decoder_layers``; W of the
        first layer has ``latent_dim`` rows, the last layer outputs 784 logits
        (activation ``"linear"``) and the page shows sigmoid(logits).
    start_codes: optional codes (n, latent_dim), e.g. mu of a few test digits; a
        dropdown and a button start from one of them.
    codes, labels: optional codes (N, latent_dim) of many digits (the test set's mu) and
        their digits 0..9. For d = 2 they are the latent plane's background; for any d
        the sliders are ordered by Var(codes[:, j]), inactive dimensions (variance below
        :data:`ACTIVE_VARIANCE`) behind a toggle.
    limit: each slider (and the plane) spans [-limit, limit].
    seed: seeds the page's random-z button (z ~ N(0, I), clipped to the range).
    scale: screen pixels per digit pixel.
    max_bytes: the most HTML the explorer may add to a page. The large layers get the
        finest integers (8, 9 or 10 bits per weight) that keep it within this size.
    Returns a :class:`LatentExplorer`; show it as the last expression of a cell.
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("scale", scale)
    check_positive_int("max_bytes", max_bytes)
    if isinstance(limit, bool) or not isinstance(limit, Real) or not 0 < limit < 1e6:
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    checked = _check_layers(layers, latent_dim)
    if start_codes is not None:
        start_codes = _check_codes("start_codes", start_codes, latent_dim)
    if codes is not None:
        codes = _check_codes("codes", codes, latent_dim)
    if labels is not None:
        if codes is None:
            raise ValueError("labels needs codes: pass codes of the same digits")
        labels = np.asarray(labels)
        if labels.shape != (len(codes),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be integers of shape ({len(codes)},), got {labels.dtype} "
                f"{labels.shape}"
            )
        if labels.min() < 0 or labels.max() > 9:
            raise ValueError(f"labels must be digits 0..9, got {labels.min()}..{labels.max()}")

    element_id = "vaebook-explorer-" + secrets.token_hex(6)
    # The plane's two sliders keep their order (z1 across, z2 up); more are ordered.
    order, active = _slider_order(codes if latent_dim > 2 else None, latent_dim)
    config = {
        "id": element_id,
        "latentDim": latent_dim,
        "limit": float(limit),
        "seed": seed & 0xFFFFFFFF,
        "scale": scale,
        "side": SIDE,
        "layers": [],
        "startCodes": None if start_codes is None else np.round(start_codes, 4).tolist(),
        "plane": latent_dim == 2,
        "planeSize": PLANE_SIZE,
    }
    background = None
    if latent_dim == 2:
        background = _scatter_png(codes, labels, float(limit), PLANE_SIZE)

    def render() -> str:
        return _render(config, order, active, background, labels is not None)

    # Everything but the integer weights; then as many extra bits as still fit.
    calibration = _calibration_codes(codes, latent_dim, float(limit))
    quantized, config["layers"] = _quantize(checked, calibration, None)
    rest = len(render().encode("utf-8"))
    extra = _allocate_bits(checked, calibration, max_bytes - rest)
    quantized, config["layers"] = _quantize(checked, calibration, extra)
    html = render()
    if len(html.encode("utf-8")) > max_bytes:
        raise ValueError(
            f"max_bytes: this decoder needs {len(html.encode('utf-8')):,} bytes of HTML even at "
            f"8 bits per weight, more than max_bytes = {max_bytes:,}"
        )
    return LatentExplorer(html, quantized, element_id)


def _activate(h: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(h, 0.0)
    if activation == "tanh":
        return np.tanh(h)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * h))  # = 1 / (1 + e^-h), without overflow
    return h


def _check_layers(layers: object, latent_dim: int) -> list[Layer]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(
            "layers must be a non-empty list of (W, b, activation) of an MLP decoder "
            f"(e.g. vaebook.torch.decoder_layers(model)), got {type(layers).__name__}"
        )
    checked = []
    inputs = latent_dim
    for k, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            raise TypeError(f"layers[{k}] must be a tuple (W, b, activation), got {layer!r:.60}")
        weights, bias, activation = layer
        try:
            weights = np.asarray(weights, dtype=np.float32)
            bias = np.asarray(bias, dtype=np.float32)
        except (TypeError, ValueError):
            raise TypeError(f"layers[{k}]: W and b must be numeric arrays") from None
        if weights.ndim != 2:
            raise ValueError(f"layers[{k}]: W must be 2-D (inputs, outputs), got {weights.shape}")
        if weights.shape[0] != inputs:
            what = "latent_dim" if k == 0 else f"the {inputs} outputs of layers[{k - 1}]"
            raise ValueError(
                f"layers[{k}]: W has {weights.shape[0]} input rows, expected {inputs} "
                f"({what}); W has shape (inputs, outputs)"
            )
        if bias.shape != (weights.shape[1],):
            raise ValueError(
                f"layers[{k}]: b must have shape ({weights.shape[1]},) to match W "
                f"{weights.shape}, got {bias.shape}"
            )
        if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(bias))):
            raise ValueError(f"layers[{k}]: W and b must be finite, got NaN or infinity")
        if activation not in ACTIVATIONS:
            raise ValueError(f"layers[{k}]: activation must be one of {ACTIVATIONS}, got {activation!r}")
        checked.append((weights, bias, activation))
        inputs = weights.shape[1]
    if inputs != SIDE * SIDE:
        raise ValueError(f"layers[-1] must output {SIDE * SIDE} logits (28 x 28), got {inputs}")
    if checked[-1][2] != "linear":
        raise ValueError(
            f"layers[-1] must output logits (activation 'linear'), got {checked[-1][2]!r}"
        )
    return checked


def _check_codes(name: str, codes: object, latent_dim: int) -> np.ndarray:
    return check_codes_matrix(name, codes, latent_dim=latent_dim).astype(np.float32)


def _quantize(
    layers: list[Layer], calibration: np.ndarray, extra: list[np.ndarray] | None
) -> tuple[list[Layer], list[dict]]:
    """The weights for the page: small layers (at most :data:`HALF_PRECISION_WEIGHTS`
    weights, e.g. the first, d x 400) in float16; larger ones as integers of 8 + extra
    bits (``extra[k][j]`` for output unit j of layers[k]: 0, 1 or 2) with one float32
    scale per output unit, deflated; float32 biases. ``extra=None``: no integer weights
    at all, to measure the rest of the page.

    Plain rounding to 8 bits moves some pixels of a trained decoder by 15/255 or more;
    so each integer layer is rounded with GPTQ's error feedback (Frantar et al., 2023):
    weight i of an output unit is rounded, and its rounding error is passed on to the
    weights not yet rounded, weighted by how the layer's inputs co-vary over
    ``calibration`` codes (run through the already quantized layers below). Returns the
    dequantized layers (what the page computes with) and their base64 spec.
    """
    dequantized, spec = [], []
    x = calibration
    for k, (weights, bias, activation) in enumerate(layers):
        rows = weights.T  # (outputs, inputs): the weights into each output unit
        entry = {
            "inputs": int(weights.shape[0]),
            "outputs": int(weights.shape[1]),
            "activation": activation,
            "bias": _b64(bias.astype("<f4").tobytes()),
        }
        if weights.size <= HALF_PRECISION_WEIGHTS:
            half = rows.astype("<f2")
            w = half.astype(np.float32).T
            entry["half"] = _b64(half.tobytes())
        elif extra is None:
            w = weights
            entry["q"] = entry["extra"] = entry["scale"] = ""
        else:
            largest = 127 << extra[k].astype(np.int64)
            scales = np.abs(rows).max(axis=1).astype(np.float64) / largest
            scales = np.where(scales > 0, scales, 1.0).astype(np.float32)
            q = _gptq_round(rows.astype(np.float64), scales.astype(np.float64), x, largest)
            w = (q.astype(np.float32) * scales[:, None]).T
            entry["q"] = _b64(_pack(q, extra[k]))
            entry["extra"] = _b64(extra[k].astype(np.uint8).tobytes())
            entry["scale"] = _b64(scales.astype("<f4").tobytes())
        dequantized.append((w, bias, activation))
        spec.append(entry)
        if extra is not None and k + 1 < len(layers):  # the next layer's inputs
            x = _activate(x @ w + bias, activation)
    return dequantized, spec


def _pack(q: np.ndarray, extra: np.ndarray) -> bytes:
    """Integers q (outputs, inputs), |q| <= 127 * 2**extra[j] in row j, as zlib-deflated
    bytes: first the high parts q >> extra[j] (int8, which deflate shrinks: small values
    are common), then the extra[j] low bits of each, row by row, packed into bytes (most
    significant bit first)."""
    q = q.astype(np.int64)
    extra = extra.astype(np.int64)[:, None]
    high = (q >> extra).astype(np.int8).tobytes()
    shifts = np.arange(int(extra.max(initial=0)))[::-1]
    bits = (q[:, :, None] >> shifts) & 1  # (outputs, inputs, most extra bits)
    keep = np.broadcast_to(shifts < extra[:, :, None], bits.shape)
    low = np.packbits(bits[keep].astype(np.uint8)).tobytes()
    return zlib.compress(high + low, 9)


def _allocate_bits(layers: list[Layer], calibration: np.ndarray, budget: int) -> list:
    """Extra bits (0, 1 or 2) per output unit of each integer layer, within ``budget``
    characters of base64: a first extra bit for every unit, then a second, as far as
    they fit. The hidden layers' units go first, then the pixels in order of how steep
    the sigmoid gets at their logits over the calibration codes (a pixel whose logit
    never comes near 0 shows no error). Each extra bit of a unit costs inputs / 8 bytes
    (low bits do not deflate); the 8-bit parts cost what deflate makes of them, measured
    on plainly rounded weights, plus 1 %."""
    extra, used, priority = [], 0.0, []
    h = calibration
    for k, (weights, bias, activation) in enumerate(layers):
        logits = h @ weights + bias
        h = _activate(logits, activation)
        extra.append(np.zeros(weights.shape[1], dtype=np.uint8))
        if weights.size <= HALF_PRECISION_WEIGHTS:
            continue
        rows = weights.T.astype(np.float64)
        scales = np.abs(rows).max(axis=1) / 127
        q = np.round(rows / np.where(scales > 0, scales, 1.0)[:, None])
        used += 1.01 * 4 / 3 * len(_pack(q, extra[k])) + 4 / 3 * 5 * weights.shape[1]
        if k == len(layers) - 1:
            sigmoid = _activate(logits, "sigmoid")
            steepness = (sigmoid * (1 - sigmoid)).max(axis=0)
        else:
            steepness = np.full(weights.shape[1], np.inf)
        for j in np.argsort(-steepness, kind="stable"):
            priority.append((k, int(j)))
    costs = {k: 4 / 3 * layers[k][0].shape[0] / 8 for k, _ in priority}
    for _round in range(2):
        for k, j in priority:
            if used + costs[k] > budget:
                return extra
            extra[k][j] += 1
            used += costs[k]
    return extra


def _gptq_round(
    rows: np.ndarray, scales: np.ndarray, x: np.ndarray, largest: np.ndarray, block: int = 64
) -> np.ndarray:
    """Integers q (outputs, inputs), |q[j]| <= largest[j], with q * scale close to ``rows`` on
    the inputs ``x`` (n, inputs) in GPTQ's least-squares sense; columns in blocks."""
    w = rows.copy()
    x = x.astype(np.float64)
    hessian = x.T @ x / len(x)  # E[x x^T] over the calibration inputs
    dead = np.diag(hessian) == 0  # inputs that are always 0 (dead ReLUs): weight irrelevant
    hessian[dead, dead] = 1.0
    w[:, dead] = 0.0
    hessian += 0.01 * np.mean(np.diag(hessian)) * np.eye(len(hessian))  # damping
    upper = np.linalg.cholesky(np.linalg.inv(hessian)).T
    q = np.zeros(w.shape, dtype=np.int32)
    n = w.shape[1]
    for first in range(0, n, block):
        last = min(first + block, n)
        part = w[:, first:last].copy()
        errors = np.zeros_like(part)
        for k in range(last - first):
            i = first + k
            q[:, i] = np.clip(np.round(part[:, k] / scales), -largest, largest)  # per row
            errors[:, k] = (part[:, k] - q[:, i] * scales) / upper[i, i]
            part[:, k + 1:] -= np.outer(errors[:, k], upper[i, i + 1:last])
        w[:, last:] -= errors @ upper[first:last, last:]
    return q


def _calibration_codes(codes: np.ndarray | None, latent_dim: int, limit: float) -> np.ndarray:
    """Codes the page will decode: z ~ N(0, I) and z uniform on the sliders' box, both
    within [-limit, limit], and up to 1,024 of ``codes``; float32 (n, latent_dim)."""
    rng = np.random.default_rng(0)
    parts = [
        np.clip(rng.standard_normal((1024, latent_dim)), -limit, limit),
        rng.uniform(-limit, limit, (1024, latent_dim)),
    ]
    if codes is not None:
        parts.append(np.clip(codes[rng.permutation(len(codes))[:1024]], -limit, limit))
    return np.concatenate(parts).astype(np.float32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _slider_order(codes: np.ndarray | None, latent_dim: int) -> tuple[list[int], int]:
    """Dimensions most active first, and how many are active (all, without codes)."""
    if codes is None or len(codes) < 2:
        return list(range(latent_dim)), latent_dim
    variance = codes.astype(np.float64).var(axis=0)
    order = [int(j) for j in np.argsort(-variance, kind="stable")]
    active = int(np.sum(variance >= ACTIVE_VARIANCE))
    return order, max(active, 1)


def _scatter_png(
    codes: np.ndarray | None, labels: np.ndarray | None, limit: float, size: int
) -> str:
    """The latent plane's background as a palette PNG data URI: grid lines at integer
    z, and each code a 3 x 3 dot in its digit's colour (mixed 40 % with white)."""
    pixels = np.zeros((size, size), dtype=np.uint8)  # palette 0: white
    for value in range(-int(limit), int(limit) + 1):
        line = int((value + limit) / (2 * limit) * size)
        if 0 <= line < size:
            pixels[:, line] = 1
            pixels[size - 1 - line, :] = 1
    if codes is not None:
        cols = np.floor((codes[:, 0] + limit) / (2 * limit) * size).astype(int)
        rows = np.floor((limit - codes[:, 1]) / (2 * limit) * size).astype(int)
        colours = labels if labels is not None else np.full(len(codes), 10)
        inside = (cols >= 1) & (cols < size - 1) & (rows >= 1) & (rows < size - 1)
        for row, col, colour in zip(rows[inside], cols[inside], colours[inside]):
            pixels[row - 1:row + 2, col - 1:col + 2] = 2 + colour
    palette = [(255, 255, 255), (225, 225, 225)]
    palette += [tuple(round(0.6 * c + 0.4 * 255) for c in rgb) for rgb in DIGIT_COLORS]
    palette.append((150, 150, 150))  # codes without labels
    return "data:image/png;base64," + _b64(_png_palette(pixels, palette))


def _png_palette(pixels: np.ndarray, palette: list[tuple[int, int, int]]) -> bytes:
    """A minimal 8-bit palette PNG (colour type 3) from indices (h, w), stdlib only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = pixels.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)  # filter 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", bytes(v for rgb in palette for v in rgb))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _render(
    config: dict, order: list[int], active: int, background: str | None, legend: bool
) -> str:
    uid = config["id"]
    side = config["side"] * config["scale"]
    limit = config["limit"]
    step = 0.01

    def slider(j: int) -> str:
        return (
            f'<div class="vx-slider"><label for="{uid}-z{j}">z<sub>{j + 1}</sub></label>'
            f'<input type="range" id="{uid}-z{j}" data-dim="{j}" min="{-limit}" '
            f'max="{limit}" step="{step}" value="0">'
            f'<output for="{uid}-z{j}" id="{uid}-v{j}">0.00</output></div>'
        )

    shown = "".join(slider(j) for j in order[:active])
    hidden = ""
    if active < len(order):
        count = len(order) - active
        hidden = (
            f'<details class="vx-more"><summary>{count} more dimension'
            f'{"s" if count > 1 else ""} (inactive: Var μ<sub>j</sub> &lt; {ACTIVE_VARIANCE})'
            f'</summary><div class="vx-sliders">'
            + "".join(slider(j) for j in order[active:])
            + "</div></details>"
        )
    picker = ""
    if config["startCodes"] is not None:
        options = "".join(
            f'<option value="{i}">digit #{i}</option>' for i in range(len(config["startCodes"]))
        )
        picker = (
            f'<label for="{uid}-pick">start from</label>'
            f'<select id="{uid}-pick">{options}</select>'
            f'<button type="button" data-action="start">start from digit\'s μ</button>'
        )
    buttons = (
        '<div class="vx-buttons">'
        '<button type="button" data-action="random">random z ~ N(0, I)</button>'
        '<button type="button" data-action="reset">reset z = 0</button>'
        f"{picker}</div>"
    )
    plane = ""
    if background is not None:
        size = config["planeSize"]
        legend_html = ""
        if legend:
            legend_html = '<div class="vx-legend">' + "".join(
                f'<span><i style="background:rgb{rgb}"></i>{digit}</span>'
                for digit, rgb in enumerate(DIGIT_COLORS)
            ) + "</div>"
        plane = (
            f'<div class="vx-plane-box"><div class="vx-plane" role="img" '
            f'aria-label="latent plane: move the pointer to decode the code under it" '
            f'style="width:{size}px;height:{size}px;background-image:url({background})">'
            f'<div class="vx-marker"></div></div>'
            f'<div class="vx-axis">z<sub>1</sub> from {-limit:g} to {limit:g} (right); '
            f'z<sub>2</sub> from {-limit:g} to {limit:g} (up)</div>{legend_html}</div>'
        )
    many = config["latentDim"] > 4
    return (
        f'<div id="{uid}" class="vaebook-explorer" data-draws="0">'
        f"<style>{_CSS.replace('#ID', '#' + uid)}</style>"
        f'<div class="vx-row">{plane}'
        f'<div class="vx-digit-box"><canvas class="vx-digit" width="{side}" height="{side}" '
        f'role="img" aria-label="decoded digit"></canvas>'
        f'<div class="vx-readout" aria-live="off"></div></div>'
        f'<div class="vx-controls"><div class="vx-sliders{" vx-grid" if many else ""}">'
        f"{shown}</div>{hidden}{buttons}</div></div>"
        f'<script type="application/json" class="vx-config">{json.dumps(config)}</script>'
        f"<script>{_JS.replace('__ID__', uid)}</script></div>"
    )


_CSS = """
#ID { font-family: system-ui, sans-serif; font-size: 13px; margin: 0.5em 0; }
#ID .vx-row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
#ID .vx-plane { position: relative; border: 1px solid #999; cursor: crosshair;
  touch-action: none; background-size: 100% 100%; image-rendering: pixelated; }
#ID .vx-marker { position: absolute; width: 9px; height: 9px; margin: -5px 0 0 -5px;
  border: 2px solid #000; border-radius: 50%; pointer-events: none; }
#ID .vx-axis, #ID .vx-legend { max-width: 260px; margin-top: 4px; }
#ID .vx-legend span { margin-right: 6px; white-space: nowrap; }
#ID .vx-legend i { display: inline-block; width: 9px; height: 9px; margin-right: 2px;
  border-radius: 50%; }
#ID canvas.vx-digit { border: 1px solid #999; display: block; }
#ID .vx-readout { font-family: monospace; margin-top: 4px; white-space: pre; }
#ID .vx-controls { flex: 1 1 280px; min-width: 260px; }
#ID .vx-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
  column-gap: 10px; }
#ID .vx-slider { display: flex; align-items: center; gap: 4px; height: 24px; }
#ID .vx-slider label { width: 2.2em; flex: none; text-align: right; }
#ID .vx-slider input { flex: 1 1 auto; min-width: 60px; max-width: 240px; }
#ID .vx-slider output { width: 3.4em; flex: none; font-family: monospace; }
#ID .vx-more { margin: 4px 0; }
#ID .vx-buttons { display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  margin-top: 8px; }
"""

# The page's half: dequantize the weights once into Float32Arrays, decode (the sums run
# in double precision, a hair more exact than numpy's float32 matmul), draw, and wire the
# inputs. The script finds its root by id when it runs; a notebook front end that runs
# output scripts before the output is attached to the document is covered by retrying.
_JS = r"""
(function start(tries, script) {
  "use strict";
  // This script's own explorer (even if a second view of the notebook repeats the id),
  // else the element with the id, once the output is in the document.
  var root = (script && script.isConnected && script.closest(".vaebook-explorer")) ||
    document.getElementById("__ID__");
  if (!root) {
    if (tries < 100) setTimeout(function () { start(tries + 1, script); }, 50);
    return;
  }
  if (root.dataset.started) return;
  root.dataset.started = "1";
  var cfg = JSON.parse(root.querySelector("script.vx-config").textContent);
  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function floats(b64) {
    var b = bytes(b64), view = new DataView(b.buffer), out = new Float32Array(b.length / 4);
    for (var i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  function half(bits) {  // IEEE 754 binary16 -> number
    var sign = bits & 0x8000 ? -1 : 1, e = (bits >> 10) & 0x1f, f = bits & 0x3ff;
    if (e === 0) return sign * f * Math.pow(2, -24);
    return sign * (1 + f / 1024) * Math.pow(2, e - 15);
  }
  function inflate(b64) {  // zlib-deflated bytes, unpacked by the browser itself
    var stream = new Blob([bytes(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      return new Uint8Array(buffer);
    });
  }
  function unpack(l, packed) {  // q = (high << extra) + low, as _pack wrote them
    var n = l.inputs * l.outputs, scale = floats(l.scale), extra = bytes(l.extra);
    var high = new Int8Array(packed.buffer, 0, n), w = new Float32Array(n);
    for (var k = 0, bit = 8 * n; k < n; k++) {
      var j = Math.floor(k / l.inputs), e = extra[j], low = 0;
      for (var t = 0; t < e; t++, bit++) low = 2 * low + ((packed[bit >> 3] >> (7 - (bit & 7))) & 1);
      w[k] = Math.fround((high[k] * (1 << e) + low) * scale[j]);
    }
    return w;
  }
  var layers = [];
  Promise.all(cfg.layers.map(function (l) {
    var ready = l.half ? Promise.resolve(null) : inflate(l.q);
    return ready.then(function (packed) {
      var w;  // row j: the weights into unit j
      if (l.half) {
        var b = bytes(l.half);
        w = new Float32Array(l.inputs * l.outputs);
        for (var k = 0; k < w.length; k++) w[k] = half(b[2 * k] | (b[2 * k + 1] << 8));
      } else {
        w = unpack(l, packed);
      }
      return {n: l.inputs, m: l.outputs, act: l.activation, w: w, b: floats(l.bias),
              out: new Float32Array(l.outputs)};
    });
  })).then(function (built) {
    layers = built;
    wire();
  }, function (error) {
    root.querySelector(".vx-readout").textContent =
      "This browser cannot unpack the weights (" + error + ").";
  });
  function decode(z) {
    var h = z;
    for (var k = 0; k < layers.length; k++) {
      var L = layers[k], w = L.w, n = L.n, out = L.out;
      for (var j = 0; j < L.m; j++) {
        var acc = 0, row = j * n;
        for (var i = 0; i < n; i++) acc += w[row + i] * h[i];
        var v = acc + L.b[j];
        if (L.act === "relu") v = v > 0 ? v : 0;
        else if (L.act === "tanh") v = Math.tanh(v);
        else if (L.act === "sigmoid") v = 1 / (1 + Math.exp(-v));
        out[j] = v;
      }
      h = out;
    }
    return h;  // logits
  }
  function wire() {
    var d = cfg.latentDim, limit = cfg.limit, side = cfg.side, s = cfg.scale;
    var z = new Float32Array(d);
    var canvas = root.querySelector("canvas.vx-digit");
    var ctx = canvas.getContext("2d");
    var image = ctx.createImageData(side * s, side * s);
    var readout = root.querySelector(".vx-readout");
    var sliders = [], outputs = [];
    for (var j = 0; j < d; j++) {
      sliders.push(root.querySelector("#__ID__-z" + j));
      outputs.push(root.querySelector("#__ID__-v" + j));
    }
    function draw() {
      var logits = decode(z), px = image.data, width = side * s;
      for (var p = 0; p < side * side; p++) {
        var grey = Math.round(255 / (1 + Math.exp(-logits[p])));
        var r0 = Math.floor(p / side) * s, c0 = (p % side) * s;
        for (var r = 0; r < s; r++) {
          var o = ((r0 + r) * width + c0) * 4;
          for (var c = 0; c < s; c++, o += 4) {
            px[o] = px[o + 1] = px[o + 2] = grey;
            px[o + 3] = 255;
          }
        }
      }
      ctx.putImageData(image, 0, 0);
      root.dataset.draws = String(Number(root.dataset.draws) + 1);
      if (d === 2) {
        readout.textContent = "(z\u2081, z\u2082) = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")";
        if (marker) {
          marker.style.left = ((z[0] + limit) / (2 * limit) * 100) + "%";
          marker.style.top = ((limit - z[1]) / (2 * limit) * 100) + "%";
        }
      }
    }
    function show(j) { outputs[j].textContent = z[j].toFixed(2); }
    function setCode(code) {
      for (var j = 0; j < d; j++) {
        z[j] = Math.max(-limit, Math.min(limit, code[j]));
        sliders[j].value = String(z[j]);
        show(j);
      }
      draw();
    }
    sliders.forEach(function (slider, j) {
      slider.addEventListener("input", function () {
        z[j] = parseFloat(slider.value);
        show(j);
        draw();
      });
    });
    var seed = cfg.seed >>> 0;
    function uniform() {  // mulberry32
      seed = (seed + 0x6D2B79F5) >>> 0;
      var t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    function normal() {  // Box-Muller
      return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    }
    root.querySelectorAll("button[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.dataset.action, code = [];
        for (var j = 0; j < d; j++) code.push(action === "random" ? normal() : 0);
        if (action === "start") {
          code = cfg.startCodes[Number(root.querySelector("#__ID__-pick").value)];
        }
        setCode(code);
      });
    });
    var plane = root.querySelector(".vx-plane");
    var marker = plane ? plane.querySelector(".vx-marker") : null;
    if (plane) {
      var dragging = false;
      function fromPointer(event) {
        var box = plane.getBoundingClientRect();
        var u = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
        var v = Math.max(0, Math.min(1, (event.clientY - box.top) / box.height));
        setCode([(2 * u - 1) * limit, (1 - 2 * v) * limit]);
      }
      plane.addEventListener("pointermove", function (event) {
        if (event.pointerType === "mouse" || dragging) fromPointer(event);
      });
      plane.addEventListener("pointerdown", function (event) {
        dragging = true;
        if (plane.setPointerCapture) plane.setPointerCapture(event.pointerId);
        fromPointer(event);
        event.preventDefault();
      });
      ["pointerup", "pointercancel"].forEach(function (name) {
        plane.addEventListener(name, function () { dragging = false; });
      });
    }
    setCode(z);
    root.dataset.ready = "1";
  }
})(0, document.currentScript);
"""
