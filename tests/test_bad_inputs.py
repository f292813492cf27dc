"""A reader's first mistakes, one row each: every public function answers a bad input with
one clear line that names the argument, instead of a number or a deep traceback.

Each row: (id, the call, the exception type, a pattern the message must match; the
pattern starts with the argument's name). The id starts with the function's qualified
name inside vaebook, ``"<module>.<function> "`` (``"<module>.<Class> "`` for a
constructor, ``"<module>.<Class>.<method> "`` for a method): tests/test_bad_input_coverage.py
gathers the rows of every tests/test_bad_inputs*.py and fails when a public function of
the package has none. A module added later brings its own
``tests/test_bad_inputs_<module>.py`` with a list ``CASES`` in this format and the test at
the end of this file.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from tests.bad_input_rows import assert_one_line_naming_the_argument, parametrize_rows
from vaebook import anomaly, beta, conditional, data, elbo, explorer, glue, metrics  # noqa: E402
from vaebook import plots, shapes, training, widgets  # noqa: E402
from vaebook import keras as vk  # noqa: E402
from vaebook import torch as vt  # noqa: E402
from vaebook.linear_gaussian import LinearGaussian, fit_ppca  # noqa: E402

torch.manual_seed(0)
MODEL = vt.VAE(latent_dim=2, hidden_dim=8)
DIGITS = torch.rand(4, 784)
GOOD = (torch.rand(4, 784) < 0.5).float()
LOGITS = torch.randn(4, 784)
MU, LOG_VAR = torch.zeros(4, 2), torch.zeros(4, 2)
LOG_W = torch.randn(8, 3)  # (K, batch)
_g = torch.Generator().manual_seed(0)
LG = LinearGaussian(
    torch.randn(5, 2, generator=_g, dtype=torch.float64),
    torch.randn(5, generator=_g, dtype=torch.float64),
    torch.full((5,), 0.5, dtype=torch.float64),
)
X5 = torch.randn(3, 5, dtype=torch.float64)


CVAE = conditional.ConditionalVAE(latent_dim=2, hidden_dim=8)
LABELS = np.array([0, 1, 2, 3])
PACKED = conditional.pack_labels(GOOD, LABELS)
NO_LABEL = PACKED.clone()
NO_LABEL[1, 784:] = 0  # an all-zero "one-hot" row would be read as label 0
EXPLORER = explorer.latent_explorer(vt.decoder_layers(MODEL), latent_dim=2)
FACTORS = np.stack([np.arange(40) % 2, np.arange(40) % 4], axis=1)
CODES = np.random.default_rng(0).normal(size=(40, 3))
NAN_CODES = CODES.copy()
NAN_CODES[:3, 1] = np.nan  # a NaN column must not count as an inactive unit
BINARY = (np.random.default_rng(1).random((3, 28, 28)) < 0.3).astype(np.float32)
GENERATOR = torch.Generator().manual_seed(0)


def nan_like(x):
    x = x.clone()
    x.view(-1)[0] = float("nan")
    return x


def squared(model, batch):
    return {"loss": model(batch).pow(2).mean()}


def linear():
    return torch.nn.Linear(784, 1)


def blank(z):
    return np.zeros((len(z), 28, 28), np.float32)


def logits_decode(z):
    return np.full((len(z), 28, 28), 3.0, np.float32)  # logits, not probabilities


def keras_vae():
    return vk.VAE(vk.build_encoder(2, 8), vk.build_decoder(2, 8))


def _fit(x, **kwargs):
    kwargs.setdefault("epochs", 1)
    return training.fit(kwargs.pop("model", linear()), kwargs.pop("loss_fn", squared), x,
                        progress=False, **kwargs)


CASES = [
    # vaebook.elbo ------------------------------------------------------------------------
    ("elbo.kl_diag_gaussian numpy mu", lambda: elbo.kl_diag_gaussian(MU.numpy(), LOG_VAR), TypeError,
     r"mu must be a torch.Tensor of shape \(batch, latent_dim\), got ndarray"),
    ("elbo.kl_diag_gaussian numpy log_var", lambda: elbo.kl_diag_gaussian(MU, LOG_VAR.numpy()), TypeError, "log_var must be a torch.Tensor"),
    ("elbo.kl_diag_gaussian list mu", lambda: elbo.kl_diag_gaussian([[0.0, 0.0]], LOG_VAR), TypeError, "mu must be a torch.Tensor"),
    ("elbo.kl_diag_gaussian shapes", lambda: elbo.kl_diag_gaussian(torch.zeros(128, 2), torch.zeros(128, 20)), ValueError,
     r"mu and log_var must have the same shape, got \(128, 2\) and \(128, 20\)"),
    ("elbo.reparameterize shapes", lambda: elbo.reparameterize(MU, torch.zeros(4, 3)), ValueError,
     "mu and log_var must have the same shape"),
    ("elbo.bernoulli_log_likelihood numpy x", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(\.\.\., D\), got ndarray"),
    ("elbo.bernoulli_log_likelihood numpy logits", lambda: elbo.bernoulli_log_likelihood(LOGITS.numpy(), GOOD), TypeError,
     "logits must be a torch.Tensor"),
    ("elbo.bernoulli_log_likelihood shapes", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.view(4, 28, 28)), ValueError,
     r"logits and x must have the same shape, got \(4, 784\) and \(4, 28, 28\)"),
    ("elbo.bernoulli_log_likelihood float64 x", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.double()), ValueError,
     "x must have the dtype of logits, torch.float32, got torch.float64"),
    ("elbo.bernoulli_log_likelihood 0..255", lambda: elbo.bernoulli_log_likelihood(LOGITS, 255 * DIGITS), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from .* \(divide 0..255 digits by 255\)"),
    ("elbo.bernoulli_log_likelihood x = 2", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD + 1), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from 1 to 2"),
    ("elbo.bernoulli_log_likelihood NaN x", lambda: elbo.bernoulli_log_likelihood(LOGITS, nan_like(GOOD)), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got NaN"),
    ("elbo.log_normal_diag numpy z", lambda: elbo.log_normal_diag(MU.numpy(), MU, LOG_VAR), TypeError, "z must be a torch.Tensor"),
    ("elbo.log_normal_diag numpy mu", lambda: elbo.log_normal_diag(MU, MU.numpy(), LOG_VAR), TypeError, "mu must be a torch.Tensor"),
    ("elbo.log_normal_diag numpy log_var", lambda: elbo.log_normal_diag(MU, MU, 0.0), TypeError,
     "log_var must be a torch.Tensor"),
    ("elbo.iwae_log_likelihood K = 0", lambda: elbo.iwae_log_likelihood(*[torch.zeros(0, 3)] * 3, num_samples=1), ValueError,
     r"log_px_given_z must have shape \(K, batch\) with K >= 1 samples, got \(0, 3\)"),
    ("elbo.iwae_log_likelihood transposed", lambda: elbo.iwae_log_likelihood(LOG_W.T, LOG_W.T, LOG_W.T, num_samples=8), ValueError,
     r"log_px_given_z must have shape \(K, batch\) with K = num_samples = 8 samples first, got \(3, 8\)"),
    ("elbo.iwae_log_likelihood 1-D", lambda: elbo.iwae_log_likelihood(*[torch.zeros(8)] * 3, num_samples=8), ValueError,
     r"log_px_given_z, log_pz and log_qz must all have shape \(K, batch\), got \(8,\)"),
    ("elbo.iwae_log_likelihood shapes", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W[:4], num_samples=8), ValueError,
     r"log_px_given_z, log_pz and log_qz must all have shape \(K, batch\)"),
    ("elbo.iwae_log_likelihood numpy", lambda: elbo.iwae_log_likelihood(LOG_W.numpy(), LOG_W, LOG_W, num_samples=8), TypeError,
     "log_px_given_z must be a torch.Tensor"),
    ("elbo.iwae_log_likelihood numpy log_qz", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W.numpy(), num_samples=8), TypeError,
     "log_qz must be a torch.Tensor"),
    ("elbo.iwae_log_likelihood NaN", lambda: elbo.iwae_log_likelihood(LOG_W, nan_like(LOG_W), LOG_W, num_samples=8), ValueError,
     r"log_pz must not hold NaN, got 1 NaN value\(s\)"),
    ("elbo.iwae_log_likelihood no num_samples", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W), TypeError,
     r"iwae_log_likelihood\(\) missing 1 required keyword-only argument: 'num_samples'"),
    # a NaN or infinite result is refused, naming the input that caused it
    ("elbo.kl_diag_gaussian NaN mu", lambda: elbo.kl_diag_gaussian(nan_like(MU), LOG_VAR), ValueError,
     r"mu must be finite, got 1 NaN or infinite value\(s\)"),
    ("elbo.kl_diag_gaussian inf log_var", lambda: elbo.kl_diag_gaussian(MU, torch.full_like(LOG_VAR, float("inf"))), ValueError,
     r"log_var must be finite, got 8 NaN or infinite value\(s\)"),
    ("elbo.kl_diag_gaussian overflow", lambda: elbo.kl_diag_gaussian(MU, torch.full_like(LOG_VAR, 100.0)), ValueError,
     r"mu, log_var are finite but gave a NaN or infinite result \(overflow\)"),
    ("elbo.reparameterize NaN log_var", lambda: elbo.reparameterize(MU, nan_like(LOG_VAR)), ValueError,
     r"log_var must be finite, got 1 NaN or infinite value\(s\)"),
    ("elbo.bernoulli_log_likelihood NaN logits", lambda: elbo.bernoulli_log_likelihood(nan_like(LOGITS), GOOD), ValueError,
     r"logits must be finite, got 1 NaN or infinite value\(s\)"),
    ("elbo.log_normal_diag NaN z", lambda: elbo.log_normal_diag(nan_like(MU), MU, LOG_VAR), ValueError,
     r"z must be finite, got 1 NaN or infinite value\(s\)"),
    ("elbo.iwae_log_likelihood num_samples 0", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W, num_samples=0), ValueError,
     "num_samples must be a positive integer, got 0"),
    # vaebook.linear_gaussian -------------------------------------------------------------
    ("linear_gaussian.fit_ppca N < D", lambda: fit_ppca(torch.randn(5, 10, dtype=torch.float64), 2), ValueError,
     r"x must have more rows than columns \(N > D\) for a full-rank covariance, got \(N, D\) = \(5, 10\)"),
    ("linear_gaussian.fit_ppca N = D", lambda: fit_ppca(torch.randn(10, 10, dtype=torch.float64), 2), ValueError,
     r"x must have more rows than columns \(N > D\)"),
    ("linear_gaussian.fit_ppca numpy", lambda: fit_ppca(np.zeros((20, 5)), 2), TypeError, "x must be a torch.Tensor"),
    ("linear_gaussian.fit_ppca NaN", lambda: fit_ppca(nan_like(torch.randn(20, 5, dtype=torch.float64)), 2), ValueError,
     r"x must be finite, got 1 NaN or infinite value\(s\)"),
    ("linear_gaussian.fit_ppca 1-D", lambda: fit_ppca(torch.randn(20, dtype=torch.float64), 2), ValueError,
     r"x must be a torch.Tensor of shape \(N, D\) with N >= 1, got \(20,\)"),
    ("linear_gaussian.fit_ppca integer x", lambda: fit_ppca(torch.zeros(20, 5, dtype=torch.int64), 2), TypeError,
     "x must be a floating tensor"),
    ("linear_gaussian.fit_ppca latent_dim 0", lambda: fit_ppca(torch.randn(20, 5, dtype=torch.float64), 0), ValueError,
     r"latent_dim must be an integer in \[1, 4\], got 0"),
    ("linear_gaussian.LinearGaussian numpy W", lambda: LinearGaussian(LG.W.numpy(), LG.b, LG.psi_diag), TypeError,
     "W must be a torch.Tensor, got ndarray"),
    ("linear_gaussian.LinearGaussian psi < 0", lambda: LinearGaussian(LG.W, LG.b, -LG.psi_diag), ValueError,
     "psi_diag must be positive"),
    ("linear_gaussian.LinearGaussian psi = 0", lambda: LinearGaussian(LG.W, LG.b, 0 * LG.psi_diag), ValueError,
     "psi_diag must be positive .*got a minimum of 0"),
    ("linear_gaussian.LinearGaussian NaN W", lambda: LinearGaussian(nan_like(LG.W), LG.b, LG.psi_diag), ValueError,
     "W must be finite"),
    ("linear_gaussian.LinearGaussian.log_marginal wrong D", lambda: LG.log_marginal(torch.zeros(3, 4, dtype=torch.float64)), ValueError,
     r"x must be a tensor of shape \(N, 5\), got \(3, 4\)"),
    ("linear_gaussian.LinearGaussian.log_marginal numpy", lambda: LG.log_marginal(X5.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 5\), got ndarray"),
    ("linear_gaussian.LinearGaussian.log_marginal NaN", lambda: LG.log_marginal(nan_like(X5)), ValueError, "x must be finite"),
    ("linear_gaussian.LinearGaussian.log_likelihood z wrong d", lambda: LG.log_likelihood(X5, torch.zeros(3, 3, dtype=torch.float64)), ValueError,
     r"z must have shape \(\.\.\., 3, 2\), got \(3, 3\)"),
    ("linear_gaussian.LinearGaussian.log_likelihood numpy z", lambda: LG.log_likelihood(X5, np.zeros((3, 2))), TypeError, "z must be a torch.Tensor"),
    ("linear_gaussian.LinearGaussian.posterior wrong D", lambda: LG.posterior(torch.zeros(3, 6, dtype=torch.float64)), ValueError,
     r"x must be a tensor of shape \(N, 5\)"),
    ("linear_gaussian.LinearGaussian.sample n = 0", lambda: LG.sample(0, seed=0), ValueError, "n must be a positive integer, got 0"),
    # vaebook.torch -----------------------------------------------------------------------
    ("torch.estimate_log_px 0..255", lambda: vt.estimate_log_px(MODEL, torch.round(255 * DIGITS), num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from .* \(divide 0..255 digits by 255\)"),
    ("torch.estimate_log_px x = 2", lambda: vt.estimate_log_px(MODEL, GOOD + 1, num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\]"),
    ("torch.estimate_log_px NaN", lambda: vt.estimate_log_px(MODEL, nan_like(DIGITS), num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got NaN or infinity"),
    ("torch.estimate_log_px float64 digits", lambda: vt.estimate_log_px(MODEL, DIGITS.double(), num_samples=2), ValueError,
     r"x must have the model's dtype torch.float32, got torch.float64"),
    ("torch.estimate_log_px numpy", lambda: vt.estimate_log_px(MODEL, DIGITS.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 784\), got ndarray \(convert it with torch.from_numpy\)"),
    ("torch.estimate_log_px images", lambda: vt.estimate_log_px(MODEL, DIGITS.view(4, 28, 28)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(4, 28, 28\)"),
    ("torch.estimate_log_px no digits", lambda: vt.estimate_log_px(MODEL, torch.zeros(0, 784)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(0, 784\)"),
    ("torch.estimate_log_px uint8", lambda: vt.estimate_log_px(MODEL, torch.zeros(4, 784, dtype=torch.uint8)), TypeError,
     "x must be a floating tensor"),
    ("torch.estimate_log_px K = 0", lambda: vt.estimate_log_px(MODEL, GOOD, num_samples=0), ValueError,
     "num_samples must be a positive integer, got 0"),
    ("torch.estimate_log_px not a model", lambda: vt.estimate_log_px("vae", GOOD), TypeError,
     "model must be a torch.nn.Module, got str"),
    ("torch.VAE latent_dim 0", lambda: vt.VAE(latent_dim=0), ValueError, "latent_dim must be a positive integer, got 0"),
    ("torch.ConvVAE hidden_dim", lambda: vt.ConvVAE(hidden_dim=2.5), ValueError, "hidden_dim must be a positive integer"),
    ("torch.numpy_decoder not a model", lambda: vt.numpy_decoder(lambda z: z), TypeError, "model must be a torch.nn.Module"),
    ("torch.numpy_decoder NaN z", lambda: vt.numpy_decoder(MODEL)(np.full((1, 2), np.nan)), ValueError,
     r"z must be finite, got 2 NaN"),
    ("torch.decoder_layers not a model", lambda: vt.decoder_layers(3), TypeError, "model must be a VAE"),
    # vaebook.training --------------------------------------------------------------------
    ("training.fit 0..255", lambda: _fit(255 * DIGITS), ValueError,
     r"x_train must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("training.fit NaN x_val", lambda: _fit(DIGITS, x_val=nan_like(DIGITS)), ValueError, "x_val must hold pixel intensities"),
    ("training.fit numpy", lambda: _fit(DIGITS.numpy()), TypeError, r"x_train must be a torch.Tensor of shape \(N, \.\.\.\)"),
    ("training.fit numpy x_val", lambda: _fit(DIGITS, x_val=DIGITS.numpy()), TypeError, "x_val must be a torch.Tensor"),
    ("training.fit float64 digits", lambda: _fit(DIGITS.double()), ValueError,
     r"x_train must have the model's dtype torch.float32, got torch.float64 \(use x.to"),
    ("training.fit wrong device", lambda: _fit(DIGITS.to("meta")), ValueError, "x_train must be on the model's device"),
    ("training.fit epochs 0", lambda: _fit(DIGITS, epochs=0), ValueError, "epochs must be a positive integer, got 0"),
    ("training.fit loss_fn", lambda: _fit(DIGITS, loss_fn="elbo"), TypeError, "loss_fn must be a callable"),
    ("training.fit model", lambda: _fit(DIGITS, model=lambda x: x), TypeError, "model must be a torch.nn.Module, got function"),
    ("training.fit transform", lambda: _fit(DIGITS, transform=1), TypeError, "transform must be a callable"),
    ("training.fit lr", lambda: _fit(DIGITS, lr=-1.0), ValueError, r"lr must be a non-negative number \(finite\), got -1.0"),
    ("training.fit no rows", lambda: _fit(torch.zeros(0, 784)), ValueError, r"x_train must have shape \(N, \.\.\.\) with N >= 1"),
    ("training.fit NaN, not pixels", lambda: _fit(nan_like(DIGITS), pixels=False), ValueError, "x_train must be finite"),
    ("training.evaluate 0..255", lambda: training.evaluate(linear(), squared, 255 * DIGITS), ValueError,
     r"x must hold pixel intensities in \[0, 1\]"),
    ("training.evaluate batch_size 0", lambda: training.evaluate(linear(), squared, DIGITS, batch_size=0), ValueError,
     "batch_size must be a positive integer, got 0"),
    ("training.evaluate float64", lambda: training.evaluate(MODEL, vt.vae_loss, DIGITS.double()), ValueError,
     "x must have the model's dtype"),
    # vaebook.data ------------------------------------------------------------------------
    ("data.load_mnist split", lambda: data.load_mnist("validation"), ValueError, "split must be 'train' or 'test'"),
    ("data.load_mnist subset 0", lambda: data.load_mnist(subset=0), ValueError, "subset must be a positive integer"),
    ("data.load_mnist scaled", lambda: data.load_mnist(scaled="yes"), TypeError, "scaled must be True or False"),
    ("data.load_mnist seed", lambda: data.load_mnist(seed=0.5), TypeError, "seed must be an integer"),
    ("data.binarize 0..255", lambda: data.binarize(255.0 * DIGITS.numpy(), seed=0), ValueError,
     r"images01 must have values in \[0, 1\]"),
    ("data.binarize NaN", lambda: data.binarize(np.array([np.nan, 0.5]), seed=0), ValueError,
     r"images01 must have values in \[0, 1\]"),
    ("data.binarize uint8", lambda: data.binarize(np.zeros(4, np.uint8), seed=0), TypeError,
     "images01 must be a float array"),
    ("data.binarize seed", lambda: data.binarize(DIGITS.numpy(), seed=1.5), TypeError, "seed must be an integer"),
    # vaebook.plots -----------------------------------------------------------------------
    ("plots.image_grid 0..255", lambda: plots.image_grid(255 * DIGITS.numpy()), ValueError,
     r"images must hold intensities in \[0, 1\] \(divide uint8 pixels by 255\)"),
    ("plots.image_grid NaN", lambda: plots.image_grid(nan_like(DIGITS).numpy()), ValueError, "images must hold intensities"),
    ("plots.image_grid shape", lambda: plots.image_grid(np.zeros((3, 27, 27))), ValueError,
     r"images must have shape \(n, 28, 28\) or \(n, 784\)"),
    ("plots.latent_scatter (n, 3)", lambda: plots.latent_scatter(np.zeros((5, 3)), None), ValueError,
     r"z must have shape \(n, 2\)"),
    ("plots.latent_scatter NaN", lambda: plots.latent_scatter(np.full((5, 2), np.nan), None), ValueError,
     "z must be finite"),
    ("plots.latent_scatter labels", lambda: plots.latent_scatter(np.zeros((2, 2)), np.array([3, 10])), ValueError,
     "labels must be integer digits 0..9"),
    ("plots.latent_manifold decode", lambda: plots.latent_manifold(np.zeros((2, 2))), TypeError,
     "decode must be a callable"),
    ("plots.latent_manifold images", lambda: plots.latent_manifold(lambda z: 255 * np.ones((len(z), 784)), n=2),
     ValueError, r"decode\(z\) must hold intensities in \[0, 1\]"),
    ("plots.normal_quantile_grid limit", lambda: plots.normal_quantile_grid(5, limit=1.5), ValueError,
     r"limit must be a probability in \(0.5, 1\)"),
    ("plots.learning_curves keys", lambda: plots.learning_curves({"loss": [1.0]}, keys="loss"), TypeError,
     "keys must be a list of history keys"),
    # vaebook.widgets ---------------------------------------------------------------------
    ("widgets.latent_sliders decode", lambda: widgets.latent_sliders(None, 2), TypeError, "decode must be a callable"),
    ("widgets.latent_sliders latent_dim", lambda: widgets.latent_sliders(blank, 0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("widgets.latent_sliders NaN start_codes", lambda: widgets.latent_sliders(blank, 2, start_codes=np.full((3, 2), np.nan)),
     ValueError, "start_codes must be finite"),
    ("widgets.latent_sliders start_codes shape", lambda: widgets.latent_sliders(blank, 2, start_codes=np.zeros((3, 5))),
     ValueError, r"start_codes must have shape \(n, 2\)"),
    ("widgets.LatentSliders.set_code NaN", lambda: widgets.latent_sliders(blank, 2).set_code(np.array([np.nan, 0.0])),
     ValueError, "z must be finite"),
    ("widgets.png_bytes NaN", lambda: widgets.png_bytes(np.full((2, 2), np.nan)), ValueError, "image must be finite"),
    ("widgets.png_bytes 1-D", lambda: widgets.png_bytes(np.zeros(4)), ValueError, r"image must have shape \(height, width\)"),
    # vaebook.keras -----------------------------------------------------------------------
    ("keras.bernoulli_log_likelihood shapes", lambda: vk.bernoulli_log_likelihood(np.zeros((4, 784)), np.zeros((4, 28, 28))),
     ValueError, r"logits and x must have the same shape, got \(4, 784\) and \(4, 28, 28\)"),
    ("keras.bernoulli_log_likelihood list", lambda: vk.bernoulli_log_likelihood([0.0], np.zeros(1)), TypeError,
     "logits must be an array or tensor"),
    ("keras.kl_diag_gaussian shapes", lambda: vk.kl_diag_gaussian(np.zeros((4, 2)), np.zeros((4, 3))), ValueError,
     r"mu and log_var must have the same shape, got \(4, 2\) and \(4, 3\)"),
    ("keras.kl_diag_gaussian list", lambda: vk.kl_diag_gaussian([[0.0]], np.zeros((1, 1))), TypeError,
     "mu must be an array or tensor"),
    ("keras.build_mlp_vae latent_dim", lambda: vk.build_mlp_vae(latent_dim=0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("keras.build_conv_vae seed", lambda: vk.build_conv_vae(seed=-1), ValueError, "seed must be a non-negative integer"),
    ("keras.decoder_layers model", lambda: vk.decoder_layers("decoder"), TypeError, "model must be a VAE or a Keras"),
    # ========================================================================================
    # Chapters 7 and 8 and the helpers chapters call (issue 23)
    # vaebook.beta ---------------------------------------------------------------------------
    ("beta.beta_vae_loss inf", lambda: beta.beta_vae_loss(float("inf")), ValueError,
     r"beta must be a non-negative number \(finite\), got inf"),
    ("beta.beta_vae_loss NaN", lambda: beta.beta_vae_loss(float("nan")), ValueError, "beta must be a non-negative number"),
    ("beta.beta_vae_loss string", lambda: beta.beta_vae_loss("4"), ValueError, "beta must be a non-negative number"),
    ("beta.warmup_loss 0", lambda: beta.warmup_loss(0), ValueError, "warmup_steps must be a positive integer, got 0"),
    ("beta.free_bits_loss negative", lambda: beta.free_bits_loss(-0.5), ValueError, "free_bits must be a non-negative"),
    ("beta.free_bits_loss inf", lambda: beta.free_bits_loss(float("inf")), ValueError, "free_bits must be a non-negative"),
    ("beta.capacity_loss gamma inf", lambda: beta.capacity_loss(25.0, 100, float("inf")), ValueError,
     r"gamma must be a non-negative number \(finite\)"),
    ("beta.capacity_loss steps 2.5", lambda: beta.capacity_loss(25.0, 2.5, 1.0), ValueError,
     "steps must be a positive integer, got 2.5"),
    ("beta.capacity_loss capacity < 0", lambda: beta.capacity_loss(-1.0, 10, 1.0), ValueError, "capacity must be a non-negative"),
    ("beta.encode_means 0..255", lambda: beta.encode_means(MODEL, torch.round(255 * DIGITS)), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from .* \(divide 0..255 digits by 255\)"),
    ("beta.encode_means numpy", lambda: beta.encode_means(MODEL, DIGITS.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 784\), got ndarray \(convert it with torch.from_numpy\)"),
    ("beta.encode_means images", lambda: beta.encode_means(MODEL, DIGITS.view(4, 28, 28)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(4, 28, 28\)"),
    ("beta.encode_means float64", lambda: beta.encode_means(MODEL, DIGITS.double()), ValueError,
     "x must have the model's dtype torch.float32, got torch.float64"),
    ("beta.encode_means not a model", lambda: beta.encode_means(vt.numpy_decoder(MODEL), DIGITS), TypeError,
     "model must be a torch.nn.Module, got function"),
    ("beta.encode_means batch_size 0", lambda: beta.encode_means(MODEL, DIGITS, batch_size=0), ValueError,
     "batch_size must be a positive integer, got 0"),
    ("beta.active_units transposed", lambda: beta.active_units(CODES.T), ValueError,
     r"mu must have shape \(N, latents\) with one row per data point, got \(3, 40\).*transposed\? pass mu.T"),
    ("beta.active_units NaN column", lambda: beta.active_units(NAN_CODES), ValueError,
     r"mu must be finite, got 3 NaN or infinite value\(s\)"),
    ("beta.active_units 1-D", lambda: beta.active_units(np.zeros(5)), ValueError,
     r"mu must have shape \(N, latents\) with N >= 2, got \(5,\)"),
    ("beta.active_units threshold inf", lambda: beta.active_units(CODES, threshold=np.inf), ValueError,
     "threshold must be a non-negative number"),
    ("beta.active_units string", lambda: beta.active_units("mu"), TypeError, "mu must be an array of numbers"),
    ("beta.DeepVAE latent_dim 0", lambda: beta.DeepVAE(latent_dim=0), ValueError, "latent_dim must be a positive integer"),
    ("beta.DeepVAE one hidden size", lambda: beta.DeepVAE(hidden_dims=(8,)), ValueError,
     r"hidden_dims must be two positive integers, got \(8,\)"),
    ("beta.DeepVAE hidden 0", lambda: beta.DeepVAE(hidden_dims=(8, 0)), ValueError,
     r"hidden_dims\[1\] must be a positive integer, got 0"),
    # vaebook.conditional --------------------------------------------------------------------
    ("conditional.one_hot label 10", lambda: conditional.one_hot([0, 10]), ValueError,
     r"labels must lie in \[0, 10\), got values from 0 to 10"),
    ("conditional.one_hot float labels", lambda: conditional.one_hot([0.0, 1.0]), ValueError,
     "labels must be a 1-D array of integers"),
    ("conditional.one_hot num_classes 0", lambda: conditional.one_hot([0], num_classes=0), ValueError,
     "num_classes must be a positive integer"),
    ("conditional.pack_labels numpy x", lambda: conditional.pack_labels(GOOD.numpy(), LABELS), TypeError,
     r"x must be a torch.Tensor of shape \(N, 784\), got ndarray \(convert it with torch.from_numpy\)"),
    ("conditional.pack_labels images", lambda: conditional.pack_labels(GOOD.view(4, 28, 28), LABELS), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(4, 28, 28\)"),
    ("conditional.pack_labels 0..255", lambda: conditional.pack_labels(255 * GOOD, LABELS), ValueError,
     r"x must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("conditional.pack_labels lengths", lambda: conditional.pack_labels(GOOD, LABELS[:3]), ValueError,
     r"labels must have one entry per row of x \(4\), got 3"),
    ("conditional.check_packed all-zero label", lambda: conditional.check_packed("xy", NO_LABEL), ValueError,
     r"xy\[:, 784:\] must hold one-hot rows that sum to 1, got 1 row\(s\) that do not \(first: row 1, sum 0\)"),
    ("conditional.check_packed numpy", lambda: conditional.check_packed("xy", PACKED.numpy()), TypeError,
     r"xy must be a torch.Tensor of shape \(N, 794\)"),
    ("conditional.check_packed width", lambda: conditional.check_packed("xy", GOOD), ValueError,
     r"xy must be a torch.Tensor of shape \(N, 794\) .*got \(4, 784\)"),
    ("conditional.ConditionalVAE latent_dim 0", lambda: conditional.ConditionalVAE(latent_dim=0), ValueError,
     "latent_dim must be a positive integer"),
    ("conditional.ConditionalVAE hidden_dim 2.5", lambda: conditional.ConditionalVAE(hidden_dim=2.5), ValueError,
     "hidden_dim must be a positive integer"),
    ("conditional.FixedLabel plain VAE", lambda: conditional.FixedLabel(MODEL, 3), TypeError,
     "model must be a ConditionalVAE, got VAE"),
    ("conditional.FixedLabel label 10", lambda: conditional.FixedLabel(CVAE, 10), ValueError,
     r"label must be an integer in \[0, 10\), got 10"),
    ("conditional.estimate_log_px_given_y all-zero label",
     lambda: conditional.estimate_log_px_given_y(CVAE, NO_LABEL, num_samples=2), ValueError,
     r"xy\[:, 784:\] must hold one-hot rows that sum to 1"),
    ("conditional.estimate_log_px_given_y plain VAE",
     lambda: conditional.estimate_log_px_given_y(MODEL, PACKED, num_samples=2), TypeError,
     "model must be a ConditionalVAE, got VAE"),
    ("conditional.estimate_log_px_given_y K = 0",
     lambda: conditional.estimate_log_px_given_y(CVAE, PACKED, num_samples=0), ValueError,
     "num_samples must be a positive integer, got 0"),
    ("conditional.estimate_log_px_given_y float64",
     lambda: conditional.estimate_log_px_given_y(CVAE, PACKED.double(), num_samples=2), ValueError,
     "xy must have the model's dtype torch.float32, got torch.float64"),
    ("conditional.estimate_log_px_given_y seed",
     lambda: conditional.estimate_log_px_given_y(CVAE, PACKED, num_samples=2, seed=-1), ValueError,
     "seed must be a non-negative integer, got -1"),
    ("conditional.estimate_log_px_given_y pixels 0..255",
     lambda: conditional.estimate_log_px_given_y(CVAE, torch.cat([255 * GOOD, PACKED[:, 784:]], 1)), ValueError,
     r"xy must hold pixel intensities in \[0, 1\]"),
    ("conditional.label_decoder label 10", lambda: conditional.label_decoder(CVAE, 10), ValueError,
     r"label must be an integer in \[0, 10\), got 10"),
    ("conditional.label_decoder plain VAE", lambda: conditional.label_decoder(MODEL, 3), TypeError,
     "model must be a ConditionalVAE, got VAE"),
    ("conditional.label_decoder transposed z", lambda: conditional.label_decoder(CVAE, 3)(np.zeros((2, 5))),
     ValueError, r"z must have shape \(n, 2\), got \(2, 5\) \(transposed\? pass codes.T\)"),
    ("conditional.label_decoder_layers plain VAE", lambda: conditional.label_decoder_layers(vt.VAE(20, 8), 3),
     TypeError, "model must be a ConditionalVAE, got VAE"),
    ("conditional.label_decoder_layers label True", lambda: conditional.label_decoder_layers(CVAE, True),
     ValueError, r"label must be an integer in \[0, 10\), got True"),
    # vaebook.anomaly ------------------------------------------------------------------------
    ("anomaly.negative_elbo numpy", lambda: anomaly.negative_elbo(MODEL, GOOD.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 784\), got ndarray \(convert it with torch.from_numpy\)"),
    ("anomaly.negative_elbo 0..255", lambda: anomaly.negative_elbo(MODEL, 255 * GOOD), ValueError,
     r"x must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("anomaly.negative_elbo images", lambda: anomaly.negative_elbo(MODEL, GOOD.view(4, 28, 28)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(4, 28, 28\)"),
    ("anomaly.negative_elbo not a model", lambda: anomaly.negative_elbo("vae", GOOD), TypeError,
     "model must be a torch.nn.Module, got str"),
    ("anomaly.negative_elbo seed", lambda: anomaly.negative_elbo(MODEL, GOOD, seed=1.5), TypeError,
     "seed must be a non-negative integer, got float"),
    ("anomaly.png_code_length 0..255", lambda: anomaly.png_code_length(255 * BINARY), ValueError,
     r"images must hold pixel intensities in \[0, 1\], got values from 0 to 255 \(divide 0..255 digits by 255\)"),
    ("anomaly.png_code_length NaN", lambda: anomaly.png_code_length(np.full((2, 784), np.nan)), ValueError,
     r"images must hold pixel intensities in \[0, 1\], got NaN or infinity"),
    ("anomaly.png_code_length shape", lambda: anomaly.png_code_length(np.zeros((2, 27, 27))), ValueError,
     r"images must have shape \(N, 28, 28\) or \(N, 784\) with N >= 1, got \(2, 27, 27\)"),
    ("anomaly.png_code_length string", lambda: anomaly.png_code_length("digit.png"), TypeError,
     "images must be an array of numbers"),
    ("anomaly.complexity_corrected NaN scores", lambda: anomaly.complexity_corrected([np.nan] * 3, BINARY),
     ValueError, r"scores must be finite, got 3 NaN or infinite value\(s\)"),
    ("anomaly.complexity_corrected lengths", lambda: anomaly.complexity_corrected([1.0, 2.0], BINARY),
     ValueError, r"images must have one image per score \(2\), got 3"),
    ("anomaly.complexity_corrected 0..255", lambda: anomaly.complexity_corrected([1.0] * 3, 255 * BINARY),
     ValueError, r"images must hold pixel intensities in \[0, 1\]"),
    ("anomaly.anomaly_roc NaN", lambda: anomaly.anomaly_roc([1.0, np.nan], [2.0]), ValueError,
     r"normal must be finite, got 1 NaN or infinite value\(s\)"),
    ("anomaly.anomaly_roc 2-D", lambda: anomaly.anomaly_roc([1.0], [[2.0, 3.0]]), ValueError,
     r"anomalous must be a non-empty 1-D array, got shape \(1, 2\)"),
    ("anomaly.anomaly_roc strings", lambda: anomaly.anomaly_roc(["low"], [2.0]), TypeError,
     "normal must be a 1-D array of numbers"),
    ("anomaly.anomaly_roc empty", lambda: anomaly.anomaly_roc([], [2.0]), ValueError,
     "normal must be a non-empty 1-D array"),
    # vaebook.metrics ------------------------------------------------------------------------
    ("metrics.mutual_information_gap transposed", lambda: metrics.mutual_information_gap(CODES.T, FACTORS),
     ValueError, r"codes must have shape \(N, latents\) with one row per data point, got \(3, 40\)"),
    ("metrics.mutual_information_gap NaN", lambda: metrics.mutual_information_gap(NAN_CODES, FACTORS), ValueError,
     r"codes must be finite, got 3 NaN"),
    ("metrics.mutual_information_gap lengths", lambda: metrics.mutual_information_gap(CODES, FACTORS[:30]),
     ValueError, r"codes and factors must have the same length \(one row per data point\), got 40 and 30"),
    ("metrics.mutual_information_gap float factors",
     lambda: metrics.mutual_information_gap(CODES, FACTORS * 1.0), ValueError,
     "factors must be integer indices, got dtype float64"),
    ("metrics.mutual_information_gap constant factor",
     lambda: metrics.mutual_information_gap(CODES, FACTORS * [0, 1]), ValueError,
     r"factors must each take at least two values"),
    ("metrics.mutual_information_gap bins 1", lambda: metrics.mutual_information_gap(CODES, FACTORS, bins=1),
     ValueError, "bins must be an integer >= 2, got 1"),
    ("metrics.mutual_information_gap one latent", lambda: metrics.mutual_information_gap(CODES[:, :1], FACTORS),
     ValueError, r"codes must have shape \(N, latents\) with N >= 1 and latents >= 2"),
    ("metrics.discretize NaN", lambda: metrics.discretize(NAN_CODES), ValueError, "codes must be finite"),
    ("metrics.discretize bins 0", lambda: metrics.discretize(CODES, bins=0), ValueError,
     "bins must be a positive integer, got 0"),
    ("metrics.discretize transposed", lambda: metrics.discretize(CODES.T), ValueError,
     r"codes must have shape \(N, latents\) with one row per data point"),
    ("metrics.discretize string", lambda: metrics.discretize("codes"), TypeError, "codes must be an array of numbers"),
    # vaebook.shapes -------------------------------------------------------------------------
    ("shapes.sprite scale in pixels", lambda: shapes.sprite("square", 6, 0.0), ValueError,
     r"scale must be in \(0, 1\], a fraction of the largest sprite \(not pixels\), got 6"),
    ("shapes.sprite scale 0", lambda: shapes.sprite("heart", 0.0, 0.0), ValueError, r"scale must be in \(0, 1\]"),
    ("shapes.sprite angle NaN", lambda: shapes.sprite("ellipse", 0.5, np.nan), ValueError,
     "angle must be a finite number, got nan"),
    ("shapes.sprite angle string", lambda: shapes.sprite("ellipse", 0.5, "90"), TypeError,
     "angle must be a real number, got str"),
    ("shapes.sprite star", lambda: shapes.sprite("star", 1.0, 0.0), ValueError, "shape must be one of"),
    ("shapes.load_shapes scales 0", lambda: shapes.load_shapes(scales=0), ValueError, "scales must be a positive integer"),
    ("shapes.load_shapes positions 17", lambda: shapes.load_shapes(positions=17), ValueError,
     "positions must be at most 16"),
    ("shapes.load_shapes orientations 2.5", lambda: shapes.load_shapes(orientations=2.5), ValueError,
     "orientations must be a positive integer"),
    # vaebook.explorer -----------------------------------------------------------------------
    ("explorer.LatentExplorer.decode transposed", lambda: EXPLORER.decode(np.zeros((2, 5))), ValueError,
     r"z must have shape \(n, 2\), got \(2, 5\) \(transposed\? pass codes.T\)"),
    ("explorer.LatentExplorer.decode NaN", lambda: EXPLORER.decode(np.full((3, 2), np.nan)), ValueError,
     r"z must be finite, got 6 NaN or infinite value\(s\)"),
    ("explorer.LatentExplorer.decode 1-D", lambda: EXPLORER.decode(np.zeros(2)), ValueError,
     r"z must have shape \(n, 2\) with n >= 1, got \(2,\)"),
    ("explorer.LatentExplorer html", lambda: explorer.LatentExplorer(None, EXPLORER.layers, "id"), TypeError,
     "html must be a str"),
    ("explorer.latent_explorer model", lambda: explorer.latent_explorer(MODEL, latent_dim=2), TypeError,
     "layers must be a non-empty list"),
    ("explorer.latent_explorer NaN codes",
     lambda: explorer.latent_explorer(vt.decoder_layers(MODEL), latent_dim=2, codes=np.full((3, 2), np.nan)),
     ValueError, "codes must be finite"),
    ("explorer.latent_explorer transposed start_codes",
     lambda: explorer.latent_explorer(vt.decoder_layers(MODEL), latent_dim=2, start_codes=np.zeros((2, 7))),
     ValueError, r"start_codes must have shape \(n, 2\), got \(2, 7\) \(transposed"),
    ("explorer.latent_explorer latent_dim 0", lambda: explorer.latent_explorer(vt.decoder_layers(MODEL), latent_dim=0),
     ValueError, "latent_dim must be a positive integer"),
    ("explorer.latent_explorer limit", lambda: explorer.latent_explorer(vt.decoder_layers(MODEL), latent_dim=2,
                                                                        limit=np.inf),
     ValueError, "limit must be a positive number"),
    # plots, widgets: a model or logits where a decode(z) -> images in [0, 1] is expected ----
    ("plots.latent_manifold model", lambda: plots.latent_manifold(MODEL), TypeError,
     r"decode must be a decode\(z\) -> images function on numpy arrays, got the model VAE "
     r"\(pass vaebook.torch.numpy_decoder\(model\)\)"),
    ("plots.latent_scatter one-hot labels", lambda: plots.latent_scatter(np.zeros((2, 2)), np.eye(2, 10, dtype=int)),
     ValueError, r"labels must have shape \(2,\), one per code"),
    ("plots.image_grid ncols 0", lambda: plots.image_grid(DIGITS.numpy(), ncols=0), ValueError,
     "ncols must be a positive integer"),
    ("plots.learning_curves list", lambda: plots.learning_curves([1.0, 2.0]), TypeError,
     "history must be a mapping of lists, got list"),
    ("plots.normal_quantile_grid n 0", lambda: plots.normal_quantile_grid(0), ValueError, "n must be a positive integer"),
    ("widgets.latent_sliders model", lambda: widgets.latent_sliders(MODEL, 2), TypeError,
     r"decode must be a decode\(z\) -> images function on numpy arrays, got the model VAE"),
    ("widgets.latent_sliders logits", lambda: widgets.latent_sliders(logits_decode, 2), ValueError,
     r"decode must return pixel intensities in \[0, 1\], got values from 3 to 3 \(a decoder of logits\? apply"),
    ("widgets.LatentSliders limit", lambda: widgets.LatentSliders(blank, 2, limit=-1.0), ValueError,
     "limit must be a positive number, got -1.0"),
    ("widgets.LatentSliders.set_code length", lambda: widgets.latent_sliders(blank, 2).set_code(np.zeros(3)),
     ValueError, r"z must have shape \(2,\), got \(3,\)"),
    ("widgets.png_bytes 0..255", lambda: widgets.png_bytes(255 * BINARY[0]), ValueError,
     r"image must hold pixel intensities in \[0, 1\], got values from 0 to 255 \(divide 0..255 digits by 255\)"),
    ("widgets.png_bytes scale 0", lambda: widgets.png_bytes(BINARY[0], scale=0), ValueError,
     "scale must be a positive integer, got 0"),
    # vaebook.torch: the helpers chapters call ----------------------------------------------
    ("torch.numpy_decoder transposed z", lambda: vt.numpy_decoder(MODEL)(np.zeros((2, 5))), ValueError,
     r"z must have shape \(n, 2\), got \(2, 5\) \(transposed\? pass codes.T\)"),
    ("torch.numpy_decoder 1-D z", lambda: vt.numpy_decoder(MODEL)(np.zeros(2)), ValueError,
     r"z must have shape \(n, 2\) with n >= 1, got \(2,\)"),
    ("torch.numpy_decoder wrong latent_dim", lambda: vt.numpy_decoder(MODEL)(np.zeros((3, 5))), ValueError,
     r"z must have shape \(n, 2\), got \(3, 5\)$"),
    ("torch.binarize_epoch numpy", lambda: vt.binarize_epoch(DIGITS.numpy(), GENERATOR), TypeError,
     r"x must be a torch.Tensor of shape \(N, \.\.\.\), got ndarray \(convert it with torch.from_numpy\)"),
    ("torch.binarize_epoch 0..255", lambda: vt.binarize_epoch(255 * DIGITS, GENERATOR), ValueError,
     r"x must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("torch.binarize_epoch uint8", lambda: vt.binarize_epoch(torch.zeros(2, 784, dtype=torch.uint8), GENERATOR),
     TypeError, "x must be a floating tensor"),
    ("torch.binarize_epoch generator", lambda: vt.binarize_epoch(DIGITS, 0), TypeError,
     "generator must be a torch.Generator, got int"),
    ("torch.estimate_log_px seed", lambda: vt.estimate_log_px(MODEL, GOOD, num_samples=2, seed="0"), TypeError,
     "seed must be a non-negative integer, got str"),
    ("torch.ConvVAE latent_dim 0", lambda: vt.ConvVAE(latent_dim=0), ValueError, "latent_dim must be a positive integer"),
    ("torch.vae_loss 0..255", lambda: vt.vae_loss(MODEL, 255 * GOOD), ValueError,
     r"x must hold pixel intensities in \[0, 1\]"),
    ("torch.decoder_layers conv", lambda: vt.decoder_layers(vt.ConvVAE()), ValueError,
     "model's decoder must be an MLP"),
    # vaebook.training: the hyper-parameters and data, before the first step -----------------
    ("training.fit lr inf", lambda: _fit(DIGITS, lr=float("inf")), ValueError,
     r"lr must be a non-negative number \(finite\), got inf"),
    ("training.fit lr NaN", lambda: _fit(DIGITS, lr=float("nan")), ValueError, "lr must be a non-negative number"),
    ("training.fit images to an MLP", lambda: _fit(DIGITS.view(4, 28, 28), model=vt.VAE(2, 8), loss_fn=vt.vae_loss),
     ValueError, r"x_train must have rows the model takes; rows of shape \(28, 28\) failed .*flatten"),
    ("training.fit x_val width", lambda: _fit(DIGITS, x_val=DIGITS[:, :700]), ValueError,
     r"x_val must have rows of x_train's shape \(784,\), got \(700,\)"),
    ("training.fit seed", lambda: _fit(DIGITS, seed=-1), ValueError, "seed must be a non-negative integer, got -1"),
    ("training.fit batch_size 0", lambda: _fit(DIGITS, batch_size=0), ValueError, "batch_size must be a positive integer"),
    ("training.fit optimizer", lambda: _fit(DIGITS, optimizer="adam"), TypeError,
     "optimizer must be a torch.optim.Optimizer or None, got str"),
    ("training.fit loss_fn returns a number", lambda: _fit(DIGITS, loss_fn=lambda m, x: m(x).mean()), TypeError,
     r"loss_fn must return a dict with a \"loss\" entry, got Tensor"),
    ("training.evaluate images", lambda: training.evaluate(vt.VAE(2, 8), vt.vae_loss, DIGITS.view(4, 28, 28)),
     ValueError, r"x must have rows the model takes; rows of shape \(28, 28\)"),
    ("training.evaluate numpy", lambda: training.evaluate(MODEL, vt.vae_loss, DIGITS.numpy()), TypeError,
     "x must be a torch.Tensor"),
    # vaebook.elbo, vaebook.linear_gaussian ------------------------------------------------
    ("elbo.reparameterize numpy mu", lambda: elbo.reparameterize(MU.numpy(), LOG_VAR), TypeError,
     r"mu must be a torch.Tensor of shape \(batch, latent_dim\), got ndarray \(convert it with torch.from_numpy\)"),
    ("elbo.reparameterize generator", lambda: elbo.reparameterize(MU, LOG_VAR, 0), TypeError,
     "generator must be a torch.Generator or None, got int"),
    ("linear_gaussian.LinearGaussian.log_joint numpy z", lambda: LG.log_joint(X5, np.zeros((3, 2))), TypeError,
     "z must be a torch.Tensor"),
    ("linear_gaussian.LinearGaussian.log_joint NaN z",
     lambda: LG.log_joint(X5, torch.full((3, 2), float("nan"), dtype=torch.float64)), ValueError,
     r"z must be finite, got 6 NaN"),
    ("linear_gaussian.LinearGaussian.log_joint wrong D", lambda: LG.log_joint(X5[:, :4], torch.zeros(3, 2)),
     ValueError, r"x must be a tensor of shape \(N, 5\), got \(3, 4\)"),
    ("linear_gaussian.LinearGaussian.sample seed", lambda: LG.sample(3, seed=-1), ValueError,
     "seed must be a non-negative integer, got -1"),
    ("linear_gaussian.LinearGaussian.posterior numpy", lambda: LG.posterior(X5.numpy()), TypeError,
     "x must be a torch.Tensor"),
    # vaebook.data, vaebook.glue ------------------------------------------------------------
    ("data.arrays_sha256 list", lambda: data.arrays_sha256([np.zeros(3)]), TypeError,
     "arrays must be a mapping with the keys"),
    ("data.arrays_sha256 keys", lambda: data.arrays_sha256({"x_train": np.zeros(3)}), TypeError,
     r"arrays must be a mapping with the keys .*got \['x_train'\]"),
    ("data.file_sha256 number", lambda: data.file_sha256(3), TypeError,
     "path must be a str or a pathlib.Path, got int"),
    ("data.read_mnist_pickle str", lambda: data.read_mnist_pickle("mnist.pkl.gz"), TypeError,
     "data must be the gzipped pickle's bytes, got str"),
    ("data.load_mnist subset -1", lambda: data.load_mnist(subset=-1), ValueError, "subset must be a positive integer"),
    ("data.binarize NaN images", lambda: data.binarize(np.full(3, np.nan, np.float32), seed=0), ValueError,
     r"images01 must have values in \[0, 1\], got \[nan, nan\]"),
    ("glue.glue NaN", lambda: glue.glue("loss", float("nan"), display=False), ValueError,
     "value for 'loss' must be finite, got nan"),
    ("glue.glue name", lambda: glue.glue("", 1.0, display=False), TypeError, "name must be a non-empty string"),
    # vaebook.keras: eager calls check values; the compiled step sees symbolic tensors -----
    ("keras.kl_diag_gaussian NaN mu", lambda: vk.kl_diag_gaussian(np.array([[np.nan, 0.0]]), np.zeros((1, 2))),
     ValueError, r"mu must be finite, got 1 NaN or infinite value\(s\)"),
    ("keras.kl_diag_gaussian inf log_var", lambda: vk.kl_diag_gaussian(np.zeros((1, 2)), np.full((1, 2), np.inf)),
     ValueError, r"log_var must be finite, got 2 NaN"),
    ("keras.bernoulli_log_likelihood x = 2",
     lambda: vk.bernoulli_log_likelihood(np.zeros((1, 784), np.float32), np.full((1, 784), 2.0, np.float32)),
     ValueError, r"x must hold pixel intensities in \[0, 1\], got values from 2 to 2"),
    ("keras.bernoulli_log_likelihood NaN logits",
     lambda: vk.bernoulli_log_likelihood(np.full((1, 784), np.nan), np.zeros((1, 784))),
     ValueError, r"logits must be finite, got 784 NaN"),
    ("keras.build_encoder latent_dim 0", lambda: vk.build_encoder(0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("keras.build_decoder hidden_dim 0", lambda: vk.build_decoder(2, hidden_dim=0), ValueError,
     "hidden_dim must be a positive integer, got 0"),
    ("keras.build_conv_encoder hidden_dim 2.5", lambda: vk.build_conv_encoder(2, hidden_dim=2.5), ValueError,
     "hidden_dim must be a positive integer, got 2.5"),
    ("keras.build_conv_decoder latent_dim 0", lambda: vk.build_conv_decoder(0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("keras.Sampling seed", lambda: vk.Sampling(seed=-1), ValueError, "seed must be a non-negative integer, got -1"),
    ("keras.VAE encoder", lambda: vk.VAE("encoder", vk.build_decoder(2, 8)), TypeError,
     "encoder must be a keras.Model"),
    ("keras.VAE.fit 0..255", lambda: keras_vae().fit(255 * DIGITS.numpy(), epochs=1, verbose=0), ValueError,
     r"x must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("keras.VAE.fit images", lambda: keras_vae().fit(DIGITS.numpy().reshape(4, 28, 28), epochs=1, verbose=0),
     ValueError, r"x must have shape \(N, 784\), got \(4, 28, 28\) \(flatten"),
    ("keras.VAE.fit validation_data", lambda: keras_vae().fit(DIGITS.numpy(), epochs=1, verbose=0,
                                                               validation_data=(255 * DIGITS.numpy(),)),
     ValueError, r"validation_data must hold pixel intensities in \[0, 1\]"),
    ("keras.VAE.fit epochs 0", lambda: keras_vae().fit(DIGITS.numpy(), epochs=0, verbose=0), ValueError,
     "epochs must be a positive integer, got 0"),
    ("keras.decoder_layers conv", lambda: vk.decoder_layers(vk.build_conv_decoder(2)), ValueError,
     "model's decoder must be an MLP"),
]


def test_the_table_is_long_enough():
    assert len(CASES) >= 60 + 100  # chapters 2-6, then issue 23's hundred for the rest
    assert len({case[0] for case in CASES}) == len(CASES)


@parametrize_rows(CASES)
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    assert_one_line_naming_the_argument(call, error, message)
