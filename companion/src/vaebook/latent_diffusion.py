"""Latent diffusion on MNIST (chapter 10): a KL-autoencoder, its scale
factor, and a small diffusion model of its codes.

- :class:`KLAutoencoder`: a convolutional VAE whose code is a 7 x 7 grid
  with a few channels, trained with chapter 7's ``beta_vae_loss`` and a
  small β. ``encode`` and ``decode`` take and give *flattened* codes
  (B, channels * 49), so chapter 6's tools (``fit``, ``evaluate``,
  ``numpy_decoder``) work on it unchanged.
- :func:`scale_factor`: 1 / standard deviation of a set of codes, the
  number that makes them unit-variance before diffusion (Stable
  Diffusion's 0.18215 is this number for its own autoencoder).
- :class:`Denoiser`: an MLP with a sinusoidal time embedding,
  ``model(u_t, t)``.
- Flow matching (rectified flow): :func:`flow_noise`,
  :func:`flow_matching_loss`, :func:`flow_sample` (Euler steps from
  t = 1, noise, to t = 0, data).
- DDPM (Ho et al. 2020): :func:`ddpm_alpha_bar`, :func:`ddpm_noise`,
  :func:`ddpm_loss`, :func:`ddim_sample` (deterministic DDIM steps).

Time runs from t = 0 (data) to t = 1 (noise) in both. Losses follow the
book's convention: summed over dimensions, averaged over the batch.
Shapes: data ``u0`` (B, dim); times ``t`` (B,) in [0, 1].
"""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import nn

from vaebook.checks import (
    check_finite,
    check_model,
    check_positive_int,
    check_seed,
    check_tensor,
)
from vaebook.torch import VAE
from vaebook.training import LossFn

CODE_SIDE = 7
"""The code is a CODE_SIDE x CODE_SIDE grid: 28 / 4, two stride-2 steps."""


def check_batch(name: str, value: object, dim: int | None = None) -> None:
    """ValueError/TypeError unless ``value`` is a finite floating tensor
    of shape (B, dim) with B >= 1 (any dim when ``dim`` is None)."""
    layout = f"(B, {'dim' if dim is None else dim})"
    check_tensor(name, value, layout)
    if value.dim() != 2 or len(value) == 0 or (
        dim is not None and value.shape[1] != dim
    ):
        raise ValueError(
            f"{name} must have shape {layout} with B >= 1, "
            f"got {tuple(value.shape)}"
        )
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating tensor, got dtype {value.dtype}"
        )
    check_finite(name, value)


def check_times(name: str, t: object, batch: int) -> None:
    """ValueError/TypeError unless ``t`` is a floating tensor (batch,)
    with values in [0, 1]."""
    check_tensor(name, t, f"({batch},)")
    if tuple(t.shape) != (batch,):
        raise ValueError(
            f"{name} must have shape ({batch},), one time per row, "
            f"got {tuple(t.shape)}"
        )
    if not t.is_floating_point():
        raise TypeError(
            f"{name} must be a floating tensor of times in [0, 1], "
            f"got dtype {t.dtype}"
        )
    if not bool(((t >= 0) & (t <= 1)).all()):
        raise ValueError(
            f"{name} must hold times in [0, 1], got values outside "
            "(or NaN)"
        )


def model_dim(model: object) -> int:
    """The data size ``model.dim`` of a denoiser (ValueError without it)."""
    check_model("model", model)
    dim = getattr(model, "dim", None)
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(
            "model must have an integer attribute dim (its data size), "
            f"got {dim!r}"
        )
    return dim


class KLAutoencoder(VAE):
    """Convolutional VAE with a code of channels x 7 x 7: Stable
    Diffusion's AutoencoderKL in miniature.

    encode(x): (B, 784) -> mu, log_var, each (B, channels * 49), the
    (B, channels, 7, 7) grids flattened. decode(z): (B, channels * 49)
    -> logits (B, 784), one Bernoulli per pixel. forward(x): chapter 6's.
    """

    def __init__(self, channels: int = 4, width: int = 16):
        nn.Module.__init__(self)  # skip VAE.__init__ (the MLP)
        check_positive_int("channels", channels)
        check_positive_int("width", width)
        self.channels = channels
        up = {"stride": 2, "padding": 1, "output_padding": 1}
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, width, 3, stride=2, padding=1),  # 14 x 14
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),  # 7 x 7
            nn.ReLU(),
            nn.Conv2d(2 * width, 2 * channels, 3, padding=1),  # mu, log_var
        )
        self.decoder = nn.Sequential(
            nn.Unflatten(1, (channels, CODE_SIDE, CODE_SIDE)),
            nn.Conv2d(channels, 2 * width, 3, padding=1),  # 7 x 7
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 3, **up),  # 14 x 14
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 3, **up),  # 28 x 28 logits
            nn.Flatten(),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(x).chunk(2, dim=1)  # (B, channels, 7, 7)
        return mu.flatten(1), log_var.flatten(1)


