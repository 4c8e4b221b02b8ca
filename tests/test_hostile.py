"""Hostile input: every bad input ends in a clear error, nothing lost, no stray files.

The cases are grouped by class of input, and the module counts them:

- ``estimator inputs``: what ``fit``, ``partial_fit`` and ``predict`` are given;
- ``parameters``: every constructor parameter with a wrong type and an
  out-of-range value (from the estimators' ``_parameter_constraints``), and
  the values that only fail together or on this machine;
- ``files``: models, checkpoints and dataset files that are damaged, foreign
  or crafted;
- ``network``: downloads from a loopback HTTP server that stalls, drops,
  refuses or serves the wrong bytes;
- ``disk``: folders that cannot be written, a full disk, writers killed in
  the middle of a file.

Each case asserts a clear ``ValueError``/``TypeError``/``OSError`` (or a
subclass: ``FileNotFoundError``, ``NotFittedError``, ``InvalidParameterError``,
...) whose message names the argument or the file and what is expected, or
the documented behaviour; and that nothing is lost (a fitted model still
predicts as before, files keep their content) and no stray file is left.

To add a class (the command line's is next), give it a minimum in
:data:`MINIMUM_CASES` and register its cases with :func:`hostile` (a list of
``pytest.param`` with ids) or :func:`hostile_case` (one test); see the
marked place at the end of the module. ``test_case_counts`` checks the
minimums and prints the counts (``pytest -s``; ``HOSTILE_COUNTS=<file>``
writes them as JSON; ``python tests/test_hostile.py`` lists them).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import gzip
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, SMALL_ARCHITECTURES, same_state, state
from _idx_files import emnist_names, idx_bytes, labels_for, write_emnist, write_mapping
from _loopback import STALL, Drop, Loopback, no_proxy, refused_url
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from emnist_estimators import CNNClassifier, LSTMClassifier, MLPClassifier
from emnist_estimators import _atomic as atomic
from emnist_estimators._training.checkpoint import CHECKPOINT_FILE, EpochCheckpoint
from emnist_estimators._training.net import NonFiniteLossError
from emnist_estimators._validation import InvalidParameterError
from emnist_estimators.datasets import (
    _download,
    load_emnist,
    load_mnist,
    read_idx,
    write_idx,
)
from emnist_estimators.persistence import FORMAT_VERSION, load_model, save_model
from emnist_estimators.reports import ReportWriter

try:  # scikit-learn's test helpers (private; used where they work)
    from sklearn.utils._param_validation import (
        generate_invalid_param_val,
        make_constraint,
    )
except ImportError:  # pragma: no cover - depends on scikit-learn
    generate_invalid_param_val = make_constraint = None

# ==========================================================================
# Counting the cases by class

#: The classes of hostile input and the fewest cases each must have.
MINIMUM_CASES: dict[str, int] = {
    "estimator inputs": 40,
    "parameters": 150,
    "files": 30,
    "network": 8,
    "disk": 10,
    "command line": 25,
}

#: Class -> the ids of its cases, filled as the module is collected.
CASES: dict[str, list[str]] = {kind: [] for kind in MINIMUM_CASES}


def hostile(kind: str, params: Iterable) -> list:
    """Register ``params`` (``pytest.param`` with ids) as cases of ``kind``.

    Returns them, for ``pytest.mark.parametrize``. Multiply a list by the
    estimators (:func:`per_estimator`) before registering it: each test
    item is one case.
    """
    if kind not in CASES:
        raise KeyError(
            f"unknown class of hostile input {kind!r}; add it to MINIMUM_CASES"
        )
    params = list(params)
    CASES[kind].extend(p.id for p in params)
    return params


def hostile_case(kind: str, name: str | None = None):
    """Register a test that is one case of ``kind`` (a decorator)."""

    def register(test):
        hostile(kind, [pytest.param(id=name or test.__name__)])
        return test

    return register


def per_estimator(params: Iterable, classes=tuple(ALL)) -> list:
    """Each ``pytest.param`` once per estimator class (``cls`` first)."""
    return [
        pytest.param(cls, *p.values, id=f"{cls.__name__}-{p.id}", marks=p.marks)
        for p in params
        for cls in classes
    ]


def prefixed(prefix: str, params: Iterable) -> list:
    """``params`` with ids ``<prefix>-<id>`` (unique within a class)."""
    return [
        pytest.param(*p.values, id=f"{prefix}-{p.id}", marks=p.marks) for p in params
    ]


def case_counts() -> dict[str, int]:
    """The number of cases of each class."""
    return {kind: len(ids) for kind, ids in CASES.items()}


# ==========================================================================
# Shared helpers

FAST = {"max_epochs": 1, "batch_size": 16, "device": "cpu", "random_state": 0}


def small(cls, **params):
    """A tiny, fast instance of ``cls`` (its model's ``smoke_params``)."""
    return cls(**{**SMALL_ARCHITECTURES[cls], **FAST, **params})


def data(n=30, n_features=16):
    """Float images in [0, 1] (4 x 4) and 3 classes."""
    rng = np.random.RandomState(0)
    return rng.rand(n, n_features).astype(np.float32), np.arange(n) % 3


@contextlib.contextmanager
def no_training():
    """Fail if a forward pass happens in the block (input rejected first)."""
    original = torch.nn.Module.__call__

    def forbidden(*args, **kwargs):
        raise AssertionError("training started before the input was rejected")

    torch.nn.Module.__call__ = forbidden
    try:
        yield
    finally:
        torch.nn.Module.__call__ = original


def assert_unfitted(estimator):
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    with pytest.raises(NotFittedError):
        estimator.predict(data()[0])


def listing(folder) -> list[str]:
    """Every file and folder below ``folder``, hidden ones included."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def snapshot(folder) -> dict[str, bytes]:
    """The content of every file below ``folder``."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fitted():
    """One tiny fitted estimator per class (copy before changing one)."""
    X, y = data()
    return {cls: small(cls).fit(X, y) for cls in ALL}


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ==========================================================================
# Estimator inputs


def _with(X=None, y=None, **fit):
    """A mutation of the clean data: ``X``, ``y`` (callables) and fit kwargs."""

    def mutate(X0, y0):
        return (
            X0 if X is None else X(X0),
            y0 if y is None else y(y0),
            fit,
        )

    return mutate


def _strings(X):
    X = X.astype(object)
    X[0, 0] = "pixel"
    return X


def _object_none(X):
    X = X.astype(object)
    X[1, 2] = None
    return X


TRAINING_INPUTS = [
    pytest.param(
        _with(X=lambda X: np.where(X > 0.9, np.nan, X)),
        ValueError,
        "X contains NaN",
        id="nan",
    ),
    pytest.param(
        _with(X=lambda X: np.where(X > 0.9, np.inf, X)),
        ValueError,
        "X contains infinity",
        id="inf",
    ),
    pytest.param(
        _with(X=lambda X: np.where(X > 0.9, -np.inf, X)),
        ValueError,
        "X contains infinity",
        id="minus-inf",
    ),
    pytest.param(
        _with(X=lambda X: X[:0], y=lambda y: y[:0]), ValueError, "0 sample", id="empty"
    ),
    pytest.param(
        _with(X=lambda X: X[:, :0]), ValueError, "0 feature", id="no-features"
    ),
    pytest.param(
        _with(X=lambda X: X[0], y=lambda y: y[:16]),
        ValueError,
        r"Expected X of shape \(n_samples, n_features\).*X.reshape\(1, -1\)",
        id="1-d",
    ),
    pytest.param(
        _with(X=lambda X: X.reshape(30, 1, 1, 4, 4)),
        ValueError,
        r"Expected X of shape .* got an array of shape \(30, 1, 1, 4, 4\)",
        id="5-d",
    ),
    pytest.param(
        _with(X=_strings),
        ValueError,
        "X must hold numbers .* 'pixel'",
        id="strings-in-object-array",
    ),
    pytest.param(
        _with(X=lambda X: np.where(X > 0.5, "dark", "light")),
        ValueError,
        "X must hold numbers .* strings",
        id="string-dtype",
    ),
    pytest.param(
        _with(X=lambda X: [["a"] * 16] * 30),
        ValueError,
        "X must hold numbers .* 'a'",
        id="list-of-strings",
    ),
    pytest.param(
        _with(X=_object_none), ValueError, "X contains NaN", id="object-with-none"
    ),
    pytest.param(
        _with(X=lambda X: [list(r[: 16 - i % 2]) for i, r in enumerate(X)]),
        ValueError,
        "X must be an array of numbers .* different lengths",
        id="ragged-lists",
    ),
    pytest.param(
        _with(
            X=lambda X: np.array(
                [r[: 16 - i % 2] for i, r in enumerate(X)], dtype=object
            )
        ),
        ValueError,
        "X must be an array of numbers .* sequences",
        id="ragged-object-array",
    ),
    pytest.param(_with(X=lambda X: X + 1j), ValueError, "[Cc]omplex", id="complex"),
    pytest.param(
        _with(y=lambda y: y[:-1]),
        ValueError,
        r"inconsistent numbers of samples: \[30, 29\]",
        id="y-shorter",
    ),
    pytest.param(
        _with(y=lambda y: np.zeros_like(y)),
        ValueError,
        "at least 2 classes, but the data contains only one class",
        id="one-class",
    ),
    pytest.param(
        _with(y=lambda y: y + 0.5),
        ValueError,
        "Unknown label type: continuous",
        id="continuous-y",
    ),
    pytest.param(
        _with(y=lambda y: np.where(y == 0, np.nan, y)),
        ValueError,
        "y contains NaN",
        id="nan-in-y",
    ),
    pytest.param(
        _with(y=lambda y: np.eye(3)[y]),
        ValueError,
        r"y should be a 1d array, got an array of shape \(30, 3\)",
        id="one-hot-y",
    ),
    pytest.param(
        _with(y=lambda y: None), ValueError, "requires y to be passed", id="no-y"
    ),
    pytest.param(
        _with(sample_weight=np.ones(5)),
        ValueError,
        r"sample_weight.shape == \(5,\), expected \(30,\)",
        id="sample-weight-length",
    ),
    pytest.param(
        _with(sample_weight=-np.ones(30)),
        ValueError,
        "Negative values in data passed to `sample_weight`",
        id="sample-weight-negative",
    ),
    pytest.param(
        _with(sample_weight=np.zeros(30)),
        ValueError,
        "Sample weights must contain at least one non-zero",
        id="sample-weight-all-zero",
    ),
    pytest.param(
        _with(sample_weight=np.full(30, np.nan)),
        ValueError,
        "sample_weight contains NaN",
        id="sample-weight-nan",
    ),
    pytest.param(
        _with(sample_weight=np.full(30, np.inf)),
        ValueError,
        "sample_weight contains infinity",
        id="sample-weight-inf",
    ),
    pytest.param(
        _with(sample_weight=np.ones((30, 2))),
        ValueError,
        "Sample weights must be 1D array or scalar",
        id="sample-weight-2-d",
    ),
    pytest.param(
        _with(sample_weight=np.array(["a"] * 30)),
        ValueError,
        "sample_weight must be numbers, one per sample",
        id="sample-weight-strings",
    ),
]


@pytest.mark.parametrize(
    ("cls", "mutate", "error", "message"),
    hostile("estimator inputs", per_estimator(TRAINING_INPUTS)),
)
def test_bad_training_data(cls, mutate, error, message, fitted):
    X, y, fit = mutate(*data())
    # An unfitted estimator stays unfitted ...
    fresh = small(cls)
    with no_training(), pytest.raises(error, match=message):
        fresh.fit(X, y, **fit)
    assert_unfitted(fresh)
    # ... and a fitted one keeps its model (a shallow copy: the failed fit
    # must replace nothing, and trains nothing).
    est = copy.copy(fitted[cls])
    weights = state(est)
    with no_training(), pytest.raises(error, match=message):
        est.fit(X, y, **fit)
    assert est.net_ is fitted[cls].net_
    assert same_state(state(est), weights)
    assert est.n_features_in_ == 16
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])


