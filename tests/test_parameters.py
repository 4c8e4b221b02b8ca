"""The table of shared training parameters: signatures, docs and settings follow it."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest
from _imports import PACKAGE_DIR

from emnist_estimators.base import (
    PER_MODEL,
    TRAINING_CONSTRAINTS,
    TRAINING_PARAMETERS,
    BaseImageClassifier,
    check_training_signature,
)
from emnist_estimators.models import get_model, list_models

ESTIMATORS = [get_model(name).estimator for name in list_models()]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_signature_takes_the_table_s_parameters(cls):
    check_training_signature(cls)
    params = inspect.signature(cls.__init__).parameters
    for row in TRAINING_PARAMETERS:
        assert cls._parameter_constraints[row.name] is row.constraints
        if row.default is not PER_MODEL:
            assert params[row.name].default == row.default


def _with_signature(**changes):
    """A subclass of the MLP whose signature has ``changes`` applied."""
    cls = get_model("mlp").estimator
    params = list(inspect.signature(cls.__init__).parameters.values())
    for name, change in changes.items():
        index = next(i for i, p in enumerate(params) if p.name == name)
        if change is None:
            del params[index]
        elif change == "swap":
            params[index], params[index + 1] = params[index + 1], params[index]
        else:
            params[index] = params[index].replace(default=change)

    class Changed(cls):
        def __init__(self, **kwargs):  # pragma: no cover - never called
            pass

    Changed.__init__.__signature__ = inspect.Signature(params)
    return Changed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"label_smoothing": None}, r"missing: \['label_smoothing'\]"),
        ({"l1": "swap"}, "the order differs"),
        ({"label_smoothing": 0.1}, r"label_smoothing=0\.1; the shared default"),
    ],
)
def test_a_signature_that_differs_from_the_table_is_named(changes, message):
    with pytest.raises(TypeError, match=message):
        check_training_signature(_with_signature(**changes))


def test_a_per_model_default_may_differ():
    check_training_signature(_with_signature(max_epochs=99))


def test_constraints_and_settings_fields_come_from_the_table():
    from emnist_estimators._training.settings import DERIVED_FIELDS, Settings

    names = [row.name for row in TRAINING_PARAMETERS]
    assert list(TRAINING_CONSTRAINTS) == names
    fields = [f.name for f in dataclasses.fields(Settings)]
    assert fields == names + [name for name, _, _ in DERIVED_FIELDS]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_each_docstring_documents_the_class_s_own_defaults(cls):
    params = inspect.signature(cls.__init__).parameters
    for row in TRAINING_PARAMETERS:
        default = params[row.name].default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        assert f"    {row.name} : {row.kind}, default={shown}\n" in cls.__doc__


def test_resolution_reads_each_row():
    settings = (
        get_model("mlp")
        .estimator(
            augment=True,
            test_time_augmentation=True,
            lr=None,
            optimizer="sgd",
            early_stopping=True,
            device="cpu",
            label_smoothing=0.2,
        )
        ._resolve_settings()
    )
    from emnist_estimators._training.augment import FixedViews, RandomAffine

    assert isinstance(settings.augment, RandomAffine) and settings.augment.shear == 8
    assert isinstance(settings.test_time_augmentation, FixedViews)
    assert settings.lr == 1e-2 and settings.optimizer.__name__ == "SGD"
    assert settings.validation_fraction == 0.1
    assert settings.device.type == "cpu" and settings.label_smoothing == 0.2


def _package_files_naming(name: str) -> list[str]:
    pattern = re.compile(rf"\b{name}\b")
    return sorted(
        path.relative_to(PACKAGE_DIR).as_posix()
        for path in PACKAGE_DIR.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )


#: Training parameters that only the training run reads, and where each may
#: be named: its row, the signatures, its one consumer (and the presets).
SINGLE_CONSUMER = {
    "label_smoothing": "_training/run.py",
    "lr_step_size": "_training/run.py",
    "lr_patience": "_training/run.py",
    "n_iter_no_change": "_training/run.py",
    "tol": "_training/run.py",
}


@pytest.mark.parametrize("name", sorted(SINGLE_CONSUMER))
def test_a_training_parameter_is_named_in_at_most_four_files(name):
    allowed = {
        "_training/parameters.py",
        "estimators.py",
        "models.py",
        SINGLE_CONSUMER[name],
    }
    files = _package_files_naming(name)
    assert len(files) <= 4 and set(files) <= allowed, files


def test_the_base_class_is_abstract_over_its_network():
    assert "module_class" in BaseImageClassifier.__abstractmethods__
