"""How fast the book's VAEs train here, against the machine's floor and the public examples.

Run ``python -m benchmarks.bench`` from the repository's root (``make bench``); it takes
about three minutes and prints one table. Not part of the installed ``vaebook`` package:
the chapters never import it. The contenders, each trained with batch 128 and Adam 1e-3:

- pytorch/examples' MLP VAE as that example runs it (torchvision's per-digit data path),
  and the same loop reading an in-memory ``TensorDataset`` (see
  :mod:`benchmarks.reference_loops`);
- the plain PyTorch loop over a ``TensorDataset`` with a ``DataLoader``, doing the book's
  work (:class:`vaebook.torch.VAE`, ``vae_loss``, per-tensor Adam) with each batch
  binarized by ``torch.bernoulli``: the reference the book's loop is measured against;
- :func:`vaebook.training.fit` with :class:`vaebook.torch.VAE` (784-400-20) and ``ConvVAE``;
- keras.io's convolutional VAE, and :mod:`vaebook.keras`'s MLP and convolutional VAEs
  compiled as chapter 5 compiles them (``steps_per_execution=16``) - skipped with a note
  if Keras is not installed.

The GEMM floor is the fastest an MLP epoch could be: the 12 matrix products of one
training step of the 784-400-20 VAE (for each of its four layers - encoder, the two
heads side by side as one 400 x 40 product, decoder hidden, decoder output - the forward
product, the weight gradient and the input gradient), timed alone, times 60,000 / 128.
Training itself skips one of the 12 (nothing needs the gradient with respect to the
input digits), so the table also says how the fraction reads against the 11 products
training does compute. The floor adds what Adam's update cannot avoid: reading the
parameters, gradients and both moments and writing the parameters and moments back,
7 x 4 bytes per parameter and step, at the copy bandwidth this machine reaches for a
buffer of that size (measured, as the products are, just before each epoch).

After the table, each speed setting of ``fit``'s loop (fused Adam, flushed subnormals,
``index_select`` batches, binarization on all CPUs) is timed side by side with its plain
alternative on this machine (:func:`setting_ratios`), so a setting that helped on one CPU
and hurt on another would show.

This machine's speed drifts by up to 1.5x within minutes, so no raw time is compared
across time: after one warm-up epoch each, the contenders take turns for ``--rounds``
rounds of one epoch each (the order rotating every round), and the floor is measured
again just before every epoch. Each epoch is judged by its fraction of that floor
(floor seconds / epoch seconds); a speed-up is the ratio of two such fractions, the
contender's over its reference's, in the same round; the table gives the median over
rounds and the lowest and highest. Convolutional epochs are measured on the first 7,680
digits and scaled to 60,000 (fixed costs per ``fit`` call, about 25 ms, are scaled too).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from vaebook.data import load_mnist
from benchmarks.reference_loops import ExamplesVAE, keras_io_vae, pytorch_examples_epoch_runner
from vaebook.torch import VAE, ConvVAE, binarize_epoch, numpy_decoder, vae_loss
from vaebook.training import fit

BATCH_SIZE = 128
EPOCH = 60_000  # digits per epoch
CONV_SUBSET = 7_680  # 60 batches: enough for a steady per-step time of the conv models
# (inputs, outputs) of each GEMM layer: encoder, both heads as one 400 x 40 product,
# decoder hidden, decoder output
MLP_LAYERS = [(784, 400), (400, 40), (20, 400), (400, 784)]
KERAS_STEPS_PER_EXECUTION = 16  # as chapter 5 compiles its models


def gemm_step_seconds(*, batch_size: int = BATCH_SIZE, repeats: int = 300) -> float:
    """Seconds for the 12 matrix products of one forward + backward step of the MLP VAE.

    Per layer of :data:`MLP_LAYERS`: input (B, n_in) times weight (n_out, n_in)
    transposed, the output gradient (B, n_out) transposed times the input, and the output
    gradient times the weight. The best of ten rounds of ``repeats // 10`` steps: a
    floor, so the least disturbed round is the one that counts.
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


def adam_bytes_per_step(model: torch.nn.Module) -> int:
    """Bytes Adam's update must move per step: it reads parameters, gradients and the two
    moments and writes parameters and moments, 7 tensors the size of the parameters."""
    return 7 * sum(p.numel() * p.element_size() for p in model.parameters())