def _predict_case(transform, error, message, id):
    return pytest.param(transform, error, message, id=id)


PREDICT_INPUTS = [
    _predict_case(
        lambda X: X[:, :9],
        ValueError,
        "X has 9 features, but .* is expecting 16 features",
        "predict-wrong-feature-count",
    ),
    _predict_case(
        lambda X: X.reshape(-1, 2, 8),
        ValueError,
        r"X holds images of shape \(1, 2, 8\), but .* fitted on images of shape "
        r"\(1, 4, 4\)",
        "predict-wrong-image-shape",
    ),
    _predict_case(
        lambda X: np.where(X > 0.5, np.nan, X),
        ValueError,
        "X contains NaN",
        "predict-nan",
    ),
    _predict_case(lambda X: X[:0], ValueError, "0 sample", "predict-empty"),
    _predict_case(
        lambda X: X[0],
        ValueError,
        r"Expected X of shape .*X.reshape\(1, -1\)",
        "predict-1-d",
    ),
    _predict_case(_strings, ValueError, "X must hold numbers", "predict-strings"),
]


@pytest.mark.parametrize(
    ("cls", "transform", "error", "message"),
    hostile("estimator inputs", per_estimator(PREDICT_INPUTS)),
)
def test_bad_prediction_data(cls, transform, error, message, fitted):
    est = fitted[cls]
    X, _ = data()
    with pytest.raises(error, match=message):
        est.predict(transform(X))


@hostile_case("estimator inputs", "predict-before-fit")
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predict_before_fit(method):
    with pytest.raises(
        NotFittedError, match="MLPClassifier instance is not fitted yet"
    ):
        getattr(small(MLPClassifier), method)(data()[0])


PARTIAL_FIT_CASES = [
    pytest.param(
        "fresh",
        {"classes": [0, 1]},
        ValueError,
        r"y holds labels that are not in classes: \[2\]",
        id="unknown-label-first-call",
    ),
    pytest.param(
        "fresh",
        {},
        ValueError,
        "classes must be passed on the first call to partial_fit",
        id="no-classes-first-call",
    ),
    pytest.param(
        "fitted",
        {"classes": [0, 1, 2, 3]},
        ValueError,
        r"classes=\[0, 1, 2, 3\] is not the same as the fitted classes_",
        id="other-classes-later",
    ),
    pytest.param(
        "fitted-unknown",
        {},
        ValueError,
        r"y holds labels that are not in classes: \[7\]",
        id="unknown-label-later",
    ),
    pytest.param(
        "fitted-narrow",
        {},
        ValueError,
        "X has 9 features, but MLPClassifier is expecting 16",
        id="wrong-feature-count-later",
    ),
]


@pytest.mark.parametrize(
    ("state", "kwargs", "error", "message"),
    hostile("estimator inputs", PARTIAL_FIT_CASES),
)
def test_bad_partial_fit(state, kwargs, error, message, fitted):
    X, y = data()
    if state == "fresh":
        est = small(MLPClassifier)
    else:
        est = copy.deepcopy(fitted[MLPClassifier])
        if state == "fitted-unknown":
            y = np.where(y == 0, 7, y)
        if state == "fitted-narrow":
            X = X[:, :9]
    before = None if state == "fresh" else est.predict_proba(data()[0])
    with no_training(), pytest.raises(error, match=message):
        est.partial_fit(X, y, **kwargs)
    if before is None:
        assert_unfitted(est)
    else:
        np.testing.assert_array_equal(est.predict_proba(data()[0]), before)


@pytest.mark.parametrize(
    "cls", hostile("estimator inputs", per_estimator([pytest.param(id="float32-max")]))
)
def test_inputs_near_the_float32_maximum(cls):
    """Unscaled input of ~3e38 (float32): a warning, then the non-finite loss."""
    X, y = data()
    X = X * np.float32(3e38)
    est = small(cls)
    if cls is LSTMClassifier:  # saturated gates keep the loss finite: it trains
        with pytest.warns(UserWarning, match="X holds values up to 3e"):
            est.fit(X, y)
        assert np.isfinite(est.predict_proba(X)).all()
        return
    with (
        pytest.warns(UserWarning, match="X holds values up to 3e"),
        pytest.raises(NonFiniteLossError) as info,
    ):
        est.fit(X, y)
    message = str(info.value)
    assert re.search("The training loss became (nan|inf) at epoch 1, batch 1", message)
    assert "X holds values up to 3e+38" in message
    assert "scale X to [0, 1] first" in message
    assert_unfitted(est)


@hostile_case("estimator inputs", "batch-size-far-above-the-data")
@pytest.mark.parametrize("batch_size", [31, 10**9])
def test_a_batch_size_far_above_the_data(batch_size):
    """Documented: one batch per epoch; prediction batches stay bounded."""
    X, y = data()
    est = small(MLPClassifier, batch_size=batch_size).fit(X, y)
    assert est.n_iter_ == 1
    assert len(est.history_[-1]["batches"]) == 1
    np.testing.assert_array_equal(est.predict_proba(X[:3]), est.predict_proba(X)[:3])


