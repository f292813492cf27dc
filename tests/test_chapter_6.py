"""Chapter 6's inference gaps: the chapter's own log_weights, optimize_q and elbo_and_bound
(they live in the chapter only), checked on a VAE with one latent dimension, where log p(x)
and the ELBO of any Gaussian q are exact by quadrature."""

from __future__ import annotations

import math

import pytest
import torch

from tests.notebooks import BOOK, definition_in_notebook
from tests.test_torch import GRID, exact_log_px_by_quadrature, log_joint_on_grid
from vaebook.data import load_mnist
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian, log_normal_diag, reparameterize
from vaebook.torch import VAE, binarize_epoch, estimate_log_px, vae_loss
from vaebook.training import fit

CHAPTER = BOOK / "06_pytorch_vae.ipynb"
FUNCTIONS = ("log_weights", "optimize_q", "elbo_and_bound")
COARSE = 10
"""Every tenth point of test_torch's GRID (step 0.01): ample for the ELBO of a q as wide
as these posteriors (standard deviations above 0.1), and ten times cheaper."""


def chapter_functions(replace: tuple[str, str] | None = None) -> dict:
    """The chapter's three functions, run from its source (``replace`` breaks one line)."""
    source = "\n\n\n".join(definition_in_notebook(CHAPTER, name) for name in FUNCTIONS)
    if replace is not None:
        assert source.count(replace[0]) == 1, replace[0]
        source = source.replace(*replace)
    namespace = {
        "math": math,
        "torch": torch,
        "reparameterize": reparameterize,
        "bernoulli_log_likelihood": bernoulli_log_likelihood,
        "log_normal_diag": log_normal_diag,
    }
    exec(compile(source, str(CHAPTER), "exec"), namespace)
    return {name: namespace[name] for name in FUNCTIONS}


@pytest.fixture(scope="module")
def vae_1d():
    """A VAE with one latent dimension, trained briefly on real digits, and 40 test digits."""
    train, _ = load_mnist("train", scaled=True, subset=4000)
    test, _ = load_mnist("test", binarize=True, seed=0, subset=40)
    torch.manual_seed(0)
    model = VAE(latent_dim=1, hidden_dim=64)
    fit(model, vae_loss, torch.from_numpy(train.reshape(-1, 784)), epochs=3,
        transform=binarize_epoch, progress=False)
    return model, torch.from_numpy(test.reshape(-1, 784))


