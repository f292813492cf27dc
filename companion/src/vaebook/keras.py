"""The book's VAE in Keras 3 (chapter 5): layers, models and the loss.

Everything here runs unchanged on the TensorFlow backend (the default, used
by the book) and on the torch backend (``KERAS_BACKEND=torch``): the code
calls only ``keras.ops`` and ``keras.random``, and training goes through
Keras's own ``fit``, which calls :meth:`VAE.compute_loss` on every batch.

Data: digits flattened to vectors of ``D = 784`` grey levels in [0, 1]
(float32). While training, :class:`VAE` binarizes each batch with a fresh
Bernoulli draw (dynamic binarization: every time a digit is seen it is a
new binary sample). Validation and test data are used as given, so pass
digits that are already binarized
(``load_mnist("test", binarize=True, seed=0)``).

Loss convention of the book: reconstruction term and KL are summed over
pixels and latent dimensions and averaged over the batch, in nats per
image.

Chapter 5 ends with the part between the two ``listing`` comments below as
one listing (a ``literalinclude``): keep it a complete program.
"""

from __future__ import annotations

# Used below the listing only (argument checks of the builders):
from vaebook.checks import (  # noqa: I001
    boundary,
    check_eager_finite,
    check_eager_unit_interval,
    check_positive_int,
    check_seed,
    check_unit_interval,
    concrete,
)

# --- listing of chapter 5 begins ---
import keras
from keras import layers, ops

from vaebook.checks import check_same_shape

IMAGE_SIZE = 28
PIXELS = IMAGE_SIZE * IMAGE_SIZE


def bernoulli_log_likelihood(logits, x):
    """log p(x | z) of a Bernoulli decoder, summed over pixels, in nats.

    logits: decoder outputs f(z), shape (batch, 784). x: binary pixels,
    same shape. Returns shape (batch,). Uses x * l - log(1 + e^l)
    = x * l - softplus(l), which never takes the log of a sigmoid that
    rounded to 0 or 1.
    """
    check_same_shape("logits", logits, "x", x)
    return ops.sum(x * logits - ops.softplus(logits), axis=-1)


def kl_diag_gaussian(mu, log_var):
    """KL( N(mu, diag(exp(log_var))) || N(0, I) ) per example, in nats.

    mu, log_var: shape (batch, latent_dim). Returns shape (batch,).
    """
    check_same_shape("mu", mu, "log_var", log_var)
    # expm1(v) = e^v - 1, exact near v = 0 (collapsed units)
    return 0.5 * ops.sum(mu**2 + ops.expm1(log_var) - log_var, axis=-1)


