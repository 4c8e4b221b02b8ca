"""Loading a dataset from its spec; loading any dataset by name."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._validation import validate_params
from . import _download
from ._descr import describe
from ._home import get_data_home
from ._locate import locate, not_found_error
from ._mapping import check_mapping_file
from ._params import DATASET_NAME, LOADER_PARAMS
from ._result import make_result, read_images_and_labels
from ._specs import DATASETS, PARTS, DatasetSpec


def _read_files(
    spec: DatasetSpec, home: Path, subset: str, download: bool
) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Find (or download) and read the idx files of ``subset``."""
    parts = PARTS if subset == "all" else (subset,)
    found, notes = locate(spec, home, parts)
    if download and None in found.values():
        _download.download(home, spec)
        found, notes = locate(spec, home, parts)
    for part, pair in found.items():
        if pair is None:
            raise not_found_error(spec, home, part, notes)

    labels = list(spec.mapping)
    stored_size = spec.image_size[::-1] if spec.transposed else spec.image_size
    images, targets, filenames = [], [], []
    for images_path, labels_path in found.values():
        if spec.mapping_file and (images_path.parent / spec.mapping_file).is_file():
            check_mapping_file(images_path.parent / spec.mapping_file, spec.split)
        stored, target = read_images_and_labels(
            images_path, labels_path, image_size=stored_size, labels=labels
        )
        if spec.transposed:  # swap rows and columns back
            stored = np.ascontiguousarray(stored.transpose(0, 2, 1))
        images.append(stored)
        targets.append(target)
        filenames += [images_path, labels_path]
    if len(images) == 1:  # no copy
        return images[0], targets[0], filenames
    return np.concatenate(images), np.concatenate(targets), filenames


def load_spec(
    spec: DatasetSpec,
    subset: str,
    data_dir: str | os.PathLike | None,
    download: bool,
    return_X_y: bool,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load the dataset that ``spec`` describes: the body of every loader.

    The other arguments are the loaders', already checked; so is the result
    (see :func:`load_emnist`). A spec with a ``reader`` gets its arrays from
    it, one with ``files`` from the idx files found below the data folder
    (downloaded first when ``download`` is True and some are missing).
    """
    if spec.reader is not None:
        images, target = spec.reader(subset)
        filenames = []
    else:
        home = get_data_home(data_dir)
        images, target, filenames = _read_files(spec, home, subset, download)
    return make_result(
        images,
        target,
        return_X_y=return_X_y,
        mapping=spec.mapping,
        name=spec.name,
        subset=subset,
        descr=describe(f"{spec.title} ({subset})", spec.description, spec.image_size),
        split=spec.split,
        filenames=filenames,
    )


@validate_params({"name": [DATASET_NAME]}, prefer_skip_nested_validation=True)
def get_dataset_spec(name: str) -> DatasetSpec:
    """Return the specification of a dataset: its classes, images and files.

    Parameters
    ----------
    name : str
        One of :data:`DATASET_NAMES`.

    Returns
    -------
    DatasetSpec
        What the loaders know about the dataset (read-only).

    Raises
    ------
    ValueError
        If ``name`` is not the name of a dataset (the error is also a
        TypeError).

    Examples
    --------
    >>> from emnist_estimators.datasets import get_dataset_spec
    >>> spec = get_dataset_spec("fashion-mnist")
    >>> spec.title, spec.n_classes, spec.classes[0]
    ('Fashion-MNIST', 10, 'T-shirt/top')
    """
    return DATASETS[name]


@validate_params(
    {"name": [DATASET_NAME], **LOADER_PARAMS}, prefer_skip_nested_validation=True
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

    See Also
    --------
    get_dataset_spec : What is known about each dataset.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_dataset
    >>> X, y = load_dataset("digits", subset="test")
    >>> X.shape
    (360, 8, 8)
    """
    return load_spec(DATASETS[name], subset, data_dir, download, return_X_y)


@validate_params(LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_digits(
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load scikit-learn's bundled 8x8 digits as uint8 images (no download).

    The data of :func:`sklearn.datasets.load_digits` (1,797 images, values
    0-16) rescaled to 0-255 and returned in the form of :func:`load_mnist`,
    so that code written for the large datasets runs offline in seconds.
    'train' and 'test' are a fixed stratified split,
    ``train_test_split(..., test_size=0.2, stratify=y, random_state=0)``
    (1,437 and 360 images), each in the original order.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        The 80% training part, the 20% test part, or all 1,797 images.
    data_dir : str or path-like, default=None
        Accepted for a signature common to all loaders, and ignored: the data
        ships with scikit-learn.
    download : bool, default=False
        Accepted and ignored, for the same reason.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) : tuple
        When ``return_X_y`` is True. ``X``: ndarray of shape (n_samples, 8, 8),
        uint8 (0-255); ``y``: ndarray of shape (n_samples,), int64.
    data : :class:`~sklearn.utils.Bunch`
        When ``return_X_y`` is False, with the fields ``data`` (n_samples,
        64) uint8, ``images``, ``target``, ``target_names`` ('0' to '9'),
        ``mapping``, ``feature_names``, ``DESCR``, ``name`` ('digits'),
        ``split`` (None), ``subset`` and ``filenames`` (empty).

    Raises
    ------
    ValueError, TypeError
        If an argument is invalid.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_digits
    >>> X, y = load_digits()
    >>> X.shape, X.dtype, int(X.max())
    ((1437, 8, 8), dtype('uint8'), 255)
    """
    return load_spec(DATASETS["digits"], subset, data_dir, download, return_X_y)
