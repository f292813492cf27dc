"""vaebook.elbo: each formula against an independent computation (torch.distributions, Monte Carlo)."""

import math

import pytest
import torch

from vaebook.elbo import (
    bernoulli_log_likelihood,
    iwae_log_likelihood,
    kl_diag_gaussian,
    log_normal_diag,
    reparameterize,
)
from tests.test_linear_gaussian import random_model

D = torch.distributions


@pytest.mark.parametrize("shape", [(1, 1), (7, 2), (128, 20), (3, 64)])
def test_kl_matches_torch_distributions(shape):
    generator = torch.Generator().manual_seed(sum(shape))
    mu = 3 * torch.randn(shape, generator=generator, dtype=torch.float64)
    log_var = 4 * torch.randn(shape, generator=generator, dtype=torch.float64)
    q = D.Independent(D.Normal(mu, (0.5 * log_var).exp()), 1)
    p = D.Independent(D.Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    torch.testing.assert_close(kl_diag_gaussian(mu, log_var), D.kl_divergence(q, p))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kl_matches_monte_carlo_within_standard_errors(seed):
    generator = torch.Generator().manual_seed(seed)
    batch, latent_dim, samples = 5, 3, 200_000
    mu = 2 * torch.randn(batch, latent_dim, generator=generator, dtype=torch.float64)
    log_var = torch.randn(batch, latent_dim, generator=generator, dtype=torch.float64)
    z = reparameterize(mu.expand(samples, -1, -1), log_var.expand(samples, -1, -1), generator)
    log_ratio = log_normal_diag(z, mu, log_var) - log_normal_diag(z, torch.zeros_like(z), torch.zeros_like(z))
    estimate, standard_error = log_ratio.mean(0), log_ratio.std(0) / math.sqrt(samples)
    assert ((estimate - kl_diag_gaussian(mu, log_var)).abs() < 4 * standard_error).all()


def test_kl_extreme_values_stay_finite_and_exact():
    mu = torch.tensor([[0.0, 0.0], [30.0, -30.0], [0.0, 0.0]], dtype=torch.float64)
    log_var = torch.tensor([[0.0, 0.0], [0.0, 0.0], [-40.0, 40.0]], dtype=torch.float64)
    kl = kl_diag_gaussian(mu, log_var)
    assert torch.isfinite(kl).all()
    expected = torch.tensor([0.0, 900.0, 0.5 * (math.exp(-40) - 1 + 40 + math.exp(40) - 1 - 40)], dtype=torch.float64)
    torch.testing.assert_close(kl, expected)


def test_kl_is_zero_only_at_the_prior_and_positive_elsewhere():
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(1000, 4, generator=generator)
    log_var = torch.randn(1000, 4, generator=generator)
    assert (kl_diag_gaussian(mu, log_var) > 0).all()
    assert kl_diag_gaussian(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0


def test_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"mu and log_var must have the same shape, got \(128, 2\) and \(128, 20\)"):
        kl_diag_gaussian(torch.zeros(128, 2), torch.zeros(128, 20))


def test_reparameterize_has_the_right_moments_and_gradients():
    generator = torch.Generator().manual_seed(0)
    mu = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    log_var = torch.tensor([0.0, math.log(4.0)], dtype=torch.float64, requires_grad=True)
    z = reparameterize(mu.expand(400_000, 2), log_var.expand(400_000, 2), generator)
    torch.testing.assert_close(z.mean(0), mu.detach(), atol=0.01, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 2.0], dtype=torch.float64), atol=0.01, rtol=0)
    # d/dmu E[z] = 1 and d/dlog_var E[z^2] = d/dlog_var (mu^2 + sigma^2) = sigma^2.
    (z**2).mean(0).sum().backward()
    torch.testing.assert_close(log_var.grad, torch.tensor([1.0, 4.0], dtype=torch.float64), atol=0.05, rtol=0)
    torch.testing.assert_close(mu.grad, 2 * mu.detach(), atol=0.02, rtol=0)


def test_reparameterize_repeats_with_a_seeded_generator():
    mu, log_var = torch.zeros(3, 2), torch.zeros(3, 2)
    first = reparameterize(mu, log_var, torch.Generator().manual_seed(5))
    second = reparameterize(mu, log_var, torch.Generator().manual_seed(5))
    assert torch.equal(first, second)
    with pytest.raises(ValueError, match="mu and log_var must have the same shape"):
        reparameterize(torch.zeros(3, 2), torch.zeros(2, 3))


