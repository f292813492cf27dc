"""The VQ-VAE of chapter 9: a grid of discrete codes, its straight-through gradient, a
codebook that stays alive, and a learned prior over the code grid.

Shapes: an encoder output ``z_e`` is ``(B, G, d)``, one d-dimensional vector for each of
the G = 7 x 7 grid positions; a codebook is ``(V, d)``, V code vectors; a code grid
``codes`` is ``(B, G)`` integers in ``[0, V)``. Losses follow the book's convention:
summed over pixels and grid positions, averaged over the batch, in nats per image.

Chapter 9 shows the functions and classes between the two ``twin`` comments, and a test
keeps the chapter's copies identical to these.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from vaebook.checks import (
    check_digits,
    check_model,
    check_positive_int,
    check_tensor,
)
from vaebook.elbo import bernoulli_log_likelihood
from vaebook.torch import PIXELS

GRID = 7
"""The encoder's grid is GRID x GRID positions: 28 / 4, after two stride-2 layers."""


def check_vectors(name: str, z: object, width: int | None = None) -> None:
    """A finite floating tensor (..., d); with ``width``, d == width."""
    check_tensor(name, z, "(..., d)")
    if z.dim() < 1 or z.shape[-1] == 0 or (width is not None and z.shape[-1] != width):
        wanted = f"(..., {width})" if width is not None else "(..., d) with d >= 1"
        raise ValueError(f"{name} must have shape {wanted}, got {tuple(z.shape)}")
    if not z.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {z.dtype}")
    if not bool(torch.isfinite(z).all()):
        raise ValueError(f"{name} must be finite, got NaN or infinite values")


def check_codebook(name: str, codebook: object) -> None:
    """A finite floating tensor (V, d) with V, d >= 1."""
    check_tensor(name, codebook, "(V, d)")
    if codebook.dim() != 2 or 0 in codebook.shape:
        raise ValueError(f"{name} must have shape (V, d) with V, d >= 1, got {tuple(codebook.shape)}")
    check_vectors(name, codebook)


def check_code_grid(name: str, codes: object, num_codes: int, positions: int | None = None) -> None:
    """An integer tensor (B, G) with B >= 1, values in [0, num_codes) and, with
    ``positions``, G <= positions."""
    check_tensor(name, codes, "(B, G)")
    if codes.dim() != 2 or 0 in codes.shape or (positions is not None and codes.shape[1] > positions):
        most = f" and G <= {positions}" if positions is not None else ""
        raise ValueError(f"{name} must have shape (B, G) with B, G >= 1{most}, got {tuple(codes.shape)}")
    if codes.is_floating_point() or codes.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor of code indices, got dtype {codes.dtype}")
    low, high = int(codes.min()), int(codes.max())
    if low < 0 or high >= num_codes:
        raise ValueError(f"{name} must hold code indices in [0, {num_codes}), got {low} to {high}")


def check_pair(z_e: object, z_q: object) -> None:
    """Encoder outputs and their codes: finite floating tensors of one shape (..., d)."""
    check_vectors("z_e", z_e)
    check_vectors("z_q", z_q, z_e.shape[-1])
    if z_q.shape != z_e.shape:
        raise ValueError(f"z_q must have the shape of z_e {tuple(z_e.shape)}, got {tuple(z_q.shape)}")


def check_rates(decay: object, dead_below: object) -> None:
    """The EMA decay decay in (0, 1) and the restart threshold dead_below >= 0."""
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 < decay < 1.0:
        raise ValueError(f"decay must be a number in (0, 1), got {decay!r}")
    if isinstance(dead_below, bool) or not isinstance(dead_below, (int, float)) or not 0.0 <= dead_below < math.inf:
        raise ValueError(f"dead_below must be a finite number >= 0, got {dead_below!r}")


def check_assignments(z_e: object, codes: object, codebook: torch.Tensor) -> None:
    """Encoder outputs (B, G, d) and their code indices (B, G) for ``codebook`` (V, d)."""
    check_grid_vectors("z_e", z_e, codebook.shape[1])
    check_code_grid("codes", codes, len(codebook))
    if tuple(codes.shape) != tuple(z_e.shape[:2]):
        raise ValueError(f"codes must have shape {tuple(z_e.shape[:2])} (one per position of z_e), "
                         f"got {tuple(codes.shape)}")


def check_counts(name: str, counts: object) -> None:
    """A histogram (V,): finite, non-negative, not all zero."""
    check_tensor(name, counts, "(V,)")
    if counts.dim() != 1 or len(counts) == 0:
        raise ValueError(f"{name} must have shape (V,) with V >= 1, got {tuple(counts.shape)}")
    values = counts.double()
    if not bool(torch.isfinite(values).all()) or bool((values < 0).any()) or values.sum() <= 0:
        raise ValueError(f"{name} must be finite, non-negative and not all zero, got {counts.tolist()[:8]}")


