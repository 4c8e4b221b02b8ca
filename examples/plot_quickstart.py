"""
Quick start: fit, score and a confusion matrix
==============================================

The estimators are scikit-learn classifiers: create one with its parameters,
``fit`` it on images and labels, then ``predict`` and ``score``. This example
trains a :class:`~emnist_estimators.CNNClassifier` on scikit-learn's bundled
8x8 digits, which need no download and train in seconds on a CPU. The same
code runs on EMNIST with :func:`~emnist_estimators.datasets.load_emnist` or
:func:`~emnist_estimators.datasets.load_train_test`.
"""

import os

from sklearn.metrics import classification_report

from emnist_estimators import CNNClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.plotting import (
    plot_confusion_matrix_from_predictions,
    plot_samples,
)

# The test suite sets EMNIST_EXAMPLES_QUICK=1 to run every example in seconds.
QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"

# %%
# The data
# --------
# :func:`~emnist_estimators.datasets.load_digits` returns uint8 images of
# shape ``(n, 8, 8)``, like the EMNIST loaders return ``(n, 28, 28)``: a fixed
# stratified split of 1,437 training and 360 test images.
X_train, y_train = load_digits(subset="train")
X_test, y_test = load_digits(subset="test")
print(X_train.shape, X_train.dtype, X_test.shape)

fig = plot_samples(X_train, y_train, n_images=16, random_state=0)

# %%
# Fit and score
# -------------
# uint8 pixels are divided by 255 by the estimator itself: no scaling is
# needed. ``random_state`` makes the weights, and so the predictions, the same
# on every run on the CPU.
clf = CNNClassifier(max_epochs=3 if QUICK else 15, random_state=0)
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# After ``fit`` the estimator has scikit-learn's fitted attributes
# (``classes_``, ``n_features_in_``) and a few of its own.
print("classes:", clf.classes_)
print("epochs run:", clf.n_iter_)
print(f"fit time: {clf.fit_time_:.1f} s")
print("trainable parameters:", clf.n_parameters_)
print("device and precision:", clf.device_, clf.precision_)
print("image shape read:", clf.image_shape_)

# %%
# Per-class metrics
# -----------------
# ``predict`` returns labels from ``classes_``; ``predict_proba`` one column
# per class, in the same order. Any of scikit-learn's metrics applies.
y_pred = clf.predict(X_test)
print(classification_report(y_test, y_pred, digits=3))

# %%
# The confusion matrix
# --------------------
# Rows are the true digits, columns the predicted ones; ``normalize='true'``
# shows the fraction of each true class.
fig = plot_confusion_matrix_from_predictions(y_test, y_pred, normalize="true")

# sphinx_gallery_thumbnail_number = 2
