"""Keras and PyTorch hold one model: same weights and same eps give the same numbers.

Two checks of ``vaebook.keras`` (TensorFlow backend) against ``vaebook.torch``:

1. With identical weights, the same batch of real binarized test digits and the same
   noise eps, the reconstruction term, the KL and the total agree to a relative 1e-5
   and the gradients of the encoder's weights to a relative 1e-4 (Keras gradients
   from ``tf.GradientTape``).
2. Trained with the same recipe from the same initial weights (Adam 1e-3, batch 128,
   dynamically binarized digits: the first 20,000 training digits for 3 epochs), the
   two reach test -ELBOs (all 10,000 binarized test digits, seed 0) within 2 nats.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
torch = pytest.importorskip("torch")
from keras import ops  # noqa: E402

from vaebook import keras as vk  # noqa: E402
from vaebook import torch as vt  # noqa: E402
from vaebook.data import load_mnist  # noqa: E402
from vaebook.elbo import bernoulli_log_likelihood  # noqa: E402
from vaebook.training import evaluate, fit  # noqa: E402

if keras.backend.backend() != "tensorflow":
    pytest.skip("the parity tests use tf.GradientTape", allow_module_level=True)

LATENT_DIM = 20
SEED = 0
TRAIN_DIGITS = 20_000
EPOCHS = 3
BATCH_SIZE = 128


def linear_dense_pairs(torch_vae: vt.VAE, keras_vae: vk.VAE):
    """(torch nn.Linear, keras Dense) pairs that play the same part, encoder first."""
    encoder, decoder = keras_vae.encoder, keras_vae.decoder
    return [
        (torch_vae.encoder[0], encoder.get_layer("hidden")),
        (torch_vae.mu, encoder.get_layer("mu")),
        (torch_vae.log_var, encoder.get_layer("log_var")),
        (torch_vae.decoder[0], decoder.get_layer("hidden")),
        (torch_vae.decoder[2], decoder.get_layer("logits")),
    ]


def copy_torch_weights_to_keras(torch_vae: vt.VAE, keras_vae: vk.VAE) -> None:
    """torch's Linear.weight is (out, in) for y = x W^T + b; Keras's Dense kernel is (in, out)."""
    for linear, dense in linear_dense_pairs(torch_vae, keras_vae):
        dense.set_weights([linear.weight.detach().numpy().T, linear.bias.detach().numpy()])


def both_models(latent_dim: int = LATENT_DIM) -> tuple[vt.VAE, vk.VAE]:
    torch.manual_seed(SEED)
    torch_vae = vt.VAE(latent_dim=latent_dim)
    keras_vae = vk.build_mlp_vae(latent_dim=latent_dim, seed=SEED)
    copy_torch_weights_to_keras(torch_vae, keras_vae)
    return torch_vae, keras_vae


def relative_difference(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def torch_terms_with_noise(torch_vae: vt.VAE, x: torch.Tensor, noise_seed: int):
    """torch's training loss ``vae_loss`` and the eps it drew, for one batch.

    ``Normal.rsample`` draws eps with ``torch.empty(shape).normal_()`` from torch's
    global generator, so seeding that generator twice repeats eps exactly.
    """
    torch.manual_seed(noise_seed)
    epsilon = torch.empty(len(x), torch_vae.mu.out_features).normal_()
    torch.manual_seed(noise_seed)
    terms = vt.vae_loss(torch_vae, x)
    # Guard the seeding trick: the same eps by hand must give the same loss.
    with torch.no_grad():
        mu, log_var = torch_vae.encode(x)
        logits = torch_vae.decode(mu + torch.exp(0.5 * log_var) * epsilon)
        by_hand = -bernoulli_log_likelihood(logits, x).mean()
    assert float(terms["recon"].detach()) == pytest.approx(float(by_hand), rel=1e-6), (
        "torch's rsample no longer draws eps as assumed; compute the torch terms by hand"
    )
    return terms, epsilon.numpy()


def test_same_weights_batch_and_noise_give_the_same_loss_and_gradients():
    torch_vae, keras_vae = both_models()
    x_numpy, _ = load_mnist("test", binarize=True, seed=SEED, subset=BATCH_SIZE)
    x_numpy = x_numpy.reshape(BATCH_SIZE, 784)
    torch_terms, epsilon = torch_terms_with_noise(torch_vae, torch.from_numpy(x_numpy), 7)
    torch_terms["loss"].backward()

    with tf.GradientTape() as tape:
        mu, log_var, _ = keras_vae.encoder(x_numpy)
        logits = keras_vae.decoder(mu + ops.exp(0.5 * log_var) * epsilon)
        loss = keras_vae.compute_loss(y_pred=(x_numpy, logits, mu, log_var))
    encoder_weights = keras_vae.encoder.trainable_weights
    gradients = tape.gradient(loss, encoder_weights)
    keras_terms = {
        "loss": float(loss),
        "recon": float(keras_vae.recon_tracker.result()),
        "kl": float(keras_vae.kl_tracker.result()),
    }
    for key in ("loss", "recon", "kl"):
        assert relative_difference(keras_terms[key], float(torch_terms[key].detach())) <= 1e-5, key

    torch_gradients = {}
    for linear, dense in linear_dense_pairs(torch_vae, keras_vae)[:3]:
        torch_gradients[dense.kernel.path] = linear.weight.grad.numpy().T
        torch_gradients[dense.bias.path] = linear.bias.grad.numpy()
    assert sorted(torch_gradients) == sorted(w.path for w in encoder_weights)
    for weight, gradient in zip(encoder_weights, gradients):
        expected = torch_gradients[weight.path]
        assert relative_difference(ops.convert_to_numpy(gradient), expected) <= 1e-4, weight.path


def test_same_recipe_reaches_the_same_test_elbo():
    x_train, _ = load_mnist("train", scaled=True, subset=TRAIN_DIGITS)
    x_train = x_train.reshape(TRAIN_DIGITS, 784)
    x_test, _ = load_mnist("test", binarize=True, seed=SEED)
    x_test = x_test.reshape(len(x_test), 784)
    torch_vae, keras_vae = both_models()

    # One torch thread: this small MLP gains little from a second one, and when the CPU
    # is shared (pytest -n 2, TensorFlow's threads in the same process) OpenMP threads
    # waiting for each other made the same fit over ten times slower here.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fit(
            torch_vae,
            vt.vae_loss,
            torch.from_numpy(x_train),
            epochs=EPOCHS,
            batch_size=BATCH_SIZE,
            lr=1e-3,
            seed=SEED,
            transform=vt.binarize_epoch,
            progress=False,
        )
        torch_test = evaluate(torch_vae, vt.vae_loss, torch.from_numpy(x_test))["loss"]
    finally:
        torch.set_num_threads(threads)

    keras_vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=16)
    keras_vae.fit(x_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
    keras_test = keras_vae.evaluate(x_test, batch_size=1000, verbose=0, return_dict=True)["loss"]

    # Both learned (an untrained decoder costs about 784 log 2 = 543 nats) ...
    assert max(torch_test, keras_test) < 150.0
    # ... and the same amount.
    assert abs(torch_test - keras_test) <= 2.0, (torch_test, keras_test)
