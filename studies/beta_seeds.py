"""How much does disentanglement depend on the seed? Chapter 7's shapes models, N seeds.

Trains the two shapes models of chapter 7 (``DeepVAE``, 10 latents, the chapter's recipe:
batch 128, Adam 2e-3, 8 passes over the 73,728 images = 4,608 steps) for each seed and
each β, and prints the MIG of every run, overall and per factor, with the mean and range
over seeds. Chapter 7 trains seeds 0, 1 and 2 and shows their spread; this script trains
more of them (Locatello et al., 2019).

    .venv/bin/python -m studies.beta_seeds                 # seeds 0-4, β = 1 and 8
    .venv/bin/python -m studies.beta_seeds --first-seed 5 --seeds 3 --betas 8
    .venv/bin/python -m studies.beta_seeds --seeds 10 --betas 1 4 8
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from vaebook.beta import DeepVAE, beta_vae_loss, encode_means
from vaebook.metrics import mutual_information_gap
from vaebook.shapes import FACTOR_NAMES, load_shapes
from vaebook.training import fit

# Chapter 7's recipe (its constants cell); keep the two in step.
LATENT_DIM = 10
EPOCHS = 8
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
MIG_BINS = 20


def train_one(x: torch.Tensor, factors: np.ndarray, beta: float, seed: int) -> dict:
    """Train one shapes model and return its MIG (overall and per factor) and seconds."""
    start = time.process_time()
    torch.manual_seed(seed)
    model = DeepVAE(LATENT_DIM)
    fit(model, beta_vae_loss(beta), x, epochs=EPOCHS, batch_size=BATCH_SIZE,
        lr=LEARNING_RATE, seed=seed, progress=False)
    result = mutual_information_gap(encode_means(model, x), factors, MIG_BINS)
    return {"mig": result.score, "per_factor": result.per_factor,
            "cpu_seconds": time.process_time() - start}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds (default 5)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--betas", type=float, nargs="+", default=[1.0, 8.0])
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be a positive integer, got {args.seeds}")
    shapes = load_shapes()
    x = torch.from_numpy(shapes.images.reshape(len(shapes.images), -1))
    header = f"{'beta':>5} {'seed':>4} {'MIG':>6} " + " ".join(
        f"{name[:6]:>6}" for name in FACTOR_NAMES) + f" {'CPU s':>6}"
    print(header)
    scores: dict[float, list[float]] = {}
    for beta in args.betas:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            run = train_one(x, shapes.factors, beta, seed)
            scores.setdefault(beta, []).append(run["mig"])
            per = " ".join(f"{v:6.3f}" for v in run["per_factor"])
            print(f"{beta:5g} {seed:4d} {run['mig']:6.3f} {per} {run['cpu_seconds']:6.0f}",
                  flush=True)
    print()
    for beta, values in scores.items():
        values = np.array(values)
        print(f"beta = {beta:g}: MIG mean {values.mean():.3f}, "
              f"min {values.min():.3f}, max {values.max():.3f} over {len(values)} seeds")
    if len(scores) >= 2:
        low, high = min(scores), max(scores)
        gaps = np.array(scores[high]) - np.array(scores[low])
        print(f"gap beta {high:g} - beta {low:g}, seed by seed: "
              + ", ".join(f"{g:.3f}" for g in gaps)
              + f"; at least 0.2 in {(gaps >= 0.2).sum()} of {len(gaps)}")


if __name__ == "__main__":
    main()
