"""A training set and a test set in one call: official parts, or a split of one part."""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from .._validation import Interval, validate_params
from ._load import load_dataset
from ._params import DATA_DIR, DATASET_NAME, SUBSET


def _stratified_sample(X, y, n: int | None, random_state):
    """At most ``n`` samples, stratified by ``y`` where every class allows it."""
    if n is None or n >= len(y):
        return X, y
    counts = np.bincount(np.unique(y, return_inverse=True)[1])
    stratify = y if counts.min() >= 2 and n >= len(counts) else None
    X, _, y, _ = train_test_split(
        X, y, train_size=n, stratify=stratify, random_state=random_state
    )
    return X, y


# Constraints of n_train and n_test.
_COUNT = [Interval(Integral, 1, None, closed="left"), None]


@validate_params(
    {
        "name": [DATASET_NAME],
        "data_dir": DATA_DIR,
        "download": ["boolean"],
        "split_from": [SUBSET, None],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "n_train": _COUNT,
        "n_test": _COUNT,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_train_test(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    split_from: str | None = None,
    test_size: float = 0.2,
    n_train: int | None = None,
    n_test: int | None = None,
    random_state: int | None = 0,
) -> Bunch:
    """Load a training set and a test set of a dataset.

    By default the official training and test parts. With ``split_from``, one
    part is loaded and split into training and test sets, stratified and
    seeded (``train_test_split(X, y, test_size=test_size, stratify=y,
    random_state=random_state)``): this is how the EMNIST "stand-ins" are made
    when only the official test files are at hand.

    Parameters
    ----------
    name : str
        A name from :data:`DATASET_NAMES`.
    data_dir : str or path-like, optional
        The data folder; see :func:`get_data_home`.
    download : bool, default=False
        Whether to download missing files.
    split_from : {'train', 'test', 'all'} or None, default=None
        Split this part instead of using the official train/test parts.
    test_size : float, default=0.2
        Fraction held out as the test set with ``split_from``, in (0, 1).
    n_train, n_test : int or None, default=None
        Keep at most this many training / test samples (a stratified random
        subsample), for quick runs.
    random_state : int, RandomState instance or None, default=0
        Seeds the split and the subsamples.

    Returns
    -------
    Bunch
        ``X_train``, ``y_train``, ``X_test``, ``y_test``, ``mapping`` (label ->
        character or class name), ``target_names``, ``name`` and
        ``description`` (a one-line summary of how the sets were made).

    Raises
    ------
    ValueError, TypeError
        If an argument is invalid (the error is both), or as
        :func:`load_dataset`.
    FileNotFoundError, RuntimeError
        As :func:`load_dataset`.

    Examples
    --------
    >>> from emnist_estimators.datasets import load_train_test
    >>> data = load_train_test("digits", n_train=500)
    >>> data.X_train.shape, data.X_test.shape
    ((500, 8, 8), (360, 8, 8))
    """
    load = dict(data_dir=data_dir, download=download, return_X_y=False)
    if split_from is None:
        train = load_dataset(name, subset="train", **load)
        test = load_dataset(name, subset="test", **load)
        X_train, y_train = train.images, train.target
        X_test, y_test = test.images, test.target
        how = f"official train ({len(y_train)}) and test ({len(y_test)}) parts"
    else:
        train = load_dataset(name, subset=split_from, **load)
        X_train, X_test, y_train, y_test = train_test_split(
            train.images,
            train.target,
            test_size=test_size,
            stratify=train.target,
            random_state=random_state,
        )
        how = (
            f"official {split_from} part ({len(train.target)}) split "
            f"{1 - test_size:.0%}/{test_size:.0%}, stratified, "
            f"random_state={random_state}"
        )
    X_train, y_train = _stratified_sample(X_train, y_train, n_train, random_state)
    X_test, y_test = _stratified_sample(X_test, y_test, n_test, random_state)
    if n_train is not None or n_test is not None:
        how += f"; subsampled to {len(y_train)} training and {len(y_test)} test images"
    return Bunch(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        mapping=train.mapping,
        target_names=train.target_names,
        name=name,
        description=how,
    )