def copy_bandwidth(nbytes: int, *, repeats: int = 20) -> float:
    """Bytes per second this machine reads plus writes in ``dst.copy_(src)`` of ``nbytes``.

    The best of ``repeats`` copies (a floor, as for the products): a buffer the size of
    Adam's working set, so the bandwidth is the one that update meets (caches included).
    """
    src = torch.ones(max(1, nbytes // 4))
    dst = torch.empty_like(src)
    dst.copy_(src)  # warm-up: touch both buffers
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - start)
    return 2 * src.numel() * src.element_size() / best


def floor_step_seconds(adam_bytes: int, *, repeats: int = 50) -> tuple[float, float]:
    """(products, Adam's memory traffic): the two parts of one step's floor, in seconds.

    adam_bytes: :func:`adam_bytes_per_step` of the 784-400-20 VAE.
    """
    return gemm_step_seconds(repeats=repeats), adam_bytes / copy_bandwidth(4 * adam_bytes // 7)


def cpu_model() -> str:
    """The CPU's name as the kernel reports it, and the vector instructions torch uses."""
    name = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            name = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    name = name or platform.processor() or platform.machine()
    return f"{name}, {os.cpu_count()} CPUs, torch kernels for {torch.backends.cpu.get_cpu_capability()}"


def plain_loop_epoch_runner(model: VAE, x: torch.Tensor, *, seed: int = 1) -> Callable[[], float]:
    """The plain PyTorch loop doing the book's work: one epoch per call, returns its seconds.

    x: grey digits (N, 784) in [0, 1]. A ``DataLoader`` over a ``TensorDataset`` shuffles
    batches of 128; each batch is binarized afresh with ``torch.bernoulli`` (dynamic
    binarization, as ``fit`` does per epoch), then ``vae_loss``, backward and a step of
    torch's default (per-tensor) Adam 1e-3, summing the loss with ``.item()`` as loops do.
    """
    generator = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x), batch_size=BATCH_SIZE, shuffle=True, generator=generator
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_one_epoch() -> float:
        start = time.perf_counter()
        model.train()
        total = 0.0
        for (grey,) in loader:
            binary = torch.bernoulli(grey, generator=generator)
            optimizer.zero_grad()
            loss = vae_loss(model, binary)["loss"]
            loss.backward()
            optimizer.step()
            total += loss.item()
        return time.perf_counter() - start

    return train_one_epoch


def binarize_seconds(x: torch.Tensor, *, repeats: int = 3) -> float:
    """Seconds of one ``binarize_epoch`` of ``x`` (the best of ``repeats``)."""
    generator = torch.Generator().manual_seed(0)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        binarize_epoch(x, generator)
        best = min(best, time.perf_counter() - start)
    return best


def gemm_flops_per_step(batch_size: int = BATCH_SIZE) -> int:
    """Floating-point operations of the 12 products: 3 x 2 x batch x inputs x outputs per layer."""
    return sum(3 * 2 * batch_size * n_in * n_out for n_in, n_out in MLP_LAYERS)


def training_share_of_floor(batch_size: int = BATCH_SIZE) -> float:
    """Fraction of the floor's FLOPs that training computes: all but the input gradient
    of the first layer (the digits need no gradient)."""
    n_in, n_out = MLP_LAYERS[0]
    return 1 - 2 * batch_size * n_in * n_out / gemm_flops_per_step(batch_size)


def fit_epoch_runner(model: torch.nn.Module, x: torch.Tensor) -> Callable[[], float]:
    """One epoch of :func:`vaebook.training.fit` per call (dynamic binarization included).

    One fused Adam optimizer carries over between calls, as within one ``fit``; each
    call uses a new seed, so every epoch has its own batch order and binarization.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    epochs_done = 0

    def train_one_epoch() -> float:
        nonlocal epochs_done
        epochs_done += 1
        history = fit(
            model, vae_loss, x, epochs=1, seed=epochs_done, optimizer=optimizer,
            transform=binarize_epoch, progress=False,
        )
        return history["seconds"][0]

    return train_one_epoch


def compile_as_chapter_5(model):
    """Compile a :mod:`vaebook.keras` VAE as chapter 5 does: Adam 1e-3, 16 steps per call."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=KERAS_STEPS_PER_EXECUTION
    )
    return model


def keras_epoch_runner(model, x: np.ndarray) -> Callable[[], float]:
    """One epoch of Keras's ``fit`` (batch 128) per call for a compiled ``model``; seconds."""

    def train_one_epoch() -> float:
        start = time.perf_counter()
        model.fit(x, epochs=1, batch_size=BATCH_SIZE, verbose=0)
        return time.perf_counter() - start

    return train_one_epoch


