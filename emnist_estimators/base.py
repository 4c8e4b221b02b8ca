"""The public extension surface: the estimator base and what a new model needs.

Each public classifier is a plain scikit-learn estimator whose ``fit`` reads
top-down, one call per step (see ``ARCHITECTURE.md``):

1. resolve the parameters once (``_training.settings.resolve_settings``,
   given the parameters, their constraints and the architecture check;
   scikit-learn's ``_fit_context`` has checked the constraints before
   ``fit`` runs);
2. check and encode the data (``_training.inputs.training_data``);
3. hand both to the training run (``_training.run.train``), which builds the
   network (``module_class``) and the skorch net and trains it;
4. set the fitted attributes from what the run returns (``_set_fitted``).

Nothing below calls back into the estimator. :mod:`emnist_estimators.persistence`
rebuilds a saved model through ``BaseImageClassifier._restore_fitted``.

A new model subclasses :class:`BaseImageClassifier`: it sets
``module_class`` (a ``torch.nn.Module`` taking ``(image_shape, n_classes,
**architecture)``), declares the constraints of its architecture parameters
in ``_architecture_constraints`` (with the helpers re-exported here), and
writes an explicit ``__init__`` with its architecture parameters and then,
keyword-only, the shared training parameters of :data:`TRAINING_PARAMETERS`
(``self._store_params(locals())`` as its body); :func:`fill_docstring` puts
their documentation in its docstring. No private import is needed; see
``tests/test_models.py`` and the *Adding a model* section of the docs.
"""

from __future__ import annotations

import contextlib
import copyreg
import inspect
import json
import re
import textwrap
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._machine import resolve_device, torch_threads
from ._training.checkpoint import rng_state
from ._training.data import images_tensor
from ._training.inputs import INPUT_DTYPES, flatten_input, training_data
from ._training.parameters import (
    PER_MODEL,
    TRAINING_CONSTRAINTS,
    TRAINING_PARAMETERS,
    TrainingParameter,
    training_parameters_doc,
)
from ._training.run import TrainedNet, new_module, prediction_net, train, train_more
from ._training.settings import Settings, resolve_settings
from ._validation import (
    HasMethods,
    Interval,
    Ints,
    Options,
    Predicate,
    StrOptions,
    distinct_options,
    fit_context,
    layer_sizes,
)
from .modules import count_parameters

__all__ = [
    "PER_MODEL",
    "TRAINING_CONSTRAINTS",
    "TRAINING_PARAMETERS",
    "BaseImageClassifier",
    "HasMethods",
    "Interval",
    "Ints",
    "Options",
    "Predicate",
    "StrOptions",
    "TrainingParameter",
    "check_training_signature",
    "distinct_options",
    "fill_docstring",
    "layer_sizes",
    "validate_parameters",
]

#: The documentation page of an estimator class, for the HTML representation.
DOC_PAGE = (
    "https://emnist-estimators.readthedocs.io/en/latest/gen_modules/"
    "emnist_estimators.{estimator_name}.html"
)

#: Documentation of the fitted attributes, shared likewise (%(attributes)s).
ATTRIBUTES_DOC = """\
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; ``predict`` returns these and the columns of
        ``predict_proba`` follow their order.
    n_features_in_ : int
        Number of features (pixels) per sample seen in ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen in ``fit``, when X had string column names.
    image_shape_ : tuple of int
        ``(channels, height, width)`` the flat rows were read as.
    net_ : ImageNeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the ``torch.nn.Module``.
    history_ : skorch.History
        One entry per epoch with ``train_loss``, ``train_acc``, ``dur``
        (seconds) and, with a validation split, ``valid_loss`` and
        ``valid_acc``; e.g. ``history_[:, 'valid_acc']``.
    n_iter_ : int
        Number of epochs run.
    interrupted_ : bool
        Whether training was stopped before its planned end by Ctrl-C
        (``KeyboardInterrupt``) or the time budget: the model keeps the best
        weights so far.
    fit_status_ : str
        How the last ``fit`` ended: 'completed' (all epochs), 'early_stopped'
        (by early stopping), 'interrupted' (Ctrl-C) or 'time_limit'
        (``max_time``).
    device_ : str
        The device used, e.g. 'cpu' or 'cuda:0'.
    precision_ : str
        The compute precision used, 'float32' or 'bfloat16' (what
        ``precision='auto'`` chose on this machine).
    n_parameters_ : int
        Number of trainable parameters of the network.
    fit_time_ : float
        Wall-clock seconds spent in ``fit``.
    checkpoint_path_ : pathlib.Path or None
        The folder of this fit's checkpoints (None without ``checkpoint``)."""


