"""Successive halving over epochs that continues training instead of restarting.

scikit-learn's ``HalvingGridSearchCV`` with ``resource="max_epochs"`` fits
every promoted candidate again from scratch with more epochs, so a rung pays
for all the epochs of the rungs before it. :class:`ContinuedHalvingGridSearchCV`
and :class:`ContinuedHalvingRandomSearchCV` keep each candidate's model (one
per fold) between rungs and continue it through ``partial_fit(...,
epochs=k)``: its weights, optimizer and schedule go on from where the rung
ended. A candidate that reaches the last rung has trained ``max_epochs``
epochs in all, as in an exhaustive search, for a fraction of the cost: with
36 candidates, factor 3 and 15 epochs, 96 epochs per fold instead of 540.

The candidates train with the ``'wsd'`` schedule by default (warm-up,
constant rate, and a decay at the end of every rung: each rung's
``partial_fit`` call is one training call of that schedule), so that every
candidate is scored after a decay, and its early epochs do not depend on how
many follow. The refit of the best candidate is a plain ``fit`` with the
estimator's own parameters and schedule, as in scikit-learn's searches.

Each fold's training and test data are indexed once, not once per
candidate and rung; with ``n_jobs``, joblib hands the folds to the worker
processes (large arrays as memory maps).
"""

from __future__ import annotations

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid, ParameterSampler, check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    HasMethods,
    Interval,
    StrOptions,
    fit_context,
    safe_indexing,
)

__all__ = ["ContinuedHalvingGridSearchCV", "ContinuedHalvingRandomSearchCV"]


def _final_step(model):
    """The classifier of ``model`` (the last step of a ``Pipeline``)."""
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def _transformers(model):
    """The steps before the classifier, as a ``Pipeline``, or None."""
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        return Pipeline(model.steps[:-1])
    return None


def rung_plan(n_candidates: int, factor: int, min_epochs: int, max_epochs: int):
    """The epochs trained by the end of each rung, and the candidates it holds.

    Parameters
    ----------
    n_candidates : int
        Candidates of the first rung.
    factor : int
        Each rung keeps ``1 / factor`` of the candidates of the one before.
    min_epochs : int
        Epochs of the first rung (multiplied by ``factor`` at each rung).
    max_epochs : int
        Epochs of the last rung.

    Returns
    -------
    epochs : list of int
        Cumulative epochs at the end of each rung (the last is ``max_epochs``).
    candidates : list of int
        Candidates trained in each rung.
    """
    n_required = 1 + math.floor(math.log(max(n_candidates, 1), factor) + 1e-9)
    epochs = sorted(
        {min(max_epochs, min_epochs * factor**i) for i in range(n_required - 1)}
        | {max_epochs}
    )
    candidates = [
        max(1, math.ceil(n_candidates / factor**i)) for i in range(len(epochs))
    ]
    return epochs, candidates


def _advance(model, estimator, params, fold, epochs, first, options):
    """Train one candidate on one fold for ``epochs`` more epochs; score it."""
    X_train, y_train, X_test, y_test = fold
    start = time.perf_counter()
    try:
        if first:
            model = clone(estimator).set_params(**params)
            final = _final_step(model)
            overrides = {"max_epochs": options["max_epochs"]}
            if options["schedule"] is not None:
                overrides["lr_scheduler"] = options["schedule"]
            final.set_params(**overrides)
        final = _final_step(model)
        transformers = _transformers(model)
        if transformers is None:
            X_fit = X_train
        elif first:
            X_fit = transformers.fit_transform(X_train, y_train)
        else:
            X_fit = transformers.transform(X_train)
        final.partial_fit(X_fit, y_train, classes=options["classes"], epochs=epochs)
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        score = float(options["scorer"](model, X_test, y_test))
        return model, score, fit_time, time.perf_counter() - start, None
    except Exception as exc:
        if options["error_score"] == "raise":
            raise
        message = f"{type(exc).__name__}: {exc}"
        return None, options["error_score"], time.perf_counter() - start, 0.0, message


