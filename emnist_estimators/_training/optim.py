"""Optimizer and learning-rate schedule registries: names -> torch classes."""

from __future__ import annotations

import inspect
import math

import torch

from .callbacks import PersistentLRScheduler as LRScheduler

#: Optimizer names accepted by every estimator.
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "asgd": torch.optim.ASGD,
    "rmsprop": torch.optim.RMSprop,
    "nadam": torch.optim.NAdam,
    "adadelta": torch.optim.Adadelta,
    "adagrad": torch.optim.Adagrad,
}

#: The learning rate used when ``lr=None``: a sensible starting point per
#: optimizer (Adadelta is designed around lr=1.0; SGD-like ones want more than
#: Adam-like ones).
DEFAULT_LR: dict[str, float] = {
    "adam": 1e-3,
    "adamw": 1e-3,
    "nadam": 1e-3,
    "rmsprop": 1e-3,
    "sgd": 1e-2,
    "asgd": 1e-2,
    "adagrad": 1e-2,
    "adadelta": 1.0,
}

#: Optimizers that take a ``momentum`` argument.
_MOMENTUM_OPTIMIZERS = (torch.optim.SGD, torch.optim.RMSprop)

#: Learning-rate schedules accepted by every estimator.
LR_SCHEDULERS = ("step", "exponential", "cosine", "plateau", "onecycle", "wsd")

#: The 'wsd' schedule: warm-up steps (at most one epoch) and the fraction of
#: each training call that decays.
WSD_WARMUP_STEPS = 500
WSD_DECAY_FRACTION = 0.2

#: ``lr_gamma`` used when it is None, per schedule.
DEFAULT_GAMMA: dict[str, float] = {"step": 0.1, "exponential": 0.9, "plateau": 0.1}


def optimizer_class(optimizer) -> type[torch.optim.Optimizer]:
    """Return the optimizer class for a name or a class.

    Parameters
    ----------
    optimizer : str or type
        A key of :data:`OPTIMIZERS` or a subclass of ``torch.optim.Optimizer``.

    Returns
    -------
    type
        The optimizer class.
    """
    if isinstance(optimizer, str):
        return OPTIMIZERS[optimizer]
    return optimizer


def default_lr(optimizer) -> float:
    """The learning rate that ``lr=None`` means for ``optimizer``.

    Parameters
    ----------
    optimizer : str or type
        An optimizer name or class.

    Returns
    -------
    float
        :data:`DEFAULT_LR` of the name; 1e-3 for a class.
    """
    return DEFAULT_LR.get(optimizer, 1e-3) if isinstance(optimizer, str) else 1e-3


def optimizer_kwargs(
    optimizer, lr: float | None, momentum: float, weight_decay: float
) -> dict[str, float]:
    """Keyword arguments for the optimizer, as skorch ``optimizer__*`` params.

    Parameters
    ----------
    optimizer : str or type
        Optimizer name or class.
    lr : float or None
        Learning rate; None takes :data:`DEFAULT_LR` (1e-3 for classes).
    momentum : float
        Momentum, passed to SGD and RMSprop only.
    weight_decay : float
        L2 penalty (decoupled for AdamW).

    Returns
    -------
    dict
        ``{"lr": ..., "optimizer__weight_decay": ..., ...}``; optimizers that
        accept ``foreach`` get ``foreach=True``.
    """
    cls = optimizer_class(optimizer)
    if lr is None:
        lr = default_lr(optimizer)
    # Always passed: AdamW's own default is 0.01, not the 0.0 asked for.
    kwargs: dict[str, float] = {"lr": lr, "optimizer__weight_decay": weight_decay}
    if issubclass(cls, _MOMENTUM_OPTIMIZERS):
        kwargs["optimizer__momentum"] = momentum
    if "foreach" in inspect.signature(cls).parameters:
        # Multi-tensor updates: torch only picks them by default on CUDA, but
        # they are faster on the CPU too.
        kwargs["optimizer__foreach"] = True
    return kwargs


