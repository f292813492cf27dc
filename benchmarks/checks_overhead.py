"""What the companion's input checks cost the training loop, measured side by side.

Run ``python -m benchmarks.checks_overhead`` from the repository's root (about a minute).
The checks that run on every training step are those inside the loss
(:func:`vaebook.torch.vae_loss` calls :mod:`vaebook.elbo`'s functions, which check their
arguments' types, shapes and dtypes); ``fit`` checks its data once per call. One round is
one epoch of 469 Adam steps of chapter 6's VAE (784-400-20, batch 128) with the checks as
shipped, then one with :mod:`vaebook.elbo`'s checks replaced by no-ops; the order swaps
every round, so drift in the machine's speed falls on both. The script prints the epochs,
the ratio per round and its median, the per-call cost of the loss's checks, and the cost
of ``fit``'s once-per-call check of all 60,000 training digits.

``python -m benchmarks.checks_overhead --fit`` measures instead what every check costs an
epoch of :func:`vaebook.training.fit` as ``make bench`` runs it (``bench.fit_epoch_runner``:
chapter 6's VAE, all 60,000 digits, binarized afresh each epoch): per round one epoch
with the checks as shipped (the loss's per-step checks, fit's checks of its arguments and
data and the wrapper of its first step's loss, binarize_epoch's checks) and one with all of them
replaced by no-ops, in alternating order, timed in CPU seconds of this process
(``time.process_time``, on one thread: other processes on the machine do not count).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

import vaebook.elbo as elbo
import vaebook.training as training
from vaebook.data import load_mnist
from vaebook.torch import VAE, vae_loss

STEP_CHECKS = ("check_tensors", "check_same_dtype", "check_unit_interval")
"""The names :mod:`vaebook.elbo` calls its argument checks by."""


def epoch_seconds(model: VAE, optimizer: torch.optim.Optimizer, digits: torch.Tensor,
                  batch_size: int = 128) -> float:
    """Seconds for one pass of Adam steps over ``digits`` (N, 784), in order."""
    start = time.perf_counter()
    for batch in digits.split(batch_size):
        loss = vae_loss(model, batch)["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def set_step_checks(checks: dict[str, Callable[..., None]]) -> None:
    for name, check in checks.items():
        setattr(elbo, name, check)


FIT_CHECKS = ("_check_inputs", "_first_loss", "check_positive_int", "check_non_negative",
              "check_seed", "check_model")
"""The names :mod:`vaebook.training` calls its once-per-call checks by (``_first_loss``
wraps the first step's loss_fn call)."""

NEW_FIT_CHECKS = ("_first_loss", "check_non_negative", "check_seed")
"""Those of them that issue 23 added (with binarize_epoch's checks)."""


def _plain_first_loss(name, x, loss_fn, model, batch):
    return loss_fn(model, batch)


def fit_epoch_cost(rounds: int, scope: str = "all") -> list[float]:
    """CPU seconds of a ``fit`` epoch with and without the checks, interleaved; prints
    them and returns the with / without ratios, one per round. ``scope="all"`` removes
    every check (the loss's per-step checks and fit's once-per-call checks), ``"new"``
    only those issue 23 added."""
    from benchmarks import bench
    import vaebook.torch as vt

    torch.set_num_threads(1)
    torch.manual_seed(0)
    images, _ = load_mnist("train", scaled=True)
    grey = torch.from_numpy(images.reshape(-1, 784))
    run = bench.fit_epoch_runner(VAE(20, 400), grey)
    if scope == "all":
        patched = [(elbo, name) for name in (*STEP_CHECKS, "check_finite_result")]
        patched += [(training, name) for name in FIT_CHECKS]
    else:
        patched = [(training, name) for name in NEW_FIT_CHECKS]
    shipped = {(module, name): getattr(module, name) for module, name in patched}
    shipped_binarize = bench.binarize_epoch

    def use(checks: bool) -> None:
        for (module, name), check in shipped.items():
            none = _plain_first_loss if name == "_first_loss" else (lambda *args, **kwargs: None)
            setattr(module, name, check if checks else none)
        bench.binarize_epoch = shipped_binarize if checks else vt.binarize_epoch.__wrapped__

    def cpu_seconds(checks: bool) -> float:
        use(checks)
        start = time.process_time()
        run()
        return time.process_time() - start

    cpu_seconds(True)  # warm-up
    with_checks, without = [], []
    try:
        for r in range(rounds):
            order = (True, False) if r % 2 == 0 else (False, True)
            for checks in order:
                (with_checks if checks else without).append(cpu_seconds(checks))
    finally:
        use(True)
    ratios = [a / b for a, b in zip(with_checks, without)]
    which = "every check" if scope == "all" else "issue 23's checks"
    print(f"torch {torch.__version__}, 1 thread, {rounds} rounds, one fit epoch of 60,000 digits, "
          f"CPU seconds, with and without {which}")
    print("with   : " + " ".join(f"{t:.3f}" for t in with_checks))
    print("without: " + " ".join(f"{t:.3f}" for t in without))
    print(f"with / without, per round: {' '.join(f'{q:.4f}' for q in ratios)};"
          f" median {statistics.median(ratios):.4f}, sums {sum(with_checks) / sum(without):.4f}")
    model = VAE(20, 400)
    parts = {
        "fit's check of x_train (60,000 x 784, once per call)":
            lambda: training._check_inputs("x_train", grey, model, True),
    }
    for label, part in parts.items():
        times = []
        for _ in range(5):
            start = time.process_time()
            part()
            times.append(time.process_time() - start)
        cost = statistics.median(times)
        print(f"{label}: {cost * 1e3:.1f} ms CPU, {cost / statistics.median(without):.2%} of an epoch")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--fit", choices=("all", "new"),
                        help="time fit epochs with and without every check (all) or issue 23's (new)")
    arguments = parser.parse_args()
    rounds = arguments.rounds
    if arguments.fit:
        fit_epoch_cost(rounds, arguments.fit)
        return
    torch.manual_seed(0)
    images, _ = load_mnist("train", scaled=True)
    grey = torch.from_numpy(images.reshape(-1, 784))
    digits = torch.bernoulli(grey[: 128 * 469])
    model = VAE(20, 400)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    shipped = {name: getattr(elbo, name) for name in STEP_CHECKS}
    none = {name: (lambda *args, **kwargs: None) for name in STEP_CHECKS}
    epoch_seconds(model, optimizer, digits)  # warm-up
    with_checks, without = [], []
    try:
        for r in range(rounds):
            turns = [(shipped, with_checks), (none, without)]
            for checks, times in turns if r % 2 == 0 else turns[::-1]:
                set_step_checks(checks)
                times.append(epoch_seconds(model, optimizer, digits))
    finally:
        set_step_checks(shipped)
    ratios = [a / b for a, b in zip(with_checks, without)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {rounds} rounds")
    print("epoch with the checks   : " + " ".join(f"{t:.3f}" for t in with_checks) + " s")
    print("epoch without the checks: " + " ".join(f"{t:.3f}" for t in without) + " s")
    print(f"with / without, per round: {' '.join(f'{q:.4f}' for q in ratios)};"
          f" median {statistics.median(ratios):.4f}")

    logits, batch = torch.randn(128, 784), digits[:128]
    mu, log_var = torch.randn(128, 20), torch.randn(128, 20)
    calls = 20_000
    start = time.perf_counter()
    for _ in range(calls):  # the checks of one vae_loss call
        shipped["check_tensors"]("(..., D)", logits=logits, x=batch)
        shipped["check_same_dtype"]("x", batch, "logits", logits)
        shipped["check_tensors"]("(batch, latent_dim)", mu=mu, log_var=log_var)
    per_call = (time.perf_counter() - start) / calls
    step = statistics.median(without) / 469
    print(f"checks in one loss call: {per_call * 1e6:.1f} us, {per_call / step:.2%} of a step")
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        training._check_inputs("x_train", grey, model, True)
        seconds.append(time.perf_counter() - start)
    print(f"fit's once-per-call check of x_train (60,000 x 784): "
          f"{statistics.median(seconds) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
