"""What the parts of :mod:`emnist_estimators.distributed` share: the extra, the keys."""

from __future__ import annotations

import importlib
from typing import Any

#: What to install for this package.
INSTALL_HINT = 'pip install "emnist-estimators[dask]"'
#: The start of the keys of the tasks that hold data (see ``_session``).
DATA_KEY = "emnist-estimators-data-"


def require(module: str) -> Any:
    """Import ``module`` (part of the ``[dask]`` extra), or explain how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"emnist_estimators.distributed needs {module.partition('.')[0]!r}, "
            f"which is not installed: {INSTALL_HINT} installs Dask's distributed "
            "scheduler and dask-ml."
        ) from error
