"""Loading the six EMNIST splits from the official idx files."""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from .._validation import validate_params
from ._load import load_spec
from ._params import EMNIST_SPLIT, LOADER_PARAMS
from ._specs import emnist_spec


@validate_params(
    {"split": [EMNIST_SPLIT], **LOADER_PARAMS}, prefer_skip_nested_validation=True
)
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
    return load_spec(emnist_spec(split), subset, data_dir, download, return_X_y)
