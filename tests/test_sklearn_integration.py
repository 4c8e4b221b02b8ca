"""The classifiers inside scikit-learn's tools: pipelines, searches, CV, persistence."""

import pickle

import joblib
import numpy as np
import pytest
from _estimator_helpers import ALL, small
from scipy.stats import uniform
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
    ResNetClassifier,
)


@pytest.mark.parametrize("cls", ALL)
def test_get_params_set_params_and_clone_round_trip(cls):
    est = small(cls, lr=0.01, activation="tanh")
    params = est.get_params()
    assert params["lr"] == 0.01 and params["activation"] == "tanh"
    copy = clone(est)
    assert copy is not est and copy.get_params() == params
    copy.set_params(lr=0.1, dropout=0.3)
    assert copy.get_params()["lr"] == 0.1 and copy.get_params()["dropout"] == 0.3
    assert est.get_params()["lr"] == 0.01
    assert cls(**params).get_params() == params


def test_clone_of_fitted_estimator_is_unfitted(small_digits):
    X, y = small_digits
    fitted = small(MLPClassifier).fit(X, y)
    assert not hasattr(clone(fitted), "net_")


def test_pipeline_with_a_scaler(digits):
    X, y = digits
    pipe = make_pipeline(
        MinMaxScaler(),
        small(CNNClassifier, filters=(8, 16), dense_units=(32,), max_epochs=10),
    )
    pipe.fit(X[:1200], y[:1200])
    assert accuracy_score(y[1200:], pipe.predict(X[1200:])) > 0.6
    assert pipe.predict_proba(X[:5]).shape == (5, 10)


def test_grid_search_with_3_fold_cv(small_digits):
    X, y = small_digits
    grid = {
        "optimizer": ["adam", "sgd"],
        "activation": ["relu", "tanh"],
        "batch_norm": [True, False],
        "dropout": [0.0, 0.3],
    }
    search = GridSearchCV(small(MLPClassifier, max_epochs=2), grid, cv=3)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 16
    assert search.best_params_ in search.cv_results_["params"]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert (
        search.best_estimator_.get_params()["optimizer"]
        == search.best_params_["optimizer"]
    )


@pytest.mark.parametrize("cls", [CNNClassifier, ResNetClassifier, LSTMClassifier])
def test_randomized_search_with_3_fold_cv(cls, small_digits):
    X, y = small_digits
    space = {
        "optimizer": ["adam", "rmsprop", "nadam"],
        "activation": ["relu", "elu", "leaky_relu"],
        "dropout": uniform(0.0, 0.5),
        "lr": [1e-3, 3e-3],
    }
    if cls is not LSTMClassifier:
        space["batch_norm"] = [True, False]
    search = RandomizedSearchCV(
        small(cls, max_epochs=1), space, n_iter=3, cv=3, random_state=0
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert search.predict(X[:4]).shape == (4,)


def test_cross_val_score_and_metrics(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, max_epochs=5, batch_size=32)
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.shape == (3,) and np.all((scores > 0.3) & (scores <= 1))
    f1 = cross_val_score(small(MLPClassifier), X, y, cv=3, scoring="f1_macro")
    assert np.all((f1 >= 0) & (f1 <= 1))


@pytest.mark.parametrize("cls", ALL)
def test_pickle_and_joblib_round_trips_predict_identically(cls, small_digits, tmp_path):
    X, y = small_digits
    labels = np.array(list("abcdefghij"))[y]
    est = small(cls).fit(X, labels)
    expected = est.predict_proba(X)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert f1_score(labels, loaded.predict(X), average="macro") == pytest.approx(
        f1_score(labels, est.predict(X), average="macro")
    )


@pytest.mark.parametrize("cls", ALL)
def test_html_repr_links_to_the_class_page(cls):
    from pathlib import Path

    html = cls()._repr_html_()
    page = f"gen_modules/emnist_estimators.{cls.__name__}.html"
    assert f"https://emnist-estimators.readthedocs.io/en/latest/{page}" in html
    # The API reference generates exactly that page (autosummary, gen_modules/).
    api = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()
    assert f"   {cls.__name__}\n" in api and ":toctree: gen_modules/" in api