class _ContinuedHalving(MetaEstimatorMixin, BaseEstimator):
    """What the grid and the random variant share (not for direct use)."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "set_params"])],
        "factor": [Interval(Integral, 2, None, closed="left")],
        "min_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "schedule": [StrOptions({"wsd"}), None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "error_score": [StrOptions({"raise"}), Real],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        factor=3,
        min_epochs=1,
        max_epochs=None,
        schedule="wsd",
        cv=3,
        scoring=None,
        refit=True,
        n_jobs=None,
        error_score=np.nan,
        verbose=0,
    ):
        self.estimator = estimator
        self.factor = factor
        self.min_epochs = min_epochs
        self.max_epochs = max_epochs
        self.schedule = schedule
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.n_jobs = n_jobs
        self.error_score = error_score
        self.verbose = verbose

    def _candidates(self) -> list[dict]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_classifier(self):
        final = _final_step(self.estimator)
        params = final.get_params(deep=False)
        if not (hasattr(final, "partial_fit") and "max_epochs" in params):
            raise TypeError(
                f"{type(self).__name__} continues each candidate's training with "
                "partial_fit(..., epochs=k): its estimator must be one of the "
                "emnist-estimators classifiers (or a Pipeline ending in one), got "
                f"{type(final).__name__}."
            )
        return params

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None):
        """Search the candidates with successive halving over epochs.

        Parameters
        ----------
        X : array-like
            Training images (any form the estimator accepts).
        y : array-like of shape (n_samples,)
            Labels.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv``.

        Returns
        -------
        self : object
            The fitted search.
        """
        params = self._check_classifier()
        max_epochs = int(self.max_epochs or params["max_epochs"])
        if self.min_epochs > max_epochs:
            raise ValueError(
                f"min_epochs={self.min_epochs} is more than max_epochs={max_epochs}."
            )
        candidates = self._candidates()
        if not candidates:
            raise ValueError("There are no candidates to search.")
        y = np.asarray(y)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        self.n_splits_ = len(splits)
        folds = [
            (
                safe_indexing(X, train),
                y[train],
                safe_indexing(X, test),
                y[test],
            )
            for train, test in splits
        ]
        self.scorer_ = check_scoring(self.estimator, self.scoring)
        epochs, n_kept = rung_plan(
            len(candidates), self.factor, self.min_epochs, max_epochs
        )
        options = {
            "max_epochs": max_epochs,
            "schedule": self.schedule,
            "classes": np.unique(y),
            "scorer": self.scorer_,
            "error_score": self.error_score,
        }
        models: dict = {}
        alive = list(range(len(candidates)))
        rows: list[dict] = []
        trained = 0
        parallel = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)
        for iteration, total in enumerate(epochs):
            if iteration:
                alive = self._promote(rows, iteration - 1, n_kept[iteration])
            first = iteration == 0
            tasks = [(c, k) for c in alive for k in range(len(folds))]
            outcomes = parallel(
                delayed(_advance)(
                    models.get((c, k)),
                    self.estimator,
                    candidates[c],
                    folds[k],
                    total - trained,
                    first,
                    options,
                )
                for c, k in tasks
            )
            failures = []
            scores: dict = {c: [None] * len(folds) for c in alive}
            times: dict = {c: ([0.0] * len(folds), [0.0] * len(folds)) for c in alive}
            for (c, k), (model, score, fit_time, score_time, error) in zip(
                tasks, outcomes, strict=True
            ):
                models[(c, k)] = model
                scores[c][k] = score
                times[c][0][k], times[c][1][k] = fit_time, score_time
                if error is not None:
                    failures.append(error)
            for c in alive:
                rows.append(
                    {
                        "candidate": c,
                        "iter": iteration,
                        "n_resources": total,
                        "scores": scores[c],
                        "fit_times": times[c][0],
                        "score_times": times[c][1],
                    }
                )
            if failures:
                warnings.warn(
                    f"{len(failures)} of the {len(tasks)} fits of iteration "
                    f"{iteration} failed (score set to {self.error_score}); the "
                    f"first: {failures[0]}",
                    FitFailedWarning,
                    stacklevel=2,
                )
            trained = total
            # The models of candidates that stop here are not needed again.
            for c in set(range(len(candidates))) - set(alive):
                for k in range(len(folds)):
                    models.pop((c, k), None)
        self.n_candidates_ = [
            sum(1 for r in rows if r["iter"] == i) for i in range(len(epochs))
        ]
        self.n_resources_ = list(epochs)
        self.n_iterations_ = len(epochs)
        self.max_resources_ = max_epochs
        self.min_resources_ = int(self.min_epochs)
        self.multimetric_ = False
        self.cv_results_ = self._results(rows, candidates)
        self.best_index_ = self._best_index()
        self.best_params_ = dict(self.cv_results_["params"][self.best_index_])
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = (
                clone(self.estimator).set_params(**self.best_params_).fit(X, y)
            )
            self.refit_time_ = time.perf_counter() - start
        return self

    @staticmethod
    def _mean(scores) -> float:
        values = np.asarray(scores, dtype=float)
        return float(np.mean(values)) if np.all(np.isfinite(values)) else np.nan

    def _promote(self, rows, iteration, n_keep) -> list[int]:
        """The ``n_keep`` best candidates of ``iteration`` (ties: the earlier)."""
        last = [r for r in rows if r["iter"] == iteration]
        means = np.array([self._mean(r["scores"]) for r in last])
        order = np.argsort(-np.nan_to_num(means, nan=-np.inf), kind="stable")
        return sorted(last[i]["candidate"] for i in order[:n_keep])

    def _results(self, rows, candidates) -> dict:
        """``cv_results_`` in scikit-learn's layout, one row per candidate and rung."""
        n = len(rows)
        results: dict = {
            "iter": np.array([r["iter"] for r in rows]),
            "n_resources": np.array([r["n_resources"] for r in rows]),
            "params": [candidates[r["candidate"]] for r in rows],
        }
        names = sorted({k for c in candidates for k in c})
        for name in names:
            column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
            for i, r in enumerate(rows):
                if name in candidates[r["candidate"]]:
                    column[i] = candidates[r["candidate"]][name]
            results[f"param_{name}"] = column
        scores = np.array([r["scores"] for r in rows], dtype=float)
        for k in range(scores.shape[1]):
            results[f"split{k}_test_score"] = scores[:, k]
        results["mean_test_score"] = scores.mean(axis=1)
        results["std_test_score"] = scores.std(axis=1)
        finite = np.nan_to_num(results["mean_test_score"], nan=-np.inf)
        results["rank_test_score"] = rankdata(-finite, method="min").astype(np.int32)
        for key in ("fit", "score"):
            values = np.array([r[f"{key}_times"] for r in rows], dtype=float)
            results[f"mean_{key}_time"] = values.mean(axis=1)
            results[f"std_{key}_time"] = values.std(axis=1)
        return results

    def _best_index(self) -> int:
        """The best candidate of the last rung (scikit-learn's halving rule)."""
        results = self.cv_results_
        last = np.flatnonzero(results["iter"] == results["iter"].max())
        means = np.nan_to_num(results["mean_test_score"][last], nan=-np.inf)
        return int(last[int(np.argmax(means))])

    # ---------------------------------------------------------- the best model
    def _check_refitted(self):
        check_is_fitted(self, "cv_results_")
        if not self.refit:
            raise AttributeError(
                f"{type(self).__name__} was fitted with refit=False: there is no "
                "best_estimator_ to predict with; fit again with refit=True, or "
                "refit best_params_ yourself."
            )

    @property
    def classes_(self):
        """The class labels of the refitted best estimator."""
        self._check_refitted()
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        """The features the refitted best estimator was fitted on."""
        self._check_refitted()
        return self.best_estimator_.n_features_in_

    def predict(self, X):
        """Predict with the refitted best estimator.

        Parameters
        ----------
        X : array-like
            Images.

        Returns
        -------
        ndarray
            Labels.
        """
        self._check_refitted()
        return self.best_estimator_.predict(X)

    def predict_proba(self, X):
        """Class probabilities of the refitted best estimator.

        Parameters
        ----------
        X : array-like
            Images.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities.
        """
        self._check_refitted()
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log-probabilities of the refitted best estimator.

        Parameters
        ----------
        X : array-like
            Images.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        self._check_refitted()
        return self.best_estimator_.predict_log_proba(X)

    def score(self, X, y):
        """The search's score (``scoring``) of the refitted best estimator.

        Parameters
        ----------
        X : array-like
            Images.
        y : array-like
            Labels.

        Returns
        -------
        float
            The score.
        """
        self._check_refitted()
        return self.scorer_(self.best_estimator_, X, y)


