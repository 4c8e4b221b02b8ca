"""Checks on loaded arrays, and the ``(X, y)`` or Bunch the loaders return."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._idx import IMAGES_MAGIC, LABELS_MAGIC, _read_idx


def read_images_and_labels(
    images_path: Path,
    labels_path: Path,
    *,
    image_size: tuple[int, int],
    labels: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Read an images file and its labels file and check that they match.

    Parameters
    ----------
    images_path, labels_path : pathlib.Path
        The idx files (``0x00000803`` and ``0x00000801``).
    image_size : tuple of int
        The expected ``(height, width)`` of each image.
    labels : sequence of int
        The valid labels.

    Returns
    -------
    images : ndarray of shape (n_samples, height, width), dtype uint8
        The images as stored in the file.
    target : ndarray of shape (n_samples,), dtype int64
        The labels.

    Raises
    ------
    ValueError
        If a file is corrupt, the images do not have ``image_size``, the
        numbers of images and labels differ, or a label is not valid.
    """
    images = _read_idx(images_path, IMAGES_MAGIC)
    if images.shape[1:] != tuple(image_size):
        raise ValueError(
            f"{images_path} holds images of shape {images.shape[1:]}, expected "
            f"{tuple(image_size)}."
        )
    target = _read_idx(labels_path, LABELS_MAGIC).astype(np.int64)
    if len(target) != len(images):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(target)} labels; the two files do not belong together."
        )
    valid = np.zeros(max(labels) + 1, dtype=bool)
    valid[list(labels)] = True
    if len(target) and (target.max() >= len(valid) or not valid[target].all()):
        found = np.unique(target)
        bad = [int(v) for v in found if v >= len(valid) or not valid[v]]
        raise ValueError(
            f"{labels_path} holds labels {bad[:10]} that are not valid for this "
            f"dataset (valid labels: {min(labels)} to {max(labels)})."
        )
    return images, target


def make_result(
    images: np.ndarray,
    target: np.ndarray,
    *,
    return_X_y: bool,
    mapping: dict[int, str],
    name: str,
    subset: str,
    descr: str,
    split: str | None = None,
    filenames: Sequence[Path] = (),
):
    """Return ``(X, y)`` or a :class:`~sklearn.utils.Bunch`.

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width), dtype uint8
        Upright images.
    target : ndarray of shape (n_samples,), dtype int64
        Labels.
    return_X_y : bool
        Whether to return ``(images, target)`` rather than a Bunch.
    mapping : dict of int to str
        Label to class name, for all the dataset's classes.
    name : str
        The dataset name, as in :data:`DATASET_NAMES`.
    subset : str
        'train', 'test' or 'all'.
    descr : str
        The description.
    split : str, default=None
        The EMNIST split, None for other datasets.
    filenames : sequence of pathlib.Path, default=()
        The files read.

    Returns
    -------
    (X, y) or Bunch
        See the loaders' documentation.
    """
    if return_X_y:
        return images, target
    height, width = images.shape[1:]
    labels = sorted(mapping)
    return Bunch(
        data=images.reshape(len(images), height * width),
        images=images,
        target=target,
        target_names=np.array([mapping[label] for label in labels]),
        mapping=dict(mapping),
        feature_names=[f"pixel_{i}_{j}" for i in range(height) for j in range(width)],
        DESCR=descr,
        name=name,
        split=split,
        subset=subset,
        filenames=[str(f) for f in filenames],
    )
