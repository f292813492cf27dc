"""Tests for benchmarks.bench and its reference loops: they measure what they say.

Timings themselves are not asserted (they depend on the machine); what is checked is that
the floor counts the right products, the references compute what their sources compute,
and every contender really trains.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.bench import (
    BATCH_SIZE,
    Contender,
    adam_bytes_per_step,
    binarize_seconds,
    copy_bandwidth,
    cpu_model,
    fit_epoch_runner,
    floor_step_seconds,
    gemm_flops_per_step,
    gemm_step_seconds,
    keras_epoch_runner,
    main,
    median_and_range,
    plain_loop_epoch_runner,
    race,
    setting_ratios,
    training_share_of_floor,
)
from benchmarks.reference_loops import (
    ExamplesVAE,
    TorchvisionStyleMNIST,
    examples_loss,
    keras_io_vae,
    pytorch_examples_epoch_runner,
)
from tests.notebooks import BOOK, code_cells
from vaebook.data import load_mnist
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import VAE


@pytest.fixture(scope="module")
def train_digits():
    return load_mnist("train", subset=2 * BATCH_SIZE)


def test_gemm_floor_counts_the_flops_of_every_linear_layer_of_the_vae():
    """Forward, weight gradient and input gradient: 3 products of 2 B n_in n_out FLOPs each."""
    model = VAE(latent_dim=20, hidden_dim=400)
    linear_layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    expected = sum(3 * 2 * BATCH_SIZE * m.in_features * m.out_features for m in linear_layers)
    assert gemm_flops_per_step() == expected == 500_121_600
    assert gemm_step_seconds(repeats=10) > 0


def test_torchvision_style_dataset_gives_totensor_output(train_digits):
    """Each item is ToTensor's result: float32 (1, 28, 28) equal to pixel / 255, and an int label."""
    images, labels = train_digits
    dataset = TorchvisionStyleMNIST(images, labels)
    image, label = dataset[3]
    assert len(dataset) == len(images)
    assert image.dtype == torch.float32 and image.shape == (1, 28, 28)
    np.testing.assert_array_equal(image[0].numpy(), images[3].astype(np.float32) / 255)
    assert isinstance(label, int) and label == labels[3]


def test_examples_loss_is_the_books_negative_elbo_summed_over_the_batch():
    """pytorch/examples' loss (BCE on sigmoid outputs, summed) is B times the book's -ELBO."""
    images, _ = load_mnist("test", binarize=True, seed=0, subset=BATCH_SIZE)
    x = torch.from_numpy(images.reshape(-1, 784)).double()
    torch.manual_seed(0)
    model = ExamplesVAE().double()
    mu, log_var = model.encode(x)
    logits = model.fc4(torch.relu(model.fc3(mu)))
    theirs = examples_loss(torch.sigmoid(logits), x, mu, log_var)
    ours = (-bernoulli_log_likelihood(logits, x) + kl_diag_gaussian(mu, log_var)).mean()
    torch.testing.assert_close(theirs, BATCH_SIZE * ours, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("in_memory", [False, True])
def test_examples_loop_trains_on_real_digits(train_digits, in_memory):
    """Both data paths run the example's epoch, and the loss goes down."""
    images, labels = train_digits
    x = torch.from_numpy(images.reshape(-1, 784).astype(np.float32) / 255)
    torch.manual_seed(0)
    model = ExamplesVAE()

    def mean_loss():
        with torch.no_grad():
            recon, mu, log_var = model(x)
            return examples_loss(recon, x, mu, log_var).item() / len(x)

    before = mean_loss()
    run_epoch = pytorch_examples_epoch_runner(model, images, labels, in_memory=in_memory)
    assert run_epoch() > 0 and run_epoch() > 0
    assert mean_loss() < before - 50  # nats per digit, after 4 Adam steps


def test_fit_runner_continues_training_the_same_model(train_digits):
    images, _ = train_digits
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255)
    torch.manual_seed(0)
    model = VAE(20)
    before = [p.detach().clone() for p in model.parameters()]
    run_epoch = fit_epoch_runner(model, x)
    assert run_epoch() > 0
    after_one = [p.detach().clone() for p in model.parameters()]
    assert run_epoch() > 0
    assert all(not torch.equal(a, b) for a, b in zip(before, after_one))
    assert any(not torch.equal(a, p) for a, p in zip(after_one, model.parameters()))


