"""
Reference study: MLP vs CNN on EMNIST Balanced
==============================================

The first reference study compares a multi-layer perceptron with a small
convolutional network on the 47 classes of EMNIST Balanced, with the settings
its tuning found best: ReLU, Adam at 1e-3, batch size 128, batch norm and
dropout. Here each model is one constructor call.

This page runs it in quick form: a sample of a few thousand images and a few
epochs. The data is the first of these that is found: the official Balanced
training and test parts; the official ByMerge *test* part split 80/20 (ByMerge
has the Balanced label set; the documentation build uses this stand-in); or
scikit-learn's digits. Files are looked for in the folder named by the
environment variable ``EMNIST_ESTIMATORS_DATA`` (the documentation build
points it at ``../shared/data/emnist`` beside the repository when that
folder exists), else in ``~/.cache/emnist_estimators``.

To run the study at full size (all images, 15 epochs; hours on a CPU, minutes
on a GPU), set ``FULL = True`` below, or run the command line, which trains
the two models with their defaults (``--preset emnist`` for the tuned
settings)::

    emnist-estimators compare --models mlp,cnn --dataset emnist-balanced \\
        --data-dir path/to/emnist --max-epochs 15
    # with only the ByMerge test part at hand:
    emnist-estimators compare --models mlp,cnn --dataset emnist-bymerge \\
        --split-from test --data-dir path/to/emnist --max-epochs 15
"""

import os

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.datasets import load_train_test
from emnist_estimators.evaluation import comparison_table, evaluate
from emnist_estimators.plotting import (
    plot_comparison,
    plot_confusion_matrix,
    plot_learning_curves,
)

#: True runs the study at full size: every image, 15 epochs.
FULL = False
# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

if FULL:
    N_TRAIN = N_TEST = None
    EPOCHS = 15
elif QUICK:
    N_TRAIN, N_TEST, EPOCHS = 300, 100, 1
else:
    N_TRAIN, N_TEST, EPOCHS = 4000, 1000, 5

# %%
# The data
# --------
candidates = [
    ("emnist-balanced", None),  # the official training and test parts
    ("emnist-bymerge", "test"),  # the stand-in: the test part split 80/20
    ("digits", None),
]
for name, split_from in candidates:
    try:
        data = load_train_test(
            name, split_from=split_from, n_train=N_TRAIN, n_test=N_TEST
        )
        break
    except FileNotFoundError:
        print(f"{name}: files not found")
print(f"{data.name}: {data.description}; {len(data.mapping)} classes")

# %%
# The two models
# --------------
# The study's best settings; the same training parameters for both.
common = {
    "optimizer": "adam",
    "lr": 1e-3,
    "batch_size": 128,
    "max_epochs": EPOCHS,
    "random_state": 0,
}
models = {
    "mlp": MLPClassifier(
        hidden_layer_sizes=(512, 256, 128), batch_norm=True, dropout=0.2, **common
    ),
    "cnn": CNNClassifier(
        filters=(32, 64), dense_units=(128,), batch_norm=True, dropout=0.25, **common
    ),
}
for model in models.values():
    model.fit(data.X_train, data.y_train)

fig = plot_learning_curves(models)

# %%
# Results on the test set
# -----------------------
reports = {
    name: evaluate(
        model, data.X_test, data.y_test, target_names=data.mapping, name=name
    )
    for name, model in models.items()
}
table = comparison_table(reports)
fig = plot_comparison(table, "accuracy")
comparison_table(
    reports,
    columns=["model", "accuracy", "f1_macro", "fit_time_s", "n_parameters", "n_epochs"],
)

# %%
# Where the CNN goes wrong: each row of the confusion matrix is one true
# class, normalised to the fraction predicted as each class. Many of the
# errors are characters that look alike in any handwriting (0/O, 1/l/I, 5/S,
# 9/g), which no model can always tell apart.
fig = plot_confusion_matrix(reports["cnn"], normalize="true")
for pair in reports["cnn"].most_confused[:6]:
    print(f"{pair['true']} -> {pair['predicted']}: {pair['rate']:.0%} of the class")

# sphinx_gallery_thumbnail_number = 2