class WarmupStableDecay:
    """The factor of the 'wsd' schedule at each optimizer step (for ``LambdaLR``).

    Warm-up, stable, decay: the rate rises linearly to ``lr`` over the first
    ``warmup_steps`` steps, stays there, and falls linearly to 0 over the last
    ``decay_fraction`` of each training call (a ``fit``, or a
    ``partial_fit(..., epochs=k)``): the call's plan starts with it
    (:meth:`begin_call`), and the next call starts back at ``lr``. So the
    early epochs do not depend on how many follow: a search can train a
    candidate for a few epochs, score it after a decay, and continue it for
    more. A callable object, so that ``LambdaLR`` saves its state (and a
    checkpoint resumes the call's plan).

    Parameters
    ----------
    warmup_steps : int
        Steps of the warm-up.
    decay_fraction : float
        Fraction of each call's steps that decays.
    """

    def __init__(self, warmup_steps: int, decay_fraction: float) -> None:
        self.warmup_steps = int(warmup_steps)
        self.decay_fraction = float(decay_fraction)
        self.call_start = 0
        self.call_steps = 0

    def begin_call(self, step: int, n_steps: int) -> None:
        """Plan a training call of ``n_steps`` steps from global ``step``."""
        self.call_start, self.call_steps = int(step), int(n_steps)

    def in_call(self, step: int) -> bool:
        """Whether ``step`` lies inside the planned call (a resumed run's)."""
        return self.call_start <= step < self.call_start + self.call_steps

    def __call__(self, step: int) -> float:
        factor = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps else 1.0
        decay = max(1, round(self.decay_fraction * self.call_steps))
        left = self.call_start + self.call_steps - step
        if self.call_steps and left <= decay:
            factor *= max(left, 0) / decay
        return factor


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Optimizer steps in one epoch over ``n_train`` samples.

    The training loader folds a trailing batch of a single sample into the
    previous batch, so that batch norm never sees a batch of one.

    Parameters
    ----------
    n_train : int
        Training samples per epoch.
    batch_size : int
        Samples per batch.

    Returns
    -------
    int
        The number of batches.
    """
    steps = math.ceil(n_train / batch_size)
    if steps > 1 and n_train % batch_size == 1:
        steps -= 1
    return steps


def make_lr_scheduler(
    name: str,
    *,
    lr: float,
    max_epochs: int,
    n_steps_per_epoch: int,
    step_size: int,
    gamma: float | None,
    patience: int,
    monitor: str,
) -> LRScheduler:
    """Build skorch's ``LRScheduler`` callback for a schedule name.

    Parameters
    ----------
    name : str
        One of :data:`LR_SCHEDULERS`.
    lr : float
        The base (for ``'onecycle'``: the peak) learning rate.
    max_epochs : int
        Planned number of epochs (cosine and one-cycle span them).
    n_steps_per_epoch : int
        Optimizer steps per epoch.
    step_size : int
        Epochs between decays for ``'step'``.
    gamma : float or None
        Decay factor for ``'step'``, ``'exponential'`` and ``'plateau'``; None
        uses :data:`DEFAULT_GAMMA`.
    patience : int
        Epochs without improvement before ``'plateau'`` decays.
    monitor : str
        History key that ``'plateau'`` watches (``'valid_loss'`` or
        ``'train_loss'``).

    Returns
    -------
    skorch.callbacks.LRScheduler
        The callback (a subclass whose schedule survives ``partial_fit``
        calls and checkpoints).
    """
    if gamma is None:
        gamma = DEFAULT_GAMMA.get(name, 0.1)
    sched = torch.optim.lr_scheduler
    total_steps = max_epochs * n_steps_per_epoch
    if name == "step":
        return LRScheduler(sched.StepLR, step_size=step_size, gamma=gamma)
    if name == "exponential":
        return LRScheduler(sched.ExponentialLR, gamma=gamma)
    if name == "cosine":
        return LRScheduler(
            sched.CosineAnnealingLR, T_max=total_steps, step_every="batch"
        )
    if name == "plateau":
        return LRScheduler(
            sched.ReduceLROnPlateau,
            monitor=monitor,
            factor=gamma,
            patience=patience,
        )
    if name == "wsd":
        callback = LRScheduler(
            sched.LambdaLR,
            lr_lambda=WarmupStableDecay(
                min(WSD_WARMUP_STEPS, n_steps_per_epoch), WSD_DECAY_FRACTION
            ),
            step_every="batch",
        )
        callback.steps_per_epoch_ = n_steps_per_epoch
        return callback
    if name == "onecycle":
        return LRScheduler(
            sched.OneCycleLR,
            max_lr=lr,
            total_steps=total_steps,
            step_every="batch",
        )
    raise ValueError(f"lr_scheduler must be one of {LR_SCHEDULERS}, got {name!r}.")
