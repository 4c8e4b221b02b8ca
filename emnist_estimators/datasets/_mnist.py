"""Loading MNIST and Fashion-MNIST.

MNIST and Fashion-MNIST publish files with the same names
(``train-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, ...), so a
file's name cannot tell which dataset it holds. The loaders therefore read:

1. torchvision's per-dataset folder, ``<data folder>/MNIST/raw`` or
   ``<data folder>/FashionMNIST/raw`` (gzip or un-gzipped files); the data
   folder itself counts as one when it *is* such a folder (its path ends in
   ``MNIST/raw`` or ``FashionMNIST/raw``);
2. the data folder itself only for gzip files whose md5 checksums are the
   published ones of the requested dataset (torchvision's checksums).
   Un-gzipped files there are ambiguous and are not read (the error message
   says so).

So ``load_fashion_mnist`` can never return MNIST by mistake, or the reverse.
Downloads go to torchvision's per-dataset folders. (Their specs say so with
``verify_data_folder=True``.)
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from .._validation import validate_params
from ._load import load_spec
from ._params import LOADER_PARAMS
from ._specs import DATASETS


@validate_params(LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_mnist(
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load MNIST, the handwritten digits.

    The files (``train-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, ...,
    gzip or not) are read from ``<data folder>/MNIST/raw`` (torchvision's
    layout), or from the data folder itself when they are the published gzip
    files (checked by md5). Un-gzipped files directly in the data folder are
    not read, because Fashion-MNIST uses the same names (see the module
    notes). MNIST's images are stored upright and returned as they are.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        The training partition (60,000 images), the test partition (10,000)
        or both ('all': training then test images).
    data_dir : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to download the four published files (about 12 MB) into
        ``<data folder>/MNIST/raw`` when they are not found. Files that
        are found are never downloaded again.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) or Bunch
        As :func:`load_emnist`: by default ``X``, the upright uint8 images of
        shape (n_samples, 28, 28), and ``y``, the int64 digits; with
        ``return_X_y=False`` a Bunch whose ``target_names`` are '0' to '9',
        ``name`` is 'mnist' and ``split`` is None.

    Raises
    ------
    FileNotFoundError
        If the files are not found and ``download`` is False; the message
        lists the folders looked in and files that were seen but not used.
    ValueError
        If an argument is invalid, or a file is corrupt or inconsistent.
    TypeError
        If an argument is of the wrong type.
    RuntimeError
        If a download fails.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_mnist
    >>> X, y = load_mnist(subset="test")  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    return load_spec(DATASETS["mnist"], subset, data_dir, download, return_X_y)


@validate_params(LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_fashion_mnist(
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load Fashion-MNIST, Zalando's images of clothing.

    As :func:`load_mnist`, from ``<data folder>/FashionMNIST/raw``
    (torchvision's layout), or from the data folder itself when the files
    there are Fashion-MNIST's published gzip files (checked by md5), so that
    MNIST files, which have the same names, are never read instead. The
    images are stored upright and returned as they are.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        60,000 training images, 10,000 test images, or the training images
        followed by the test images ('all').
    data_dir : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to fetch the missing files (four gzip files, about 31 MB in
        all) into ``<data folder>/FashionMNIST/raw``; files already there are
        not fetched again.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) or Bunch
        As :func:`load_mnist`, but ``target_names`` holds the ten class names
        ('T-shirt/top', 'Trouser', ..., 'Ankle boot') and ``mapping`` maps
        each label to its class name.

    Raises
    ------
    FileNotFoundError, ValueError, TypeError, RuntimeError
        As :func:`load_mnist`.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_fashion_mnist
    >>> bunch = load_fashion_mnist(return_X_y=False)  # doctest: +SKIP
    >>> str(bunch.target_names[0])  # doctest: +SKIP
    'T-shirt/top'
    """
    return load_spec(DATASETS["fashion-mnist"], subset, data_dir, download, return_X_y)