def scale_factor(codes: torch.Tensor) -> float:
    """1 / standard deviation of all the numbers in ``codes`` (N, d).

    Multiplied by it, the codes have variance 1, the variance of the
    diffusion's noise.
    """
    check_batch("codes", codes)
    if codes.numel() < 2:
        raise ValueError(
            "codes must hold at least 2 numbers for a standard deviation"
        )
    std = float(codes.double().std())
    if std == 0:
        raise ValueError("codes must not all be equal (standard deviation 0)")
    return 1.0 / std


def time_features(t: torch.Tensor, size: int) -> torch.Tensor:
    """Sinusoidal features (B, size) of times t (B,) in [0, 1]: sin and
    cos of t times frequencies spaced evenly in log from 1 to 1000."""
    check_tensor("t", t, "(B,)")
    if t.dim() != 1:
        raise ValueError(f"t must have shape (B,), got {tuple(t.shape)}")
    check_positive_int("size", size)
    if size % 2:
        raise ValueError(f"size must be even (sin and cos), got {size}")
    frequencies = torch.exp(torch.linspace(
        0, math.log(1000), size // 2, device=t.device, dtype=t.dtype
    ))
    angles = t[:, None] * frequencies
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class Denoiser(nn.Module):
    """MLP f(u_t, t): data (B, dim) and times (B,) in [0, 1] -> (B, dim).

    The time enters through sinusoidal features and a small MLP, added to
    the first hidden layer. Whether the output is a velocity or a noise is
    up to the loss it is trained with.
    """

    def __init__(self, dim: int, hidden: int = 768, time_size: int = 64):
        super().__init__()
        check_positive_int("dim", dim)
        check_positive_int("hidden", hidden)
        check_positive_int("time_size", time_size)
        if time_size % 2:
            raise ValueError(f"time_size must be even, got {time_size}")
        self.dim, self.time_size = dim, time_size
        self.input = nn.Linear(dim, hidden)
        self.time = nn.Sequential(
            nn.Linear(time_size, hidden), nn.SiLU(), nn.Linear(hidden, hidden)
        )
        self.body = nn.Sequential(
            nn.SiLU(), nn.Linear(hidden, hidden),
            nn.SiLU(), nn.Linear(hidden, hidden),
            nn.SiLU(), nn.Linear(hidden, dim),
        )

    def forward(self, u: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        embedding = self.time(time_features(t, self.time_size))
        return self.body(self.input(u) + embedding)


def flow_noise(
    u0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """u_t = (1 - t) u0 + t eps: the straight path from the data (t = 0)
    to the noise (t = 1). u0, eps: (B, dim); t: (B,). Returns (B, dim)."""
    check_batch("u0", u0)
    check_batch("eps", eps, u0.shape[1])
    check_times("t", t, len(u0))
    if len(eps) != len(u0):
        raise ValueError(
            f"eps must have the shape of u0 {tuple(u0.shape)}, "
            f"got {tuple(eps.shape)}"
        )
    return (1 - t)[:, None] * u0 + t[:, None] * eps


def flow_matching_loss(
    model: nn.Module,
    u0: torch.Tensor,
    t: torch.Tensor | None = None,
    eps: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """E ||f(u_t, t) - (eps - u0)||^2, summed over dimensions, averaged
    over the batch. t ~ U(0, 1) and eps ~ N(0, I) come from torch's
    global generator unless given."""
    check_model("model", model)
    check_batch("u0", u0)
    if t is None:
        t = torch.rand(len(u0), dtype=u0.dtype, device=u0.device)
    eps = torch.randn_like(u0) if eps is None else eps
    u_t = flow_noise(u0, t, eps)
    velocity = eps - u0  # d u_t / d t along the path
    loss = ((model(u_t, t) - velocity) ** 2).sum(dim=1).mean()
    return {"loss": loss}


@torch.no_grad()
def flow_sample(
    model: nn.Module, num_samples: int, *, steps: int = 50, seed: int = 0
) -> torch.Tensor:
    """Euler steps of du/dt = f(u, t) from noise u_1 ~ N(0, I) to u_0.

    model: a Denoiser trained with flow_matching_loss (it has ``dim``).
    Returns (num_samples, dim) on the model's device; ``seed`` fixes
    the noise.
    """
    dim = model_dim(model)
    check_positive_int("num_samples", num_samples)
    check_positive_int("steps", steps)
    seed = check_seed("seed", seed)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    u = torch.randn(num_samples, dim, generator=generator, device=device)
    was_training = model.training
    model.eval()
    for k in range(steps):  # t = 1, 1 - 1/steps, ..., 1/steps
        t = torch.full((num_samples,), 1 - k / steps, device=device)
        u = u - model(u, t) / steps  # u_(t - dt) = u_t - dt f(u_t, t)
    model.train(was_training)
    return u


def ddpm_alpha_bar(
    num_steps: int = 1000, first: float = 1e-4, last: float = 0.02
) -> torch.Tensor:
    """Ho et al.'s linear schedule, float64 (num_steps + 1,):
    alpha_bar_i = prod_(j <= i) (1 - b_j), b_j rising linearly from
    ``first`` to ``last``; alpha_bar_0 = 1 (the data itself)."""
    check_positive_int("num_steps", num_steps)
    for name, value in (("first", first), ("last", last)):
        if isinstance(value, bool) or not isinstance(value, Real) or not (
            0 < value < 1
        ):
            raise ValueError(
                f"{name} must be a number in (0, 1), got {value!r}"
            )
    b = torch.linspace(first, last, num_steps, dtype=torch.float64)
    ones = torch.ones(1, dtype=torch.float64)
    return torch.cat([ones, torch.cumprod(1 - b, dim=0)])


def ddpm_noise(
    u0: torch.Tensor, alpha_bar: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """u_i = sqrt(alpha_bar_i) u0 + sqrt(1 - alpha_bar_i) eps: the
    forward chain's marginal. u0, eps: (B, dim); alpha_bar: (B,)."""
    check_batch("u0", u0)
    check_batch("eps", eps, u0.shape[1])
    check_times("alpha_bar", alpha_bar, len(u0))
    if len(eps) != len(u0):
        raise ValueError(
            f"eps must have the shape of u0 {tuple(u0.shape)}, "
            f"got {tuple(eps.shape)}"
        )
    a = alpha_bar.to(u0.dtype)[:, None]
    return a.sqrt() * u0 + (1 - a).sqrt() * eps


def check_schedule(alpha_bar: object) -> int:
    """The number of steps T of a schedule alpha_bar (T + 1,), T >= 1."""
    check_tensor("alpha_bar", alpha_bar, "(T + 1,)")
    if alpha_bar.dim() != 1 or len(alpha_bar) < 2:
        raise ValueError(
            "alpha_bar must have shape (T + 1,) with T >= 1, "
            f"got {tuple(alpha_bar.shape)}"
        )
    return len(alpha_bar) - 1


def ddpm_loss(alpha_bar: torch.Tensor) -> LossFn:
    """Ho et al.'s simple loss E ||f(u_i, i / T) - eps||^2 (summed over
    dimensions, averaged over the batch) for the schedule alpha_bar
    (T + 1,); the step i is drawn from 1..T unless given."""
    num_steps = check_schedule(alpha_bar)

    def loss_fn(
        model: nn.Module,
        u0: torch.Tensor,
        i: torch.Tensor | None = None,
        eps: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        check_model("model", model)
        check_batch("u0", u0)
        if i is None:
            i = torch.randint(1, num_steps + 1, (len(u0),))
        eps = torch.randn_like(u0) if eps is None else eps
        u_i = ddpm_noise(u0, alpha_bar[i.cpu()].to(u0.device), eps)
        t = i.to(u0.device, u0.dtype) / num_steps
        loss = ((model(u_i, t) - eps) ** 2).sum(dim=1).mean()
        return {"loss": loss}

    return loss_fn


@torch.no_grad()
def ddim_sample(
    model: nn.Module,
    alpha_bar: torch.Tensor,
    num_samples: int,
    *,
    steps: int = 50,
    seed: int = 0,
) -> torch.Tensor:
    """Deterministic DDIM steps (Song et al. 2021) from u_T ~ N(0, I) to
    u_0, for a model trained with ddpm_loss(alpha_bar), visiting ``steps``
    of the T steps. Returns (num_samples, dim) on the model's device."""
    dim = model_dim(model)
    num_steps = check_schedule(alpha_bar)
    check_positive_int("num_samples", num_samples)
    check_positive_int("steps", steps)
    if steps > num_steps:
        raise ValueError(
            f"steps must be at most the schedule's T = {num_steps}, "
            f"got {steps}"
        )
    seed = check_seed("seed", seed)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    u = torch.randn(num_samples, dim, generator=generator, device=device)
    visited = torch.linspace(num_steps, 0, steps + 1).round().long()
    was_training = model.training
    model.eval()
    for i, j in zip(visited[:-1].tolist(), visited[1:].tolist()):
        a_i, a_j = float(alpha_bar[i]), float(alpha_bar[j])
        t = torch.full((num_samples,), i / num_steps, device=device)
        eps = model(u, t)
        u0 = (u - math.sqrt(1 - a_i) * eps) / math.sqrt(a_i)
        u = math.sqrt(a_j) * u0 + math.sqrt(1 - a_j) * eps
    model.train(was_training)
    return u


__all__ = [
    "CODE_SIDE",
    "check_batch",
    "check_times",
    "model_dim",
    "KLAutoencoder",
    "scale_factor",
    "time_features",
    "Denoiser",
    "flow_noise",
    "flow_matching_loss",
    "flow_sample",
    "ddpm_alpha_bar",
    "ddpm_noise",
    "check_schedule",
    "ddpm_loss",
    "ddim_sample",
]