class Sampling(layers.Layer):
    """z = mu + sigma * eps with eps ~ N(0, I): the trick as a layer.

    Called on ``[mu, log_var]`` (each (batch, latent_dim)); returns z of
    the same shape. eps comes from the layer's own ``SeedGenerator``, so a
    fixed ``seed`` repeats the draws and every call draws new ones.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mu, log_var = inputs
        epsilon = keras.random.normal(
            ops.shape(mu), seed=self.seed_generator
        )
        return mu + ops.exp(0.5 * log_var) * epsilon


def build_encoder(latent_dim, hidden_dim=400, *, seed=None):
    """q(z | x), functional: x (batch, 784) -> [mu, log_var, z].

    mu, log_var and z each have shape (batch, latent_dim).
    """
    x = keras.Input(shape=(PIXELS,), name="x")
    h = layers.Dense(hidden_dim, activation="relu", name="hidden")(x)
    mu = layers.Dense(latent_dim, name="mu")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    z = Sampling(seed=seed, name="z")([mu, log_var])
    return keras.Model(x, [mu, log_var, z], name="encoder")


def build_decoder(latent_dim, hidden_dim=400):
    """f(z) as a Sequential model: z (batch, d) -> logits (batch, 784).

    The encoder mirrored, one logit per pixel (not a probability).
    """
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(hidden_dim, activation="relu", name="hidden"),
            layers.Dense(PIXELS, name="logits"),
        ],
        name="decoder",
    )


class VAE(keras.Model):
    """A VAE trained with Keras's ``fit``: minimizes -ELBO = recon + KL.

    encoder: x (batch, 784) -> [mu, log_var, z]; decoder: z -> logits
    (batch, 784). ``fit`` logs three metrics per epoch, in nats per image:
    ``loss`` (-ELBO), ``recon`` (-log p(x | z)) and ``kl``, each a mean
    over digits (``val_`` versions on validation data). While training,
    each batch of grey levels in [0, 1] is binarized afresh.
    """

    def __init__(self, encoder, decoder, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.binarization_seed = keras.random.SeedGenerator(seed)
        self.recon_tracker = keras.metrics.Mean(name="recon")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def call(self, x, training=False):
        """Returns (x_binary, logits, mu, log_var).

        x_binary is x itself unless training.
        """
        if training:
            seed = self.binarization_seed
            u = keras.random.uniform(ops.shape(x), seed=seed)
            x = ops.cast(u < x, x.dtype)
        mu, log_var, z = self.encoder(x, training=training)
        logits = self.decoder(z, training=training)
        return x, logits, mu, log_var

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None,
        training=True,
    ):
        """-ELBO averaged over the batch; updates ``recon`` and ``kl``."""
        x_binary, logits, mu, log_var = y_pred
        recon = -bernoulli_log_likelihood(logits, x_binary)
        kl = kl_diag_gaussian(mu, log_var)
        self.recon_tracker.update_state(recon)
        self.kl_tracker.update_state(kl)
        return ops.mean(recon + kl)
# --- listing of chapter 5 ends ---


def build_conv_encoder(latent_dim, hidden_dim=16, *, seed=None):
    """Convolutional q(z | x): x (batch, 784) -> [mu, log_var, z].

    Two 3x3 convolutions with stride 2 (32 then 64 filters) turn the 28x28
    digit into a 7x7x64 map; a dense layer of ``hidden_dim`` units feeds
    the two heads. mu, log_var and z each have shape (batch, latent_dim).
    """
    x = keras.Input(shape=(PIXELS,), name="x")
    h = layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1))(x)
    down = {"strides": 2, "padding": "same", "activation": "relu"}
    h = layers.Conv2D(32, 3, **down)(h)
    h = layers.Conv2D(64, 3, **down)(h)
    h = layers.Flatten()(h)
    h = layers.Dense(hidden_dim, activation="relu")(h)
    mu = layers.Dense(latent_dim, name="mu")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    z = Sampling(seed=seed, name="z")([mu, log_var])
    return keras.Model(x, [mu, log_var, z], name="conv_encoder")


def build_conv_decoder(latent_dim):
    """Convolutional f(z): z (batch, d) -> logits (batch, 784).

    The encoder mirrored, with transposed convolutions.
    """
    up = {"strides": 2, "padding": "same", "activation": "relu"}
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(7 * 7 * 64, activation="relu"),
            layers.Reshape((7, 7, 64)),
            layers.Conv2DTranspose(64, 3, **up),
            layers.Conv2DTranspose(32, 3, **up),
            layers.Conv2DTranspose(1, 3, padding="same"),
            layers.Flatten(name="logits"),
        ],
        name="conv_decoder",
    )


def build_mlp_vae(latent_dim=20, seed=0):
    """The book's MLP VAE: 784 -> 400 -> (mu, log_var), d = ``latent_dim``.

    Calls ``keras.utils.set_random_seed(seed)`` first, so the initial
    weights, the draws of eps and of the binarization, and the batch order
    of ``fit`` repeat for a fixed seed. Returns an uncompiled :class:`VAE`;
    train it with ``vae.compile(optimizer=keras.optimizers.Adam(1e-3))``
    and ``vae.fit(x_train, epochs=..., batch_size=128,
    validation_data=(x_test_binary,))``, where ``x_train`` holds grey
    levels in [0, 1], shape (N, 784). On a CPU,
    ``compile(..., steps_per_execution=16)`` (as chapter 5 does) runs 16
    batches per call of the compiled step, saving most of Keras's per-call
    overhead for this small model, and changes no number.
    """
    _check_latent_dim_and_seed(latent_dim, seed)
    keras.utils.set_random_seed(seed)
    encoder, decoder = build_encoder(latent_dim), build_decoder(latent_dim)
    return VAE(encoder, decoder, name="mlp_vae")


def build_conv_vae(latent_dim=2, seed=0):
    """The convolutional VAE (Conv2D 32, 64 with stride 2 -> dense 16).

    Same data, seeding and training recipe as :func:`build_mlp_vae`.
    """
    _check_latent_dim_and_seed(latent_dim, seed)
    keras.utils.set_random_seed(seed)
    encoder = build_conv_encoder(latent_dim)
    decoder = build_conv_decoder(latent_dim)
    return VAE(encoder, decoder, name="conv_vae")


def _check_latent_dim_and_seed(latent_dim: object, seed: object) -> None:
    check_positive_int("latent_dim", latent_dim)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            f"seed must be a non-negative integer, got {seed!r}"
        )


def decoder_layers(model):
    """An MLP decoder's weights as numpy, for :func:`vaebook.explorer.latent_explorer`.

    model: a :class:`VAE` (its ``decoder``, e.g. from :func:`build_mlp_vae`) or a Keras
    model of ``Dense`` layers (activations ``relu``, ``tanh``, ``sigmoid`` or none;
    separate ``ReLU``/``Activation`` layers are folded into the ``Dense`` before them).
    Returns ``[(W, b, activation), ...]``: the ``Dense`` kernel W float32 of shape
    (inputs, outputs), the bias b float32 (outputs,) and the activation's name.
    """
    import numpy as np  # local: this module otherwise speaks keras.ops only

    decoder = getattr(model, "decoder", model)
    if not isinstance(decoder, keras.Model):
        raise TypeError(f"model must be a VAE or a Keras decoder model, got {type(model).__name__}")
    known = ("relu", "tanh", "sigmoid", "linear")
    found = []
    for layer in decoder.layers:
        if isinstance(layer, layers.InputLayer):
            continue
        if isinstance(layer, layers.Dense):
            name = getattr(layer.activation, "__name__", "")
            if name not in known:
                raise ValueError(f"model's decoder: Dense layer {layer.name!r} has activation {name!r}")
            weights = layer.get_weights()  # [kernel, bias], or [kernel] without a bias
            kernel = np.asarray(weights[0], dtype=np.float32)
            bias = (
                np.asarray(weights[1], dtype=np.float32)
                if layer.use_bias
                else np.zeros(kernel.shape[1], np.float32)
            )
            found.append((kernel, bias, name))
            continue
        name = None
        plain_relu = isinstance(layer, layers.ReLU) and layer.max_value is None and not (
            layer.negative_slope or layer.threshold
        )
        if plain_relu:
            name = "relu"
        elif isinstance(layer, layers.Activation):
            name = getattr(layer.activation, "__name__", "")
        if name in known and found and found[-1][2] == "linear":
            found[-1] = (*found[-1][:2], name)
            continue
        raise ValueError(
            "model's decoder must be an MLP (Dense layers with relu, tanh, sigmoid or no "
            f"activation), got layer {layer.name!r} ({type(layer).__name__})"
        )
    if not found:
        raise ValueError("model's decoder has no Dense layer")
    return found


# --- boundaries of the public functions --------------------------------------------------
# The chapter shows the functions above as they are; these checks run first. Value checks
# (ranges, finiteness) run only on eager values: numpy arrays and eager tensors, as a
# chapter passes them. Inside Keras's compiled training step the tensors are symbolic, so
# there they are skipped (vaebook.checks.concrete returns None) and the compiled step is
# the same graph as without them: the shapes are checked once, when the step is traced.
# What enters the compiled step is checked where it enters: VAE.fit checks x (and
# validation_data) once per call, before the first step (one pass over the data).


def _check_log_likelihood_inputs(logits, x):
    check_same_shape("logits", logits, "x", x)
    check_eager_finite("logits", logits)
    check_eager_unit_interval("x", x)


def _check_kl_inputs(mu, log_var):
    check_same_shape("mu", mu, "log_var", log_var)
    check_eager_finite("mu", mu)
    check_eager_finite("log_var", log_var)


def _check_sizes(latent_dim, hidden_dim=16, *, seed=None):
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("hidden_dim", hidden_dim)
    if seed is not None:
        check_seed("seed", seed)


def _check_vae_parts(self, encoder, decoder, *, seed=None, **kwargs):
    for name, part in (("encoder", encoder), ("decoder", decoder)):
        if not isinstance(part, keras.Model):
            raise TypeError(
                f"{name} must be a keras.Model (e.g. build_{name}(latent_dim)), got {type(part).__name__}"
            )
    if seed is not None:
        check_seed("seed", seed)


def _check_sampling_seed(self, seed=None, **kwargs):
    if seed is not None:
        check_seed("seed", seed)


def _check_fit_data(self, x=None, y=None, batch_size=None, epochs=1, *args, validation_data=None, **kwargs):
    """x: digits (N, 784) in [0, 1]; validation_data: (x_val,) or x_val of the same width."""
    if x is not None and not isinstance(x, (list, tuple, dict)) and concrete(x) is not None:
        array = concrete(x)
        if array.ndim != 2 or array.shape[1] != PIXELS:
            hint = " (flatten images with x.reshape(len(x), -1))" if array.ndim == 3 else ""
            raise ValueError(f"x must have shape (N, {PIXELS}), got {array.shape}{hint}")
        check_unit_interval("x", array)
    if batch_size is not None:
        check_positive_int("batch_size", batch_size)
    check_positive_int("epochs", epochs)
    if validation_data is not None:
        x_val = validation_data[0] if isinstance(validation_data, (list, tuple)) else validation_data
        array = concrete(x_val)
        if array is not None:
            if array.ndim != 2 or array.shape[1] != PIXELS:
                raise ValueError(f"validation_data must hold digits of shape (N, {PIXELS}), got {array.shape}")
            check_unit_interval("validation_data", array)


bernoulli_log_likelihood = boundary(_check_log_likelihood_inputs)(bernoulli_log_likelihood)
kl_diag_gaussian = boundary(_check_kl_inputs)(kl_diag_gaussian)
build_encoder = boundary(_check_sizes)(build_encoder)
build_decoder = boundary(_check_sizes)(build_decoder)
build_conv_encoder = boundary(_check_sizes)(build_conv_encoder)
build_conv_decoder = boundary(lambda latent_dim: check_positive_int("latent_dim", latent_dim))(
    build_conv_decoder
)
VAE.__init__ = boundary(_check_vae_parts)(VAE.__init__)
VAE.fit = boundary(_check_fit_data)(keras.Model.fit)
Sampling.__init__ = boundary(_check_sampling_seed)(Sampling.__init__)
