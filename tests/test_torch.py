"""Tests for vaebook.torch: shapes, the loss convention, determinism, training, saving,
the importance-weighted estimator, bad arguments, and the chapter-6 twins."""

from __future__ import annotations

import ast
import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import vaebook.torch
from tests.notebooks import BOOK, assert_twin, listing_region, markdown_of
from vaebook.data import binarize, load_mnist
from vaebook.elbo import iwae_log_likelihood, kl_diag_gaussian, log_normal_diag
from vaebook.linear_gaussian import fit_ppca
from vaebook.torch import (
    VAE,
    ConvVAE,
    binarize_epoch,
    estimate_log_px,
    numpy_decoder,
    vae_loss,
)
from vaebook.training import evaluate, fit

CHAPTER = BOOK / "06_pytorch_vae.ipynb"


@pytest.fixture(scope="module")
def digits():
    """Real MNIST: 4,000 grey training digits in [0, 1] and 500 binarized test digits."""
    train, _ = load_mnist("train", scaled=True, subset=4000)
    test, _ = load_mnist("test", binarize=True, seed=0, subset=500)
    return torch.from_numpy(train.reshape(-1, 784)), torch.from_numpy(test.reshape(-1, 784))


@pytest.mark.parametrize("model_class, latent_dim", [(VAE, 2), (VAE, 20), (ConvVAE, 2)])
def test_shapes(model_class, latent_dim, digits):
    _, x = digits
    model = model_class(latent_dim=latent_dim)
    mu, log_var = model.encode(x[:7])
    assert mu.shape == log_var.shape == (7, latent_dim)
    assert model.decode(mu).shape == (7, 784)
    logits, mu2, log_var2 = model(x[:7])
    assert logits.shape == (7, 784)
    torch.testing.assert_close(mu2, mu)
    terms = vae_loss(model, x[:7])
    assert set(terms) == {"loss", "recon", "kl"}
    assert all(value.shape == () for value in terms.values())


def test_mlp_layers_match_the_shared_interface():
    """The Keras twin copies weights layer by layer, so the layout is part of the API."""
    model = VAE(latent_dim=20)
    assert [type(m) for m in model.encoder] == [torch.nn.Linear, torch.nn.ReLU]
    assert [type(m) for m in model.decoder] == [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear]
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {
        "encoder.0.weight": (400, 784), "encoder.0.bias": (400,),
        "mu.weight": (20, 400), "mu.bias": (20,),
        "log_var.weight": (20, 400), "log_var.bias": (20,),
        "decoder.0.weight": (400, 20), "decoder.0.bias": (400,),
        "decoder.2.weight": (784, 400), "decoder.2.bias": (784,),
    }  # fmt: skip


def test_forward_is_the_reparameterization_mu_plus_sigma_eps(digits):
    _, x = digits
    model = VAE(latent_dim=5)
    torch.manual_seed(3)
    logits, mu, log_var = model(x[:4])
    torch.manual_seed(3)
    eps = torch.randn(4, 5)
    torch.testing.assert_close(logits, model.decode(mu + torch.exp(0.5 * log_var) * eps))
    logits.sum().backward()
    assert model.mu.weight.grad is not None and model.log_var.weight.grad is not None


