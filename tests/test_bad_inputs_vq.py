"""Bad inputs to vaebook.vq: each public function refuses them with one line that names the
argument (issue 23's rule; the coverage test walks every public name)."""

from __future__ import annotations

import numpy as np
import torch

from tests.bad_input_rows import assert_one_line_naming_the_argument, parametrize_rows
from vaebook import vq

codebook = torch.randn(8, 4)
z_e = torch.randn(2, 9, 4)
grid = torch.zeros(2, 9, dtype=torch.long)
nan_z = torch.full((2, 9, 4), float("nan"))


def small_model() -> vq.VQVAE:
    return vq.VQVAE(num_codes=8, code_dim=4, width=4)


def small_prior() -> vq.CodePrior:
    return vq.CodePrior(num_codes=8, positions=49, dim=8, layers=1, heads=2)


CASES = [
    # checks ------------------------------------------------------------------------------
    ("vq.check_vectors numpy", lambda: vq.check_vectors("z", np.zeros((2, 4))), TypeError,
     r"z must be a torch.Tensor"),
    ("vq.check_vectors NaN", lambda: vq.check_vectors("z", nan_z), ValueError, "z must be finite"),
    ("vq.check_vectors integer", lambda: vq.check_vectors("z", torch.zeros(2, 4, dtype=torch.long)),
     TypeError, "z must be a floating tensor"),
    ("vq.check_codebook 1-D", lambda: vq.check_codebook("codebook", torch.zeros(4)), ValueError,
     r"codebook must have shape \(V, d\)"),
    ("vq.check_code_grid float", lambda: vq.check_code_grid("codes", torch.zeros(2, 9), 8), TypeError,
     "codes must be an integer tensor"),
    ("vq.check_code_grid range", lambda: vq.check_code_grid("codes", grid + 8, 8), ValueError,
     r"codes must hold code indices in \[0, 8\), got 8 to 8"),
    ("vq.check_code_grid too long", lambda: vq.check_code_grid("codes", grid, 8, positions=4), ValueError,
     r"codes must have shape \(B, G\) with B, G >= 1 and G <= 4"),
    ("vq.check_pair shapes", lambda: vq.check_pair(z_e, z_e[:1]), ValueError,
     r"z_q must have the shape of z_e"),
    ("vq.check_counts negative", lambda: vq.check_counts("counts", torch.tensor([1.0, -1.0])), ValueError,
     "counts must be finite, non-negative"),
    ("vq.check_batch width", lambda: vq.check_batch("x", torch.zeros(3, 10), 784), ValueError,
     r"x must have shape \(N, 784\)"),
    ("vq.check_grid_vectors not square", lambda: vq.check_grid_vectors("z_q", torch.zeros(2, 8, 4), 4),
     ValueError, r"z_q must have shape \(B, G, 4\) with G a square"),
    ("vq.check_kappa negative", lambda: vq.check_kappa(-0.1), ValueError, "kappa must be a finite number >= 0"),
    ("vq.check_rates decay", lambda: vq.check_rates(1.0, 0.03), ValueError, r"decay must be a number in \(0, 1\)"),
    ("vq.check_assignments shapes", lambda: vq.check_assignments(z_e, grid[:1], codebook), ValueError,
     r"codes must have shape \(2, 9\)"),
    # the quantizer -----------------------------------------------------------------------
    ("vq.nearest_code width", lambda: vq.nearest_code(torch.randn(2, 9, 3), codebook), ValueError,
     r"z_e must have shape \(\.\.\., 4\)"),
    ("vq.nearest_code NaN", lambda: vq.nearest_code(nan_z, codebook), ValueError, "z_e must be finite"),
    ("vq.nearest_code codebook", lambda: vq.nearest_code(z_e, codebook.numpy()), TypeError,
     "codebook must be a torch.Tensor"),
    ("vq.straight_through shapes", lambda: vq.straight_through(z_e, z_e[0]), ValueError,
     "z_q must have the shape of z_e"),
    ("vq.straight_through NaN", lambda: vq.straight_through(nan_z, z_e), ValueError, "z_e must be finite"),
    ("vq.vq_terms NaN", lambda: vq.vq_terms(z_e, nan_z), ValueError, "z_q must be finite"),
    ("vq.code_perplexity zeros", lambda: vq.code_perplexity(torch.zeros(4)), ValueError,
     "counts must be finite, non-negative and not all zero"),
    ("vq.code_perplexity 2-D", lambda: vq.code_perplexity(torch.ones(2, 2)), ValueError,
     r"counts must have shape \(V,\)"),
    ("vq.code_perplexity list", lambda: vq.code_perplexity([1, 2]), TypeError, "counts must be a torch.Tensor"),
    # the model ---------------------------------------------------------------------------
    ("vq.VQVAE num_codes", lambda: vq.VQVAE(num_codes=0), ValueError, "num_codes must be a positive integer"),
    ("vq.VQVAE decay", lambda: vq.VQVAE(decay=1.5), ValueError, r"decay must be a number in \(0, 1\)"),
    ("vq.VQVAE dead_below", lambda: vq.VQVAE(dead_below=-1.0), ValueError,
     "dead_below must be a finite number >= 0"),
    ("vq.VQVAE.encode width", lambda: small_model().encode(torch.zeros(2, 28, 28)), ValueError,
     r"x must have shape \(N, 784\)"),
    ("vq.VQVAE.forward numpy", lambda: small_model()(np.zeros((2, 784))), TypeError,
     "x must be a torch.Tensor"),
    ("vq.VQVAE.decode not square", lambda: small_model().decode(torch.zeros(2, 48, 4)), ValueError,
     r"z_q must have shape \(B, G, 4\) with G a square"),
    ("vq.VQVAE.decode_codes range", lambda: small_model().decode_codes(torch.full((2, 49), 8)), ValueError,
     r"codes must hold code indices in \[0, 8\)"),
    ("vq.VQVAE.update_codebook shapes",
     lambda: small_model().update_codebook(torch.zeros(2, 49, 4), torch.zeros(2, 9, dtype=torch.long)),
     ValueError, r"codes must have shape \(2, 49\)"),
    ("vq.vqvae_loss kappa", lambda: vq.vqvae_loss(small_model(), torch.zeros(2, 784), kappa=-1.0), ValueError,
     "kappa must be a finite number >= 0"),
    ("vq.vqvae_loss x", lambda: vq.vqvae_loss(small_model(), torch.zeros(2, 10)), ValueError,
     r"x must have shape \(N, 784\)"),
    # the prior ---------------------------------------------------------------------------
    ("vq.CodePrior dim", lambda: vq.CodePrior(dim=0), ValueError, "dim must be a positive integer"),
    ("vq.CodePrior.forward float", lambda: small_prior()(torch.zeros(2, 49)), TypeError,
     "codes must be an integer tensor"),
    ("vq.CodePrior.forward too long", lambda: small_prior()(torch.zeros(2, 50, dtype=torch.long)), ValueError,
     r"codes must have shape \(B, G\) with B, G >= 1 and G <= 49"),
    ("vq.prior_loss range", lambda: vq.prior_loss(small_prior(), torch.full((2, 49), 9)), ValueError,
     r"codes must hold code indices in \[0, 8\)"),
    ("vq.sample_codes n", lambda: vq.sample_codes(small_prior(), 0), ValueError, "n must be a positive integer"),
    ("vq.sample_codes prior", lambda: vq.sample_codes("prior", 3), TypeError, "prior must be a torch.nn.Module"),
    # helpers over data sets --------------------------------------------------------------
    ("vq.encode_codes grey > 1", lambda: vq.encode_codes(small_model(), torch.full((2, 784), 255.0)),
     ValueError, r"x must hold pixel intensities in \[0, 1\].*divide"),
    ("vq.encode_codes model", lambda: vq.encode_codes(None, torch.zeros(2, 784)), TypeError,
     "model must be a torch.nn.Module"),
    ("vq.decode_codes float", lambda: vq.decode_codes(small_model(), torch.zeros(2, 49)), TypeError,
     "codes must be an integer tensor"),
    ("vq.codebook_usage num_codes", lambda: vq.codebook_usage(grid, 0), ValueError,
     "num_codes must be a positive integer"),
    ("vq.codebook_usage range", lambda: vq.codebook_usage(grid - 1, 8), ValueError,
     r"codes must hold code indices in \[0, 8\)"),
    ("vq.negative_log_likelihood_bound prior",
     lambda: vq.negative_log_likelihood_bound(small_model(), vq.CodePrior(num_codes=4), torch.zeros(2, 784)),
     ValueError, "prior must model 49 positions of 8 codes"),
    ("vq.negative_log_likelihood_bound NaN",
     lambda: vq.negative_log_likelihood_bound(small_model(), small_prior(), torch.full((2, 784), float("nan"))),
     ValueError, r"x must hold pixel intensities in \[0, 1\], got NaN"),
]


def test_the_table_covers_the_module():
    assert len({case[0] for case in CASES}) == len(CASES)


@parametrize_rows(CASES)
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    assert_one_line_naming_the_argument(call, error, message)