def check_batch(name: str, x: object, width: int) -> None:
    """A floating tensor (N, width) with N >= 1 (reads the shape only: free on every step)."""
    check_tensor(name, x, f"(N, {width})")
    if x.dim() != 2 or x.shape[1] != width or x.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, {width}) with N >= 1, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")


def check_grid_vectors(name: str, z: object, width: int) -> None:
    """A floating tensor (B, G, width) whose G positions form a square grid (shape only)."""
    check_tensor(name, z, f"(B, G, {width})")
    if z.dim() != 3 or z.shape[2] != width or 0 in z.shape or math.isqrt(z.shape[1]) ** 2 != z.shape[1]:
        raise ValueError(
            f"{name} must have shape (B, G, {width}) with G a square (7 x 7 = 49), got {tuple(z.shape)}"
        )
    if not z.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {z.dtype}")


def check_kappa(kappa: object) -> None:
    """The commitment weight: a finite number >= 0."""
    if isinstance(kappa, bool) or not isinstance(kappa, (int, float)) or not math.isfinite(kappa) or kappa < 0:
        raise ValueError(f"kappa must be a finite number >= 0, got {kappa!r}")


# --- twin: chapter 9 shows what follows ---
def nearest_code(z_e: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Index of the nearest code vector to each encoder output.

    z_e: (..., d); codebook: (V, d). Returns int64 (...,): argmin_m of
    ||z_e - e_m||^2, expanded as ||z_e||^2 - 2 z_e . e_m + ||e_m||^2.
    """
    check_codebook("codebook", codebook)
    check_vectors("z_e", z_e, codebook.shape[1])
    flat = z_e.detach().reshape(-1, codebook.shape[1])
    distances = (
        flat.pow(2).sum(1, keepdim=True)
        - 2 * flat @ codebook.detach().T
        + codebook.detach().pow(2).sum(1)
    )
    return distances.argmin(1).reshape(z_e.shape[:-1])


def straight_through(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """z_q in the forward pass, identity gradient to z_e in the backward.

    z_e + sg[z_q - z_e]: its value is z_q, and d/dz_e of it is I.
    """
    check_pair(z_e, z_q)
    return z_e + (z_q - z_e).detach()


def vq_terms(
    z_e: torch.Tensor, z_q: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The paper's two extra terms, summed over the grid, mean over batch.

    codebook   = || sg[z_e] - z_q ||^2  (moves the codes, not the encoder)
    commitment = || z_e - sg[z_q] ||^2  (moves the encoder, not the codes)
    z_e, z_q: (B, G, d).
    """
    check_pair(z_e, z_q)
    codebook = (z_e.detach() - z_q).pow(2).sum((1, 2)).mean()
    commitment = (z_e - z_q.detach()).pow(2).sum((1, 2)).mean()
    return {"codebook": codebook, "commitment": commitment}


def code_perplexity(counts: torch.Tensor) -> torch.Tensor:
    """exp of the entropy (nats) of a histogram of code uses, (V,) -> ().

    V when all V codes are used equally, 1 when one code takes everything.
    """
    check_counts("counts", counts)
    counts = counts.double()
    p = counts / counts.sum()
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum()
    return torch.exp(entropy)


class VQVAE(nn.Module):
    """Conv encoder to a 7 x 7 grid of d-vectors, a codebook of V codes,
    conv decoder to 784 Bernoulli logits.

    ema=True: codes follow running means (EMA, factor ``decay``) of their
    encoder outputs; ema=False: codes are parameters moved by the codebook
    term.
    restart=True: during training, a code whose running use falls below
    ``dead_below`` restarts at a random encoder output of the batch.
    """

    def __init__(self, num_codes: int = 64, code_dim: int = 16,
                 width: int = 16, *, ema: bool = True, decay: float = 0.99,
                 restart: bool = True, dead_below: float = 0.03):
        super().__init__()
        for name, value in (("num_codes", num_codes),
                            ("code_dim", code_dim), ("width", width)):
            check_positive_int(name, value)
        check_rates(decay, dead_below)
        self.ema, self.decay, self.restart = ema, decay, restart
        self.dead_below = dead_below
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, code_dim, 1),  # d x 7 x 7
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(code_dim, 2 * width, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),
            nn.Flatten(),  # 784 logits
        )
        codebook = torch.randn(num_codes, code_dim)
        if ema:  # running sums; codes = sums / counts
            self.register_buffer("codebook", codebook)
            self.register_buffer("ema_count", torch.ones(num_codes))
            self.register_buffer("ema_sum", codebook.clone())
        else:
            self.codebook = nn.Parameter(codebook)
        self.register_buffer("usage", torch.ones(num_codes))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 784) -> z_e (B, G, d)."""
        check_batch("x", x, PIXELS)
        return self.encoder(x).flatten(2).transpose(1, 2)

    def decode_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """Code grid (B, G) -> logits (B, 784)."""
        check_code_grid("codes", codes, len(self.codebook))
        return self.decode(self.codebook[codes])

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        """(B, G, d) -> logits (B, 784)."""
        check_grid_vectors("z_q", z_q, self.codebook.shape[1])
        side = math.isqrt(z_q.shape[1])
        return self.decoder(z_q.transpose(1, 2).unflatten(2, (side, side)))

    def forward(self, x: torch.Tensor):
        """(logits, z_e, z_q, codes); updates the codebook when training."""
        z_e = self.encode(x)
        codes = nearest_code(z_e, self.codebook)
        if self.training:
            self.update_codebook(z_e.detach(), codes)
        z_q = self.codebook[codes]
        logits = self.decode(straight_through(z_e, z_q))
        return logits, z_e, z_q, codes

    @torch.no_grad()
    def update_codebook(self, z_e: torch.Tensor, codes: torch.Tensor):
        """EMA step and dead-code restarts for one batch (no gradients)."""
        check_assignments(z_e, codes, self.codebook)
        flat = z_e.reshape(-1, z_e.shape[-1])
        one_hot = F.one_hot(codes.reshape(-1), len(self.codebook))
        counts = one_hot.sum(0).to(flat.dtype)
        eta = self.decay
        self.usage.mul_(eta).add_(counts / len(z_e), alpha=1 - eta)
        if self.ema:
            self.ema_count.mul_(eta).add_(counts, alpha=1 - eta)
            sums = one_hot.to(flat.dtype).T @ flat
            self.ema_sum.mul_(eta).add_(sums, alpha=1 - eta)
            self.codebook.copy_(
                self.ema_sum / self.ema_count.clamp_min(1e-5)[:, None])
        if self.restart:
            dead = self.usage < self.dead_below
            if bool(dead.any()):
                pick = torch.randint(len(flat), (int(dead.sum()),))
                self.codebook[dead] = flat[pick]
                self.usage[dead] = 1.0
                if self.ema:
                    self.ema_count[dead] = 1.0
                    self.ema_sum[dead] = flat[pick]


def vqvae_loss(
    model: VQVAE, x: torch.Tensor, kappa: float = 0.25
) -> dict[str, torch.Tensor]:
    """recon + codebook + kappa * commitment, nats and squared distances
    per image (the codebook term only when the codes are parameters);
    also the batch's code perplexity and number of codes used."""
    check_kappa(kappa)
    logits, z_e, z_q, codes = model(x)
    recon = -bernoulli_log_likelihood(logits, x).mean()
    terms = vq_terms(z_e, z_q)
    loss = recon + kappa * terms["commitment"]
    if not model.ema:
        loss = loss + terms["codebook"]
    counts = torch.bincount(codes.flatten(), minlength=len(model.codebook))
    return {"loss": loss, "recon": recon, **terms,
            "perplexity": code_perplexity(counts),
            "used": (counts > 0).sum().float()}