def test_race_rotates_the_order_and_measures_the_floor_before_each_epoch(monkeypatch):
    events = []
    floors = iter([1.0, 2.0, 3.0, 4.0])  # floor seconds per step, in the order measured
    monkeypatch.setattr(  # (products, Adam's traffic) per step; the floor is their sum
        "benchmarks.bench.floor_step_seconds",
        lambda adam_bytes, repeats: events.append("floor") or (next(floors) * BATCH_SIZE / 60_000 - 1e-6, 1e-6),
    )

    def runner(name):
        def run_epoch():
            events.append(name)
            return 0.5

        return run_epoch

    racers = [Contender("a", runner("a"), 60_000, True), Contender("b", runner("b"), 30_000, False)]
    best_floor, best_parts = race(racers, rounds=2)
    # one warm-up each, then round 1 as listed and round 2 rotated, a floor before each epoch
    assert events == ["a", "b", "floor", "a", "floor", "b", "floor", "b", "floor", "a"]
    assert racers[0].seconds == [0.5, 0.5]
    assert racers[1].seconds == [1.0, 1.0]  # 30,000 digits in 0.5 s: 1 s per 60,000
    assert racers[0].floors == pytest.approx([1.0, 4.0]) and racers[1].floors == pytest.approx([2.0, 3.0])
    assert best_floor == pytest.approx(1.0)
    assert best_parts == pytest.approx((BATCH_SIZE / 60_000 - 1e-6, 1e-6))


def test_speedup_compares_fractions_of_the_floor_within_each_round():
    """A machine twice as slow in round 2 (floors and epochs both doubled) changes no ratio."""
    reference = Contender("ref", lambda: 0.0, 60_000, True, seconds=[4.0, 8.0], floors=[1.0, 2.0])
    ours = Contender("ours", lambda: 0.0, 60_000, True, reference, seconds=[2.0, 4.0], floors=[1.0, 2.0])
    assert ours.floor_fractions() == [0.5, 0.5]
    assert ours.speedups() == [2.0, 2.0]


def test_training_computes_all_but_the_first_layers_input_gradient():
    assert training_share_of_floor() == pytest.approx((500_121_600 - 2 * 128 * 784 * 400) / 500_121_600)


def test_main_rejects_a_non_positive_number_of_rounds():
    with pytest.raises(SystemExit):
        main(["--rounds", "0"])


def test_ratios_are_reported_as_median_and_range():
    assert median_and_range([0.5, 0.61, 0.55], "{:.0%}") == "55% (50%-61%)"
    assert median_and_range([2.0], "{:.2f}x") == "2.00x (2.00x-2.00x)"


def test_keras_runner_trains_keras_ios_vae_on_real_digits(train_digits):
    """keras.io's model compiles, trains one epoch through the runner and changes its weights."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("keras.io's train_step needs the TensorFlow backend")
    images, _ = train_digits
    vae = keras_io_vae()
    before = [w.copy() for w in vae.get_weights()]
    assert keras_epoch_runner(vae, images[..., None].astype(np.float32) / 255)() > 0
    assert all(not np.array_equal(a, b) for a, b in zip(before, vae.get_weights()) if a.ndim > 1)


PACKAGE = Path(__file__).resolve().parents[1] / "companion" / "src" / "vaebook"


def vaebook_imports(source: str) -> set[str]:
    """The ``vaebook`` modules that Python ``source`` imports, e.g. ``{"data", "torch"}``."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))  # `!pip`, `%magic` lines
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "vaebook":
                continue
            if len(parts) > 1:
                modules.add(parts[1])
            else:  # from vaebook import data, plots
                modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "vaebook" and len(parts) > 1:
                    modules.add(parts[1])
    return modules


def modules_the_chapters_use() -> set[str]:
    """Modules the chapters import or name (``vaebook.keras`` in prose), and what those import."""
    used = set()
    for notebook in sorted(BOOK.glob("[0-9][0-9]_*.ipynb")):
        for source in code_cells(notebook):
            used |= vaebook_imports(source)
        used |= set(re.findall(r"\bvaebook\.([a-z_]+)", notebook.read_text(encoding="utf-8")))
    todo = list(used)
    while todo:
        module = PACKAGE / f"{todo.pop()}.py"
        if not module.exists():  # prose naming a module that is not (or no longer) there
            continue
        for imported in vaebook_imports(module.read_text(encoding="utf-8")) - used:
            used.add(imported)
            todo.append(imported)
    return used


