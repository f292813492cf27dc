"""vaebook.keras: the formulas, the layers, the model trained by ``fit``, both backends.

The chapter shows the companion's code verbatim (``assert_twin``); these tests check
that code against independent numpy formulas and real MNIST, on the TensorFlow
backend here and on the torch backend in a subprocess (the backend is fixed at import).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from tests.notebooks import BOOK, assert_twin, listing_region, markdown_of  # noqa: E402
from vaebook import keras as vk  # noqa: E402
from vaebook.data import load_mnist  # noqa: E402

CHAPTER = BOOK / "05_keras_vae.ipynb"


def numpy_of(tensor) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(tensor), dtype=np.float64)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """512 real training digits (grey levels, flattened) and 256 binarized test digits."""
    x_train, _ = load_mnist("train", scaled=True, subset=512)
    x_test, _ = load_mnist("test", binarize=True, seed=0, subset=256)
    return x_train.reshape(-1, 784), x_test.reshape(-1, 784)


@pytest.mark.parametrize(
    "name",
    [
        "bernoulli_log_likelihood",
        "kl_diag_gaussian",
        "Sampling",
        "build_encoder",
        "build_decoder",
        "VAE",
        "build_conv_encoder",
        "build_conv_decoder",
    ],
)
def test_chapter_shows_the_companion_code(name):
    assert_twin(CHAPTER, getattr(vk, name))


def test_bernoulli_log_likelihood_matches_the_direct_formula():
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 3.0, size=(5, 784)).astype(np.float32)
    x = (rng.random((5, 784)) < 0.4).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    expected = (x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)
    got = numpy_of(vk.bernoulli_log_likelihood(logits, x))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_bernoulli_log_likelihood_stays_finite_for_confident_logits():
    logits = np.array([[100.0, -100.0, 100.0, -100.0]], dtype=np.float32)
    x = np.array([[1.0, 0.0, 0.0, 1.0]], dtype=np.float32)
    # Right with certainty costs 0 nats; wrong costs about |logit| = 100 nats each.
    np.testing.assert_allclose(numpy_of(vk.bernoulli_log_likelihood(logits, x)), [-200.0], rtol=1e-6)


def test_kl_diag_gaussian_matches_the_per_dimension_formula():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(6, 3)).astype(np.float32)
    log_var = rng.normal(size=(6, 3)).astype(np.float32)
    sigma = np.exp(0.5 * log_var.astype(np.float64))
    # KL(N(m, s^2) || N(0, 1)) = log(1 / s) + (s^2 + m^2) / 2 - 1/2, per dimension.
    expected = (np.log(1.0 / sigma) + (sigma**2 + mu**2) / 2 - 0.5).sum(axis=1)
    np.testing.assert_allclose(numpy_of(vk.kl_diag_gaussian(mu, log_var)), expected, rtol=1e-5)
    zero = np.zeros((2, 4), dtype=np.float32)
    np.testing.assert_array_equal(numpy_of(vk.kl_diag_gaussian(zero, zero)), [0.0, 0.0])


def test_sampling_draws_mu_plus_sigma_times_standard_normal():
    mu = np.tile(np.array([[1.0, -2.0]], dtype=np.float32), (20000, 1))
    log_var = np.tile(np.log(np.array([[0.25, 4.0]], dtype=np.float32)), (20000, 1))
    layer = vk.Sampling(seed=3)
    z = numpy_of(layer([mu, log_var]))
    assert z.shape == (20000, 2)
    # Mean within 4 standard errors of mu; standard deviation within 3% of sigma.
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=4 * 2.0 / np.sqrt(20000))
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.03)
    again = numpy_of(vk.Sampling(seed=3)([mu, log_var]))
    np.testing.assert_array_equal(z, again)  # same seed, same draws
    assert not np.array_equal(z, numpy_of(layer([mu, log_var])))  # next call, new draws


def test_encoder_and_decoder_have_the_books_layers():
    latent_dim = 20
    encoder, decoder = vk.build_encoder(latent_dim), vk.build_decoder(latent_dim)
    assert encoder.count_params() == (784 * 400 + 400) + 2 * (400 * latent_dim + latent_dim)
    assert decoder.count_params() == (latent_dim * 400 + 400) + (400 * 784 + 784)
    x = np.zeros((3, 784), dtype=np.float32)
    mu, log_var, z = encoder(x)
    assert tuple(mu.shape) == tuple(log_var.shape) == tuple(z.shape) == (3, latent_dim)
    assert tuple(decoder(z).shape) == (3, 784)


def test_conv_encoder_and_decoder_map_flat_digits_to_flat_logits(digits):
    x_train, _ = digits
    encoder, decoder = vk.build_conv_encoder(2), vk.build_conv_decoder(2)
    mu, log_var, z = encoder(x_train[:4])
    assert tuple(mu.shape) == tuple(z.shape) == (4, 2)
    assert tuple(decoder(z).shape) == (4, 784)


def test_training_call_binarizes_and_evaluation_call_does_not(digits):
    x_train, x_test = digits
    vae = vk.build_mlp_vae(latent_dim=2, seed=0)
    x_binary, logits, mu, log_var = vae(x_train, training=True)
    x_binary = numpy_of(x_binary)
    assert set(np.unique(x_binary)) <= {0.0, 1.0}
    assert np.all(x_binary[x_train == 0.0] == 0.0) and np.all(x_binary[x_train == 1.0] == 1.0)
    # 512 digits x 784 pixels: the share of ones matches the mean grey level closely.
    assert abs(x_binary.mean() - x_train.mean()) < 0.005
    second_draw = numpy_of(vae(x_train, training=True)[0])
    assert not np.array_equal(x_binary, second_draw)  # a fresh draw every time
    np.testing.assert_array_equal(numpy_of(vae(x_test, training=False)[0]), x_test)
    assert tuple(logits.shape) == (512, 784) and tuple(mu.shape) == tuple(log_var.shape) == (512, 2)


def test_compute_loss_is_the_batch_mean_of_recon_plus_kl(digits):
    _, x_test = digits
    vae = vk.build_mlp_vae(latent_dim=2, seed=0)
    x, logits, mu, log_var = vae(x_test)
    loss = float(vae.compute_loss(y_pred=(x, logits, mu, log_var)))
    recon = -numpy_of(vk.bernoulli_log_likelihood(logits, x))
    kl = numpy_of(vk.kl_diag_gaussian(mu, log_var))
    assert loss == pytest.approx(np.mean(recon + kl), rel=1e-5)
    assert float(vae.recon_tracker.result()) == pytest.approx(recon.mean(), rel=1e-5)
    assert float(vae.kl_tracker.result()) == pytest.approx(kl.mean(), rel=1e-5)
    # An untrained decoder outputs logits near 0: about log 2 nats per pixel.
    assert recon.mean() == pytest.approx(784 * np.log(2), rel=0.1)


def train_briefly(x_train, x_test, *, epochs=2, build=vk.build_mlp_vae, latent_dim=2):
    vae = build(latent_dim=latent_dim, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(
        x_train, epochs=epochs, batch_size=128, validation_data=(x_test,), verbose=0
    )
    return vae, history.history


def test_fit_logs_the_elbo_terms_and_learns(digits):
    x_train, x_test = digits
    _, history = train_briefly(x_train, x_test, epochs=3)
    assert set(history) == {"loss", "recon", "kl", "val_loss", "val_recon", "val_kl"}
    for prefix in ("", "val_"):
        loss, recon, kl = (np.array(history[prefix + k]) for k in ("loss", "recon", "kl"))
        np.testing.assert_allclose(loss, recon + kl, rtol=1e-4)  # -ELBO = recon + KL
        assert np.all(kl > 0)
    assert history["val_loss"][-1] < history["val_loss"][0] < 784 * np.log(2)


def test_fit_repeats_exactly_for_a_fixed_seed(digits):
    x_train, x_test = digits
    vae_a, history_a = train_briefly(x_train, x_test)
    vae_b, history_b = train_briefly(x_train, x_test)
    assert history_a == history_b
    for a, b in zip(vae_a.get_weights(), vae_b.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_conv_vae_trains_with_the_same_recipe(digits):
    x_train, x_test = digits
    vae, history = train_briefly(x_train, x_test, epochs=2, build=vk.build_conv_vae)
    mlp = vk.build_mlp_vae(latent_dim=2, seed=0)
    assert vae.count_params() < mlp.encoder.count_params() + mlp.decoder.count_params()
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert np.isfinite(history["loss"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latent_dim": 0}, "latent_dim must be a positive integer, got 0"),
        ({"latent_dim": 2.0}, "latent_dim must be a positive integer, got 2.0"),
        ({"latent_dim": True}, "latent_dim must be a positive integer, got True"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"seed": "0"}, "seed must be a non-negative integer, got '0'"),
    ],
)
@pytest.mark.parametrize("build", [vk.build_mlp_vae, vk.build_conv_vae])
def test_builders_reject_bad_arguments_in_one_line(build, kwargs, message):
    with pytest.raises(ValueError) as error:
        build(**kwargs)
    assert str(error.value) == message


TORCH_BACKEND_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import keras
    from keras import ops
    from vaebook import keras as vk

    assert keras.backend.backend() == "torch", keras.backend.backend()
    with np.load(sys.argv[1], allow_pickle=False) as npz:
        arrays = dict(npz)
    vae = vk.build_mlp_vae(latent_dim=int(arrays["latent_dim"]), seed=0)
    vae.set_weights([arrays[f"w{i}"] for i in range(len(vae.get_weights()))])
    x, epsilon = ops.convert_to_tensor(arrays["x"]), ops.convert_to_tensor(arrays["epsilon"])
    mu, log_var, _ = vae.encoder(x)
    z = mu + ops.exp(0.5 * log_var) * epsilon
    logits = vae.decoder(z)
    recon = -ops.mean(vk.bernoulli_log_likelihood(logits, x))
    kl = ops.mean(vk.kl_diag_gaussian(mu, log_var))
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(arrays["x_train"], epochs=2, batch_size=128,
                      validation_data=(x,), verbose=0).history
    print(json.dumps({"recon": float(recon), "kl": float(kl), "history": history}))
    """
)


