"""
Plots and a report folder
=========================

:mod:`emnist_estimators.plotting` draws the figures of a study (sample images,
learning curves, confusion matrices, mistakes, comparison bars), each
function returning a matplotlib figure; :mod:`emnist_estimators.evaluation`
scores fitted models; :mod:`emnist_estimators.reports` writes it all to a
report folder (``report.md``, figures as PNG, ``metrics.json``, tables).

The example trains an MLP and a CNN on a small sample of EMNIST ByClass (62
classes: digits, upper- and lower-case letters) when the files are found:
in the folder named by the environment variable ``EMNIST_ESTIMATORS_DATA``
(the documentation build points it at ``../shared/data/emnist`` beside the
repository when that folder exists), else in ``~/.cache/emnist_estimators``.
Without them it runs on scikit-learn's digits.
"""

import os
import tempfile
from pathlib import Path

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.datasets import load_train_test
from emnist_estimators.evaluation import comparison_table, evaluate
from emnist_estimators.plotting import (
    plot_comparison,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_mistakes,
    plot_samples,
)
from emnist_estimators.reports import ReportWriter, add_data_figures, report_model

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"
N_TRAIN, N_TEST = (300, 100) if QUICK else (4000, 1000)

# %%
# The data
# --------
# The official EMNIST *test* part split 80/20 into training and test sets
# (``split_from="test"``), then a stratified sample of each.
try:
    data = load_train_test(
        "emnist-byclass", split_from="test", n_train=N_TRAIN, n_test=N_TEST
    )
except FileNotFoundError:
    print("No EMNIST ByClass files found: using scikit-learn's digits instead.")
    data = load_train_test("digits", n_train=N_TRAIN, n_test=N_TEST)
print(data.name, "-", data.description)

fig = plot_samples(
    data.X_train, data.y_train, class_names=data.mapping, n_images=24, random_state=0
)

# %%
# Two models
# ----------
# ``validation_fraction`` holds out a part of the training set to score each
# epoch on, so that the learning curves have a validation curve too.
common = {"max_epochs": 2 if QUICK else 8, "validation_fraction": 0.1}
models = {
    "mlp": MLPClassifier(hidden_layer_sizes=(256, 128), random_state=0, **common),
    "cnn": CNNClassifier(random_state=0, **common),
}
for model in models.values():
    model.fit(data.X_train, data.y_train)

fig = plot_learning_curves(models)

# %%
# Evaluation
# ----------
# :func:`~emnist_estimators.evaluation.evaluate` computes the metrics of one
# model on the test set; :func:`~emnist_estimators.evaluation.comparison_table`
# puts several side by side (a pandas DataFrame when pandas is installed).
reports = {
    name: evaluate(
        model, data.X_test, data.y_test, target_names=data.mapping, name=name
    )
    for name, model in models.items()
}
table = comparison_table(
    reports, columns=["model", "accuracy", "f1_macro", "fit_time_s", "n_parameters"]
)
table

# %%
# The pairs of classes the CNN confuses most often (true, predicted, count):
for pair in reports["cnn"].most_confused[:8]:
    print(f"{pair['true']} -> {pair['predicted']}: {pair['count']}")

# %%
# The confusion matrix of the CNN, each row normalised to the fraction of its
# true class. On ByClass, the cells off the diagonal are mostly letters
# written alike in both cases (c/C, o/O, s/S) and digits and letters that
# look alike (0/O, 1/l/I):
fig = plot_confusion_matrix(reports["cnn"], normalize="true")

# %%
# Test images the CNN got wrong, titled "true → predicted":
fig = plot_mistakes(
    data.X_test,
    data.y_test,
    reports["cnn"].y_pred,
    class_names=data.mapping,
    n_images=24,
    random_state=0,
)

# %%
# One column of the comparison table per figure:
fig = plot_comparison(table, "accuracy")

# %%
# A report folder
# ---------------
# A :class:`~emnist_estimators.reports.ReportWriter` writes a folder that
# holds all of this. :func:`~emnist_estimators.reports.add_data_figures` adds
# sample images and the class distribution;
# :func:`~emnist_estimators.reports.report_model` evaluates a fitted model and
# adds its metrics, confusion matrix and mistakes.
# (:func:`~emnist_estimators.reports.fit_and_report` does the fitting too, and
# saves the models.) Here the folder is temporary.
with tempfile.TemporaryDirectory() as tmp:
    writer = ReportWriter(
        Path(tmp) / "report",
        f"MLP vs CNN on {data.name}",
        details={"data": data.description},
    )
    add_data_figures(writer, data)
    for name, model in models.items():
        report_model(name, model, data, writer)
    writer.add_figure(
        plot_learning_curves(models), "learning_curves", "Loss and accuracy per epoch"
    )

    for path in sorted(writer.folder.rglob("*")):
        if path.is_file():
            size = path.stat().st_size
            print(f"{path.relative_to(writer.folder)!s:32s} {size:>8,} bytes")
    # The top of report.md: the title and the details (then come the
    # comparison table, the most confused pairs and the figures).
    report_md = (writer.folder / "report.md").read_text(encoding="utf-8")
    print()
    print(report_md.partition("## Results")[0])

# sphinx_gallery_thumbnail_number = 3
