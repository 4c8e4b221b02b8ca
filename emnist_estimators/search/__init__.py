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
candidates are only trained for a few epochs (scikit-learn's searches, which
train every promoted candidate again from scratch):

>>> from sklearn.experimental import enable_halving_search_cv  # noqa: F401
>>> from sklearn.model_selection import HalvingRandomSearchCV
>>> from emnist_estimators.search import param_distributions
>>> search = HalvingRandomSearchCV(
...     CNNClassifier(), param_distributions("cnn"), resource="max_epochs",
...     min_resources=1, max_resources=9, factor=3, cv=3, random_state=0)

The fastest search continues instead of restarting: a promoted candidate
goes on training from the weights, optimizer and schedule its rung ended
with (``partial_fit(..., epochs=k)``), with a warm-up-stable-decay schedule
that decays at the end of every rung. One class to change, or one
``make_search`` argument:

>>> from emnist_estimators.search import ContinuedHalvingGridSearchCV
>>> search = ContinuedHalvingGridSearchCV(
...     CNNClassifier(max_epochs=15), param_grid("cnn", "medium"), cv=3)
>>> search = make_search("cnn", "medium", "continued-halving-grid")
"""

from ._halving import ContinuedHalvingGridSearchCV, ContinuedHalvingRandomSearchCV
from ._spaces import (
    ACTIVATIONS,
    BATCH_SIZES,
    DROPOUTS,
    LEARNING_RATES,
    LR_SCHEDULERS,
    OPTIMIZERS,
    SHARED_OPTIONS,
    SIZES,
    STRATEGIES,
    SearchSummary,
    make_search,
    param_distributions,
    param_grid,
    summarize_search,
)

__all__ = [
    "ACTIVATIONS",
    "BATCH_SIZES",
    "DROPOUTS",
    "LEARNING_RATES",
    "LR_SCHEDULERS",
    "OPTIMIZERS",
    "SHARED_OPTIONS",
    "SIZES",
    "STRATEGIES",
    "ContinuedHalvingGridSearchCV",
    "ContinuedHalvingRandomSearchCV",
    "SearchSummary",
    "make_search",
    "param_distributions",
    "param_grid",
    "summarize_search",
]


def __getattr__(name: str):
    if name == "MODELS":
        from ..models import list_models

        return tuple(list_models())
    if name == "ARCHITECTURES":
        from ..models import get_model, list_models

        return {model: get_model(model).architecture for model in list_models()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
