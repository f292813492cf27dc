"""A lean PyTorch training loop: in-memory batches, one progress bar, a history.

Every chapter that trains a PyTorch model uses :func:`fit`. The data set lives in one
tensor on the training device; an epoch is a random permutation cut into slices, so
there is no ``DataLoader``, no worker process and no per-batch copy from numpy.
``make bench`` races it against the plain ``TensorDataset`` + ``DataLoader`` loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import torch
from tqdm.auto import tqdm

from vaebook.checks import (
    check_finite,
    check_model,
    check_model_dtype,
    check_non_negative,
    check_positive_int,
    check_seed,
    check_tensor,
    check_unit_interval,
)

LossFn = Callable[[torch.nn.Module, torch.Tensor], Mapping[str, torch.Tensor]]
"""``loss_fn(model, batch) -> {"loss": scalar, ...}``: ``"loss"`` is minimized and
every entry is logged as its mean over the epoch (nats per image for the VAEs)."""

EpochTransform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]
"""``transform(x_train, generator) -> x_epoch``, applied once at the start of each epoch
(for example a fresh dynamic binarization of the training digits)."""


def default_device() -> torch.device:
    """The one place the book picks its device: a CUDA GPU when present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _check_inputs(name: str, x: object, model: torch.nn.Module, pixels: bool) -> None:
    """The checks fit and evaluate run once per call on their data (one pass over x)."""
    check_tensor(name, x, "(N, ...)")
    if x.dim() == 0 or len(x) == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1, got {tuple(x.shape)}")
    if x.is_floating_point():
        check_model_dtype(name, x, model)
    if pixels:
        check_unit_interval(name, x)
    else:
        check_finite(name, x)


def _first_loss(name: str, x: torch.Tensor, loss_fn: LossFn, model: torch.nn.Module,
                batch: torch.Tensor) -> Mapping[str, torch.Tensor]:
    """``loss_fn(model, batch)`` for the first batch of a call: a model that cannot take
    x's rows (digits as (N, 28, 28) for an MLP of 784 inputs) fails here, on the first
    step, with one line naming ``name`` instead of torch's message ten frames deep, and a
    loss_fn that returns no ``"loss"`` is named. Later batches call loss_fn directly, so
    the check costs nothing per step (and loss_fn is called exactly as often as before)."""
    try:
        terms = loss_fn(model, batch)
    except RuntimeError as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        hint = " (flatten images with x.reshape(len(x), -1))" if x.dim() > 2 else ""
        raise ValueError(
            f"{name} must have rows the model takes; rows of shape {tuple(x.shape[1:])} failed "
            f"in loss_fn(model, batch){hint}: {detail}"
        ) from None
    if not isinstance(terms, Mapping) or "loss" not in terms:
        raise TypeError(
            f"loss_fn must return a dict with a \"loss\" entry, got {type(terms).__name__}"
            + (f" with keys {sorted(terms)}" if isinstance(terms, Mapping) else "")
        )
    return terms


def evaluate(
    model: torch.nn.Module,
    loss_fn: LossFn,
    x: torch.Tensor,
    *,
    batch_size: int = 1000,
    pixels: bool = True,
) -> dict[str, float]:
    """Mean of every entry of ``loss_fn`` over ``x`` (shape ``(N, ...)``), in eval mode.

    x is checked once (a tensor with N >= 1 rows, the model's dtype and device, finite,
    and with ``pixels`` values in [0, 1]; pass ``pixels=False`` for other data).

    Returns a dict of Python floats, one per key of ``loss_fn``'s result, each the mean
    over all ``N`` examples (batches are weighted by their size).
    """
    check_positive_int("batch_size", batch_size)
    check_model("model", model)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a callable loss_fn(model, batch), got {type(loss_fn).__name__}")
    _check_inputs("x", x, model, pixels)
    return _evaluate(model, loss_fn, x, batch_size)


def _evaluate(model: torch.nn.Module, loss_fn: LossFn, x: torch.Tensor, batch_size: int,
              name: str = "x") -> dict[str, float]:
    """evaluate without its checks (fit checked x_val once before the first epoch); the
    first batch names ``name`` if the model cannot take it."""
    was_training = model.training
    model.eval()
    totals: dict[str, float] = {}
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            batch = x[start : start + batch_size]
            terms = _first_loss(name, x, loss_fn, model, batch) if start == 0 else loss_fn(model, batch)
            for key, value in terms.items():
                totals[key] = totals.get(key, 0.0) + float(value) * len(batch)
    model.train(was_training)
    return {key: total / len(x) for key, total in totals.items()}