class CodePrior(nn.Module):
    """Causal transformer over the G codes of a grid, read in raster order:
    p(s) = prod_g p(s_g | s_<g). forward(codes (B, G)) -> logits (B, G, V),
    where position g sees only a start token and s_1 ... s_(g-1)."""

    def __init__(self, num_codes: int = 64, positions: int = GRID * GRID,
                 dim: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        for name, value in (("num_codes", num_codes), ("positions", positions),
                            ("dim", dim), ("layers", layers), ("heads", heads)):
            check_positive_int(name, value)
        self.num_codes, self.positions = num_codes, positions
        self.embed = nn.Embedding(num_codes + 1, dim)  # + a start token
        self.where = nn.Parameter(0.02 * torch.randn(positions, dim))
        layer = nn.TransformerEncoderLayer(
            dim, heads, 4 * dim, dropout=0.0, batch_first=True,
            norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers,
                                          enable_nested_tensor=False)
        self.out = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, num_codes))
        mask = nn.Transformer.generate_square_subsequent_mask(positions)
        self.register_buffer("mask", mask)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        check_code_grid("codes", codes, self.num_codes, self.positions)
        start = torch.full_like(codes[:, :1], self.num_codes)
        inputs = torch.cat([start, codes[:, :-1]], dim=1)
        g = inputs.shape[1]
        h = self.embed(inputs) + self.where[:g]
        h = self.body(h, mask=self.mask[:g, :g], is_causal=True)
        return self.out(h)


