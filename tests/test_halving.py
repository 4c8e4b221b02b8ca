"""The successive-halving searches that continue each candidate, not restart it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _estimator_helpers import same_state, small, state
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from emnist_estimators import MLPClassifier
from emnist_estimators.preprocessing import PixelScaler
from emnist_estimators.search import (
    ContinuedHalvingGridSearchCV,
    ContinuedHalvingRandomSearchCV,
    make_search,
)
from emnist_estimators.search._halving import rung_plan

GRID = {"hidden_layer_sizes": [(8,), (16,), (32,)], "dropout": [0.0, 0.2, 0.4]}


@pytest.fixture(scope="module")
def fitted(small_digits):
    X, y = small_digits
    estimator = small(MLPClassifier, max_epochs=4, batch_size=32)
    return ContinuedHalvingGridSearchCV(estimator, GRID, cv=3).fit(X, y)


def test_the_rungs_of_study_004_s_grid():
    epochs, candidates = rung_plan(36, 3, 1, 15)
    assert epochs == [1, 3, 9, 15] and candidates == [36, 12, 4, 2]
    added = np.diff([0, *epochs])
    assert int(np.dot(added, candidates)) == 96  # epochs per fold, not 36 x 15
    assert rung_plan(1, 3, 1, 5) == ([5], [1])
    assert rung_plan(9, 3, 2, 4) == ([2, 4], [9, 3])


def test_results_follow_scikit_learn_s_layout(fitted):
    results = fitted.cv_results_
    n_rows = len(results["params"])
    assert fitted.n_resources_ == [1, 3, 4] and fitted.n_candidates_ == [9, 3, 1]
    assert n_rows == sum(fitted.n_candidates_)
    for key in (
        "iter",
        "n_resources",
        "param_hidden_layer_sizes",
        "param_dropout",
        "split0_test_score",
        "split2_test_score",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "mean_fit_time",
        "std_fit_time",
        "mean_score_time",
        "std_score_time",
    ):
        assert len(results[key]) == n_rows, key
    assert results["rank_test_score"].min() == 1
    np.testing.assert_allclose(
        results["mean_test_score"],
        np.mean([results[f"split{k}_test_score"] for k in range(3)], axis=0),
    )
    last = results["iter"] == 2
    assert results["n_resources"][last].tolist() == [4]
    assert fitted.best_index_ == int(np.flatnonzero(last)[0])
    assert fitted.best_params_ == results["params"][fitted.best_index_]
    assert fitted.best_score_ == results["mean_test_score"][fitted.best_index_]
    # Each rung keeps the best third of the one before.
    first = results["mean_test_score"][results["iter"] == 0]
    rows = zip(results["params"], results["iter"], strict=True)
    kept = {repr(p) for p, i in rows if i == 1}
    best_three = np.argsort(-first, kind="stable")[:3]
    assert kept == {repr(results["params"][i]) for i in best_three}


def test_the_refit_is_a_plain_fit_of_the_best_parameters(fitted, small_digits):
    X, y = small_digits
    best = fitted.best_estimator_
    assert best.n_iter_ == 4 and best.lr_scheduler is None  # its own schedule
    assert (
        best.get_params()["hidden_layer_sizes"]
        == fitted.best_params_["hidden_layer_sizes"]
    )
    again = clone(small(MLPClassifier, max_epochs=4, batch_size=32))
    again.set_params(**fitted.best_params_).fit(X, y)
    assert same_state(state(again), state(best))
    np.testing.assert_array_equal(fitted.predict(X), best.predict(X))
    np.testing.assert_allclose(fitted.predict_proba(X), best.predict_proba(X))
    assert fitted.score(X, y) == pytest.approx(best.score(X, y))
    assert list(fitted.classes_) == list(np.unique(y))


def test_a_continued_candidate_equals_one_trained_in_a_single_call(small_digits):
    """With the estimator's own schedule, 1 + 2 epochs are the same as 3."""
    X, y = small_digits
    estimator = small(MLPClassifier, max_epochs=3, lr_scheduler="onecycle")
    grid = {"dropout": [0.0, 0.1, 0.2]}
    cv = StratifiedKFold(3)
    search = ContinuedHalvingGridSearchCV(
        estimator, grid, cv=cv, schedule=None, refit=False
    ).fit(X, y)
    results = search.cv_results_
    row = int(np.flatnonzero(results["iter"] == 1)[0])
    for k, (train, test) in enumerate(cv.split(X, y)):
        single = clone(estimator).set_params(**results["params"][row])
        single.partial_fit(X[train], y[train], classes=np.unique(y), epochs=3)
        assert results[f"split{k}_test_score"][row] == single.score(X[test], y[test])


