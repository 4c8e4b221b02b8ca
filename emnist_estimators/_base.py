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

import os
import time
from abc import ABC, abstractmethod
from numbers import Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._checkpoint import restore_rng_state, rng_state
from ._fit import build_run, deterministic_kernels, elapsed, torch_threads, train
from ._inputs import (
    INPUT_DTYPES,
    flatten_input,
    images_tensor,
    net_inputs,
    training_data,
    unchanged_on_error,
)
from ._optim import LR_SCHEDULERS, OPTIMIZERS
from ._precision import PRECISION_OPTIONS
from ._settings import Settings, resolve_settings
from ._validation import (
    CALLBACKS,
    IMAGE_SHAPE,
    OPTIMIZER_CLASS,
    Interval,
    Ints,
    StrOptions,
    augment_ranges,
)
from .modules import count_parameters

#: The documentation page of an estimator class, for the HTML representation.
DOC_PAGE = (
    "https://emnist-estimators.readthedocs.io/en/latest/gen_modules/"
    "emnist_estimators.{estimator_name}.html"
)

#: The constraints of the training parameters every estimator shares.
TRAINING_CONSTRAINTS: dict[str, list] = {
    "optimizer": [StrOptions(set(OPTIMIZERS)), OPTIMIZER_CLASS],
    "lr": [Interval(Real, 0, None, closed="neither"), None],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "l1": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Ints(1)],
    "max_epochs": [Ints(1)],
    "lr_scheduler": [StrOptions(set(LR_SCHEDULERS)), None],
    "lr_step_size": [Ints(1)],
    "lr_gamma": [Interval(Real, 0, 1, closed="neither"), None],
    "lr_patience": [Ints(0)],
    "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "class_weight": [dict, StrOptions({"balanced", "balanced_sqrt"}), None],
    "augment": [augment_ranges()],
    "test_time_augmentation": ["boolean"],
    "average": [StrOptions({"ema", "swa"}), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "n_iter_no_change": [Ints(1)],
    "tol": [Interval(Real, 0, None, closed="left")],
    "image_shape": [IMAGE_SHAPE, None],
    "random_state": ["random_state"],
    "device": [str, torch.device],
    "precision": [StrOptions(set(PRECISION_OPTIONS))],
    "n_threads": [Ints(1), None],
    "verbose": ["verbose"],
    "callbacks": [CALLBACKS, None],
    "warm_start": ["boolean"],
    "checkpoint": [str, os.PathLike, None],
    "max_time": [Interval(Real, 0, None, closed="neither"), None],
}


