"""Properties of the ELBO's pieces that hold for every valid input, checked with Hypothesis.

KL >= 0 with equality only at the prior; the importance-weighted bound equals the ELBO at
K = 1 and its average over samples never decreases with K; Bernoulli log-likelihoods of
binary pixels are <= 0; the Keras functions equal the PyTorch ones; every function
returns the shape its docstring promises.
"""

import itertools
import math
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from keras import ops  # noqa: E402

from vaebook import elbo  # noqa: E402
from vaebook import keras as vk  # noqa: E402
from vaebook.linear_gaussian import LinearGaussian  # noqa: E402

# modest, repeatable runs: the unit suite stays fast and a failure reproduces
PROPERTY = settings(max_examples=50, deadline=None, derandomize=True)

small = st.integers(min_value=1, max_value=6)
shapes = st.tuples(small, small)  # (batch, latent_dim)


def floats(low, high, width=64):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)


def zero_or_clear(width=64):
    """0, or a value at least 1e-3 away from it: so "KL = 0 only at the prior" is decidable."""
    return st.one_of(st.just(0.0), floats(1e-3, 5.0, width), floats(-5.0, -1e-3, width))


@PROPERTY
@given(st.data(), shapes)
def test_kl_is_non_negative_and_zero_only_at_the_prior(data, shape):
    mu = data.draw(arrays(np.float64, shape, elements=zero_or_clear()))
    log_var = data.draw(arrays(np.float64, shape, elements=zero_or_clear()))
    kl = elbo.kl_diag_gaussian(torch.from_numpy(mu), torch.from_numpy(log_var)).numpy()
    at_prior = (mu == 0).all(axis=1) & (log_var == 0).all(axis=1)
    assert (kl >= 0).all()
    assert (kl[at_prior] == 0).all()
    assert (kl[~at_prior] > 0).all()


NEAR_PRIOR = floats(float(np.float32(-1e-3)), float(np.float32(1e-3)), 32)


@PROPERTY
@given(arrays(np.float32, shapes, elements=NEAR_PRIOR))
@example(np.full((1, 1), -1e-4, np.float32))  # the naive e^v - 1 - v gave -8e-9 here
def test_kl_is_non_negative_in_float32_even_next_to_the_prior(log_var):
    kl = elbo.kl_diag_gaussian(torch.zeros(log_var.shape), torch.from_numpy(log_var))
    assert (kl >= 0).all()


@PROPERTY
@given(st.data(), small)
def test_iwae_with_one_sample_is_the_elbo(data, batch):
    terms = [data.draw(arrays(np.float64, (1, batch), elements=floats(-1e3, 1e3))) for _ in range(3)]
    log_px_given_z, log_pz, log_qz = (torch.from_numpy(t) for t in terms)
    bound = elbo.iwae_log_likelihood(log_px_given_z, log_pz, log_qz, num_samples=1)
    torch.testing.assert_close(bound, (log_px_given_z + log_pz - log_qz)[0], rtol=0, atol=1e-9)


@PROPERTY
@given(arrays(np.float64, st.integers(2, 7), elements=floats(-30.0, 30.0)))
def test_iwae_averaged_over_samples_never_decreases_with_k(log_w):
    """E[L_k] over all size-k subsets of n fixed weights is non-decreasing in k (Burda et
    al. 2016, Theorem 1: the proof averages over exactly these subsets), and E[L_1] is
    the average log-weight, the ELBO's estimate from the same draws."""
    n = len(log_w)
    means = []
    for k in range(1, n + 1):
        subsets = torch.tensor(list(itertools.combinations(log_w.tolist(), k)), dtype=torch.float64).T  # (k, C(n, k))
        zeros = torch.zeros_like(subsets)
        means.append(float(elbo.iwae_log_likelihood(subsets, zeros, zeros, num_samples=k).mean()))
    assert math.isclose(means[0], log_w.mean(), abs_tol=1e-9)
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(means))
    assert math.isclose(means[-1], float(torch.logsumexp(torch.from_numpy(log_w), 0)) - math.log(n),
                        abs_tol=1e-9)


binary_pixels = st.tuples(small, st.integers(1, 50))  # (batch, D)


