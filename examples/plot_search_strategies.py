"""
Grid, random and successive-halving search with 3-fold cross-validation
=======================================================================

:func:`emnist_estimators.search.make_search` builds a ready scikit-learn
search over one of a model's search spaces (``'small'``, ``'medium'`` or
``'large'``) with one of four strategies:

* ``'grid'``: :class:`~sklearn.model_selection.GridSearchCV`, every point;
* ``'random'``: :class:`~sklearn.model_selection.RandomizedSearchCV`,
  ``n_iter`` points sampled from distributions;
* ``'halving-grid'`` and ``'halving-random'``: successive halving with the
  number of epochs as the resource: all candidates train for one epoch, the
  best third for three, the best of those for nine, and so on.

This example runs all four on the CNN's ``'small'`` space (two filter
configurations, two dropout rates) with 3-fold cross-validation, on
scikit-learn's digits, and compares them by best score and time. On EMNIST,
the command line runs the same searches, e.g.::

    emnist-estimators search --model cnn --method halving-random --size medium \\
        --cv 3 --dataset emnist-byclass --split-from test --data-dir path/to/emnist
"""

import os
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import ParameterGrid

from emnist_estimators import CNNClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.search import make_search, param_grid, summarize_search

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

X_train, y_train = load_digits(subset="train")
X_test, y_test = load_digits(subset="test")
if QUICK:
    X_train, y_train = X_train[:300], y_train[:300]

# %%
# The space
# ---------
# The grid of the ``'small'`` space has four points.
grid = param_grid("cnn", size="small")
print(grid)
print(len(ParameterGrid(grid)), "points")

# %%
# Four searches
# -------------
# Each search tunes the same estimator. ``max_epochs`` is the number of epochs
# of the grid and random searches, and the largest resource of the halving
# ones; the random strategies draw ``n_iter`` candidates (the halving one
# draws more, since most of them train for a single epoch).
estimator = CNNClassifier(max_epochs=3 if QUICK else 9, random_state=0)
strategies = {
    "grid": {},
    "random": {"n_iter": 4},
    "halving-grid": {},
    "halving-random": {"n_iter": 9},
}
searches, seconds = {}, {}
for strategy, options in strategies.items():
    search = make_search(
        "cnn",
        "small",
        strategy,
        estimator=estimator,
        cv=3,
        random_state=0,
        **options,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds[strategy] = time.perf_counter() - start
    searches[strategy] = search
    # A halving search scores a candidate once in each round it reaches.
    n_scored = len(search.cv_results_["params"])
    print(
        f"{strategy:15s} {type(search).__name__:22s} {n_scored:2d} scores "
        f"(x 3 folds) in {seconds[strategy]:4.1f} s"
    )

# %%
# Best candidates
# ---------------
# :func:`~emnist_estimators.search.summarize_search` ranks the candidates of
# any of these searches (for successive halving, those that reached the last
# round first) and gives the best parameters and score. The halving searches
# add the resource to the best parameters: with four candidates and a factor
# of 3, the halving grid search stops after the round at three epochs, so its
# best score is measured at three epochs, not nine.
rows = []
print("strategy        best 3-fold   test seconds  best parameters")
for strategy, search in searches.items():
    summary = summarize_search(search, top_k=3)
    row = {
        "strategy": strategy,
        "cv": summary.best_score,
        "test": search.score(X_test, y_test),  # the best, refitted on all
        "seconds": seconds[strategy],
    }
    rows.append(row)
    best = {
        k: round(float(v), 3) if isinstance(v, float) else v
        for k, v in summary.best_params.items()
    }
    print(
        f"{strategy:15s} {row['cv']:11.3f} {row['test']:6.3f} "
        f"{row['seconds']:7.1f}  {best}"
    )

# %%
# The top of the halving random search: the candidates that reached the last
# round (``iter``) come first.
summarize_search(searches["halving-random"], top_k=5).table

# %%
# Score and time
# --------------
# On a space this small the grid is cheap and complete; the halving searches
# spend most of their time on the few candidates that survive, so they can
# look at more candidates for the time of a grid search. On the 'medium' and
# 'large' spaces that is what makes a search affordable.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
names = [row["strategy"] for row in rows]
colors = [f"C{i}" for i in range(len(names))]
left.bar(names, [row["cv"] for row in rows], color=colors)
left.set_ylim(min(row["cv"] for row in rows) - 0.02, 1.0)
left.set_title("best mean 3-fold accuracy")
right.bar(names, [row["seconds"] for row in rows], color=colors)
right.set_title("search time (s)")
for ax in (left, right):
    ax.tick_params(axis="x", rotation=20)
    ax.grid(True, axis="y", alpha=0.3)
