"""Search presets, successive halving, and the summary of a fitted search."""

import numpy as np
import pytest
from _estimator_helpers import small
from scipy.stats.distributions import rv_frozen
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
)

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.base import validate_parameters
from emnist_estimators.models import get_model
from emnist_estimators.search import (
    ACTIVATIONS,
    MODELS,
    OPTIMIZERS,
    param_distributions,
    param_grid,
    summarize_search,
)


@pytest.mark.parametrize("model", MODELS)
def test_full_grid_covers_the_studies_options_and_is_valid(model):
    grids = param_grid(model)
    union = {}
    for grid in grids:
        for key, values in grid.items():
            union.setdefault(key, []).extend(values)
    assert set(union["optimizer"]) == set(OPTIMIZERS)
    assert set(union["lr"]) == {1e-4, 1e-3, 1e-2}
    assert {"step", "exponential", "plateau"} <= set(union["lr_scheduler"])
    assert set(union["dropout"]) == {0.0, 0.25, 0.5}
    assert set(union["batch_size"]) == {32, 64, 128}
    assert 0.0 in union["l1"] and max(union["l1"]) > 0
    assert 0.0 in union["weight_decay"] and max(union["weight_decay"]) > 0
    if model != "lstm":
        assert set(union["activation"]) == set(ACTIVATIONS)
        assert set(union["batch_norm"]) == {True, False}
    # Every candidate is a valid parameter setting of the estimator.
    cls = get_model(model).estimator
    for params in ParameterGrid(grids):
        validate_parameters(cls(**params))


def test_mlp_grid_spans_one_to_three_layers_of_50_to_784_units():
    (name, values), *_ = param_grid("mlp")[0].items()
    assert name == "hidden_layer_sizes"
    assert {len(v) for v in values} == {1, 2, 3}
    units = [u for v in values for u in v]
    assert min(units) == 50 and max(units) == 784


def test_cnn_grid_spans_16_to_256_filters():
    filters = [f for v in param_grid("cnn")[0]["filters"] for f in v]
    assert min(filters) == 16 and max(filters) == 256


@pytest.mark.parametrize("model", MODELS)
def test_distributions_sample_valid_settings(model):
    distributions = param_distributions(model)
    assert isinstance(distributions["lr"], rv_frozen)
    cls = get_model(model).estimator
    for params in ParameterSampler(distributions, n_iter=20, random_state=0):
        assert 1e-4 <= params["lr"] <= 1e-2 and 0 <= params["dropout"] <= 0.5
        validate_parameters(cls(**params))


def test_small_presets_and_bad_arguments():
    assert len(ParameterGrid(param_grid("cnn", size="small"))) == 4
    assert set(param_distributions("lstm", size="small")) == {"hidden_sizes", "dropout"}
    with pytest.raises(ValueError, match="'model' parameter .* 'mlp', 'cnn'"):
        param_grid("svm")
    with pytest.raises(ValueError, match="'size' parameter"):
        param_distributions("mlp", size="huge")


def test_grid_search_with_a_preset_and_its_summary(small_digits):
    X, y = small_digits
    search = GridSearchCV(
        small(MLPClassifier, max_epochs=2), param_grid("mlp", size="small"), cv=3
    ).fit(X, y)
    summary = summarize_search(search, top_k=3, as_frame=False)
    assert summary.best_params == search.best_params_
    assert summary.best_score == search.best_score_
    assert [row["rank"] for row in summary.table] == [1, 2, 3]
    scores = [row["mean_test_score"] for row in summary.table]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(search.best_score_)
    assert "hidden_layer_sizes=" in summary.table[0]["params"]
    markdown = summary.to_markdown()
    assert markdown.startswith("| rank | params | mean_test_score |")
    pytest.importorskip("pandas")
    frame = summarize_search(search, top_k=2, as_frame=True).table
    assert list(frame["rank"]) == [1, 2]


def test_randomized_search_with_preset_distributions(small_digits):
    X, y = small_digits
    search = RandomizedSearchCV(
        small(CNNClassifier, max_epochs=1),
        param_distributions("cnn", size="small"),
        n_iter=2,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2


def test_halving_with_epochs_as_the_resource(small_digits):
    X, y = small_digits
    search = HalvingGridSearchCV(
        small(MLPClassifier),
        {"dropout": [0.0, 0.2, 0.4], "activation": ["relu", "tanh", "elu"]},
        resource="max_epochs",
        min_resources=1,
        max_resources=9,
        factor=3,
        cv=3,
    ).fit(X, y)
    assert list(search.n_resources_) == [1, 3, 9]
    assert list(search.n_candidates_) == [9, 3, 1]
    assert search.best_estimator_.max_epochs == 9
    summary = summarize_search(search, top_k=2, as_frame=False)
    assert summary.table[0]["iter"] == 2 and summary.table[0]["n_resources"] == 9


def test_halving_with_samples_as_the_resource(digits):
    X, y = digits
    search = HalvingRandomSearchCV(
        small(MLPClassifier, max_epochs=1),
        param_distributions("mlp", size="small"),
        n_candidates=4,
        min_resources=200,
        factor=2,
        cv=3,
        random_state=0,
    ).fit(X[:800], y[:800])
    assert np.all(np.diff(search.n_resources_) > 0)


def test_summary_needs_a_fitted_search():
    with pytest.raises(ValueError, match="not fitted"):
        summarize_search(GridSearchCV(MLPClassifier(), {"dropout": [0.1]}))


def test_a_grid_with_a_single_setting_warns(monkeypatch):
    from emnist_estimators.search import _spaces, make_search

    monkeypatch.setattr(_spaces, "param_grid", lambda model, size: [{"dropout": [0.1]}])
    with pytest.warns(UserWarning, match="single setting"):
        make_search("mlp", "small", "grid")


@pytest.mark.parametrize(
    "strategy",
    [
        "grid",
        "random",
        "halving-grid",
        "halving-random",
        "continued-halving-grid",
        "continued-halving-random",
    ],
)
def test_make_search_builds_each_strategy(strategy):
    from emnist_estimators.search import (
        ContinuedHalvingGridSearchCV,
        ContinuedHalvingRandomSearchCV,
        make_search,
    )

    search = make_search("cnn", "medium", strategy, cv=3, n_iter=4, random_state=0)
    expected = {
        "grid": GridSearchCV,
        "random": RandomizedSearchCV,
        "halving-grid": HalvingGridSearchCV,
        "halving-random": HalvingRandomSearchCV,
        "continued-halving-grid": ContinuedHalvingGridSearchCV,
        "continued-halving-random": ContinuedHalvingRandomSearchCV,
    }[strategy]
    assert type(search) is expected and search.cv == 3
    if strategy.startswith("halving"):
        assert search.resource == "max_epochs"
        assert search.max_resources == search.estimator.max_epochs
