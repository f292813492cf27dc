"""Anomaly scores: per-image -ELBO, PNG code length, the complexity correction, ROC and AUC."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vaebook import anomaly as va
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import PIXELS, VAE


@pytest.fixture
def model():
    torch.manual_seed(0)
    return VAE(latent_dim=4, hidden_dim=16)


def binary(n, p, seed=0):
    return (np.random.default_rng(seed).random((n, PIXELS)) < p).astype(np.float32)


def test_negative_elbo_is_recon_plus_kl_of_each_image(model):
    """With sigma = 0 the one drawn z is mu: the -ELBO is known exactly."""
    with torch.no_grad():
        model.log_var.weight.zero_()
        model.log_var.bias.fill_(-60.0)
    x = torch.from_numpy(binary(6, 0.3))
    scores = va.negative_elbo(model, x, seed=1)
    with torch.no_grad():
        mu, log_var = model.encode(x)
        expected = -bernoulli_log_likelihood(model.decode(mu), x) + kl_diag_gaussian(mu, log_var)
    assert scores.shape == (6,)
    torch.testing.assert_close(scores, expected)
    assert model.training  # left as it was


def test_png_code_length_grows_with_the_image_complexity():
    blank = np.zeros((1, 28, 28))
    lengths = va.png_code_length(np.concatenate([blank.reshape(1, PIXELS), binary(1, 0.1),
                                                 binary(1, 0.5)]))
    assert lengths[0] < lengths[1] < lengths[2]
    bytes_ = lengths / (8 * math.log(2))
    np.testing.assert_allclose(bytes_, bytes_.round(), atol=1e-9)  # whole bytes
    assert va.png_code_length(blank).shape == (1,)


def test_complexity_correction_subtracts_the_code_length():
    images = binary(3, 0.2)
    scores = np.array([100.0, 120.0, 90.0])
    np.testing.assert_allclose(va.complexity_corrected(scores, images),
                               scores - va.png_code_length(images))


def test_roc_and_auc_of_perfect_reversed_and_tied_scores():
    assert va.anomaly_roc([0.0, 1.0], [2.0, 3.0]).auc == 1.0
    assert va.anomaly_roc([2.0, 3.0], [0.0, 1.0]).auc == 0.0
    assert va.anomaly_roc([1.0, 1.0], [1.0, 1.0]).auc == 0.5
    roc = va.anomaly_roc(torch.tensor([0.0, 2.0]), np.array([1.0, 3.0]))
    assert roc.auc == 0.75
    assert roc.fpr[0] == 0 and roc.tpr[-1] == 1 and len(roc.fpr) == len(roc.tpr)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: va.anomaly_roc([1.0, float("nan")], [2.0]), "normal must be finite, got 1 NaN"),
        (lambda: va.anomaly_roc([1.0], [np.inf]), "anomalous must be finite"),
        (lambda: va.anomaly_roc([], [1.0]), "normal must be a non-empty 1-D array"),
        (lambda: va.anomaly_roc([[1.0]], [1.0]), "normal must be a non-empty 1-D array"),
        (lambda: va.anomaly_roc(["a"], [1.0]), "normal must be a 1-D array of numbers"),
        (lambda: va.complexity_corrected([np.nan], binary(1, 0.1)), "scores must be finite"),
        (lambda: va.complexity_corrected([1.0, 2.0], binary(3, 0.1)),
         "images must have one image per score (2), got 3"),
        (lambda: va.png_code_length(np.zeros((2, 27, 27))), "images must have shape (N, 28, 28)"),
        (lambda: va.negative_elbo(VAE(2, 4), torch.zeros(3, 10)), "x must be a torch.Tensor of shape"),
    ],
)
def test_bad_input_gets_a_one_line_error_naming_the_argument(call, message):
    with pytest.raises((ValueError, TypeError)) as error:  # TypeError: wrong kind
        call()
    assert message in str(error.value) and "\n" not in str(error.value)
