"""Small, fast estimator instances and weight comparisons shared by the tests."""

import torch

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
    ResNetClassifier,
)

ALL = [MLPClassifier, CNNClassifier, ResNetClassifier, LSTMClassifier]

FAST = {"max_epochs": 2, "batch_size": 64, "device": "cpu", "random_state": 0}

SMALL_ARCHITECTURES = {
    MLPClassifier: {"hidden_layer_sizes": (32,)},
    CNNClassifier: {"filters": (4, 8), "dense_units": (16,)},
    ResNetClassifier: {"widths": (4, 8), "blocks": 1},
    LSTMClassifier: {"hidden_sizes": (16,)},
}


def small(cls, **params):
    """A small, fast instance of ``cls`` (``params`` override the defaults)."""
    return cls(**{**SMALL_ARCHITECTURES[cls], **FAST, **params})


def state(estimator):
    """A copy of the fitted network's weights."""
    return {k: v.clone() for k, v in estimator.net_.module_.state_dict().items()}


def same_state(a, b):
    """Whether two weight dicts are identical."""
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
