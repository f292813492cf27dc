"""Disentanglement, measured: the Mutual Information Gap (Chen et al., 2018), chapter 7.

For codes ``z`` (one row per image, one column per latent dimension) and the known
factors ``v`` that generated the images, ``mutual_information_gap`` discretizes every
latent dimension into ``bins`` equal-width bins and computes, with scikit-learn's
``mutual_info_score`` (natural logarithms, so nats), the mutual information I(z_j; v_k)
of every pair. For each factor it takes the gap between the two most informative
latent dimensions, divided by the factor's entropy H(v_k):

    MIG_k = (I(z_a; v_k) - I(z_b; v_k)) / H(v_k),   a, b the best and second best j,

and the MIG is the mean of MIG_k over the factors: 1 when every factor lives in one
latent dimension of its own and nowhere else, 0 when no dimension stands out.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.metrics import mutual_info_score

from vaebook.checks import check_codes_and_factors, check_codes_matrix, check_positive_int


class MIG(NamedTuple):
    """Result of :func:`mutual_information_gap`: ``score`` the MIG (mean over factors);
    ``per_factor`` MIG_k, shape (factors,); ``mutual_information`` I(z_j; v_k) in nats,
    shape (latents, factors); ``entropy`` H(v_k) in nats, shape (factors,)."""

    score: float
    per_factor: np.ndarray
    mutual_information: np.ndarray
    entropy: np.ndarray


def discretize(codes: np.ndarray, bins: int = 20) -> np.ndarray:
    """Each column of ``codes`` (N, latents) cut into ``bins`` equal-width bins over its
    own range: integer array of the same shape, values 0 .. bins - 1."""
    codes = check_codes_matrix("codes", codes, data_set=True)  # finite (N, latents), not transposed
    check_positive_int("bins", bins)
    out = np.empty(codes.shape, dtype=np.int64)
    for j, column in enumerate(codes.T):
        edges = np.histogram_bin_edges(column, bins=bins)
        out[:, j] = np.digitize(column, edges[1:-1])
    return out


def mutual_information_gap(
    codes: np.ndarray, factors: np.ndarray, bins: int = 20
) -> MIG:
    """The Mutual Information Gap of codes (N, latents), e.g. the encoder's mu
    of N images, against the integer factors (N, number of factors) behind
    them; bins: equal-width bins per latent dimension (at least 2)."""
    codes, factors = np.asarray(codes), np.asarray(factors)
    check_codes_and_factors(codes, factors)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    binned = discretize(codes, bins)  # (N, latents), integers 0 .. bins - 1
    entropy = np.array([mutual_info_score(v, v) for v in factors.T])
    information = np.array(  # I(z_j; v_k), shape (latents, factors)
        [[mutual_info_score(v, z) for v in factors.T] for z in binned.T]
    )
    second, best = np.sort(information, axis=0)[-2:]
    per_factor = (best - second) / entropy
    return MIG(float(per_factor.mean()), per_factor, information, entropy)


__all__ = ["MIG", "discretize", "mutual_information_gap", "check_codes_and_factors"]