def exact_elbo(log_joint: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """L(x; q) for q = N(mu, exp(log_var)) on a 1-D latent, by quadrature: (N,).

    E_q[log p(x, z)] on the coarse grid (q's weights normalized over it) plus the entropy
    of q; log_joint is (N, G) on GRID[::COARSE]. Exact to quadrature error for a q inside the grid and wider than
    its step.
    """
    grid = GRID[::COARSE]
    assert log_joint.shape[1] == grid.numel()
    mu, log_var = mu.double().view(-1, 1), log_var.double().view(-1, 1)
    weights = torch.softmax(-0.5 * (grid - mu) ** 2 * torch.exp(-log_var), dim=1)
    expected = (weights * log_joint).sum(dim=1)
    return expected + 0.5 * (math.log(2 * math.pi * math.e) + log_var.view(-1))


def best_gaussian_elbo(log_joint: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """max over (mu, log_var) of the exact L(x; q), by 1,000 deterministic Adam steps: (N,)."""
    mu = mu.double().clone().requires_grad_()
    log_var = log_var.double().clone().requires_grad_()
    optimizer = torch.optim.Adam([mu, log_var], lr=1e-3)
    for _ in range(1000):
        optimizer.zero_grad()
        (-exact_elbo(log_joint, mu, log_var).sum()).backward()
        optimizer.step()
    with torch.no_grad():
        return exact_elbo(log_joint, mu, log_var)


def check_optimize_q(vae_1d, replace: tuple[str, str] | None = None) -> None:
    """optimize_q's q* is never worse than the encoder's q and within 0.05 nats of the best
    Gaussian, digit by digit; the best Gaussian stays below log p(x)."""
    model, x = vae_1d
    f = chapter_functions(replace)
    log_joint = log_joint_on_grid(model, x)[:, ::COARSE]
    with torch.no_grad():
        mu_encoder, log_var_encoder = model.encode(x)
    mu, log_var = f["optimize_q"](model, x, steps=1000, lr=3e-2, seed=0)
    assert mu.shape == log_var.shape == (len(x), 1)
    assert not mu.requires_grad and all(p.requires_grad for p in model.parameters())
    encoder = exact_elbo(log_joint, mu_encoder, log_var_encoder)
    found = exact_elbo(log_joint, mu, log_var)
    best = best_gaussian_elbo(log_joint, mu, log_var)
    amortization = found - encoder
    assert (amortization > -0.01).all()  # never worse than the encoder's q
    assert amortization.mean() > 0.05  # and better on average
    assert (best - found).max() < 0.05  # within a twentieth of a nat of the best
    approximation = exact_log_px_by_quadrature(model, x) - best
    assert (approximation > -1e-6).all()  # a Gaussian never beats the posterior


def test_optimize_q_reaches_each_digits_best_gaussian(vae_1d):
    check_optimize_q(vae_1d)


def test_elbo_and_bound_estimates_the_elbo_and_log_px(vae_1d):
    model, x = vae_1d
    f = chapter_functions()
    mu, log_var = f["optimize_q"](model, x, steps=1000, lr=3e-2, seed=0)
    elbo, bound = f["elbo_and_bound"](model, x, mu, log_var, num_samples=1000, seed=0)
    assert elbo.shape == bound.shape == (len(x),)
    exact = exact_elbo(log_joint_on_grid(model, x)[:, ::COARSE], mu, log_var)
    assert (elbo.double() - exact).abs().mean() < 0.05  # the mean of log w: the ELBO
    assert (bound >= elbo).all()  # log-mean-exp >= mean, draw for draw
    log_px = exact_log_px_by_quadrature(model, x)
    assert (log_px - bound.double()).mean().abs() < 0.05  # q* as proposal: near log p(x)


def test_log_weights_mean_is_reconstruction_minus_kl():
    torch.manual_seed(0)
    model = VAE(latent_dim=3, hidden_dim=32)
    x = torch.bernoulli(torch.full((5, 784), 0.3), generator=torch.Generator().manual_seed(1))
    mu, log_var = torch.randn(5, 3), torch.randn(5, 3) - 1.0
    f = chapter_functions()
    with torch.no_grad():
        log_w = f["log_weights"](model, x, mu, log_var, num_samples=20000,
                                 generator=torch.Generator().manual_seed(0))
        z = reparameterize(mu.expand(20000, 5, 3), log_var.expand(20000, 5, 3),
                           torch.Generator().manual_seed(0))
        recon = bernoulli_log_likelihood(model.decode(z), x.expand(20000, 5, 784)).mean(dim=0)
    assert log_w.shape == (20000, 5)
    error = log_w.std(dim=0) / 20000**0.5
    difference = log_w.mean(dim=0) - (recon - kl_diag_gaussian(mu, log_var))
    assert (difference.abs() < 4 * error).all()


def test_the_encoders_bound_is_estimate_log_px_draw_for_draw():
    torch.manual_seed(0)
    model = VAE(latent_dim=4, hidden_dim=32)
    x = torch.bernoulli(torch.full((40, 784), 0.2), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        mu, log_var = model.encode(x)
    _, bound = chapter_functions()["elbo_and_bound"](model, x, mu, log_var, num_samples=1000, seed=3)
    torch.testing.assert_close(bound, estimate_log_px(model, x, num_samples=1000, seed=3))


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)`")
@pytest.mark.parametrize(
    "broken",
    [
        ("(-elbo.sum()).backward()", "elbo.sum().backward()"),  # descends the ELBO
        ("optimizer.step()", "pass"),  # never moves
        ("return mu.detach(), log_var.detach()",
         "return mu.detach(), log_var.detach() + 1.0"),  # returns a wider q
    ],
    ids=["descends", "never-moves", "wider-q"],
)
def test_the_check_fails_for_a_broken_optimize_q(vae_1d, broken):
    with pytest.raises(AssertionError):
        check_optimize_q(vae_1d, broken)