def fit(
    model: torch.nn.Module,
    loss_fn: LossFn,
    x_train: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    x_val: torch.Tensor | None = None,
    transform: EpochTransform | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    progress: bool = True,
    pixels: bool = True,
) -> dict[str, list[float]]:
    """Minimize ``loss_fn(model, batch)["loss"]`` with Adam and return the history.

    model: the module to train (its parameters are updated in place).
    loss_fn: ``(model, batch) -> {"loss": scalar tensor, ...}``; see :data:`LossFn`.
    x_train: training inputs, shape ``(N, ...)``, already on the model's device.
    epochs, batch_size, lr: the recipe (Adam with learning rate ``lr`` unless
        ``optimizer`` is given).
    seed: seeds the batch order and torch's global generator (used by sampling
        inside the model), so a fixed seed repeats the run exactly on the CPU.
    x_val: optional held-out inputs, evaluated with :func:`evaluate` after each epoch.
    transform: optional per-epoch transform of ``x_train``; see :data:`EpochTransform`.
    pixels: x_train and x_val hold pixel intensities in [0, 1] (checked once per call,
        with their type, dtype, device and finiteness); pass False for other data.

    Returns ``{"train_<key>": [...], "val_<key>": [...], "seconds": [...]}``: one value
    per epoch for every key of ``loss_fn`` (training values are means over the epoch
    while the weights change; validation values are computed after it).
    """
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_non_negative("lr", lr)  # finite: an infinite rate would fail a step later
    check_seed("seed", seed)
    check_model("model", model)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a callable loss_fn(model, batch), got {type(loss_fn).__name__}")
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be a callable transform(x, generator) or None, got {type(transform).__name__}")
    _check_inputs("x_train", x_train, model, pixels)
    if x_val is not None:  # before the first epoch, not after it
        _check_inputs("x_val", x_val, model, pixels)
        if x_val.shape[1:] != x_train.shape[1:]:
            raise ValueError(
                f"x_val must have rows of x_train's shape {tuple(x_train.shape[1:])}, "
                f"got {tuple(x_val.shape[1:])}"
            )

    torch.manual_seed(seed)
    generator = torch.Generator(device=x_train.device).manual_seed(seed)
    # fused=True: one kernel per step for all parameters. On the CPU the default
    # per-tensor Adam took longer than the step's matrix products (chapter 6 bench).
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    history: dict[str, list[float]] = {"seconds": []}
    # Adam's second-moment estimates drift into subnormal floats, which the CPU
    # handles very slowly; flushing them to zero changes no loss we report.
    torch.set_flush_denormal(True)
    try:
        # smoothing=0: the bar's rate is the average over all epochs so far
        # (tqdm's default weights the latest epochs most).
        bar = tqdm(
            range(epochs),
            desc="training",
            unit="epoch",
            smoothing=0,
            disable=not progress,
        )
        first_step = True
        for _ in bar:
            start_time = time.perf_counter()
            model.train()
            x_epoch = transform(x_train, generator) if transform else x_train
            order = torch.randperm(len(x_epoch), generator=generator, device=x_epoch.device)
            totals: dict[str, torch.Tensor] = {}
            for start in range(0, len(order), batch_size):
                # index_select copies whole rows: about 2x faster than x_epoch[rows]
                # (`make bench` times both)
                batch = x_epoch.index_select(0, order[start : start + batch_size])
                if first_step:  # names x_train if the model cannot take its rows
                    terms, first_step = _first_loss("x_train", x_train, loss_fn, model, batch), False
                else:
                    terms = loss_fn(model, batch)
                optimizer.zero_grad(set_to_none=True)
                terms["loss"].backward()
                optimizer.step()
                for key, value in terms.items():
                    totals[key] = totals.get(key, 0.0) + value.detach() * len(batch)
            for key, total in totals.items():
                history.setdefault(f"train_{key}", []).append(float(total) / len(order))
            if x_val is not None:
                for key, value in _evaluate(model, loss_fn, x_val, 1000, "x_val").items():
                    history.setdefault(f"val_{key}", []).append(value)
            history["seconds"].append(time.perf_counter() - start_time)
            shown = {k: f"{v[-1]:.2f}" for k, v in history.items() if k.endswith("_loss")}
            bar.set_postfix(shown)
    finally:
        torch.set_flush_denormal(False)
    return history
