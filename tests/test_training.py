"""vaebook.training.fit and evaluate, on small models and real MNIST digits."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from vaebook.data import load_mnist
from vaebook.training import default_device
from vaebook.training import evaluate as _evaluate
from vaebook.training import fit as _fit


def fit(*args, **kwargs):
    """fit on rows that end with the label (0..9): not pixels, so no [0, 1] check."""
    return _fit(*args, pixels=False, **kwargs)


def evaluate(*args, **kwargs):
    return _evaluate(*args, pixels=False, **kwargs)

N_DIGITS = 2000
POOL = 4  # 28 x 28 digits pooled to 7 x 7 = 49 features


@pytest.fixture(scope="module")
def pooled_digits():
    """Real digits as (N, 50) rows: 49 pooled grey levels in [0, 1], then the label."""
    images, labels = load_mnist("train", scaled=True, subset=N_DIGITS)
    pooled = images.reshape(N_DIGITS, 7, POOL, 7, POOL).mean(axis=(2, 4)).reshape(N_DIGITS, 49)
    rows = np.concatenate([pooled, labels[:, None].astype(np.float32)], axis=1)
    return torch.from_numpy(rows)


def squared_error(model, batch):
    """Least squares: predict the digit's label from its pooled pixels."""
    features, target = batch[:, :-1], batch[:, -1]
    error = model(features).squeeze(-1) - target
    return {"loss": (error**2).mean(), "abs_error": error.abs().mean()}


def noisy_squared_error(model, batch):
    """The same loss on inputs jittered with torch's global generator (like a VAE's ε)."""
    features, target = batch[:, :-1], batch[:, -1]
    features = features + 0.05 * torch.randn_like(features)
    return {"loss": ((model(features).squeeze(-1) - target) ** 2).mean()}


