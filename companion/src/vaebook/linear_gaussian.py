"""The linear-Gaussian latent model of chapter 2, where everything the ELBO approximates is exact.

    p(z) = N(0, I_d),    p(x | z) = N(W z + b, Psi),    Psi = diag(psi_diag)

is factor analysis (probabilistic PCA when Psi = sigma^2 I, Tipping & Bishop 1999). Its
marginal and posterior have closed forms,

    p(x) = N(x; b, W W^T + Psi),
    p(z | x) = N(z; C W^T Psi^-1 (x - b), C),    C = (I + W^T Psi^-1 W)^-1,

so it is the test bed for anything that estimates log p(x) or approximates p(z | x):
an ELBO must stay below :meth:`LinearGaussian.log_marginal`, its gap must equal
KL(q || p(z | x)), and an importance-weighted estimate must converge to it.

Usage::

    model = fit_ppca(x_train, latent_dim=2)          # x_train: (N, D) float64 tensor
    model.log_marginal(x)                            # (N,) exact log p(x), nats
    mean, cov = model.posterior(x)                   # (N, d) and (d, d)
    model.log_joint(x, z)                            # log p(x, z) for z of shape (..., N, d)
    x, z = model.sample(100, seed=0)                 # draws from p(z) p(x | z)

All tensors are float64: the exact log-densities are compared with Monte Carlo
estimates to a few hundredths of a nat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from vaebook.checks import check_codes, check_data_matrix, check_finite, check_seed


@dataclass(frozen=True)
class LinearGaussian:
    """p(z) = N(0, I), p(x | z) = N(W z + b, diag(psi_diag)); W (D, d), b (D,), psi_diag (D,)."""

    W: torch.Tensor
    b: torch.Tensor
    psi_diag: torch.Tensor

    def __post_init__(self) -> None:
        for name in ("W", "b", "psi_diag"):
            if not isinstance(getattr(self, name), torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(getattr(self, name)).__name__}")
        if self.W.dim() != 2:
            raise ValueError(f"W must have shape (D, d), got {tuple(self.W.shape)}")
        D = self.W.shape[0]
        if self.b.shape != (D,) or self.psi_diag.shape != (D,):
            raise ValueError(
                f"b and psi_diag must have shape ({D},) to match W, got "
                f"{tuple(self.b.shape)} and {tuple(self.psi_diag.shape)}"
            )
        for name in ("W", "b", "psi_diag"):
            check_finite(name, getattr(self, name))
        if not bool((self.psi_diag > 0).all()):
            raise ValueError(
                "psi_diag must be positive (it holds the noise variances), "
                f"got a minimum of {float(self.psi_diag.min()):g}"
            )

    @property
    def data_dim(self) -> int:
        """D, the dimension of x."""
        return self.W.shape[0]

    @property
    def latent_dim(self) -> int:
        """d, the dimension of z."""
        return self.W.shape[1]

    def _check_x(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (N, {self.data_dim}), got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must be a tensor of shape (N, {self.data_dim}), got {tuple(x.shape)}")
        check_finite("x", x)

    def log_marginal(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) = log N(x; b, W W^T + Psi) per row of x (N, D); returns (N,) nats."""
        self._check_x(x)
        cov = self.W @ self.W.T + torch.diag(self.psi_diag)
        return torch.distributions.MultivariateNormal(self.b, covariance_matrix=cov).log_prob(x)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact p(z | x) = N(mean, cov): mean (N, d), one shared cov (d, d)."""
        self._check_x(x)
        W_over_psi = self.W / self.psi_diag[:, None]  # Psi^-1 W, (D, d)
        precision = torch.eye(self.latent_dim, dtype=self.W.dtype) + self.W.T @ W_over_psi
        cov = torch.linalg.inv(precision)
        mean = (x - self.b) @ W_over_psi @ cov
        return mean, cov

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x | z) = log N(x; W z + b, Psi) for x (N, D) and z (..., N, d); returns (..., N).

        The squared distance ||x - b - W z||^2 in the metric Psi^-1 is expanded as
        ||r||^2 - 2 r^T A z + z^T A^T A z with r = Psi^-1/2 (x - b) and A = Psi^-1/2 W, so
        many codes per digit cost O(d^2) each instead of forming a (..., N, D) tensor.
        The three terms nearly cancel (each is hundreds of nats at D = 784), so they are
        always summed in float64; the result has the dtype of x and z promoted with the
        model's (float32 for a float32 model and float32 inputs).
        """
        self._check_x(x)
        check_codes("z", z, self.latent_dim, len(x))
        check_finite("z", z)
        out_dtype = torch.promote_types(torch.promote_types(x.dtype, z.dtype), self.W.dtype)
        scale = self.psi_diag.double().rsqrt()
        r = (x.double() - self.b.double()) * scale  # (N, D)
        A = self.W.double() * scale[:, None]  # (D, d)
        z64 = z.double()
        squared_distance = (r**2).sum(-1) - 2 * (z64 * (r @ A)).sum(-1) + ((z64 @ (A.T @ A)) * z64).sum(-1)
        log_normalizer = self.data_dim * math.log(2 * math.pi) + self.psi_diag.double().log().sum()
        return (-0.5 * (log_normalizer + squared_distance)).to(out_dtype)

    def log_joint(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x, z) = log p(z) + log p(x | z) for x (N, D) and z (..., N, d); returns (..., N)."""
        self._check_x(x)
        check_codes("z", z, self.latent_dim, len(x))
        check_finite("z", z)
        log_pz = -0.5 * (math.log(2 * math.pi) + z**2).sum(dim=-1)
        return log_pz + self.log_likelihood(x, z)

    def sample(self, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n pairs from p(z) p(x | z) with ``torch.Generator().manual_seed(seed)``: x (n, D), z (n, d)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        check_seed("seed", seed)
        generator = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=self.W.dtype)
        noise = torch.randn(n, self.data_dim, generator=generator, dtype=self.W.dtype)
        return z @ self.W.T + self.b + noise * self.psi_diag.sqrt(), z


def fit_ppca(x: torch.Tensor, latent_dim: int) -> LinearGaussian:
    """Maximum-likelihood probabilistic PCA of the rows of x (N, D).

    Tipping & Bishop (1999): b is the mean digit; sigma^2 the mean variance
    that the top latent_dim principal directions leave out;
    W = U (Lambda - sigma^2 I)^(1/2), with U, Lambda the top eigenvectors
    and eigenvalues of the data covariance. Returns a LinearGaussian with
    Psi = sigma^2 I.
    """
    check_data_matrix("x", x, more_rows_than_columns=True)
    if (
        isinstance(latent_dim, bool)
        or not isinstance(latent_dim, int)
        or not 1 <= latent_dim < x.shape[1]
    ):
        raise ValueError(
            f"latent_dim must be an integer in [1, {x.shape[1] - 1}], "
            f"got {latent_dim!r}"
        )
    b = x.mean(dim=0)
    covariance = (x - b).T @ (x - b) / x.shape[0]  # maximum likelihood
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)  # ascending
    eigenvalues, eigenvectors = eigenvalues.flip(0), eigenvectors.flip(1)
    sigma2 = eigenvalues[latent_dim:].mean()
    scales = (eigenvalues[:latent_dim] - sigma2).sqrt()
    W = eigenvectors[:, :latent_dim] * scales
    psi_diag = sigma2.expand(x.shape[1]).clone()
    return LinearGaussian(W=W, b=b, psi_diag=psi_diag)
