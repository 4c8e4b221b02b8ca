"""Child process of the kill-and-resume test: trains until killed mid-epoch.

Run as ``python _resume_child.py <checkpoint folder> <marker file>``: fits the
test's estimator with checkpoints; during epoch 3 it writes the marker file
and waits to be killed (SIGKILL) by the test.
"""

import sys
import time
from pathlib import Path

from skorch.callbacks import Callback

from emnist_estimators.datasets import load_digits
from emnist_estimators.presets import make_estimator

#: The estimator of the test (also built by the test itself).
PARAMS = {
    "max_epochs": 5,
    "batch_size": 64,
    "lr_scheduler": "onecycle",
    "validation_fraction": 0.2,
    "random_state": 0,
    "device": "cpu",
    "n_threads": 1,
    "filters": (8, 16),
    "dense_units": (32,),
}


def data():
    """The training data of the test."""
    X, y = load_digits(subset="train")
    return X[:600], y[:600]


class WaitToBeKilled(Callback):
    """In the middle of epoch 3: say so through the marker, then hang."""

    def __init__(self, marker):
        self.marker = marker

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == 3 and len(net.history[-1]["batches"]) == 4:
            Path(self.marker).write_text("mid-epoch")
            time.sleep(600)


if __name__ == "__main__":
    folder, marker = sys.argv[1], sys.argv[2]
    params = {k: v for k, v in PARAMS.items() if k != "preset"}
    estimator = make_estimator(
        "cnn",
        preset=None,
        checkpoint=folder,
        callbacks=[WaitToBeKilled(marker)],
        **params,
    )
    estimator.fit(*data())
