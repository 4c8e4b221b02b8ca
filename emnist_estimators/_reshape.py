"""Reshaping between flat feature vectors and images: the one place that does it.

Images are handled as ``(channels, height, width)`` triples everywhere in the
package. Inputs may arrive flat ``(n, n_features)``, as a stack of 2-D images
``(n, height, width)`` or as a stack of images with channels
``(n, channels, height, width)``.
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

ImageShape = tuple[int, int, int]


def infer_image_shape(n_features: int) -> ImageShape:
    """Guess the image shape of ``n_features`` flat pixels.

    Parameters
    ----------
    n_features : int
        Number of pixels per sample.

    Returns
    -------
    tuple of int
        ``(1, s, s)`` when ``n_features`` is a perfect square ``s * s`` (784
        gives 28x28), else ``(1, 1, n_features)``: the features are read as a
        single row of pixels.
    """
    side = math.isqrt(n_features)
    if side * side == n_features:
        return (1, side, side)
    return (1, 1, n_features)


def check_image_shape(image_shape, name: str = "image_shape") -> ImageShape:
    """Validate an ``image_shape`` value and return it as ``(C, H, W)``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(channels, height, width)``, all positive.
    name : str, default="image_shape"
        The parameter name used in the error message.

    Returns
    -------
    tuple of int
        The shape as ``(channels, height, width)``.

    Raises
    ------
    TypeError
        If ``image_shape`` is not a tuple or list of ints.
    ValueError
        If it has the wrong length or a non-positive entry.
    """
    expected = f"{name} must be (height, width) or (channels, height, width)"
    if not isinstance(image_shape, (tuple, list)) or not all(
        isinstance(v, Integral) and not isinstance(v, bool) for v in image_shape
    ):
        raise TypeError(f"{expected} as a tuple of ints, got {image_shape!r}.")
    if len(image_shape) not in (2, 3) or any(v < 1 for v in image_shape):
        raise ValueError(f"{expected} with positive entries, got {image_shape!r}.")
    shape = tuple(int(v) for v in image_shape)
    return shape if len(shape) == 3 else (1, *shape)


def flatten_images(X):
    """Flatten a stack of images to ``(n_samples, n_features)``.

    Parameters
    ----------
    X : array-like
        Flat ``(n, n_features)``, ``(n, height, width)`` or
        ``(n, channels, height, width)`` data. Anything that is not a 3-D or
        4-D array is returned unchanged, so that input validation can report
        on it.

    Returns
    -------
    X_flat : array-like
        ``X`` with each image flattened to one row (a view where possible).
    image_shape : tuple of int or None
        ``(channels, height, width)`` of the images, or None when ``X`` was not
        a stack of images.
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None and isinstance(X, (list, tuple)):
        try:
            candidate = np.asarray(X)
        except ValueError:  # ragged nested lists: let validation report them
            return X, None
        if candidate.ndim in (3, 4):
            X, ndim = candidate, candidate.ndim
    if ndim == 3:
        n, height, width = X.shape
        return X.reshape(n, height * width), (1, height, width)
    if ndim == 4:
        n, channels, height, width = X.shape
        return X.reshape(n, channels * height * width), (channels, height, width)
    return X, None


def to_images(X: np.ndarray, image_shape: ImageShape) -> np.ndarray:
    """Reshape flat rows to ``(n_samples, channels, height, width)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Flat images, ``n_features == channels * height * width``.
    image_shape : tuple of int
        ``(channels, height, width)``.

    Returns
    -------
    ndarray of shape (n_samples, channels, height, width)
        A view of ``X`` where possible.
    """
    n_features = int(np.prod(image_shape))
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"Cannot reshape data of shape {X.shape} to images of shape "
            f"{tuple(image_shape)}: expected (n_samples, {n_features})."
        )
    return X.reshape(X.shape[0], *image_shape)
