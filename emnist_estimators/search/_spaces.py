"""The search spaces of each model, ``make_search``, and summaries of searches."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from scipy.stats import loguniform, uniform

from .._validation import HasMethods, Interval, StrOptions, validate_params
from ..evaluation import make_table, to_markdown
from ..models import get_model, model_name_constraint
from ._halving import ContinuedHalvingGridSearchCV, ContinuedHalvingRandomSearchCV

#: Options the reference studies compared.
ACTIVATIONS = ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]
OPTIMIZERS = ["adam", "sgd", "asgd", "rmsprop", "nadam", "adadelta"]
LEARNING_RATES = [1e-4, 1e-3, 1e-2]
LR_SCHEDULERS = [None, "step", "exponential", "plateau"]
DROPOUTS = [0.0, 0.25, 0.5]
BATCH_SIZES = [32, 64, 128]

#: Values of the options a model's declaration lists with ``None`` in its
#: ``search_options`` (:class:`~emnist_estimators.models.ModelSpec`).
SHARED_OPTIONS: dict[str, list] = {
    "activation": ACTIVATIONS,
    "batch_norm": [True, False],
    "bidirectional": [False, True],
}

#: The sizes of the search spaces; 'full' is the former name of 'large'.
SIZES = ("small", "medium", "large")

#: The strategies of :func:`make_search`.
STRATEGIES = (
    "grid",
    "random",
    "halving-grid",
    "halving-random",
    "continued-halving-grid",
    "continued-halving-random",
)


def _size(size: str) -> str:
    if size == "full":
        warnings.warn(
            "size='full' is now called size='large'; 'full' will be removed in "
            "a future release.",
            FutureWarning,
            stacklevel=3,
        )
        return "large"
    return size


def _options(model: str) -> dict[str, list]:
    """The model's own searched options, with their values."""
    spec = get_model(model)
    return {
        name: list(SHARED_OPTIONS[name] if values is None else values)
        for name, values in spec.search_options.items()
    }


_SPACE_ARGS = {
    "model": [model_name_constraint()],
    "size": [StrOptions({*SIZES, "full"})],
}


@validate_params(_SPACE_ARGS, prefer_skip_nested_validation=True)
def param_grid(model: str, size: str = "large") -> list[dict[str, list]]:
    """Sub-grids for ``GridSearchCV`` over what the reference studies tuned.

    Parameters
    ----------
    model : str
        A registered model (:func:`emnist_estimators.models.list_models`).
    size : {'small', 'medium', 'large'}, default='large'
        'large' covers the studies' search (a list of sub-grids, one per
        group of related parameters); 'medium' is a grid of 12 points: three
        architectures, two values of the model's first own option (the
        activation, or the direction of the LSTM) and two optimizers (Adam,
        SGD); 'small' is a 4-point grid (two architectures, two dropout
        rates) for smoke tests and examples. ('full' is the former name of
        'large'.)

    Returns
    -------
    list of dict
        Parameter grids; ``GridSearchCV`` searches their union.

    Examples
    --------
    >>> from emnist_estimators.search import param_grid
    >>> from sklearn.model_selection import ParameterGrid
    >>> len(ParameterGrid(param_grid("mlp", size="small")))
    4
    >>> len(ParameterGrid(param_grid("mlp", size="medium")))
    12
    """
    return _accepted(model, _grids(model, _size(size)))


def _grids(model: str, size: str) -> list[dict[str, list]]:
    name, architectures = get_model(model).architecture
    options = _options(model)
    if size == "small":
        return [{name: architectures[:2], "dropout": [0.0, 0.25]}]
    if size == "medium":
        first, values = next(iter(options.items()), ("lr", [1e-3, 1e-2]))
        return [
            {
                name: architectures[:3],
                first: _two(first, values),
                "optimizer": ["adam", "sgd"],
            }
        ]
    first_group = {name: architectures}
    if "activation" in options:
        first_group["activation"] = options.pop("activation")
    first_group.update({k: v for k, v in options.items() if k != "batch_norm"})
    grids = [
        first_group,
        {"optimizer": OPTIMIZERS, "lr": LEARNING_RATES},
        {"lr_scheduler": LR_SCHEDULERS},
        {"dropout": DROPOUTS, "batch_size": BATCH_SIZES},
        {"l1": [0.0, 1e-5], "weight_decay": [0.0, 1e-4]},
    ]
    if "batch_norm" in options:
        grids[3]["batch_norm"] = options["batch_norm"]
    return grids


