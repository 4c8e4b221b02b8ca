"""scikit-learn classifiers for handwritten characters, built on skorch and PyTorch.

The five estimators are plain scikit-learn classifiers; ``fit`` builds and
trains a skorch net around a PyTorch module (see :mod:`emnist_estimators.modules`).
They are imported on first use, so that ``import emnist_estimators`` (and
the command line's ``--help``) does not load torch.
"""

import logging

from ._version import __version__

# Messages that are not results go to this logger; silent unless an
# application (such as the command line) configures logging.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CNNClassifier",
    "CNNLSTMClassifier",
    "LSTMClassifier",
    "MLPClassifier",
    "ResNetClassifier",
    "__version__",
]


def __getattr__(name: str):
    if name in __all__:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
