"""The β-VAE objective, its schedules and a deeper VAE (chapter 7), for later chapters.

Each function returns a ``loss_fn(model, x) -> {"loss": ..., "recon": ..., "kl": ...}``
for :func:`vaebook.training.fit`, in the book's convention (nats per image, summed over
pixels and latent dimensions, averaged over the batch), for any model with the
``forward`` of :class:`vaebook.torch.VAE`:

- :func:`beta_vae_loss`: recon + β KL (Higgins et al., 2017);
- :func:`warmup_loss`: β raised linearly from 0 to 1 over the first steps (Bowman et al., 2016);
- :func:`free_bits_loss`: each latent dimension's KL counted as at least λ nats
  (Kingma et al., 2016);
- :func:`capacity_loss`: recon + γ |KL - C| with C raised linearly (Burgess et al., 2018);
- :func:`code_information`: what the codes of a data set know about it, I(x; z) and each
  I(x; z_j), with the aggregate posterior as the mixture of the data's posteriors.

The scheduled losses count the training steps they have seen (calls in training mode;
``evaluate`` puts the model in eval mode and does not advance them), so build a fresh
one for every model you train. ``"recon"`` and ``"kl"`` are always the plain terms, so
``recon + kl`` is the model's -ELBO whatever the objective.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from torch import nn

from vaebook.checks import (
    check_codes_matrix,
    check_digits,
    check_non_negative,
    check_positive_int,
    check_same_shape,
    check_seed,
    check_vae,
)
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import PIXELS, VAE
from vaebook.training import LossFn


class DeepVAE(VAE):
    """VAE with two hidden layers: 784 -> 256 -> 128 -> (mu, log_var), decoder
    mirrored; same encode, decode and forward as VAE (chapter 7's shapes)."""

    def __init__(self, latent_dim: int = 10, hidden_dims=(256, 128)):
        nn.Module.__init__(self)  # skip VAE.__init__: it builds one layer
        check_positive_int("latent_dim", latent_dim)
        if isinstance(hidden_dims, (str, bytes)) or len(tuple(hidden_dims)) != 2:
            raise ValueError(f"hidden_dims must be two positive integers, got {hidden_dims!r}")
        first, second = hidden_dims
        check_positive_int("hidden_dims[0]", first)
        check_positive_int("hidden_dims[1]", second)
        self.encoder = nn.Sequential(
            nn.Linear(PIXELS, first), nn.ReLU(),
            nn.Linear(first, second), nn.ReLU(),
        )
        self.mu = nn.Linear(second, latent_dim)
        self.log_var = nn.Linear(second, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, second), nn.ReLU(),
            nn.Linear(second, first), nn.ReLU(),
            nn.Linear(first, PIXELS),
        )


