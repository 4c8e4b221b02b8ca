"""
A search on a Dask cluster
==========================

:func:`emnist_estimators.distributed.dask_backend` runs scikit-learn's
searches on a `Dask <https://distributed.dask.org>`_ cluster: inside its
``with`` block, :func:`~emnist_estimators.search.make_search`,
:class:`~sklearn.model_selection.GridSearchCV` and the other searches fit
their candidates on the cluster's workers. The data goes to the cluster once
(``scatter=[X, y]``), each worker trains with one torch thread
(``n_threads=1``), and the results are those of a run in one process.

This example starts a cluster of two worker processes on this machine
(``'local:2'``), runs the same grid search here and there, compares them,
counts what the workers received, and runs dask-ml's Hyperband. On a cluster
of several machines, pass its scheduler's address instead::

    with dask_backend("tcp://scheduler-host:8786", scatter=[X, y]):
        search.fit(X, y)

or, from the command line,
``emnist-estimators search ... --scheduler tcp://scheduler-host:8786``
(``--scheduler local:N`` for N worker processes here). It needs
``pip install "emnist-estimators[dask]"``.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np

from emnist_estimators import MLPClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.distributed import (
    HyperbandSearchCV,
    dask_backend,
    measure_traffic,
)
from emnist_estimators.search import make_search, param_distributions

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"
SIZE = "small" if QUICK else "medium"

X, y = load_digits(subset="train")
if QUICK:
    X, y = X[:300], y[:300]

# %%
# The search
# ----------
# The MLP's ``'medium'`` space: three architectures, two activations and two
# optimizers, 12 settings, each scored by 3-fold cross-validation (36 fits).
# ``random_state`` seeds every fit, wherever it runs, and each fit trains
# with one torch thread, here as on the workers.
estimator = MLPClassifier(max_epochs=2 if QUICK else 8, n_threads=1, random_state=0)


def search():
    return make_search("mlp", SIZE, estimator=estimator, cv=3)


start = time.perf_counter()
here = search().fit(X, y)
seconds_here = time.perf_counter() - start

# %%
# The same search on two worker processes
# ---------------------------------------
# ``'local:2'`` starts two worker processes of one thread each on 127.0.0.1,
# and stops them at the end of the block. Starting them (and importing torch
# in each) is timed apart from the search. The refit of the best setting on
# all the data runs in this process.


def warm_up():
    """Import torch and the estimators in a worker (a few seconds, once)."""
    import emnist_estimators.estimators  # noqa: F401


start = time.perf_counter()
with dask_backend("local:2", n_threads=1, scatter=[X, y]) as session:
    session.client.run(warm_up)
    seconds_start = time.perf_counter() - start
    print(f"{session.n_workers} workers; scheduler at {session.address}")
    with measure_traffic(session.client) as traffic:
        start = time.perf_counter()
        there = search().fit(X, y)
        seconds_there = time.perf_counter() - start

    # Hyperband trains the candidates one epoch (one ``partial_fit`` call)
    # at a time and drops the worst ones as it goes.
    hyperband = HyperbandSearchCV(
        MLPClassifier(max_epochs=9, random_state=0),
        param_distributions("mlp", "small"),
        max_iter=3 if QUICK else 9,
        random_state=0,
    ).fit(X, y)

scores_here = here.cv_results_["mean_test_score"]
scores_there = there.cv_results_["mean_test_score"]
print(f"started in {seconds_start:.1f} s")
print(f"search here: {seconds_here:.1f} s, on the cluster: {seconds_there:.1f} s")
print("same scores:", np.allclose(scores_here, scores_there))
print("best:", there.best_params_, f"{there.best_score_:.4f}")

# %%
# What the workers received
# -------------------------
# The tasks refer to the data instead of carrying it: each fit's task holds
# the estimator, its parameters and the fold's indices, and each worker
# fetches the images once. joblib groups quick fits into one task.
n_fits = len(there.cv_results_["params"]) * 3
print(traffic)
print(f"{traffic.task_bytes / traffic.n_tasks / 1e3:.1f} kB per task")
print(f"{(traffic.task_bytes + traffic.data_bytes) / n_fits / 1e3:.1f} kB per fit")
print(f"the images alone: {X.nbytes / 1e3:.1f} kB")

# %%
# Hyperband
# ---------
# dask-ml's Hyperband scores each candidate on a held-out part of the data
# (not by cross-validation) after each round of epochs.
print(
    hyperband.metadata_["n_models"],
    "candidates,",
    hyperband.metadata_["partial_fit_calls"],
    "epochs in all",
)
best = {
    name: round(value, 3) if isinstance(value, float) else value
    for name, value in hyperband.best_params_.items()
}
print("best:", best, f"{hyperband.best_score_:.4f}")

# %%
# Same scores, here and on the cluster
# ------------------------------------
# Every fit is seeded by ``random_state`` and trains with one thread, so the
# cluster's scores are this process's, setting by setting.
fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ax.plot([0, 1], [0, 1], color="0.8", zorder=0)
ax.scatter(scores_here, scores_there)
ax.set_xlabel("mean 3-fold accuracy, one process")
ax.set_ylabel("mean 3-fold accuracy, Dask 'local:2'")
ax.set_title(f"{len(scores_here)} settings")