# ==========================================================================
# Parameters


class BadType:
    """A value of a type that no parameter accepts."""

    def __repr__(self) -> str:
        return "BadType()"


def _invalid_values(cls) -> list:
    """(name, value, id): each parameter with a wrong type, and out of range."""
    cases = []
    for name, constraints in sorted(cls._parameter_constraints.items()):
        cases.append((name, BadType(), f"{name}-wrong-type"))
        if generate_invalid_param_val is None:
            continue
        made = [make_constraint(c) for c in constraints]
        for i, constraint in enumerate(made):
            try:
                value = generate_invalid_param_val(constraint)
            except (NotImplementedError, ValueError, TypeError):
                continue  # no invalid value (a type, a predicate, None)
            if any(other.is_satisfied_by(value) for other in made):
                continue
            cases.append((name, value, f"{name}-out-of-range-{i}"))
    return cases


GENERATED = [
    pytest.param(cls, name, value, id=f"{cls.__name__}-{case_id}")
    for cls in ALL
    for name, value, case_id in _invalid_values(cls)
]


@pytest.mark.parametrize(("cls", "name", "value"), hostile("parameters", GENERATED))
def test_every_parameter_rejects_a_wrong_type_and_an_out_of_range_value(
    cls, name, value
):
    est = small(cls, **{name: value})
    with no_training(), pytest.raises(InvalidParameterError) as info:
        est.fit(*data())
    message = str(info.value)
    assert message.startswith(f"The '{name}' parameter of {cls.__name__} must be ")
    assert f"Got {value!r} instead" in message
    assert_unfitted(est)


SPECIFIC_PARAMETERS = [
    pytest.param(
        MLPClassifier,
        {"batch_size": True},
        InvalidParameterError,
        "'batch_size' parameter .* int in the range \\[1, inf\\). Got True",
        id="batch_size-True",
    ),
    pytest.param(
        MLPClassifier,
        {"max_epochs": False},
        InvalidParameterError,
        "'max_epochs' parameter .* Got False",
        id="max_epochs-False",
    ),
    pytest.param(
        MLPClassifier,
        {"batch_size": 2.5},
        InvalidParameterError,
        "'batch_size' parameter .* Got 2.5",
        id="batch_size-float",
    ),
    pytest.param(
        CNNClassifier,
        {"batch_size": 1, "batch_norm": True},
        ValueError,
        "batch_size=1 cannot train batch normalisation .* batch_norm=False",
        id="batch_size-1-with-batch-norm",
    ),
    pytest.param(
        MLPClassifier,
        {"device": "cuda:7"},
        ValueError,
        "device='cuda:7' was requested",
        id="device-cuda-7",
    ),
    pytest.param(
        MLPClassifier,
        {"device": "tpu"},
        ValueError,
        "device must be 'auto', 'cpu'.*got 'tpu'",
        id="device-unknown",
    ),
    pytest.param(
        MLPClassifier,
        {"max_time": 0},
        InvalidParameterError,
        r"'max_time' parameter .* range \(0.0, inf\) or None. Got 0",
        id="max_time-0",
    ),
    pytest.param(
        MLPClassifier,
        {"max_time": -1.0},
        InvalidParameterError,
        "'max_time' parameter .* Got -1.0",
        id="max_time-negative",
    ),
    pytest.param(
        MLPClassifier,
        {"max_time": float("nan")},
        InvalidParameterError,
        "'max_time' parameter .* Got nan",
        id="max_time-nan",
    ),
    pytest.param(
        MLPClassifier,
        {"lr": float("inf")},
        InvalidParameterError,
        "'lr' parameter .* Got inf",
        id="lr-inf",
    ),
    pytest.param(
        MLPClassifier,
        {"lr": float("nan")},
        InvalidParameterError,
        "'lr' parameter .* Got nan",
        id="lr-nan",
    ),
    pytest.param(
        MLPClassifier,
        {"class_weight": {0: 1.0, 7: 2.0}},
        ValueError,
        r"class_weight names labels that are not in y: \[7\]; "
        r"the classes are \[0, 1, 2\]",
        id="class_weight-unknown-label",
    ),
    pytest.param(
        MLPClassifier,
        {"class_weight": {0: -1.0}},
        ValueError,
        "class_weight must map labels to non-negative finite numbers; got {0: -1.0}",
        id="class_weight-negative",
    ),
    pytest.param(
        MLPClassifier,
        {"class_weight": {0: float("nan")}},
        ValueError,
        "class_weight must map labels to non-negative finite numbers",
        id="class_weight-nan",
    ),
    pytest.param(
        MLPClassifier,
        {"class_weight": {0: "heavy"}},
        ValueError,
        "class_weight must map labels to non-negative finite numbers; got {0: 'heavy'}",
        id="class_weight-string",
    ),
    pytest.param(
        MLPClassifier,
        {"class_weight": "balance"},
        InvalidParameterError,
        "'class_weight' parameter .* Got 'balance'",
        id="class_weight-misspelt",
    ),
    pytest.param(
        MLPClassifier,
        {"augment": {"flip": 0.5}},
        InvalidParameterError,
        "'augment' parameter .* keys among 'rotation' and 'shear'.* Got {'flip': 0.5}",
        id="augment-unknown-key",
    ),
    pytest.param(
        MLPClassifier,
        {"augment": {"rotation": 120}},
        InvalidParameterError,
        r"'augment' parameter .* \[0, 90\)",
        id="augment-out-of-range",
    ),
    pytest.param(
        MLPClassifier,
        {"augment": {"shift": "0.1"}},
        InvalidParameterError,
        "'augment' parameter",
        id="augment-string-value",
    ),
    pytest.param(
        MLPClassifier,
        {"optimizer": "adamm"},
        InvalidParameterError,
        "'optimizer' parameter .*'adam'",
        id="optimizer-misspelt",
    ),
    pytest.param(
        MLPClassifier,
        {"optimizer": torch.optim.Adam([torch.zeros(1)])},
        InvalidParameterError,
        "'optimizer' parameter .* subclass",
        id="optimizer-instance",
    ),
    pytest.param(
        MLPClassifier,
        {"callbacks": ["print"]},
        InvalidParameterError,
        "'callbacks' parameter .* skorch",
        id="callbacks-strings",
    ),
    pytest.param(
        MLPClassifier,
        {"image_shape": (1, 3, 3)},
        ValueError,
        "image_shape=.* has 9 pixels",
        id="image_shape-wrong-size",
    ),
    pytest.param(
        MLPClassifier,
        {"image_shape": (4, -4)},
        InvalidParameterError,
        "'image_shape' parameter",
        id="image_shape-negative",
    ),
    pytest.param(
        MLPClassifier,
        {"validation_fraction": 0.99},
        ValueError,
        "validation_fraction=0.99 leaves 0 training",
        id="validation_fraction-too-large-for-the-data",
    ),
    pytest.param(
        MLPClassifier,
        {"random_state": "seed"},
        InvalidParameterError,
        "'random_state' parameter .* Got 'seed'",
        id="random_state-string",
    ),
    pytest.param(
        MLPClassifier,
        {"n_threads": 0},
        InvalidParameterError,
        "'n_threads' parameter .* Got 0",
        id="n_threads-0",
    ),
    pytest.param(
        MLPClassifier,
        {"precision": "int8"},
        InvalidParameterError,
        "'precision' parameter .* Got 'int8'",
        id="precision-int8",
    ),
    pytest.param(
        MLPClassifier,
        {"hidden_layer_sizes": ()},
        InvalidParameterError,
        "'hidden_layer_sizes' parameter",
        id="hidden_layer_sizes-empty",
    ),
    pytest.param(
        CNNClassifier,
        {"filters": (8, 0)},
        InvalidParameterError,
        r"'filters' parameter .* Got \(8, 0\)",
        id="filters-zero",
    ),
]


@pytest.mark.parametrize(
    ("cls", "params", "error", "message"),
    hostile("parameters", SPECIFIC_PARAMETERS),
)
def test_parameters_that_fail_together_or_on_this_machine(cls, params, error, message):
    est = small(cls, **params)
    with no_training(), pytest.raises(error, match=message):
        est.fit(*data())
    assert_unfitted(est)


