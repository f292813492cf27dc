"""Anomaly scores from a trained VAE (chapter 8), and how to judge them.

A score is large for an unusual input: the test -ELBO of one image, or the
importance-weighted estimate of -log p(x). :func:`complexity_corrected` subtracts a
compressor's code length from it (Serrà et al. 2020), and :func:`anomaly_roc` measures
how well a score separates the normal inputs from the anomalies with scikit-learn's
``roc_curve`` and ``roc_auc_score``.
"""

from __future__ import annotations

import io
import math
from typing import NamedTuple

import numpy as np
import PIL.Image
import torch
from sklearn.metrics import roc_auc_score, roc_curve

from vaebook.checks import boundary, check_digits, check_images01, check_scores, check_seed, check_vae
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import PIXELS, VAE


class ROC(NamedTuple):
    """A ROC curve (false and true positive rates) and the area under it."""

    fpr: np.ndarray
    tpr: np.ndarray
    auc: float


def negative_elbo(model: VAE, x: torch.Tensor, *, seed: int = 0) -> torch.Tensor:
    """-ELBO of each image (N,), in nats: -log p(x | z) at one z ~ q(z | x),
    drawn with ``seed``, plus KL(q(z | x) || p(z)) in closed form."""
    check_vae("model", model)
    check_digits("x", x, PIXELS, model)  # (N, 784) tensor in [0, 1], model's dtype
    check_seed("seed", seed)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        mu, log_var = model.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=x.device)
        z = mu + torch.exp(0.5 * log_var) * eps
        recon = -bernoulli_log_likelihood(model.decode(z), x)
        scores = recon + kl_diag_gaussian(mu, log_var)
    model.train(was_training)
    return scores


def png_code_length(images: np.ndarray) -> np.ndarray:
    """PNG code length of each binary image, in nats; shape (N,).

    images: (N, 28, 28) or (N, 784) with values in {0, 1} (pixels >= 0.5
    count as 1). Each is saved as a 1-bit PNG by Pillow at the highest
    compression; bytes x 8 bits x ln 2 nats per bit."""
    array = np.asarray(images)
    if array.ndim == 2 and array.shape[1] == PIXELS:
        array = array.reshape(-1, 28, 28)
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise ValueError(
            f"images must have shape (N, 28, 28) or (N, {PIXELS}), "
            f"got {array.shape}"
        )
    lengths = np.empty(len(array))
    for i, image in enumerate(array >= 0.5):  # bool: a 1-bit PNG
        buffer = io.BytesIO()
        PIL.Image.fromarray(image).save(buffer, "PNG", compress_level=9)
        lengths[i] = 8 * len(buffer.getvalue()) * math.log(2)
    return lengths


# The chapter shows png_code_length as it is; its boundary check (pixels in [0, 1], so
# 0..255 images get the hint instead of the code lengths of a white picture) wraps it.
png_code_length = boundary(lambda images: check_images01("images", images))(png_code_length)


def complexity_corrected(scores: object, images: np.ndarray) -> np.ndarray:
    """Serrà et al.'s S(x) = -log p(x) - L(x): the score less the PNG
    code length L(x) of the image (both in nats); shape (N,)."""
    scores = check_scores("scores", scores)
    lengths = png_code_length(images)
    if len(lengths) != len(scores):
        raise ValueError(
            f"images must have one image per score ({len(scores)}), "
            f"got {len(lengths)}"
        )
    return scores - lengths


def anomaly_roc(normal: object, anomalous: object) -> ROC:
    """ROC curve and AUC of a score (large = unusual) for telling the
    ``anomalous`` inputs (positives) from the ``normal`` ones."""
    normal = check_scores("normal", normal)
    anomalous = check_scores("anomalous", anomalous)
    truth = np.r_[np.zeros(len(normal)), np.ones(len(anomalous))]
    scores = np.r_[normal, anomalous]
    fpr, tpr, _ = roc_curve(truth, scores)
    return ROC(fpr, tpr, float(roc_auc_score(truth, scores)))


__all__ = [
    "ROC",
    "check_scores",
    "negative_elbo",
    "png_code_length",
    "complexity_corrected",
    "anomaly_roc",
]
