"""
Saving, loading and exporting a model
=====================================

:func:`~emnist_estimators.persistence.save_model` writes a fitted estimator
as two files: the network's weights in `safetensors`_ format (tensors only)
and a JSON description (parameters, classes, image shape, precision, device,
training history, versions, your metadata).
:func:`~emnist_estimators.persistence.load_model` rebuilds the estimator from
them without running any code from the files, so a model from someone else
is safe to load. :func:`~emnist_estimators.persistence.export_onnx` writes the
network with its preprocessing as an ONNX graph, for deployment without
Python's scientific stack.

.. _safetensors: https://huggingface.co/docs/safetensors
"""

import json
import os
import pickle
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from emnist_estimators import CNNClassifier
from emnist_estimators.datasets import load_digits
from emnist_estimators.persistence import (
    export_onnx,
    load_metadata,
    load_model,
    save_model,
)

QUICK = os.environ.get("EMNIST_EXAMPLES_QUICK") == "1"
folder = Path(tempfile.mkdtemp(prefix="models-"))

X_train, y_train = load_digits(subset="train")
X_test, y_test = load_digits(subset="test")
clf = CNNClassifier(max_epochs=2 if QUICK else 10, random_state=0)
clf.fit(X_train, y_train)

# %%
# Save
# ----
# The path is a stem: ``cnn.safetensors`` and ``cnn.json`` are written beside
# each other, atomically (an interrupted save leaves the previous files).
path = save_model(clf, folder / "cnn", metadata={"dataset": "digits"})
for file in sorted(folder.iterdir()):
    print(f"{file.name}: {file.stat().st_size:,} bytes")

description = load_metadata(path)
print(json.dumps({k: description[k] for k in ("model", "precision", "device")}))
print("saved with", len(description["params"]), "parameters and", end=" ")
print(len(description["history"]), "epochs of history")

# %%
# Load
# ----
# The loaded estimator predicts exactly as the saved one. A model trained on
# a GPU loads on a CPU (``device=`` chooses where).
same = load_model(folder / "cnn")
print("same predictions:", np.array_equal(same.predict(X_test), clf.predict(X_test)))
print("test accuracy:", round(same.score(X_test, y_test), 3))

# %%
# A pickle, by comparison, runs whatever code it holds when it is loaded.
# The estimators pickle like any scikit-learn estimator, but ``load_model``
# reads a pickle only when told the file is trusted.
pickled = folder / "cnn.pkl"
pickled.write_bytes(pickle.dumps(clf))
try:
    load_model(pickled)
except ValueError as error:
    print("refused:", str(error).split(":")[0])
print("pickle bytes:", f"{pickled.stat().st_size:,}")
trusted = load_model(pickled, trusted=True)  # only for your own files

# %%
# Export to ONNX
# --------------
# The graph takes flat uint8 pixels (as ``predict_proba`` does), divides them
# by 255, reshapes them and returns the class probabilities; the class labels
# are in its metadata. onnxruntime gives the same probabilities. (Export
# needs the ``onnx`` extra: ``pip install "emnist-estimators[onnx]"``.)
try:
    onnx_path = export_onnx(clf, folder / "cnn.onnx")
except ImportError as exc:
    onnx_path = None
    print(f"ONNX export skipped: {exc}")
else:
    print(f"{onnx_path.name}: {onnx_path.stat().st_size:,} bytes")
try:
    import onnxruntime
except ImportError:
    onnxruntime = None
if onnx_path is not None and onnxruntime is not None:
    session = onnxruntime.InferenceSession(str(onnx_path))
    flat = X_test.reshape(len(X_test), -1)
    (proba,) = session.run(None, {"pixels": flat})
    gap = np.abs(proba - clf.predict_proba(X_test)).max()
    print(f"largest difference from predict_proba: {gap:.1e}")

# %%
# Sizes on disk
# -------------
# The pickle holds the skorch net around the network (its parameters, the
# history, the callbacks); the safe format holds the weights once.
files = {
    "weights\n(.safetensors)": folder / "cnn.safetensors",
    "description\n(.json)": folder / "cnn.json",
    "pickle": pickled,
}
if onnx_path is not None:
    files["ONNX"] = onnx_path
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.bar(list(files), [f.stat().st_size / 1000 for f in files.values()])
ax.set_ylabel("kB")
ax.set_title("A fitted CNN on disk")