def slider_update_ms(model: VAE, *, updates: int = 50) -> float:
    """Milliseconds per slider move of :func:`vaebook.widgets.latent_sliders` (decode + PNG)."""
    from vaebook.widgets import latent_sliders

    sliders = latent_sliders(numpy_decoder(model), model.mu.out_features)
    start = time.perf_counter()
    for value in np.linspace(-2.0, 2.0, updates):
        sliders.sliders[0].value = float(value)
    return (time.perf_counter() - start) / updates * 1e3


def _alternating_best(options: dict[str, Callable[[], object]], *, calls: int, rounds: int = 7) -> dict[str, float]:
    """Best seconds per call of each option, timed in turns (``rounds`` x ``calls`` calls)."""
    best = {name: float("inf") for name in options}
    for run in options.values():  # warm-up
        run()
    for _ in range(rounds):
        for name, run in options.items():
            start = time.perf_counter()
            for _ in range(calls):
                run()
            best[name] = min(best[name], (time.perf_counter() - start) / calls)
    return best


def setting_ratios(x: torch.Tensor) -> list[tuple[str, float, float]]:
    """Each speed setting of ``fit``'s loop against its plain alternative, on this machine.

    x: grey digits (N, 784). Returns ``(setting, seconds with it, seconds without it)``
    for: Adam's fused kernel against torch's default per-tensor Adam (one step of the
    784-400-20 VAE); flushing subnormal floats to zero, for an Adam step whose second
    moments have decayed into subnormals; ``index_select`` against ``x[rows]`` for one
    batch; and :func:`vaebook.data.binarize` on all CPUs against one thread (N digits).
    A ratio below 1 would mean the setting costs time on this CPU.
    """
    from vaebook import data

    def adam_step(**options):
        model = VAE(20)
        for parameter in model.parameters():
            parameter.grad = torch.full_like(parameter, 1e-3)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **options)
        optimizer.step()
        return model, optimizer

    fused_model, fused = adam_step(fused=True)
    _, default = adam_step()
    adam = _alternating_best({"fused": fused.step, "default": default.step}, calls=20)
    for moments in fused.state.values():  # an old run's state: subnormal second moments
        moments["exp_avg_sq"].fill_(1e-41)
        moments["exp_avg"].fill_(1e-42)
    for parameter in fused_model.parameters():
        parameter.grad.fill_(1e-25)  # squares to 1e-50: the moments stay subnormal

    def step_on_subnormals(flush: bool) -> None:
        for moments in fused.state.values():  # refill what a flushed step zeroed
            moments["exp_avg_sq"].fill_(1e-41)
        torch.set_flush_denormal(flush)
        try:
            fused.step()
        finally:
            torch.set_flush_denormal(False)

    flushing = _alternating_best(
        {"on": lambda: step_on_subnormals(True), "off": lambda: step_on_subnormals(False)}, calls=20
    )
    batches = itertools.cycle(torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).split(BATCH_SIZE))
    # a new batch of rows every call, as in an epoch (the same rows would stay in cache)
    gather = _alternating_best(
        {"index_select": lambda: x.index_select(0, next(batches)), "[]": lambda: x[next(batches)]}, calls=100
    )
    grey = x.numpy()
    all_cpus = data.binarize_workers

    def binarize_on_one_thread() -> None:
        data.binarize_workers = lambda: 1
        try:
            data.binarize(grey, seed=0)
        finally:
            data.binarize_workers = all_cpus

    threads = _alternating_best(
        {"all": lambda: data.binarize(grey, seed=0), "one": binarize_on_one_thread}, calls=1, rounds=3
    )
    return [
        ("fused Adam (one kernel) vs per-tensor Adam, per step", adam["fused"], adam["default"]),
        ("flush subnormals vs not, Adam step on subnormal moments", flushing["on"], flushing["off"]),
        ("index_select vs x[rows], per batch of 128", gather["index_select"], gather["[]"]),
        (f"binarize on {all_cpus()} threads vs 1, one epoch", threads["all"], threads["one"]),
    ]


