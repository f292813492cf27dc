"""Precision where the book's models live: each case at an input that failed before the fix.

References are computed in float64 from the textbook formula (or its series), so the
float32 results are judged against the exact value, not against themselves.
"""

import math

import numpy as np
import pytest
import torch

from vaebook.elbo import kl_diag_gaussian, log_normal_diag
from vaebook.linear_gaussian import LinearGaussian


def kl_reference(mu: float, log_var: float) -> float:
    """0.5 (mu^2 + e^v - 1 - v) in float64; for |v| < 1e-2 the series v^2/4 + v^3/12 + v^4/48."""
    if abs(log_var) < 1e-2:
        v = log_var
        return 0.5 * mu**2 + v**2 / 4 + v**3 / 12 + v**4 / 48
    return 0.5 * (mu**2 + math.expm1(log_var) - log_var)


@pytest.mark.parametrize("log_var", [-1e-4, 1e-4, 1e-3, -1e-3, 1e-2, -0.3])
def test_kl_in_float32_is_accurate_near_the_prior(log_var):
    # before the fix (e^v - 1 - v): -8.3e-9 at v = -1e-4 (a negative KL), 4.7% off at 1e-3
    kl = float(kl_diag_gaussian(torch.zeros(1, 1), torch.full((1, 1), log_var)))
    exact = kl_reference(0.0, log_var)
    assert kl >= 0
    assert kl == pytest.approx(exact, rel=2e-3)


def test_kl_in_float32_is_never_negative_for_collapsed_units():
    log_var = torch.linspace(-1e-3, 1e-3, 20_001).reshape(-1, 1)
    kl = kl_diag_gaussian(torch.zeros_like(log_var), log_var)
    assert (kl >= 0).all()


def test_keras_kl_in_float32_is_accurate_near_the_prior():
    pytest.importorskip("keras")
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from keras import ops

    from vaebook import keras as vk

    for log_var in (-1e-4, 1e-3):
        kl = float(ops.convert_to_numpy(
            vk.kl_diag_gaussian(np.zeros((1, 1), np.float32), np.full((1, 1), log_var, np.float32))
        )[0])
        assert kl == pytest.approx(kl_reference(0.0, log_var), rel=2e-3)


@pytest.mark.parametrize("log_var", [-100.0, -104.0, -110.0])
def test_log_normal_diag_is_finite_and_exact_for_very_narrow_q(log_var):
    # before the fix ((z - mu)^2 / e^v): -1272.44 at v = -100 (true -1294.9775), -inf below
    z, mu = torch.tensor([[1e-20]]), torch.zeros(1, 1)
    value = float(log_normal_diag(z, mu, torch.tensor([[log_var]])))
    exact = -0.5 * (math.log(2 * math.pi) + log_var + 1e-40 * math.exp(-log_var))
    assert math.isfinite(value)
    assert value == pytest.approx(exact, rel=1e-6)


def digit_sized_model(dtype):
    generator = torch.Generator().manual_seed(0)
    D, d = 784, 10
    W = 3 * torch.randn(D, d, generator=generator, dtype=torch.float64)
    b = torch.rand(D, generator=generator, dtype=torch.float64)
    psi = torch.full((D,), 0.01, dtype=torch.float64)
    codes = torch.randn(4, d, generator=generator, dtype=torch.float64)
    x = codes @ W.T + b + 0.1 * torch.randn(4, D, generator=generator, dtype=torch.float64)
    # codes near the ones that made x: the three terms of the expanded form nearly cancel
    z = codes + 0.1 * torch.randn(3, 4, d, generator=generator, dtype=torch.float64)
    model = LinearGaussian(W.to(dtype), b.to(dtype), psi.to(dtype))
    return model, x, z, (W, b, psi)


def residual_reference(x, z, W, b, psi):
    """log N(x; W z + b, diag psi) from the residual itself, float64."""
    residual = x - b - z @ W.T  # (..., N, D)
    return -0.5 * (784 * math.log(2 * math.pi) + psi.log().sum() + (residual**2 / psi).sum(-1))


def test_linear_gaussian_log_likelihood_in_float32_matches_the_residual_form():
    # before the fix the expanded quadratic lost 1.4 nats in float32 at D = 784
    model32, x, z, (W, b, psi) = digit_sized_model(torch.float32)
    value = model32.log_likelihood(x.float(), z.float())
    assert value.dtype == torch.float32
    exact = residual_reference(x.float().double(), z.float().double(), W.float().double(),
                               b.float().double(), psi.float().double())
    assert (value.double() - exact).abs().max() < 1e-2


def test_linear_gaussian_log_likelihood_in_float64_matches_the_residual_form():
    model64, x, z, (W, b, psi) = digit_sized_model(torch.float64)
    value = model64.log_likelihood(x, z)
    assert value.dtype == torch.float64
    torch.testing.assert_close(value, residual_reference(x, z, W, b, psi), rtol=1e-12, atol=1e-8)
