"""vaebook.vq: the quantizer against brute force, the straight-through gradient against its
definition, perplexity on known histograms, the codebook updates and the code prior."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaebook import vq


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    batch=st.integers(1, 4),
    positions=st.integers(1, 9),
    num_codes=st.integers(1, 12),
    dim=st.integers(1, 6),
)
def test_nearest_code_matches_brute_force(seed, batch, positions, num_codes, dim):
    generator = torch.Generator().manual_seed(seed)
    z_e = torch.randn(batch, positions, dim, generator=generator, dtype=torch.float64)
    codebook = torch.randn(num_codes, dim, generator=generator, dtype=torch.float64)
    codes = vq.nearest_code(z_e, codebook)
    assert codes.shape == (batch, positions) and codes.dtype == torch.int64
    for b in range(batch):
        for g in range(positions):
            distances = [float(((z_e[b, g] - e) ** 2).sum()) for e in codebook]
            best = min(distances)
            # ties (equal distances) may go either way; the chosen code must be a nearest one
            assert distances[int(codes[b, g])] <= best + 1e-9


def test_nearest_code_picks_the_code_itself():
    codebook = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    z_e = codebook[[2, 0, 1, 1]][None] + 0.01
    assert vq.nearest_code(z_e, codebook).tolist() == [[2, 0, 1, 1]]


def test_straight_through_gradient_is_the_identity_and_its_value_is_z_q():
    torch.manual_seed(0)
    z_e = torch.randn(3, 5, 4, requires_grad=True)
    z_q = torch.randn(3, 5, 4)
    out = vq.straight_through(z_e, z_q)
    assert torch.equal(out, z_e + (z_q - z_e))  # the value is z_q (up to rounding)
    torch.testing.assert_close(out, z_q)
    upstream = torch.randn(3, 5, 4)
    (out * upstream).sum().backward()
    # d out / d z_e = I: the upstream gradient arrives unchanged
    assert torch.equal(z_e.grad, upstream)


def test_vq_terms_send_each_gradient_to_one_side():
    z_e = torch.tensor([[[1.0, 2.0]]], requires_grad=True)
    z_q = torch.tensor([[[0.0, 0.0]]], requires_grad=True)
    terms = vq.vq_terms(z_e, z_q)
    assert terms["codebook"].item() == terms["commitment"].item() == 5.0
    terms["codebook"].backward(retain_graph=True)
    assert z_e.grad is None and z_q.grad.tolist() == [[[-2.0, -4.0]]]
    z_q.grad = None
    terms["commitment"].backward()
    assert z_q.grad is None and z_e.grad.tolist() == [[[2.0, 4.0]]]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([5, 5, 5, 5], 4.0),
        ([7, 0, 0, 0], 1.0),
        ([1, 1, 0, 0], 2.0),
        ([1, 3], math.exp(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))),
    ],
)
def test_perplexity_on_known_histograms(counts, expected):
    assert float(vq.code_perplexity(torch.tensor(counts))) == pytest.approx(expected)


def test_codebook_usage_counts_codes_that_occur():
    codes = torch.tensor([[0, 0, 1], [1, 3, 3]])
    usage = vq.codebook_usage(codes, 8)
    assert usage["used"] == 3
    assert usage["perplexity"] == pytest.approx(3.0)


def test_ema_update_moves_a_code_to_the_mean_of_its_outputs():
    torch.manual_seed(0)
    model = vq.VQVAE(num_codes=2, code_dim=2, ema=True, decay=0.5, restart=False)
    model.codebook.copy_(torch.tensor([[0.0, 0.0], [10.0, 10.0]]))
    model.ema_sum.copy_(model.codebook)
    model.ema_count.fill_(1.0)
    z_e = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [3.0, 3.0]]])  # all nearest to code 0
    codes = vq.nearest_code(z_e, model.codebook)
    model.update_codebook(z_e, codes)
    # count 0.5 * 1 + 0.5 * 4 = 2.5; sum 0.5 * 0 + 0.5 * 8 = 4 per coordinate
    torch.testing.assert_close(model.codebook[0], torch.tensor([4 / 2.5, 4 / 2.5]))
    torch.testing.assert_close(model.codebook[1], torch.tensor([10.0, 10.0]))


def test_a_dead_code_restarts_at_an_encoder_output():
    torch.manual_seed(0)
    model = vq.VQVAE(num_codes=3, code_dim=2, ema=False, restart=True)
    with torch.no_grad():
        model.codebook.copy_(torch.tensor([[0.0, 0.0], [50.0, 50.0], [-50.0, 50.0]]))
    model.usage.copy_(torch.tensor([1.0, 0.01, 1.0]))  # code 1 has died
    z_e = torch.tensor([[[0.1, 0.2], [0.3, 0.4], [0.1, 0.2], [0.3, 0.4]]])
    model.update_codebook(z_e, vq.nearest_code(z_e, model.codebook))
    assert any(torch.equal(model.codebook[1], row) for row in z_e[0])
    torch.testing.assert_close(model.codebook[2], torch.tensor([-50.0, 50.0]))


def test_vqvae_shapes_and_loss_terms():
    torch.manual_seed(0)
    x = (torch.rand(5, 784) < 0.5).float()
    for ema in (True, False):
        model = vq.VQVAE(num_codes=8, code_dim=4, width=4, ema=ema)
        logits, z_e, z_q, codes = model(x)
        assert logits.shape == (5, 784) and z_e.shape == z_q.shape == (5, vq.GRID**2, 4)
        assert codes.shape == (5, vq.GRID**2)
        terms = vq.vqvae_loss(model, x)
        expected = terms["recon"] + 0.25 * terms["commitment"]
        if not ema:
            expected = expected + terms["codebook"]
        torch.testing.assert_close(terms["loss"], expected)
        terms["loss"].backward()
        assert model.encoder[1].weight.grad is not None  # straight-through reached the encoder
        assert (model.codebook.grad is not None) == (not ema)


def test_evaluation_leaves_the_codebook_alone():
    torch.manual_seed(0)
    model = vq.VQVAE(num_codes=8, code_dim=4, width=4).eval()
    before = model.codebook.clone()
    vq.encode_codes(model, torch.rand(4, 784))
    model(torch.rand(4, 784))
    assert torch.equal(model.codebook, before)


def test_prior_is_causal():
    torch.manual_seed(0)
    prior = vq.CodePrior(num_codes=5, positions=6, dim=8, layers=1, heads=2).eval()
    codes = torch.randint(5, (2, 6))
    changed = codes.clone()
    changed[:, 3] = (changed[:, 3] + 1) % 5
    a, b = prior(codes), prior(changed)
    # position g sees codes before g only: logits at 0..3 are unchanged, 4 and 5 change
    torch.testing.assert_close(a[:, :4], b[:, :4])
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_prior_loss_is_minus_log_probability_of_the_grid():
    torch.manual_seed(0)
    prior = vq.CodePrior(num_codes=4, positions=3, dim=8, layers=1, heads=2)
    codes = torch.tensor([[1, 2, 3]])
    log_p = torch.log_softmax(prior(codes), -1)[0]
    expected = -(log_p[0, 1] + log_p[1, 2] + log_p[2, 3])
    torch.testing.assert_close(vq.prior_loss(prior, codes)["loss"], expected)


def test_an_untrained_prior_is_near_uniform_and_sampling_is_seeded():
    torch.manual_seed(0)
    prior = vq.CodePrior(num_codes=4, positions=5, dim=8, layers=1, heads=2)
    codes = vq.sample_codes(prior, 50, seed=3)
    assert codes.shape == (50, 5) and int(codes.min()) >= 0 and int(codes.max()) < 4
    assert torch.equal(codes, vq.sample_codes(prior, 50, seed=3))
    nll = vq.prior_loss(prior, codes)["loss"].item()
    assert abs(nll - 5 * math.log(4)) < 1.0


def test_the_bound_adds_prior_and_reconstruction():
    torch.manual_seed(0)
    model = vq.VQVAE(num_codes=8, code_dim=4, width=4)
    prior = vq.CodePrior(num_codes=8, positions=vq.GRID**2, dim=8, layers=1, heads=2)
    x = (torch.rand(6, 784) < 0.3).float()
    parts = vq.negative_log_likelihood_bound(model, prior, x, batch_size=4)
    torch.testing.assert_close(parts["bound"], parts["prior"] + parts["recon"])
    codes = vq.encode_codes(model, x)
    torch.testing.assert_close(parts["prior"].mean(), vq.prior_loss(prior, codes)["loss"])
    assert bool((parts["recon"] > 0).all())
