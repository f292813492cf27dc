"""Bad inputs to vaebook.latent_diffusion, one row each (see tests/test_bad_inputs.py)."""

import numpy as np
import torch

from tests.bad_input_rows import assert_one_line_naming_the_argument, parametrize_rows
from vaebook import latent_diffusion as ld

torch.manual_seed(0)
MODEL = ld.Denoiser(6, hidden=8, time_size=4)
U0 = torch.randn(3, 6)
EPS = torch.randn(3, 6)
T = torch.rand(3)
ALPHA_BAR = ld.ddpm_alpha_bar(20)
NAN = torch.full((3, 6), float("nan"))
MODEL_NO_DIM = torch.nn.Linear(2, 2)

CASES = [
    ("latent_diffusion.check_batch 3-D", lambda: ld.check_batch("codes", torch.ones(2, 3, 4)), ValueError,
     r"codes must have shape \(B, dim\) with B >= 1, got \(2, 3, 4\)"),
    ("latent_diffusion.check_batch width", lambda: ld.check_batch("u0", U0, 5), ValueError,
     r"u0 must have shape \(B, 5\)"),
    ("latent_diffusion.check_times NaN", lambda: ld.check_times("t", torch.full((3,), float("nan")), 3),
     ValueError, r"t must hold times in \[0, 1\]"),
    ("latent_diffusion.check_times integers", lambda: ld.check_times("t", torch.ones(3, dtype=torch.long), 3),
     TypeError, "t must be a floating tensor"),
    ("latent_diffusion.model_dim string", lambda: ld.model_dim("model"), TypeError,
     "model must be a torch.nn.Module"),
    ("latent_diffusion.model_dim bool", lambda: setattr(MODEL_NO_DIM, "dim", True) or ld.model_dim(MODEL_NO_DIM),
     ValueError, "model must have an integer attribute dim"),
    ("latent_diffusion.check_schedule 2-D", lambda: ld.check_schedule(torch.ones(3, 2)), ValueError,
     r"alpha_bar must have shape \(T \+ 1,\)"),
    ("latent_diffusion.KLAutoencoder channels", lambda: ld.KLAutoencoder(channels=0), ValueError,
     "channels must be a positive integer, got 0"),
    ("latent_diffusion.KLAutoencoder width", lambda: ld.KLAutoencoder(width=2.5), ValueError,
     "width must be a positive integer, got 2.5"),
    ("latent_diffusion.scale_factor numpy", lambda: ld.scale_factor(np.ones((3, 2))), TypeError,
     r"codes must be a torch.Tensor .*torch.from_numpy"),
    ("latent_diffusion.scale_factor 1-D", lambda: ld.scale_factor(torch.ones(5)), ValueError,
     r"codes must have shape \(B, dim\) with B >= 1, got \(5,\)"),
    ("latent_diffusion.scale_factor NaN", lambda: ld.scale_factor(NAN), ValueError,
     "codes must be finite, got 18 NaN"),
    ("latent_diffusion.scale_factor constant", lambda: ld.scale_factor(torch.ones(4, 3)), ValueError,
     "codes must not all be equal"),
    ("latent_diffusion.scale_factor one number", lambda: ld.scale_factor(torch.ones(1, 1)), ValueError,
     "codes must hold at least 2 numbers"),
    ("latent_diffusion.scale_factor integers", lambda: ld.scale_factor(torch.ones(4, 3, dtype=torch.long)),
     TypeError, "codes must be a floating tensor"),
    ("latent_diffusion.time_features 2-D", lambda: ld.time_features(torch.rand(3, 1), 4), ValueError,
     r"t must have shape \(B,\)"),
    ("latent_diffusion.time_features odd", lambda: ld.time_features(T, 5), ValueError,
     "size must be even"),
    ("latent_diffusion.time_features list", lambda: ld.time_features([0.5], 4), TypeError,
     "t must be a torch.Tensor"),
    ("latent_diffusion.Denoiser dim", lambda: ld.Denoiser(0), ValueError,
     "dim must be a positive integer, got 0"),
    ("latent_diffusion.Denoiser time_size", lambda: ld.Denoiser(4, time_size=7), ValueError,
     "time_size must be even, got 7"),
    ("latent_diffusion.flow_noise t range", lambda: ld.flow_noise(U0, T + 1, EPS), ValueError,
     r"t must hold times in \[0, 1\]"),
    ("latent_diffusion.flow_noise t shape", lambda: ld.flow_noise(U0, torch.rand(4), EPS), ValueError,
     r"t must have shape \(3,\), one time per row"),
    ("latent_diffusion.flow_noise eps shape", lambda: ld.flow_noise(U0, T, EPS[:, :4]), ValueError,
     r"eps must have shape \(B, 6\)"),
    ("latent_diffusion.flow_noise eps rows", lambda: ld.flow_noise(U0, T, EPS[:2]), ValueError,
     r"eps must have the shape of u0 \(3, 6\), got \(2, 6\)"),
    ("latent_diffusion.flow_noise NaN", lambda: ld.flow_noise(NAN, T, EPS), ValueError,
     "u0 must be finite"),
    ("latent_diffusion.flow_matching_loss model", lambda: ld.flow_matching_loss("model", U0), TypeError,
     "model must be a torch.nn.Module"),
    ("latent_diffusion.flow_matching_loss numpy", lambda: ld.flow_matching_loss(MODEL, U0.numpy()),
     TypeError, "u0 must be a torch.Tensor"),
    ("latent_diffusion.flow_sample steps", lambda: ld.flow_sample(MODEL, 4, steps=0), ValueError,
     "steps must be a positive integer, got 0"),
    ("latent_diffusion.flow_sample num_samples", lambda: ld.flow_sample(MODEL, -1), ValueError,
     "num_samples must be a positive integer, got -1"),
    ("latent_diffusion.flow_sample seed", lambda: ld.flow_sample(MODEL, 2, seed=-1), ValueError,
     "seed must be a non-negative integer, got -1"),
    ("latent_diffusion.ddim_sample seed", lambda: ld.ddim_sample(MODEL, ALPHA_BAR, 2, steps=5, seed=1.5), TypeError,
     "seed must be a non-negative integer, got float 1.5"),
    ("latent_diffusion.flow_sample no dim", lambda: ld.flow_sample(torch.nn.Linear(2, 2), 4), ValueError,
     "model must have an integer attribute dim"),
    ("latent_diffusion.ddpm_alpha_bar num_steps", lambda: ld.ddpm_alpha_bar(0), ValueError,
     "num_steps must be a positive integer, got 0"),
    ("latent_diffusion.ddpm_alpha_bar last", lambda: ld.ddpm_alpha_bar(10, last=1.5), ValueError,
     r"last must be a number in \(0, 1\), got 1.5"),
    ("latent_diffusion.ddpm_noise alpha_bar", lambda: ld.ddpm_noise(U0, T + 2, EPS), ValueError,
     r"alpha_bar must hold times in \[0, 1\]"),
    ("latent_diffusion.ddpm_noise eps", lambda: ld.ddpm_noise(U0, T, NAN), ValueError,
     "eps must be finite"),
    ("latent_diffusion.ddpm_loss list", lambda: ld.ddpm_loss([1.0, 0.5]), TypeError,
     "alpha_bar must be a torch.Tensor"),
    ("latent_diffusion.ddpm_loss short", lambda: ld.ddpm_loss(torch.ones(1)), ValueError,
     r"alpha_bar must have shape \(T \+ 1,\) with T >= 1"),
    ("latent_diffusion.ddim_sample steps", lambda: ld.ddim_sample(MODEL, ALPHA_BAR, 2, steps=21), ValueError,
     "steps must be at most the schedule's T = 20, got 21"),
    ("latent_diffusion.ddim_sample model", lambda: ld.ddim_sample(None, ALPHA_BAR, 2), TypeError,
     "model must be a torch.nn.Module"),
    ("latent_diffusion.ddim_sample alpha_bar", lambda: ld.ddim_sample(MODEL, ALPHA_BAR[None], 2), ValueError,
     r"alpha_bar must have shape \(T \+ 1,\)"),
]


def test_the_table_covers_every_public_function():
    assert len({case[0] for case in CASES}) == len(CASES)
    tested = {case[0].split()[0].split(".")[1] for case in CASES}
    public = set(ld.__all__) - {"CODE_SIDE"}
    assert tested == public, sorted(public - tested)


@parametrize_rows(CASES)
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    assert_one_line_naming_the_argument(call, error, message)
