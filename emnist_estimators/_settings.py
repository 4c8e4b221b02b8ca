"""The resolved settings of one ``fit``: parameters validated once, then only read.

:func:`resolve_settings` is the one place where an estimator's parameters
are checked: scikit-learn's ``_parameter_constraints`` first (uniform
messages), then the checks that involve several parameters or the machine
(the device exists, the ResNet's ``blocks`` fit its ``widths``). It returns a
frozen :class:`Settings`; everything after that (the network, the optimizer,
the schedule, augmentation, precision, the device) reads the resolved
values, never the raw parameters.

The path of one parameter, ``augment=True``: stored by ``__init__``; checked
against its constraint (:func:`emnist_estimators._validation.augment_ranges`)
here; turned into ranges (:func:`emnist_estimators._augment.augmentation_ranges`)
here; read as ``settings.augmentation`` by the net builder, which hands a
:class:`~emnist_estimators._augment.RandomAffine` to the skorch net.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._augment import augmentation_ranges, tta_views
from ._devices import resolve_device
from ._optim import optimizer_class, optimizer_kwargs
from ._precision import resolve_precision
from ._reshape import ImageShape
from ._validation import normalized

if TYPE_CHECKING:  # pragma: no cover
    from ._base import BaseImageClassifier

#: Validation fraction used when ``early_stopping=True`` and
#: ``validation_fraction=None``.
DEFAULT_VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class Settings:
    """Everything ``fit`` needs, validated and resolved.

    Attributes
    ----------
    architecture : dict
        The module's keyword arguments (layer sizes as tuples of ints).
    optimizer : type
        The ``torch.optim.Optimizer`` class.
    optimizer_kwargs : dict
        ``lr`` and the ``optimizer__*`` arguments of the skorch net.
    lr : float
        The learning rate (the default of the optimizer when ``lr=None``).
    lr_scheduler : str or None
        The schedule name.
    lr_step_size, lr_gamma, lr_patience : int, float or None, int
        The schedule's settings.
    l1 : float
        L1 penalty.
    label_smoothing : float
        Label smoothing of the loss.
    max_grad_norm : float or None
        The gradient-norm clipping threshold, None without.
    class_weight : dict, str or None
        As the parameter (resolved per class once the labels are known).
    augmentation : dict or None
        Ranges of the random affine augmentation, None without.
    test_time_views : list of dict or None
        The views averaged at prediction time, None without.
    average : str or None
        'ema', 'swa' or None.
    batch_size, max_epochs : int
        Batch size and planned epochs.
    early_stopping : bool
        Whether to stop on the validation loss.
    validation_fraction : float or None
        The held-out fraction (0.1 when early stopping asks for one).
    n_iter_no_change : int
        Patience of early stopping.
    tol : float
        Improvement threshold of early stopping.
    image_shape : tuple of int or None
        The requested ``(channels, height, width)``, None to infer it.
    seed : int
        The seed of this fit, drawn from ``random_state``.
    device : torch.device
        The training device (checked to exist).
    precision : str
        'float32' or 'bfloat16' (what 'auto' means here).
    n_threads : int or None
        torch threads while fitting and predicting.
    verbose : int
        Verbosity.
    callbacks : list
        The user's extra skorch callbacks (not yet copied).
    warm_start : bool
        Whether to start from the previous fit's weights.
    checkpoint : pathlib.Path or None
        The checkpoint folder.
    max_time : float or None
        The time budget of ``fit``, in seconds.
    reproducible : bool
        Whether ``random_state`` fixes the seed (is not None): such a fit
        trains with deterministic kernels on CUDA.
    """

    architecture: dict[str, Any]
    optimizer: type
    optimizer_kwargs: dict[str, Any]
    lr: float
    lr_scheduler: str | None
    lr_step_size: int
    lr_gamma: float | None
    lr_patience: int
    l1: float
    label_smoothing: float
    max_grad_norm: float | None
    class_weight: dict | str | None
    augmentation: dict[str, float] | None
    test_time_views: list[dict[str, float]] | None
    average: str | None
    batch_size: int
    max_epochs: int
    early_stopping: bool
    validation_fraction: float | None
    n_iter_no_change: int
    tol: float
    image_shape: ImageShape | None
    seed: int
    device: torch.device
    precision: str
    n_threads: int | None
    verbose: int
    callbacks: list = field(default_factory=list)
    warm_start: bool = False
    checkpoint: Path | None = None
    max_time: float | None = None
    reproducible: bool = False


def _architecture(estimator: BaseImageClassifier, params: dict) -> dict[str, Any]:
    constraints = estimator._architecture_constraints
    architecture = {
        name: normalized(constraints[name], params[name]) for name in constraints
    }
    return estimator._check_architecture(architecture)


def resolve_settings(estimator: BaseImageClassifier) -> Settings:
    """Validate ``estimator``'s parameters once and resolve them.

    Parameters
    ----------
    estimator : BaseImageClassifier
        The estimator being fitted.

    Returns
    -------
    Settings
        The resolved settings.

    Raises
    ------
    ValueError, TypeError
        ``InvalidParameterError`` (both) naming the parameter and what it
        accepts, or a ``ValueError`` for a device this machine lacks or
        architecture parameters that do not fit together.
    """
    estimator._validate_params()
    params = estimator.get_params(deep=False)
    architecture = _architecture(estimator, params)
    device = resolve_device(params["device"])
    precision = resolve_precision(params["precision"], device)
    opt_kwargs = optimizer_kwargs(
        params["optimizer"], params["lr"], params["momentum"], params["weight_decay"]
    )
    augmentation = augmentation_ranges(params["augment"])
    fraction = params["validation_fraction"]
    if fraction is None and params["early_stopping"]:
        fraction = DEFAULT_VALIDATION_FRACTION
    image_shape = params["image_shape"]
    seed = int(
        check_random_state(params["random_state"]).randint(np.iinfo(np.int32).max)
    )
    return Settings(
        architecture=architecture,
        optimizer=optimizer_class(params["optimizer"]),
        optimizer_kwargs=opt_kwargs,
        lr=float(opt_kwargs["lr"]),
        lr_scheduler=params["lr_scheduler"],
        lr_step_size=int(params["lr_step_size"]),
        lr_gamma=params["lr_gamma"],
        lr_patience=int(params["lr_patience"]),
        l1=float(params["l1"]),
        label_smoothing=float(params["label_smoothing"]),
        max_grad_norm=(
            None if params["max_grad_norm"] is None else float(params["max_grad_norm"])
        ),
        class_weight=params["class_weight"],
        augmentation=augmentation,
        test_time_views=(
            tta_views(augmentation) if params["test_time_augmentation"] else None
        ),
        average=params["average"],
        batch_size=int(params["batch_size"]),
        max_epochs=int(params["max_epochs"]),
        early_stopping=bool(params["early_stopping"]),
        validation_fraction=fraction,
        n_iter_no_change=int(params["n_iter_no_change"]),
        tol=float(params["tol"]),
        image_shape=normalized(
            type(estimator)._parameter_constraints["image_shape"], image_shape
        ),
        seed=seed,
        device=device,
        precision=precision,
        n_threads=params["n_threads"],
        verbose=int(params["verbose"]),
        callbacks=list(params["callbacks"] or []),
        warm_start=bool(params["warm_start"]),
        checkpoint=None if params["checkpoint"] is None else Path(params["checkpoint"]),
        max_time=None if params["max_time"] is None else float(params["max_time"]),
        reproducible=params["random_state"] is not None,
    )
