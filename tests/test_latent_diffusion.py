"""vaebook.latent_diffusion: the noising processes against their closed forms, the
samplers driven by the true velocity or noise, the scale factor, and the losses on
hand-computed cases."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from vaebook.beta import beta_vae_loss
from vaebook.latent_diffusion import (
    CODE_SIDE,
    Denoiser,
    KLAutoencoder,
    ddim_sample,
    ddpm_alpha_bar,
    ddpm_loss,
    ddpm_noise,
    flow_matching_loss,
    flow_noise,
    flow_sample,
    scale_factor,
    time_features,
)


class Identity(nn.Module):
    """f(u, t) = u: a model whose loss is easy to compute by hand."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
        self.unused = nn.Parameter(torch.zeros(1))  # a parameter gives the device

    def forward(self, u, t):
        return u


class GaussianVelocity(nn.Module):
    """The exact velocity E[eps - u0 | u_t] for data u0 ~ N(m, s^2 I), u_t = (1-t) u0 + t eps."""

    def __init__(self, m: float, s: float, dim: int):
        super().__init__()
        self.m, self.s, self.dim = m, s, dim
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, u, t):
        t = t[:, None].double()
        variance = (1 - t) ** 2 * self.s**2 + t**2
        covariance = t - (1 - t) * self.s**2  # Cov(eps - u0, u_t)
        return (-self.m + covariance / variance * (u.double() - (1 - t) * self.m)).float()


class GaussianNoise(nn.Module):
    """The exact noise E[eps | u_i] for data u0 ~ N(m, s^2 I) under the DDPM schedule."""

    def __init__(self, m: float, s: float, dim: int, alpha_bar: torch.Tensor):
        super().__init__()
        self.m, self.s, self.dim, self.alpha_bar = m, s, dim, alpha_bar
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, u, t):
        num_steps = len(self.alpha_bar) - 1
        a = self.alpha_bar[(t * num_steps).round().long()][:, None]
        variance = a * self.s**2 + 1 - a
        return ((1 - a).sqrt() / variance * (u.double() - a.sqrt() * self.m)).float()


# ---------------------------------------------------------------- the noising processes


def test_ddpm_closed_form_marginal_matches_the_step_by_step_chain():
    """q(u_i | u_{i-1}) = N(sqrt(1 - b_i) u_{i-1}, b_i I), run step by step, has the marginal
    N(sqrt(alpha_bar_i) u0, (1 - alpha_bar_i) I) that ddpm_noise draws from."""
    num_steps, n = 200, 20000
    alpha_bar = ddpm_alpha_bar(num_steps, 1e-3, 0.05)
    b = 1 - alpha_bar[1:] / alpha_bar[:-1]  # the per-step variances
    generator = torch.Generator().manual_seed(0)
    u0 = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64).expand(n, 3)
    u = u0.clone()
    for i in range(1, num_steps + 1):
        u = (1 - b[i - 1]).sqrt() * u + b[i - 1].sqrt() * torch.randn(
            u.shape, generator=generator, dtype=torch.float64)
        if i in (20, 100, 200):
            closed = ddpm_noise(u0, alpha_bar[i].expand(n), torch.randn(
                u.shape, generator=generator, dtype=torch.float64))
            a = float(alpha_bar[i])
            for sample in (u, closed):
                assert torch.allclose(sample.mean(0), math.sqrt(a) * u0[0], atol=0.03)
                assert torch.allclose(sample.var(0), torch.full((3,), 1 - a, dtype=torch.float64),
                                      rtol=0.05, atol=0.003)


def test_ddpm_schedule_is_ho_et_als():
    alpha_bar = ddpm_alpha_bar()
    assert alpha_bar.shape == (1001,) and alpha_bar[0] == 1
    assert bool((alpha_bar[1:] < alpha_bar[:-1]).all())
    assert alpha_bar[1] == pytest.approx(1 - 1e-4)
    assert alpha_bar[-1] == pytest.approx(4.04e-5, rel=0.01)  # almost pure noise at T


def test_flow_marginal_is_the_straight_line_with_noise_t():
    n = 20000
    generator = torch.Generator().manual_seed(1)
    u0 = torch.tensor([[2.0, -1.0]], dtype=torch.float64).expand(n, 2)
    for t in (0.0, 0.3, 1.0):
        eps = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        u_t = flow_noise(u0, torch.full((n,), t, dtype=torch.float64), eps)
        assert torch.allclose(u_t.mean(0), (1 - t) * u0[0], atol=0.03)
        assert torch.allclose(u_t.std(0), torch.full((2,), t, dtype=torch.float64), atol=0.02)


# ---------------------------------------------------------------- the samplers


def test_flow_sampler_with_the_true_velocity_recovers_a_point():
    """For data at one point u0 the velocity is (u - u0) / t: Euler is exact."""
    target = torch.tensor([1.5, -2.0, 0.25])

    class PointVelocity(Identity):
        def forward(self, u, t):
            return (u - target) / t[:, None]

    samples = flow_sample(PointVelocity(3), 5, steps=7, seed=0)
    assert torch.allclose(samples, target.expand(5, 3), atol=1e-5)


def test_flow_sampler_with_the_true_velocity_draws_the_gaussian_data():
    samples = flow_sample(GaussianVelocity(2.0, 0.5, 4), 4000, steps=200, seed=0)
    assert abs(float(samples.mean()) - 2.0) < 0.02
    assert abs(float(samples.std()) - 0.5) < 0.02


