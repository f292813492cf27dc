"""Every public function of vaebook has a row in a bad-input table (issue 23).

The rows live in ``tests/test_bad_inputs*.py``, each file with a list ``CASES`` of
``(id, call, exception_type, regex)``; an id starts with the qualified name it covers:
``"<module>.<function> "``, ``"<module>.<Class> "`` (the constructor) or
``"<module>.<Class>.<method> "``. This test walks the package: every module under
vaebook; in each, the functions and classes it defines (not those it imports) whose names
do not start with ``_``; in each such class, the public methods and properties it defines
itself (not those inherited from torch or Keras). A name with no row fails the test, so a
module a later chapter adds cannot skip the rule. The few names that take nothing a
caller can get wrong are listed in ``ALLOWED``, each with its reason. Two kinds of class
are not inputs' destinations and are left out of the walk by rule: result containers
(``NamedTuple`` classes such as ``ROC`` or ``MIG``, which the companion builds and
returns) and exception classes.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import vaebook  # noqa: E402

TESTS = Path(__file__).resolve().parent

HOT = "runs on every training step; fit/evaluate check the data once per call (issue 23's cost rule)"

ALLOWED = {
    # the validators themselves: every row of every table runs them
    "checks": "the validators themselves; every row of the tables exercises them",
    # no arguments
    "data.cache_dir": "no arguments (reads VAEBOOK_DATA)",
    "data.fetch_mnist": "no arguments",
    "data.binarize_workers": "no arguments",
    "data.main": "no arguments (the command line entry point)",
    "training.default_device": "no arguments",
    "linear_gaussian.LinearGaussian.data_dim": "a property: no arguments",
    "linear_gaussian.LinearGaussian.latent_dim": "a property: no arguments",
    "explorer.LatentExplorer.nbytes": "a property: no arguments",
    "widgets.LatentSliders.z": "a property: no arguments",
    "widgets.LatentSliders.redraw": "no arguments (decodes the sliders' current z)",
    # per-step methods of the models: the hot path
    "torch.VAE.encode": HOT,
    "torch.VAE.decode": HOT,
    "torch.VAE.forward": HOT,
    "conditional.ConditionalVAE.encode": HOT,
    "conditional.ConditionalVAE.decode": HOT,
    "conditional.ConditionalVAE.forward": HOT,
    "conditional.cvae_loss": HOT + "; fit's first-step check names x_train for a wrong width",
    "conditional.FixedLabel.encode": HOT + " (estimate_log_px checks x)",
    "conditional.FixedLabel.decode": HOT + " (estimate_log_px checks x)",
    "conditional.FixedLabel.one_hot_rows": HOT + " (takes the rows FixedLabel.encode/decode get)",
    "latent_diffusion.Denoiser.forward": HOT,
    "latent_diffusion.KLAutoencoder.encode": HOT,
    "quality.DigitClassifier": "no arguments (the classifier's fixed layers)",
    "quality.DigitClassifier.forward": HOT + " (read_digits and the trainer check the images)",
    "quality.DigitClassifier.features": "a model method; classifier_features checks the images first",
    "keras.Sampling.call": "inside Keras's compiled step: symbolic tensors, shapes checked when traced",
    "keras.VAE.call": "inside Keras's compiled step: symbolic tensors; VAE.fit checks the data",
    "keras.VAE.compute_loss": "inside Keras's compiled step: symbolic tensors; VAE.fit checks the data",
}


def public_names() -> set[str]:
    """``module.name`` and ``module.Class.method`` for everything public the package defines."""
    names = set()
    for info in pkgutil.iter_modules(vaebook.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"vaebook.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue  # private, or imported from elsewhere (a constant has no __module__)
            if inspect.isfunction(obj):
                names.add(f"{info.name}.{name}")
            elif inspect.isclass(obj):
                if issubclass(obj, BaseException) or (issubclass(obj, tuple) and hasattr(obj, "_fields")):
                    continue  # an exception, or a NamedTuple the companion returns
                names.add(f"{info.name}.{name}")
                for attribute, member in vars(obj).items():
                    if attribute.startswith("_"):
                        continue
                    if inspect.isfunction(member) or isinstance(member, (staticmethod, classmethod, property)):
                        names.add(f"{info.name}.{name}.{attribute}")
    return names


def table_files() -> list[Path]:
    return sorted(TESTS.glob("test_bad_inputs*.py"))


def gathered_cases() -> list[tuple]:
    cases = []
    for path in table_files():
        table = importlib.import_module(f"tests.{path.stem}")
        cases += list(table.CASES)
    return cases


def uncovered(names: set[str], covered: set[str], allowed: dict[str, str]) -> list[str]:
    def exempt(name: str) -> bool:
        return name in allowed or name.split(".")[0] in allowed

    return sorted(name for name in names if name not in covered and not exempt(name))


def test_every_public_function_has_a_bad_input_case():
    cases = gathered_cases()
    covered = {case[0].split()[0] for case in cases}
    missing = uncovered(public_names(), covered, ALLOWED)
    assert not missing, (
        f"{len(missing)} public name(s) without a row in tests/test_bad_inputs*.py: "
        f"{', '.join(missing)} (add rows, or an ALLOWED entry with its reason)"
    )


def test_every_row_names_a_public_function_and_its_argument():
    names = public_names()
    cases = gathered_cases()
    assert len({case[0] for case in cases}) == len(cases), "two rows share an id"
    for case_id, call, error, regex in cases:
        assert case_id.split()[0] in names, f"{case_id!r} does not start with a public vaebook name"
        assert callable(call) and error in (ValueError, TypeError), case_id
        assert regex and regex[0].isalpha(), f"{case_id!r}: the pattern must start with the argument's name"


def test_allowed_entries_exist_and_give_a_reason():
    names = public_names()
    modules = {name.split(".")[0] for name in names}
    for name, reason in ALLOWED.items():
        assert name in names or name in modules, f"ALLOWED names {name!r}, which vaebook no longer has"
        assert len(reason) > 10, name


def test_the_walk_finds_what_a_later_chapter_adds():
    """The coverage test can fail: a public function with no row is reported by name."""
    names = public_names()
    covered = {case[0].split()[0] for case in gathered_cases()}
    before = uncovered(names, covered, ALLOWED)
    after = uncovered(names | {"vq.new_function", "beta.Later.method"}, covered, ALLOWED)
    assert sorted(set(after) - set(before)) == ["beta.Later.method", "vq.new_function"]
    assert uncovered({"checks.anything", "torch.VAE.forward"}, set(), ALLOWED) == []
    assert "torch.numpy_decoder" in names and "torch.VAE" in names and "keras.VAE.fit" in names
    assert "beta.check_non_negative" not in names  # imported from vaebook.checks, not defined there
    assert "metrics.MIG" not in names and "data.MnistUnavailableError" not in names  # by rule