def test_a_pipeline_is_searched_and_refitted(small_digits):
    X, y = small_digits
    pipeline = make_pipeline(PixelScaler(), small(MLPClassifier, max_epochs=3))
    search = ContinuedHalvingGridSearchCV(
        pipeline, {"mlpclassifier__dropout": [0.0, 0.3, 0.5]}, cv=3
    ).fit(X, y)
    assert set(search.best_params_) == {"mlpclassifier__dropout"}
    assert search.best_estimator_[-1].n_iter_ == 3
    assert search.predict(X[:5]).shape == (5,)


def test_parallel_fits_give_the_same_results(small_digits):
    X, y = small_digits
    estimator = small(MLPClassifier, max_epochs=3, n_threads=1)
    grid = {"dropout": [0.0, 0.2, 0.4]}
    one = ContinuedHalvingGridSearchCV(estimator, grid, cv=3, refit=False).fit(X, y)
    two = ContinuedHalvingGridSearchCV(
        estimator, grid, cv=3, refit=False, n_jobs=2
    ).fit(X, y)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )


def test_the_random_variant_samples_its_candidates(small_digits):
    from scipy.stats import uniform

    X, y = small_digits
    search = ContinuedHalvingRandomSearchCV(
        small(MLPClassifier, max_epochs=3),
        {"dropout": uniform(0, 0.5), "lr": [1e-3, 3e-3]},
        n_candidates=4,
        random_state=0,
        cv=3,
    ).fit(X, y)
    assert search.n_candidates_[0] == 4 and search.n_resources_ == [1, 3]
    assert 0 <= search.best_params_["dropout"] < 0.5


def test_make_search_reaches_it_with_one_argument():
    for strategy, cls in (
        ("continued-halving-grid", ContinuedHalvingGridSearchCV),
        ("continued-halving-random", ContinuedHalvingRandomSearchCV),
    ):
        search = make_search("mlp", "small", strategy, cv=3, n_jobs=2)
        assert type(search) is cls and search.cv == 3 and search.n_jobs == 2


def test_refit_false_has_no_model_to_predict_with(small_digits):
    X, y = small_digits
    search = ContinuedHalvingGridSearchCV(
        small(MLPClassifier, max_epochs=2), {"dropout": [0.0, 0.2]}, refit=False
    ).fit(X, y)
    assert search.best_params_ and not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X)


def test_failing_candidates_score_nan_or_raise(small_digits):
    X, y = small_digits
    grid = {"dropout": [0.0, 0.2, 2.0]}  # 2.0 is not a probability
    estimator = small(MLPClassifier, max_epochs=2)
    with pytest.warns(FitFailedWarning, match="3 of the 9 fits of iteration 0"):
        search = ContinuedHalvingGridSearchCV(estimator, grid, cv=3).fit(X, y)
    failed = [p["dropout"] == 2.0 for p in search.cv_results_["params"]]
    assert np.isnan(search.cv_results_["mean_test_score"][failed]).all()
    assert search.best_params_["dropout"] != 2.0
    with pytest.raises(ValueError, match="dropout"):
        ContinuedHalvingGridSearchCV(estimator, grid, error_score="raise").fit(X, y)


def test_other_estimators_and_bad_settings_are_refused(small_digits):
    X, y = small_digits
    with pytest.raises(TypeError, match="emnist-estimators classifiers"):
        ContinuedHalvingGridSearchCV(LogisticRegression(), {"C": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="min_epochs=5 is more than max_epochs=2"):
        ContinuedHalvingGridSearchCV(
            small(MLPClassifier, max_epochs=2), {"dropout": [0.0]}, min_epochs=5
        ).fit(X, y)
    with pytest.raises(ValueError, match="'factor' parameter"):
        ContinuedHalvingGridSearchCV(
            small(MLPClassifier), {"dropout": [0.0]}, factor=1
        ).fit(X, y)


def test_the_wsd_schedule_decays_at_the_end_of_every_call(small_digits):
    X, y = small_digits
    estimator = small(MLPClassifier, lr_scheduler="wsd", lr=0.01, max_epochs=9)
    estimator.partial_fit(X, y, classes=np.unique(y), epochs=2)
    first = [b["event_lr"] for e in estimator.history_ for b in e["batches"]]
    estimator.partial_fit(X, y, epochs=3)
    second = [b["event_lr"] for e in estimator.history_[2:] for b in e["batches"]]
    for rates in (first, second):  # warm-up or stable, then down to the end
        assert max(rates) == pytest.approx(0.01)
        assert rates[-1] == min(rates[len(rates) // 2 :]) < 0.006
    assert second[0] == pytest.approx(0.01)  # back at the stable rate
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole = small(MLPClassifier, lr_scheduler="wsd", lr=0.01, max_epochs=5)
        whole.fit(X, y)
    rates = [b["event_lr"] for e in whole.history_ for b in e["batches"]]
    assert rates[0] < 0.01 and rates[len(rates) // 2] == pytest.approx(0.01)
    assert rates[-1] <= 0.0021 and np.all(np.diff(rates[-4:]) < 0)
