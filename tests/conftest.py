"""Shared fixtures and test configuration."""

import os

# scikit-learn's array-API estimator check runs only when SciPy's array API
# support is switched on before SciPy is imported; switch it on so that the
# check runs instead of being skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``cuda`` when no CUDA device is present."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(
        reason="needs a CUDA device; torch.cuda.is_available() is False"
    )
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits as uint8 images 0-255 ``(X (n, 64), y)``."""
    data = load_digits()
    X = np.round(data.data * (255 / 16)).astype(np.uint8)
    return X, data.target


@pytest.fixture(scope="session")
def small_digits(digits):
    """300 digits: enough to learn something in a second."""
    X, y = digits
    return X[:300], y[:300]