def test_loss_convention_sum_over_pixels_and_latents_mean_over_batch(digits):
    _, x = digits
    model = VAE(latent_dim=20)
    batch = x[:32]
    torch.manual_seed(0)
    terms = vae_loss(model, batch)
    torch.manual_seed(0)
    logits, mu, log_var = model(batch)
    # -log p(x|z) by hand in float64: -sum_i [x_i log pi_i + (1 - x_i) log(1 - pi_i)].
    pi = torch.sigmoid(logits.double())
    x64 = batch.double()
    recon_by_hand = -(x64 * pi.log() + (1 - x64) * (1 - pi).log()).sum(dim=1).mean()
    torch.testing.assert_close(terms["recon"].double(), recon_by_hand, rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(terms["kl"], kl_diag_gaussian(mu, log_var).mean())
    torch.testing.assert_close(terms["loss"], terms["recon"] + terms["kl"])
    assert 784 * math.log(2) * 0.5 < terms["recon"].item()  # per image, not per pixel


def test_binarize_epoch_draws_bernoulli_pixels_from_the_generator(digits):
    x, _ = digits
    first = binarize_epoch(x, torch.Generator().manual_seed(0))
    again = binarize_epoch(x, torch.Generator().manual_seed(0))
    other = binarize_epoch(x, torch.Generator().manual_seed(1))
    assert set(first.unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(first, again)
    assert not torch.equal(first, other)
    assert torch.equal(first[x == 0], torch.zeros_like(first[x == 0]))
    assert torch.equal(first[x == 1], torch.ones_like(first[x == 1]))
    assert abs(first.mean().item() - x.mean().item()) < 0.002  # E[pixel] = grey level


def test_binarize_epoch_is_load_mnists_binarize_seeded_from_the_generator(digits):
    """The per-epoch draws are vaebook.data.binarize's, with a seed drawn from fit's generator."""
    x, _ = digits
    ours = binarize_epoch(x, torch.Generator().manual_seed(3))
    seed = int(torch.randint(2**62, (), generator=torch.Generator().manual_seed(3)))
    expected = torch.from_numpy(binarize(x.numpy(), seed=seed))
    torch.testing.assert_close(ours, expected, rtol=0, atol=0)
    assert ours.dtype == x.dtype and ours.shape == x.shape
    # Consecutive epochs of one generator draw different seeds, so different digits.
    generator = torch.Generator().manual_seed(3)
    assert not torch.equal(binarize_epoch(x, generator), binarize_epoch(x, generator))


def test_binarize_epoch_keeps_dtype_for_float64():
    x = torch.rand(3, 784, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    binary = binarize_epoch(x, torch.Generator().manual_seed(0))
    assert binary.dtype == torch.float64 and set(binary.unique().tolist()) <= {0.0, 1.0}


def short_run(digits, seed):
    x_train, x_test = digits
    torch.manual_seed(seed)  # initial weights
    model = VAE(latent_dim=10)
    history = fit(
        model, vae_loss, x_train, epochs=2, seed=seed, x_val=x_test,
        transform=binarize_epoch, progress=False,
    )  # fmt: skip
    return model, history


def test_training_is_deterministic_on_cpu_for_a_fixed_seed(digits):
    model_a, history_a = short_run(digits, seed=0)
    model_b, history_b = short_run(digits, seed=0)
    history_a.pop("seconds"), history_b.pop("seconds")
    assert history_a == history_b
    for p, q in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(p, q)


def test_a_short_real_training_run_lowers_the_test_negative_elbo(digits):
    _, x_test = digits
    torch.manual_seed(0)
    untrained = evaluate(VAE(latent_dim=10), vae_loss, x_test)["loss"]
    model, history = short_run(digits, seed=0)
    assert untrained > 500  # about 784 log 2 = 543 nats for a near-uniform decoder
    assert history["val_loss"][1] < history["val_loss"][0] < 250
    assert history["train_loss"][1] < history["train_loss"][0]
    assert history["val_loss"][1] == pytest.approx(
        history["val_recon"][1] + history["val_kl"][1], rel=1e-6
    )


def test_save_and_load_round_trip_with_weights_only(digits, tmp_path):
    _, x_test = digits
    model, _ = short_run(digits, seed=1)
    path = tmp_path / "vae.pt"
    torch.save(model.state_dict(), path)
    loaded = VAE(latent_dim=10)
    loaded.load_state_dict(torch.load(path, weights_only=True))
    for (name, p), (name2, q) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert name == name2 and torch.equal(p, q)
    torch.manual_seed(5)
    before = evaluate(model, vae_loss, x_test)
    torch.manual_seed(5)
    assert evaluate(loaded, vae_loss, x_test) == before


def test_numpy_decoder_returns_pixel_probabilities(digits):
    _, x = digits
    model = VAE(latent_dim=2)
    decode = numpy_decoder(model)
    z = np.array([[0.0, 0.0], [1.0, -2.0]], dtype=np.float32)
    images = decode(z)
    assert isinstance(images, np.ndarray) and images.shape == (2, 28, 28)
    expected = torch.sigmoid(model.decode(torch.from_numpy(z))).detach().numpy()
    np.testing.assert_allclose(images.reshape(2, -1), expected, rtol=1e-6)


# The importance-weighted estimate of log p(x) ------------------------------------------


def test_iwae_approaches_exact_log_px_of_the_linear_gaussian_model():
    """Chapter 2's factor-analysis model on real digits: log p(x) is exact there.

    With a deliberately poor proposal q (the exact posterior, shifted and twice as wide),
    L_K rises towards log p(x) as K grows and stays below it on average.
    """
    images, _ = load_mnist("train", scaled=True, subset=2000)
    x = torch.from_numpy(images.reshape(len(images), -1)).double()[:, ::8]  # 98 pixels
    model = fit_ppca(x, latent_dim=3)
    x_test = x[:200]
    exact = model.log_marginal(x_test)
    post_mean, post_cov = model.posterior(x_test)
    q_mu = post_mean + 0.5 * post_cov.diagonal().sqrt()
    q_log_var = (2.0 * post_cov.diagonal()).log().expand_as(q_mu)
    generator = torch.Generator().manual_seed(0)
    gaps = {}
    for num_samples in (1, 10, 100, 1000):
        shape = (num_samples, *q_mu.shape)
        z = q_mu + (0.5 * q_log_var).exp() * torch.randn(shape, generator=generator, dtype=x.dtype)
        log_pz = log_normal_diag(z, torch.zeros_like(z), torch.zeros_like(z))
        log_px_given_z = model.log_likelihood(x_test, z)
        log_qz = log_normal_diag(z, q_mu, q_log_var)
        estimate = iwae_log_likelihood(log_px_given_z, log_pz, log_qz, num_samples=num_samples)
        gaps[num_samples] = (exact - estimate).mean().item()
    assert gaps[1] > gaps[10] > gaps[100] > gaps[1000] > -0.02
    assert gaps[1000] < 0.05 < gaps[1]


GRID = torch.linspace(-8.0, 8.0, 16001, dtype=torch.float64)
"""Quadrature grid for a 1-D latent: step 0.001, far finer than any posterior's width."""


def log_joint_on_grid(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) + log p(z) for every digit of x (N, 784) and grid point z: (N, G)."""
    with torch.no_grad():
        logits = copy.deepcopy(model).double().decode(GRID[:, None])  # (G, 784)
    # log p(x | z) = sum_i x_i l_i - softplus(l_i), for every digit and grid point.
    log_px_given_z = x.double() @ logits.T - F.softplus(logits).sum(dim=1)
    return log_px_given_z - 0.5 * (GRID**2 + math.log(2 * math.pi))


def exact_log_px_by_quadrature(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """log p(x) = log integral p(x | z) N(z; 0, 1) dz for a 1-D latent, shape (N,)."""
    step = (GRID[1] - GRID[0]).item()
    return torch.logsumexp(log_joint_on_grid(model, x), dim=1) + math.log(step)


class PosteriorMomentsVAE(torch.nn.Module):
    """A trained 1-D VAE whose encoder is replaced by the exact posterior's mean and
    variance (by quadrature): the best Gaussian proposal, so L_K converges fast."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        weights = torch.softmax(log_joint_on_grid(self.vae, x), dim=1)  # p(z | x) on the grid
        mean = weights @ GRID
        var = weights @ GRID**2 - mean**2
        return mean[:, None].float(), var.log()[:, None].float()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)


def test_estimate_log_px_approaches_the_exact_value_of_a_1d_vae(digits):
    """A real VAE with one latent dimension, where log p(x) is exact by quadrature."""
    x_train, x_test = digits
    torch.manual_seed(0)
    model = VAE(latent_dim=1, hidden_dim=64)
    fit(model, vae_loss, x_train, epochs=3, transform=binarize_epoch, progress=False)
    x = x_test[:100]
    exact = exact_log_px_by_quadrature(model, x)
    # With the trained encoder: a lower bound that tightens as K grows.
    estimates = {k: estimate_log_px(model, x, num_samples=k, seed=0) for k in (1, 10, 1000)}
    gaps = {k: (exact - v.double()).mean().item() for k, v in estimates.items()}
    assert gaps[1] > gaps[10] > gaps[1000] > 0
    assert gaps[1000] < 0.25 * gaps[1]
    assert estimates[1000].shape == (100,)
    torch.testing.assert_close(estimate_log_px(model, x, num_samples=1000, seed=0), estimates[1000])
    assert model.training  # the estimator restores the mode it found
    # With the exact posterior's moments as proposal, K = 1000 recovers log p(x).
    matched = estimate_log_px(PosteriorMomentsVAE(model), x, num_samples=1000, seed=0)
    assert (exact - matched.double()).mean().item() == pytest.approx(0.0, abs=0.05)
    assert (exact - matched.double()).abs().max().item() < 0.3


def test_one_sample_estimate_is_the_elbo_in_expectation(digits):
    _, x = digits
    torch.manual_seed(0)
    model = VAE(latent_dim=4)
    one_sample = estimate_log_px(model, x, num_samples=1, seed=0).mean().item()
    torch.manual_seed(0)
    elbo = -evaluate(model, vae_loss, x)["loss"]
    assert one_sample == pytest.approx(elbo, abs=0.5)


# Bad arguments ---------------------------------------------------------------------------


def test_bad_arguments_raise_one_line_errors(digits):
    _, x = digits
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 0"):
        VAE(latent_dim=0)
    with pytest.raises(ValueError, match="hidden_dim must be a positive integer, got 2.5"):
        VAE(hidden_dim=2.5)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got -1"):
        ConvVAE(latent_dim=-1)
    with pytest.raises(ValueError, match="num_samples must be a positive integer, got 0"):
        estimate_log_px(VAE(), x, num_samples=0)
    with pytest.raises(ValueError, match=r"x must be a torch.Tensor of shape \(N, 784\)"):
        estimate_log_px(VAE(), x.view(-1, 28, 28))
    with pytest.raises(TypeError, match=r"x must be a torch.Tensor of shape \(N, 784\), got ndarray"):
        estimate_log_px(VAE(), x.numpy())


# The chapter shows the companion's code ---------------------------------------------------


@pytest.mark.parametrize("obj", [VAE, ConvVAE, vae_loss, binarize_epoch, estimate_log_px])
def test_chapter_6_shows_the_companion_code(obj):
    assert_twin(CHAPTER, obj)


# The whole program at the end of the chapter ----------------------------------------------


def test_chapter_6_lists_the_companion_model_and_loss_as_one_program():
    path, region = listing_region(CHAPTER)
    assert path == Path(vaebook.torch.__file__).resolve()
    tree = ast.parse(region)  # a complete, parseable program
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert {"VAE", "vae_loss"} <= names, names
    namespace: dict = {}
    exec(compile(region, str(path), "exec"), namespace)  # runs on its own imports
    torch.manual_seed(0)
    terms = namespace["vae_loss"](namespace["VAE"](), torch.zeros(2, 784))
    assert set(terms) == {"loss", "recon", "kl"}


def test_chapter_6_listing_check_fails_on_a_broken_directive():
    text = markdown_of(CHAPTER).replace("../companion/", "../missing/")
    with pytest.raises(AssertionError, match="does not exist"):
        listing_region(CHAPTER, markdown=text)
