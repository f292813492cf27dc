"""The two public VAE examples that ``python -m benchmarks.bench`` races against.

Each is written the way its source writes it, so the benchmark times their code, not ours:

- **pytorch/examples, ``vae/main.py``**: the 784-400-20 MLP VAE with sigmoid outputs and
  ``F.binary_cross_entropy`` summed over the batch, Adam 1e-3, batch 128, trained from
  torchvision's ``datasets.MNIST`` with ``transforms.ToTensor()``: on every visit each
  digit goes uint8 array -> PIL image -> float tensor, a ``DataLoader`` collates 128 of
  them, and the loop logs every 10 batches. torchvision has no CPU build on the book's
  CI machine, so :class:`TorchvisionStyleMNIST` does the same per-digit work with Pillow
  and torch (``MNIST.__getitem__`` followed by ``ToTensor``).
- **keras.io, ``examples/generative/vae.py``**: the convolutional VAE (latent 2) with a
  custom ``train_step`` under ``tf.GradientTape``, sigmoid outputs and
  ``keras.losses.binary_crossentropy`` on grey digits of shape (28, 28, 1), Adam with its
  default learning rate (1e-3), batch 128. TensorFlow backend only, as in the example.
  Written after the Keras 3 version of the page (``keras.ops``, a ``SeedGenerator`` in
  the sampling layer); the example trains on all 70,000 digits (train and test joined),
  the benchmark on the digits it is given.

Neither is used by the book. :func:`pytorch_examples_epoch_runner` returns a function
that trains one epoch and returns its seconds; :func:`keras_io_vae` returns the compiled
model, which the benchmark times with Keras's ``fit`` like the book's own Keras models.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

BATCH_SIZE = 128
LOG_INTERVAL = 10  # pytorch/examples prints the loss every 10 batches


class TorchvisionStyleMNIST(torch.utils.data.Dataset):
    """``torchvision.datasets.MNIST(transform=ToTensor())`` over digits already in memory.

    images: uint8 array (N, 28, 28); labels: int array (N,). ``dataset[i]`` returns
    ``(image, label)``: a float32 tensor (1, 28, 28) in [0, 1] and a Python int, made the
    way torchvision makes them - a PIL image of the uint8 digit, copied back into a
    tensor, given a channel axis and divided by 255.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.data = torch.from_numpy(images)
        self.targets = torch.from_numpy(labels)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        img, target = self.data[index], int(self.targets[index])
        pic = Image.fromarray(img.numpy())  # MNIST.__getitem__: a greyscale ("L") PIL image
        # ToTensor on a PIL image: copy the pixels, (H, W, C) -> (C, H, W), bytes -> [0, 1]
        img = torch.from_numpy(np.array(pic, np.uint8, copy=True))
        img = img.view(pic.size[1], pic.size[0], 1).permute((2, 0, 1)).contiguous()
        return img.to(dtype=torch.get_default_dtype()).div(255), target


class ExamplesVAE(nn.Module):
    """The VAE of pytorch/examples' ``vae/main.py``: 784 -> 400 -> 2 x 20, decoder mirrored."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def examples_loss(recon_x, x, mu, logvar):
    """pytorch/examples' loss: BCE on sigmoid outputs plus the KL, summed over the batch."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def pytorch_examples_epoch_runner(
    model: ExamplesVAE, images: np.ndarray, labels: np.ndarray, *, in_memory: bool = False, seed: int = 1
) -> Callable[[], float]:
    """pytorch/examples' ``train(epoch)`` as a function: one epoch of ``model``, returns its seconds.

    images: uint8 digits (N, 28, 28); labels: (N,). With ``in_memory=True`` the loader
    reads a ``TensorDataset`` of float digits made once instead of torchvision's
    per-digit PIL path: the same training step with a cheap data path, to show how
    much of the example's time is data loading.
    """
    if in_memory:
        grey = torch.from_numpy(images[:, None].astype(np.float32) / 255)
        dataset = torch.utils.data.TensorDataset(grey, torch.from_numpy(labels))
    else:
        dataset = TorchvisionStyleMNIST(images, labels)
    torch.manual_seed(seed)
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    log = io.StringIO()  # the example prints to the terminal; the benchmark keeps it quiet
    epoch = 0

    def train_one_epoch() -> float:
        nonlocal epoch
        epoch += 1
        start = time.perf_counter()
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = examples_loss(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % LOG_INTERVAL == 0:
                print(
                    f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}"
                    f" ({100.0 * batch_idx / len(train_loader):.0f}%)]\tLoss: "
                    f"{loss.item() / len(data):.6f}",
                    file=log,
                )
        print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}", file=log)
        return time.perf_counter() - start

    return train_one_epoch


def keras_io_vae():
    """keras.io's convolutional VAE, compiled as the example compiles it (``Adam()``).

    Train it as the example does, ``vae.fit(digits, epochs=..., batch_size=128)``, on grey
    digits in [0, 1], float32 (N, 28, 28, 1) (the example joins train and test, 70,000
    digits). Needs the TensorFlow backend (its ``train_step`` uses ``tf.GradientTape``).
    """
    import keras
    import tensorflow as tf
    from keras import layers, ops

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    latent_dim = 2
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = ops.mean(
                    ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
                )
                kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }

    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam())
    return vae