def test_vaebook_imports_finds_every_import_form_and_ignores_shell_lines():
    source = "!pip install x\n%matplotlib inline\nimport vaebook.plots\nfrom vaebook import data, glue\n"
    source += "from vaebook.torch import VAE\nimport numpy\n"
    assert vaebook_imports(source) == {"plots", "data", "glue", "torch"}


def test_the_installed_package_holds_only_what_the_chapters_use():
    """Every Colab reader downloads companion/src/vaebook: benchmark code lives in benchmarks/."""
    in_package = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert not {"bench", "reference_loops"} & in_package, "benchmark code belongs in benchmarks/"
    unused = in_package - modules_the_chapters_use()
    assert not unused, (
        f"vaebook.{', vaebook.'.join(sorted(unused))}: no chapter imports or names it "
        "(directly or through another vaebook module); move it out of the package"
    )
    assert not [p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"]


def test_the_floor_adds_adams_unavoidable_memory_traffic():
    """7 tensors the size of the parameters (parameters, gradients and two moments read,
    parameters and moments written), 4 bytes each, at a measured positive bandwidth."""
    model = VAE(20)
    parameters = sum(p.numel() for p in model.parameters())
    assert parameters == 784 * 400 + 400 + 2 * (400 * 20 + 20) + 20 * 400 + 400 + 400 * 784 + 784
    assert adam_bytes_per_step(model) == 7 * 4 * parameters
    assert adam_bytes_per_step(model.double()) == 7 * 8 * parameters
    assert 1e8 < copy_bandwidth(4 * parameters * 4, repeats=3) < 1e13  # bytes/s: 0.1 to 10,000 GB/s
    gemm, adam = floor_step_seconds(adam_bytes_per_step(model.float()), repeats=10)
    assert gemm > 0 and adam > 0


def test_cpu_model_names_the_cpu_and_torchs_vector_instructions():
    text = cpu_model()
    assert text.split(",")[0].strip()
    assert text.endswith(torch.backends.cpu.get_cpu_capability())


def test_plain_loop_binarizes_every_batch_afresh_and_trains(train_digits, monkeypatch):
    """The plain loop's batches are fresh 0/1 draws from the grey digits, and the loss drops."""
    images, _ = train_digits
    x = torch.from_numpy(images.reshape(-1, 784).astype(np.float32) / 255)
    torch.manual_seed(0)
    model = VAE(20)
    seen = []
    loss = vae_loss_spy(seen, monkeypatch)

    def mean_loss():
        with torch.no_grad():
            return loss(model, torch.bernoulli(x, generator=torch.Generator().manual_seed(0)))["loss"].item()

    before = mean_loss()
    run_epoch = plain_loop_epoch_runner(model, x)
    assert run_epoch() > 0 and run_epoch() > 0
    assert len(seen) == 4  # 2 batches of 128, 2 epochs
    assert all(set(batch.unique().tolist()) <= {0.0, 1.0} for batch in seen)
    assert not torch.equal(seen[0], seen[2]) or not torch.equal(seen[1], seen[3])  # fresh draws
    assert mean_loss() < before - 50  # nats per digit, after 4 Adam steps


def vae_loss_spy(seen, monkeypatch):
    """Record every batch the plain loop hands ``vae_loss``; returns the real ``vae_loss``."""
    import benchmarks.bench
    from vaebook.torch import vae_loss

    def spy(model, x):
        seen.append(x.clone())
        return vae_loss(model, x)

    monkeypatch.setattr(benchmarks.bench, "vae_loss", spy)
    return vae_loss


def test_binarize_seconds_times_one_epoch_of_draws():
    assert binarize_seconds(torch.rand(1000, 784), repeats=2) > 0


def test_setting_ratios_time_each_setting_against_its_alternative(train_digits, monkeypatch):
    """Four settings, each timed with and without; the binarization runs once on 1 thread."""
    from vaebook import data

    images, _ = train_digits
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255)
    workers_seen = []
    real_binarize = data.binarize

    def recording_binarize(grey, seed):
        workers_seen.append(data.binarize_workers())
        return real_binarize(grey, seed)

    monkeypatch.setattr(data, "binarize", recording_binarize)
    all_cpus = data.binarize_workers
    rows = setting_ratios(x)
    assert [name.split()[0] for name, _, _ in rows] == ["fused", "flush", "index_select", "binarize"]
    assert all(with_it > 0 and without_it > 0 for _, with_it, without_it in rows)
    assert 1 in workers_seen and data.binarize_workers() in workers_seen
    assert data.binarize_workers is all_cpus  # put back after the one-thread run