def _accepted(model: str, space):
    """The space without the shared options the model's estimator does not take."""
    params = set(get_model(model).estimator().get_params())
    if isinstance(space, dict):
        return {k: v for k, v in space.items() if k in params}
    return [grid for grid in (_accepted(model, g) for g in space) if grid]


def _two(name: str, values: list) -> list:
    """Two contrasting values of an option for the 'medium' grid."""
    if name == "activation":
        return ["relu", "tanh"]
    return list(values[:2])


@validate_params(_SPACE_ARGS, prefer_skip_nested_validation=True)
def param_distributions(model: str, size: str = "large") -> dict[str, Any]:
    """Distributions for ``RandomizedSearchCV`` over the same options, jointly.

    Parameters
    ----------
    model : str
        A registered model (:func:`emnist_estimators.models.list_models`).
    size : {'small', 'medium', 'large'}, default='large'
        'small' samples only the architecture (its first two values) and
        dropout; 'medium' the architecture, the model's own options, the
        learning rate and dropout; 'large' everything the studies searched.

    Returns
    -------
    dict
        Lists (sampled uniformly) and ``scipy.stats`` distributions: the
        learning rate log-uniform in [1e-4, 1e-2], dropout uniform in
        [0, 0.5].
    """
    return _accepted(model, _distributions(model, _size(size)))


def _distributions(model: str, size: str) -> dict[str, Any]:
    name, architectures = get_model(model).architecture
    options = _options(model)
    if size == "small":
        return {name: architectures[:2], "dropout": uniform(0.0, 0.5)}
    distributions: dict[str, Any] = {
        name: architectures,
        **options,
        "lr": loguniform(1e-4, 1e-2),
        "dropout": uniform(0.0, 0.5),
    }
    if size == "medium":
        return distributions
    distributions.update(
        {
            "optimizer": OPTIMIZERS,
            "lr_scheduler": LR_SCHEDULERS,
            "batch_size": BATCH_SIZES,
            "l1": [0.0, 1e-6, 1e-5],
            "weight_decay": [0.0, 1e-5, 1e-4],
        }
    )
    return distributions


