"""Argument checks shared by the companion's public functions: one message, one place.

Every check raises one line that names the argument, what was expected and what came:
``TypeError`` for the wrong kind of object (a numpy array where a tensor is expected),
``ValueError`` for a wrong shape, dtype or value, e.g.
``ValueError: log_px_given_z must have shape (K, batch) with K >= 1, got (0, 16)``.

The module imports neither torch nor TensorFlow (plots and widgets use it and stay free
of frameworks): a torch tensor is recognised through ``sys.modules``, since nothing can
be a ``torch.Tensor`` before torch is imported, and shapes are read duck-typed from
``.shape``, so the same checks serve torch, numpy and Keras tensors.

What they cost: type, shape and dtype checks read metadata only and are free. Value
checks (:func:`check_unit_interval`, :func:`check_finite`) read every element once, so
the companion runs them where user data enters (``fit``, ``evaluate``,
``estimate_log_px``, ``fit_ppca``, the plots), never inside a loss that runs at every
training step.
"""

from __future__ import annotations

import sys
from typing import Any


def check_positive_int(name: str, value: object) -> None:
    """Raise ``ValueError: <name> must be a positive integer, got <value>`` unless it is one.

    ``True``/``False`` are refused although Python counts them as integers.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def is_tensor(value: object) -> bool:
    """True if ``value`` is a ``torch.Tensor`` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def shape_of(value: object) -> tuple:
    """``value.shape`` as a plain tuple (torch, numpy, TensorFlow, Keras)."""
    return tuple(value.shape)  # type: ignore[attr-defined]


def check_tensor(name: str, value: object, layout: str) -> None:
    """TypeError unless ``value`` is a torch.Tensor; ``layout`` (e.g. ``"(N, 784)"``) goes
    into the message."""
    if not is_tensor(value):
        hint = " (convert it with torch.from_numpy)" if type(value).__module__ == "numpy" else ""
        raise TypeError(f"{name} must be a torch.Tensor of shape {layout}, got {type(value).__name__}{hint}")


def check_has_shape(name: str, value: object, layout: str) -> tuple:
    """TypeError unless ``value`` has a ``.shape`` (a tensor or an array); returns the shape."""
    if not hasattr(value, "shape"):
        raise TypeError(f"{name} must be an array or tensor of shape {layout}, got {type(value).__name__}")
    return shape_of(value)


def check_same_shape(*names_and_values: Any) -> None:
    """``check_same_shape("mu", mu, "log_var", log_var)``: ValueError unless the shapes agree.

    Also TypeError for an argument without a shape (a list, a number). Works on torch,
    numpy, TensorFlow and symbolic Keras tensors (reads ``.shape`` only).
    """
    names = list(names_and_values[::2])
    values = names_and_values[1::2]
    shapes = [check_has_shape(name, value, "(batch, ...)") for name, value in zip(names, values)]
    if any(shape != shapes[0] for shape in shapes):
        raise ValueError(f"{_listed(names)} must have the same shape, got {_listed(shapes)}")


def _listed(items: list) -> str:
    """'a and b', 'a, b and c'."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def check_same_dtype(name: str, value: Any, other_name: str, other: Any) -> None:
    """ValueError unless two tensors share a dtype (torch would fail deep inside a layer)."""
    if value.dtype != other.dtype:
        raise ValueError(
            f"{name} must have the dtype of {other_name}, {other.dtype}, got {value.dtype}"
            " (convert it with .to(...))"
        )


def check_finite(name: str, value: Any) -> None:
    """ValueError if a torch tensor or numpy array holds NaN or infinity (reads every element)."""
    if is_tensor(value):
        torch = sys.modules["torch"]
        if not value.is_floating_point() or bool(torch.isfinite(value).all()):
            return
        bad = int((~torch.isfinite(value)).sum())
    else:
        import numpy as np

        array = np.asarray(value)
        bad = int((~np.isfinite(array)).sum()) if np.issubdtype(array.dtype, np.inexact) else 0
    if bad:
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")


def check_finite_result(result: Any, **inputs: Any) -> None:
    """ValueError naming the input that made ``result`` NaN or infinite.

    Reads only ``result``, a small per-example tensor such as (batch,), so it is cheap on
    a training step; the ``inputs`` (name=tensor, in order) are read only when the result
    is not finite, to say which of them holds NaN or infinity. If none does, the result
    overflowed and the message says so.
    """
    torch = sys.modules["torch"]
    if not result.is_floating_point() or bool(torch.isfinite(result).all()):
        return
    for name, value in inputs.items():
        check_finite(name, value)
    raise ValueError(
        f"{', '.join(inputs)} are finite but gave a NaN or infinite result (overflow)"
    )


def check_unit_interval(name: str, value: Any, what: str = "pixel intensities") -> None:
    """ValueError unless every element is in [0, 1] (so also finite); reads every element.

    The message gives the range found, and for values up to 255 the usual fix.
    """
    if is_tensor(value):
        if value.numel() == 0 or value.dtype == sys.modules["torch"].bool:
            return
        # one pass, no temporaries (8 ms for all of MNIST); NaN propagates into both ends
        low, high = sys.modules["torch"].aminmax(value)
        inside = bool(low >= 0) and bool(high <= 1)
    else:
        import numpy as np

        array = np.asarray(value)
        inside = bool(((array >= 0) & (array <= 1)).all())
    if inside:
        return
    if is_tensor(value) and not bool(sys.modules["torch"].isfinite(value).all()):
        raise ValueError(f"{name} must hold {what} in [0, 1], got NaN or infinity")
    if not is_tensor(value):
        import numpy as np

        if not np.isfinite(np.asarray(value, dtype=float)).all():
            raise ValueError(f"{name} must hold {what} in [0, 1], got NaN or infinity")
    low, high = float(value.min()), float(value.max())
    hint = " (divide 0..255 digits by 255)" if 1 < high <= 255 else ""
    raise ValueError(f"{name} must hold {what} in [0, 1], got values from {low:g} to {high:g}{hint}")


def check_digits(name: str, x: Any, pixels: int, model: Any = None) -> None:
    """A batch of flattened digits for a torch model: a floating tensor (N, pixels) with
    N >= 1, values in [0, 1], and the dtype of ``model``'s parameters when given."""
    layout = f"(N, {pixels})"
    check_tensor(name, x, layout)
    if x.dim() != 2 or x.shape[1] != pixels or x.shape[0] == 0:
        raise ValueError(f"{name} must be a torch.Tensor of shape {layout} with N >= 1, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor with values in [0, 1], got dtype {x.dtype}")
    if model is not None:
        check_model_dtype(name, x, model)
    check_unit_interval(name, x)


