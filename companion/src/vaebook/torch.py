"""The PyTorch VAE of chapter 6, reused by later chapters.

Both models take flattened digits ``x`` of shape ``(B, 784)`` (values in
``{0, 1}`` or ``[0, 1]``), return decoder *logits* of the same shape, and
share one loss, :func:`vae_loss`, in the book's convention: summed over
pixels and latent dimensions, averaged over the batch, in nats per image.
Train them with :func:`vaebook.training.fit`; evaluate them with
:func:`vaebook.training.evaluate` (the test -ELBO) and
:func:`estimate_log_px` (the importance-weighted bound).

Chapter 6 ends with the part between the two ``listing`` comments below as
one listing (a ``literalinclude``): keep it a complete program.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from vaebook.checks import (
    boundary,
    check_codes_matrix,
    check_digits,
    check_model,
    check_seed,
    check_tensor,
    check_unit_interval,
    latent_size,
)
from vaebook.data import binarize

# --- listing of chapter 6 begins ---
import torch
from torch import nn
from torch.distributions import Normal

from vaebook.checks import check_positive_int
from vaebook.elbo import (
    bernoulli_log_likelihood,
    iwae_log_likelihood,
    kl_diag_gaussian,
    log_normal_diag,
    reparameterize,
)

PIXELS = 784
"""Pixels of one flattened 28 x 28 MNIST digit (the book's D)."""


class VAE(nn.Module):
    """MLP VAE: 784 -> hidden -> (mu, log_var) -> z -> hidden -> logits.

    encode(x): (B, 784) -> mu, log_var, each (B, latent_dim).
    decode(z): (B, latent_dim) -> logits (B, 784), a Bernoulli per pixel.
    forward(x): (logits, mu, log_var), z drawn by the reparameterization.
    """

    def __init__(self, latent_dim: int = 20, hidden_dim: int = 400):
        super().__init__()
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("hidden_dim", hidden_dim)
        self.encoder = nn.Sequential(
            nn.Linear(PIXELS, hidden_dim),
            nn.ReLU(),
        )
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.log_var = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, PIXELS),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.log_var(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, log_var = self.encode(x)
        q_z = Normal(mu, torch.exp(0.5 * log_var), validate_args=False)
        z = q_z.rsample()  # mu + sigma * eps: gradients reach mu, log_var
        return self.decode(z), mu, log_var


def vae_loss(model: VAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Negative ELBO of a batch ``x`` (B, 784) and its two terms, in nats.

    recon = -log p(x | z), summed over pixels; kl = KL(q(z | x) || p(z)),
    summed over latent dimensions; both averaged over the batch (nats per
    image). loss = recon + kl.
    """
    logits, mu, log_var = model(x)
    recon = -bernoulli_log_likelihood(logits, x).mean()
    kl = kl_diag_gaussian(mu, log_var).mean()
    return {"loss": recon + kl, "recon": recon, "kl": kl}
# --- listing of chapter 6 ends ---


class ConvVAE(VAE):
    """Convolutional VAE in the keras.io layout, with the methods of VAE.

    Encoder: (B, 784) -> (B, 1, 28, 28) -> Conv2d 32 and 64 filters, 3x3,
    stride 2 -> 64 x 7 x 7 -> Linear(hidden_dim) -> (mu, log_var).
    Decoder: Linear -> 64 x 7 x 7 -> ConvTranspose2d 64 and 32 filters,
    stride 2 -> ConvTranspose2d 1 filter -> logits flattened to (B, 784).
    """

    def __init__(self, latent_dim: int = 2, hidden_dim: int = 16):
        # Skip VAE.__init__ (it would build the MLP); keep VAE's methods.
        nn.Module.__init__(self)
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("hidden_dim", hidden_dim)
        up = {"stride": 2, "padding": 1, "output_padding": 1}
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, stride=2, padding=1),  # 32 x 14 x 14
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),  # 64 x 7 x 7
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, hidden_dim),
            nn.ReLU(),
        )
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.log_var = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 64 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, **up),  # 64 x 14 x 14
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, **up),  # 32 x 28 x 28
            nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 3, padding=1),  # 1 x 28 x 28 logits
            nn.Flatten(),
        )
        # Channels-last weights take oneDNN's faster convolution path on
        # the CPU (`make bench` times this model); the numbers are the same
        # in either layout.
        self.to(memory_format=torch.channels_last)


def binarize_epoch(
    x: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """A fresh binarization of grey digits ``x`` in [0, 1]: 1 with prob. x.

    The ``transform`` :func:`vaebook.training.fit` applies at the start of
    every epoch (dynamic binarization); ``generator`` is ``fit``'s, so a
    fixed seed repeats it. One uniform draw u per pixel, pixel = 1 when
    u < x: the rule, and the function, of ``load_mnist(binarize=True)``
    (:func:`vaebook.data.binarize`, which draws on all CPUs), seeded from
    ``generator``. Returns a tensor of x's shape, dtype and device.
    """
    seed = torch.randint(
        2**62, (), generator=generator, device=generator.device
    )
    binary = binarize(x.detach().cpu().numpy(), seed=int(seed))
    return torch.from_numpy(binary).to(x.device, x.dtype)


def estimate_log_px(
    model: VAE, x: torch.Tensor, *, num_samples: int = 1000, seed: int = 0
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) per digit, in nats; (N,).

    x: digits, shape (N, 784), on the model's device. For each digit,
    draws ``num_samples`` codes z_k from q(z | x) and returns
    log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x), the IWAE bound L_K of
    Burda et al. (2016): a lower bound on log p(x) that tightens as K
    grows. ``seed`` fixes the draws, so the estimate is repeatable.
    """
    check_model("model", model)
    check_digits("x", x, PIXELS, model)  # (N, 784), in [0, 1], model's dtype
    check_positive_int("num_samples", num_samples)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    # About 50 MB of logits per chunk of digits:
    digits_per_chunk = max(1, 2**14 // num_samples)
    was_training = model.training
    model.eval()
    estimates = []
    with torch.no_grad():
        for x_chunk in x.split(digits_per_chunk):
            mu, log_var = model.encode(x_chunk)
            shape = (num_samples, *mu.shape)  # (K, B, d): K codes a digit
            mu, log_var = mu.expand(shape), log_var.expand(shape)
            z = reparameterize(mu, log_var, generator)
            logits = model.decode(z.flatten(0, 1))
            logits = logits.view(*shape[:2], -1)  # (K, B, 784)
            x_k = x_chunk.expand_as(logits)
            log_px_given_z = bernoulli_log_likelihood(  # x checked above
                logits, x_k, check_pixels=False
            )
            zeros = torch.zeros_like(z)
            log_pz = log_normal_diag(z, zeros, zeros)
            log_qz = log_normal_diag(z, mu, log_var)
            estimates.append(iwae_log_likelihood(
                log_px_given_z, log_pz, log_qz, num_samples=num_samples
            ))
    model.train(was_training)
    return torch.cat(estimates)


def numpy_decoder(model: VAE) -> Callable[[np.ndarray], np.ndarray]:
    """A plain ``decode(z) -> images`` for plots and widgets (numpy).

    z: float array (n, latent_dim). Returns pixel probabilities
    sigmoid(logits), float32 array (n, 28, 28) in [0, 1]. Runs without
    gradients on the model's device.
    """
    check_model("model", model)
    if not callable(getattr(model, "decode", None)):
        raise TypeError(f"model must be a VAE with a decode method, got {type(model).__name__}")
    parameter = next(model.parameters(), None)
    if parameter is None:
        raise ValueError(f"model must have parameters (a trained VAE), got {type(model).__name__}")
    device = parameter.device
    latent_dim = latent_size(model)

    def decode(z: np.ndarray) -> np.ndarray:
        # finite codes (n, latent_dim): a (latent_dim, n) array is refused as transposed
        z_array = check_codes_matrix("z", z, latent_dim=latent_dim)
        z_tensor = torch.as_tensor(z_array, dtype=parameter.dtype, device=device)
        with torch.no_grad():
            probs = torch.sigmoid(model.decode(z_tensor)).float()
        return probs.cpu().numpy().reshape(-1, 28, 28)

    return decode


def _checked_binarize_epoch(function: Callable) -> Callable:
    """binarize_epoch with its arguments checked: the kinds first (metadata, free), then
    the range where binarize reads it anyway (it keeps each block's minimum and maximum
    while the block is in cache), so an epoch pays no extra pass over the digits; a value
    outside [0, 1] is reported under the caller's name ``x``, not binarize's ``images01``."""

    @functools.wraps(function)
    def binarize_epoch(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        check_tensor("x", x, "(N, ...)")
        if not x.is_floating_point():
            raise TypeError(f"x must be a floating tensor with values in [0, 1], got dtype {x.dtype}")
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        try:
            return function(x, generator)
        except ValueError as error:
            if str(error).startswith("images01 "):
                check_unit_interval("x", x)  # the same range, named as the caller named it
            raise

    return binarize_epoch


def _check_estimate_seed(model: object, x: object, num_samples: object, seed: object) -> None:
    check_seed("seed", seed)


# The chapter shows binarize_epoch and estimate_log_px as they are; these boundaries run
# first (x named as the caller passed it, not as binarize's images01; the seed's type).
binarize_epoch = _checked_binarize_epoch(binarize_epoch)
estimate_log_px = boundary(_check_estimate_seed)(estimate_log_px)


__all__ = [
    "PIXELS",
    "VAE",
    "ConvVAE",
    "vae_loss",
    "binarize_epoch",
    "estimate_log_px",
    "numpy_decoder",
]


def decoder_layers(model: nn.Module) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """An MLP decoder's weights as numpy, for :func:`vaebook.explorer.latent_explorer`.

    model: a :class:`VAE` (its ``decoder``) or an ``nn.Sequential`` of ``nn.Linear``
    layers, each optionally followed by ``nn.ReLU``, ``nn.Tanh`` or ``nn.Sigmoid``.
    Returns ``[(W, b, activation), ...]`` with W float32 of shape (inputs, outputs)
    (``Linear.weight`` transposed), b float32 (outputs,), activation ``"relu"``,
    ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
    """
    decoder = getattr(model, "decoder", model)
    if not isinstance(decoder, nn.Sequential):
        raise TypeError(
            f"model must be a VAE or an nn.Sequential decoder, got {type(model).__name__}"
        )
    names = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
    layers: list[tuple[np.ndarray, np.ndarray, str]] = []
    for module in decoder:
        if isinstance(module, nn.Linear):
            weight = module.weight.detach().cpu().numpy().T.astype(np.float32)
            bias = (
                module.bias.detach().cpu().numpy().astype(np.float32)
                if module.bias is not None
                else np.zeros(module.out_features, np.float32)
            )
            layers.append((weight, bias, "linear"))
        elif type(module) in names and layers and layers[-1][2] == "linear":
            layers[-1] = (*layers[-1][:2], names[type(module)])
        else:
            raise ValueError(
                "model's decoder must be an MLP (nn.Linear layers, each optionally followed "
                f"by ReLU, Tanh or Sigmoid), got {type(module).__name__}"
            )
    if not layers:
        raise ValueError("model's decoder has no nn.Linear layer")
    return layers


__all__ += ["decoder_layers"]
