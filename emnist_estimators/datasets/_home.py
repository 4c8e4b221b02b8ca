"""The data folder: where the loaders look for files and download to."""

from __future__ import annotations

import os
from pathlib import Path

from .._validation import validate_params
from ._params import DATA_DIR

#: Environment variable that sets the data folder when ``data_dir`` is None.
DATA_ENV_VAR = "EMNIST_ESTIMATORS_DATA"


@validate_params({"data_dir": DATA_DIR}, prefer_skip_nested_validation=True)
def get_data_home(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the folder where the dataset loaders look for data.

    The folder is, in order of precedence: ``data_dir`` when given, else the
    environment variable ``EMNIST_ESTIMATORS_DATA`` when set and non-empty,
    else ``~/.cache/emnist_estimators``. A leading ``~`` is expanded.

    Unlike :func:`sklearn.datasets.get_data_home`, the folder is not created
    here: reading never writes anything; only a download (``download=True`` in
    the loaders) creates it.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        The data folder. None uses the environment variable or the default.

    Returns
    -------
    pathlib.Path
        The data folder (which may not exist).

    Raises
    ------
    TypeError
        If ``data_dir`` is neither None, a non-empty str nor a path-like
        object (the error is also a ValueError).

    Examples
    --------
    >>> from emnist_estimators.datasets import get_data_home
    >>> str(get_data_home("/tmp/emnist"))
    '/tmp/emnist'
    """
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV_VAR) or os.path.join(
            "~", ".cache", "emnist_estimators"
        )
    return Path(os.path.expanduser(os.fspath(data_dir)))
