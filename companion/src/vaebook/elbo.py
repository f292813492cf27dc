"""The pieces of the evidence lower bound (ELBO), in PyTorch (chapters 2-4, reused later).

Every function works on batches and returns one value per example, in nats:

- :func:`kl_diag_gaussian`: KL( N(mu, diag sigma^2) || N(0, I) ), the closed form of chapter 3;
- :func:`reparameterize`: z = mu + sigma * eps with eps ~ N(0, I), chapter 4;
- :func:`bernoulli_log_likelihood`: log p(x | z) of a Bernoulli decoder, summed over pixels;
- :func:`log_normal_diag`: log N(z; mu, diag sigma^2), summed over latent dimensions;
- :func:`iwae_log_likelihood`: the importance-weighted estimate of log p(x), chapter 2.

The book's loss convention: sum over pixels and latent dimensions, average over the
batch yourself (``.mean()``), report nats per image.

Each function checks its arguments' types and shapes, refuses pixels outside [0, 1]
(:func:`bernoulli_log_likelihood`), and refuses a NaN or infinite result, naming the
input that caused it (it reads the small result, and the inputs only when it is bad);
every error is one line naming the argument (see :mod:`vaebook.checks`). Together they
cost under 1% of a training step (``python -m benchmarks.checks_overhead``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vaebook.checks import (
    boundary,
    check_finite_result,
    check_log_weights,
    check_same_dtype,
    check_tensors,
    check_unit_interval,
)


def kl_diag_gaussian(
    mu: torch.Tensor, log_var: torch.Tensor
) -> torch.Tensor:
    """KL( N(mu, diag(exp(log_var))) || N(0, I) ) per example, in nats.

    mu, log_var: tensors of shape (batch, latent_dim).
    Returns shape (batch,).
    """
    check_tensors("(batch, latent_dim)", mu=mu, log_var=log_var)
    # expm1(v) = e^v - 1 without cancelling near v = 0, where collapsed
    # units sit (the naive e^v - 1 - v even turns negative there)
    kl = 0.5 * (mu**2 + torch.expm1(log_var) - log_var).sum(dim=-1)
    check_finite_result(kl, mu=mu, log_var=log_var)
    return kl


def reparameterize(
    mu: torch.Tensor,
    log_var: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw z = mu + sigma * eps with eps ~ N(0, I).

    Differentiable in mu and log_var. mu, log_var: tensors of the same shape,
    e.g. (batch, latent_dim); sigma = exp(log_var / 2). generator: optional
    ``torch.Generator`` for the noise eps (default: torch's global one).
    Returns z with the shape of mu.
    """
    if mu.shape != log_var.shape:
        raise ValueError(
            "mu and log_var must have the same shape, "
            f"got {tuple(mu.shape)} and {tuple(log_var.shape)}"
        )
    eps = torch.randn(
        mu.shape, generator=generator, dtype=mu.dtype, device=mu.device
    )
    z = mu + torch.exp(0.5 * log_var) * eps
    check_finite_result(z, mu=mu, log_var=log_var)
    return z


def _check_reparameterize_inputs(mu, log_var, generator) -> None:
    check_tensors("(batch, latent_dim)", mu=mu, log_var=log_var)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")


# The chapter shows reparameterize as it is; the boundary refuses numpy arrays (TypeError
# with the conversion) and a generator of the wrong kind before it runs.
reparameterize = boundary(_check_reparameterize_inputs)(reparameterize)


def bernoulli_log_likelihood(
    logits: torch.Tensor, x: torch.Tensor, *, check_pixels: bool = True
) -> torch.Tensor:
    """log Bern(x; sigmoid(logits)) summed over pixels, in nats (always <= 0).

    logits: decoder outputs f(z), shape (..., D); x: binary pixels in {0, 1}, same shape.
    Returns shape (...), e.g. (batch,). Computed as minus the binary cross-entropy with
    logits, which stays finite for large |logits| where log(sigmoid(logits)) would not.

    Refuses x outside [0, 1] (one pass over x, about 0.4% of a training step; pass
    ``check_pixels=False`` where x was checked already) and NaN or infinite logits.
    """
    check_tensors("(..., D)", logits=logits, x=x)
    check_same_dtype("x", x, "logits", logits)
    if check_pixels:
        check_unit_interval("x", x)
    log_px = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)
    check_finite_result(log_px, logits=logits, x=x)
    return log_px


def log_normal_diag(
    z: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor
) -> torch.Tensor:
    """log N(z; mu, diag(exp(log_var))), summed over the last dimension.

    z, mu, log_var: broadcastable tensors of shape (..., latent_dim); for
    the prior N(0, I) pass ``torch.zeros_like(z)`` for both mu and log_var.
    Returns shape (...), in nats.
    """
    check_tensors(
        "(..., latent_dim)", same_shape=False, z=z, mu=mu, log_var=log_var
    )
    # (z - mu) / sigma with sigma = e^(log_var / 2): 1 / sigma^2 alone
    # would overflow for a very narrow q
    scaled = (z - mu) * torch.exp(-0.5 * log_var)
    log_density = -0.5 * (math.log(2 * math.pi) + log_var + scaled**2)
    log_density = log_density.sum(dim=-1)
    check_finite_result(log_density, z=z, mu=mu, log_var=log_var)
    return log_density


def iwae_log_likelihood(
    log_px_given_z: torch.Tensor,
    log_pz: torch.Tensor,
    log_qz: torch.Tensor,
    *,
    num_samples: int,
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x): log (1/K) sum_k w_k,
    w_k = p(x, z_k) / q(z_k | x).

    Each argument has shape (K, batch): log p(x | z_k), log p(z_k) and
    log q(z_k | x) for K samples z_k ~ q(z | x) of every example. Returns
    shape (batch,), in nats. With K = 1 this is a one-sample ELBO; it
    increases towards log p(x) as K grows (Burda et al., 2016). Shapes
    cannot tell (K, batch) from (batch, K), so num_samples=K is required
    and checked against the first dimension.
    """
    check_log_weights(log_px_given_z, log_pz, log_qz, num_samples)
    log_w = log_px_given_z + log_pz - log_qz
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])
