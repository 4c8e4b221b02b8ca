"""The shared estimator base: input checks, label encoding, training, prediction.

Each public classifier is a plain scikit-learn estimator whose ``fit``
resolves its parameters once (:func:`~emnist_estimators._settings.resolve_settings`),
builds a skorch :class:`~emnist_estimators._net.ImageNeuralNetClassifier`
around a plain ``torch.nn.Module`` (:mod:`emnist_estimators._training`) and
keeps it as ``net_``. A subclass declares its network class
(``module_class``), the constraints of its architecture parameters and an
explicit ``__init__``; :class:`BaseImageClassifier` is an :class:`abc.ABC`,
so a subclass that forgets ``module_class`` cannot be instantiated.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._optim import LR_SCHEDULERS, OPTIMIZERS
from ._precision import PRECISION_OPTIONS
from ._reshape import flatten_images, resolve_image_shape, to_images
from ._settings import Settings, resolve_settings
from ._training import build_callbacks, build_net, validation_split
from ._validation import (
    CALLBACKS,
    IMAGE_SHAPE,
    OPTIMIZER_CLASS,
    Interval,
    StrOptions,
    augment_ranges,
)
from .modules import count_parameters

#: Input dtypes kept as they are; anything else is converted to float32.
_INPUT_DTYPES = (np.float32, np.uint8)

#: The constraints of the training parameters every estimator shares.
TRAINING_CONSTRAINTS: dict[str, list] = {
    "optimizer": [StrOptions(set(OPTIMIZERS)), OPTIMIZER_CLASS],
    "lr": [Interval(Real, 0, None, closed="neither"), None],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "l1": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "lr_scheduler": [StrOptions(set(LR_SCHEDULERS)), None],
    "lr_step_size": [Interval(Integral, 1, None, closed="left")],
    "lr_gamma": [Interval(Real, 0, 1, closed="neither"), None],
    "lr_patience": [Interval(Integral, 0, None, closed="left")],
    "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    "augment": [augment_ranges()],
    "test_time_augmentation": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "image_shape": [IMAGE_SHAPE, None],
    "random_state": ["random_state"],
    "device": [str, torch.device],
    "precision": [StrOptions(set(PRECISION_OPTIONS))],
    "verbose": ["verbose"],
    "callbacks": [CALLBACKS, None],
    "warm_start": ["boolean"],
}


def _flatten_input(X):
    """Flatten 3-D/4-D image stacks; reject arrays of any other rank but 2."""
    X, data_shape = flatten_images(X)
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


class BaseImageClassifier(ClassifierMixin, BaseEstimator, ABC):
    """Base class of the image classifiers; not for direct use.

    A subclass sets ``module_class`` (a ``torch.nn.Module`` taking
    ``(image_shape, n_classes, **architecture)``), declares the constraints
    of its architecture parameters in ``_architecture_constraints`` and
    defines an explicit ``__init__`` (scikit-learn reads the parameters from
    its signature) whose body is ``self._store_params(locals())``.
    """

    #: Constraints of the subclass's architecture parameters.
    _architecture_constraints: ClassVar[dict[str, list]] = {}
    #: All constraints, training and architecture (set per subclass).
    _parameter_constraints: ClassVar[dict[str, list]] = dict(TRAINING_CONSTRAINTS)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._parameter_constraints = {
            **TRAINING_CONSTRAINTS,
            **cls._architecture_constraints,
        }

    @property
    @abstractmethod
    def module_class(self) -> type[torch.nn.Module]:
        """The network class this estimator trains (a class attribute)."""

    def _store_params(self, params: dict[str, Any]) -> None:
        """Store the constructor's arguments as attributes (``__init__``'s body)."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _check_architecture(self, architecture: dict[str, Any]) -> dict[str, Any]:
        """Check architecture parameters against each other; return the module kwargs.

        Parameters
        ----------
        architecture : dict
            The architecture parameters, each valid on its own and normalised
            (layer sizes as tuples).

        Returns
        -------
        dict
            Keyword arguments of ``module_class``. The default returns
            ``architecture`` unchanged.
        """
        return architecture

    def _build_module(
        self, image_shape: tuple[int, int, int], n_classes: int, settings=None
    ) -> torch.nn.Module:
        """A new, untrained network for these parameters.

        Parameters
        ----------
        image_shape : tuple of int
            ``(channels, height, width)``.
        n_classes : int
            Number of outputs.
        settings : Settings, optional
            The resolved settings (resolved now when None).

        Returns
        -------
        torch.nn.Module
            The network, in the ``channels_last`` memory format (oneDNN and
            cuDNN run convolutions faster in it; a no-op without 4-D weights).
        """
        settings = settings or resolve_settings(self)
        module = self.module_class(image_shape, n_classes, **settings.architecture)
        return module.to(memory_format=torch.channels_last)

    # ------------------------------------------------------------- input
    def _validate_X_predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X, data_shape = _flatten_input(X)
        X = validate_data(self, X, reset=False, dtype=_INPUT_DTYPES)
        if data_shape is not None and data_shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {data_shape}, but {type(self).__name__} "
                f"was fitted on images of shape {self.image_shape_}."
            )
        return X

    def _to_tensor(self, X: np.ndarray) -> torch.Tensor:
        images = to_images(X, self.image_shape_)
        if not images.flags.writeable or not images.flags.c_contiguous:
            images = np.array(images, order="C")  # torch needs writable memory
        return torch.from_numpy(images)

    def _training_data(self, X, y, settings: Settings):
        """Validated flat X, encoded y, the classes and the image shape."""
        X, data_shape = _flatten_input(X)
        X, y = validate_data(self, X, y, dtype=_INPUT_DTYPES)
        check_classification_targets(y)
        encoder = LabelEncoder()
        y_encoded = encoder.fit_transform(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        image_shape = resolve_image_shape(X.shape[1], settings.image_shape, data_shape)
        return X, y_encoded, classes, image_shape

    def _warm_start_weights(self, settings: Settings, image_shape, classes):
        """The previous module's weights when ``warm_start`` applies, else None."""
        if not (settings.warm_start and hasattr(self, "net_")):
            return None
        if image_shape != self.image_shape_ or not np.array_equal(
            classes, self.classes_
        ):
            raise ValueError(
                "warm_start=True continues from the previous fit, which needs the "
                f"same image shape ({self.image_shape_}) and classes; got image "
                f"shape {image_shape} and {len(classes)} classes. Set "
                "warm_start=False to train from scratch."
            )
        return {k: v.clone() for k, v in self.net_.module_.state_dict().items()}

    # ------------------------------------------------------------- training
    def fit(self, X, y):
        """Train the network on images ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, \
width) or (n_samples, channels, height, width)
            Images. uint8 pixels (0-255) are divided by 255; any other dtype
            (floats, but also int64 pixels 0-255) is used as given: scale it
            first, e.g. with :class:`~emnist_estimators.preprocessing.PixelScaler`.
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings such as 'A' and 'b').

        Returns
        -------
        self : object
            The fitted estimator.
        """
        start = time.perf_counter()
        settings = resolve_settings(self)
        X, y_encoded, classes, image_shape = self._training_data(X, y, settings)
        previous_weights = self._warm_start_weights(settings, image_shape, classes)
        train_split, n_train = validation_split(settings, y_encoded, len(classes))
        callbacks = build_callbacks(settings, n_train, train_split is not None)
        self.image_shape_ = image_shape
        X_tensor = self._to_tensor(X)
        y_tensor = torch.from_numpy(y_encoded.astype(np.int64))

        device = settings.device
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(settings.seed)
            module = self._build_module(image_shape, len(classes), settings)
            net = build_net(settings, module, train_split, callbacks)
            net.initialize()
            if previous_weights is not None:
                net.module_.load_state_dict(previous_weights)
            net.partial_fit(X_tensor, y_tensor)

        self.classes_ = classes
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.interrupted_ = net.interrupted_
        self.device_ = str(device)
        self.precision_ = settings.precision
        self.n_parameters_ = count_parameters(net.module_)
        self.fit_time_ = time.perf_counter() - start
        return self

    # ------------------------------------------------------------- prediction
    def _logits(self, X) -> torch.Tensor:
        """float64 logits of the network (log-probabilities with TTA)."""
        X = self._validate_X_predict(X)
        return self.net_.forward(self._to_tensor(X), device="cpu").double()

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the network's outputs).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Input in any of the forms ``fit`` accepts.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities; columns follow ``classes_``.
        """
        return self._logits(X).softmax(dim=1).numpy()

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like
            As for :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities (computed from the logits, so that tiny
            probabilities keep their precision); columns follow ``classes_``.
        """
        return self._logits(X).log_softmax(dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : array-like of images, flat or not
            As for :meth:`predict_proba` (any form ``fit`` accepts).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The most probable label of each sample, from ``classes_``.
        """
        probabilities = self.predict_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(probabilities, axis=1)]