def test_ddim_with_the_true_noise_recovers_a_point_and_draws_the_gaussian_data():
    alpha_bar = ddpm_alpha_bar()
    target = torch.tensor([1.5, -2.0, 0.25])

    class PointNoise(Identity):
        def forward(self, u, t):
            a = alpha_bar[(t * 1000).round().long()][:, None].float()
            return (u - a.sqrt() * target) / (1 - a).sqrt()

    samples = ddim_sample(PointNoise(3), alpha_bar, 5, steps=10, seed=0)
    assert torch.allclose(samples, target.expand(5, 3), atol=1e-4)
    samples = ddim_sample(GaussianNoise(2.0, 0.5, 4, alpha_bar), alpha_bar, 4000, steps=200)
    assert abs(float(samples.mean()) - 2.0) < 0.02
    assert abs(float(samples.std()) - 0.5) < 0.02


def test_samplers_are_seeded_and_leave_the_training_mode_alone():
    model = Denoiser(6, hidden=16, time_size=8)
    model.train()
    first = flow_sample(model, 3, steps=4, seed=5)
    assert model.training and torch.equal(first, flow_sample(model, 3, steps=4, seed=5))
    assert not torch.equal(first, flow_sample(model, 3, steps=4, seed=6))
    alpha_bar = ddpm_alpha_bar(50)
    assert torch.equal(ddim_sample(model, alpha_bar, 3, steps=5, seed=1),
                       ddim_sample(model, alpha_bar, 3, steps=5, seed=1))


# ---------------------------------------------------------------- the scale factor


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 100), st.floats(-10, 10), st.integers(0, 2**31))
def test_the_scale_factor_makes_the_codes_unit_variance(spread, shift, seed):
    generator = torch.Generator().manual_seed(seed)
    codes = shift + spread * torch.randn(200, 12, generator=generator)
    s = scale_factor(codes)
    assert float((s * codes).double().std()) == pytest.approx(1.0, rel=1e-5)
    assert s == pytest.approx(1 / spread, rel=0.1)


# ---------------------------------------------------------------- the losses by hand


def test_flow_matching_loss_on_a_hand_computed_case():
    # u0 = (1, 2), eps = (0, 2), t = 1/2: u_t = (0.5, 2), velocity eps - u0 = (-1, 0);
    # the identity model predicts (0.5, 2): error (1.5, 2), loss 2.25 + 4 = 6.25.
    loss = flow_matching_loss(Identity(2), torch.tensor([[1.0, 2.0]]),
                              torch.tensor([0.5]), torch.tensor([[0.0, 2.0]]))["loss"]
    assert float(loss) == pytest.approx(6.25)
    # A batch of two averages the rows: the second row at t = 0 has u_t = u0 = (3, 0),
    # velocity (-3, 0), error (6, 0), 36; mean (6.25 + 36) / 2.
    loss = flow_matching_loss(Identity(2), torch.tensor([[1.0, 2.0], [3.0, 0.0]]),
                              torch.tensor([0.5, 0.0]), torch.tensor([[0.0, 2.0], [0.0, 0.0]]))["loss"]
    assert float(loss) == pytest.approx((6.25 + 36) / 2)


def test_ddpm_loss_on_a_hand_computed_case():
    # alpha_bar_1 = 0.64: u_1 = 0.8 (1, 2) + 0.6 (0, 2) = (0.8, 2.8); the identity model
    # predicts (0.8, 2.8) for eps = (0, 2): error (0.8, 0.8), loss 1.28.
    loss_fn = ddpm_loss(torch.tensor([1.0, 0.64]))
    loss = loss_fn(Identity(2), torch.tensor([[1.0, 2.0]]), torch.tensor([1]),
                   torch.tensor([[0.0, 2.0]]))["loss"]
    assert float(loss) == pytest.approx(1.28)


def test_losses_draw_their_times_and_noise_when_not_given():
    torch.manual_seed(0)
    model = Denoiser(5, hidden=16, time_size=8)
    u0 = torch.randn(64, 5)
    for loss_fn in (flow_matching_loss, ddpm_loss(ddpm_alpha_bar(100))):
        torch.manual_seed(1)
        first = loss_fn(model, u0)["loss"]
        torch.manual_seed(1)
        assert torch.equal(first, loss_fn(model, u0)["loss"])
        assert first.requires_grad and float(first.detach()) > 0


# ---------------------------------------------------------------- the networks


def test_kl_autoencoder_has_a_spatial_code_and_trains_with_chapter_7s_loss():
    torch.manual_seed(0)
    model = KLAutoencoder(channels=3, width=8)
    x = (torch.rand(5, 784) < 0.3).float()
    mu, log_var = model.encode(x)
    assert mu.shape == log_var.shape == (5, 3 * CODE_SIDE**2)
    assert model.decode(mu).shape == (5, 784)
    # The flattened code is the (channels, 7, 7) grid read row by row.
    grid = model.encoder(x)[:, :3]
    assert torch.equal(mu.view(5, 3, CODE_SIDE, CODE_SIDE), grid)
    terms = beta_vae_loss(0.1)(model, x)
    loss, recon, kl = (float(terms[key].detach()) for key in ("loss", "recon", "kl"))
    assert loss == pytest.approx(recon + 0.1 * kl)
    terms["loss"].backward()
    assert all(p.grad is not None for p in model.parameters())


def test_denoiser_shapes_and_time_features():
    model = Denoiser(7, hidden=32, time_size=10)
    assert model(torch.randn(4, 7), torch.rand(4)).shape == (4, 7)
    features = time_features(torch.tensor([0.0, 0.5]), 10)
    assert features.shape == (2, 10)
    assert torch.equal(features[0], torch.tensor([0.0] * 5 + [1.0] * 5))
    with pytest.raises(ValueError, match="time_size must be even"):
        Denoiser(7, time_size=9)
