"""Hyperparameter searches on a Dask cluster.

The estimators are ordinary scikit-learn estimators, so scikit-learn's
searches already run on any joblib backend. :func:`dask_backend` makes
joblib's Dask backend the active one for a block of code: inside it,
:class:`~sklearn.model_selection.GridSearchCV`,
:class:`~sklearn.model_selection.RandomizedSearchCV`, the successive-halving
searches and :func:`emnist_estimators.search.make_search` fit their
candidates on the cluster's workers, and give the same ``cv_results_`` as a
run on one machine. It starts a cluster of worker processes on this machine
(``'local:N'``, or ``'local-cuda'`` for one worker per GPU) or connects to a
running scheduler (``'tcp://host:8786'``), sends the data to the cluster once
(``scatter``) in a form that survives a worker's death, and caps the torch
threads of each worker so that N workers on N cores do not compete for
them. :class:`HyperbandSearchCV` is dask-ml's
Hyperband search, which trains with ``partial_fit``.

Dask is optional: ``pip install "emnist-estimators[dask]"`` installs
``dask[distributed]`` and ``dask-ml``. This module imports without them and
raises an ``ImportError`` that names the extra when a function that
needs them is called.

Examples
--------
>>> from sklearn.model_selection import GridSearchCV
>>> from emnist_estimators import MLPClassifier
>>> from emnist_estimators.datasets import load_digits
>>> from emnist_estimators.distributed import dask_backend
>>> X, y = load_digits(subset="train")
>>> search = GridSearchCV(MLPClassifier(max_epochs=3), {"dropout": [0.0, 0.25]}, cv=3)
>>> with dask_backend("local:2", scatter=[X, y]):  # doctest: +SKIP
...     search.fit(X, y)
"""

from __future__ import annotations

from ._common import INSTALL_HINT
from ._session import DaskSession, dask_backend
from ._traffic import Traffic, measure_traffic

__all__ = ["INSTALL_HINT", "DaskSession", "Traffic", "dask_backend", "measure_traffic"]


def __getattr__(name: str):
    if name == "HyperbandSearchCV":
        from ._hyperband import hyperband_class

        cls = hyperband_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "HyperbandSearchCV"})