@hostile_case("parameters", "unknown-parameter")
def test_unknown_parameters_are_named():
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        MLPClassifier(colour=3)
    with pytest.raises(ValueError, match="Invalid parameter 'colour' for estimator"):
        MLPClassifier().set_params(colour=3)


@hostile_case("parameters", "resume-without-checkpoint")
def test_resume_needs_a_checkpoint():
    est = small(MLPClassifier)
    with (
        no_training(),
        pytest.raises(ValueError, match="resume=True .* set checkpoint=<folder>"),
    ):
        est.fit(*data(), resume=True)
    assert_unfitted(est)


@pytest.mark.parametrize(
    ("change", "message"),
    hostile(
        "parameters",
        [
            pytest.param(
                {"hidden_layer_sizes": (7,)},
                r"architecture changed \(e.g. hidden.0.weight: \(32, 16\) before, "
                r"\(7, 16\) now\)",
                id="warm_start-new-architecture",
            ),
            pytest.param(
                {"image_shape": (2, 2, 4)},
                r"same image shape \(\(1, 4, 4\)\) and classes",
                id="warm_start-new-image-shape",
            ),
        ],
    ),
)
def test_warm_start_after_changing_the_model(change, message, fitted):
    est = copy.deepcopy(fitted[MLPClassifier])
    X, y = data()
    before = est.predict_proba(X)
    est.set_params(warm_start=True, **change)
    with no_training(), pytest.raises(ValueError, match=message) as info:
        est.fit(X, y)
    assert "warm_start=False" in str(info.value)
    np.testing.assert_array_equal(est.predict_proba(X), before)  # nothing lost


@hostile_case("parameters", "warm_start-new-classes")
def test_warm_start_with_other_classes(fitted):
    est = copy.deepcopy(fitted[MLPClassifier]).set_params(warm_start=True)
    X, y = data()
    with (
        no_training(),
        pytest.raises(
            ValueError, match="same image shape .* and classes; got .* 2 classes"
        ),
    ):
        est.fit(X, y % 2)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])


@pytest.mark.parametrize(
    "below",
    hostile(
        "parameters",
        [
            pytest.param("", id="checkpoint-is-a-file"),
            pytest.param("sub", id="checkpoint-below-a-file"),
        ],
    ),
)
def test_a_checkpoint_that_is_a_file(tmp_path, below):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    checkpoint = blocker / below if below else blocker
    est = small(MLPClassifier, checkpoint=checkpoint)
    with no_training(), pytest.raises(NotADirectoryError) as info:
        est.fit(*data())
    message = str(info.value)
    assert f"checkpoint={str(checkpoint)!r} must be a folder" in message
    assert f"{blocker} is a file" in message
    assert blocker.read_text() == "keep me"
    assert listing(tmp_path) == ["notes.txt"]
    assert_unfitted(est)


# ==========================================================================
# Files: models


@pytest.fixture(scope="module")
def saved(tmp_path_factory, fitted):
    """A saved model's two files (bytes), and another model's."""
    folder = tmp_path_factory.mktemp("saved")
    save_model(fitted[MLPClassifier], folder / "m")
    other = small(MLPClassifier, hidden_layer_sizes=(8,)).fit(*data())
    save_model(other, folder / "other")
    return snapshot(folder)


def _model(folder, saved, weights=None, description=None, name="m"):
    """Write model files to ``folder``: the saved ones, or changed ones."""
    weights = saved["m.safetensors"] if weights is None else weights
    text = saved["m.json"] if description is None else description
    (folder / f"{name}.safetensors").write_bytes(weights)
    (folder / f"{name}.json").write_bytes(text)
    return folder / name


