"""The conditional VAE of chapter 8: q(z | x, y) and p(x | z, y) with a one-hot label.

A digit and its label travel together as one row of ``PIXELS + NUM_CLASSES`` columns,
the 784 pixels then the one-hot label (:func:`pack_labels`), so the book's training
loop :func:`vaebook.training.fit` trains the model unchanged, with the per-epoch
binarization :func:`vaebook.torch.binarize_epoch` (its rule ``u < x`` with u in [0, 1)
leaves columns that are exactly 0 or 1 as they are).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.distributions import Normal

from vaebook.checks import (
    boundary,
    check_digits,
    check_label,
    check_model_dtype,
    check_one_hot,
    check_positive_int,
    check_seed,
    check_tensor,
    check_vae,
)
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import (
    PIXELS,
    VAE,
    decoder_layers,
    estimate_log_px,
    numpy_decoder,
)

NUM_CLASSES = 10
"""Digits 0 to 9: the length of the one-hot label."""


def one_hot(labels: object, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """Labels (N,) of integers in [0, num_classes) as float32 one-hot rows (N, num_classes)."""
    check_positive_int("num_classes", num_classes)
    array = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    if array.ndim != 1 or not (
        np.issubdtype(array.dtype, np.integer) or array.size == 0
    ):
        raise ValueError(
            f"labels must be a 1-D array of integers, got dtype {array.dtype} "
            f"and shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got values from "
            f"{array.min()} to {array.max()}"
        )
    codes = torch.as_tensor(array.astype(np.int64))
    return nn.functional.one_hot(codes, num_classes).to(torch.float32)


def pack_labels(x: torch.Tensor, labels: object) -> torch.Tensor:
    """Digits x (N, 784) and their labels (N,) as one tensor (N, 794):
    the pixels, then the one-hot label."""
    if not isinstance(x, torch.Tensor) or x.shape[1:] != (PIXELS,):
        shape = tuple(getattr(x, "shape", ())) or type(x).__name__
        raise ValueError(
            f"x must be a torch.Tensor of shape (N, {PIXELS}), got {shape}"
        )
    y = one_hot(labels)
    if len(y) != len(x):
        raise ValueError(
            f"labels must have one entry per row of x ({len(x)}), got {len(y)}"
        )
    return torch.cat([x, y.to(x.device, x.dtype)], dim=1)


# The chapter shows pack_labels as it is; the boundary refuses a numpy x (TypeError with
# the conversion), digits as (N, 28, 28) and pixels outside [0, 1] before it runs.
pack_labels = boundary(lambda x, labels: check_digits("x", x, PIXELS))(pack_labels)


def check_packed(name: str, xy: object) -> None:
    """A one-line error naming ``name`` unless xy is packed rows (N, 794): a tensor
    (TypeError otherwise), pixels in [0, 1], then a one-hot label that sums to 1
    (an all-zero label would be read as label 0)."""
    width = PIXELS + NUM_CLASSES
    layout = f"(N, {width}) (pixels, then a one-hot label; see pack_labels)"
    check_tensor(name, xy, layout)
    if xy.dim() != 2 or xy.shape[1] != width or len(xy) == 0:
        raise ValueError(f"{name} must be a torch.Tensor of shape {layout}, got {tuple(xy.shape)}")
    check_digits(name, xy[:, :PIXELS], PIXELS)
    check_one_hot(f"{name}[:, {PIXELS}:]", xy[:, PIXELS:])


class ConditionalVAE(VAE):
    """VAE with a label y: q(z | x, y) and p(x | z, y), y one-hot (B, 10).

    encode(x, y) -> mu, log_var; decode(z, y) -> logits (B, 784);
    forward(xy) on packed rows (B, 794) -> (logits, mu, log_var)."""

    def __init__(self, latent_dim: int = 20, hidden_dim: int = 400):
        nn.Module.__init__(self)  # skip VAE.__init__: other input sizes
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("hidden_dim", hidden_dim)
        self.encoder = nn.Sequential(
            nn.Linear(PIXELS + NUM_CLASSES, hidden_dim), nn.ReLU(),
        )
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.log_var = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim + NUM_CLASSES, hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, PIXELS),
        )

    def encode(self, x: torch.Tensor, y: torch.Tensor):
        h = self.encoder(torch.cat([x, y], dim=-1))
        return self.mu(h), self.log_var(h)

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, y], dim=-1))

    def forward(self, xy: torch.Tensor):
        x, y = xy[:, :PIXELS], xy[:, PIXELS:]
        mu, log_var = self.encode(x, y)
        q_z = Normal(mu, torch.exp(0.5 * log_var), validate_args=False)
        return self.decode(q_z.rsample(), y), mu, log_var


def _check_conditional(name: str, model: object) -> None:
    """check_vae, and a TypeError unless ``model`` is a ConditionalVAE: the
    companion's class or a chapter's copy of it (chapter 8 shows the class and
    trains its models from its own copy, a class of the same name)."""
    check_vae(name, model)
    if not any(cls.__name__ == "ConditionalVAE" for cls in type(model).__mro__):
        raise TypeError(f"{name} must be a ConditionalVAE, got {type(model).__name__}")


def cvae_loss(
    model: ConditionalVAE, xy: torch.Tensor
) -> dict[str, torch.Tensor]:
    """-ELBO of packed rows xy (B, 794): -log p(x | z, y) + KL(q(z | x, y)
    || p(z)), each summed per digit and averaged over the batch (nats)."""
    logits, mu, log_var = model(xy)
    recon = -bernoulli_log_likelihood(logits, xy[:, :PIXELS]).mean()
    kl = kl_diag_gaussian(mu, log_var).mean()
    return {"loss": recon + kl, "recon": recon, "kl": kl}


class FixedLabel(nn.Module):
    """A conditional model with its label fixed: a VAE of x alone.

    encode(x) -> mu, log_var and decode(z) -> logits (B, 784), as chapter
    6's VAE, with y = ``label`` (one-hot) given to both networks. It
    shares the conditional model's parameters."""

    def __init__(self, model: ConditionalVAE, label: int) -> None:
        super().__init__()
        check_label("label", label)
        self.model = model
        self.label = int(label)
        self.training = model.training  # estimate_log_px restores this mode

    def one_hot_rows(self, rows: torch.Tensor) -> torch.Tensor:
        y = one_hot([self.label]).to(rows.device, rows.dtype)
        return y.expand(len(rows), -1)  # (B, 10), one row per input

    def encode(self, x: torch.Tensor):
        return self.model.encode(x, self.one_hot_rows(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.decode(z, self.one_hot_rows(z))


FixedLabel.__init__ = boundary(  # the chapter shows the class; its model must be conditional
    lambda self, model, label: _check_conditional("model", model)
)(FixedLabel.__init__)


def estimate_log_px_given_y(
    model: ConditionalVAE,
    xy: torch.Tensor,
    *,
    num_samples: int = 1000,
    seed: int = 0,
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x | y) per packed row, nats; (N,).

    xy: packed rows (N, 794) from :func:`pack_labels`, on the model's device.
    With y fixed, the model is a VAE of x, so chapter 6's estimator
    applies as it is, one label at a time: codes z_k ~ q(z | x, y),
    weights p(x | z_k, y) p(z_k) / q(z_k | x, y). ``seed`` fixes the
    draws (label y uses seed + y).
    """
    check_packed("xy", xy)
    labels = xy[:, PIXELS:].argmax(dim=1)
    estimates = torch.empty(len(xy), dtype=xy.dtype, device=xy.device)
    for label in labels.unique().tolist():
        rows = labels == label
        estimates[rows] = estimate_log_px(
            FixedLabel(model, label), xy[rows, :PIXELS],
            num_samples=num_samples, seed=seed + label,
        )
    return estimates


def _check_estimate_inputs(model: object, xy: object, num_samples: object, seed: object) -> None:
    _check_conditional("model", model)
    check_packed("xy", xy)
    check_model_dtype("xy", xy, model)
    check_positive_int("num_samples", num_samples)
    check_seed("seed", seed)


# The chapter shows the estimator as it is; the boundary checks its inputs first.
estimate_log_px_given_y = boundary(_check_estimate_inputs)(estimate_log_px_given_y)


def label_decoder(
    model: ConditionalVAE, label: int
) -> Callable[[np.ndarray], np.ndarray]:
    """A plain ``decode(z) -> images`` for one fixed label (plots, sliders).

    z: float array (n, latent_dim). Returns sigmoid(logits) of p(x | z, y = label),
    float32 (n, 28, 28) in [0, 1]."""
    _check_conditional("model", model)
    check_label("label", label)
    return numpy_decoder(FixedLabel(model, label))


def label_decoder_layers(
    model: ConditionalVAE, label: int
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The decoder for one fixed label as MLP layers for the latent explorer.

    A one-hot label picks one column of the first layer's weights, so
    p(x | z, y = label) is an MLP of z alone whose first bias is
    ``b + W[latent_dim + label]``. Same format as
    :func:`vaebook.torch.decoder_layers`."""
    _check_conditional("model", model)  # a plain VAE would lose 10 latents
    check_label("label", label)
    layers = decoder_layers(model)
    weight, bias, activation = layers[0]
    latent_dim = weight.shape[0] - NUM_CLASSES
    first = (weight[:latent_dim], bias + weight[latent_dim + int(label)], activation)
    return [first, *layers[1:]]


__all__ = [
    "NUM_CLASSES",
    "one_hot",
    "pack_labels",
    "check_packed",
    "ConditionalVAE",
    "cvae_loss",
    "FixedLabel",
    "estimate_log_px_given_y",
    "check_label",
    "label_decoder",
    "label_decoder_layers",
]
