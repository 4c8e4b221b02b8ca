"""skops and MLflow save the estimators safely: plain values, only this library's types.

The tests skip with the reason when the ``skops`` or ``mlflow`` extra is
absent (``make test`` installs both with the dev extras).
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, same_state, small, state
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.persistence import skops_trusted_types
from emnist_estimators.preprocessing import PixelScaler

sio = pytest.importorskip("skops.io", reason="needs the skops extra")

OURS = set(skops_trusted_types(searches=False))


@pytest.fixture(scope="module")
def fitted(small_digits):
    X, y = small_digits
    return {cls: small(cls, random_state=0).fit(X, y) for cls in ALL}


def _round_trip(obj, path):
    sio.dump(obj, path)
    untrusted = set(sio.get_untrusted_types(file=path))
    return sio.load(path, trusted=skops_trusted_types()), untrusted


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_a_fitted_estimator_round_trips(cls, fitted, small_digits, tmp_path):
    X, _ = small_digits
    original = fitted[cls]
    loaded, untrusted = _round_trip(original, tmp_path / "model.skops")
    assert untrusted == {f"{cls.__module__}.{cls.__qualname__}"}
    assert type(loaded) is cls and loaded.get_params() == original.get_params()
    assert same_state(state(loaded), state(original))
    np.testing.assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), original.predict(X))
    for name in ("classes_", "n_iter_", "fit_status_", "n_parameters_", "precision_"):
        assert np.all(getattr(loaded, name) == getattr(original, name)), name
    assert [r["train_loss"] for r in loaded.history_] == pytest.approx(
        [r["train_loss"] for r in original.history_]
    )


def test_the_file_holds_plain_values_only(fitted, tmp_path):
    """No tensor, no skorch object: the weights are numpy arrays in the zip."""
    import json
    import zipfile

    path = tmp_path / "model.skops"
    sio.dump(fitted[ALL[1]], path)
    with zipfile.ZipFile(path) as archive:
        schema = archive.read("schema.json").decode()
        names = archive.namelist()
    modules = set()

    def walk(node):
        if isinstance(node, dict):
            modules.add(node.get("__module__"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(schema))
    assert not {m for m in modules if m and m.split(".")[0] in ("torch", "skorch")}
    assert any(name.endswith(".npy") for name in names)
    assert json.loads(schema)["__class__"] == ALL[1].__name__


def test_an_unfitted_estimator_round_trips(tmp_path):
    estimator = CNNClassifier(filters=(8,), max_epochs=2)
    loaded, untrusted = _round_trip(estimator, tmp_path / "unfitted.skops")
    assert loaded.get_params() == estimator.get_params()
    assert not hasattr(loaded, "net_") and untrusted <= OURS


def test_a_pipeline_round_trips(small_digits, tmp_path):
    X, y = small_digits
    pipeline = make_pipeline(PixelScaler(), small(MLPClassifier, random_state=0)).fit(
        X, y
    )
    loaded, untrusted = _round_trip(pipeline, tmp_path / "pipeline.skops")
    assert untrusted <= OURS
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_a_search_adds_only_this_library_s_types(small_digits, tmp_path):
    X, y = small_digits
    search = GridSearchCV(
        small(MLPClassifier, random_state=0), {"dropout": [0.0, 0.3]}, cv=3
    ).fit(X, y)
    loaded, untrusted = _round_trip(search, tmp_path / "search.skops")
    # What skops lists for the same search over scikit-learn's own estimator.
    plain = GridSearchCV(LogisticRegression(max_iter=20), {"C": [1.0, 2.0]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence
        plain.fit(X / 255.0, y)
    sio.dump(plain, tmp_path / "plain.skops")
    sklearn_own = set(sio.get_untrusted_types(file=tmp_path / "plain.skops"))
    assert untrusted - sklearn_own == {"emnist_estimators.estimators.MLPClassifier"}
    np.testing.assert_array_equal(loaded.predict_proba(X), search.predict_proba(X))
    assert loaded.best_params_ == search.best_params_


def test_skops_load_refuses_an_untrusted_file(fitted, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(fitted[ALL[0]], path)
    from skops.io.exceptions import UntrustedTypesFoundException

    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)  # nothing trusted


@pytest.mark.parametrize(
    "dumps_loads",
    [
        (pickle.dumps, pickle.loads),
        (copy.deepcopy, lambda x: x),
    ],
    ids=["pickle", "deepcopy"],
)
def test_pickle_and_copy_keep_the_whole_net(fitted, small_digits, dumps_loads):
    dumps, loads = dumps_loads
    X, _ = small_digits
    original = fitted[ALL[0]]
    again = loads(dumps(original))
    assert again.net_ is not original.net_
    opt_a = original.net_.optimizer_.state_dict()["state"]
    opt_b = again.net_.optimizer_.state_dict()["state"]
    assert opt_a.keys() == opt_b.keys() and opt_a  # the optimizer travels too
    assert all(torch.equal(opt_a[k]["exp_avg"], opt_b[k]["exp_avg"]) for k in opt_a)
    np.testing.assert_array_equal(again.predict_proba(X), original.predict_proba(X))


def test_joblib_keeps_working(fitted, small_digits, tmp_path):
    X, _ = small_digits
    joblib.dump(fitted[ALL[2]], tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted[ALL[2]].predict_proba(X)
    )


def test_the_portable_state_does_not_change_the_estimator(fitted):
    estimator = fitted[ALL[0]]
    before = set(vars(estimator))
    estimator.__getstate__()
    assert set(vars(estimator)) == before and hasattr(estimator, "net_")


_MLFLOW_SCRIPT = """
import sys
import numpy as np
import mlflow, mlflow.sklearn
from sklearn.datasets import load_digits
from emnist_estimators import MLPClassifier
from emnist_estimators.persistence import skops_trusted_types

mlflow.set_tracking_uri("sqlite:///" + sys.argv[1] + "/mlflow.db")
X, y = load_digits(return_X_y=True)
X = (X * 16).astype(np.uint8)[:300]
y = y[:300]
clf = MLPClassifier(hidden_layer_sizes=(16,), max_epochs=2, device="cpu",
                    random_state=0).fit(X, y)
with mlflow.start_run():
    info = mlflow.sklearn.log_model(
        clf, name="model", skops_trusted_types=skops_trusted_types(),
        pip_requirements=["emnist-estimators"],
    )
flavor = mlflow.models.get_model_info(info.model_uri).flavors["sklearn"]
loaded = mlflow.sklearn.load_model(info.model_uri)
print(flavor["serialization_format"],
      np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
"""


def test_mlflow_logs_and_loads_in_its_default_format(tmp_path):
    pytest.importorskip("mlflow", reason="needs the mlflow extra")
    env = {**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
    # MLflow configures logging and a database: a process of its own.
    result = subprocess.run(
        [sys.executable, "-c", _MLFLOW_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["skops", "True"]