@dataclass
class Contender:
    """One training implementation: ``run_epoch()`` trains one epoch over ``digits`` digits."""

    name: str
    run_epoch: Callable[[], float]
    digits: int
    mlp: bool  # the 784-400-20 MLP, whose epoch has a GEMM floor
    versus: Contender | None = None  # the reference its speed-up is measured against
    seconds: list[float] = field(default_factory=list)  # per 60,000 digits, one per round
    floors: list[float] = field(default_factory=list)  # s per 60,000-digit epoch, just before each

    def time_epoch(self) -> float:
        """Train one epoch; return its seconds scaled to 60,000 digits."""
        return self.run_epoch() * EPOCH / self.digits

    def floor_fractions(self) -> list[float]:
        """Per round: floor seconds / epoch seconds (1.0 would be the pure-GEMM speed)."""
        return [floor / seconds for floor, seconds in zip(self.floors, self.seconds)]

    def speedups(self) -> list[float]:
        """Per round: this contender's floor fraction over its reference's (``versus``)."""
        return [mine / theirs for mine, theirs in zip(self.floor_fractions(), self.versus.floor_fractions())]


def contenders(images: np.ndarray, labels: np.ndarray) -> list[Contender]:
    """Everything the benchmark races, each with the reference it is compared with."""
    grey = images.reshape(len(images), -1).astype(np.float32) / 255
    x_torch = torch.from_numpy(grey)
    torch.manual_seed(0)
    examples = Contender(
        "pytorch/examples VAE (reference)",
        pytorch_examples_epoch_runner(ExamplesVAE(), images, labels), EPOCH, mlp=True,
    )
    examples_in_memory = Contender(
        "  same loop, TensorDataset",
        pytorch_examples_epoch_runner(ExamplesVAE(), images, labels, in_memory=True),
        EPOCH, mlp=True, versus=examples,
    )
    torch.manual_seed(0)
    plain = Contender(
        "plain loop: TensorDataset + bernoulli",
        plain_loop_epoch_runner(VAE(20), x_torch), EPOCH, mlp=True, versus=examples,
    )
    torch.manual_seed(0)
    torch_mlp = Contender(
        "vaebook.torch VAE + training.fit", fit_epoch_runner(VAE(20), x_torch),
        EPOCH, mlp=True, versus=plain,
    )
    torch_conv = Contender(
        "vaebook.torch ConvVAE + training.fit", fit_epoch_runner(ConvVAE(2), x_torch[:CONV_SUBSET]),
        CONV_SUBSET, mlp=False,
    )
    racers = [examples, examples_in_memory, plain, torch_mlp, torch_conv]
    try:
        import keras

        from vaebook.keras import build_conv_vae, build_mlp_vae
    except ImportError as error:  # the keras extra is optional
        print(f"Keras rows skipped: {error}")
        return racers
    keras_io = None
    if keras.backend.backend() == "tensorflow":
        conv_digits = grey[:CONV_SUBSET].reshape(-1, 28, 28, 1)
        keras_io = Contender(
            "keras.io conv VAE (reference)", keras_epoch_runner(keras_io_vae(), conv_digits),
            CONV_SUBSET, mlp=False,
        )
        torch_conv.versus = keras_io  # the same convolutional model, in PyTorch
        racers.append(keras_io)
    else:
        print(f"keras.io row skipped: it needs the TensorFlow backend, not {keras.backend.backend()}")
    keras_mlp = Contender(
        "vaebook.keras MLP VAE",
        keras_epoch_runner(compile_as_chapter_5(build_mlp_vae(20, seed=0)), grey),
        EPOCH, mlp=True, versus=examples,
    )
    keras_conv = Contender(
        "vaebook.keras conv VAE",
        keras_epoch_runner(compile_as_chapter_5(build_conv_vae(2, seed=0)), grey[:CONV_SUBSET]),
        CONV_SUBSET, mlp=False, versus=keras_io,
    )
    return racers + [keras_mlp, keras_conv]


def race(racers: list[Contender], rounds: int) -> float:
    """Warm each contender up, then time one epoch each per round, the floor before each.

    Returns the best floor seen (products plus Adam's traffic), in seconds per epoch, and
    the two parts of the step's floor measured with it.
    """
    for contender in racers:
        contender.time_epoch()  # warm-up: tracing, first allocations
        print(f"  warmed up {contender.name.strip()}", flush=True)
    adam_bytes = adam_bytes_per_step(VAE(20))
    best_floor, best_parts = float("inf"), (0.0, 0.0)
    for round_number in range(1, rounds + 1):
        start = (round_number - 1) % len(racers)  # rotate, so no contender always goes first
        for contender in racers[start:] + racers[:start]:
            parts = floor_step_seconds(adam_bytes, repeats=50)
            floor = sum(parts) * EPOCH / BATCH_SIZE
            if floor < best_floor:
                best_floor, best_parts = floor, parts
            contender.floors.append(floor)
            contender.seconds.append(contender.time_epoch())
        print(f"  round {round_number}/{rounds} done", flush=True)
    return best_floor, best_parts