def _described(saved, change, weights=None):
    """The saved description changed by ``change`` (and its checksum fixed)."""
    description = json.loads(saved["m.json"])
    change(description)
    if weights is not None:
        description["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    return json.dumps(description).encode()


class Evil:
    """Unpickling this creates the file ``marker``: code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def _m(folder, saved, **kwargs):
    return lambda: _model(folder, saved, **kwargs)


def _crafted_weights(folder, saved):
    blob = pickle.dumps(Evil(folder / "ran"))
    return _model(
        folder,
        saved,
        weights=blob,
        description=_described(saved, lambda d: None, weights=blob),
    )


def _mismatched(folder, saved):
    weights = saved["other.safetensors"]
    return _model(
        folder,
        saved,
        weights=weights,
        description=_described(saved, lambda d: None, weights=weights),
    )


def _truncated_consistent(folder, saved):
    weights = saved["m.safetensors"][:100]
    return _model(
        folder,
        saved,
        weights=weights,
        description=_described(saved, lambda d: None, weights=weights),
    )


def _pickle_file(suffix):
    def make(folder, saved):
        path = folder / f"model{suffix}"
        path.write_bytes(pickle.dumps(Evil(folder / "ran")))
        return path

    return make


def _description(change):
    return lambda folder, saved: _model(
        folder, saved, description=_described(saved, change)
    )


def _raw_description(text):
    return lambda folder, saved: _model(folder, saved, description=text)


def _raw_weights(blob):
    return lambda folder, saved: _model(folder, saved, weights=blob)


def _only(suffix):
    def make(folder, saved):
        path = _model(folder, saved)
        Path(f"{path}{suffix}").unlink()
        return path

    return make


def _folder(folder, saved):
    (folder / "models").mkdir()
    return folder / "models"


def _json_is_a_folder(folder, saved):
    (folder / "m.safetensors").write_bytes(saved["m.safetensors"])
    (folder / "m.json").mkdir()
    return folder / "m"


def _text_file(folder, saved):
    path = folder / "notes.txt"
    path.write_text("not a model")
    return path


def _set(**fields):
    return lambda d: d.update(fields)


def _set_param(**params):
    return lambda d: d["params"].update(params)


MODEL_FILES = [
    pytest.param(
        _raw_weights(b""),
        ValueError,
        r"m\.safetensors does not match its description m\.json \(checksum differs\)",
        id="empty-weights",
    ),
    pytest.param(
        lambda f, s: _model(f, s, weights=s["m.safetensors"][:100]),
        ValueError,
        r"m\.safetensors does not match its description m\.json \(checksum differs\)",
        id="truncated-weights",
    ),
    pytest.param(
        _truncated_consistent,
        ValueError,
        r"Cannot read .*m\.safetensors as safetensors",
        id="truncated-weights-with-their-checksum",
    ),
    pytest.param(
        _raw_weights(b"hello, not tensors\n"),
        ValueError,
        r"m\.safetensors does not match",
        id="text-as-weights",
    ),
    pytest.param(
        _mismatched,
        ValueError,
        r"The weights in .*m\.safetensors do not fit a MLPClassifier",
        id="weights-of-another-model",
    ),
    pytest.param(
        _crafted_weights,
        ValueError,
        r"Cannot read .*m\.safetensors as safetensors",
        id="pickle-as-weights",
    ),
    pytest.param(
        _raw_description(b""),
        ValueError,
        r"m\.json is not a model description: Expecting value",
        id="empty-description",
    ),
    pytest.param(
        _raw_description(b"{not json"),
        ValueError,
        r"m\.json is not a model description",
        id="text-description",
    ),
    pytest.param(
        _raw_description(b"\xff\xfe\x00\x01"),
        ValueError,
        r"m\.json is not a model description: 'utf-8' codec",
        id="binary-description",
    ),
    pytest.param(
        _raw_description(b"[1, 2, 3]"),
        ValueError,
        r"m\.json is not an emnist-estimators model description",
        id="json-list",
    ),
    pytest.param(
        _raw_description(b'{"name": "something else"}'),
        ValueError,
        r"m\.json is not an emnist-estimators model description .*'format' field",
        id="json-of-something-else",
    ),
    pytest.param(
        _description(_set(format_version=FORMAT_VERSION + 1)),
        ValueError,
        r"model format 2; .* reads formats up to 1\. Upgrade",
        id="newer-format-version",
    ),
    pytest.param(
        _description(_set(format_version="1")),
        ValueError,
        r"m\.json has an invalid format_version '1'",
        id="format-version-string",
    ),
    pytest.param(
        _description(lambda d: d.pop("params")),
        ValueError,
        r"m\.json is not a valid model description: .*'params' \(dict\)",
        id="no-params",
    ),
    pytest.param(
        _description(_set(params="lr=1")),
        ValueError,
        r"m\.json is not a valid model description: .*'params' \(dict\)",
        id="params-not-a-dict",
    ),
    pytest.param(
        _description(_set(image_shape="28x28")),
        ValueError,
        r"m\.json is not a valid model description: .*'image_shape' \(list\)",
        id="image-shape-string",
    ),
    pytest.param(
        _description(_set(n_features_in="16")),
        ValueError,
        r"'n_features_in' \(int\)",
        id="n-features-string",
    ),
    pytest.param(
        _description(_set(precision="float8")),
        ValueError,
        r"m\.json is not a valid model description: .*'precision'",
        id="unknown-precision",
    ),
    pytest.param(
        _description(_set(history=3)),
        ValueError,
        r"'history' \(list\)",
        id="history-not-a-list",
    ),
    pytest.param(
        _description(lambda d: d["classes"].update(dtype="garbage")),
        ValueError,
        r"m\.json is not a valid model description: TypeError: data type 'garbage'",
        id="classes-dtype-garbage",
    ),
    pytest.param(
        _description(lambda d: d["classes"].update(values=[0, 1])),
        ValueError,
        r"The weights in .*m\.safetensors do not fit",
        id="classes-count-changed",
    ),
    pytest.param(
        _description(_set(image_shape=[1, 9, 9])),
        ValueError,
        r"image shape \(1, 9, 9\) does not hold the 16 features",
        id="image-shape-changed",
    ),
    pytest.param(
        _description(_set_param(lr=-1)),
        ValueError,
        r"m\.json is not a valid model description: "
        r"InvalidParameterError: The 'lr' parameter",
        id="saved-parameter-out-of-range",
    ),
    pytest.param(
        _description(_set_param(colour=3)),
        ValueError,
        r"parameters \['colour'\] that MLPClassifier .* does not know",
        id="unknown-saved-parameter",
    ),
    pytest.param(
        _description(_set(model="transformer")),
        ValueError,
        r"holds a 'transformer' model, which is not registered here",
        id="unregistered-model",
    ),
    pytest.param(
        _description(_set_param(optimizer={"__optimizer__": "os:system"})),
        ValueError,
        r"optimizer 'os:system' is not a torch.optim optimizer",
        id="optimizer-pointing-at-os-system",
    ),
    pytest.param(
        _pickle_file(".pkl"),
        ValueError,
        r"model\.pkl is a pickle: loading it runs whatever code it contains\. "
        r"Pass trusted=True",
        id="crafted-pickle-pkl",
    ),
    pytest.param(
        _pickle_file(".joblib"),
        ValueError,
        r"model\.joblib is a pickle: .* trusted=True",
        id="crafted-pickle-joblib",
    ),
    pytest.param(
        _pickle_file(".pickle"),
        ValueError,
        r"model\.pickle is a pickle: .* trusted=True",
        id="crafted-pickle-pickle",
    ),
    pytest.param(
        _folder,
        IsADirectoryError,
        r"models is a folder; give a model's .safetensors or .json file",
        id="a-folder",
    ),
    pytest.param(
        _json_is_a_folder,
        FileNotFoundError,
        r"No model description at .*m\.json",
        id="description-is-a-folder",
    ),
    pytest.param(
        _only(".json"),
        FileNotFoundError,
        r"No model description at .*m\.json",
        id="no-description",
    ),
    pytest.param(
        _only(".safetensors"),
        FileNotFoundError,
        r"No model weights at .*m\.safetensors",
        id="no-weights",
    ),
    pytest.param(
        _text_file,
        ValueError,
        r"notes\.txt is not a model file: load_model reads <name>\.safetensors",
        id="a-text-file",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "message"), hostile("files", prefixed("load_model", MODEL_FILES))
)
def test_damaged_foreign_and_crafted_model_files(tmp_path, saved, make, error, message):
    path = make(tmp_path, saved)
    before = snapshot(tmp_path)
    with pytest.raises(error, match=message):
        load_model(path)
    assert not (tmp_path / "ran").exists()  # no code from the files ran
    assert snapshot(tmp_path) == before  # nothing changed, nothing added


@hostile_case("files", "trusted-pickle-of-something-else")
def test_a_trusted_pickle_must_hold_a_model(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"weights": [1, 2]}))
    with pytest.raises(
        ValueError,
        match=r"model\.pkl holds a dict, not an emnist-estimators classifier",
    ):
        load_model(path, trusted=True)


@pytest.mark.parametrize(
    "damage",
    hostile(
        "files",
        [
            pytest.param("truncated", id="trusted-pickle-truncated"),
            pytest.param("text", id="trusted-pickle-is-text"),
            pytest.param("empty", id="trusted-pickle-empty"),
        ],
    ),
)
def test_a_damaged_trusted_pickle_is_a_clear_value_error(tmp_path, fitted, damage):
    whole = pickle.dumps(fitted[MLPClassifier])
    content = {
        "truncated": whole[: len(whole) // 2],
        "text": b"these are notes, not a pickle\n",
        "empty": b"",
    }[damage]
    path = tmp_path / "model.joblib"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"model\.joblib is not a readable pickle"):
        load_model(path, trusted=True)


# Files: checkpoints


@pytest.fixture()
def checkpointed(tmp_path):
    """A fit with a checkpoint: (estimator, its checkpoint file)."""
    est = small(MLPClassifier, checkpoint=tmp_path / "ck").fit(*data())
    return est, est.checkpoint_path_ / CHECKPOINT_FILE


@pytest.mark.parametrize(
    "content",
    hostile(
        "files",
        [
            pytest.param("truncated", id="checkpoint-truncated"),
            pytest.param("pickle", id="checkpoint-crafted-pickle"),
            pytest.param("other-format", id="checkpoint-of-another-format"),
        ],
    ),
)
def test_damaged_or_crafted_checkpoints(tmp_path, checkpointed, content):
    _, path = checkpointed
    if content == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif content == "pickle":
        path.write_bytes(pickle.dumps(Evil(tmp_path / "ran"), protocol=2))
    else:
        torch.save({"format": 99}, path)
    before = path.read_bytes()
    named = re.escape(str(path))
    expected = {
        "truncated": f"(?s)^Cannot read the checkpoint {named}: .*",
        "pickle": f"^Cannot read the checkpoint {named}: it holds objects other than",
        "other-format": f"^{named} is not a checkpoint of format 1",
    }[content]
    with pytest.raises(OSError, match=expected) as info:
        small(MLPClassifier, checkpoint=tmp_path / "ck").fit(*data(), resume=True)
    assert str(info.value).endswith("Delete it to start over.")
    assert not (tmp_path / "ran").exists()
    assert path.read_bytes() == before


# Files: datasets


def _idx_case(make, error, message, id):
    return pytest.param(make, error, message, id=id)


def _emnist(folder, **kwargs):
    write_emnist(folder, "digits", "train", n=20, **kwargs)
    return emnist_names("digits", "train")


def _truncate(gz, cut):
    def make(folder):
        images, _ = _emnist(folder, gz=gz)
        path = folder / (images + (".gz" if gz else ""))
        path.write_bytes(path.read_bytes()[:-cut])
        return path

    return make


def _replace_images(content):
    def make(folder):
        images, _ = _emnist(folder)
        path = folder / f"{images}.gz"
        path.write_bytes(content)
        return path

    return make


def _swapped(folder):
    images, _ = _emnist(folder)
    write_idx(folder / f"{images}.gz", np.zeros(20, dtype=np.uint8))
    return folder / f"{images}.gz"


def _labels(values):
    def make(folder):
        _, labels = _emnist(folder, labels=np.asarray(values, dtype=np.uint8))
        return folder / f"{labels}.gz"

    return make


def _counts(folder):
    _, labels = _emnist(folder)
    write_idx(folder / f"{labels}.gz", labels_for("digits", 19))
    return folder / f"{labels}.gz"


def _image_size(folder):
    images, _ = _emnist(folder, images=np.zeros((20, 28, 27), dtype=np.uint8))
    return folder / f"{images}.gz"


def _mapping(content):
    def make(folder):
        _emnist(folder)
        path = folder / "emnist-digits-mapping.txt"
        if content is None:
            write_mapping(folder, "byclass").rename(path)
        else:
            path.write_text(content)
        return path

    return make


def _float_labels(folder):
    _, labels = _emnist(folder)
    write_idx(folder / f"{labels}.gz", np.zeros(20, dtype=np.float32))
    return folder / f"{labels}.gz"


DATASET_FILES = [
    _idx_case(
        _truncate(True, 20),
        ValueError,
        "truncated or corrupt gzip file",
        "truncated-gzip",
    ),
    _idx_case(
        _truncate(False, 20),
        ValueError,
        r"is truncated: its header announces an array of shape \(20, 28, 28\)",
        "truncated-plain",
    ),
    _idx_case(
        _replace_images(b"\x1f\x8b" + bytes(range(60))),
        ValueError,
        "truncated or corrupt gzip file",
        "corrupt-gzip",
    ),
    _idx_case(
        _replace_images(gzip.compress(b"\x12\x34\x56\x78" + bytes(100))),
        ValueError,
        "bad magic number 0x12345678",
        "wrong-magic",
    ),
    _idx_case(
        _replace_images(gzip.compress(b"")),
        ValueError,
        "ends after 0 bytes, before the 4-byte magic number",
        "empty-gzip",
    ),
    _idx_case(
        _replace_images(
            gzip.compress(bytes([0, 0, 8, 3]) + (2**31).to_bytes(4, "big") * 3)
        ),
        ValueError,
        "header announces an array of shape \\(2147483648, 2147483648, 2147483648\\)",
        "absurd-header",
    ),
    _idx_case(
        _swapped,
        ValueError,
        "is not an idx file of images: its magic number is 0x00000801",
        "images-and-labels-swapped",
    ),
    _idx_case(
        _float_labels,
        ValueError,
        "labels-idx1-ubyte.gz is not an idx file of labels",
        "float-labels",
    ),
    _idx_case(
        _labels(np.arange(20) + 40),
        ValueError,
        "not valid for this dataset",
        "labels-out-of-range",
    ),
    _idx_case(_counts, ValueError, r"20 images but .* 19 labels", "mismatched-counts"),
    _idx_case(
        _image_size,
        ValueError,
        r"shape \(28, 27\), expected \(28, 28\)",
        "wrong-image-size",
    ),
    _idx_case(
        _mapping(None),
        ValueError,
        r"emnist-digits-mapping\.txt does not match",
        "mapping-of-another-split",
    ),
    _idx_case(
        _mapping("0 48\n1 oops\n"),
        ValueError,
        r"emnist-digits-mapping\.txt",
        "mapping-garbage",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    hostile("files", prefixed("load_emnist", DATASET_FILES)),
)
def test_damaged_dataset_files(tmp_path, make, error, message):
    path = make(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(error, match=message) as info:
        load_emnist("digits", data_dir=tmp_path)
    assert path.name in str(info.value)
    assert snapshot(tmp_path) == before


READ_IDX = [
    pytest.param(
        os.urandom(64),
        ValueError,
        "is not a valid idx file: bad magic number",
        id="random-bytes",
    ),
    pytest.param(b"", ValueError, "ends after 0 bytes", id="empty"),
    pytest.param(b"images\n", ValueError, "bad magic number", id="text"),
    pytest.param(
        bytes([0, 0, 8, 2, 0, 0]),
        ValueError,
        "is truncated: its header announces 2 dimensions",
        id="truncated-header",
    ),
    pytest.param(
        idx_bytes(np.zeros((3, 4), np.uint8)) + b"extra",
        ValueError,
        r"corrupt \(too long\)",
        id="trailing-bytes",
    ),
    pytest.param(None, IsADirectoryError, "Is a directory", id="a-folder"),
    pytest.param("missing", FileNotFoundError, "No such file", id="missing"),
]


@pytest.mark.parametrize(
    ("content", "error", "message"), hostile("files", prefixed("read_idx", READ_IDX))
)
def test_read_idx_on_garbage(tmp_path, content, error, message):
    path = tmp_path / "data-idx"
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(error, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


# ==========================================================================
# Network


@pytest.fixture()
def network(monkeypatch):
    """A loopback server; short timeouts and 2 attempts per URL."""
    no_proxy(monkeypatch)
    monkeypatch.setattr(_download, "TIMEOUT", 0.4)
    monkeypatch.setattr(_download, "ATTEMPTS", 2)
    monkeypatch.setattr(_download, "BACKOFF", 0.01)
    with Loopback() as server:
        yield server


def _mnist_files() -> dict[str, bytes]:
    files = {}
    for prefix in ("train", "t10k"):
        images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
        files[f"{prefix}-images-idx3-ubyte.gz"] = idx_bytes(images, gz=True)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = idx_bytes(
            np.arange(8, dtype=np.uint8), gz=True
        )
    return files


def _serve_mnist(monkeypatch, server, first, md5=None, mirrors=(), url=None):
    """MNIST's four files from ``server``.

    The first file's URL answers ``first(data)`` (its checksum is that of
    the last bytes served, or ``md5``), after the ``mirrors``; ``url``
    replaces it. Returns the first file's URL and name.
    """
    files = _mnist_files()
    resources = []
    for i, (name, data) in enumerate(files.items()):
        responses = first(data) if i == 0 else [data]
        served = next((r for r in reversed(responses) if isinstance(r, bytes)), data)
        urls = (
            [url or server.serve(name, *responses)]
            if i == 0
            else [server.serve(name, data)]
        )
        if i == 0:
            urls = [*mirrors, *urls]
        resources.append((urls, name, md5 or hashlib.md5(served).hexdigest()))
    monkeypatch.setattr(_download, "resources", lambda spec: resources)
    return resources[0][0][-1], next(iter(files))


NETWORK = [
    pytest.param(
        lambda d: [STALL],
        OSError,
        r"2 attempts failed, the last with no answer within 0\.4 s",
        None,
        id="stalled-server",
    ),
    pytest.param(
        lambda d: [Drop(d)],
        OSError,
        r"2 attempts failed, the last with ConnectionError: "
        r"the connection closed after \d+ of the \d+ bytes",
        None,
        id="dropped-mid-body",
    ),
    pytest.param(
        lambda d: [404],
        OSError,
        "1 attempt failed, the last with HTTP error 404",
        None,
        id="not-found",
    ),
    pytest.param(
        lambda d: [503],
        OSError,
        "2 attempts failed, the last with HTTP error 503",
        None,
        id="server-error",
    ),
    pytest.param(
        lambda d: [d],
        OSError,
        "served a file whose md5 checksum is not 0{32}",
        "0" * 32,
        id="wrong-bytes",
    ),
    pytest.param(
        lambda d: [gzip.compress(b"\x12\x34\x56\x78")],
        ValueError,
        "is corrupt; nothing was saved",
        None,
        id="published-file-corrupt",
    ),
]


@pytest.mark.parametrize(
    ("plan", "error", "message", "md5"), hostile("network", NETWORK)
)
def test_downloads_that_fail(tmp_path, monkeypatch, network, plan, error, message, md5):
    url, name = _serve_mnist(monkeypatch, network, plan, md5=md5)
    with pytest.raises(error, match=message) as info:
        load_mnist(data_dir=tmp_path, download=True)
    # Bounded retries: at most ATTEMPTS (2) requests per URL, never a loop.
    assert network.hits[name] <= 2
    assert name in str(info.value)
    if error is OSError:
        assert url in str(info.value)
        assert "nothing was saved" in str(info.value)
    assert listing(tmp_path) == []  # no partial file, no staging folder


@hostile_case("network", "connection-refused")
def test_a_refused_connection(tmp_path, monkeypatch, network):
    url = refused_url("train-images-idx3-ubyte.gz")
    _serve_mnist(monkeypatch, network, lambda d: [d], url=url)
    with pytest.raises(
        OSError, match=f"{url}: 2 attempts failed, the last with ConnectionRefusedError"
    ):
        load_mnist(data_dir=tmp_path, download=True)
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "first",
    hostile(
        "network",
        [
            pytest.param(lambda d: [Drop(d), d], id="dropped-then-served"),
            pytest.param(lambda d: [STALL, d], id="stalled-then-served"),
            pytest.param(lambda d: [503, d], id="unavailable-then-served"),
        ],
    ),
)
def test_downloads_that_succeed_on_the_second_attempt(
    tmp_path, monkeypatch, network, first
):
    _, name = _serve_mnist(monkeypatch, network, first)
    X, _ = load_mnist("test", data_dir=tmp_path, download=True)
    assert X.shape == (8, 28, 28)
    assert network.hits[name] == 2
    assert not [p for p in listing(tmp_path) if p.startswith(".") or p.endswith(".tmp")]


@hostile_case("network", "first-mirror-stalls")
def test_a_stalled_mirror_falls_back_to_the_next(tmp_path, monkeypatch, network):
    stalled = network.serve("stalled/train-images-idx3-ubyte.gz", STALL)
    _serve_mnist(monkeypatch, network, lambda d: [d], mirrors=[stalled])
    X, _ = load_mnist(data_dir=tmp_path, download=True)
    assert len(X) == 8
    assert network.hits["stalled/train-images-idx3-ubyte.gz"] == 2


@hostile_case("network", "interrupted-transfer")
def test_an_interrupted_download_leaves_nothing(tmp_path, monkeypatch, network):
    _serve_mnist(monkeypatch, network, lambda d: [d])

    def interrupted(url, path):
        path.write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(_download, "_transfer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_mnist(data_dir=tmp_path, download=True)
    assert listing(tmp_path) == []


# ==========================================================================
# Disk


def _permissions_enforced(folder: Path) -> bool:
    """Whether a folder without write permission refuses files (not as root)."""
    probe = folder / "probe"
    probe.mkdir()
    probe.chmod(0o500)
    try:
        (probe / "x").touch()
    except PermissionError:
        return True
    else:
        return False
    finally:
        probe.chmod(0o700)
        shutil.rmtree(probe)


@pytest.fixture()
def unwritable(tmp_path):
    """A folder that cannot be written into.

    Without write permission (``chmod 0o500``) where permissions are
    enforced; as root, where they are not, a folder below a regular file.
    """
    if sys.platform != "win32" and _permissions_enforced(tmp_path):
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
    else:
        (tmp_path / "blocker").write_text("a file")
        yield tmp_path / "blocker" / "out"


def _write_model(folder, fitted):
    save_model(fitted[MLPClassifier], folder / "m")


def _write_report(folder, fitted):
    ReportWriter(folder, "title").save()


def _write_idx(folder, fitted):
    write_idx(folder / "images-idx3-ubyte", np.zeros((2, 2, 2), np.uint8))


def _download_into(folder, fitted):
    load_mnist(data_dir=folder, download=True)


def _checkpoint_into(folder, fitted):
    small(MLPClassifier, checkpoint=folder).fit(*data())


UNWRITABLE = [
    pytest.param(_write_model, id="save_model"),
    pytest.param(_write_report, id="report"),
    pytest.param(_write_idx, id="write_idx"),
    pytest.param(_download_into, id="download"),
    pytest.param(_checkpoint_into, id="checkpoint"),
]


@pytest.mark.parametrize("write", hostile("disk", UNWRITABLE))
def test_an_unwritable_folder(unwritable, fitted, write, monkeypatch):
    monkeypatch.setattr(_download, "_download_url", _no_network)
    root = unwritable.parent
    before = listing(root)
    with pytest.raises(OSError) as info:
        write(unwritable, fitted)
    assert str(unwritable) in str(info.value)
    assert listing(root) == before


def _no_network(*args, **kwargs):
    raise AssertionError("the download should fail before going online")


class FullDisk:
    """A file whose writes fail with ENOSPC after ``room`` bytes."""

    def __init__(self, f, room):
        self.f = f
        self.room = room

    def write(self, data):
        data = bytes(data)
        if len(data) > self.room:
            self.f.write(data[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def full_disk(monkeypatch, room=64, after_files=0):
    """Make the disk full: the temporary files written by the library fail.

    The first ``after_files`` files are written normally.
    """
    real = atomic._fdopen
    opened = []

    def fdopen(fd, mode):
        f = real(fd, mode)
        opened.append(f)
        return f if len(opened) <= after_files else FullDisk(f, room)

    monkeypatch.setattr(atomic, "_fdopen", fdopen)


@pytest.mark.parametrize(
    ("after_files", "failing"),
    hostile(
        "disk",
        [
            pytest.param(0, "m.safetensors", id="full-disk-model-weights"),
            pytest.param(1, "m.json", id="full-disk-model-description"),
        ],
    ),
)
def test_a_full_disk_while_saving_a_model(
    tmp_path, fitted, monkeypatch, after_files, failing
):
    save_model(fitted[MLPClassifier], tmp_path / "m")
    before = snapshot(tmp_path)
    other = small(MLPClassifier, hidden_layer_sizes=(8,)).fit(*data())
    full_disk(monkeypatch, after_files=after_files)
    with pytest.raises(
        OSError, match=rf"No space left on device: '.*{failing}'"
    ) as info:
        save_model(other, tmp_path / "m")
    assert info.value.errno == errno.ENOSPC
    assert snapshot(tmp_path) == before  # the previous pair, whole; no temporaries
    np.testing.assert_array_equal(
        load_model(tmp_path / "m").predict_proba(data()[0]),
        fitted[MLPClassifier].predict_proba(data()[0]),
    )


def _report(folder):
    writer = ReportWriter(folder, "title", details={"n": 1})
    writer.add_section("Notes", "text")
    writer.save()


def _idx(folder):
    write_idx(folder / "x-idx", np.arange(100, dtype=np.uint8))


def _checkpoint(folder):
    small(MLPClassifier, checkpoint=folder).fit(*data())


@pytest.mark.parametrize(
    "write",
    hostile(
        "disk",
        [
            pytest.param(_report, id="full-disk-report"),
            pytest.param(_idx, id="full-disk-idx"),
            pytest.param(_checkpoint, id="full-disk-checkpoint"),
        ],
    ),
)
def test_a_full_disk_keeps_the_previous_files(tmp_path, monkeypatch, write):
    write(tmp_path)
    before = snapshot(tmp_path)
    full_disk(monkeypatch, room=10)
    with pytest.raises(OSError, match="No space left on device") as info:
        write(tmp_path)
    assert info.value.errno == errno.ENOSPC
    assert str(tmp_path) in str(info.value)  # names the file
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_atomically_written_files_get_the_permissions_of_any_new_file(tmp_path):
    from emnist_estimators._atomic import write_files, write_text

    (tmp_path / "plain.txt").write_text("x")  # what open() gives
    write_text(tmp_path / "atomic.txt", "x")
    write_files({tmp_path / "a.bin": b"1", tmp_path / "b.bin": b"2"})
    expected = (tmp_path / "plain.txt").stat().st_mode & 0o777
    for name in ("atomic.txt", "a.bin", "b.bin"):
        assert (tmp_path / name).stat().st_mode & 0o777 == expected, name


KILLED_WRITER = """
import sys, time
from emnist_estimators._atomic import atomic_open

