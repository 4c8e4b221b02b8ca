"""
Reference studies: random and grid search per model on EMNIST ByClass
=====================================================================

Two of the reference studies tune several models on the 62 classes of EMNIST
ByClass with 3-fold cross-validation, then compare the best of each on the
test set: one with a randomized search over an MLP, a CNN and a residual CNN,
the other with a grid search over an MLP, a CNN and an LSTM that reads each
image as a sequence of pixel rows. :func:`emnist_estimators.search.make_search`
builds each search from the model's search spaces.

This page runs both in quick form: the ``'small'`` spaces (two architectures,
two dropout rates), three epochs per candidate in batches of 32, a sample of
1,000 training images (enough for three images of the rarest class, one per
fold). The data is the official ByClass *test* part split 80/20 when its
files are found, in the folder named by the environment variable
``EMNIST_ESTIMATORS_DATA`` (the documentation build points it at
``../shared/data/emnist`` beside the repository when that folder exists) or
in ``~/.cache/emnist_estimators``; else scikit-learn's digits.

To run the studies at full size (the ``'large'`` spaces with everything the
studies searched, 15,000 images per search, more epochs; hours on a GPU), set
``FULL = True`` below, or run one search per model and method from the
command line, e.g.::

    emnist-estimators search --model cnn --method random --size large \\
        --n-iter 20 --cv 3 --dataset emnist-byclass --data-dir path/to/emnist
    emnist-estimators search --model lstm --method grid --size large --cv 3 \\
        --dataset emnist-byclass --split-from test --data-dir path/to/emnist
"""

import os

from emnist_estimators.datasets import load_train_test
from emnist_estimators.evaluation import comparison_table, evaluate
from emnist_estimators.models import get_model, list_models
from emnist_estimators.plotting import plot_comparison
from emnist_estimators.search import make_search, summarize_search

#: True runs the studies at full size.
FULL = False
# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

if FULL:
    N_SEARCH, N_TEST, EPOCHS, SIZE, N_ITER = 15000, None, 4, "large", 20
elif QUICK:
    N_SEARCH, N_TEST, EPOCHS, SIZE, N_ITER = 240, 100, 1, "small", 2
else:
    N_SEARCH, N_TEST, EPOCHS, SIZE, N_ITER = 1000, 1000, 3, "small", 3

# %%
# The data
# --------
# The search runs on a stratified sample of the training set (the searches
# refit the best candidate on all of it); the models are compared on the
# test set.
try:
    data = load_train_test(
        "emnist-byclass", split_from="test", n_train=N_SEARCH, n_test=N_TEST
    )
except FileNotFoundError:
    print("No EMNIST ByClass files found: using scikit-learn's digits instead.")
    data = load_train_test("digits", n_train=N_SEARCH, n_test=N_TEST)
print(f"{data.name}: {data.description}")

# %%
# The models and their spaces
# ---------------------------
# The registry (:func:`~emnist_estimators.models.list_models`) names the
# models; each declares the architecture parameter its search spaces vary.
for name in list_models():
    spec = get_model(name)
    parameter, values = spec.architecture
    print(f"{name:7s} {spec.estimator.__name__:17s} {parameter}: {values[:2]}")

# %%
# The searches
# ------------
# One search per study and model, each with 3-fold cross-validation on the
# same sample and the same epochs and batch size for every candidate. The
# searches vary the architecture and dropout; the other parameters are the
# estimator's: here small batches, so that a few epochs on a small sample
# take enough steps, a larger learning rate for the LSTM, and one residual
# block per stage instead of two for the ResNet, to keep this page quick.
studies = {
    "random": ["mlp", "cnn", "resnet"],
    "grid": ["mlp", "cnn", "lstm"],
}
extra = {"resnet": {"blocks": 1}, "lstm": {"lr": 3e-3}}
summaries, reports = {}, {}
for strategy, models in studies.items():
    for model in models:
        estimator = get_model(model).estimator(
            max_epochs=EPOCHS, batch_size=32, random_state=0, **extra.get(model, {})
        )
        search = make_search(
            model,
            SIZE,
            strategy,
            estimator=estimator,
            cv=3,
            n_iter=N_ITER,
            random_state=0,
        )
        search.fit(data.X_train, data.y_train)
        key = f"{strategy}: {model}"
        summaries[key] = summarize_search(search, top_k=3)
        # The search refits the best candidate on the whole sample.
        reports[key] = evaluate(
            search.best_estimator_,
            data.X_test,
            data.y_test,
            target_names=data.mapping,
            name=key,
        )
        print(
            f"{key:14s} best 3-fold accuracy {summaries[key].best_score:.3f}, "
            f"test accuracy {reports[key].accuracy:.3f}"
        )

# %%
# The best candidates of one search:
summaries["grid: lstm"].table

# %%
# The best of each model on the test set
# --------------------------------------
# With so few images and epochs, the ranking says more about how fast each
# network learns than about how far it gets: the LSTM, in particular, needs
# more epochs. At full size, the studies found the tuned models within a few
# points of each other (see the accuracy table in the project's README).
table = comparison_table(reports)
fig = plot_comparison(table, "accuracy")
comparison_table(
    reports, columns=["model", "accuracy", "f1_macro", "fit_time_s", "n_parameters"]
)
