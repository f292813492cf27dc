"""A reader's first mistakes, one row each: every public function answers a bad input with
one clear line that names the argument, instead of a number or a deep traceback.

Each row: (id, the call, the exception type, a pattern the message must match; the
pattern starts with the argument's name).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from vaebook import data, elbo, plots, training, widgets  # noqa: E402
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


def _fit(x, **kwargs):
    kwargs.setdefault("epochs", 1)
    return training.fit(kwargs.pop("model", linear()), kwargs.pop("loss_fn", squared), x,
                        progress=False, **kwargs)


CASES = [
    # vaebook.elbo ------------------------------------------------------------------------
    ("kl numpy mu", lambda: elbo.kl_diag_gaussian(MU.numpy(), LOG_VAR), TypeError,
     r"mu must be a torch.Tensor of shape \(batch, latent_dim\), got ndarray"),
    ("kl numpy log_var", lambda: elbo.kl_diag_gaussian(MU, LOG_VAR.numpy()), TypeError, "log_var must be a torch.Tensor"),
    ("kl list mu", lambda: elbo.kl_diag_gaussian([[0.0, 0.0]], LOG_VAR), TypeError, "mu must be a torch.Tensor"),
    ("kl shapes", lambda: elbo.kl_diag_gaussian(torch.zeros(128, 2), torch.zeros(128, 20)), ValueError,
     r"mu and log_var must have the same shape, got \(128, 2\) and \(128, 20\)"),
    ("reparameterize shapes", lambda: elbo.reparameterize(MU, torch.zeros(4, 3)), ValueError,
     "mu and log_var must have the same shape"),
    ("bernoulli numpy x", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(\.\.\., D\), got ndarray"),
    ("bernoulli numpy logits", lambda: elbo.bernoulli_log_likelihood(LOGITS.numpy(), GOOD), TypeError,
     "logits must be a torch.Tensor"),
    ("bernoulli shapes", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.view(4, 28, 28)), ValueError,
     r"logits and x must have the same shape, got \(4, 784\) and \(4, 28, 28\)"),
    ("bernoulli float64 x", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD.double()), ValueError,
     "x must have the dtype of logits, torch.float32, got torch.float64"),
    ("bernoulli 0..255", lambda: elbo.bernoulli_log_likelihood(LOGITS, 255 * DIGITS), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from .* \(divide 0..255 digits by 255\)"),
    ("bernoulli x = 2", lambda: elbo.bernoulli_log_likelihood(LOGITS, GOOD + 1), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from 1 to 2"),
    ("bernoulli NaN x", lambda: elbo.bernoulli_log_likelihood(LOGITS, nan_like(GOOD)), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got NaN"),
    ("log_normal numpy z", lambda: elbo.log_normal_diag(MU.numpy(), MU, LOG_VAR), TypeError, "z must be a torch.Tensor"),
    ("log_normal numpy mu", lambda: elbo.log_normal_diag(MU, MU.numpy(), LOG_VAR), TypeError, "mu must be a torch.Tensor"),
    ("log_normal numpy log_var", lambda: elbo.log_normal_diag(MU, MU, 0.0), TypeError,
     "log_var must be a torch.Tensor"),
    ("iwae K = 0", lambda: elbo.iwae_log_likelihood(*[torch.zeros(0, 3)] * 3, num_samples=1), ValueError,
     r"log_px_given_z must have shape \(K, batch\) with K >= 1 samples, got \(0, 3\)"),
    ("iwae transposed", lambda: elbo.iwae_log_likelihood(LOG_W.T, LOG_W.T, LOG_W.T, num_samples=8), ValueError,
     r"log_px_given_z must have shape \(K, batch\) with K = num_samples = 8 samples first, got \(3, 8\)"),
    ("iwae 1-D", lambda: elbo.iwae_log_likelihood(*[torch.zeros(8)] * 3, num_samples=8), ValueError,
     r"log_px_given_z, log_pz and log_qz must all have shape \(K, batch\), got \(8,\)"),
    ("iwae shapes", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W[:4], num_samples=8), ValueError,
     r"log_px_given_z, log_pz and log_qz must all have shape \(K, batch\)"),
    ("iwae numpy", lambda: elbo.iwae_log_likelihood(LOG_W.numpy(), LOG_W, LOG_W, num_samples=8), TypeError,
     "log_px_given_z must be a torch.Tensor"),
    ("iwae numpy log_qz", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W.numpy(), num_samples=8), TypeError,
     "log_qz must be a torch.Tensor"),
    ("iwae NaN", lambda: elbo.iwae_log_likelihood(LOG_W, nan_like(LOG_W), LOG_W, num_samples=8), ValueError,
     r"log_pz must not hold NaN, got 1 NaN value\(s\)"),
    ("iwae no num_samples", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W), TypeError,
     r"iwae_log_likelihood\(\) missing 1 required keyword-only argument: 'num_samples'"),
    # a NaN or infinite result is refused, naming the input that caused it
    ("kl NaN mu", lambda: elbo.kl_diag_gaussian(nan_like(MU), LOG_VAR), ValueError,
     r"mu must be finite, got 1 NaN or infinite value\(s\)"),
    ("kl inf log_var", lambda: elbo.kl_diag_gaussian(MU, torch.full_like(LOG_VAR, float("inf"))), ValueError,
     r"log_var must be finite, got 8 NaN or infinite value\(s\)"),
    ("kl overflow", lambda: elbo.kl_diag_gaussian(MU, torch.full_like(LOG_VAR, 100.0)), ValueError,
     r"mu, log_var are finite but gave a NaN or infinite result \(overflow\)"),
    ("reparameterize NaN log_var", lambda: elbo.reparameterize(MU, nan_like(LOG_VAR)), ValueError,
     r"log_var must be finite, got 1 NaN or infinite value\(s\)"),
    ("bernoulli NaN logits", lambda: elbo.bernoulli_log_likelihood(nan_like(LOGITS), GOOD), ValueError,
     r"logits must be finite, got 1 NaN or infinite value\(s\)"),
    ("log_normal NaN z", lambda: elbo.log_normal_diag(nan_like(MU), MU, LOG_VAR), ValueError,
     r"z must be finite, got 1 NaN or infinite value\(s\)"),
    ("iwae num_samples 0", lambda: elbo.iwae_log_likelihood(LOG_W, LOG_W, LOG_W, num_samples=0), ValueError,
     "num_samples must be a positive integer, got 0"),
    # vaebook.linear_gaussian -------------------------------------------------------------
    ("ppca N < D", lambda: fit_ppca(torch.randn(5, 10, dtype=torch.float64), 2), ValueError,
     r"x must have more rows than columns \(N > D\) for a full-rank covariance, got \(N, D\) = \(5, 10\)"),
    ("ppca N = D", lambda: fit_ppca(torch.randn(10, 10, dtype=torch.float64), 2), ValueError,
     r"x must have more rows than columns \(N > D\)"),
    ("ppca numpy", lambda: fit_ppca(np.zeros((20, 5)), 2), TypeError, "x must be a torch.Tensor"),
    ("ppca NaN", lambda: fit_ppca(nan_like(torch.randn(20, 5, dtype=torch.float64)), 2), ValueError,
     r"x must be finite, got 1 NaN or infinite value\(s\)"),
    ("ppca 1-D", lambda: fit_ppca(torch.randn(20, dtype=torch.float64), 2), ValueError,
     r"x must be a torch.Tensor of shape \(N, D\) with N >= 1, got \(20,\)"),
    ("ppca integer x", lambda: fit_ppca(torch.zeros(20, 5, dtype=torch.int64), 2), TypeError,
     "x must be a floating tensor"),
    ("ppca latent_dim 0", lambda: fit_ppca(torch.randn(20, 5, dtype=torch.float64), 0), ValueError,
     r"latent_dim must be an integer in \[1, 4\], got 0"),
    ("LinearGaussian numpy W", lambda: LinearGaussian(LG.W.numpy(), LG.b, LG.psi_diag), TypeError,
     "W must be a torch.Tensor, got ndarray"),
    ("LinearGaussian psi < 0", lambda: LinearGaussian(LG.W, LG.b, -LG.psi_diag), ValueError,
     "psi_diag must be positive"),
    ("LinearGaussian psi = 0", lambda: LinearGaussian(LG.W, LG.b, 0 * LG.psi_diag), ValueError,
     "psi_diag must be positive .*got a minimum of 0"),
    ("LinearGaussian NaN W", lambda: LinearGaussian(nan_like(LG.W), LG.b, LG.psi_diag), ValueError,
     "W must be finite"),
    ("log_marginal wrong D", lambda: LG.log_marginal(torch.zeros(3, 4, dtype=torch.float64)), ValueError,
     r"x must be a tensor of shape \(N, 5\), got \(3, 4\)"),
    ("log_marginal numpy", lambda: LG.log_marginal(X5.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 5\), got ndarray"),
    ("log_marginal NaN", lambda: LG.log_marginal(nan_like(X5)), ValueError, "x must be finite"),
    ("log_likelihood z wrong d", lambda: LG.log_likelihood(X5, torch.zeros(3, 3, dtype=torch.float64)), ValueError,
     r"z must have shape \(\.\.\., 3, 2\), got \(3, 3\)"),
    ("log_likelihood numpy z", lambda: LG.log_likelihood(X5, np.zeros((3, 2))), TypeError, "z must be a torch.Tensor"),
    ("posterior wrong D", lambda: LG.posterior(torch.zeros(3, 6, dtype=torch.float64)), ValueError,
     r"x must be a tensor of shape \(N, 5\)"),
    ("sample n = 0", lambda: LG.sample(0, seed=0), ValueError, "n must be a positive integer, got 0"),
    # vaebook.torch -----------------------------------------------------------------------
    ("estimate 0..255", lambda: vt.estimate_log_px(MODEL, torch.round(255 * DIGITS), num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got values from .* \(divide 0..255 digits by 255\)"),
    ("estimate x = 2", lambda: vt.estimate_log_px(MODEL, GOOD + 1, num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\]"),
    ("estimate NaN", lambda: vt.estimate_log_px(MODEL, nan_like(DIGITS), num_samples=2), ValueError,
     r"x must hold pixel intensities in \[0, 1\], got NaN or infinity"),
    ("estimate float64 digits", lambda: vt.estimate_log_px(MODEL, DIGITS.double(), num_samples=2), ValueError,
     r"x must have the model's dtype torch.float32, got torch.float64"),
    ("estimate numpy", lambda: vt.estimate_log_px(MODEL, DIGITS.numpy()), TypeError,
     r"x must be a torch.Tensor of shape \(N, 784\), got ndarray \(convert it with torch.from_numpy\)"),
    ("estimate images", lambda: vt.estimate_log_px(MODEL, DIGITS.view(4, 28, 28)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(4, 28, 28\)"),
    ("estimate no digits", lambda: vt.estimate_log_px(MODEL, torch.zeros(0, 784)), ValueError,
     r"x must be a torch.Tensor of shape \(N, 784\) with N >= 1, got \(0, 784\)"),
    ("estimate uint8", lambda: vt.estimate_log_px(MODEL, torch.zeros(4, 784, dtype=torch.uint8)), TypeError,
     "x must be a floating tensor"),
    ("estimate K = 0", lambda: vt.estimate_log_px(MODEL, GOOD, num_samples=0), ValueError,
     "num_samples must be a positive integer, got 0"),
    ("estimate not a model", lambda: vt.estimate_log_px("vae", GOOD), TypeError,
     "model must be a torch.nn.Module, got str"),
    ("VAE latent_dim 0", lambda: vt.VAE(latent_dim=0), ValueError, "latent_dim must be a positive integer, got 0"),
    ("ConvVAE hidden_dim", lambda: vt.ConvVAE(hidden_dim=2.5), ValueError, "hidden_dim must be a positive integer"),
    ("numpy_decoder not a model", lambda: vt.numpy_decoder(lambda z: z), TypeError, "model must be a torch.nn.Module"),
    ("numpy_decoder NaN z", lambda: vt.numpy_decoder(MODEL)(np.full((1, 2), np.nan)), ValueError,
     r"z must be finite, got 2 NaN"),
    ("decoder_layers not a model", lambda: vt.decoder_layers(3), TypeError, "model must be a VAE"),
    # vaebook.training --------------------------------------------------------------------
    ("fit 0..255", lambda: _fit(255 * DIGITS), ValueError,
     r"x_train must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("fit NaN x_val", lambda: _fit(DIGITS, x_val=nan_like(DIGITS)), ValueError, "x_val must hold pixel intensities"),
    ("fit numpy", lambda: _fit(DIGITS.numpy()), TypeError, r"x_train must be a torch.Tensor of shape \(N, \.\.\.\)"),
    ("fit numpy x_val", lambda: _fit(DIGITS, x_val=DIGITS.numpy()), TypeError, "x_val must be a torch.Tensor"),
    ("fit float64 digits", lambda: _fit(DIGITS.double()), ValueError,
     r"x_train must have the model's dtype torch.float32, got torch.float64 \(use x.to"),
    ("fit wrong device", lambda: _fit(DIGITS.to("meta")), ValueError, "x_train must be on the model's device"),
    ("fit epochs 0", lambda: _fit(DIGITS, epochs=0), ValueError, "epochs must be a positive integer, got 0"),
    ("fit loss_fn", lambda: _fit(DIGITS, loss_fn="elbo"), TypeError, "loss_fn must be a callable"),
    ("fit model", lambda: _fit(DIGITS, model=lambda x: x), TypeError, "model must be a torch.nn.Module, got function"),
    ("fit transform", lambda: _fit(DIGITS, transform=1), TypeError, "transform must be a callable"),
    ("fit lr", lambda: _fit(DIGITS, lr=-1.0), ValueError, "lr must be a non-negative number, got -1.0"),
    ("fit no rows", lambda: _fit(torch.zeros(0, 784)), ValueError, r"x_train must have shape \(N, \.\.\.\) with N >= 1"),
    ("fit NaN, not pixels", lambda: _fit(nan_like(DIGITS), pixels=False), ValueError, "x_train must be finite"),
    ("evaluate 0..255", lambda: training.evaluate(linear(), squared, 255 * DIGITS), ValueError,
     r"x must hold pixel intensities in \[0, 1\]"),
    ("evaluate batch_size 0", lambda: training.evaluate(linear(), squared, DIGITS, batch_size=0), ValueError,
     "batch_size must be a positive integer, got 0"),
    ("evaluate float64", lambda: training.evaluate(MODEL, vt.vae_loss, DIGITS.double()), ValueError,
     "x must have the model's dtype"),
    # vaebook.data ------------------------------------------------------------------------
    ("load_mnist split", lambda: data.load_mnist("validation"), ValueError, "split must be 'train' or 'test'"),
    ("load_mnist subset 0", lambda: data.load_mnist(subset=0), ValueError, "subset must be a positive integer"),
    ("load_mnist scaled", lambda: data.load_mnist(scaled="yes"), TypeError, "scaled must be True or False"),
    ("load_mnist seed", lambda: data.load_mnist(seed=0.5), TypeError, "seed must be an integer"),
    ("binarize 0..255", lambda: data.binarize(255.0 * DIGITS.numpy(), seed=0), ValueError,
     r"images01 must have values in \[0, 1\]"),
    ("binarize NaN", lambda: data.binarize(np.array([np.nan, 0.5]), seed=0), ValueError,
     r"images01 must have values in \[0, 1\]"),
    ("binarize uint8", lambda: data.binarize(np.zeros(4, np.uint8), seed=0), TypeError,
     "images01 must be a float array"),
    ("binarize seed", lambda: data.binarize(DIGITS.numpy(), seed=1.5), TypeError, "seed must be an integer"),
    # vaebook.plots -----------------------------------------------------------------------
    ("image_grid 0..255", lambda: plots.image_grid(255 * DIGITS.numpy()), ValueError,
     r"images must hold intensities in \[0, 1\] \(divide uint8 pixels by 255\)"),
    ("image_grid NaN", lambda: plots.image_grid(nan_like(DIGITS).numpy()), ValueError, "images must hold intensities"),
    ("image_grid shape", lambda: plots.image_grid(np.zeros((3, 27, 27))), ValueError,
     r"images must have shape \(n, 28, 28\) or \(n, 784\)"),
    ("latent_scatter (n, 3)", lambda: plots.latent_scatter(np.zeros((5, 3)), None), ValueError,
     r"z must have shape \(n, 2\)"),
    ("latent_scatter NaN", lambda: plots.latent_scatter(np.full((5, 2), np.nan), None), ValueError,
     "z must be finite"),
    ("latent_scatter labels", lambda: plots.latent_scatter(np.zeros((2, 2)), np.array([3, 10])), ValueError,
     "labels must be integer digits 0..9"),
    ("latent_manifold decode", lambda: plots.latent_manifold(np.zeros((2, 2))), TypeError,
     "decode must be a callable"),
    ("latent_manifold images", lambda: plots.latent_manifold(lambda z: 255 * np.ones((len(z), 784)), n=2),
     ValueError, r"decode\(z\) must hold intensities in \[0, 1\]"),
    ("normal_quantile_grid limit", lambda: plots.normal_quantile_grid(5, limit=1.5), ValueError,
     r"limit must be a probability in \(0.5, 1\)"),
    ("learning_curves keys", lambda: plots.learning_curves({"loss": [1.0]}, keys="loss"), TypeError,
     "keys must be a list of history keys"),
    # vaebook.widgets ---------------------------------------------------------------------
    ("sliders decode", lambda: widgets.latent_sliders(None, 2), TypeError, "decode must be a callable"),
    ("sliders latent_dim", lambda: widgets.latent_sliders(blank, 0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("sliders NaN start_codes", lambda: widgets.latent_sliders(blank, 2, start_codes=np.full((3, 2), np.nan)),
     ValueError, "start_codes must be finite"),
    ("sliders start_codes shape", lambda: widgets.latent_sliders(blank, 2, start_codes=np.zeros((3, 5))),
     ValueError, r"start_codes must have shape \(n, 2\)"),
    ("sliders set_code NaN", lambda: widgets.latent_sliders(blank, 2).set_code(np.array([np.nan, 0.0])),
     ValueError, "z must be finite"),
    ("png_bytes NaN", lambda: widgets.png_bytes(np.full((2, 2), np.nan)), ValueError, "image must be finite"),
    ("png_bytes 1-D", lambda: widgets.png_bytes(np.zeros(4)), ValueError, r"image must have shape \(height, width\)"),
    # vaebook.keras -----------------------------------------------------------------------
    ("keras bernoulli shapes", lambda: vk.bernoulli_log_likelihood(np.zeros((4, 784)), np.zeros((4, 28, 28))),
     ValueError, r"logits and x must have the same shape, got \(4, 784\) and \(4, 28, 28\)"),
    ("keras bernoulli list", lambda: vk.bernoulli_log_likelihood([0.0], np.zeros(1)), TypeError,
     "logits must be an array or tensor"),
    ("keras kl shapes", lambda: vk.kl_diag_gaussian(np.zeros((4, 2)), np.zeros((4, 3))), ValueError,
     r"mu and log_var must have the same shape, got \(4, 2\) and \(4, 3\)"),
    ("keras kl list", lambda: vk.kl_diag_gaussian([[0.0]], np.zeros((1, 1))), TypeError,
     "mu must be an array or tensor"),
    ("keras build latent_dim", lambda: vk.build_mlp_vae(latent_dim=0), ValueError,
     "latent_dim must be a positive integer, got 0"),
    ("keras build seed", lambda: vk.build_conv_vae(seed=-1), ValueError, "seed must be a non-negative integer"),
    ("keras decoder_layers", lambda: vk.decoder_layers("decoder"), TypeError, "model must be a VAE or a Keras"),
]


def test_the_table_is_long_enough():
    assert len(CASES) >= 60
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message) as caught:
        call()
    text = str(caught.value)
    assert "\n" not in text
    assert message.split()[0].replace("\\", "") in text  # the argument's name
