"""Bad inputs to vaebook.quality, one row each (see tests/test_bad_inputs.py)."""

import numpy as np
import torch

from tests.bad_input_rows import assert_one_line_naming_the_argument, parametrize_rows
from vaebook import quality

CLASSIFIER = quality.DigitClassifier().eval()
IMAGES = np.random.default_rng(0).random((8, 784), dtype=np.float32)
LABELS = np.arange(8) % 10
FEATURES = np.random.default_rng(1).normal(size=(20, quality.FEATURES))


def train(**kwargs):
    kwargs.setdefault("images", IMAGES)
    kwargs.setdefault("labels", LABELS)
    return quality.train_digit_classifier(kwargs.pop("images"), kwargs.pop("labels"), progress=False, **kwargs)


CASES = [
    ("quality.train_digit_classifier 0..255", lambda: train(images=IMAGES * 255), ValueError,
     r"images must hold pixel intensities in \[0, 1\].*divide 0..255 digits by 255"),
    ("quality.train_digit_classifier uint8", lambda: train(images=(IMAGES * 255).astype(np.uint8)), TypeError,
     r"images must hold floats in \[0, 1\], got dtype uint8"),
    ("quality.train_digit_classifier tensor", lambda: train(images=torch.from_numpy(IMAGES)), TypeError,
     r"images must be a numpy array .*convert it with"),
    ("quality.train_digit_classifier shape", lambda: train(images=IMAGES.reshape(8, 28, 28, 1)), ValueError,
     r"images must have shape \(N, 784\) or \(N, 28, 28\)"),
    ("quality.train_digit_classifier NaN", lambda: train(images=np.full((8, 784), np.nan, np.float32)), ValueError,
     r"images must hold pixel intensities in \[0, 1\], got NaN"),
    ("quality.train_digit_classifier labels length", lambda: train(labels=LABELS[:5]), ValueError,
     r"labels must be a numpy array of shape \(8,\)"),
    ("quality.train_digit_classifier labels range", lambda: train(labels=LABELS + 5), ValueError,
     r"labels must be integers 0..9"),
    ("quality.train_digit_classifier labels float", lambda: train(labels=LABELS.astype(float)), ValueError,
     r"labels must be integers 0..9, got dtype float64"),
    ("quality.train_digit_classifier epochs", lambda: train(epochs=0), ValueError,
     r"epochs must be a positive integer, got 0"),
    ("quality.train_digit_classifier batch_size", lambda: train(batch_size=2.5), ValueError,
     r"batch_size must be a positive integer"),
    ("quality.train_digit_classifier seed", lambda: train(seed=-1), ValueError,
     r"seed must be a non-negative integer, got -1"),
    ("quality.read_digits classifier", lambda: quality.read_digits(torch.nn.Linear(784, 10), IMAGES), TypeError,
     r"classifier must be a DigitClassifier"),
    ("quality.read_digits 0..255", lambda: quality.read_digits(CLASSIFIER, IMAGES * 255), ValueError,
     r"images must hold pixel intensities in \[0, 1\]"),
    ("quality.read_digits empty", lambda: quality.read_digits(CLASSIFIER, IMAGES[:0]), ValueError,
     r"images must have shape \(N, 784\) or \(N, 28, 28\) with N >= 1"),
    ("quality.classifier_features classifier", lambda: quality.classifier_features("clf", IMAGES), TypeError,
     r"classifier must be a DigitClassifier"),
    ("quality.classifier_features transposed", lambda: quality.classifier_features(CLASSIFIER, IMAGES.T),
     ValueError, r"images must have shape \(N, 784\)"),
    ("quality.frechet_distance list", lambda: quality.frechet_distance([[0.0]], FEATURES), TypeError,
     r"features_a must be a numpy array of shape \(N, F\), got list"),
    ("quality.frechet_distance 1-D", lambda: quality.frechet_distance(FEATURES, FEATURES[0]), ValueError,
     r"features_b must have shape \(N, F\) with N >= 2 rows"),
    ("quality.frechet_distance NaN", lambda: quality.frechet_distance(FEATURES * np.nan, FEATURES), ValueError,
     r"features_a must be finite"),
    ("quality.frechet_distance columns", lambda: quality.frechet_distance(FEATURES, FEATURES[:, :5]), ValueError,
     r"features_a and features_b must have the same number of columns, got 128 and 5"),
    ("quality.sample_quality 0..255", lambda: quality.sample_quality(CLASSIFIER, IMAGES * 255, FEATURES),
     ValueError, r"samples must hold pixel intensities in \[0, 1\]"),
    ("quality.sample_quality reference width",
     lambda: quality.sample_quality(CLASSIFIER, IMAGES, FEATURES[:, :10]), ValueError,
     r"reference_features must have 128 columns"),
    ("quality.sample_quality one sample", lambda: quality.sample_quality(CLASSIFIER, IMAGES[:1], FEATURES),
     ValueError, r"samples must hold at least 2 images"),
    ("quality.sample_quality classifier", lambda: quality.sample_quality(None, IMAGES, FEATURES), TypeError,
     r"classifier must be a DigitClassifier"),
]


@parametrize_rows(CASES)
def test_a_bad_input_raises_one_line_naming_the_argument(call, error, message):
    assert_one_line_naming_the_argument(call, error, message)