def linear_model(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(49, 1)


def test_fit_reaches_the_least_squares_optimum(pooled_digits):
    features, target = pooled_digits[:, :-1].double(), pooled_digits[:, -1].double()
    design = torch.cat([features, torch.ones(len(features), 1, dtype=torch.float64)], dim=1)
    # Corner pixels are always blank, so the design is rank deficient: use an SVD solver.
    solution = torch.linalg.lstsq(design, target[:, None], driver="gelsd").solution
    optimum = float(((design @ solution).squeeze(-1) - target).pow(2).mean())

    model = linear_model()
    before = evaluate(model, squared_error, pooled_digits)["loss"]
    history = fit(
        model, squared_error, pooled_digits, epochs=20, batch_size=50, lr=2e-2, progress=False
    )
    after = evaluate(model, squared_error, pooled_digits)["loss"]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert before > 5 * optimum
    assert optimum <= after < 1.1 * optimum, (before, after, optimum)


def test_history_has_one_value_per_epoch_for_every_term(pooled_digits):
    train, val = pooled_digits[:1500], pooled_digits[1500:]
    history = fit(linear_model(), squared_error, train, epochs=3, x_val=val, progress=False)
    expected = {"train_loss", "train_abs_error", "val_loss", "val_abs_error", "seconds"}
    assert set(history) == expected
    assert all(len(values) == 3 for values in history.values())
    assert all(isinstance(value, float) for values in history.values() for value in values)
    assert all(seconds > 0 for seconds in history["seconds"])

    no_val = fit(linear_model(), squared_error, train, epochs=2, progress=False)
    assert set(no_val) == {"train_loss", "train_abs_error", "seconds"}


def test_training_values_are_means_over_examples_and_validation_is_evaluate(pooled_digits):
    # With lr = 0 the weights never move, so the epoch mean must equal evaluate's mean,
    # even though 2000 digits in batches of 300 leave a last batch of 200.
    model = linear_model()
    history = fit(model, squared_error, pooled_digits, epochs=1, batch_size=300, lr=0.0,
                  x_val=pooled_digits[:700], progress=False)
    full = evaluate(model, squared_error, pooled_digits, batch_size=300)
    assert history["train_loss"][0] == pytest.approx(full["loss"], rel=1e-5)
    assert history["train_abs_error"][0] == pytest.approx(full["abs_error"], rel=1e-5)
    assert history["val_loss"][0] == pytest.approx(
        evaluate(model, squared_error, pooled_digits[:700])["loss"], rel=1e-6
    )


def test_evaluate_weights_batches_by_size_and_restores_the_mode(pooled_digits):
    model = linear_model()
    model.train()
    by_one_batch = evaluate(model, squared_error, pooled_digits, batch_size=N_DIGITS)
    by_uneven_batches = evaluate(model, squared_error, pooled_digits, batch_size=333)
    assert by_uneven_batches["loss"] == pytest.approx(by_one_batch["loss"], rel=1e-5)
    assert model.training
    model.eval()
    evaluate(model, squared_error, pooled_digits)
    assert not model.training


def test_every_example_is_seen_once_per_epoch(pooled_digits):
    seen = []

    def recording_loss(model, batch):
        seen.append(batch.clone())
        return squared_error(model, batch)

    fit(linear_model(), recording_loss, pooled_digits, epochs=2, batch_size=300, progress=False)
    batches_per_epoch = -(-N_DIGITS // 300)
    assert len(seen) == 2 * batches_per_epoch
    assert [len(b) for b in seen[:batches_per_epoch]] == [300] * 6 + [200]
    first, second = (torch.cat(seen[i * batches_per_epoch : (i + 1) * batches_per_epoch])
                     for i in range(2))
    for epoch in (first, second):
        assert sorted(map(tuple, epoch.tolist())) == sorted(map(tuple, pooled_digits.tolist()))
    assert not torch.equal(first, second)  # a fresh order each epoch


def test_a_fixed_seed_repeats_the_run_bit_for_bit(pooled_digits):
    start = linear_model()
    runs = []
    for seed in (7, 7, 8):
        model = copy.deepcopy(start)
        history = fit(model, noisy_squared_error, pooled_digits, epochs=2, batch_size=64,
                      seed=seed, progress=False)
        runs.append((history["train_loss"], torch.cat([p.flatten() for p in model.parameters()])))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    assert runs[0][0] != runs[2][0]
    assert not torch.equal(runs[0][1], runs[2][1])


def test_transform_makes_a_fresh_training_set_each_epoch(pooled_digits):
    calls = []
    seen = []

    def binarize_features(x, generator):
        calls.append(generator)
        features = torch.bernoulli(x[:, :-1], generator=generator)
        return torch.cat([features, x[:, -1:]], dim=1)

    def recording_loss(model, batch):
        seen.append(batch[:, :-1].clone())
        return squared_error(model, batch)

    original = pooled_digits.clone()
    fit(linear_model(), recording_loss, pooled_digits, epochs=3, batch_size=N_DIGITS,
        transform=binarize_features, progress=False)
    assert len(calls) == 3
    assert all(isinstance(generator, torch.Generator) for generator in calls)
    assert all(set(batch.unique().tolist()) == {0.0, 1.0} for batch in seen)
    assert not torch.equal(seen[0], seen[1])  # a fresh draw each epoch (same order aside)
    assert torch.equal(pooled_digits, original)  # the training set itself is untouched


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"epochs": 2.5}, ValueError, "epochs must be a positive integer, got 2.5"),
        ({"epochs": 1, "batch_size": True}, ValueError, "batch_size must be a positive integer"),
        ({"epochs": 1, "batch_size": -5}, ValueError, "batch_size must be a positive integer"),
        ({"epochs": 1, "x_train": "numpy"}, TypeError, r"x_train must be a torch.Tensor of shape \(N, \.\.\.\), got ndarray"),
        ({"epochs": 1, "x_val": "numpy"}, TypeError, r"x_val must be a torch.Tensor of shape \(N, \.\.\.\), got ndarray"),
    ],
)
def test_fit_rejects_bad_arguments(pooled_digits, kwargs, error, message):
    arrays = {"numpy": pooled_digits.numpy()}
    arguments = {"x_train": pooled_digits, **kwargs}
    for name in ("x_train", "x_val"):
        if isinstance(arguments.get(name), str):
            arguments[name] = arrays[arguments[name]]
    x_train = arguments.pop("x_train")
    with pytest.raises(error, match=message):
        fit(linear_model(), squared_error, x_train, progress=False, **arguments)


def test_evaluate_rejects_a_bad_batch_size(pooled_digits):
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        evaluate(linear_model(), squared_error, pooled_digits, batch_size=0)


def test_default_device_is_the_cpu_without_a_gpu():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert default_device().type == expected


@pytest.mark.parametrize("lr", [-1e-3, "0.001", None, float("nan")])
def test_fit_rejects_a_bad_learning_rate(lr):
    model = torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match="lr"):
        fit(model, lambda m, b: {"loss": m(b).pow(2).mean()}, torch.zeros(4, 3), epochs=1, lr=lr)


def test_fit_and_evaluate_check_pixels_by_default(pooled_digits):
    with pytest.raises(ValueError, match=r"x_train must hold pixel intensities in \[0, 1\], got values from 0 to 9"):
        _fit(linear_model(), squared_error, pooled_digits, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"x must hold pixel intensities in \[0, 1\]"):
        _evaluate(linear_model(), squared_error, pooled_digits)