_SHARED_DOC = """
    factor : int, default=3
        Each rung keeps the best ``1 / factor`` of the candidates of the rung
        before (by mean cross-validated score) and multiplies their epochs by
        ``factor``.
    min_epochs : int, default=1
        Epochs of the first rung.
    max_epochs : int or None, default=None
        Epochs of the last rung (in all); None takes the estimator's
        ``max_epochs``. The rungs end at ``min_epochs * factor**i`` epochs
        and at ``max_epochs``: 1, 3, 9 and 15 for the defaults and 15 epochs.
    schedule : {'wsd'} or None, default='wsd'
        The learning-rate schedule of the candidates while searched: 'wsd'
        (warm-up, constant, and a decay at the end of every rung), or None
        for the estimator's own (planned for ``max_epochs``). The refit keeps
        the estimator's own.
    cv : int, cross-validation generator or iterable, default=3
        As for :class:`~sklearn.model_selection.GridSearchCV` (3-fold
        stratified by default, as in the reference studies).
    scoring : str, callable or None, default=None
        One metric (the estimator's ``score``, accuracy, when None).
    refit : bool, default=True
        Fit the best candidate on all of ``X`` with its own parameters
        (``best_estimator_``).
    n_jobs : int or None, default=None
        Fits run in parallel with joblib (set the estimator's ``n_threads=1``
        so that they do not oversubscribe the cores).
    error_score : 'raise' or float, default=np.nan
        The score of a fit that fails (it stops there), or 'raise'.
    verbose : int, default=0
        joblib's progress messages.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        scikit-learn's layout (``params``, ``param_<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, ``mean_fit_time``, ...) with one row per
        candidate and rung, and ``iter`` and ``n_resources`` (the epochs the
        score was measured at), as scikit-learn's halving searches. The fit
        times are those of the epochs added in that rung.
    best_params_ : dict
        The best candidate of the last rung.
    best_score_ : float
        Its mean cross-validated score after ``max_epochs`` epochs.
    best_index_ : int
        Its row in ``cv_results_``.
    best_estimator_ : estimator
        The refit (with ``refit=True``).
    refit_time_ : float
        Seconds of the refit.
    n_candidates_ : list of int
        Candidates of each rung.
    n_resources_ : list of int
        Epochs trained by the end of each rung.
    n_iterations_ : int
        Rungs run.
    n_splits_ : int
        Folds.
    scorer_ : callable
        The scorer.
"""


