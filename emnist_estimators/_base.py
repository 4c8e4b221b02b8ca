"""The shared estimator base: validation, label encoding, building and training the net.

Each public classifier is a plain scikit-learn estimator whose ``fit`` builds a
skorch :class:`~emnist_estimators._net.ImageNeuralNetClassifier` around a plain
``torch.nn.Module`` and keeps it as ``net_``. Subclasses only declare their
architecture parameters and build their module in :meth:`_build_module`.
"""

from __future__ import annotations

import copy
import math
import re
import textwrap
import time
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping, EpochScoring, ProgressBar
from skorch.dataset import ValidSplit

from ._augment import FixedViews, RandomAffine, check_augmentation, tta_views
from ._data import ImageTensorDataset, TensorBatchLoader
from ._devices import resolve_device
from ._net import ImageNeuralNetClassifier
from ._optim import (
    LR_SCHEDULERS,
    OPTIMIZERS,
    make_lr_scheduler,
    optimizer_class,
    optimizer_kwargs,
    steps_per_epoch,
)
from ._precision import PRECISION_OPTIONS, resolve_precision
from ._reshape import check_image_shape, flatten_images, infer_image_shape, to_images
from ._validation import OptimizerClass, check_callbacks
from .modules import count_parameters

#: Validation fraction used when ``early_stopping=True`` and
#: ``validation_fraction=None``.
DEFAULT_VALIDATION_FRACTION = 0.1

#: Input dtypes kept as they are; anything else is converted to float32.
_INPUT_DTYPES = (np.float32, np.uint8)