def median_and_range(values: list[float], style: str) -> str:
    """``"median (lowest-highest)"`` of per-round ratios, each written with ``style``."""
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{style.format(mid)} ({style.format(low)}-{style.format(high)})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per contender (default 3)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be a positive integer, got {args.rounds}")

    images, labels = load_mnist("train")
    print(f"CPU: {cpu_model()}")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)"
    )
    racers = contenders(images, labels)
    best_floor, (gemm_step, adam_step) = race(racers, args.rounds)
    median_floor = statistics.median(f for contender in racers for f in contender.floors)
    adam_bytes = adam_bytes_per_step(VAE(20))
    print(
        f"\nFloor of one 784-400-20 step at batch {BATCH_SIZE}, at best: the 12 matmuls at "
        f"{gemm_flops_per_step() / gemm_step / 1e9:.0f} GFLOP/s ({gemm_step * 1e3:.2f} ms) plus "
        f"Adam's {adam_bytes / 1e6:.1f} MB\nof traffic at {adam_bytes / adam_step / 1e9:.0f} GB/s "
        f"({adam_step * 1e3:.2f} ms) -> {(gemm_step + adam_step) * 1e3:.2f} ms per step, "
        f"{best_floor:.2f} s per epoch of {EPOCH:,} digits\n(median of the floors measured "
        f"before each epoch: {median_floor:.2f} s; each row uses the floor measured just before it)"
    )
    print(f"\n{'model':38s} {'s/epoch':>7s} {'images/s':>8s} {'of floor':>13s} {'speed-up':>19s}")
    for contender in racers:
        seconds = statistics.median(contender.seconds)
        share = speedup = "-"
        if contender.mlp:
            share = median_and_range(contender.floor_fractions(), "{:.0%}")
        if contender.versus is not None:
            speedup = median_and_range(contender.speedups(), "{:.2f}x")
        print(f"{contender.name:38s} {seconds:7.2f} {EPOCH / seconds:8,.0f} {share:>13s} {speedup:>19s}")
    training_share = training_share_of_floor()
    print(
        "\nof floor: floor seconds / epoch seconds, per round. Training computes "
        f"{training_share:.0%} of the floor's FLOPs\n(no gradient for the input "
        f"digits): against those 11 products alone, multiply by {training_share:.2f}."
        "\nspeed-up: this row's fraction of the floor over its reference's in the same round"
        "\n(vaebook.torch against the plain loop, other MLP rows against pytorch/examples,"
        "\nconvolutional rows against keras.io's conv VAE)."
        "\nBoth columns: the median over rounds, in brackets the lowest and highest."
    )
    book = next(c for c in racers if c.name.startswith("vaebook.torch VAE"))
    x_torch = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255)
    binarize_share = binarize_seconds(x_torch) / statistics.median(book.seconds)
    slider_ms = slider_update_ms(VAE(20))
    print(f"binarize_epoch: {binarize_share:.1%} of vaebook.torch's epoch")
    print("\nfit's settings on this CPU, each timed side by side with its alternative (best of 7):")
    for setting, with_it, without_it in setting_ratios(x_torch):
        print(f"  {setting:58s} {with_it * 1e6:9.0f} us vs {without_it * 1e6:9.0f} us: {without_it / with_it:5.2f}x")
    print(f"slider update (decode + PNG of one digit, 784-400-20 VAE): {slider_ms:.1f} ms")
    goals = [
        (">= 1.3x the plain loop", statistics.median(book.speedups()) >= 1.3),
        (">= 65% of the floor", statistics.median(book.floor_fractions()) >= 0.65),
        ("binarization <= 5% of its epoch", binarize_share <= 0.05),
        ("slider update <= 30 ms", slider_ms <= 30),
    ]
    verdicts = "; ".join(f"{goal}: {'met' if met else 'NOT met'}" for goal, met in goals)
    print(f"Targets for vaebook.torch VAE: {verdicts}")
    print(f"load average now {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
