"""How fast the book's VAEs train here, against the machine's matrix-multiply floor.

Run ``python -m vaebook.bench`` (``make bench``); it takes one to two minutes and prints
one table. What it measures, all in the same run:

- the GEMM floor: the 12 matrix products of one training step of the 784-400-20 MLP VAE
  at batch 128 (for each of its four layers - encoder, the two heads side by side as one
  400 x 40 product, decoder hidden, decoder output - the forward product, the weight
  gradient and the input gradient), timed alone; times 60,000 / 128 steps it is the
  fastest an epoch could possibly be;
- a reference loop written in the style of pytorch/examples' VAE (``DataLoader`` over a
  ``TensorDataset``, a copy per batch, sigmoid outputs and ``F.binary_cross_entropy``);
- :func:`vaebook.training.fit` with :class:`vaebook.torch.VAE` and ``ConvVAE``;
- :mod:`vaebook.keras`'s MLP and convolutional VAEs (``compile(Adam(1e-3))``, ``fit``
  with batch 128) - skipped with a note if Keras is not installed.

Each row gives seconds per epoch of 60,000 digits, images per second and, for the MLP,
the fraction of the GEMM floor it reaches (floor seconds / measured seconds). Epoch
times of the convolutional models are measured on the first 15,360 digits and scaled
to 60,000. Timings depend on what else the machine runs: the load average is printed.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vaebook.data import load_mnist
from vaebook.torch import VAE, ConvVAE, binarize_epoch, vae_loss
from vaebook.training import fit

BATCH_SIZE = 128
EPOCH = 60_000  # digits per epoch
CONV_SUBSET = 15_360  # 120 batches: enough for a steady per-step time of the conv models
MLP_LAYERS = [(784, 400), (400, 40), (20, 400), (400, 784)]  # (inputs, outputs) per GEMM layer


def gemm_step_seconds(*, batch_size: int = BATCH_SIZE, repeats: int = 300) -> float:
    """Seconds for the 12 matrix products of one forward + backward step of the MLP VAE.

    The best of ten rounds of ``repeats // 10`` steps: a floor, so the least disturbed
    round is the one that counts.
    """
    generator = torch.Generator().manual_seed(0)
    operands = [
        (
            torch.randn(batch_size, n_in, generator=generator),  # layer input
            torch.randn(n_out, n_in, generator=generator),  # weight
            torch.randn(batch_size, n_out, generator=generator),  # gradient of the output
        )
        for n_in, n_out in MLP_LAYERS
    ]

    def step() -> None:
        for x, weight, grad_out in operands:
            torch.mm(x, weight.T)  # forward
            torch.mm(grad_out.T, x)  # gradient of the weight
            torch.mm(grad_out, weight)  # gradient of the input

    steps_per_round = max(1, repeats // 10)
    for _ in range(steps_per_round):  # warm-up
        step()
    rounds = []
    for _ in range(10):
        start = time.perf_counter()
        for _ in range(steps_per_round):
            step()
        rounds.append((time.perf_counter() - start) / steps_per_round)
    return min(rounds)


def gemm_flops_per_step(batch_size: int = BATCH_SIZE) -> int:
    """Floating-point operations of the 12 products: 3 x 2 x batch x inputs x outputs per layer."""
    return sum(3 * 2 * batch_size * n_in * n_out for n_in, n_out in MLP_LAYERS)


class ReferenceVAE(nn.Module):
    """The VAE of pytorch/examples (vae/main.py), written the way that example writes it."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def reference_loss(recon_x, x, mu, logvar):
    """pytorch/examples' loss: BCE on sigmoid outputs plus KL, summed over the batch."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def reference_epoch_seconds(images01: np.ndarray, *, epochs: int) -> list[float]:
    """Seconds per epoch of the pytorch/examples-style loop on grey digits (N, 1, 28, 28)."""
    device = torch.device("cpu")
    dataset = torch.utils.data.TensorDataset(
        torch.from_numpy(images01[:, None]), torch.zeros(len(images01))
    )
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    torch.manual_seed(0)
    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        train_loss = 0
        for data, _ in train_loader:
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = reference_loss(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def fit_epoch_seconds(model: nn.Module, x: torch.Tensor, *, epochs: int) -> list[float]:
    """Seconds per epoch of :func:`vaebook.training.fit` with dynamic binarization."""
    history = fit(model, vae_loss, x, epochs=epochs, transform=binarize_epoch, progress=False)
    return history["seconds"]


def keras_epoch_seconds(model, x: np.ndarray, *, epochs: int) -> list[float]:
    """Seconds per epoch of Keras's ``fit`` (compile with Adam(1e-3), batch 128)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    seconds: list[float] = []
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(x, epochs=epochs, batch_size=BATCH_SIZE, verbose=0, callbacks=[EpochTimer()])
    return seconds


