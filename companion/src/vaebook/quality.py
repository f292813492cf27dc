"""Reading generated digits back: a small MNIST classifier and the numbers built on it.

A picture of samples convinces no one of a difference of a few percent; these numbers do,
within their limits. Chapters 8-10 train :class:`DigitClassifier` once (seconds on a
CPU) and ask it three things about a set of images:

* which digit each one is and how sure it is (:func:`read_digits`): the mean confidence
  is high for crisp digits and drops for blurred or ambiguous ones;
* how the classes spread (:func:`sample_quality`'s ``class_entropy``): ln 10 = 2.30 nats
  when all ten digits are equally common, lower when a model favours a few;
* how far the images' features lie from real test digits' features, as the Fréchet
  distance between two Gaussians fitted to them (:func:`frechet_distance`, the FID of
  Heusel et al. 2017 with this classifier in place of Inception: "MNIST-FID").

Limits: the classifier was trained on real digits, so it reads whatever it is shown as
one of ten digits (noise included, sometimes with confidence); the Fréchet distance
sees only the first two moments of 128 features and punishes blur hard; both numbers are
comparable only between runs of the same classifier.

Images are numpy arrays of flattened ``(N, 784)`` or square ``(N, 28, 28)`` digits with
pixel intensities in [0, 1] (a Bernoulli decoder's means or binary samples).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from vaebook.checks import check_finite, check_positive_int, check_unit_interval

PIXELS = 784
CLASSES = 10
FEATURES = 128
"""Width of the classifier's last hidden layer: the features the Fréchet distance reads."""