def test_the_same_code_gives_the_same_numbers_on_the_torch_backend(digits, tmp_path):
    x_train, x_test = digits
    latent_dim = 4
    vae = vk.build_mlp_vae(latent_dim=latent_dim, seed=0)
    epsilon = np.random.default_rng(0).standard_normal((len(x_test), latent_dim)).astype(np.float32)
    mu, log_var, _ = vae.encoder(x_test)
    logits = vae.decoder(mu + ops.exp(0.5 * log_var) * epsilon)
    recon = -float(ops.mean(vk.bernoulli_log_likelihood(logits, x_test)))
    kl = float(ops.mean(vk.kl_diag_gaussian(mu, log_var)))
    weights = {f"w{i}": w for i, w in enumerate(vae.get_weights())}
    arrays = tmp_path / "arrays.npz"
    np.savez(arrays, x=x_test, epsilon=epsilon, x_train=x_train, latent_dim=latent_dim, **weights)

    env = {**os.environ, "KERAS_BACKEND": "torch"}
    script = tmp_path / "torch_backend.py"
    script.write_text(TORCH_BACKEND_SCRIPT)
    run = subprocess.run(
        [sys.executable, str(script), str(arrays)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["recon"] == pytest.approx(recon, rel=1e-5)
    assert result["kl"] == pytest.approx(kl, rel=1e-5)
    history = result["history"]
    assert set(history) == {"loss", "recon", "kl", "val_loss", "val_recon", "val_kl"}
    np.testing.assert_allclose(history["loss"], np.add(history["recon"], history["kl"]), rtol=1e-4)
    assert history["val_loss"][-1] < history["val_loss"][0]



# The whole program at the end of the chapter ----------------------------------------------


def test_chapter_lists_the_companion_model_and_loss_as_one_program():
    path, region = listing_region(CHAPTER)
    assert path == Path(vk.__file__).resolve()
    tree = ast.parse(region)  # a complete, parseable program
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    wanted = {"bernoulli_log_likelihood", "kl_diag_gaussian", "Sampling", "build_encoder",
              "build_decoder", "VAE"}
    assert wanted <= names, sorted(wanted - names)
    namespace: dict = {}
    exec(compile(region, str(path), "exec"), namespace)  # runs on its own imports
    assert issubclass(namespace["VAE"], keras.Model)


def test_the_listing_check_fails_without_its_markers():
    text = markdown_of(CHAPTER).replace(":end-before:", ":emphasize-lines:")
    with pytest.raises(AssertionError, match="start-after"):
        listing_region(CHAPTER, markdown=text)
    with pytest.raises(AssertionError, match="does not exist"):
        listing_region(CHAPTER, book=BOOK / "nowhere")
