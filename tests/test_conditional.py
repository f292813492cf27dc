"""The conditional VAE: one-hot packing, the model and its loss, log p(x | y), clear errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from vaebook import conditional as vc
from vaebook.elbo import bernoulli_log_likelihood, kl_diag_gaussian
from vaebook.torch import PIXELS, VAE, binarize_epoch, estimate_log_px
from vaebook.training import fit


@pytest.fixture
def model():
    torch.manual_seed(0)
    return vc.ConditionalVAE(latent_dim=4, hidden_dim=16)


@pytest.fixture
def x():
    return (torch.rand(12, PIXELS, generator=torch.Generator().manual_seed(1)) < 0.3).float()


LABELS = np.arange(12) % 10


def test_one_hot_and_pack_labels_put_the_label_after_the_pixels(x):
    y = vc.one_hot(LABELS)
    assert y.shape == (12, 10) and y.dtype == torch.float32
    assert torch.equal(y.argmax(1), torch.as_tensor(LABELS))
    assert torch.equal(y.sum(1), torch.ones(12))
    xy = vc.pack_labels(x, torch.as_tensor(LABELS))
    assert xy.shape == (12, PIXELS + 10)
    assert torch.equal(xy[:, :PIXELS], x) and torch.equal(xy[:, PIXELS:], y)


def test_the_epoch_binarization_keeps_the_one_hot_columns():
    grey = torch.rand(500, PIXELS, generator=torch.Generator().manual_seed(2))
    xy = vc.pack_labels(grey, np.arange(500) % 10)
    binary = binarize_epoch(xy, torch.Generator().manual_seed(0))
    assert torch.equal(binary[:, PIXELS:], xy[:, PIXELS:])
    assert set(binary[:, :PIXELS].unique().tolist()) == {0.0, 1.0}


def test_loss_is_recon_plus_kl_and_the_label_changes_the_digit(model, x):
    xy = vc.pack_labels(x, LABELS)
    torch.manual_seed(0)
    terms = vc.cvae_loss(model, xy)
    torch.manual_seed(0)
    logits, mu, log_var = model(xy)
    assert logits.shape == (12, PIXELS) and mu.shape == (12, 4)
    torch.testing.assert_close(terms["recon"], -bernoulli_log_likelihood(logits, x).mean())
    torch.testing.assert_close(terms["kl"], kl_diag_gaussian(mu, log_var).mean())
    torch.testing.assert_close(terms["loss"], terms["recon"] + terms["kl"])
    z = torch.zeros(2, 4)
    with torch.no_grad():
        as_0, as_1 = model.decode(z, vc.one_hot([0, 1]))
    assert not torch.allclose(as_0, as_1)


def test_the_estimate_is_chapter_6s_when_the_label_is_ignored(x):
    """A conditional VAE whose label weights are zero is a VAE: same draws, same numbers."""
    torch.manual_seed(0)
    vae = VAE(latent_dim=4, hidden_dim=16)
    cvae = vc.ConditionalVAE(latent_dim=4, hidden_dim=16)
    with torch.no_grad():
        for ours, theirs in ((cvae.encoder[0], vae.encoder[0]), (cvae.decoder[0], vae.decoder[0])):
            ours.weight.zero_()
            ours.weight[:, : theirs.in_features] = theirs.weight
            ours.bias.copy_(theirs.bias)
        for name in ("mu", "log_var"):
            getattr(cvae, name).load_state_dict(getattr(vae, name).state_dict())
        cvae.decoder[2].load_state_dict(vae.decoder[2].state_dict())
    xy = vc.pack_labels(x, LABELS)
    labels = torch.as_tensor(LABELS)
    for k in (1, 50):
        got = vc.estimate_log_px_given_y(cvae, xy, num_samples=k, seed=3)
        for label in labels.unique().tolist():  # label y draws with seed 3 + y
            rows = labels == label
            expected = estimate_log_px(vae, x[rows], num_samples=k, seed=3 + label)
            torch.testing.assert_close(got[rows], expected)


def test_the_estimate_leaves_the_model_in_the_mode_it_found(model, x):
    xy = vc.pack_labels(x, LABELS)
    for training in (True, False):
        model.train(training)
        vc.estimate_log_px_given_y(model, xy, num_samples=2)
        assert model.training is training


def test_the_estimate_rises_with_more_samples_and_repeats_with_a_seed(model, x):
    xy = vc.pack_labels(x, LABELS)
    one = vc.estimate_log_px_given_y(model, xy, num_samples=1, seed=0)
    many = vc.estimate_log_px_given_y(model, xy, num_samples=200, seed=0)
    assert many.shape == (12,) and many.mean() > one.mean()
    again = vc.estimate_log_px_given_y(model, xy, num_samples=200, seed=0)
    assert torch.equal(many, again)


def test_fit_trains_the_conditional_model_on_packed_rows(model, x):
    xy = vc.pack_labels(x, LABELS)
    history = fit(model, vc.cvae_loss, xy, epochs=2, batch_size=4, seed=0, progress=False,
                  transform=binarize_epoch)
    assert len(history["train_loss"]) == 2


def test_label_decoder_and_its_layers_agree(model):
    z = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for label in (0, 7):
        images = vc.label_decoder(model, label)(z)
        assert images.shape == (5, 28, 28)
        h = z
        for weight, bias, activation in vc.label_decoder_layers(model, label):
            h = h @ weight + bias
            h = np.maximum(h, 0) if activation == "relu" else h
        np.testing.assert_allclose(1 / (1 + np.exp(-h)).reshape(-1, 28, 28), images, atol=1e-5)


def test_the_label_helpers_take_a_chapters_copy_of_the_class():
    """Chapter 8 shows ConditionalVAE and trains its models from that copy, a class of
    the same name but not the companion's: the helpers take it and refuse a plain VAE."""
    namespace = dict(vars(vc))
    exec(inspect.getsource(vc.ConditionalVAE), namespace)  # the chapter's cell
    copy = namespace["ConditionalVAE"]
    assert copy is not vc.ConditionalVAE
    torch.manual_seed(0)
    model = copy(latent_dim=3, hidden_dim=8)
    assert vc.label_decoder(model, 4)(np.zeros((2, 3), np.float32)).shape == (2, 28, 28)
    assert len(vc.label_decoder_layers(model, 4)) == 2
    xy = vc.pack_labels(torch.zeros(2, PIXELS), [1, 2])
    assert vc.estimate_log_px_given_y(model, xy, num_samples=2).shape == (2,)
    with pytest.raises(TypeError, match="model must be a ConditionalVAE, got VAE"):
        vc.label_decoder(VAE(3, 8), 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, x: vc.one_hot([0, 10]), "labels must lie in [0, 10), got values from 0 to 10"),
        (lambda m, x: vc.one_hot([-1, 3]), "labels must lie in [0, 10)"),
        (lambda m, x: vc.one_hot([0.5, 1.0]), "labels must be a 1-D array of integers"),
        (lambda m, x: vc.one_hot([[1, 2]]), "labels must be a 1-D array of integers"),
        (lambda m, x: vc.pack_labels(x, LABELS[:5]), "labels must have one entry per row of x (12), got 5"),
        (lambda m, x: vc.pack_labels(x[:, :100], LABELS), "x must be a torch.Tensor of shape (N, 784)"),
        (lambda m, x: vc.pack_labels(x.numpy(), LABELS), "x must be a torch.Tensor"),
        (lambda m, x: vc.estimate_log_px_given_y(m, x), "xy must be a torch.Tensor of shape (N, 794)"),
        (lambda m, x: vc.estimate_log_px_given_y(m, vc.pack_labels(x, LABELS), num_samples=0),
         "num_samples must be a positive integer"),
        (lambda m, x: vc.label_decoder(m, 10), "label must be an integer in [0, 10), got 10"),
        (lambda m, x: vc.label_decoder_layers(m, True), "label must be an integer in [0, 10)"),
        (lambda m, x: vc.ConditionalVAE(latent_dim=0), "latent_dim must be a positive integer"),
    ],
)
def test_bad_input_gets_a_one_line_error_naming_the_argument(model, x, call, message):
    with pytest.raises((ValueError, TypeError)) as error:  # TypeError: wrong kind
        call(model, x)
    assert message in str(error.value) and "\n" not in str(error.value)
