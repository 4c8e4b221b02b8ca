"""Ready-made hyperparameter search spaces, and a summary of a fitted search.

The searching itself is scikit-learn's: pass these spaces to
:class:`~sklearn.model_selection.GridSearchCV`,
:class:`~sklearn.model_selection.RandomizedSearchCV` or the successive-halving
searches (``HalvingGridSearchCV`` / ``HalvingRandomSearchCV``, after
``from sklearn.experimental import enable_halving_search_cv``), with ``cv=3``
as in the reference studies. The spaces cover what those studies searched:
hidden layers and units (MLP), filters per convolution layer, activation,
optimizer, learning rate, learning-rate schedule, batch norm, dropout, L1/L2
and batch size.

A full Cartesian grid over all of that has millions of points, so
:func:`param_grid` returns a *list* of sub-grids, one per group of related
parameters (the architecture with the activation, the optimizer with the
learning rate, ...): ``GridSearchCV`` searches their union, each sub-grid with
the other parameters at the estimator's values. :func:`param_distributions`
samples all of them jointly, for ``RandomizedSearchCV``.

Examples
--------
>>> from sklearn.model_selection import GridSearchCV
>>> from emnist_estimators import CNNClassifier
>>> from emnist_estimators.search import param_grid
>>> search = GridSearchCV(CNNClassifier(max_epochs=5), param_grid("cnn"), cv=3)

Successive halving with the number of epochs as the resource, so that most
candidates are only trained for a few epochs:

>>> from sklearn.experimental import enable_halving_search_cv  # noqa: F401
>>> from sklearn.model_selection import HalvingRandomSearchCV
>>> from emnist_estimators.search import param_distributions
>>> search = HalvingRandomSearchCV(
...     CNNClassifier(), param_distributions("cnn"), resource="max_epochs",
...     min_resources=1, max_resources=9, factor=3, cv=3, random_state=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import loguniform, uniform

from .estimators import ESTIMATORS
from .evaluation import make_table, to_markdown

#: Names of the models with search spaces (the keys of ``ESTIMATORS``).
MODELS = tuple(ESTIMATORS)

#: Options the reference studies compared.
ACTIVATIONS = ["relu", "leaky_relu", "elu", "sigmoid", "tanh"]
OPTIMIZERS = ["adam", "sgd", "asgd", "rmsprop", "nadam", "adadelta"]
LEARNING_RATES = [1e-4, 1e-3, 1e-2]
LR_SCHEDULERS = [None, "step", "exponential", "plateau"]
DROPOUTS = [0.0, 0.25, 0.5]
BATCH_SIZES = [32, 64, 128]

#: The architecture parameter of each model, and the values searched.
ARCHITECTURES: dict[str, tuple[str, list]] = {
    "mlp": (
        "hidden_layer_sizes",
        [
            (50,),
            (256,),
            (784,),
            (256, 128),
            (512, 256),
            (784, 784),
            (512, 256, 128),
            (784, 512, 256),
        ],
    ),
    "cnn": (
        "filters",
        [(16, 32), (32, 64), (64, 128), (32, 64, 128), (64, 128, 256)],
    ),
    "resnet": ("widths", [(16, 32, 64), (32, 64, 128), (64, 128, 256)]),
    "lstm": ("hidden_sizes", [(64,), (128,), (128, 128), (256, 256)]),
}


def _check_model(model: str) -> str:
    if model not in MODELS:
        raise ValueError(f"model must be one of {list(MODELS)}, got {model!r}.")
    return model


def _check_size(size: str) -> str:
    if size not in ("full", "small"):
        raise ValueError(f"size must be 'full' or 'small', got {size!r}.")
    return size


def param_grid(model: str, size: str = "full") -> list[dict[str, list]]:
    """Sub-grids for ``GridSearchCV`` over what the reference studies tuned.

    Parameters
    ----------
    model : {'mlp', 'cnn', 'resnet', 'lstm'}
        Which estimator the grid is for.
    size : {'full', 'small'}, default='full'
        'full' covers the studies' search; 'small' is a 4-point grid for smoke
        tests and examples.

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
    """
    _check_model(model)
    name, architectures = ARCHITECTURES[model]
    if _check_size(size) == "small":
        return [{name: architectures[:2], "dropout": [0.0, 0.25]}]
    grids = [
        {name: architectures, "activation": ACTIVATIONS},
        {"optimizer": OPTIMIZERS, "lr": LEARNING_RATES},
        {"lr_scheduler": LR_SCHEDULERS},
        {"dropout": DROPOUTS, "batch_size": BATCH_SIZES},
        {"l1": [0.0, 1e-5], "weight_decay": [0.0, 1e-4]},
    ]
    if model != "lstm":  # the LSTM's batch norm is only in its (default empty) head
        grids[3]["batch_norm"] = [True, False]
    else:
        grids[0]["bidirectional"] = [False, True]
        grids[0].pop("activation")
    return grids


def param_distributions(model: str, size: str = "full") -> dict[str, Any]:
    """Distributions for ``RandomizedSearchCV`` over the same options, jointly.

    Parameters
    ----------
    model : {'mlp', 'cnn', 'resnet', 'lstm'}
        Which estimator the distributions are for.
    size : {'full', 'small'}, default='full'
        'small' samples only the architecture and dropout.

    Returns
    -------
    dict
        Lists (sampled uniformly) and ``scipy.stats`` distributions: the
        learning rate log-uniform in [1e-4, 1e-2], dropout uniform in
        [0, 0.5].
    """
    _check_model(model)
    name, architectures = ARCHITECTURES[model]
    if _check_size(size) == "small":
        return {name: architectures[:2], "dropout": uniform(0.0, 0.5)}
    distributions: dict[str, Any] = {
        name: architectures,
        "activation": ACTIVATIONS,
        "optimizer": OPTIMIZERS,
        "lr": loguniform(1e-4, 1e-2),
        "lr_scheduler": LR_SCHEDULERS,
        "dropout": uniform(0.0, 0.5),
        "batch_size": BATCH_SIZES,
        "l1": [0.0, 1e-6, 1e-5],
        "weight_decay": [0.0, 1e-5, 1e-4],
    }
    if model != "lstm":
        distributions["batch_norm"] = [True, False]
    else:
        distributions["bidirectional"] = [False, True]
        distributions.pop("activation")
    return distributions


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
