"""scikit-learn's bundled digits, in the form of the other loaders (offline)."""

from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_digits as _sklearn_load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ._descr import DIGITS as DIGITS_DESCR
from ._descr import describe
from ._result import make_result
from ._validation import check_loader_args

#: Fraction of the digits held out as the 'test' subset.
DIGITS_TEST_SIZE = 0.2
#: Seed of the fixed train/test split of the digits.
DIGITS_RANDOM_STATE = 0


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
    check_loader_args(subset, data_dir, download, return_X_y)
    digits = _sklearn_load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    target = digits.target.astype(np.int64)
    if subset != "all":
        train, test = train_test_split(
            np.arange(len(target)),
            test_size=DIGITS_TEST_SIZE,
            stratify=target,
            random_state=DIGITS_RANDOM_STATE,
        )
        index = np.sort(train if subset == "train" else test)
        images, target = images[index], target[index]
    return make_result(
        images,
        target,
        return_X_y=return_X_y,
        mapping={i: str(i) for i in range(10)},
        name="digits",
        subset=subset,
        descr=describe(f"Digits ({subset})", DIGITS_DESCR, height=8, width=8),
    )