with atomic_open(sys.argv[1]) as f:
    f.write(b"half of the new content")
    f.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@hostile_case("disk", "writer-killed-mid-file")
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process ids: POSIX")
def test_a_writer_killed_in_the_middle_leaves_a_temporary_that_is_removed(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("previous")
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout.readline() == "writing\n"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
        child.stdout.close()
    assert target.read_text() == "previous"  # never half-written
    (left,) = [p for p in tmp_path.iterdir() if p != target]
    assert left.name.startswith(f".metrics.json.{child.pid}.")
    assert left.name.endswith(".tmp")
    # A running process's temporary (this one's) is kept.
    live = tmp_path / f".metrics.json.{os.getpid()}.abcd1234.tmp"
    live.write_text("being written")
    assert atomic.remove_stale_temporaries(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, "metrics.json"]
    )
    assert atomic.remove_stale_temporaries(tmp_path) == []
    assert atomic.remove_stale_temporaries(tmp_path / "absent") == []


def _stale(folder: Path, name: str) -> list[Path]:
    """A dead process's temporary file and staging folder in ``folder``."""
    pid = dead_pid()
    folder.mkdir(parents=True, exist_ok=True)
    stale_file = folder / f".{name}.{pid}.q1w2e3r4.tmp"
    stale_file.write_bytes(b"half")
    staging = folder / f".download.{pid}.q1w2e3r4"
    staging.mkdir()
    (staging / "part").write_bytes(b"half")
    return [stale_file, staging]


