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
Downloads go to torchvision's per-dataset folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from . import _download
from ._descr import FASHION_MNIST as FASHION_MNIST_DESCR
from ._descr import MNIST as MNIST_DESCR
from ._descr import describe
from ._home import get_data_home
from ._locate import find_idx, find_pair, not_found_error
from ._result import make_result, read_images_and_labels
from ._validation import check_loader_args

#: Fashion-MNIST's class names, label 0 to 9 (as torchvision's FashionMNIST).
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
_PREFIX = {"train": "train", "test": "t10k"}


def _stems(part: str) -> tuple[str, str]:
    prefix = _PREFIX[part]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _trusted_folders(home: Path, dataset: str) -> list[Path]:
    raw = _download.raw_folder(home, dataset)
    folders = [raw]
    if home.name == raw.name and home.parent.name == raw.parent.name:
        folders.insert(0, home)
    return folders


def _locate_part(home: Path, dataset: str, part: str, notes: list[str]):
    stems = _stems(part)
    pair = find_pair(_trusted_folders(home, dataset), *stems)
    if pair is not None or home in _trusted_folders(home, dataset):
        return pair
    gz_files = [home / f"{stem}.gz" for stem in stems]
    if all(f.is_file() for f in gz_files):
        md5 = _download.known_md5(dataset)
        if all(_download.md5_matches(f, md5[f.name]) for f in gz_files):
            return tuple(gz_files)
        notes.append(
            f"{home} holds {gz_files[0].name} and {gz_files[1].name}, but their "
            f"md5 checksums are not those of {_TITLES[dataset]} (MNIST and "
            "Fashion-MNIST use the same file names), so they were not used."
        )
    elif any(find_idx(home, stem) for stem in stems):
        notes.append(
            f"{home} holds files named {stems[0]} or {stems[1]}; MNIST and "
            "Fashion-MNIST use the same names, so such files are read only as "
            "gzip files with the published checksums, or from "
            f"{_download.raw_folder(home, dataset)}. Move them there."
        )
    return pair


def _load(dataset, subset, data_dir, download, return_X_y):
    check_loader_args(subset, data_dir, download, return_X_y)
    home = get_data_home(data_dir)
    parts = ("train", "test") if subset == "all" else (subset,)
    notes: list[str] = []
    found = {part: _locate_part(home, dataset, part, notes) for part in parts}
    if download and None in found.values():
        _download.download_mnist_family(home, dataset)
        notes = []
        found = {part: _locate_part(home, dataset, part, notes) for part in parts}
    for part, pair in found.items():
        if pair is None:
            looked_in: list = _trusted_folders(home, dataset)
            if home not in looked_in:
                looked_in.append(f"{home} (only gzip files with published checksums)")
            raise not_found_error(
                f"{_TITLES[dataset]} {part}",
                _stems(part),
                looked_in,
                _download.raw_folder(home, dataset),
                _download.DOWNLOAD_SIZES[dataset],
                notes=list(dict.fromkeys(notes)),
            )

    if dataset == "mnist":
        mapping = {i: str(i) for i in range(10)}
    else:
        mapping = dict(enumerate(FASHION_MNIST_CLASSES))
    images, targets, filenames = [], [], []
    for images_path, labels_path in found.values():
        X, y = read_images_and_labels(
            images_path, labels_path, image_size=(28, 28), labels=list(mapping)
        )
        images.append(X)
        targets.append(y)
        filenames += [images_path, labels_path]
    X = images[0] if len(images) == 1 else np.concatenate(images)
    y = targets[0] if len(targets) == 1 else np.concatenate(targets)
    descr = describe(
        f"{_TITLES[dataset]} ({subset})",
        MNIST_DESCR if dataset == "mnist" else FASHION_MNIST_DESCR,
        height=28,
        width=28,
        chars=", ".join(FASHION_MNIST_CLASSES),
    )
    return make_result(
        X,
        y,
        return_X_y=return_X_y,
        mapping=mapping,
        name=dataset,
        subset=subset,
        descr=descr,
        filenames=filenames,
    )


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
    (X, y) : tuple
        When ``return_X_y`` is True. ``X``: ndarray of shape
        (n_samples, 28, 28), uint8, upright images; ``y``: ndarray of shape
        (n_samples,), int64.
    data : :class:`~sklearn.utils.Bunch`
        When ``return_X_y`` is False, with the fields ``data`` (n_samples,
        784) uint8, ``images`` (n_samples, 28, 28) uint8, ``target`` int64,
        ``target_names`` ('0' to '9'), ``mapping`` (dict label -> name),
        ``feature_names``, ``DESCR``, ``name``, ``split`` (None),
        ``subset`` and ``filenames``.

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
    return _load("mnist", subset, data_dir, download, return_X_y)


def load_fashion_mnist(
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load Fashion-MNIST, Zalando's images of clothing.

    The files (``train-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, ...,
    gzip or not) are read from ``<data folder>/FashionMNIST/raw``
    (torchvision's layout), or from the data folder itself when they are the
    published gzip files (checked by md5), so that MNIST files with the same
    names are never read instead (see the module notes). The images are
    stored upright and returned as they are.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        The training partition (60,000 images), the test partition (10,000)
        or both ('all': training then test images).
    data_dir : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to download the four published files (about 31 MB) into
        ``<data folder>/FashionMNIST/raw`` when they are not found. Files that
        are found are never downloaded again.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) : tuple
        When ``return_X_y`` is True. ``X``: ndarray of shape
        (n_samples, 28, 28), uint8, upright images; ``y``: ndarray of shape
        (n_samples,), int64.
    data : :class:`~sklearn.utils.Bunch`
        When ``return_X_y`` is False, with the fields ``data`` (n_samples,
        784) uint8, ``images`` (n_samples, 28, 28) uint8, ``target`` int64,
        ``target_names`` (the class names, 'T-shirt/top' to 'Ankle
        boot'), ``mapping`` (dict label -> name), ``feature_names``,
        ``DESCR``, ``name``, ``split`` (None), ``subset`` and ``filenames``.

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
    >>> from emnist_estimators.datasets import load_fashion_mnist
    >>> bunch = load_fashion_mnist(return_X_y=False)  # doctest: +SKIP
    >>> str(bunch.target_names[0])  # doctest: +SKIP
    'T-shirt/top'
    """
    return _load("fashion-mnist", subset, data_dir, download, return_X_y)
