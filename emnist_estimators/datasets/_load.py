"""Loading any of the datasets by name (what the command-line tool uses)."""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from ._digits import load_digits
from ._emnist import load_emnist
from ._mnist import load_fashion_mnist, load_mnist
from ._validation import check_choice

#: The names accepted by :func:`load_dataset`.
DATASET_NAMES = (
    "emnist-byclass",
    "emnist-bymerge",
    "emnist-balanced",
    "emnist-letters",
    "emnist-digits",
    "emnist-mnist",
    "mnist",
    "fashion-mnist",
    "digits",
)


def load_dataset(
    name: str,
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        One of :data:`DATASET_NAMES`: ``'emnist-<split>'`` for the six EMNIST
        splits (:func:`load_emnist`), ``'mnist'`` (:func:`load_mnist`),
        ``'fashion-mnist'`` (:func:`load_fashion_mnist`) or ``'digits'``
        (:func:`load_digits`, offline).
    subset : {'train', 'test', 'all'}, default='train'
        The partition.
    data_dir : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to download missing files.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) or Bunch
        What the dataset's loader returns.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`DATASET_NAMES`, or as the loader.
    TypeError
        If ``name`` is not a string, or as the loader.
    FileNotFoundError, RuntimeError
        As the loader.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_dataset
    >>> X, y = load_dataset("digits", subset="test")
    >>> X.shape
    (360, 8, 8)
    """
    check_choice(name, "name", DATASET_NAMES)
    kwargs = dict(
        subset=subset, data_dir=data_dir, download=download, return_X_y=return_X_y
    )
    if name.startswith("emnist-"):
        return load_emnist(name[len("emnist-") :], **kwargs)
    loaders = {
        "mnist": load_mnist,
        "fashion-mnist": load_fashion_mnist,
        "digits": load_digits,
    }
    return loaders[name](**kwargs)
