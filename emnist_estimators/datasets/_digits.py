"""scikit-learn's bundled digits as uint8 images: the one dataset without files."""

from __future__ import annotations

import numpy as np

#: Fraction of the digits held out as the 'test' subset.
DIGITS_TEST_SIZE = 0.2
#: Seed of the fixed train/test split of the digits.
DIGITS_RANDOM_STATE = 0


def read_digits(subset: str) -> tuple[np.ndarray, np.ndarray]:
    """Return a subset of scikit-learn's digits as uint8 images (the reader).

    The 1,797 images of :func:`sklearn.datasets.load_digits`, values 0-16
    rescaled to 0-255. 'train' and 'test' are a fixed stratified split,
    ``train_test_split(..., test_size=0.2, stratify=y, random_state=0)``
    (1,437 and 360 images), each in the original order.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}
        The part.

    Returns
    -------
    images : ndarray of shape (n_samples, 8, 8), dtype uint8
        The images.
    target : ndarray of shape (n_samples,), dtype int64
        The digits.
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits
    from sklearn.model_selection import train_test_split

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
    return images, target