def beta_vae_loss(beta: float) -> LossFn:
    """The β-VAE loss: -log p(x | z) + β KL(q(z | x) || p(z)), nats per image.

    β = 1 is the VAE's -ELBO."""
    beta = check_non_negative("beta", beta)

    def loss_fn(model: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, mu, log_var = model(x)
        recon = -bernoulli_log_likelihood(logits, x).mean()
        kl = kl_diag_gaussian(mu, log_var).mean()
        return {"loss": recon + beta * kl, "recon": recon, "kl": kl}

    return loss_fn


def warmup_loss(warmup_steps: int) -> LossFn:
    """KL warm-up: recon + β_t KL, with β_t = min(1, t / warmup_steps) at
    training step t."""
    check_positive_int("warmup_steps", warmup_steps)
    step = 0

    def loss_fn(model: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
        nonlocal step
        beta = min(1.0, step / warmup_steps)
        step += model.training  # count training steps only
        logits, mu, log_var = model(x)
        recon = -bernoulli_log_likelihood(logits, x).mean()
        kl = kl_diag_gaussian(mu, log_var).mean()
        return {"loss": recon + beta * kl, "recon": recon, "kl": kl}

    return loss_fn


def free_bits_loss(free_bits: float) -> LossFn:
    """Free bits: recon + sum_j max(λ, KL_j), with KL_j the KL of dimension j
    averaged over the batch and λ = free_bits nats (below λ, KL is free)."""
    free_bits = check_non_negative("free_bits", free_bits)

    def loss_fn(model: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, mu, log_var = model(x)
        recon = -bernoulli_log_likelihood(logits, x).mean()
        kl_j = 0.5 * (mu**2 + log_var.exp() - 1.0 - log_var).mean(dim=0)
        counted = kl_j.clamp(min=free_bits).sum()
        return {"loss": recon + counted, "recon": recon, "kl": kl_j.sum()}

    return loss_fn


def capacity_loss(capacity: float, steps: int, gamma: float) -> LossFn:
    """Controlled capacity: recon + γ |KL - C_t| with the target
    C_t = capacity * min(1, t / steps) nats at step t, returned too."""
    capacity = check_non_negative("capacity", capacity)
    check_positive_int("steps", steps)
    gamma = check_non_negative("gamma", gamma)
    step = 0

    def loss_fn(model: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
        nonlocal step
        target = capacity * min(1.0, step / steps)
        step += model.training  # count training steps only
        logits, mu, log_var = model(x)
        recon = -bernoulli_log_likelihood(logits, x).mean()
        kl = kl_diag_gaussian(mu, log_var).mean()
        loss = recon + gamma * (kl - target).abs()
        target = torch.tensor(target)
        return {"loss": loss, "recon": recon, "kl": kl, "capacity": target}

    return loss_fn


def encode_means(model: VAE, x: torch.Tensor, batch_size: int = 4096) -> np.ndarray:
    """The encoder's mean μ of every row of ``x`` (N, 784): numpy array (N, latent_dim).

    x: a floating tensor of digits in [0, 1], the model's dtype and device."""
    check_positive_int("batch_size", batch_size)
    check_vae("model", model)
    check_digits("x", x, PIXELS, model)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        mu = torch.cat([model.encode(chunk)[0] for chunk in x.split(batch_size)])
    model.train(was_training)
    return mu.cpu().numpy()


def active_units(mu: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Which latent dimensions are active: Var over the data of μ_j above ``threshold``
    (Burda et al., 2016). mu: (N, latent_dim). Returns a bool array (latent_dim,)."""
    mu = check_codes_matrix("mu", mu, min_rows=2, data_set=True)  # finite, one row per data point
    threshold = check_non_negative("threshold", threshold)
    return mu.var(axis=0) > threshold


class Information(NamedTuple):
    """Result of :func:`code_information`, in nats: ``total`` the estimate of
    I(x; z), ``per_dimension`` that of each I(x; z_j), shape (latents,), and
    ``stderr`` the Monte Carlo standard error of ``total``."""

    total: float
    per_dimension: np.ndarray
    stderr: float


def code_information(
    mu: np.ndarray, log_var: np.ndarray, queries: int = 1000, seed: int = 0
) -> Information:
    """I(x; z) and each I(x; z_j) in nats, x uniform over the N rows of the
    posteriors q(z | x_n) = N(mu_n, exp(log_var_n)), both arrays (N, latents).

    q(z) is their mixture (1/N) sum_n q(z | x_n). For `queries` random rows
    x_m, one z_m ~ q(z | x_m) each: the mean of log q(z_m | x_m) - log q(z_m).
    Never above log N (q(z) >= q(z | x_m) / N)."""
    mu = check_codes_matrix("mu", mu, data_set=True)
    log_var = check_codes_matrix("log_var", log_var, data_set=True)
    check_same_shape("mu", mu, "log_var", log_var)
    check_positive_int("queries", queries)
    rng = np.random.default_rng(check_seed("seed", seed))
    rows = rng.permutation(len(mu))[:queries]
    std = np.exp(0.5 * log_var[rows])
    z = torch.from_numpy(mu[rows] + std * rng.standard_normal(std.shape))
    means, log_vars = torch.from_numpy(mu), torch.from_numpy(log_var)
    log_n = np.log(len(mu))
    joint, marginal = [], []  # log q(z_m | x_m) - log q(z_m), whole and per z_j
    chunk = max(1, 2**22 // mu.size)  # log q(z_m | x_n): (chunk, N, latents)
    for start in range(0, len(rows), chunk):
        z_m = z[start:start + chunk, None]
        own = torch.from_numpy(rows[start:start + chunk])
        log_q = -0.5 * (np.log(2 * np.pi) + log_vars
                        + (z_m - means) ** 2 / log_vars.exp())
        own_j = log_q[torch.arange(len(own)), own]  # log q(z_mj | x_m)
        marginal.append(own_j - (torch.logsumexp(log_q, dim=1) - log_n))
        mixture = torch.logsumexp(log_q.sum(-1), dim=1) - log_n
        joint.append(own_j.sum(-1) - mixture)
    terms, per_j = torch.cat(joint).numpy(), torch.cat(marginal).numpy()
    spread = terms.std(ddof=1) if len(terms) > 1 else np.inf
    stderr = spread / np.sqrt(len(terms))
    return Information(float(terms.mean()), per_j.mean(0), float(stderr))


__all__ = [
    "DeepVAE",
    "beta_vae_loss",
    "warmup_loss",
    "free_bits_loss",
    "capacity_loss",
    "encode_means",
    "active_units",
    "Information",
    "code_information",
]