@PROPERTY
@given(st.data(), binary_pixels)
def test_bernoulli_log_likelihood_of_binary_pixels_is_at_most_zero(data, shape):
    logits = data.draw(arrays(np.float32, shape, elements=floats(-60.0, 60.0, 32)))
    x = data.draw(arrays(np.float32, shape, elements=st.sampled_from([0.0, 1.0])))
    torch_value = elbo.bernoulli_log_likelihood(torch.from_numpy(logits), torch.from_numpy(x))
    keras_value = ops.convert_to_numpy(vk.bernoulli_log_likelihood(logits, x))
    assert (torch_value <= 0).all()
    assert (keras_value <= 0).all()


@PROPERTY
@given(st.data(), binary_pixels)
def test_keras_bernoulli_log_likelihood_equals_pytorch(data, shape):
    logits = data.draw(arrays(np.float32, shape, elements=floats(-20.0, 20.0, 32)))
    x = data.draw(arrays(np.float32, shape, elements=floats(0.0, 1.0, 32)))
    torch_value = elbo.bernoulli_log_likelihood(torch.from_numpy(logits), torch.from_numpy(x)).numpy()
    keras_value = ops.convert_to_numpy(vk.bernoulli_log_likelihood(logits, x))
    np.testing.assert_allclose(keras_value, torch_value, rtol=1e-5, atol=1e-4)


@PROPERTY
@given(st.data(), shapes)
def test_keras_kl_equals_pytorch(data, shape):
    mu = data.draw(arrays(np.float32, shape, elements=floats(-5.0, 5.0, 32)))
    log_var = data.draw(arrays(np.float32, shape, elements=floats(-8.0, 8.0, 32)))
    torch_value = elbo.kl_diag_gaussian(torch.from_numpy(mu), torch.from_numpy(log_var)).numpy()
    keras_value = ops.convert_to_numpy(vk.kl_diag_gaussian(mu, log_var))
    np.testing.assert_allclose(keras_value, torch_value, rtol=1e-5, atol=1e-6)


@PROPERTY
@given(small, small, small, st.integers(1, 30))
def test_output_shapes_follow_the_docstrings(samples, batch, latent_dim, pixels):
    generator = torch.Generator().manual_seed(samples * 1000 + batch * 100 + latent_dim)
    mu = torch.randn(samples, batch, latent_dim, generator=generator)
    log_var = torch.randn(samples, batch, latent_dim, generator=generator)
    z = elbo.reparameterize(mu, log_var, generator)
    assert z.shape == mu.shape
    assert elbo.kl_diag_gaussian(mu[0], log_var[0]).shape == (batch,)
    assert ops.shape(vk.kl_diag_gaussian(mu[0].numpy(), log_var[0].numpy())) == (batch,)
    log_q = elbo.log_normal_diag(z, mu, log_var)
    assert log_q.shape == (samples, batch)
    assert elbo.log_normal_diag(z, torch.zeros(latent_dim), torch.zeros(latent_dim)).shape == (samples, batch)
    logits = torch.randn(samples, batch, pixels, generator=generator)
    x = (torch.rand(samples, batch, pixels, generator=generator) < 0.5).float()
    log_px = elbo.bernoulli_log_likelihood(logits, x)
    assert log_px.shape == (samples, batch)
    assert ops.shape(vk.bernoulli_log_likelihood(logits[0].numpy(), x[0].numpy())) == (batch,)
    assert elbo.iwae_log_likelihood(log_px, log_q, log_q, num_samples=samples).shape == (batch,)
    data_dim = latent_dim + pixels
    model = LinearGaussian(
        torch.randn(data_dim, latent_dim, generator=generator, dtype=torch.float64),
        torch.zeros(data_dim, dtype=torch.float64),
        torch.ones(data_dim, dtype=torch.float64),
    )
    x_lg, _ = model.sample(batch, seed=0)
    codes = torch.randn(samples, batch, latent_dim, generator=generator, dtype=torch.float64)
    assert model.log_likelihood(x_lg, codes).shape == (samples, batch)
    assert model.log_joint(x_lg, codes).shape == (samples, batch)
    assert model.log_marginal(x_lg).shape == (batch,)
    mean, cov = model.posterior(x_lg)
    assert mean.shape == (batch, latent_dim) and cov.shape == (latent_dim, latent_dim)
