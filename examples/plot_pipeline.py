"""
Preprocessing in a Pipeline, scored by cross-validation
=======================================================

The estimators are ordinary scikit-learn classifiers, so they go at the end
of a :class:`~sklearn.pipeline.Pipeline` behind any transformer, and
:func:`~sklearn.model_selection.cross_val_score` or a search fits the whole
pipeline on each training fold.

scikit-learn's own :func:`sklearn.datasets.load_digits` returns float64 rows
of 64 pixels from 0 to 16, not the uint8 0-255 images of this package's
loaders. A :class:`~emnist_estimators.preprocessing.PixelScaler` brings them
to [0, 1]; an :class:`~emnist_estimators.preprocessing.ImageReshaper` or a
:class:`~sklearn.preprocessing.FunctionTransformer` does any other reshaping
or transformation.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.preprocessing import ImageReshaper, PixelScaler

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"
EPOCHS = 2 if QUICK else 15

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:450], y[:450]
print(X.shape, X.dtype, X.min(), X.max())

# %%
# Three pipelines
# ---------------
# * pixels scaled to [0, 1], then an MLP;
# * pixels scaled, reshaped to ``(n, 1, 8, 8)`` images, then a CNN (the
#   estimators also read a flat row of 64 values as an 8x8 image on their own;
#   the reshaper makes the shape explicit, and is what a pipeline with other
#   image transformers needs);
# * a :class:`~sklearn.preprocessing.FunctionTransformer` that thickens the
#   strokes (the maximum of each pixel and its right neighbour) before the
#   CNN: any NumPy function of the images can be a step.


def thicken(images):
    """The maximum of each pixel and its right neighbour."""
    shifted = np.zeros_like(images)
    shifted[..., :-1] = images[..., 1:]
    return np.maximum(images, shifted)


pipelines = {
    "scale + MLP": make_pipeline(
        PixelScaler(max_value=16.0),
        MLPClassifier(hidden_layer_sizes=(128,), max_epochs=EPOCHS, random_state=0),
    ),
    "scale + reshape + CNN": make_pipeline(
        PixelScaler(max_value=16.0),
        ImageReshaper(image_shape=(8, 8)),
        CNNClassifier(max_epochs=EPOCHS, random_state=0),
    ),
    "scale + reshape + thicken + CNN": make_pipeline(
        PixelScaler(max_value=16.0),
        ImageReshaper(image_shape=(8, 8)),
        FunctionTransformer(thicken),
        CNNClassifier(max_epochs=EPOCHS, random_state=0),
    ),
    # A linear model on the same pixels, for reference.
    "scale + logistic regression": make_pipeline(
        PixelScaler(max_value=16.0), LogisticRegression(max_iter=1000)
    ),
}
pipelines["scale + reshape + CNN"]

# %%
# 3-fold cross-validation
# -----------------------
# Each pipeline is fitted three times, each time on two thirds of the data,
# and scored on the remaining third.
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
scores = {}
for name, pipeline in pipelines.items():
    scores[name] = cross_val_score(pipeline, X, y, cv=cv)
    print(f"{name:32s} {scores[name].mean():.3f} +/- {scores[name].std():.3f}")

# %%
# The fold scores side by side.
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
names = list(scores)
for i, name in enumerate(names):
    ax.scatter(np.full(3, i), scores[name], color=f"C{i}", zorder=3)
    ax.hlines(scores[name].mean(), i - 0.25, i + 0.25, color=f"C{i}")
ax.set_xticks(range(len(names)), [n.replace(" + ", "\n+ ") for n in names])
ax.set_ylabel("accuracy on the held-out fold")
ax.set_title("3-fold cross-validation on scikit-learn's digits")
ax.grid(True, axis="y", alpha=0.3)

# %%
# Parameters of a step are set with the step's name as a prefix, as in any
# pipeline; that is also how a search over a pipeline names them.
pipeline = pipelines["scale + MLP"]
pipeline.set_params(mlpclassifier__hidden_layer_sizes=(256, 128))
print(pipeline.get_params()["mlpclassifier__hidden_layer_sizes"])
