"""Reshaping between flat feature vectors and images: the one place that does it.

Images are handled as ``(channels, height, width)`` triples everywhere in the
package. Inputs may arrive flat ``(n, n_features)``, as a stack of 2-D images
``(n, height, width)`` or as a stack of images with channels
``(n, channels, height, width)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import IMAGE_SHAPE

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


def resolve_image_shape(
    n_features: int,
    requested=None,
    data_shape: ImageShape | None = None,
    *,
    name: str = "image_shape",
) -> ImageShape:
    """The image shape of data: the one resolver of the package.

    The estimators, :class:`~emnist_estimators.preprocessing.ImageReshaper`
    and the image-grid plots all read shapes through it.

    Parameters
    ----------
    n_features : int
        Pixels per sample of the (flattened) data.
    requested : tuple of int or None, default=None
        What the user asked for: ``(height, width)`` or ``(channels, height,
        width)`` (validated beforehand by the caller's
        :data:`~emnist_estimators._validation.IMAGE_SHAPE` constraint), or
        None.
    data_shape : tuple of int or None, default=None
        ``(channels, height, width)`` of the data when it came as a stack of
        images (from :func:`flatten_images`), else None.
    name : str, default="image_shape"
        The parameter name used in error messages.

    Returns
    -------
    tuple of int
        ``(channels, height, width)``: ``requested`` when given (it must hold
        ``n_features`` pixels and agree with ``data_shape``), else
        ``data_shape``, else :func:`infer_image_shape`.

    Raises
    ------
    ValueError
        If ``requested`` disagrees with the data.
    """
    if requested is None:
        return data_shape if data_shape is not None else infer_image_shape(n_features)
    shape = IMAGE_SHAPE.normalize(requested)
    if math.prod(shape) != n_features:
        raise ValueError(
            f"{name}={tuple(requested)} has {math.prod(shape)} pixels, but X has "
            f"{n_features} features per sample."
        )
    if data_shape is not None and data_shape != shape:
        raise ValueError(
            f"X holds images of shape {data_shape}, but {name}={tuple(requested)}; "
            f"leave {name}=None for image input."
        )
    return shape


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
