"""Loading the six EMNIST splits from the official idx files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from . import _download
from ._descr import EMNIST as EMNIST_DESCR
from ._descr import describe
from ._home import get_data_home
from ._locate import find_pair, not_found_error
from ._mapping import _check_split, check_mapping_file, get_emnist_mapping
from ._result import make_result, read_images_and_labels
from ._validation import check_loader_args


def _emnist_folders(home: Path) -> list[Path]:
    # The folder itself, the folder the official gzip.zip unpacks to, and
    # torchvision's layout.
    return [home, home / "gzip", _download.raw_folder(home, "emnist")]


def _stems(split: str, part: str) -> tuple[str, str]:
    prefix = f"emnist-{split}-{part}"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _locate(home: Path, split: str, parts: tuple[str, ...]) -> dict:
    folders = _emnist_folders(home)
    return {part: find_pair(folders, *_stems(split, part)) for part in parts}


def load_emnist(
    split: str,
    subset: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    return_X_y: bool = True,
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load an EMNIST split, with upright images.

    The files are looked for, under their official names
    (``emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte``, gzip
    ``.gz`` or not), in the data folder itself, in its ``gzip`` subfolder
    (where the official ``gzip.zip`` unpacks) and in torchvision's layout
    ``<data folder>/EMNIST/raw``. Images and labels are taken from the same
    folder. When an official mapping file ``emnist-<split>-mapping.txt`` lies
    beside them, it is checked against the built-in label set.

    The official files store every image transposed; this loader transposes
    them back, so ``X[i]`` is upright (``plt.imshow(X[i])`` shows the
    character the right way up).

    Parameters
    ----------
    split : {'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}
        The EMNIST split: byclass (62 classes: 0-9, A-Z, a-z), bymerge and
        balanced (47 classes), letters (26 classes, labels 1-26 as in the
        files), digits and mnist (10 classes).
    subset : {'train', 'test', 'all'}, default='train'
        The official training or test partition, or both ('all': training
        then test images).
    data_dir : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to download the official archive (about 560 MB, all six
        splits) into ``<data folder>/EMNIST/raw`` when the files are not
        found. Files that are found are never downloaded again.
    return_X_y : bool, default=True
        Whether to return ``(X, y)`` rather than a Bunch.

    Returns
    -------
    (X, y) : tuple
        When ``return_X_y`` is True. ``X``: ndarray of shape
        (n_samples, 28, 28), uint8, upright images; ``y``: ndarray of shape
        (n_samples,), int64, the labels of the files.
    data : :class:`~sklearn.utils.Bunch`
        When ``return_X_y`` is False, with the fields ``data`` (n_samples,
        784) uint8, ``images`` (n_samples, 28, 28) uint8 (sharing memory
        with ``data``), ``target`` int64, ``target_names`` (the characters,
        indexed like the sorted labels: for *letters*, label ``k`` is
        ``target_names[k - 1]``), ``mapping`` (dict label -> character),
        ``feature_names``, ``DESCR``, ``name`` (e.g. ``'emnist-byclass'``),
        ``split``, ``subset`` and ``filenames`` (the files read).

    Raises
    ------
    FileNotFoundError
        If the files are not found and ``download`` is False; the message
        lists the folders looked in.
    ValueError
        If an argument is invalid, or a file is corrupt, holds images of
        another size, labels outside the split's label set, a number of
        labels different from the number of images, or a mapping that
        disagrees with the split.
    TypeError
        If an argument is of the wrong type.
    RuntimeError
        If a download fails.

    See Also
    --------
    get_emnist_mapping, label_to_char, char_to_label

    Notes
    -----
    To hold out a validation set, split the training data with
    :func:`sklearn.model_selection.train_test_split`::

        X_train, X_val, y_train, y_val = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=0)

    Examples
    --------
    >>> from emnist_estimators.datasets import load_emnist
    >>> X, y = load_emnist("balanced", subset="test")  # doctest: +SKIP
    >>> X.shape, X.dtype, y.dtype  # doctest: +SKIP
    ((18800, 28, 28), dtype('uint8'), dtype('int64'))
    """
    split = _check_split(split)
    check_loader_args(subset, data_dir, download, return_X_y)
    home = get_data_home(data_dir)
    parts = ("train", "test") if subset == "all" else (subset,)
    found = _locate(home, split, parts)
    if download and None in found.values():
        _download.download_emnist(home)
        found = _locate(home, split, parts)
    for part, pair in found.items():
        if pair is None:
            raise not_found_error(
                f"EMNIST {split!r} {part}",
                _stems(split, part),
                _emnist_folders(home),
                _download.raw_folder(home, "emnist"),
                _download.DOWNLOAD_SIZES["emnist"],
            )

    mapping = get_emnist_mapping(split)
    images, targets, filenames = [], [], []
    checked = set()
    for images_path, labels_path in found.values():
        mapping_file = images_path.parent / f"emnist-{split}-mapping.txt"
        if mapping_file.is_file() and mapping_file not in checked:
            check_mapping_file(mapping_file, split)
            checked.add(mapping_file)
        stored, target = read_images_and_labels(
            images_path, labels_path, image_size=(28, 28), labels=list(mapping)
        )
        # The official files hold each image transposed: swap rows and columns.
        images.append(np.ascontiguousarray(stored.transpose(0, 2, 1)))
        targets.append(target)
        filenames += [images_path, labels_path]
    X = images[0] if len(images) == 1 else np.concatenate(images)
    y = targets[0] if len(targets) == 1 else np.concatenate(targets)
    descr = describe(
        f"EMNIST {split} ({subset})",
        EMNIST_DESCR,
        height=28,
        width=28,
        chars=" ".join(mapping.values()),
    )
    return make_result(
        X,
        y,
        return_X_y=return_X_y,
        mapping=mapping,
        name=f"emnist-{split}",
        subset=subset,
        descr=descr,
        split=split,
        filenames=filenames,
    )