def test_bernoulli_log_likelihood_matches_the_definition_and_stays_finite():
    generator = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(4, 784, generator=generator, dtype=torch.float64)
    x = (torch.rand(4, 784, generator=generator, dtype=torch.float64) < 0.3).double()
    pi = torch.sigmoid(logits)
    by_definition = (x * pi.log() + (1 - x) * (1 - pi).log()).sum(-1)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, x), by_definition)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, x), D.Bernoulli(logits=logits).log_prob(x).sum(-1))
    extreme = bernoulli_log_likelihood(torch.tensor([[200.0, -200.0]]), torch.tensor([[0.0, 1.0]]))
    torch.testing.assert_close(extreme, torch.tensor([-400.0]))
    with pytest.raises(ValueError, match="logits and x must have the same shape"):
        bernoulli_log_likelihood(torch.zeros(2, 784), torch.zeros(2, 28, 28))


def test_log_normal_diag_matches_torch_distributions():
    generator = torch.Generator().manual_seed(0)
    z, mu, log_var = torch.randn(3, 6, 5, generator=generator, dtype=torch.float64).unbind(0)
    expected = D.Normal(mu, (0.5 * log_var).exp()).log_prob(z).sum(-1)
    torch.testing.assert_close(log_normal_diag(z, mu, log_var), expected)


def test_iwae_with_the_exact_posterior_is_exact_for_every_K():
    # With q = p(z|x) every weight p(x, z)/q(z|x) equals p(x), so even K = 1 is exact.
    # latent_dim = 1 makes the exact posterior a diagonal Gaussian, which log_normal_diag can hold.
    model = random_model(data_dim=6, latent_dim=1)
    x, _ = model.sample(4, seed=1)
    mean, cov = model.posterior(x)
    log_var = cov.diagonal().log().expand_as(mean)
    for K in (1, 10):
        generator = torch.Generator().manual_seed(K)
        z = reparameterize(mean.expand(K, -1, -1), log_var.expand(K, -1, -1), generator)
        log_pz = log_normal_diag(z, torch.zeros_like(z), torch.zeros_like(z))
        estimate = iwae_log_likelihood(model.log_likelihood(x, z), log_pz, log_normal_diag(z, mean, log_var),
                                       num_samples=K)
        torch.testing.assert_close(estimate, model.log_marginal(x))


def test_iwae_bound_increases_with_K_towards_log_px():
    model = random_model(seed=3, data_dim=6)
    x, _ = model.sample(3, seed=2)
    posterior_mean, cov = model.posterior(x)
    mean = posterior_mean + 0.2  # a deliberately imperfect q: shifted, too wide, diagonal
    log_var = (2 * cov.diagonal()).log().expand_as(mean)
    generator = torch.Generator().manual_seed(0)
    estimates = []
    for K in (1, 10, 1000):
        repeats = 2000 // K if K < 1000 else 20
        z = reparameterize(mean.expand(repeats, K, -1, -1), log_var.expand(repeats, K, -1, -1), generator)
        log_px_z = model.log_likelihood(x, z)
        log_pz = log_normal_diag(z, 0 * z, 0 * z)
        log_qz = log_normal_diag(z, mean, log_var)
        per_repeat = torch.stack([iwae_log_likelihood(a, b, c, num_samples=K)
                                 for a, b, c in zip(log_px_z, log_pz, log_qz)])
        estimates.append(per_repeat.mean(0))
        standard_error = per_repeat.std(0) / math.sqrt(repeats)
    exact = model.log_marginal(x)
    assert (estimates[0] < estimates[1]).all() and (estimates[1] < estimates[2]).all()
    assert (estimates[2] <= exact + 4 * standard_error).all()  # a lower bound, up to MC error
    assert ((exact - estimates[2]).abs() < 0.01).all()


def test_iwae_with_one_sample_is_the_one_sample_elbo_and_checks_shapes():
    log_px_z, log_pz, log_qz = torch.tensor([[-3.0, -5.0]]), torch.tensor([[-1.0, -2.0]]), torch.tensor([[-0.5, -0.5]])
    torch.testing.assert_close(iwae_log_likelihood(log_px_z, log_pz, log_qz, num_samples=1),
                               torch.tensor([-3.5, -6.5]))
    with pytest.raises(ValueError, match=r"must all have shape \(K, batch\)"):
        iwae_log_likelihood(torch.zeros(3), torch.zeros(3), torch.zeros(3), num_samples=3)
