"""Building the skorch net of one fit from its resolved settings.

Everything here reads a :class:`~emnist_estimators._settings.Settings`; no
raw estimator parameter reaches this module.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from skorch.callbacks import EpochScoring, ProgressBar
from skorch.dataset import ValidSplit

from ._augment import FixedViews, RandomAffine
from ._callbacks import (
    BestWeights,
    ResumableEarlyStopping,
    TimeBudget,
    WeightAveraging,
)
from ._checkpoint import EpochCheckpoint
from ._data import ImageTensorDataset, TensorBatchLoader
from ._net import ImageNeuralNetClassifier
from ._optim import make_lr_scheduler, steps_per_epoch
from ._settings import Settings


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
    augmentation = settings.augmentation
    device = settings.device
    return ImageNeuralNetClassifier(
        module=module,
        criterion=torch.nn.CrossEntropyLoss,
        criterion__label_smoothing=settings.label_smoothing,
        optimizer=settings.optimizer,
        **settings.optimizer_kwargs,
        l1=settings.l1,
        max_grad_norm=settings.max_grad_norm,
        augmentation=None if augmentation is None else RandomAffine(**augmentation),
        precision=settings.precision,
        test_time_views=(
            None
            if settings.test_time_views is None
            else FixedViews(settings.test_time_views)
        ),
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
