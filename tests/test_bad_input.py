"""Bad input gets a clear ValueError or TypeError before any training starts."""

import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, small

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
    ResNetClassifier,
)


@pytest.fixture()
def no_training(monkeypatch):
    """Fail the test if a forward pass happens."""

    def forbidden(*args, **kwargs):
        raise AssertionError("training started before the input was rejected")

    monkeypatch.setattr(torch.nn.Module, "__call__", forbidden)


def data(n=30, n_features=16):
    rng = np.random.RandomState(0)
    return rng.rand(n, n_features), np.arange(n) % 3


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda X, y: (np.where(X > 0.9, np.nan, X), y), "NaN"),
        (lambda X, y: (np.where(X > 0.9, np.inf, X), y), "infinity"),
        (lambda X, y: (X[:0], y[:0]), "0 sample"),
        (lambda X, y: (X, np.zeros_like(y)), "only one class"),
        (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
        (lambda X, y: (X, y + 0.5), "Unknown label type"),
        (lambda X, y: (X[:, :0], y), "0 feature"),
        (lambda X, y: (X[0], y), r"Expected X of shape \(n_samples, n_features\)"),
        (lambda X, y: (X.reshape(30, 1, 1, 4, 4), y), "got an array of shape"),
    ],
)
def test_bad_training_data(cls, mutate, message, no_training):
    X, y = mutate(*data())
    with pytest.raises(ValueError, match=message):
        small(cls).fit(X, y)


@pytest.mark.parametrize("cls", ALL)
def test_wrong_feature_count_at_predict(cls):
    X, y = data()
    est = small(cls).fit(X, y)
    with pytest.raises(ValueError, match="X has 9 features, but .* is expecting 16"):
        est.predict(X[:, :9])
    with pytest.raises(ValueError, match="images of shape"):
        est.predict(X.reshape(-1, 2, 8))


@pytest.mark.parametrize(
    ("est", "parameter", "accepted"),
    [
        (MLPClassifier(optimizer="adamm"), "optimizer", "'adam'"),
        (CNNClassifier(activation="relu6"), "activation", "'leaky_relu'"),
        (CNNClassifier(pooling="min"), "pooling", "'avg'"),
        (ResNetClassifier(lr_scheduler="linear"), "lr_scheduler", "'onecycle'"),
        (MLPClassifier(lr=-0.1), "lr", "range"),
        (CNNClassifier(dropout=1.5), "dropout", "range"),
        (LSTMClassifier(batch_size=0), "batch_size", "range"),
        (MLPClassifier(max_epochs=0), "max_epochs", "range"),
        (MLPClassifier(momentum=1.0), "momentum", "range"),
        (MLPClassifier(validation_fraction=1.0), "validation_fraction", "range"),
        (MLPClassifier(label_smoothing=-0.1), "label_smoothing", "range"),
        (MLPClassifier(l1=-1), "l1", "range"),
        (MLPClassifier(early_stopping="yes"), "early_stopping", "bool"),
        (MLPClassifier(device=3), "device", "str"),
        (
            MLPClassifier(optimizer=torch.optim.Adam([torch.zeros(1)])),
            "optimizer",
            "subclass",
        ),
    ],
)
def test_invalid_parameters_name_the_parameter_and_what_is_accepted(
    est, parameter, accepted, no_training
):
    X, y = data()
    with pytest.raises(
        (ValueError, TypeError), match=f"'{parameter}' parameter"
    ) as info:
        est.fit(X, y)
    assert accepted in str(info.value)


@pytest.mark.parametrize(
    ("est", "error", "message"),
    [
        (CNNClassifier(filters=()), ValueError, "'filters' .* a non-empty tuple"),
        (CNNClassifier(filters=(32, 0)), ValueError, r"'filters' .* Got \(32, 0\)"),
        (CNNClassifier(filters=(32, "64")), TypeError, "'filters' parameter"),
        (MLPClassifier(hidden_layer_sizes=[]), ValueError, "hidden_layer_sizes"),
        (LSTMClassifier(hidden_sizes=(0,)), ValueError, "hidden_sizes"),
        (
            ResNetClassifier(widths=(8, 16), blocks=(1, 1, 1)),
            ValueError,
            "one entry per stage",
        ),
        (MLPClassifier(image_shape=(4, 5)), ValueError, "image_shape=.* has 20 pixels"),
        (MLPClassifier(image_shape=(4, -4)), ValueError, "of positive ints"),
        (MLPClassifier(image_shape=("4", 4)), TypeError, "'image_shape' parameter"),
        (MLPClassifier(callbacks=["print"]), TypeError, "'callbacks' .* skorch"),
        (MLPClassifier(device="tpu"), ValueError, "device must be 'auto', 'cpu'"),
        (MLPClassifier(device="cuda:7"), ValueError, "cuda:7"),
    ],
)
def test_invalid_values_in_detail(est, error, message, no_training):
    X, y = data()
    with pytest.raises(error, match=message):
        est.fit(X, y)


def test_validation_fraction_too_large_for_the_data(no_training):
    X, y = data(n=3)
    with pytest.raises(ValueError, match="validation_fraction=0.5 leaves 1 training"):
        small(MLPClassifier, validation_fraction=0.5).fit(X, y)


def test_strings_in_X_are_rejected(no_training):
    X, y = data()
    X = X.astype(object)
    X[0, 0] = "pixel"
    with pytest.raises(ValueError, match="X must hold numbers .* 'pixel'"):
        small(MLPClassifier).fit(X, y)