def prior_loss(prior: CodePrior, codes: torch.Tensor) -> dict:
    """-log p(s) of code grids (B, G), summed over positions, batch mean."""
    logits = prior(codes)
    nll = F.cross_entropy(logits.transpose(1, 2), codes, reduction="none")
    return {"loss": nll.sum(1).mean()}


@torch.no_grad()
def sample_codes(prior: CodePrior, n: int, seed: int = 0) -> torch.Tensor:
    """n code grids (n, G) drawn position by position from the prior."""
    check_model("prior", prior)
    check_positive_int("n", n)
    generator = torch.Generator().manual_seed(seed)
    was_training = prior.training
    prior.eval()
    codes = torch.zeros(n, prior.positions, dtype=torch.long)
    for g in range(prior.positions):
        # position g sees codes[:, :g] only; codes[:, g] is not read yet
        logits = prior(codes[:, : g + 1])[:, g]
        probs = torch.softmax(logits.double(), dim=-1)
        codes[:, g] = torch.multinomial(probs, 1, generator=generator)[:, 0]
    prior.train(was_training)
    return codes
# --- twin: chapter 9's copies end here ---


@torch.no_grad()
def encode_codes(model: VQVAE, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The code grid (N, G) of digits x (N, 784), in eval mode (no codebook update)."""
    check_model("model", model)
    check_digits("x", x, PIXELS, model)
    check_positive_int("batch_size", batch_size)
    was_training = model.training
    model.eval()
    codes = torch.cat([nearest_code(model.encode(chunk), model.codebook)
                       for chunk in x.split(batch_size)])
    model.train(was_training)
    return codes


@torch.no_grad()
def decode_codes(model: VQVAE, codes: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Pixel probabilities (N, 784) of code grids (N, G), in eval mode."""
    check_model("model", model)
    check_code_grid("codes", codes, len(model.codebook))
    check_positive_int("batch_size", batch_size)
    was_training = model.training
    model.eval()
    probs = torch.cat([torch.sigmoid(model.decode_codes(chunk)) for chunk in codes.split(batch_size)])
    model.train(was_training)
    return probs


def codebook_usage(codes: torch.Tensor, num_codes: int) -> dict[str, float]:
    """How a set of code grids uses the codebook: {"used": codes that occur at least once,
    "perplexity": exp of the entropy of the code histogram}. codes: (N, G) integers."""
    check_positive_int("num_codes", num_codes)
    check_code_grid("codes", codes, num_codes)
    counts = torch.bincount(codes.reshape(-1), minlength=num_codes)
    return {"used": int((counts > 0).sum()), "perplexity": float(code_perplexity(counts))}


def negative_log_likelihood_bound(
    model: VQVAE, prior: CodePrior, x: torch.Tensor, batch_size: int = 1000
) -> dict[str, torch.Tensor]:
    """Per digit (N,), in nats: "prior" = -log p(s) of the digit's code grid s,
    "recon" = -log p(x | z_q(s)), and "bound" = their sum, an upper bound on -log p(x)
    (the ELBO with a one-hot posterior on s)."""
    check_model("prior", prior)
    codes = encode_codes(model, x, batch_size)
    if prior.num_codes != len(model.codebook) or prior.positions != codes.shape[1]:
        raise ValueError(
            f"prior must model {codes.shape[1]} positions of {len(model.codebook)} codes, "
            f"got {prior.positions} positions of {prior.num_codes}"
        )
    was_training = (model.training, prior.training)
    model.eval()
    prior.eval()
    recon, nll = [], []
    with torch.no_grad():
        for x_chunk, s_chunk in zip(x.split(batch_size), codes.split(batch_size)):
            logits = model.decode_codes(s_chunk)
            recon.append(-bernoulli_log_likelihood(logits, x_chunk))
            nll.append(
                F.cross_entropy(prior(s_chunk).transpose(1, 2), s_chunk, reduction="none").sum(1)
            )
    model.train(was_training[0])
    prior.train(was_training[1])
    recon_t, prior_t = torch.cat(recon), torch.cat(nll)
    return {"prior": prior_t, "recon": recon_t, "bound": prior_t + recon_t}


__all__ = [
    "GRID",
    "nearest_code",
    "straight_through",
    "vq_terms",
    "code_perplexity",
    "VQVAE",
    "vqvae_loss",
    "CodePrior",
    "prior_loss",
    "sample_codes",
    "encode_codes",
    "decode_codes",
    "codebook_usage",
    "negative_log_likelihood_bound",
]
