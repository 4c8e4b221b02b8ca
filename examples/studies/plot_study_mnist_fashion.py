"""
Reference study: CNN vs MLP on MNIST and Fashion-MNIST
======================================================

The fourth reference study trains the same two models on MNIST and on
Fashion-MNIST, and finds the gap between a CNN and an MLP wider on the
harder data set. The code is a loop over data sets around two constructor
calls.

This page runs it in quick form (a sample of a few thousand images, a few
epochs) on the data sets whose files are found, in the folder named by the
environment variable ``EMNIST_ESTIMATORS_DATA`` or in
``~/.cache/emnist_estimators`` (``download=True`` in
:func:`~emnist_estimators.datasets.load_train_test` fetches them). Where
neither is there, as in the documentation build, which has no network, it
asks the same question of two data sets that are: scikit-learn's 8x8 digits
(easy) and, when its files are found, a sample of EMNIST ByClass (62
classes, harder).

To run the study at full size (all 60,000 training images, 12 epochs), set
``FULL = True`` below, or run the command line once per data set::

    emnist-estimators compare --models cnn,mlp --dataset mnist \\
        --data-dir path/to/data --download --max-epochs 12
    emnist-estimators compare --models cnn,mlp --dataset fashion-mnist \\
        --data-dir path/to/data --download --max-epochs 12
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.datasets import load_train_test
from emnist_estimators.plotting import plot_samples

#: True runs the study at full size: every image, 12 epochs.
FULL = False
# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

if FULL:
    N_TRAIN = N_TEST = None
    EPOCHS = 12
elif QUICK:
    N_TRAIN, N_TEST, EPOCHS = 300, 100, 1
else:
    N_TRAIN, N_TEST, EPOCHS = 3000, 1000, 5

# %%
# The data sets
# -------------
# MNIST and Fashion-MNIST when their files are found; else the stand-ins.
datasets = {}
for name in ("mnist", "fashion-mnist"):
    try:
        datasets[name] = load_train_test(name, n_train=N_TRAIN, n_test=N_TEST)
    except FileNotFoundError:
        print(f"{name}: files not found")
if not datasets:
    datasets["digits"] = load_train_test("digits", n_train=N_TRAIN, n_test=N_TEST)
    try:
        datasets["emnist-byclass"] = load_train_test(
            "emnist-byclass", split_from="test", n_train=N_TRAIN, n_test=N_TEST
        )
    except FileNotFoundError:
        print("emnist-byclass: files not found")
for name, data in datasets.items():
    print(f"{name}: {data.description}; {len(data.mapping)} classes")

# %%
# A few training images of each.
fig, rows = plt.subplots(
    len(datasets), 8, figsize=(8, 1.3 * len(datasets)), squeeze=False
)
for row, (name, data) in zip(rows, datasets.items(), strict=True):
    plot_samples(
        data.X_train,
        data.y_train,
        class_names=data.mapping,
        n_images=8,
        random_state=0,
        axes=row,
    )
    row[0].set_ylabel(name, rotation=0, ha="right", va="center")

# %%
# The same two models on each
# ---------------------------
accuracy = {}
for name, data in datasets.items():
    models = {
        "cnn": CNNClassifier(max_epochs=EPOCHS, random_state=0),
        "mlp": MLPClassifier(max_epochs=EPOCHS, random_state=0),
    }
    for model_name, model in models.items():
        model.fit(data.X_train, data.y_train)
        accuracy[name, model_name] = model.score(data.X_test, data.y_test)
    gap = accuracy[name, "cnn"] - accuracy[name, "mlp"]
    print(
        f"{name:15s} CNN {accuracy[name, 'cnn']:.3f}  MLP {accuracy[name, 'mlp']:.3f}"
        f"  gap {gap:+.3f}"
    )

# %%
# Test accuracy by data set and model
# -----------------------------------
names = list(datasets)
positions = np.arange(len(names))
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for offset, model_name in [(-0.2, "cnn"), (0.2, "mlp")]:
    values = [accuracy[name, model_name] for name in names]
    bars = ax.bar(positions + offset, values, width=0.4, label=model_name.upper())
    ax.bar_label(bars, fmt="%.3f", padding=2)
ax.set_xticks(positions, names)
ax.set_ylabel("test accuracy")
ax.set_ylim(0, 1.1)
ax.set_title("CNN vs MLP, the same settings on each data set")
ax.legend(loc="lower right")

# sphinx_gallery_thumbnail_number = 2