class BaseImageClassifier(ClassifierMixin, BaseEstimator, ABC):
    """Base class of the image classifiers; not for direct use.

    A subclass sets ``module_class`` (a ``torch.nn.Module`` taking
    ``(image_shape, n_classes, **architecture)``), declares the constraints
    of its architecture parameters in ``_architecture_constraints`` and
    defines an explicit ``__init__`` (scikit-learn reads the parameters from
    its signature) whose body is ``self._store_params(locals())``.
    """

    #: The HTML representation (in notebooks) links to the class's page of the
    #: documentation (scikit-learn's documentation-link mechanism).
    _doc_link_module = "emnist_estimators"
    _doc_link_template = DOC_PAGE

    def _doc_link_url_param_generator(self) -> dict[str, str]:
        return {"estimator_name": type(self).__name__}

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
        X, data_shape = flatten_input(X)
        X = validate_data(self, X, reset=False, dtype=INPUT_DTYPES)
        if data_shape is not None and data_shape != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {data_shape}, but {type(self).__name__} "
                f"was fitted on images of shape {self.image_shape_}."
            )
        return X

    def _warm_start_weights(self, settings: Settings) -> dict | None:
        """The previous module's weights when ``warm_start`` applies, else None."""
        if not (settings.warm_start and hasattr(self, "net_")):
            return None
        return {k: v.clone() for k, v in self.net_.module_.state_dict().items()}

    def _check_warm_start(self, data) -> None:
        if data.image_shape != self.image_shape_ or not np.array_equal(
            data.classes, self.classes_
        ):
            raise ValueError(
                "warm_start=True continues from the previous fit, which needs the "
                f"same image shape ({self.image_shape_}) and classes; got image "
                f"shape {data.image_shape} and {len(data.classes)} classes. Set "
                "warm_start=False to train from scratch."
            )

    # ------------------------------------------------------------- training
    def fit(self, X, y, sample_weight=None, *, resume: bool = False):
        """Train the network on images ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, \
width) or (n_samples, channels, height, width)
            Images. uint8 pixels (0-255) are divided by 255; any other dtype
            (floats, but also int64 pixels 0-255) is used as given: scale it
            first, e.g. with :class:`~emnist_estimators.preprocessing.PixelScaler`
            (a ``UserWarning`` says when values far above 1 arrive).
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings such as 'A' and 'b').
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss (multiplied by
            ``class_weight``); None weighs all alike.
        resume : bool, default=False
            With ``checkpoint`` set: continue this fit from its last saved
            epoch (a fit that had ended returns at once), or start it when
            nothing was saved yet.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        start = time.perf_counter()
        settings = resolve_settings(self)
        if resume and settings.checkpoint is None:
            raise ValueError(
                "resume=True continues from a checkpoint: set checkpoint=<folder> "
                "(the run to resume must have been started with it)."
            )
        with torch_threads(settings.n_threads), unchanged_on_error(self):
            data = training_data(self, X, y, sample_weight, settings)
            previous = self._warm_start_weights(settings)
            if previous is not None:
                self._check_warm_start(data)
            return self._train(
                data, settings, start=start, resume=resume, previous=previous
            )

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one more epoch on ``X``, keeping the optimizer and schedule.

        The first call on an unfitted estimator builds the network; the
        following ones, and calls after :meth:`fit`, continue its training
        (with the settings and callbacks it was built with). A network built
        by ``partial_fit`` holds out no validation split and averages no
        weights (``early_stopping``, ``validation_fraction`` and ``average``
        apply to :meth:`fit`).
        A per-batch schedule ('onecycle', 'cosine') is planned for
        ``max_epochs`` calls on data of the first call's size.

        Parameters
        ----------
        X : array-like
            Images, in any form :meth:`fit` accepts.
        y : array-like of shape (n_samples,)
            Labels, all among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the classes the model will see; required on the first call,
            ignored afterwards (as in scikit-learn's ``partial_fit``).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : object
            The estimator.
        """
        start = time.perf_counter()
        first = not hasattr(self, "net_")
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit (all the "
                "labels the model will ever see), e.g. classes=np.unique(y_all)."
            )
        if not first and classes is not None:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()[:10]} is not the same as "
                    f"the fitted classes_ {self.classes_.tolist()[:10]}; call fit to "
                    "train on other classes."
                )
        settings = resolve_settings(self) if first else self._settings
        with torch_threads(settings.n_threads), unchanged_on_error(self):
            data = training_data(
                self,
                X,
                y,
                sample_weight,
                settings,
                classes=classes if first else self.classes_,
                reset=first,
            )
            if first:
                return self._train(data, settings, start=start, partial=True)
            net_X, net_y = net_inputs(data)
            with (
                torch.random.fork_rng(devices=_fork_devices(settings.device)),
                deterministic_kernels(settings),
            ):
                restore_rng_state(self._rng_state, settings.device)
                self.net_.partial_fit(net_X, net_y, epochs=1)
                self._rng_state = rng_state(settings.device)
            self._set_fitted(self.net_, data, settings, start, self.net_.stop_status_)
            return self

    def _train(
        self, data, settings, *, start, resume=False, partial=False, previous=None
    ):
        net_X, net_y = net_inputs(data)
        with (
            torch.random.fork_rng(devices=_fork_devices(settings.device)),
            deterministic_kernels(settings),
        ):
            torch.manual_seed(settings.seed)
            run = build_run(
                self,
                data,
                settings,
                start=start,
                resume=resume,
                partial=partial,
                previous_weights=previous,
            )
            if partial:
                run.net.partial_fit(net_X, net_y, epochs=1)
                status = run.net.stop_status_
            else:
                status = train(run, net_X, net_y, settings)
            # Where later partial_fit calls continue the random streams.
            self._rng_state = rng_state(settings.device)
        self._settings = settings
        self.checkpoint_path_ = run.checkpoint_folder
        self._set_fitted(run.net, data, settings, start, status)
        return self

    def _set_fitted(self, net, data, settings, start, status) -> None:
        self.classes_ = data.classes
        self.image_shape_ = data.image_shape
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.fit_status_ = status
        self.interrupted_ = status in ("interrupted", "time_limit")
        self.device_ = str(settings.device)
        self.precision_ = settings.precision
        self.n_parameters_ = count_parameters(net.module_)
        self.fit_time_ = elapsed(start)
        if not hasattr(self, "checkpoint_path_"):
            self.checkpoint_path_ = None

    # ------------------------------------------------------------- prediction
    def _logits(self, X) -> torch.Tensor:
        """float64 logits of the network (log-probabilities with TTA)."""
        X = self._validate_X_predict(X)
        with torch_threads(getattr(self, "n_threads", None)):
            images = images_tensor(X, self.image_shape_)
            return self.net_.forward(images, device="cpu").double()

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


def _fork_devices(device: torch.device) -> list[int]:
    """The CUDA devices whose random state ``fork_rng`` must save."""
    return [device.index or 0] if device.type == "cuda" else []
