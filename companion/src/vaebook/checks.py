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

One rule per kind of input, for every public function of every module (issue 23; the
tests ``tests/test_bad_inputs*.py`` hold a row per function and
``tests/test_bad_input_coverage.py`` fails on a public function without one):

- a torch tensor where one is expected (:func:`check_tensor`: TypeError with
  ``torch.from_numpy``); numpy functions take arrays or tensors (:func:`as_array`);
- pixels in [0, 1] wherever an image is read (:func:`check_unit_interval`,
  :func:`check_images01`: the hint to divide 0..255 by 255), finiteness everywhere;
- codes as rows (N, latents) (:func:`check_codes_matrix`: a (latents, N) array gets the
  hint to transpose it), (K, batch) log-weights (:func:`check_log_weights`);
- one-hot rows that sum to one (:func:`check_one_hot`), lengths that match
  (:func:`check_same_length`), labels, positive sizes, finite non-negative numbers
  (β, learning rates), seeds, callables, a model of the right kind and latent size
  (:func:`check_vae`), a decode function rather than a model (:func:`check_numpy_decode`);
- Keras: values are checked only when they are eager (numpy, eager tensors:
  :func:`concrete`), so a compiled training step, whose tensors are symbolic, pays nothing.

A function whose source a chapter shows gets its check from :func:`boundary`, a wrapper
that runs the check first and keeps the function's source for the chapter's twin test.
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np


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


# --- numbers, seeds, callables ------------------------------------------------------------


def check_non_negative(name: str, value: object) -> float:
    """``value`` as a float, or ``ValueError: <name> must be a non-negative number``
    (finite: an infinite β or learning rate is refused too)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a non-negative number (finite), got {value!r}")
    return float(value)


def check_positive_number(name: str, value: object) -> float:
    """``value`` as a float, or ``ValueError: <name> must be a positive number (finite)``."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive number (finite), got {value!r}")
    return float(value)


