"""dask-ml's Hyperband over the estimators' ``partial_fit`` epochs."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator

import numpy as np

from ._common import require


class _DaskWithClientPersist:
    """``dask`` as dask-ml's incremental searches see it, persisting on the client.

    dask-ml 2025.1 calls ``dask.persist`` in the client's event loop, which
    Dask 2025.3 and later refuse (dask/dask-ml#1016); ``Client.persist``
    does the same without blocking.
    """

    def __init__(self, dask_module) -> None:
        self._dask = dask_module

    def __getattr__(self, name: str):
        return getattr(self._dask, name)

    @staticmethod
    def persist(*args, **kwargs):
        from dask.base import unpack_collections
        from distributed import default_client

        collections, repack = unpack_collections(*args)
        if not collections:
            return args
        kwargs.pop("priority", None)  # a dict of keys there; an int here
        return repack(default_client().persist(collections, **kwargs))


_PERSIST_LOCK = threading.Lock()
_persist_users = 0


@contextlib.contextmanager
def _persist_on_client() -> Iterator[None]:
    """Apply ``_DaskWithClientPersist`` to dask-ml for the block."""
    global _persist_users
    dask = require("dask")
    incremental = require("dask_ml.model_selection._incremental")
    with _PERSIST_LOCK:
        _persist_users += 1
        if getattr(incremental, "dask", None) is dask:
            incremental.dask = _DaskWithClientPersist(dask)
    try:
        yield
    finally:
        with _PERSIST_LOCK:
            _persist_users -= 1
            if not _persist_users and isinstance(
                incremental.dask, _DaskWithClientPersist
            ):
                incremental.dask = dask


def _all_classes(y) -> np.ndarray:
    return np.unique(y.compute() if hasattr(y, "compute") else np.asarray(y))


@functools.cache
def hyperband_class() -> type:
    base = require("dask_ml.model_selection").HyperbandSearchCV

    class HyperbandSearchCV(base):
        """Hyperband (dask-ml) over the estimators' ``partial_fit`` epochs.

        dask-ml's ``dask_ml.model_selection.HyperbandSearchCV``, with the same
        parameters (``estimator``, ``parameters``, ``max_iter``,
        ``aggressiveness``, ``test_size``, ``random_state``, ``scoring``, ...),
        run on the default Dask client (inside :func:`dask_backend`), with two
        changes: ``fit`` passes ``classes`` (all labels of ``y``) to
        ``partial_fit`` unless given, and it works with Dask 2025.3 and later,
        whose ``dask.persist`` dask-ml 2025.1 cannot call in its event loop
        (dask/dask-ml#1016). Each ``partial_fit`` call trains one epoch, so
        ``max_iter`` is the most epochs a candidate trains. Candidates are
        scored on a held-out ``test_size`` part of the data, not by
        cross-validation. Importing it needs
        ``pip install "emnist-estimators[dask]"``.

        Examples
        --------
        >>> from emnist_estimators import MLPClassifier
        >>> from emnist_estimators.distributed import HyperbandSearchCV, dask_backend
        >>> from emnist_estimators.search import param_distributions
        >>> search = HyperbandSearchCV(
        ...     MLPClassifier(max_epochs=9), param_distributions("mlp", "small"),
        ...     max_iter=9, random_state=0)  # doctest: +SKIP
        >>> with dask_backend("local:2"):  # doctest: +SKIP
        ...     search.fit(X, y)
        """

        def fit(self, X, y=None, **fit_params):
            """Run the search on the default Dask client.

            Parameters
            ----------
            X : array-like or dask array
                Training images.
            y : array-like or dask array
                Labels.
            **fit_params
                Passed to ``partial_fit``; ``classes`` defaults to all the
                labels of ``y``.

            Returns
            -------
            self : HyperbandSearchCV
                The fitted search.
            """
            if y is not None and "classes" not in fit_params:
                fit_params["classes"] = _all_classes(y)
            with _persist_on_client():
                return super().fit(X, y, **fit_params)

    HyperbandSearchCV.__module__ = "emnist_estimators.distributed"
    HyperbandSearchCV.__qualname__ = "HyperbandSearchCV"
    return HyperbandSearchCV
