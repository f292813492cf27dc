"""vaebook.linear_gaussian: the exact model chapter 2 checks the ELBO against."""

import math

import pytest
import torch

from vaebook.linear_gaussian import LinearGaussian, fit_ppca


def random_model(seed=0, data_dim=5, latent_dim=2):
    generator = torch.Generator().manual_seed(seed)
    W = torch.randn(data_dim, latent_dim, generator=generator, dtype=torch.float64)
    b = torch.randn(data_dim, generator=generator, dtype=torch.float64)
    psi = 0.2 + torch.rand(data_dim, generator=generator, dtype=torch.float64)
    return LinearGaussian(W, b, psi)


def test_bayes_rule_holds_for_every_z():
    """log p(x) = log p(x, z) - log p(z | x), whatever z is."""
    model = random_model()
    x, _ = model.sample(6, seed=1)
    mean, cov = model.posterior(x)
    for seed in range(3):
        z = 3 * torch.randn(6, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        log_posterior = torch.distributions.MultivariateNormal(mean, cov).log_prob(z)
        torch.testing.assert_close(model.log_joint(x, z) - log_posterior, model.log_marginal(x))


def test_log_likelihood_matches_torch_distributions():
    model = random_model(seed=1)
    x, _ = model.sample(4, seed=0)
    z = torch.randn(3, 4, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    expected = torch.distributions.Normal(z @ model.W.T + model.b, model.psi_diag.sqrt()).log_prob(x).sum(-1)
    torch.testing.assert_close(model.log_likelihood(x, z), expected)


def test_log_marginal_matches_brute_force_integration_in_one_dimension():
    model = random_model(latent_dim=1, data_dim=3)
    x, _ = model.sample(2, seed=4)
    z = torch.linspace(-12, 12, 200_001, dtype=torch.float64)[:, None, None].expand(-1, 2, 1)
    dz = 24 / 200_000
    integral = torch.logsumexp(model.log_joint(x, z), dim=0) + math.log(dz)
    torch.testing.assert_close(integral, model.log_marginal(x))


def test_samples_have_the_model_moments():
    model = random_model(seed=2)
    x, z = model.sample(200_000, seed=0)
    torch.testing.assert_close(x.mean(0), model.b, atol=0.02, rtol=0)
    expected_cov = model.W @ model.W.T + torch.diag(model.psi_diag)
    torch.testing.assert_close(torch.cov(x.T), expected_cov, atol=0.05, rtol=0)
    torch.testing.assert_close(z.std(0), torch.ones(2, dtype=torch.float64), atol=0.01, rtol=0)


def test_fit_ppca_recovers_the_maximum_likelihood_solution():
    true_model = LinearGaussian(
        W=torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]], dtype=torch.float64),
        b=torch.tensor([1.0, -1.0, 0.5, 0.0], dtype=torch.float64),
        psi_diag=torch.full((4,), 0.25, dtype=torch.float64),
    )
    x, _ = true_model.sample(100_000, seed=0)
    model = fit_ppca(x, latent_dim=2)
    torch.testing.assert_close(model.b, true_model.b, atol=0.02, rtol=0)
    torch.testing.assert_close(model.W @ model.W.T, true_model.W @ true_model.W.T, atol=0.05, rtol=0)
    torch.testing.assert_close(model.psi_diag, true_model.psi_diag, atol=0.01, rtol=0)
    # Maximum likelihood: nudging any parameter lowers the average log-likelihood.
    best = model.log_marginal(x).mean()
    for nudged in (
        LinearGaussian(model.W * 1.05, model.b, model.psi_diag),
        LinearGaussian(model.W, model.b + 0.02, model.psi_diag),
        LinearGaussian(model.W, model.b, model.psi_diag * 1.05),
    ):
        assert nudged.log_marginal(x).mean() < best


def test_bad_arguments_raise_clear_errors():
    model = random_model()
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(N, 5\), got \(3, 4\)"):
        model.log_marginal(torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="b and psi_diag must have shape"):
        LinearGaussian(model.W, model.b[:3], model.psi_diag)
    with pytest.raises(ValueError, match="psi_diag must be positive"):
        LinearGaussian(model.W, model.b, -model.psi_diag)
    with pytest.raises(TypeError, match="W must be a torch.Tensor, got ndarray"):
        LinearGaussian(model.W.numpy(), model.b, model.psi_diag)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        model.sample(0, seed=0)
    with pytest.raises(ValueError, match=r"latent_dim must be an integer in \[1, 4\], got 0"):
        fit_ppca(torch.zeros(10, 5, dtype=torch.float64), latent_dim=0)