def check_finite_number(name: str, value: object) -> float:
    """``value`` as a float: TypeError unless it is a real number, ValueError unless finite."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_seed(name: str, value: object) -> int:
    """``value`` as an int, or ``TypeError`` (not an integer) / ``ValueError`` (negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative integer, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def check_callable(name: str, value: object, what: str) -> None:
    """TypeError unless ``value`` is callable; ``what`` says how it is called, e.g.
    ``"decode(z) -> images"``."""
    if not callable(value):
        raise TypeError(f"{name} must be a callable {what}, got {type(value).__name__}")


def check_label(name: str, label: object, num_classes: int = 10) -> int:
    """``label`` as an int, or ``ValueError`` unless it is an integer in [0, num_classes)."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not (
        0 <= label < num_classes
    ):
        raise ValueError(f"{name} must be an integer in [0, {num_classes}), got {label!r}")
    return int(label)


# --- numpy arrays --------------------------------------------------------------------------


def as_array(name: str, value: object, layout: str) -> np.ndarray:
    """``value`` as a real numpy array (a torch tensor is converted with
    ``.detach().cpu().numpy()``); TypeError naming ``name`` for anything that is not
    numbers (a string, a dict, ragged lists, complex numbers)."""
    if is_tensor(value):
        value = value.detach().cpu().numpy()  # type: ignore[attr-defined]
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise TypeError(f"{name} must be an array of numbers of shape {layout}, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers of shape {layout}, got {type(value).__name__}") from None
    if array.dtype == bool:
        array = array.astype(np.uint8)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be an array of real numbers of shape {layout}, got dtype {array.dtype}")
    return array


def check_finite_array(name: str, array: np.ndarray) -> None:
    """ValueError if a numpy array holds NaN or infinity, with the count."""
    if np.issubdtype(array.dtype, np.inexact):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        if bad:
            raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")


def check_codes_matrix(
    name: str, codes: object, *, latent_dim: int | None = None, min_rows: int = 1,
    min_latents: int = 1, data_set: bool = False,
) -> np.ndarray:
    """Codes as rows: a finite float64 array (N, latents), one row per data point.

    With ``latent_dim``, the columns must be that many; an array (latent_dim, N) gets the
    hint to transpose it. With ``data_set`` (codes of a data set, for a statistic over
    its points such as a variance), an array with more columns than rows is refused as
    transposed: there are more points than latent dimensions in every use of the book,
    so a (latents, N) array cannot pass as N points of a huge code.
    """
    rows = "N" if data_set else "n"
    layout = f"({rows}, {latent_dim if latent_dim is not None else 'latents'})"
    array = as_array(name, codes, layout)
    shape = array.shape
    if array.ndim != 2 or shape[0] < min_rows or shape[1] < min_latents:
        need = f" with {rows} >= {min_rows}" + (f" and latents >= {min_latents}" if min_latents > 1 else "")
        raise ValueError(f"{name} must have shape {layout}{need}, got {shape}")
    if latent_dim is not None and shape[1] != latent_dim:
        hint = " (transposed? pass codes.T)" if shape[0] == latent_dim else ""
        raise ValueError(f"{name} must have shape {layout}, got {shape}{hint}")
    if data_set and shape[1] > shape[0]:
        raise ValueError(
            f"{name} must have shape (N, latents) with one row per data point, got {shape}: "
            f"more latent columns than rows (transposed? pass {name}.T)"
        )
    check_finite_array(name, array)
    return array.astype(np.float64, copy=False)


def check_images01(name: str, images: object, *, side: int = 28) -> np.ndarray:
    """Images (N, side, side) or (N, side * side) of pixel intensities in [0, 1]: returned
    as a float array (N, side, side). Refuses NaN, values outside [0, 1] (with the hint to
    divide 0..255 pixels by 255) and other shapes."""
    layout = f"(N, {side}, {side}) or (N, {side * side})"
    array = as_array(name, images, layout)
    if array.ndim == 2 and array.shape[1] == side * side:
        array = array.reshape(-1, side, side)
    if array.ndim != 3 or array.shape[1:] != (side, side) or len(array) == 0:
        raise ValueError(f"{name} must have shape {layout} with N >= 1, got {np.shape(images)}")
    check_unit_interval(name, array)
    return array


def check_scores(name: str, scores: object) -> np.ndarray:
    """``scores`` as a non-empty, finite 1-D float64 array (a torch tensor is converted),
    or a one-line error naming ``name``."""
    if is_tensor(scores):
        scores = scores.detach().cpu().numpy()  # type: ignore[attr-defined]
    try:
        array = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of numbers, got {type(scores).__name__}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    check_finite_array(name, array)
    return array


def check_same_length(*names_and_values: Any) -> None:
    """``check_same_length("codes", codes, "factors", factors)``: ValueError unless every
    argument has as many rows (one per data point)."""
    names = list(names_and_values[::2])
    lengths = [len(value) for value in names_and_values[1::2]]
    if any(length != lengths[0] for length in lengths):
        raise ValueError(
            f"{_listed(names)} must have the same length (one row per data point), got {_listed(lengths)}"
        )


def check_one_hot(name: str, rows: Any) -> None:
    """ValueError unless every row of a torch tensor or array is one-hot: zeros and a
    single one (an all-zero row would be read as label 0)."""
    if is_tensor(rows):
        torch = sys.modules["torch"]
        binary = bool(((rows == 0) | (rows == 1)).all())
        sums = rows.sum(dim=-1)
        bad = int((sums != 1).sum()) if binary else -1
        first = int(torch.nonzero(sums != 1)[0, 0]) if bad > 0 else 0
    else:
        rows = np.asarray(rows)
        binary = bool(((rows == 0) | (rows == 1)).all())
        sums = rows.sum(axis=-1)
        bad = int((sums != 1).sum()) if binary else -1
        first = int(np.flatnonzero(sums != 1)[0]) if bad > 0 else 0
    if bad < 0:
        raise ValueError(f"{name} must hold one-hot rows (zeros and one 1), got values other than 0 and 1")
    if bad:
        raise ValueError(
            f"{name} must hold one-hot rows that sum to 1, got {bad} row(s) that do not "
            f"(first: row {first}, sum {float(sums[first]):g})"
        )


# --- models --------------------------------------------------------------------------------


def latent_size(model: Any) -> int | None:
    """The latent dimension of a VAE-like torch model (its ``mu`` head, or that of the
    ``model`` it wraps, as a conditional model with a fixed label does), or None."""
    head = getattr(model, "mu", None) or getattr(getattr(model, "model", None), "mu", None)
    return getattr(head, "out_features", None)


def check_vae(name: str, model: Any, *, latent_dim: int | None = None, kind: type | None = None) -> None:
    """TypeError unless ``model`` is a torch VAE (a module with ``encode`` and ``decode``,
    an instance of ``kind`` when given); ValueError unless its latent size is
    ``latent_dim`` when given."""
    check_model(name, model)
    if kind is not None and not isinstance(model, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {type(model).__name__}")
    if not (callable(getattr(model, "encode", None)) and callable(getattr(model, "decode", None))):
        raise TypeError(f"{name} must be a VAE with encode and decode methods, got {type(model).__name__}")
    found = latent_size(model)
    if latent_dim is not None and found is not None and found != latent_dim:
        raise ValueError(f"{name} must have latent_dim {latent_dim}, got a model with latent_dim {found}")


def check_numpy_decode(name: str, value: object) -> None:
    """TypeError unless ``value`` is a plain ``decode(z) -> images`` function: a torch or
    Keras model passed where one is expected gets the conversion to use."""
    module = type(value).__module__ or ""
    if "torch" in sys.modules and isinstance(value, sys.modules["torch"].nn.Module):
        raise TypeError(
            f"{name} must be a decode(z) -> images function on numpy arrays, got the model "
            f"{type(value).__name__} (pass vaebook.torch.numpy_decoder(model))"
        )
    if module.startswith("keras") or hasattr(value, "predict_on_batch"):
        raise TypeError(
            f"{name} must be a decode(z) -> images function on numpy arrays, got the Keras model "
            f"{type(value).__name__} (pass lambda z: keras.ops.sigmoid(model.decoder(z)).numpy())"
        )
    check_callable(name, value, "decode(z) -> images")


# --- eager values (Keras) -------------------------------------------------------------------


def concrete(value: Any) -> np.ndarray | None:
    """A numpy view of an eager value (numpy, a number, an eager TensorFlow tensor or a
    torch tensor outside autograd), or None for a symbolic one: a Keras or graph tensor
    inside a compiled step, or a torch tensor that carries gradients (a training step).
    Keras's public functions check values only where this returns an array, so the
    compiled training step pays nothing for them."""
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return np.asarray(value)
    if is_tensor(value):
        torch = sys.modules["torch"]
        if value.requires_grad or torch.compiler.is_compiling():
            return None
        return value.detach().cpu().numpy()
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.Tensor) and tf.executing_eagerly():
        try:
            return value.numpy()
        except (AttributeError, NotImplementedError, TypeError):
            return None
    return None


def check_eager_finite(name: str, value: Any) -> None:
    """check_finite on an eager value; nothing on a symbolic one (see :func:`concrete`)."""
    if is_tensor(value):  # Keras's torch backend: torch's own reduction, no copy
        if concrete(value) is not None:
            check_finite(name, value)
        return
    array = concrete(value)
    if array is not None:
        check_finite_array(name, array)


def check_eager_unit_interval(name: str, value: Any, what: str = "pixel intensities") -> None:
    """check_unit_interval on an eager value; nothing on a symbolic one."""
    if is_tensor(value):
        if concrete(value) is not None:
            check_unit_interval(name, value, what)
        return
    array = concrete(value)
    if array is not None:
        check_unit_interval(name, array, what)


# --- boundaries ----------------------------------------------------------------------------


def boundary(check: Callable[..., None]) -> Callable[[Callable], Callable]:
    """Run ``check`` on a public function's arguments before the function itself.

    ``check`` takes the function's parameters by name (``check(**arguments)``, defaults
    filled in) and raises the one-line error. The wrapper keeps the function's name,
    docstring and source (``functools.wraps``: ``inspect.getsource`` finds the original),
    so a chapter that shows the function shows the code that runs after the check.
    Costs one ``Signature.bind`` (a few microseconds): for entry points, not for losses
    called on every training step.
    """

    def wrap(function: Callable) -> Callable:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{function.__name__}(): {error}") from None
            bound.apply_defaults()
            check(**bound.arguments)
            return function(*args, **kwargs)

        checked.__signature__ = signature  # type: ignore[attr-defined]  # for getfullargspec too
        checked.__wrapped_check__ = check  # type: ignore[attr-defined]
        return checked

    return wrap


def check_codes_and_factors(codes: Any, factors: Any) -> None:
    """ValueError naming the argument unless codes (N, latents >= 2) are finite numbers,
    one row per data point, and factors (N, factors) integers that each take two values
    (the inputs of the Mutual Information Gap)."""
    codes = check_codes_matrix("codes", codes, min_latents=2, data_set=True)
    factors = as_array("factors", factors, "(N, factors)")
    if factors.ndim != 2:
        raise ValueError(f"factors must have shape (N, factors), got {factors.shape}")
    check_same_length("codes", codes, "factors", factors)
    if not np.issubdtype(factors.dtype, np.integer):
        raise ValueError(f"factors must be integer indices, got dtype {factors.dtype}")
    if any(len(np.unique(v)) < 2 for v in factors.T):
        raise ValueError("factors must each take at least two values (entropy > 0)")
