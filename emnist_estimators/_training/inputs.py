"""The training data of ``fit`` and ``partial_fit``: checked, encoded, weighted.

:func:`training_data` validates the images, the labels and the weights and
encodes them (:class:`TrainingData`, numpy arrays);
:func:`emnist_estimators._training.data.net_inputs` turns them into the
tensors the skorch net trains on. :func:`flatten_input` is the shape check
that prediction shares.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._reshape import flatten_images, resolve_image_shape
from .._validation import check_sample_weight

if TYPE_CHECKING:  # pragma: no cover
    from .settings import Settings

#: Input dtypes kept as they are; anything else is converted to float32.
INPUT_DTYPES = (np.float32, np.uint8)

#: Above this, float input is very likely unscaled pixels (0-255) or worse.
_UNSCALED = 50.0


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _not_numbers(X: np.ndarray) -> str | None:
    """Why ``X`` (strings or objects) cannot be numbers, or None if unknown."""
    for value in X.flat:
        if isinstance(value, (str, bytes)):
            try:
                float(value)
            except ValueError:
                return (
                    "X must hold numbers (pixel values), but it holds strings, "
                    f"e.g. {_plain(value)!r}; convert them to numbers first."
                )
        elif isinstance(value, (list, tuple, np.ndarray)):
            return (
                "X must be an array of numbers of shape (n_samples, n_features) "
                "or a stack of images, but it holds sequences (rows of "
                "different lengths?)."
            )
    return None


def _check_numeric(X):
    """``X``, with nested lists, strings and objects made float32 arrays.

    Strings and ragged rows are rejected with a message that names ``X``
    (numpy's own names neither ``X`` nor what it expects).
    """
    if isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except ValueError as exc:
            raise ValueError(
                "X must be an array of numbers of shape (n_samples, n_features) "
                "or a stack of images, but its nested lists have different "
                f"lengths ({exc})"
            ) from None
    if isinstance(X, np.ndarray) and X.dtype.kind in ("U", "S", "O"):
        try:  # what validation would do: numbers as strings or objects work
            return X.astype(np.float32)
        except (TypeError, ValueError):
            problem = _not_numbers(X)
            if problem is None:
                raise
            raise ValueError(problem) from None
    return X


def flatten_input(X):
    """Flatten 3-D/4-D image stacks; reject arrays of any other rank but 2.

    Parameters
    ----------
    X : array-like
        Flat rows or a stack of images.

    Returns
    -------
    X_flat : array-like
        Flat rows.
    data_shape : tuple of int or None
        The image shape of a stack of images, else None.
    """
    X, data_shape = flatten_images(_check_numeric(X))
    ndim = getattr(X, "ndim", 2)
    if ndim != 2:
        hint = (
            " Reshape your data: X.reshape(1, -1) if it is a single flat sample."
            if ndim == 1
            else ""
        )
        raise ValueError(
            "Expected X of shape (n_samples, n_features), (n_samples, height, width) "
            f"or (n_samples, channels, height, width); got an array of shape "
            f"{getattr(X, 'shape', None)}.{hint}"
        )
    return X, data_shape


@dataclass
class TrainingData:
    """Validated, encoded training data.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        Flat images, uint8 or float32.
    y : ndarray of int64
        Labels encoded as indices of ``classes``.
    weights : ndarray of float32 or None
        Per-sample loss weights (class weights times sample weights), None
        when all are equal.
    classes : ndarray
        The class labels, sorted.
    image_shape : tuple of int
        ``(channels, height, width)``.
    input_max : float or None
        Largest absolute value of float input (None for uint8).
    """

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    classes: np.ndarray
    image_shape: tuple[int, int, int]
    input_max: float | None


def _class_weights(class_weight, classes: np.ndarray, y: np.ndarray) -> np.ndarray:
    if class_weight is None:
        return np.ones(len(classes), dtype=np.float32)
    if isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight names labels that are not in y: {unknown[:5]}; the "
                f"classes are {classes.tolist()[:20]}."
            )
        bad = {
            label: weight
            for label, weight in class_weight.items()
            if not (
                isinstance(weight, Real)
                and not isinstance(weight, bool)
                and math.isfinite(weight)
                and weight >= 0
            )
        }
        if bad:
            raise ValueError(
                "class_weight must map labels to non-negative finite numbers; got "
                f"{dict(list(bad.items())[:5])}."
            )
    if class_weight == "balanced_sqrt":
        balanced = compute_class_weight("balanced", classes=classes, y=y)
        return np.sqrt(balanced).astype(np.float32)
    return compute_class_weight(class_weight, classes=classes, y=y).astype(np.float32)


def training_data(
    estimator, X, y, sample_weight, settings: Settings, *, classes=None, reset=True
) -> TrainingData:
    """Validate and encode the training data of ``fit`` or ``partial_fit``.

    Parameters
    ----------
    estimator : BaseImageClassifier
        The estimator (``validate_data`` records ``n_features_in_`` on it).
    X, y, sample_weight : array-like
        As passed to ``fit``.
    settings : Settings
        The resolved settings.
    classes : array-like, optional
        All the classes (``partial_fit``); by default those of ``y``.
    reset : bool, default=True
        Whether this starts a new fit (False for later ``partial_fit`` calls).

    Returns
    -------
    TrainingData
        The data.
    """
    X, data_shape = flatten_input(X)
    X, y = validate_data(estimator, X, y, dtype=INPUT_DTYPES, reset=reset)
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y if classes is None else classes)
    known = np.isin(y, encoder.classes_)
    if not known.all():
        raise ValueError(
            f"y holds labels that are not in classes: {np.unique(y[~known])[:5]}."
        )
    y_encoded = encoder.transform(y).astype(np.int64)
    if len(encoder.classes_) < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes, but "
            f"the data contains only one class: {encoder.classes_[0]!r}."
        )
    if reset:
        image_shape = resolve_image_shape(X.shape[1], settings.image_shape, data_shape)
    else:
        image_shape = estimator.image_shape_
        if data_shape is not None and data_shape != image_shape:
            raise ValueError(
                f"X holds images of shape {data_shape}, but "
                f"{type(estimator).__name__} was fitted on images of shape "
                f"{image_shape}."
            )
    weights = _class_weights(settings.class_weight, encoder.classes_, y)[y_encoded]
    if sample_weight is not None:
        try:
            checked = check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        except (TypeError, ValueError) as exc:
            if "sample weight" in str(exc).lower().replace("_", " "):
                raise
            raise ValueError(
                f"sample_weight must be numbers, one per sample of X: {exc}"
            ) from None
        weights = weights * checked
    input_max = None
    if X.dtype != np.uint8 and X.size:
        input_max = float(np.max(np.abs(X)))
        if input_max > _UNSCALED:
            warnings.warn(
                f"X holds values up to {input_max:.3g}. Only uint8 images are "
                "divided by 255; any other dtype is used as given, so the network "
                "sees unscaled pixels. Scale X to [0, 1] (e.g. with "
                "emnist_estimators.preprocessing.PixelScaler) or pass uint8 images.",
                UserWarning,
                stacklevel=4,  # the caller of fit (under _fit_context)
            )
    return TrainingData(
        X=X,
        y=y_encoded,
        weights=None if np.all(weights == 1) else weights.astype(np.float32),
        classes=encoder.classes_,
        image_shape=image_shape,
        input_max=input_max,
    )
