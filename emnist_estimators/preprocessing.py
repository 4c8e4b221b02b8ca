"""Transformers for image data: pixel scaling and reshaping.

Both are scikit-learn transformers, so they fit in a
:class:`~sklearn.pipeline.Pipeline`.

.. note::

   The library's estimators scale their input themselves: uint8 pixels
   (0-255) are divided by 255, and any other dtype is used as given. So
   uint8 images need no :class:`PixelScaler` (one in front of an estimator is
   harmless: it hands over float32 in [0, 1], which the estimator uses as
   given). A :class:`PixelScaler` is needed for pixels in 0-255 stored as
   float or as another integer type (int64 from a CSV file, say): without it
   the network sees values up to 255. The mistake to avoid is dividing data
   that is already in [0, 1] a second time.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> from emnist_estimators.datasets import load_digits
>>> from emnist_estimators.preprocessing import ImageReshaper, PixelScaler
>>> X, y = load_digits()  # uint8 images of shape (n, 8, 8)
>>> model = make_pipeline(
...     ImageReshaper(flatten=True), PixelScaler(), LogisticRegression(max_iter=500)
... ).fit(X, y)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._reshape import flatten_images, resolve_image_shape, to_images
from ._validation import IMAGE_SHAPE, POSITIVE_FINITE, StrOptions

__all__ = ["ImageReshaper", "PixelScaler"]


class PixelScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale pixel values to [0, 1], as float32.

    Parameters
    ----------
    method : {'divide', 'minmax'}, default='divide'
        'divide' divides every value by ``max_value`` (pixels in
        ``[0, max_value]`` end up in [0, 1]). 'minmax' stretches each image
        (each sample, not each feature) on its own so that its darkest pixel
        becomes 0 and its brightest 1; an image of one value becomes all 0.
        For scaling each feature, use :class:`sklearn.preprocessing.MinMaxScaler`.
    max_value : float, default=255.0
        The value that becomes 1 with ``method='divide'``; ignored by
        'minmax'.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels per sample seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen in :meth:`fit`, when ``X`` has feature
        names that are all strings.

    See Also
    --------
    ImageReshaper : Reshape flat samples to images and back.

    Notes
    -----
    The transformer is stateless: :meth:`fit` only checks the parameters and
    records the number of features. ``X`` may be flat (n_samples,
    n_features) or a stack of images (n_samples, height, width) or
    (n_samples, channels, height, width); the output has the input's shape.
    The library's estimators already divide uint8 input by 255 (see the
    module notes): do not scale uint8 data for them.

    Examples
    --------
    >>> import numpy as np
    >>> from emnist_estimators.preprocessing import PixelScaler
    >>> X = np.array([[0, 51, 255], [10, 20, 30]], dtype=np.uint8)
    >>> PixelScaler().fit_transform(X)
    array([[0.        , 0.2       , 1.        ],
           [0.03921569, 0.07843138, 0.11764706]], dtype=float32)
    >>> PixelScaler(method="minmax").fit_transform(X)
    array([[0. , 0.2, 1. ],
           [0. , 0.5, 1. ]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"divide", "minmax"})],
        "max_value": [POSITIVE_FINITE],
    }

    def __init__(self, method="divide", max_value=255.0):
        self.method = method
        self.max_value = max_value

    def fit(self, X, y=None):
        """Check the parameters and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Training data; only its number of features is recorded (the
            scaling itself needs nothing learnt).
        y : None
            Ignored.

        Returns
        -------
        self : PixelScaler
            The fitted transformer.
        """
        self._validate_params()
        X_flat, _ = flatten_images(X)
        validate_data(self, X_flat, reset=True, dtype=np.float32)
        return self

    def transform(self, X):
        """Scale ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            The data.

        Returns
        -------
        X_scaled : ndarray of float32, of the shape of ``X``
            The scaled data.
        """
        check_is_fitted(self)
        X_flat, image_shape = flatten_images(X)
        X_flat = validate_data(self, X_flat, reset=False, dtype=np.float32)
        if self.method == "divide":
            scaled = X_flat / np.float32(self.max_value)
        else:
            low = X_flat.min(axis=1, keepdims=True)
            span = X_flat.max(axis=1, keepdims=True) - low
            span[span == 0] = 1.0  # images of one value become all 0
            scaled = (X_flat - low) / span
        scaled = scaled.astype(np.float32, copy=False)
        return scaled if image_shape is None else scaled.reshape(np.shape(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The output is float32 whatever the input, as the networks expect.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class ImageReshaper(TransformerMixin, BaseEstimator):
    """Reshape flat samples to images ``(n, C, H, W)``, or images to flat rows.

    Parameters
    ----------
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(channels, height, width)`` of the images.
        None uses the shape of the images given to :meth:`fit`, or, for flat
        input, guesses it from the number of features: a square number
        ``s * s`` gives ``(1, s, s)`` (784 gives 28x28), anything else one row
        of pixels ``(1, 1, n_features)``.
    flatten : bool, default=False
        False: :meth:`transform` returns images of shape (n_samples, C, H, W)
        (and :meth:`inverse_transform` flat rows). True: the reverse,
        :meth:`transform` returns flat rows (n_samples, C * H * W), e.g. to
        feed images to estimators that need 2-D input.

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(channels, height, width)`` of the images.
    n_features_in_ : int
        Number of pixels per sample (``C * H * W``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen in :meth:`fit`, when ``X`` has feature
        names that are all strings.

    See Also
    --------
    PixelScaler : Scale pixel values to [0, 1].

    Notes
    -----
    Both methods accept flat data or stacks of images (n, H, W) or
    (n, C, H, W) with ``C * H * W == n_features_in_``. The dtype is kept.
    The library's estimators reshape their input themselves; this
    transformer is for other pipelines.

    Examples
    --------
    >>> import numpy as np
    >>> from emnist_estimators.preprocessing import ImageReshaper
    >>> X = np.zeros((5, 784), dtype=np.uint8)
    >>> reshaper = ImageReshaper().fit(X)
    >>> reshaper.image_shape_
    (1, 28, 28)
    >>> images = reshaper.transform(X)
    >>> images.shape
    (5, 1, 28, 28)
    >>> reshaper.inverse_transform(images).shape
    (5, 784)
    """

    _parameter_constraints: dict = {
        "image_shape": [IMAGE_SHAPE, None],
        "flatten": ["boolean"],
    }

    def __init__(self, image_shape=None, flatten=False):
        self.image_shape = image_shape
        self.flatten = flatten

    def fit(self, X, y=None):
        """Determine the image shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Training data, whose shape gives the image shape (see
            ``image_shape``).
        y : None
            Ignored.

        Returns
        -------
        self : ImageReshaper
            The fitted transformer.
        """
        self._validate_params()
        X_flat, input_shape = flatten_images(X)
        X_flat = self._validate(X_flat, reset=True)
        self.image_shape_ = resolve_image_shape(
            X_flat.shape[1], self.image_shape, input_shape
        )
        return self

    def _validate(self, X_flat, reset):
        # NaN are kept: reshaping does not look at the values.
        return validate_data(
            self, X_flat, reset=reset, dtype="numeric", ensure_all_finite=False
        )

    def transform(self, X):
        """Reshape ``X`` to images, or to flat rows when ``flatten=True``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            The data, flat or as images (either works whatever ``flatten``
            says).

        Returns
        -------
        X_new : ndarray
            Images of shape (n_samples, C, H, W), or flat rows of shape
            (n_samples, C * H * W) when ``flatten=True``.
        """
        check_is_fitted(self)
        X_flat = self._validate(flatten_images(X)[0], reset=False)
        return X_flat if self.flatten else to_images(X_flat, self.image_shape_)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Transformed data.

        Returns
        -------
        X_original : ndarray
            Flat rows of shape (n_samples, C * H * W), or images of shape
            (n_samples, C, H, W) when ``flatten=True``.
        """
        check_is_fitted(self)
        X_flat = self._validate(flatten_images(X)[0], reset=False)
        return to_images(X_flat, self.image_shape_) if self.flatten else X_flat

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
