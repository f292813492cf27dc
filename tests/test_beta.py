"""The β-VAE losses and schedules: right formulas, right step counts, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vaebook import beta as vb
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import VAE, vae_loss
from vaebook.training import evaluate, fit


@pytest.fixture
def model():
    torch.manual_seed(0)
    return VAE(latent_dim=4, hidden_dim=16)


@pytest.fixture
def x():
    return (torch.rand(32, 784, generator=torch.Generator().manual_seed(1)) < 0.3).float()


def terms_by_hand(model, x, seed=0):
    torch.manual_seed(seed)
    logits, mu, log_var = model(x)
    recon = -bernoulli_log_likelihood(logits, x).mean()
    return recon, mu, log_var


def test_beta_one_is_the_vae_loss_and_beta_weights_the_kl(model, x):
    torch.manual_seed(0)
    plain = vae_loss(model, x)
    for beta in (0.0, 1.0, 4.0):
        torch.manual_seed(0)
        terms = vb.beta_vae_loss(beta)(model, x)
        torch.testing.assert_close(terms["recon"], plain["recon"])
        torch.testing.assert_close(terms["kl"], plain["kl"])
        torch.testing.assert_close(terms["loss"], plain["recon"] + beta * plain["kl"])


def test_warmup_raises_beta_linearly_over_training_steps_only(model, x):
    loss_fn = vb.warmup_loss(4)
    seen = []
    for _ in range(6):
        model.train()
        terms = loss_fn(model, x)
        seen.append(float((terms["loss"] - terms["recon"]).detach() / terms["kl"].detach()))
        model.eval()
        loss_fn(model, x)  # evaluation does not advance the schedule
    np.testing.assert_allclose(seen, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0], atol=1e-3)


def test_free_bits_counts_each_dimension_at_least_lambda(model, x):
    recon, mu, log_var = terms_by_hand(model, x)
    per_dim = (0.5 * (mu**2 + log_var.exp() - 1 - log_var)).mean(0)
    for free_bits in (0.0, float(per_dim.median()), 10.0):
        torch.manual_seed(0)
        terms = vb.free_bits_loss(free_bits)(model, x)
        expected = recon + torch.maximum(per_dim, torch.tensor(free_bits)).sum()
        torch.testing.assert_close(terms["loss"], expected)
        torch.testing.assert_close(terms["kl"], kl_diag_gaussian(mu, log_var).mean())
    # Above every dimension's KL, the KL term no longer moves the encoder.
    model.zero_grad()
    torch.manual_seed(0)
    vb.free_bits_loss(10.0)(model, x)["loss"].backward()
    gradient_with = model.log_var.weight.grad.clone()
    model.zero_grad()
    torch.manual_seed(0)
    vb.beta_vae_loss(0.0)(model, x)["loss"].backward()
    torch.testing.assert_close(gradient_with, model.log_var.weight.grad)


def test_capacity_target_rises_linearly_then_stays(model, x):
    loss_fn = vb.capacity_loss(capacity=6.0, steps=3, gamma=2.0)
    targets = []
    model.train()
    for _ in range(5):
        torch.manual_seed(0)
        terms = loss_fn(model, x)
        targets.append(float(terms["capacity"]))
        torch.testing.assert_close(
            terms["loss"], terms["recon"] + 2.0 * (terms["kl"] - targets[-1]).abs()
        )
    np.testing.assert_allclose(targets, [0.0, 2.0, 4.0, 6.0, 6.0])


def test_capacity_training_brings_the_kl_near_its_target():
    torch.manual_seed(0)
    x = (torch.rand(512, 784, generator=torch.Generator().manual_seed(2)) < 0.2).float()
    x[:256, :392] = 1.0  # two kinds of images: a code has something to say
    model = VAE(latent_dim=4, hidden_dim=32)
    fit(model, vb.capacity_loss(3.0, 40, 50.0), x, epochs=20, batch_size=64,
        lr=3e-3, progress=False)
    torch.manual_seed(0)
    kl = evaluate(model, vae_loss, x)["kl"]
    assert abs(kl - 3.0) < 0.75, kl


def test_encode_means_and_active_units(model, x):
    mu = vb.encode_means(model, x, batch_size=10)
    with torch.no_grad():
        np.testing.assert_allclose(mu, model.encode(x)[0].numpy(), atol=1e-6)
    codes = np.zeros((100, 3))
    codes[:, 1] = np.linspace(-1, 1, 100)  # variance 0.34
    codes[:, 2] = np.linspace(-0.1, 0.1, 100)  # variance 0.0034
    np.testing.assert_array_equal(vb.active_units(codes), [False, True, False])
    np.testing.assert_array_equal(vb.active_units(codes, threshold=0.001), [False, True, True])


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: vb.beta_vae_loss(-1.0), "beta"),
        (lambda: vb.beta_vae_loss("2"), "beta"),
        (lambda: vb.beta_vae_loss(float("nan")), "beta"),
        (lambda: vb.free_bits_loss(-0.5), "free_bits"),
        (lambda: vb.warmup_loss(0), "warmup_steps"),
        (lambda: vb.capacity_loss(-1.0, 10, 1.0), "capacity"),
        (lambda: vb.capacity_loss(1.0, 0, 1.0), "steps"),
        (lambda: vb.capacity_loss(1.0, 10, -1.0), "gamma"),
        (lambda: vb.active_units(np.zeros(5)), "mu"),
        (lambda: vb.active_units(np.zeros((5, 2)), threshold=-1), "threshold"),
    ],
)
def test_bad_arguments_raise_a_one_line_error_naming_them(make, name):
    with pytest.raises(ValueError, match=f"^{name} must") as info:
        make()
    assert "\n" not in str(info.value)


# --- code_information: I(x; z) from the model's own codes ---------------------------------


def test_code_information_matches_a_gaussian_channel_and_is_zero_without_one():
    # z = mu + unit noise with mu ~ N(0, 9): I(x; z) = log(1 + 9) / 2 nats; the second
    # dimension has the same mean for every x, so it knows nothing.
    rng = np.random.default_rng(0)
    mu = np.c_[3 * rng.standard_normal(3000), np.zeros(3000)]
    info = vb.code_information(mu, np.zeros_like(mu), queries=3000, seed=1)
    exact = 0.5 * np.log(10.0)
    assert abs(info.total - exact) < 3 * info.stderr + 0.02
    assert abs(info.per_dimension[0] - exact) < 3 * info.stderr + 0.02
    assert abs(info.per_dimension[1]) < 1e-9
    assert 0 < info.stderr < 0.05


def test_code_information_saturates_at_log_n_for_codes_that_tell_every_row_apart():
    mu = np.arange(50.0)[:, None] * np.ones((1, 2)) * 100
    info = vb.code_information(mu, np.full_like(mu, -4.0), queries=50)
    np.testing.assert_allclose(info.total, np.log(50), atol=1e-6)
    assert info.total <= np.log(50) + 1e-9


def test_code_information_of_independent_dimensions_adds_up():
    rng = np.random.default_rng(2)
    mu = rng.standard_normal((400, 3)) * np.array([2.0, 1.0, 0.0])
    log_var = np.zeros_like(mu)
    whole = vb.code_information(mu, log_var, queries=400)
    # dimensions independent given x and (nearly) across x: I(x; z) ~ sum of I(x; z_j)
    assert abs(whole.total - whole.per_dimension.sum()) < 0.15
    assert whole.per_dimension[0] > whole.per_dimension[1] > abs(whole.per_dimension[2])


def test_code_information_is_repeatable_and_uses_all_rows_when_queries_exceed_n():
    rng = np.random.default_rng(3)
    mu, log_var = rng.standard_normal((30, 2)), rng.standard_normal((30, 2)) * 0.1
    first = vb.code_information(mu, log_var, queries=100, seed=5)
    again = vb.code_information(mu, log_var, queries=100, seed=5)
    assert first.total == again.total
    assert np.isfinite(first.stderr)


def test_code_information_reads_the_variances_as_log_variances():
    # mu ~ N(0, 1), sigma = 0.5: I(x; z) = log(1 + 1 / 0.25) / 2 nats
    rng = np.random.default_rng(4)
    mu = rng.standard_normal((3000, 1))
    info = vb.code_information(mu, np.full_like(mu, np.log(0.25)), queries=3000, seed=2)
    assert abs(info.total - 0.5 * np.log(5.0)) < 3 * info.stderr + 0.02
