"""Tests for vaebook.bench: it measures what it says (timings themselves are not tested)."""

from __future__ import annotations

import torch

from vaebook.bench import (
    BATCH_SIZE,
    ReferenceVAE,
    gemm_flops_per_step,
    gemm_step_seconds,
    reference_epoch_seconds,
    reference_loss,
)
from vaebook.data import load_mnist
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import VAE


def test_gemm_floor_counts_the_flops_of_every_linear_layer_of_the_vae():
    """Forward, weight gradient and input gradient: 3 products of 2 B n_in n_out FLOPs each."""
    model = VAE(latent_dim=20, hidden_dim=400)
    linear_layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    expected = sum(3 * 2 * BATCH_SIZE * m.in_features * m.out_features for m in linear_layers)
    assert gemm_flops_per_step() == expected == 500_121_600
    assert gemm_step_seconds(repeats=10) > 0


def test_reference_loop_optimizes_the_same_objective_summed_over_the_batch():
    """pytorch/examples' loss (BCE on sigmoid outputs, summed) is B times the book's -ELBO."""
    images, _ = load_mnist("test", binarize=True, seed=0, subset=BATCH_SIZE)
    x = torch.from_numpy(images.reshape(-1, 784)).double()
    torch.manual_seed(0)
    model = ReferenceVAE().double()
    mu, log_var = model.encode(x)
    logits = model.fc4(torch.relu(model.fc3(mu)))
    theirs = reference_loss(torch.sigmoid(logits), x, mu, log_var)
    ours = (-bernoulli_log_likelihood(logits, x) + kl_diag_gaussian(mu, log_var)).mean()
    torch.testing.assert_close(theirs, BATCH_SIZE * ours, rtol=1e-9, atol=1e-6)


def test_reference_loop_runs_on_real_digits():
    images, _ = load_mnist("train", scaled=True, subset=2 * BATCH_SIZE)
    seconds = reference_epoch_seconds(images, epochs=2)
    assert len(seconds) == 2 and all(s > 0 for s in seconds)
