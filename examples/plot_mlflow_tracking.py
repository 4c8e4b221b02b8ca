"""
Tracking a search with MLflow
=============================

`MLflow <https://mlflow.org>`_ records runs: their parameters, metrics and
models. This example runs a grid search and records, in a SQLite tracking
store in a temporary folder:

- one child run per candidate of the search, with its parameters and its
  cross-validated score;
- the refit of the best candidate, whose every epoch (losses, accuracy) skorch's
  ``MlflowLogger`` callback logs as it trains;
- the fitted model, with ``mlflow.sklearn.log_model`` in its default
  (skops) format, loaded back to check that it predicts the same.

It needs ``pip install "emnist-estimators[mlflow]"``. On a tracking server,
set ``mlflow.set_tracking_uri`` to its address instead; ``mlflow ui
--backend-store-uri sqlite:///<folder>/mlflow.db`` shows the runs of this
one.
"""

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import mlflow
import mlflow.sklearn
import numpy as np
from sklearn.base import clone
from skorch.callbacks import MlflowLogger

from emnist_estimators import MLPClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.persistence import skops_trusted_types
from emnist_estimators.search import make_search

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

X_train, y_train = load_digits(subset="train")
X_test, y_test = load_digits(subset="test")
if QUICK:
    X_train, y_train = X_train[:300], y_train[:300]

# %%
# A tracking store in a temporary folder
# --------------------------------------
# The runs go to a SQLite database and the models to a folder beside it, so
# that nothing is written where the example runs.
folder = Path(tempfile.mkdtemp(prefix="mlflow-"))
mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
experiment = mlflow.create_experiment(
    "emnist-estimators", artifact_location=(folder / "artifacts").as_uri()
)

# %%
# The search, one child run per candidate
# ---------------------------------------
estimator = MLPClassifier(max_epochs=2 if QUICK else 10, random_state=0)
search = make_search("mlp", "small", "grid", estimator=estimator, cv=3, refit=False)
search.fit(X_train, y_train)

with mlflow.start_run(experiment_id=experiment, run_name="mlp grid") as parent:
    results = search.cv_results_
    for params, score in zip(
        results["params"], results["mean_test_score"], strict=True
    ):
        with mlflow.start_run(experiment_id=experiment, nested=True):
            mlflow.log_params({k: repr(v) for k, v in params.items()})
            mlflow.log_metric("mean_cv_accuracy", float(score))
    best_params = search.best_params_
    mlflow.log_params({f"best_{k}": repr(v) for k, v in best_params.items()})

    # %%
    # The refit, every epoch logged by skorch's ``MlflowLogger``
    # ----------------------------------------------------------
    # The callback logs to the active run; ``terminate_after_train=False``
    # keeps the run open for the model, ``create_artifact=False`` leaves
    # saving the model to MLflow's sklearn flavor below.
    logger = MlflowLogger(create_artifact=False, terminate_after_train=False)
    best = clone(estimator).set_params(**best_params, callbacks=[logger])
    best.fit(X_train, y_train)
    mlflow.log_metric("test_accuracy", best.score(X_test, y_test))

    # %%
    # The model, in MLflow's default format
    # -------------------------------------
    # ``skops_trusted_types()`` names this library's classes, the only types
    # of the file that skops does not trust by default. The callbacks are
    # training-time objects: they are not part of the model.
    best.set_params(callbacks=None)
    info = mlflow.sklearn.log_model(
        best,
        name="model",
        skops_trusted_types=skops_trusted_types(),
        pip_requirements=["emnist-estimators[skops]"],
    )

print(f"parent run {parent.info.run_id}: {len(results['params'])} candidates")

# %%
# What was recorded
# -----------------
# MLflow 3 loads a model only when ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION`` is
# set, in every format: it reads the list of trusted types from the model's
# own files. Set it only for models you trust, as here the one just logged.
os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "true"
loaded = mlflow.sklearn.load_model(info.model_uri)
same = np.array_equal(loaded.predict_proba(X_test), best.predict_proba(X_test))
print(f"the loaded model predicts the same: {same}")

client = mlflow.MlflowClient()
history = client.get_metric_history(parent.info.run_id, "train_loss")
losses = [m.value for m in history]
fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
ax.plot(range(1, len(losses) + 1), losses, marker="o")
ax.set_xlabel("Epoch")
ax.set_ylabel("Training loss (from MLflow)")
ax.set_title("The refit's epochs, as MLflow recorded them")
fig