class ContinuedHalvingGridSearchCV(_ContinuedHalving):
    __doc__ = (
        """Successive halving over epochs on a grid, continuing each candidate.

    Like :class:`~sklearn.model_selection.HalvingGridSearchCV` with
    ``resource="max_epochs"``, but a promoted candidate goes on training
    (``partial_fit(..., epochs=k)``) from the weights, optimizer and schedule
    state its rung ended with, instead of starting again: see
    :mod:`emnist_estimators.search`.

    Parameters
    ----------
    estimator : estimator
        One of the package's classifiers, or a ``Pipeline`` ending in one.
    param_grid : dict or list of dict
        As for :class:`~sklearn.model_selection.GridSearchCV`."""
        + _SHARED_DOC
        + """
    Examples
    --------
    >>> from emnist_estimators import MLPClassifier
    >>> from emnist_estimators.search import ContinuedHalvingGridSearchCV
    >>> search = ContinuedHalvingGridSearchCV(
    ...     MLPClassifier(max_epochs=15), {"activation": ["relu", "tanh"]}, cv=3)
    """
    )

    _parameter_constraints: dict = {
        **_ContinuedHalving._parameter_constraints,
        "param_grid": [dict, list],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        factor=3,
        min_epochs=1,
        max_epochs=None,
        schedule="wsd",
        cv=3,
        scoring=None,
        refit=True,
        n_jobs=None,
        error_score=np.nan,
        verbose=0,
    ):
        super().__init__(
            estimator,
            factor=factor,
            min_epochs=min_epochs,
            max_epochs=max_epochs,
            schedule=schedule,
            cv=cv,
            scoring=scoring,
            refit=refit,
            n_jobs=n_jobs,
            error_score=error_score,
            verbose=verbose,
        )
        self.param_grid = param_grid

    def _candidates(self) -> list[dict]:
        return list(ParameterGrid(self.param_grid))


class ContinuedHalvingRandomSearchCV(_ContinuedHalving):
    __doc__ = (
        """Successive halving over epochs on sampled candidates, continuing each.

    Like :class:`~sklearn.model_selection.HalvingRandomSearchCV` with
    ``resource="max_epochs"``, but a promoted candidate goes on training from
    where its rung ended instead of starting again: see
    :mod:`emnist_estimators.search`.

    Parameters
    ----------
    estimator : estimator
        One of the package's classifiers, or a ``Pipeline`` ending in one.
    param_distributions : dict or list of dict
        As for :class:`~sklearn.model_selection.RandomizedSearchCV`.
    n_candidates : int, default=10
        Candidates sampled for the first rung.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampling of the candidates."""
        + _SHARED_DOC
    )

    _parameter_constraints: dict = {
        **_ContinuedHalving._parameter_constraints,
        "param_distributions": [dict, list],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates=10,
        random_state=None,
        factor=3,
        min_epochs=1,
        max_epochs=None,
        schedule="wsd",
        cv=3,
        scoring=None,
        refit=True,
        n_jobs=None,
        error_score=np.nan,
        verbose=0,
    ):
        super().__init__(
            estimator,
            factor=factor,
            min_epochs=min_epochs,
            max_epochs=max_epochs,
            schedule=schedule,
            cv=cv,
            scoring=scoring,
            refit=refit,
            n_jobs=n_jobs,
            error_score=error_score,
            verbose=verbose,
        )
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _candidates(self) -> list[dict]:
        return list(
            ParameterSampler(
                self.param_distributions,
                self.n_candidates,
                random_state=self.random_state,
            )
        )