def steady(seconds: list[float]) -> float:
    """Typical epoch time: the median of all epochs but the first (warm-up, tracing)."""
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def main() -> None:
    images, _ = load_mnist("train", scaled=True)
    x_flat = images.reshape(len(images), -1)
    x_torch = torch.from_numpy(x_flat)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)"
    )

    step = gemm_step_seconds()
    floor = step * EPOCH / BATCH_SIZE
    print(
        f"GEMM floor: the 12 matmuls of one 784-400-20 step at batch {BATCH_SIZE} run at "
        f"{gemm_flops_per_step() / step / 1e9:.0f} GFLOP/s -> {step * 1e3:.2f} ms per step, "
        f"{floor:.2f} s per epoch of {EPOCH:,} digits"
    )
    rows: list[tuple[str, float, bool]] = []  # (name, seconds per epoch, is the MLP)

    def report(name: str, epoch_seconds: float, mlp: bool) -> None:
        rows.append((name, epoch_seconds, mlp))
        print(f"  measured {name}: {epoch_seconds:.2f} s per epoch", flush=True)

    report("reference loop (pytorch/examples style)", steady(reference_epoch_seconds(images, epochs=3)), True)
    torch.manual_seed(0)
    report("vaebook.torch VAE + training.fit", steady(fit_epoch_seconds(VAE(20), x_torch, epochs=3)), True)
    torch.manual_seed(0)
    conv_seconds = fit_epoch_seconds(ConvVAE(2), x_torch[:CONV_SUBSET], epochs=2)
    report("vaebook.torch ConvVAE + training.fit", steady(conv_seconds) * EPOCH / CONV_SUBSET, False)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up log lines
    try:
        from vaebook.keras import build_conv_vae, build_mlp_vae
    except ImportError as error:  # the keras extra is optional
        print(f"  Keras rows skipped: {error}")
    else:
        report("vaebook.keras MLP VAE", steady(keras_epoch_seconds(build_mlp_vae(20, seed=0), x_flat, epochs=3)), True)
        conv = keras_epoch_seconds(build_conv_vae(2, seed=0), x_flat[:CONV_SUBSET], epochs=2)
        report("vaebook.keras conv VAE", steady(conv) * EPOCH / CONV_SUBSET, False)

    reference = rows[0][1]
    print()
    print(f"{'model':42s} {'s/epoch':>8s} {'images/s':>9s} {'of floor':>9s} {'vs ref':>7s}")
    for name, seconds, mlp in rows:
        share = f"{floor / seconds:8.0%}" if mlp else f"{'-':>8s}"
        speedup = f"{reference / seconds:6.2f}x" if mlp else f"{'-':>7s}"
        print(f"{name:42s} {seconds:8.2f} {EPOCH / seconds:9,.0f} {share:>9s} {speedup:>7s}")
    print(
        "\nTargets (idle machine): vaebook.torch VAE at >= 55% of the GEMM floor and >= 1.7x "
        "the reference loop;\nvaebook.keras conv VAE no slower per epoch than keras.io's conv "
        f"VAE (about 17-19 s here).\nload average now {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
