"""A training run: the skorch net built from the settings, then trained.

:func:`train` is what ``fit`` (and the first ``partial_fit``) hands its
checked data and resolved settings to: it seeds torch, builds the network,
the callbacks and the skorch net, restores a checkpoint when asked and runs
the epochs; :func:`train_more` runs one more epoch of a built net
(``partial_fit``); :func:`prediction_net` builds the net of a saved model.
Everything here reads a :class:`~emnist_estimators._training.settings.Settings`,
whose fields keep the parameters' names (``settings.augment`` is the batch
augmentation, built when the settings were resolved); no raw estimator
parameter and no estimator reaches this module.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from skorch.callbacks import EpochScoring, ProgressBar
from skorch.dataset import ValidSplit

from .._machine import deterministic_kernels, rng_devices
from ..modules import count_parameters
from .callbacks import (
    BestWeights,
    ResumableEarlyStopping,
    TimeBudget,
    WeightAveraging,
)
from .checkpoint import (
    EpochCheckpoint,
    fit_folder,
    load_checkpoint,
    restore,
    restore_rng_state,
    rng_state,
)
from .data import ImageTensorDataset, TensorBatchLoader, net_inputs
from .net import ImageNeuralNetClassifier
from .optim import make_lr_scheduler, optimizer_kwargs, steps_per_epoch

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import TrainingData
    from .settings import Settings

LOGGER = logging.getLogger("emnist_estimators")


def validation_split(settings: Settings, y: np.ndarray, n_classes: int):
    """skorch's ``ValidSplit`` for the validation fraction, and the training size.

    Parameters
    ----------
    settings : Settings
        The resolved settings.
    y : ndarray of int
        Encoded labels of the training data.
    n_classes : int
        Number of classes.

    Returns
    -------
    split : skorch.dataset.ValidSplit or None
        None without a validation fraction.
    n_train : int
        Samples left for training.

    Raises
    ------
    ValueError
        If the fraction leaves fewer than 2 training samples.
    """
    fraction = settings.validation_fraction
    n_samples = len(y)
    if fraction is None:
        return None, n_samples
    n_valid = math.ceil(fraction * n_samples)
    n_train = n_samples - n_valid
    if n_train < 2:
        raise ValueError(
            f"validation_fraction={fraction} leaves {n_train} training "
            f"sample(s) out of {n_samples}; use a smaller fraction or more data."
        )
    counts = np.bincount(y, minlength=n_classes)
    stratified = counts.min() >= 2 and min(n_valid, n_train) >= n_classes
    return (
        ValidSplit(fraction, stratified=stratified, random_state=settings.seed),
        n_train,
    )


def build_callbacks(
    settings: Settings,
    n_train: int,
    has_validation: bool,
    *,
    start: float,
    checkpoint_folder=None,
    averaging: bool = True,
) -> list:
    """The skorch callbacks of a fit, in the order their epoch ends must run.

    Accuracy, schedule, early stopping, the best weights so far, weight
    averaging, the user's callbacks (deep copies), then the checkpoint (which
    saves what those left) and the time budget (which may stop the run).

    Parameters
    ----------
    settings : Settings
        The resolved settings.
    n_train : int
        Training samples per epoch (for per-batch schedules).
    has_validation : bool
        Whether a validation split is scored each epoch.
    start : float
        ``time.perf_counter()`` at the start of ``fit`` (for ``max_time``).
    checkpoint_folder : pathlib.Path or None, default=None
        Where to save the run's state after each epoch.
    averaging : bool, default=True
        Whether to add the weight averaging that ``settings.average`` asks
        for (``partial_fit`` does not average).

    Returns
    -------
    list of (str, Callback)
        The callbacks.
    """
    callbacks: list = [
        (
            "train_acc",
            EpochScoring(
                "accuracy", name="train_acc", on_train=True, lower_is_better=False
            ),
        )
    ]
    if settings.lr_scheduler is not None:
        scheduler = make_lr_scheduler(
            settings.lr_scheduler,
            lr=settings.lr,
            max_epochs=settings.max_epochs,
            n_steps_per_epoch=steps_per_epoch(n_train, settings.batch_size),
            step_size=settings.lr_step_size,
            gamma=settings.lr_gamma,
            patience=settings.lr_patience,
            monitor="valid_loss" if has_validation else "train_loss",
        )
        callbacks.append(("lr_scheduler", scheduler))
    if settings.early_stopping:
        stopper = ResumableEarlyStopping(
            monitor="valid_loss",
            patience=settings.n_iter_no_change,
            threshold=settings.tol,
            threshold_mode="abs",
            load_best=True,
        )
        callbacks.append(("early_stopping", stopper))
    callbacks.append(("best_weights", BestWeights()))
    if settings.average is not None and averaging:
        callbacks.append(
            ("averaging", WeightAveraging(settings.average, settings.max_epochs))
        )
    if settings.verbose:
        callbacks.append(("progress_bar", ProgressBar()))
    callbacks.extend(copy.deepcopy(settings.callbacks))
    if checkpoint_folder is not None:
        callbacks.append(
            (
                "checkpoint",
                EpochCheckpoint(checkpoint_folder, settings.seed, settings.device),
            )
        )
    if settings.max_time is not None:
        callbacks.append(("time_budget", TimeBudget(settings.max_time, start)))
    return callbacks


def build_net(
    settings: Settings,
    module: torch.nn.Module,
    train_split,
    callbacks: list,
) -> ImageNeuralNetClassifier:
    """The skorch net that trains ``module`` as the settings say.

    Parameters
    ----------
    settings : Settings
        The resolved settings.
    module : torch.nn.Module
        A new network.
    train_split : skorch.dataset.ValidSplit or None
        The validation split.
    callbacks : list
        From :func:`build_callbacks`.

    Returns
    -------
    ImageNeuralNetClassifier
        The net, not yet initialised.
    """
    device = settings.device
    return ImageNeuralNetClassifier(
        module=module,
        criterion=torch.nn.CrossEntropyLoss,
        criterion__label_smoothing=settings.label_smoothing,
        optimizer=settings.optimizer,
        **optimizer_kwargs(
            settings.optimizer, settings.lr, settings.momentum, settings.weight_decay
        ),
        l1=settings.l1,
        max_grad_norm=settings.max_grad_norm,
        augmentation=settings.augment,
        precision=settings.precision,
        test_time_views=settings.test_time_augmentation,
        batch_size=settings.batch_size,
        max_epochs=settings.max_epochs,
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
        verbose=settings.verbose,
    )


def _has_batch_norm(module: torch.nn.Module) -> bool:
    return any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules()
    )


def check_trainable(module: torch.nn.Module, settings: Settings, n_train: int):
    """Reject settings the network cannot train with, before any training.

    Parameters
    ----------
    module : torch.nn.Module
        The new network.
    settings : Settings
        The resolved settings.
    n_train : int
        Training samples per epoch.

    Raises
    ------
    ValueError
        If the network has batch normalisation and would see a batch of one.
    """
    if not _has_batch_norm(module):
        return
    if settings.batch_size < 2:
        raise ValueError(
            f"batch_size={settings.batch_size} cannot train batch normalisation "
            "(it needs at least 2 samples per batch); use batch_size >= 2 or "
            "batch_norm=False."
        )
    if n_train < 2:
        raise ValueError(
            f"Batch normalisation needs at least 2 training samples, got {n_train}."
        )


def check_compatible_weights(module: torch.nn.Module, state: dict) -> None:
    """Raise a clear error when ``state`` does not fit ``module`` (warm start).

    Parameters
    ----------
    module : torch.nn.Module
        The new network.
    state : dict
        The previous network's ``state_dict``.

    Raises
    ------
    ValueError
        If a tensor is missing, extra or of another shape.
    """
    new = module.state_dict()
    differ = sorted(set(new) ^ set(state)) + [
        k for k in new if k in state and new[k].shape != state[k].shape
    ]
    if differ:
        raise ValueError(
            "warm_start=True continues from the previous fit's weights, but the "
            f"architecture changed (e.g. {differ[0]}: "
            f"{tuple(state[differ[0]].shape) if differ[0] in state else 'absent'} "
            f"before, {tuple(new[differ[0]].shape) if differ[0] in new else 'absent'} "
            "now). Set warm_start=False to train the new architecture from scratch."
        )


def new_module(
    module_class: type[torch.nn.Module],
    image_shape: tuple[int, int, int],
    n_classes: int,
    architecture: dict[str, Any],
) -> torch.nn.Module:
    """A new, untrained network.

    Parameters
    ----------
    module_class : type
        The network class (the estimator's ``module_class``).
    image_shape : tuple of int
        ``(channels, height, width)``.
    n_classes : int
        Number of outputs.
    architecture : dict
        ``settings.architecture``.

    Returns
    -------
    torch.nn.Module
        The network, in the ``channels_last`` memory format (oneDNN and
        cuDNN run convolutions faster in it; a no-op without 4-D weights).
    """
    module = module_class(image_shape, n_classes, **architecture)
    return module.to(memory_format=torch.channels_last)


@dataclass
class TrainedNet:
    """What a training run leaves for the estimator's fitted attributes.

    Attributes
    ----------
    net : ImageNeuralNetClassifier
        The trained skorch net.
    status : str
        'completed', 'early_stopped', 'interrupted' or 'time_limit'.
    checkpoint_folder : pathlib.Path or None
        Where the run saved its checkpoints.
    rng_state : dict
        torch's random-number states at the end, where a later
        ``partial_fit`` continues them.
    n_parameters : int
        Trainable parameters of the network.
    """

    net: ImageNeuralNetClassifier
    status: str
    checkpoint_folder: Path | None
    rng_state: dict
    n_parameters: int


def _resumed_state(settings, data, *, name, qualname, params, resume):
    """The run's checkpoint folder and the state to resume from (or None)."""
    folder = fit_folder(
        settings.checkpoint, name, qualname, params, data.X, data.y, data.weights
    )
    state = load_checkpoint(folder) if resume else None
    if state is not None:
        LOGGER.info(
            f"{name}: resuming from epoch {state['epoch']}"
            + (" (finished)" if state["complete"] else "")
            + f" in {folder}"
        )
    return folder, state


def train(
    module_class: type[torch.nn.Module],
    data: TrainingData,
    settings: Settings,
    *,
    start: float,
    name: str,
    qualname: str,
    params: dict,
    resume: bool = False,
    partial: bool = False,
    epochs: int = 1,
    previous_weights: dict | None = None,
) -> TrainedNet:
    """Build the network and the skorch net of a fit, and train it.

    The run draws from its own random streams (``torch.random.fork_rng``,
    seeded with ``settings.seed``): torch's global state is left as it was.

    Parameters
    ----------
    module_class : type
        The network class.
    data : TrainingData
        The checked training data.
    settings : Settings
        The resolved settings.
    start : float
        ``time.perf_counter()`` at the start of ``fit`` (for ``max_time``).
    name, qualname : str
        The estimator class's names (for messages and the checkpoint folder).
    params : dict
        The estimator's parameters (they name the checkpoint folder).
    resume : bool, default=False
        Continue from this fit's checkpoint when there is one.
    partial : bool, default=False
        For ``partial_fit``: ``epochs`` epochs, no validation split, no weight
        averaging, no checkpoints.
    epochs : int, default=1
        The epochs of a ``partial`` run.
    previous_weights : dict, optional
        Weights to start from (``warm_start``).

    Returns
    -------
    TrainedNet
        The trained net and how the run ended.
    """
    X, y = net_inputs(data)
    devices = rng_devices(settings.device)
    with (
        torch.random.fork_rng(devices=devices),
        deterministic_kernels(settings.device, settings.reproducible),
    ):
        torch.manual_seed(settings.seed)
        folder, state = None, None
        if settings.checkpoint is not None and not partial:
            folder, state = _resumed_state(
                settings,
                data,
                name=name,
                qualname=qualname,
                params=params,
                resume=resume,
            )
            if state is not None and state["seed"] != settings.seed:
                settings = dataclasses.replace(settings, seed=int(state["seed"]))
                torch.manual_seed(settings.seed)
        n_classes = len(data.classes)
        if partial:
            train_split, n_train = None, len(data.y)
        else:
            train_split, n_train = validation_split(settings, data.y, n_classes)
        callbacks = build_callbacks(
            settings,
            n_train,
            train_split is not None,
            start=start,
            checkpoint_folder=folder,
            averaging=not partial,
        )
        LOGGER.debug(
            f"{name}: {n_train} training images of shape {data.image_shape}, "
            f"{n_classes} classes, device {settings.device}, "
            f"precision {settings.precision}"
        )
        module = new_module(
            module_class, data.image_shape, n_classes, settings.architecture
        )
        check_trainable(module, settings, n_train)
        net = build_net(settings, module, train_split, callbacks)
        net.initialize()
        net.input_max_ = data.input_max
        if previous_weights is not None:
            check_compatible_weights(net.module_, previous_weights)
            net.module_.load_state_dict(previous_weights)
        if state is not None:
            restore(net, state)
            restore_rng_state(state["rng"], settings.device)
        if partial:
            net.partial_fit(X, y, epochs=epochs)
            status = net.stop_status_
        else:
            status = _run_epochs(net, folder, state, X, y, settings)
        # Where later partial_fit calls continue the random streams.
        ending = rng_state(settings.device)
    return TrainedNet(net, status, folder, ending, count_parameters(net.module_))


def _run_epochs(net, folder, state, X, y, settings) -> str:
    """Train the remaining epochs; return how the run ended."""
    if state is not None and state["complete"]:
        net.stop_status_ = state["status"] or "completed"
        return net.stop_status_
    remaining = settings.max_epochs - len(net.history)
    net.stop_status_ = "completed"
    if remaining > 0:
        net.partial_fit(X, y, epochs=remaining)
    if folder is not None and net.stop_status_ != "interrupted":
        dict(net.callbacks_)["checkpoint"].save(net, complete=True)
    return net.stop_status_


def train_more(
    net: ImageNeuralNetClassifier,
    data: TrainingData,
    settings: Settings,
    random_state: dict,
    *,
    epochs: int = 1,
) -> TrainedNet:
    """More epochs of a built net (``partial_fit`` after the first call).

    Parameters
    ----------
    net : ImageNeuralNetClassifier
        The fitted net, with its optimizer and schedule.
    data : TrainingData
        The checked data of this call.
    settings : Settings
        The settings the net was built with.
    random_state : dict
        The random-number states the previous call ended with.
    epochs : int, default=1
        Epochs to train.

    Returns
    -------
    TrainedNet
        The net (trained in place) and the states to continue from.
    """
    X, y = net_inputs(data)
    with (
        torch.random.fork_rng(devices=rng_devices(settings.device)),
        deterministic_kernels(settings.device, settings.reproducible),
    ):
        restore_rng_state(random_state, settings.device)
        net.partial_fit(X, y, epochs=epochs)
        ending = rng_state(settings.device)
    return TrainedNet(
        net, net.stop_status_, None, ending, count_parameters(net.module_)
    )


def prediction_net(
    module_class: type[torch.nn.Module],
    image_shape: tuple[int, int, int],
    n_classes: int,
    settings: Settings,
    weights: dict[str, torch.Tensor],
) -> ImageNeuralNetClassifier:
    """The net of a saved model: its network with ``weights``, ready to predict.

    Parameters
    ----------
    module_class : type
        The network class.
    image_shape : tuple of int
        ``(channels, height, width)``.
    n_classes : int
        Number of classes.
    settings : Settings
        The resolved settings (device and precision of the loaded model).
    weights : dict
        The network's ``state_dict``.

    Returns
    -------
    ImageNeuralNetClassifier
        The initialised net.

    Raises
    ------
    RuntimeError
        If ``weights`` do not fit the network (``load_state_dict``'s error).
    """
    module = new_module(module_class, image_shape, n_classes, settings.architecture)
    module.load_state_dict(weights)
    net = build_net(settings, module, train_split=None, callbacks=[])
    net.initialize()
    return net