#: Documentation of the parameters that all four estimators share; each
#: estimator's docstring includes it where it says %(training_parameters)s.
TRAINING_PARAMETERS_DOC = """\
    optimizer : str or type, default="adam"
        'adam', 'adamw', 'sgd', 'asgd', 'rmsprop', 'nadam', 'adadelta',
        'adagrad', or a subclass of ``torch.optim.Optimizer``.
    lr : float or None, default=None
        Learning rate (for ``lr_scheduler='onecycle'``: the peak). None uses a
        usual starting value for the optimizer: 1e-3 for Adam-like optimizers
        and RMSprop, 1e-2 for SGD, ASGD and Adagrad, 1.0 for Adadelta.
    momentum : float, default=0.9
        Momentum of 'sgd' and 'rmsprop' (ignored by the other optimizers).
    weight_decay : float, default=0.0
        L2 penalty, passed to the optimizer (decoupled for 'adamw').
    l1 : float, default=0.0
        L1 penalty: ``l1 * sum(|w|)`` over weight matrices and convolution
        kernels is added to the training loss.
    batch_size : int, default=128
        Samples per mini-batch (training, validation and prediction).
    max_epochs : int
        Passes over the training data (fewer with early stopping).
    lr_scheduler : {'step', 'exponential', 'cosine', 'plateau', 'onecycle'} or \
None, default=None
        Learning-rate schedule, applied through skorch's ``LRScheduler``:
        'step' multiplies the rate by ``lr_gamma`` every ``lr_step_size``
        epochs; 'exponential' by ``lr_gamma`` every epoch; 'cosine' anneals it
        to 0 over ``max_epochs`` (per batch); 'plateau' multiplies it by
        ``lr_gamma`` after ``lr_patience`` epochs without improvement of the
        validation loss (the training loss without a validation split);
        'onecycle' warms up to ``lr`` and anneals (per batch).
    lr_step_size : int, default=5
        Epochs between decays of the 'step' schedule.
    lr_gamma : float or None, default=None
        Decay factor of 'step', 'exponential' and 'plateau'; None means 0.1
        for 'step' and 'plateau' and 0.9 for 'exponential'.
    lr_patience : int, default=2
        Epochs without improvement before 'plateau' decays the rate.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss, in [0, 1).
    augment : bool or dict, default=False
        Random affine augmentation of every training batch, drawn per image
        and applied on the training device: rotation (degrees), shift and
        scale (fractions of the image size) and shear (degrees). True uses
        ``{'rotation': 10, 'shift': 0.08, 'scale': 0.1, 'shear': 8}``; a dict
        changes some of these ranges (0 switches one off).
    test_time_augmentation : bool, default=False
        Average the predicted probabilities over the image and fixed mildly
        transformed copies of it (rotations by half the ``rotation`` range and
        shifts by half the ``shift`` range), at prediction time only.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch
        (skorch's ``EarlyStopping(load_best=True)``).
    validation_fraction : float or None, default=None
        Fraction of the training data held out (stratified when every class
        has at least two samples) to compute ``valid_loss`` and ``valid_acc``
        after each epoch. None holds out 0.1 when ``early_stopping`` is on and
        nothing otherwise.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum decrease of the validation loss that counts as an improvement.
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of flat input
        rows. None takes the shape of 3-D/4-D input, or else a square image
        when the number of features is a square (784 -> 28x28) and a single
        row of pixels otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, data order, dropout and the validation
        split. The same int gives the same weights and predictions on the CPU
        (CUDA kernels may differ in the last bits). torch's global random
        state is left as it was.
    device : str or torch.device, default="auto"
        'auto' (CUDA when available, else the CPU), 'cpu', 'cuda', 'cuda:N'
        or 'mps'. A device that is not available raises ``ValueError`` in
        ``fit``.
    precision : {'float32', 'bfloat16', 'auto'}, default='float32'
        Compute precision of training and prediction. 'bfloat16' runs the
        forward passes under ``torch.autocast`` in bfloat16 (weights, gradients
        and the loss stay float32): faster on GPUs and on CPUs with bfloat16
        instructions (AVX-512 BF16, AMX), but emulated and much slower on
        other CPUs (a ``UserWarning`` says so). 'auto' picks bfloat16 where it
        is native and float32 elsewhere; the choice made is ``precision_``.
        float32 is the default so that results do not depend on the machine
        beyond the last bits.
    verbose : int, default=0
        0 is silent; 1 or more prints skorch's per-epoch table and shows a
        tqdm progress bar over the batches of each epoch.
    callbacks : list or None, default=None
        Extra skorch callbacks (instances, or ``(name, callback)`` pairs).
        They are copied in ``fit``; the fitted ones are in
        ``net_.callbacks_``.
    warm_start : bool, default=False
        When True and the estimator was fitted before with the same classes
        and architecture, ``fit`` starts from the previous weights (with a new
        optimizer and history) instead of a fresh initialisation."""

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
        Whether training was stopped by Ctrl-C (``KeyboardInterrupt``): the
        model keeps the epochs done, as skorch does.
    device_ : str
        The device used, e.g. 'cpu' or 'cuda:0'.
    precision_ : str
        The compute precision used, 'float32' or 'bfloat16' (what
        ``precision='auto'`` chose on this machine).
    n_parameters_ : int
        Number of trainable parameters of the network.
    fit_time_ : float
        Wall-clock seconds spent in ``fit``."""


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


def fill_docstring(cls: type) -> type:
    """Class decorator: put the shared parameter and attribute docs in ``cls.__doc__``.

    Parameters
    ----------
    cls : type
        An estimator class whose docstring contains the placeholders
        ``%(training_parameters)s`` and ``%(attributes)s``.

    Returns
    -------
    type
        ``cls``, with its docstring filled in.
    """
    if cls.__doc__:
        blocks = {
            "training_parameters": TRAINING_PARAMETERS_DOC,
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


class BaseImageClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the image classifiers; not for direct use.

    Subclasses define ``__init__`` with their architecture parameters followed
    by the shared training parameters, extend ``_parameter_constraints``, and
    implement :meth:`_build_module`.
    """

    _parameter_constraints: dict = {
        "optimizer": [StrOptions(set(OPTIMIZERS)), OptimizerClass()],
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
        "augment": ["boolean", dict],
        "test_time_augmentation": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "precision": [StrOptions(set(PRECISION_OPTIONS))],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        optimizer,
        lr,
        momentum,
        weight_decay,
        l1,
        batch_size,
        max_epochs,
        lr_scheduler,
        lr_step_size,
        lr_gamma,
        lr_patience,
        label_smoothing,
        augment,
        test_time_augmentation,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        tol,
        image_shape,
        random_state,
        device,
        precision,
        verbose,
        callbacks,
        warm_start,
    ):
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.l1 = l1
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_scheduler = lr_scheduler
        self.lr_step_size = lr_step_size
        self.lr_gamma = lr_gamma
        self.lr_patience = lr_patience
        self.label_smoothing = label_smoothing
        self.augment = augment
        self.test_time_augmentation = test_time_augmentation
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.image_shape = image_shape
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_module(
        self, image_shape: tuple[int, int, int], n_classes: int
    ) -> torch.nn.Module:
        """Return a new, untrained network for the validated parameters."""
        raise NotImplementedError

    def _check_architecture_params(self) -> None:
        """Check architecture parameters beyond their declared constraints.

        Subclasses raise ``TypeError`` / ``ValueError`` here (e.g. for an empty
        ``filters``); the default checks nothing.
        """

    # ------------------------------------------------------------- validation
    def _check_params(self) -> None:
        """Validate every parameter before any data is touched."""
        self._validate_params()
        check_callbacks(self.callbacks)
        check_augmentation(self.augment)
        if self.image_shape is not None:
            check_image_shape(self.image_shape)
        self._check_architecture_params()

    def _resolve_image_shape(self, data_shape, n_features: int) -> tuple[int, int, int]:
        if self.image_shape is not None:
            shape = check_image_shape(self.image_shape)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={tuple(self.image_shape)} has {math.prod(shape)} "
                    f"pixels, but X has {n_features} features per sample."
                )
            if data_shape is not None and data_shape != shape:
                raise ValueError(
                    f"X holds images of shape {data_shape}, but image_shape="
                    f"{tuple(self.image_shape)}."
                )
            return shape
        return data_shape if data_shape is not None else infer_image_shape(n_features)

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

    # --------------------------------------------------------------- training
    def _validation_split(self, y: np.ndarray, n_classes: int, seed: int):
        """skorch's ``ValidSplit`` for the validation fraction, or None."""
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = DEFAULT_VALIDATION_FRACTION
        if fraction is None:
            return None, len(y)
        n_samples = len(y)
        n_valid = math.ceil(fraction * n_samples)
        n_train = n_samples - n_valid
        if n_train < 2:
            raise ValueError(
                f"validation_fraction={fraction} leaves {n_train} training "
                f"sample(s) out of {n_samples}; use a smaller fraction or more data."
            )
        counts = np.bincount(y, minlength=n_classes)
        stratified = counts.min() >= 2 and min(n_valid, n_train) >= n_classes
        return ValidSplit(fraction, stratified=stratified, random_state=seed), n_train

    def _build_callbacks(self, n_train: int, has_validation: bool, lr: float) -> list:
        callbacks: list = [
            (
                "train_acc",
                EpochScoring(
                    "accuracy", name="train_acc", on_train=True, lower_is_better=False
                ),
            )
        ]
        if self.lr_scheduler is not None:
            callbacks.append(
                (
                    "lr_scheduler",
                    make_lr_scheduler(
                        self.lr_scheduler,
                        lr=lr,
                        max_epochs=self.max_epochs,
                        n_steps_per_epoch=steps_per_epoch(n_train, self.batch_size),
                        step_size=self.lr_step_size,
                        gamma=self.lr_gamma,
                        patience=self.lr_patience,
                        monitor="valid_loss" if has_validation else "train_loss",
                    ),
                )
            )
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.extend(copy.deepcopy(check_callbacks(self.callbacks)))
        return callbacks

    def _build_net(
        self,
        module: torch.nn.Module,
        device: torch.device,
        train_split,
        callbacks: list,
        optimizer_settings: dict,
        precision: str,
    ) -> ImageNeuralNetClassifier:
        return ImageNeuralNetClassifier(
            module=module,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__label_smoothing=float(self.label_smoothing),
            optimizer=optimizer_class(self.optimizer),
            **optimizer_settings,
            l1=float(self.l1),
            augmentation=self._augmentation_module(),
            precision=precision,
            test_time_views=self._test_time_views(),
            batch_size=int(self.batch_size),
            max_epochs=int(self.max_epochs),
            train_split=train_split,
            callbacks=callbacks,
            dataset=ImageTensorDataset,
            iterator_train=TensorBatchLoader,
            iterator_train__shuffle=True,
            iterator_train__device=device,
            iterator_train__merge_single_tail=True,
            iterator_valid=TensorBatchLoader,
            iterator_valid__device=device,
            device=str(device),
            verbose=int(self.verbose),
        )

    def _augmentation_module(self) -> RandomAffine | None:
        ranges = check_augmentation(self.augment)
        return None if ranges is None else RandomAffine(**ranges)

    def _test_time_views(self) -> FixedViews | None:
        if not self.test_time_augmentation:
            return None
        return FixedViews(tta_views(check_augmentation(self.augment)))

    def _warm_start_weights(self, image_shape, classes) -> dict | None:
        """The previous module's weights when ``warm_start`` applies, else None."""
        if not (self.warm_start and hasattr(self, "net_")):
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
        return copy.deepcopy(self.net_.module_.state_dict())

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
        self._check_params()
        device = resolve_device(self.device)
        precision = resolve_precision(self.precision, device)
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
        image_shape = self._resolve_image_shape(data_shape, X.shape[1])
        previous_weights = self._warm_start_weights(image_shape, classes)

        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        train_split, n_train = self._validation_split(y_encoded, len(classes), seed)
        optimizer_settings = optimizer_kwargs(
            self.optimizer, self.lr, self.momentum, self.weight_decay
        )
        callbacks = self._build_callbacks(
            n_train, train_split is not None, optimizer_settings["lr"]
        )
        self.image_shape_ = image_shape
        X_tensor = self._to_tensor(X)
        y_tensor = torch.from_numpy(y_encoded.astype(np.int64))

        fork_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            # channels_last: oneDNN and cuDNN run convolutions faster in it
            # (a no-op for modules without 4-D weights).
            module = self._build_module(image_shape, len(classes)).to(
                memory_format=torch.channels_last
            )
            net = self._build_net(
                module, device, train_split, callbacks, optimizer_settings, precision
            )
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
        self.precision_ = precision
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
        ndarray of shape (n_samples, n_classes)
            Probabilities; columns follow ``classes_``.
        """
        return self._logits(X).softmax(dim=1).numpy()

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Input in any of the forms ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log-probabilities; columns follow ``classes_``.
        """
        return self._logits(X).log_softmax(dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or a stack of images
            Input in any of the forms ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        probabilities = self.predict_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(probabilities, axis=1)]