def _report_run(folder, fitted):
    stale = _stale(folder, "report.md") + _stale(folder / "figures", "a.png")
    ReportWriter(folder, "title")
    return stale


def _model_save(folder, fitted):
    stale = _stale(folder, "m.safetensors")
    save_model(fitted[MLPClassifier], folder / "m")
    return stale


def _checkpoint_save(folder, fitted):
    stale = _stale(folder, CHECKPOINT_FILE)
    net = copy.deepcopy(fitted[MLPClassifier]).net_
    EpochCheckpoint(folder, seed=0, device=torch.device("cpu")).save(net, complete=True)
    return stale


@pytest.mark.parametrize(
    "run",
    hostile(
        "disk",
        [
            pytest.param(_report_run, id="stale-temporaries-of-a-report"),
            pytest.param(_model_save, id="stale-temporaries-of-a-model"),
            pytest.param(_checkpoint_save, id="stale-temporaries-of-a-checkpoint"),
        ],
    ),
)
@pytest.mark.skipif(sys.platform == "win32", reason="process ids: POSIX")
def test_the_next_run_removes_what_killed_runs_left(tmp_path, fitted, run):
    stale = run(tmp_path / "out", fitted)
    assert not [p for p in stale if p.exists()]
    assert not [p for p in listing(tmp_path) if ".tmp" in p or ".download." in p]