class DigitClassifier(nn.Module):
    """A small CNN: (N, 784) pixels in [0, 1] -> 10 logits.

    Two 3 x 3 convolutions with stride 2 (16 and 32 channels, each followed by ReLU:
    28 -> 14 -> 7), a hidden layer of 128 units (the features) and a linear head.
    """

    def __init__(self) -> None:
        super().__init__()
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 784) pixels -> (N, 128) features (the hidden layer's activations)."""
        return self.hidden(self.convolutions(x.view(-1, 1, 28, 28)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 784) pixels -> (N, 10) logits."""
        return self.head(self.features(x))


def _flat_images(name: str, images: object) -> np.ndarray:
    """Check ``images`` (numpy, (N, 784) or (N, 28, 28), in [0, 1]) and return (N, 784) float32."""
    if not isinstance(images, np.ndarray):
        hint = " (convert it with .detach().cpu().numpy())" if isinstance(images, torch.Tensor) else ""
        raise TypeError(f"{name} must be a numpy array of shape (N, 784) or (N, 28, 28), "
                        f"got {type(images).__name__}{hint}")
    shape = images.shape
    if len(shape) not in (2, 3) or shape[0] == 0 or shape[1:] not in ((PIXELS,), (28, 28)):
        raise ValueError(f"{name} must have shape (N, 784) or (N, 28, 28) with N >= 1, got {shape}")
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"{name} must hold floats in [0, 1], got dtype {images.dtype}"
                        " (divide 0..255 digits by 255)")
    check_unit_interval(name, images)
    return np.ascontiguousarray(images.reshape(len(images), PIXELS), dtype=np.float32)


def _check_classifier(classifier: object) -> None:
    if not isinstance(classifier, DigitClassifier):
        raise TypeError(f"classifier must be a DigitClassifier (from train_digit_classifier), "
                        f"got {type(classifier).__name__}")


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def train_digit_classifier(images: np.ndarray, labels: np.ndarray, *, epochs: int = 3,
                           batch_size: int = 128, seed: int = 0,
                           progress: bool = True) -> DigitClassifier:
    """Train a :class:`DigitClassifier` with Adam on (grey) MNIST digits and their labels.

    images: (N, 784) or (N, 28, 28) float pixels in [0, 1]; labels: (N,) integers 0..9.
    Half of every batch is shown binarized (one Bernoulli draw per pixel), so the
    classifier reads a decoder's grey means and its binary samples alike.
    Returns the trained classifier in evaluation mode (on the CPU). Seeded: the same
    seed gives the same weights on the same machine.
    """
    x = _flat_images("images", images)
    if not isinstance(labels, np.ndarray) or labels.shape != (len(x),):
        got = labels.shape if isinstance(labels, np.ndarray) else type(labels).__name__
        raise ValueError(f"labels must be a numpy array of shape ({len(x)},), one per image, got {got}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= CLASSES:
        raise ValueError(f"labels must be integers 0..9, got dtype {labels.dtype} "
                         f"with values from {labels.min()} to {labels.max()}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    _check_seed(seed)

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    classifier = DigitClassifier()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-3)
    x_all, y_all = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))
    classifier.train()
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    with tqdm(total=steps, desc="digit classifier", unit="step", disable=not progress) as bar:
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), batch_size):
                rows = order[start:start + batch_size]
                batch = x_all[rows]
                half = len(rows) // 2
                batch[:half] = torch.bernoulli(batch[:half], generator=generator)
                loss = nn.functional.cross_entropy(classifier(batch), y_all[rows])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                bar.update()
    return classifier.eval()


@torch.no_grad()
def _outputs(classifier: DigitClassifier, x: np.ndarray, want: str) -> np.ndarray:
    """Logits or features of (N, 784) images, in batches of 1,000, as float64."""
    parts = []
    for start in range(0, len(x), 1000):
        batch = torch.from_numpy(x[start:start + 1000])
        out = classifier(batch) if want == "logits" else classifier.features(batch)
        parts.append(out.double().numpy())
    return np.concatenate(parts)


def read_digits(classifier: DigitClassifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digit the classifier reads in each image and its probability.

    images: (N, 784) or (N, 28, 28) pixels in [0, 1].
    Returns ``(labels, confidence)``: (N,) int64 digits 0..9 and (N,) float64
    probabilities of those digits (softmax of the logits).
    """
    _check_classifier(classifier)
    x = _flat_images("images", images)
    probabilities = torch.softmax(torch.from_numpy(_outputs(classifier, x, "logits")), dim=1).numpy()
    labels = probabilities.argmax(axis=1)
    return labels.astype(np.int64), probabilities[np.arange(len(x)), labels]


def classifier_features(classifier: DigitClassifier, images: np.ndarray) -> np.ndarray:
    """(N, 128) float64 features (the classifier's hidden layer) of (N, 784) or (N, 28, 28) images."""
    _check_classifier(classifier)
    return _outputs(classifier, _flat_images("images", images), "features")


def _check_features(name: str, features: object) -> np.ndarray:
    if not isinstance(features, np.ndarray):
        raise TypeError(f"{name} must be a numpy array of shape (N, F), got {type(features).__name__}")
    if features.ndim != 2 or features.shape[0] < 2 or features.shape[1] < 1:
        raise ValueError(f"{name} must have shape (N, F) with N >= 2 rows (data points), got {features.shape}")
    check_finite(name, features)
    return features.astype(np.float64)


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    features_a, features_b: (N_a, F) and (N_b, F), one row per image.
    With means m and covariances S of each set:
    ``|m_a - m_b|^2 + tr(S_a + S_b - 2 (S_a^(1/2) S_b S_a^(1/2))^(1/2))``, in squared
    feature units. The matrix square roots come from symmetric eigendecompositions
    (eigenvalues below 0, rounding, are set to 0), so the trace term is exact for
    positive semi-definite covariances.
    """
    a = _check_features("features_a", features_a)
    b = _check_features("features_b", features_b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"features_a and features_b must have the same number of columns, "
                         f"got {a.shape[1]} and {b.shape[1]}")
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    distance = ((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(distance, 0.0))


def sample_quality(classifier: DigitClassifier, samples: np.ndarray,
                   reference_features: np.ndarray) -> dict[str, object]:
    """Three numbers for a set of generated digits, read by ``classifier``.

    samples: (N, 784) or (N, 28, 28) pixels in [0, 1].
    reference_features: :func:`classifier_features` of real digits (e.g. 1,000+ test digits).
    Returns ``{"confidence": mean probability of the digit read (0.1..1),
    "class_entropy": entropy of the histogram of digits read, in nats (ln 10 = 2.30 for
    ten equally common classes), "class_counts": list of 10 counts, "fid": Fréchet
    distance of the samples' features to reference_features}``.
    """
    _check_classifier(classifier)
    x = _flat_images("samples", samples)
    reference = _check_features("reference_features", reference_features)
    if reference.shape[1] != FEATURES:
        raise ValueError(f"reference_features must have {FEATURES} columns (classifier_features), "
                         f"got {reference.shape[1]}")
    if len(x) < 2:
        raise ValueError(f"samples must hold at least 2 images for a covariance, got {len(x)}")
    labels, confidence = read_digits(classifier, x)
    counts = np.bincount(labels, minlength=CLASSES)
    shares = counts[counts > 0] / len(labels)
    return {
        "confidence": float(confidence.mean()),
        "class_entropy": float(-(shares * np.log(shares)).sum()),
        "class_counts": [int(c) for c in counts],
        "fid": frechet_distance(classifier_features(classifier, x), reference),
    }