def fill_docstring(cls: type) -> type:
    """Class decorator: put the shared parameter and attribute docs in ``cls.__doc__``.

    ``%(training_parameters)s`` becomes the entries of
    :data:`TRAINING_PARAMETERS`, with the defaults of ``cls.__init__``;
    ``%(attributes)s`` the fitted attributes every estimator has.

    Parameters
    ----------
    cls : type
        An estimator class whose docstring contains the placeholders.

    Returns
    -------
    type
        ``cls``, with its docstring filled in.
    """
    if cls.__doc__:
        defaults = {
            name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        blocks = {
            "training_parameters": training_parameters_doc(defaults),
            "attributes": ATTRIBUTES_DOC,
        }

        def expand(match: re.Match) -> str:
            # Indent every line of the block like the placeholder's line.
            return textwrap.indent(
                textwrap.dedent(blocks[match.group(2)]), match.group(1)
            )

        cls.__doc__ = re.sub(
            r"^([ \t]*)%\((training_parameters|attributes)\)s",
            expand,
            cls.__doc__,
            flags=re.MULTILINE,
        )
    return cls


#: Attributes that input validation sets before training can fail.
_VALIDATION_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


class BaseImageClassifier(ClassifierMixin, BaseEstimator, ABC):
    """Base class of the image classifiers; not for direct use.

    A subclass sets ``module_class`` (a ``torch.nn.Module`` taking
    ``(image_shape, n_classes, **architecture)``), declares the constraints
    of its architecture parameters in ``_architecture_constraints``,
    optionally a ``_check_architecture`` function (architecture parameters
    checked against each other; it returns the network's keyword
    arguments), and defines an explicit ``__init__`` (scikit-learn reads the
    parameters from its signature) whose body is
    ``self._store_params(locals())``.
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
    #: Checks the architecture parameters against each other and returns the
    #: network's keyword arguments (a plain function; None: no such check).
    _check_architecture: ClassVar[Callable[[dict], dict] | None] = None

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

    def _resolve_settings(self) -> Settings:
        """The settings of the current (valid) parameters."""
        return resolve_settings(
            self.get_params(deep=False),
            self._parameter_constraints,
            self._check_architecture,
        )

    def _build_module(
        self, image_shape: tuple[int, int, int], n_classes: int
    ) -> torch.nn.Module:
        """A new, untrained network for these parameters (benchmarks' hand loops)."""
        settings = self._resolve_settings()
        return new_module(
            self.module_class, image_shape, n_classes, settings.architecture
        )

    # ------------------------------------------------------------- training
    @fit_context(prefer_skip_nested_validation=True)
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
        settings = self._resolve_settings()
        if resume and settings.checkpoint is None:
            raise ValueError(
                "resume=True continues from a checkpoint: set checkpoint=<folder> "
                "(the run to resume must have been started with it)."
            )
        with torch_threads(settings.n_threads), self._unchanged_on_error():
            data = training_data(self, X, y, sample_weight, settings)
            previous = self._warm_start_weights(settings, data)
            result = self._train_new(
                data, settings, start, resume=resume, previous_weights=previous
            )
        self._settings = settings
        self.checkpoint_path_ = result.checkpoint_folder
        self._set_fitted(result, data, settings, start)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, *, epochs: int = 1):
        """Train more epochs on ``X`` (one by default), keeping optimizer and schedule.

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
        epochs : int, default=1
            Epochs to train in this call (the same as that many calls, with
            the data validated once).

        Returns
        -------
        self : object
            The estimator.
        """
        start = time.perf_counter()
        if (
            not (isinstance(epochs, Integral) and not isinstance(epochs, bool))
            or epochs < 1
        ):
            raise ValueError(f"epochs must be a positive int, got {epochs!r}.")
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
        settings = self._resolve_settings() if first else self._settings
        with torch_threads(settings.n_threads), self._unchanged_on_error():
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
                result = self._train_new(
                    data, settings, start, partial=True, epochs=int(epochs)
                )
                self._settings = settings
                self.checkpoint_path_ = None
            else:
                result = train_more(
                    self.net_, data, settings, self._rng_state, epochs=int(epochs)
                )
        self._set_fitted(result, data, settings, start)
        return self

    def _train_new(self, data, settings: Settings, start: float, **options):
        """Hand the data and settings to a new training run (``_training.run``)."""
        return train(
            self.module_class,
            data,
            settings,
            start=start,
            name=type(self).__name__,
            qualname=type(self).__qualname__,
            params=self.get_params(deep=False),
            **options,
        )

    def _warm_start_weights(self, settings: Settings, data) -> dict | None:
        """The previous module's weights when ``warm_start`` applies, else None."""
        if not (settings.warm_start and hasattr(self, "net_")):
            return None
        if data.image_shape != self.image_shape_ or not np.array_equal(
            data.classes, self.classes_
        ):
            raise ValueError(
                "warm_start=True continues from the previous fit, which needs the "
                f"same image shape ({self.image_shape_}) and classes; got image "
                f"shape {data.image_shape} and {len(data.classes)} classes. Set "
                "warm_start=False to train from scratch."
            )
        return {k: v.clone() for k, v in self.net_.module_.state_dict().items()}

    @contextlib.contextmanager
    def _unchanged_on_error(self) -> Iterator[None]:
        """Undo what input validation set on the estimator when the block fails.

        ``validate_data`` records ``n_features_in_`` (and ``feature_names_in_``)
        before the rest of the checks and the training can fail: without this,
        a rejected refit would leave a fitted estimator with the new data's
        feature count and its old network, and an unfitted one looking fitted.
        """
        saved = {
            name: vars(self)[name]
            for name in _VALIDATION_ATTRIBUTES
            if name in vars(self)
        }
        try:
            yield
        except BaseException:
            for name in _VALIDATION_ATTRIBUTES:
                if name in saved:
                    setattr(self, name, saved[name])
                else:
                    vars(self).pop(name, None)
            raise

    def _set_fitted(self, result: TrainedNet, data, settings: Settings, start) -> None:
        """The fitted attributes, from a training run's result."""
        net = result.net
        self._rng_state = result.rng_state
        self.classes_ = data.classes
        self.image_shape_ = data.image_shape
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.fit_status_ = result.status
        self.interrupted_ = result.status in ("interrupted", "time_limit")
        self.device_ = str(settings.device)
        self.precision_ = settings.precision
        self.n_parameters_ = result.n_parameters
        self.fit_time_ = time.perf_counter() - start
        if not hasattr(self, "checkpoint_path_"):
            self.checkpoint_path_ = None

    def _restore_fitted(
        self,
        *,
        weights: dict[str, torch.Tensor],
        classes: np.ndarray,
        image_shape: tuple[int, int, int],
        n_features_in: int,
        history: list,
        precision: str,
        device=None,
        feature_names_in=None,
        fit_status: str = "completed",
        n_iter: int | None = None,
        fit_time: float = 0.0,
        n_parameters: int | None = None,
    ):
        """Make this estimator the fitted model that these saved facts describe.

        What :func:`emnist_estimators.persistence.load_model` calls: the
        network is built from the current parameters and given ``weights``;
        the fitted attributes are those ``fit`` would have set. The optimizer
        state is not restored (use checkpoints to continue training).

        Parameters
        ----------
        weights : dict
            The network's ``state_dict``.
        classes : ndarray
            ``classes_``.
        image_shape : tuple of int
            ``image_shape_``.
        n_features_in : int
            ``n_features_in_``.
        history : list of dict
            The training history (epochs, without batches).
        precision : str
            The compute precision the model was trained with ('float32',
            'bfloat16', 'float16'), kept for prediction.
        device : str or torch.device, optional
            Where to put the network; None uses the ``device`` parameter when
            this machine has that device, else the CPU (with a warning).
        feature_names_in : array-like, optional
            ``feature_names_in_``.
        fit_status : str, default='completed'
            ``fit_status_``.
        n_iter : int, optional
            ``n_iter_`` (by default the history's length).
        fit_time : float, default=0.0
            ``fit_time_``.
        n_parameters : int, optional
            ``n_parameters_`` (by default counted).

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        RuntimeError
            If ``weights`` do not fit the network of these parameters.
        """
        from dataclasses import replace

        from skorch.history import History

        requested = self.device
        try:
            self.device = "cpu"  # the saved device need not exist here
            settings = self._resolve_settings()
        finally:
            self.device = requested
        target = _loading_device(requested, device)
        settings = replace(settings, device=target, precision=precision)
        with torch_threads(settings.n_threads):
            net = prediction_net(
                self.module_class, image_shape, len(classes), settings, weights
            )
        net.history = History(list(history))
        net.stop_status_ = fit_status
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = int(n_features_in)
        if feature_names_in is not None:
            self.feature_names_in_ = np.asarray(feature_names_in, dtype=object)
        self.image_shape_ = tuple(image_shape)
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history) if n_iter is None else int(n_iter)
        self.fit_status_ = fit_status
        self.interrupted_ = fit_status in ("interrupted", "time_limit")
        self.device_ = str(target)
        self.precision_ = precision
        self.n_parameters_ = (
            count_parameters(net.module_) if n_parameters is None else int(n_parameters)
        )
        self.fit_time_ = float(fit_time)
        self.checkpoint_path_ = None
        self._settings = settings
        self._rng_state = rng_state(target)
        return self

    # ------------------------------------------------------------- state
    def __getstate__(self) -> dict[str, Any]:
        """The estimator as plain values, for skops (and MLflow's skops format).

        The parameters and fitted attributes as they are, but the skorch net
        (``net_``, ``history_``) as the network's weights in numpy arrays and
        the history as JSON values: nothing that only pickle could restore,
        so that ``skops.io.dump`` / ``skops.io.load`` round-trip a fitted
        estimator, alone or inside a ``Pipeline`` or a search, trusting only
        this library's classes
        (:func:`~emnist_estimators.persistence.skops_trusted_types`).
        The optimizer's state is not part of it. ``pickle``, ``joblib`` and
        ``copy`` keep the whole estimator, net and optimizer included
        (:meth:`__reduce_ex__`).
        """
        state = dict(super().__getstate__())  # may be the object's own __dict__
        if "net_" not in state:
            return state
        for name in _TRAINING_OBJECTS:
            state.pop(name, None)
        if state.get("checkpoint_path_") is not None:
            state["checkpoint_path_"] = str(state["checkpoint_path_"])
        state[_PORTABLE_FIT] = {
            "weights": {
                name: tensor.detach().to("cpu").contiguous().numpy()
                for name, tensor in self.net_.module_.state_dict().items()
            },
            "history": _plain_history(self.net_.history),
        }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore :meth:`__getstate__`'s plain state (or pickle's whole one)."""
        state = dict(state)
        portable = state.pop(_PORTABLE_FIT, None)
        super().__setstate__(state)
        if portable is None:
            return
        checkpoint = state.get("checkpoint_path_")
        self._restore_fitted(
            weights={
                k: torch.from_numpy(np.array(v)) for k, v in portable["weights"].items()
            },
            classes=self.classes_,
            image_shape=tuple(self.image_shape_),
            n_features_in=self.n_features_in_,
            feature_names_in=getattr(self, "feature_names_in_", None),
            history=portable["history"],
            precision=self.precision_,
            fit_status=self.fit_status_,
            n_iter=self.n_iter_,
            fit_time=self.fit_time_,
            n_parameters=self.n_parameters_,
        )
        self.checkpoint_path_ = None if checkpoint is None else Path(checkpoint)

    def __reduce_ex__(self, protocol):
        """pickle and copy: the whole estimator, skorch net and optimizer included."""
        state = dict(BaseEstimator.__getstate__(self))
        return (copyreg.__newobj__, (type(self),), state)

    # ------------------------------------------------------------- prediction
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


#: Fitted attributes that hold training objects (the skorch net and its history,
#: the resolved settings, random states): replaced by plain values in the
#: estimator's portable state.
_TRAINING_OBJECTS = ("net_", "history_", "_settings", "_rng_state")
#: The key of the portable fitted state (weights, history) in ``__getstate__``.
_PORTABLE_FIT = "_portable_fit"


def _plain_history(history) -> list[dict]:
    """The epochs of a skorch history (without batches) as JSON values."""
    epochs = [{k: v for k, v in row.items() if k != "batches"} for row in history]
    return json.loads(json.dumps(epochs, default=_json_value))


def _json_value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _loading_device(requested, device) -> torch.device:
    """``device``, else the ``requested`` parameter when this machine has it."""
    if device is not None:
        return resolve_device(device)
    try:
        return resolve_device(requested)
    except ValueError:
        warnings.warn(
            f"The model was trained with device={requested!r}, which this machine "
            "does not have: it is loaded on the CPU.",
            UserWarning,
            stacklevel=4,
        )
        return resolve_device("cpu")


def check_training_signature(cls: type) -> None:
    """Check that ``cls.__init__`` takes the shared training parameters as listed.

    Every row of :data:`TRAINING_PARAMETERS` must be a keyword-only
    parameter, in the table's order, after the architecture parameters, with
    the row's default (a row whose default is :data:`PER_MODEL` takes any).

    Parameters
    ----------
    cls : type
        An estimator class.

    Raises
    ------
    TypeError
        Naming the first parameter that differs, and what the table expects.
    """
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    expected = [row.name for row in TRAINING_PARAMETERS]
    keyword = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    if keyword != expected:
        missing = [n for n in expected if n not in keyword]
        extra = [n for n in keyword if n not in expected]
        raise TypeError(
            f"{cls.__name__}.__init__ must take the shared training parameters "
            f"keyword-only, in the order of TRAINING_PARAMETERS ({', '.join(expected)})"
            f"; missing: {missing}, not training parameters: {extra}"
            + ("" if missing or extra else ", the order differs")
            + "."
        )
    by_name = {p.name: p for p in params}
    for row in TRAINING_PARAMETERS:
        default = by_name[row.name].default
        if row.default is not PER_MODEL and not (
            default is row.default or default == row.default
        ):
            raise TypeError(
                f"{cls.__name__}.__init__ has {row.name}={default!r}; the shared "
                f"default (TRAINING_PARAMETERS) is {row.default!r}."
            )
        if default is inspect.Parameter.empty:
            raise TypeError(f"{cls.__name__}.__init__ gives {row.name} no default.")


def validate_parameters(estimator: BaseImageClassifier) -> None:
    """Check every parameter of ``estimator`` as ``fit`` would, without data.

    The constraints (scikit-learn's uniform messages), then what involves
    several parameters or the machine: the device exists, the architecture
    parameters fit together. The command line calls it before it loads any
    data.

    Parameters
    ----------
    estimator : BaseImageClassifier
        The estimator to check.

    Raises
    ------
    ValueError, TypeError
        ``InvalidParameterError`` (both) naming the parameter and what it
        accepts, or a ``ValueError`` for a device this machine lacks or
        architecture parameters that do not fit together.
    """
    estimator._validate_params()
    estimator._resolve_settings()
