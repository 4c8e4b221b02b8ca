"""scikit-learn classifiers for handwritten characters, built on skorch and PyTorch.

The four estimators are plain scikit-learn classifiers; ``fit`` builds and
trains a skorch net around a PyTorch module (see :mod:`emnist_estimators.modules`).
"""

from ._version import __version__
from .estimators import CNNClassifier, LSTMClassifier, MLPClassifier, ResNetClassifier

__all__ = [
    "CNNClassifier",
    "LSTMClassifier",
    "MLPClassifier",
    "ResNetClassifier",
    "__version__",
]
