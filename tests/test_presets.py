"""The EMNIST presets and make_estimator."""

import pytest

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.base import validate_parameters
from emnist_estimators.models import get_model, list_models
from emnist_estimators.presets import PRESETS, make_estimator, preset_params


@pytest.mark.parametrize("model", list_models())
def test_every_model_has_a_valid_emnist_preset(model):
    estimator = make_estimator(model)
    assert isinstance(estimator, get_model(model).estimator)
    for key, value in PRESETS["emnist"][model].items():
        assert estimator.get_params()[key] == value
    assert estimator.get_params()["precision"] == "auto"
    validate_parameters(estimator)  # the preset's values are valid


def test_overrides_and_no_preset():
    cnn = make_estimator("cnn", max_epochs=2, lr=0.01)
    assert cnn.max_epochs == 2 and cnn.lr == 0.01
    assert cnn.filters == PRESETS["emnist"]["cnn"]["filters"]
    plain = make_estimator("mlp", preset=None)
    assert plain.get_params() == MLPClassifier().get_params()


def test_preset_params_are_a_copy():
    params = preset_params("cnn")
    params["lr"] = 99
    assert PRESETS["emnist"]["cnn"]["lr"] != 99
    assert CNNClassifier(**preset_params("cnn")).lr == PRESETS["emnist"]["cnn"]["lr"]


def test_bad_names():
    with pytest.raises(ValueError, match="'preset' parameter .*'emnist'"):
        preset_params("cnn", "cifar")
    with pytest.raises(ValueError, match="'model' parameter .* registered models"):
        make_estimator("svm")