# ==========================================================================
# The command line: every case ends with a non-zero exit and one clear line on
# stderr (argparse's own usage errors: its usage line and one error line), no
# traceback, and nothing written where nothing should be.
# --------------------------------------------------------------------------

CLI_QUICK = ["--device", "cpu", "--subset", "60", "--max-epochs", "1", "-q"]


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory, fitted):
    """A saved model and the damaged or foreign files the cases hand to the CLI."""
    from PIL import Image

    from emnist_estimators.datasets import write_idx
    from emnist_estimators.persistence import save_model

    root = tmp_path_factory.mktemp("cli")
    save_model(fitted[MLPClassifier], root / "model", metadata={"dataset": "digits"})
    weights = (root / "model.safetensors").read_bytes()
    (root / "truncated.safetensors").write_bytes(weights[:64])
    (root / "truncated.json").write_bytes((root / "model.json").read_bytes())
    (root / "notes.json").write_text("these are notes, not a model\n")
    (root / "broken.safetensors").write_bytes(weights)
    (root / "broken.json").write_text('{"format": "emnist-estimators-model", ')
    (root / "model.pkl").write_bytes(pickle.dumps({"a": 1}))
    whole = pickle.dumps(fitted[MLPClassifier])
    (root / "truncated.joblib").write_bytes(whole[: len(whole) // 2])
    (root / "text.joblib").write_text("these are notes, not a pickle\n")
    (root / "folder.json").mkdir()
    (root / "picture.png").write_text("not a picture")
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(root / "ok.png")
    write_idx(root / "wide-idx3-ubyte", np.zeros((3, 5, 9), dtype=np.uint8))
    (root / "a-file").write_text("in the way")
    (root / "bad.toml").write_text("max_epochs = [\n")
    (root / "unknown.toml").write_text("colour = 'blue'\n")
    (root / "wrong.toml").write_text("max_epochs = 'many'\n")
    taken = root / "taken"
    taken.mkdir()
    (taken / "report.md").write_text("# an earlier run\n")
    return root


def _cli(root, *args):
    return [a.replace("{root}", str(root)) if isinstance(a, str) else a for a in args]


CLI_CASES = [
    # (id, argv with {root}, expected exit status, what stderr must say)
    ("param-not-a-number", ["train", "--param", "dropout=abc"], 2, "'dropout'"),
    ("param-unknown", ["train", "--param", "colour=3"], 2, "has no parameter"),
    ("param-out-of-range", ["train", "--param", "dropout=1.5"], 2, "'dropout'"),
    ("param-zero-filters", ["train", "--param", "filters=[32,0]"], 2, "'filters'"),
    ("param-bool-batch", ["train", "--param", "batch_size=true"], 2, "'batch_size'"),
    ("device-unknown", ["train", "--device", "tpu"], 2, "device must be"),
    ("device-missing-gpu", ["train", "--device", "cuda:7"], 2, "cuda:7"),
    ("subset-zero", ["train", "--subset", "0"], 2, "positive integer"),
    ("test-size-above-one", ["train", "--test-size", "1.5"], 2, "in (0, 1)"),
    ("threads-zero", ["train", "--threads", "0"], 2, "positive integer"),
    ("models-unknown", ["compare", "--models", "mlp,svm"], 2, "comma-separated"),
    ("dataset-unknown", ["train", "--dataset", "cifar"], 2, "invalid choice"),
    (
        "data-missing",
        ["train", "--dataset", "mnist", "--data-dir", "{root}/nothing"],
        1,
        "download=True",
    ),
    ("output-is-a-file", ["train", "--output", "{root}/a-file"], 1, "is a file"),
    ("output-under-a-file", ["train", "--output", "{root}/a-file/x"], 1, "a-file"),
    ("output-holds-a-run", ["train", "--output", "{root}/taken"], 1, "--overwrite"),
    ("config-missing", ["train", "--config", "{root}/absent.toml"], 1, "absent"),
    ("config-not-toml", ["train", "--config", "{root}/bad.toml"], 2, "bad.toml"),
    ("config-unknown-key", ["train", "--config", "{root}/unknown.toml"], 2, "colour"),
    ("config-wrong-type", ["train", "--config", "{root}/wrong.toml"], 2, "many"),
    ("model-missing", ["evaluate", "{root}/absent"], 1, "absent.json"),
    (
        "model-truncated",
        ["evaluate", "{root}/truncated.safetensors"],
        2,
        "truncated.safetensors",
    ),
    ("model-is-notes", ["evaluate", "{root}/notes.json"], 2, "notes.json"),
    ("model-json-broken", ["evaluate", "{root}/broken.json"], 2, "broken.json"),
    ("model-pickle-untrusted", ["evaluate", "{root}/model.pkl"], 2, "trusted"),
    (
        "model-pickle-truncated-trusted",
        ["evaluate", "{root}/truncated.joblib", "--trusted", "--dataset", "digits"],
        2,
        "truncated.joblib is not a readable pickle",
    ),
    (
        "model-pickle-is-text-trusted",
        ["evaluate", "{root}/text.joblib", "--trusted", "--dataset", "digits"],
        2,
        "text.joblib is not a readable pickle",
    ),
    (
        "predict-pickle-truncated-trusted",
        ["predict", "{root}/truncated.joblib", "{root}/ok.png", "--trusted"],
        2,
        "truncated.joblib is not a readable pickle",
    ),
    ("model-is-a-folder", ["evaluate", "{root}/folder.json"], 1, "folder"),
    (
        "predict-not-a-picture",
        ["predict", "{root}/model", "{root}/picture.png"],
        2,
        "picture.png",
    ),
    ("predict-missing-input", ["predict", "{root}/model", "{root}/absent.png"], 1, ""),
    (
        "predict-idx-wrong-size",
        ["predict", "{root}/model", "{root}/wide-idx3-ubyte"],
        2,
        "(5, 9)",
    ),
    (
        "predict-output-under-a-file",
        ["predict", "{root}/model", "{root}/ok.png", "--output", "{root}/a-file/p"],
        1,
        "a-file",
    ),
]


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    hostile(
        "command line",
        [
            pytest.param(argv, status, says, id=name)
            for name, argv, status, says in CLI_CASES
        ],
    ),
)
def test_command_line_errors_are_one_clear_line(
    cli_files, tmp_path, capsys, argv, status, says
):
    from emnist_estimators.cli import main

    before = listing(cli_files)
    command, *rest = _cli(cli_files, *argv)
    argv = [command, *rest]
    if command in ("train", "compare"):  # the case's options come last and win
        argv = [command, "--output", str(tmp_path / "out"), *CLI_QUICK, *rest]
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's own usage errors
        code = exit.code
    err = capsys.readouterr().err
    assert code == status, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    assert says in errors[0], errors[0]
    assert listing(cli_files) == before  # nothing written, nothing left behind
    assert not (tmp_path / "out").exists()


# ==========================================================================
# The counts


def test_case_counts():
    """Every class has its minimum number of cases; print and write the counts."""
    counts = case_counts()
    lines = [f"{kind:>18}: {n}" for kind, n in counts.items()]
    print(
        "\nhostile cases by class\n"
        + "\n".join(lines)
        + f"\n{'total':>18}: {sum(counts.values())}"
    )
    target = os.environ.get("HOSTILE_COUNTS")
    if target:
        Path(target).write_text(json.dumps(counts, indent=2) + "\n")
    assert all(ids for ids in CASES.values())
    for kind, ids in CASES.items():
        assert len(ids) == len(set(ids)), f"duplicate case ids in {kind!r}"
    short = {k: (counts[k], n) for k, n in MINIMUM_CASES.items() if counts[k] < n}
    assert not short, f"classes below their minimum (count, minimum): {short}"


if __name__ == "__main__":
    for kind, n in case_counts().items():
        print(f"{kind}: {n}")