def check_model_dtype(name: str, x: Any, model: Any) -> None:
    """ValueError unless ``x`` has the dtype of ``model``'s first parameter (and its device)."""
    parameter = next(iter(model.parameters()), None)
    if parameter is None:
        return
    if x.dtype != parameter.dtype:
        raise ValueError(
            f"{name} must have the model's dtype {parameter.dtype}, got {x.dtype}"
            f" (use x.to({parameter.dtype}) or model.to({x.dtype}))"
        )
    if x.device != parameter.device:
        raise ValueError(f"{name} must be on the model's device {parameter.device}, got {x.device}")


def check_model(name: str, model: Any) -> None:
    """TypeError unless ``model`` is a ``torch.nn.Module``."""
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(model, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(model).__name__}")


def check_log_weights(log_px_given_z: Any, log_pz: Any, log_qz: Any, num_samples: int) -> None:
    """The three (K, batch) inputs of the importance-weighted bound: tensors of one 2-D
    shape with K >= 1, no NaN, and K == num_samples (the only way to tell a
    transposed (batch, K) input from a (K, batch) one). Reads every element once: cheap
    next to decoding the K codes that produced them."""
    named = {"log_px_given_z": log_px_given_z, "log_pz": log_pz, "log_qz": log_qz}
    for name, value in named.items():
        check_tensor(name, value, "(K, batch)")
    shapes = [shape_of(value) for value in named.values()]
    if len(set(shapes)) != 1 or len(shapes[0]) != 2:
        raise ValueError(
            "log_px_given_z, log_pz and log_qz must all have shape (K, batch), got "
            f"{shapes[0]}, {shapes[1]} and {shapes[2]}"
        )
    if shapes[0][0] < 1:
        raise ValueError(f"log_px_given_z must have shape (K, batch) with K >= 1 samples, got {shapes[0]}")
    for name, value in named.items():  # -inf is a weight of 0; NaN would spread to the bound
        if bool(value.isnan().any()):
            raise ValueError(f"{name} must not hold NaN, got {int(value.isnan().sum())} NaN value(s)")
    check_positive_int("num_samples", num_samples)
    if shapes[0][0] != num_samples:
        raise ValueError(
            f"log_px_given_z must have shape (K, batch) with K = num_samples = {num_samples} "
            f"samples first, got {shapes[0]} (transposed?)"
        )


def check_codes(name: str, z: Any, latent_dim: int, n: int) -> None:
    """Codes of shape (..., n, latent_dim) for n data points."""
    check_tensor(name, z, f"(..., {n}, {latent_dim})")
    if z.dim() < 2 or tuple(z.shape[-2:]) != (n, latent_dim):
        raise ValueError(f"{name} must have shape (..., {n}, {latent_dim}), got {tuple(z.shape)}")


def check_tensors(layout: str, *, same_shape: bool = True, **named: Any) -> None:
    """``check_tensors("(batch, latent_dim)", mu=mu, log_var=log_var)``: every argument a
    torch.Tensor (TypeError naming it otherwise) and, unless ``same_shape=False``, all of
    one shape. Reads metadata only, so it is free on a training step."""
    for name, value in named.items():
        check_tensor(name, value, layout)
    if same_shape:
        names = list(named)
        shapes = [tuple(value.shape) for value in named.values()]
        if any(shape != shapes[0] for shape in shapes):
            raise ValueError(
                f"{_listed(names)} must have the same shape, got {_listed(shapes)}; expected {layout} each"
            )


def check_data_matrix(name: str, x: Any, *, more_rows_than_columns: bool = False) -> None:
    """Data points as rows: a finite floating tensor (N, D), N >= 1; with
    ``more_rows_than_columns``, N > D (a covariance estimate of full rank needs it)."""
    check_tensor(name, x, "(N, D)")
    if x.dim() != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must be a torch.Tensor of shape (N, D) with N >= 1, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor (float64 for exact densities), got dtype {x.dtype}")
    if more_rows_than_columns and x.shape[0] <= x.shape[1]:
        raise ValueError(
            f"{name} must have more rows than columns (N > D) for a full-rank covariance, "
            f"got (N, D) = {tuple(x.shape)}"
        )
    check_finite(name, x)