@validate_params(
    {
        **_SPACE_ARGS,
        "strategy": [StrOptions(set(STRATEGIES))],
        "estimator": [None, HasMethods(["fit", "get_params", "set_params"])],
        "cv": ["cv_object"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_search(
    model: str,
    size: str = "small",
    strategy: str = "grid",
    *,
    estimator=None,
    cv=3,
    n_iter: int = 10,
    random_state=None,
    **search_params,
):
    """A ready scikit-learn search over one of the model's search spaces.

    Parameters
    ----------
    model : str
        A registered model (:func:`emnist_estimators.models.list_models`).
    size : {'small', 'medium', 'large'}, default='small'
        The search space (see :func:`param_grid` and
        :func:`param_distributions`).
    strategy : str, default='grid'
        'grid' or 'random': :class:`~sklearn.model_selection.GridSearchCV` or
        :class:`~sklearn.model_selection.RandomizedSearchCV`;
        'halving-grid' or 'halving-random': scikit-learn's successive-halving
        searches with the number of epochs as the resource (from 1 to the
        estimator's ``max_epochs``, factor 3), which fit every promoted
        candidate again from scratch; 'continued-halving-grid' or
        'continued-halving-random': the same rungs, each candidate continuing
        its training from where its rung ended
        (:class:`ContinuedHalvingGridSearchCV`,
        :class:`ContinuedHalvingRandomSearchCV`), the fastest.
    estimator : estimator, default=None
        The estimator to tune; None uses the model's estimator with its
        defaults.
    cv : int or cross-validation generator, default=3
        Folds (3 as in the reference studies).
    n_iter : int, default=10
        Candidates of the random strategies.
    random_state : int, RandomState instance or None, default=None
        Seed of the random strategies' sampling.
    **search_params
        Further arguments of the search class (``n_jobs``, ``refit``,
        ``scoring``, ``error_score``, ``verbose``, ...).

    Returns
    -------
    BaseSearchCV
        The unfitted search.

    Examples
    --------
    >>> from emnist_estimators.search import make_search
    >>> search = make_search("cnn", "medium", "random", n_iter=4, random_state=0)
    >>> type(search).__name__
    'RandomizedSearchCV'
    """
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import (
        GridSearchCV,
        HalvingGridSearchCV,
        HalvingRandomSearchCV,
        ParameterGrid,
        RandomizedSearchCV,
    )

    if estimator is None:
        estimator = get_model(model).estimator()
    grid = strategy.endswith("grid")
    space = param_grid(model, size) if grid else param_distributions(model, size)
    if grid and len(ParameterGrid(space)) == 1:
        warnings.warn(
            f"The {size!r} grid of {model!r} has a single setting (the estimator "
            "does not take the other options): the search compares nothing.",
            UserWarning,
            stacklevel=2,
        )
    common = {"cv": cv, **search_params}
    if not grid:
        common["random_state"] = random_state
    if strategy == "grid":
        return GridSearchCV(estimator, space, **common)
    if strategy == "random":
        return RandomizedSearchCV(estimator, space, n_iter=n_iter, **common)
    halving = {
        "resource": "max_epochs",
        "min_resources": 1,
        "max_resources": estimator.get_params()["max_epochs"],
        "factor": 3,
        **common,
    }
    if strategy == "continued-halving-grid":
        return ContinuedHalvingGridSearchCV(estimator, space, factor=3, **common)
    if strategy == "continued-halving-random":
        return ContinuedHalvingRandomSearchCV(
            estimator, space, n_candidates=n_iter, factor=3, **common
        )
    if strategy == "halving-grid":
        return HalvingGridSearchCV(estimator, space, **halving)
    return HalvingRandomSearchCV(estimator, space, n_candidates=n_iter, **halving)


@dataclass
class SearchSummary:
    """The outcome of a fitted search.

    Attributes
    ----------
    best_params : dict
        The best candidate's parameters.
    best_score : float
        Its mean cross-validated score.
    table : pandas.DataFrame or list of dict
        The top candidates: rank, parameters, mean and std of the test score,
        mean fit time (seconds per fold) and, for successive halving, the
        iteration and resource the score was measured at.
    """

    best_params: dict
    best_score: float
    table: Any

    def to_markdown(self) -> str:
        """The table as Markdown.

        Returns
        -------
        str
            A Markdown table.
        """
        return to_markdown(self.table)


def _format_params(params: dict) -> str:
    return ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in sorted(params.items())
    )


def summarize_search(search, top_k: int = 5, *, as_frame: bool | str = "auto"):
    """Summarise a fitted scikit-learn search (grid, randomized or halving).

    Parameters
    ----------
    search : fitted BaseSearchCV
        E.g. a fitted ``GridSearchCV``.
    top_k : int, default=5
        Number of candidates in the table, best first.
    as_frame : bool or "auto", default="auto"
        Table as a pandas DataFrame (True), a list of dicts (False) or a
        DataFrame when pandas is installed ("auto").

    Returns
    -------
    SearchSummary
        Best parameters, best score and the top-k table.
    """
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise ValueError(
            f"{type(search).__name__} is not fitted: call fit before summarize_search."
        )
    if not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be a positive int, got {top_k!r}.")
    mean = np.asarray(results["mean_test_score"], dtype=float)
    iterations = results.get("iter")
    # Successive halving scores every candidate of every round: rank by the
    # last round a candidate reached, then by score.
    keys = (np.nan_to_num(mean, nan=-np.inf),)
    if iterations is not None:
        keys = (keys[0], np.asarray(iterations))
    order = np.lexsort(keys)[::-1][:top_k]
    rows = []
    for rank, index in enumerate(order, start=1):
        row = {
            "rank": rank,
            "params": _format_params(results["params"][index]),
            "mean_test_score": float(mean[index]),
            "std_test_score": float(results["std_test_score"][index]),
            "mean_fit_time_s": float(results["mean_fit_time"][index]),
        }
        if iterations is not None:
            row["iter"] = int(iterations[index])
            row["n_resources"] = int(results["n_resources"][index])
        rows.append(row)
    return SearchSummary(
        best_params=dict(results["params"][order[0]]),
        best_score=float(mean[order[0]]),
        table=make_table(rows, as_frame=as_frame),
    )
