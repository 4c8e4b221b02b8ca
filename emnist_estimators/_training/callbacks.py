"""skorch callbacks that make a training run resumable, bounded and averaged.

skorch's ``LRScheduler`` and ``EarlyStopping`` start afresh at every
``on_train_begin``; the two subclasses here keep their state across
``partial_fit`` calls and take a state restored from a checkpoint. The
others keep the best weights so far (for runs that are interrupted), stop a
run at its time budget, and average the weights (EMA or SWA).
"""

from __future__ import annotations

import math
import time

import torch
from skorch.callbacks import Callback, EarlyStopping, LRScheduler

from .._machine import compute_context


class TrainingStopped(KeyboardInterrupt):
    """Raised by a callback to end training at an epoch's end.

    skorch ends a run on ``KeyboardInterrupt`` (that is how its
    ``EarlyStopping`` stops) and still calls ``on_train_end``; subclassing it
    keeps that, and tells the net why it stopped.

    Parameters
    ----------
    status : str
        The resulting ``fit_status_``, e.g. 'time_limit'.
    """

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class PersistentLRScheduler(LRScheduler):
    """skorch's ``LRScheduler``, whose schedule survives ``partial_fit`` calls.

    The torch scheduler is created at the first ``on_train_begin`` only; a
    state saved with :meth:`state_dict` can be loaded before training
    (:meth:`load_pending`) and is applied when the scheduler is created. A
    per-call schedule (:class:`~emnist_estimators._training.optim.WarmupStableDecay`)
    is told each training call's length at its ``on_train_begin``, unless a
    resumed run is still inside the call it had planned.
    """

    pending_: dict | None = None

    #: Optimizer steps per epoch, for a per-call schedule ('wsd'); set by
    #: the builder (an attribute ending in ``_``: skorch passes the others to
    #: the torch scheduler).
    steps_per_epoch_: int | None = None

    def on_train_begin(self, net, **kwargs):
        if getattr(self, "lr_scheduler_", None) is None:
            self._create(net, **kwargs)
        self._plan_call(net)

    def _plan_call(self, net) -> None:
        """Give a per-call schedule ('wsd') this training call's steps."""
        factors = getattr(self.lr_scheduler_, "lr_lambdas", None) or []
        if not any(hasattr(factor, "begin_call") for factor in factors):
            return
        step = self.lr_scheduler_.last_epoch
        epochs = getattr(net, "planned_epochs_", None) or net.max_epochs
        groups = self.lr_scheduler_.optimizer.param_groups
        for group, base, factor in zip(
            groups, self.lr_scheduler_.base_lrs, factors, strict=False
        ):
            if hasattr(factor, "begin_call") and not factor.in_call(step):
                factor.begin_call(step, epochs * self.steps_per_epoch_)
                # The rate of the call's first step (the last one set was
                # the end of the previous call's decay), also as the
                # scheduler's last rate, which skorch records.
                group["lr"] = base * factor(step)
                self.lr_scheduler_._last_lr = [g["lr"] for g in groups]

    def _create(self, net, **kwargs) -> None:
        super().on_train_begin(net, **kwargs)
        if self.pending_ is not None:
            self.lr_scheduler_.load_state_dict(self.pending_["scheduler"])
            self.batch_idx_ = self.pending_["batch_idx"]
            # Creating a schedule rewrites the optimizer's learning rate (and,
            # for one-cycle, its momentum): put the saved values back.
            if self.pending_.get("optimizer") is not None:
                net.optimizer_.load_state_dict(self.pending_["optimizer"])
            self.pending_ = None

    def state_dict(self) -> dict | None:
        """The torch scheduler's state and the batch count, for checkpoints."""
        scheduler = getattr(self, "lr_scheduler_", None)
        if scheduler is None:
            return None
        return {"scheduler": scheduler.state_dict(), "batch_idx": self.batch_idx_}

    def load_pending(self, state: dict | None) -> None:
        """Apply ``state`` when the scheduler is created."""
        self.pending_ = state


class ResumableEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` (restoring the best weights), resumable.

    Its counters and the best weights so far can be saved and restored, so
    that a resumed run stops where the uninterrupted one would have.
    """

    pending_: dict | None = None

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        if self.pending_ is not None:
            self.misses_ = self.pending_["misses"]
            self.dynamic_threshold_ = self.pending_["threshold"]
            self.best_epoch_ = self.pending_["best_epoch"]
            self.best_model_weights_ = self.pending_["best_weights"]
            self.pending_ = None

    @property
    def stopped(self) -> bool:
        """Whether this callback ended the run."""
        return getattr(self, "misses_", 0) >= self.patience

    def state_dict(self) -> dict:
        """The counters and the best weights, for checkpoints."""
        return {
            "misses": self.misses_,
            "threshold": float(self.dynamic_threshold_),
            "best_epoch": int(self.best_epoch_),
            "best_weights": self.best_model_weights_,
        }

    def load_pending(self, state: dict | None) -> None:
        """Apply ``state`` at the next ``on_train_begin``."""
        self.pending_ = state


def _copy_state(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class BestWeights(Callback):
    """Keep the weights of the best epoch so far, for runs that stop early.

    With a validation split the best epoch is the one of the lowest
    ``valid_loss``; without, the last completed epoch. When the run ends
    interrupted (Ctrl-C) or at its time budget, the kept weights are loaded,
    so that the model never holds a half-trained epoch.
    """

    def initialize(self):
        self.best_loss_ = math.inf
        self.weights_: dict | None = None
        return self

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        loss = row.get("valid_loss")
        if loss is None or loss < self.best_loss_:
            self.best_loss_ = math.inf if loss is None else float(loss)
            self.weights_ = _copy_state(net.module_)

    def on_train_end(self, net, **kwargs):
        if getattr(net, "stop_status_", None) in ("interrupted", "time_limit"):
            if self.weights_ is not None:
                net.module_.load_state_dict(self.weights_)

    def state_dict(self) -> dict:
        """The best loss and weights, for checkpoints."""
        return {"best_loss": self.best_loss_, "weights": self.weights_}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.best_loss_ = float(state["best_loss"])
        self.weights_ = state["weights"]


class TimeBudget(Callback):
    """End training at the first epoch end after ``max_time`` seconds.

    Parameters
    ----------
    max_time : float
        Seconds, counted from ``start``.
    start : float
        A ``time.perf_counter()`` reading (the start of ``fit``).
    """

    def __init__(self, max_time: float, start: float) -> None:
        self.max_time = max_time
        self.start = start

    def on_epoch_end(self, net, **kwargs):
        if time.perf_counter() - self.start >= self.max_time:
            raise TrainingStopped("time_limit")


class WeightAveraging(Callback):
    """Average the weights during training, and use the average at the end.

    Parameters
    ----------
    kind : {'ema', 'swa'}
        'ema': an exponential moving average updated after every batch;
        'swa': the mean of the end-of-epoch weights of the last quarter of
        the planned epochs (at least one).
    max_epochs : int
        The planned epochs.
    decay : float, default=0.999
        The EMA decay per batch (reached after a warm-up: the decay of step
        ``t`` is ``min(decay, (1 + t) / (10 + t))``).

    Notes
    -----
    The averaged weights come with batch-norm statistics of their own,
    recomputed on the training data
    (``torch.optim.swa_utils.update_bn``) when training ends.
    """

    def __init__(self, kind: str, max_epochs: int, decay: float = 0.999) -> None:
        self.kind = kind
        self.max_epochs = max_epochs
        self.decay = decay

    def initialize(self):
        self.averaged_ = None
        self.pending_ = None
        return self

    def _averaged(self, net):
        if self.averaged_ is None:
            from torch.optim.swa_utils import AveragedModel

            kwargs = {}
            if self.kind == "ema":
                kwargs["avg_fn"] = self._ema
            self.averaged_ = AveragedModel(net.module_, **kwargs)
            if self.pending_ is not None:
                self.averaged_.load_state_dict(self.pending_)
                self.pending_ = None
        return self.averaged_

    def _ema(self, averaged, current, n_averaged):
        # The decay grows from 0.1 towards ``decay`` over the first steps (as
        # timm's ModelEmaV2 warm-up), so that short runs are not dominated by
        # the random initial weights.
        steps = float(n_averaged)
        decay = min(self.decay, (1.0 + steps) / (10.0 + steps))
        return averaged * decay + current * (1.0 - decay)

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training and self.kind == "ema":
            self._averaged(net).update_parameters(net.module_)

    def on_epoch_end(self, net, **kwargs):
        first_swa_epoch = self.max_epochs - max(1, self.max_epochs // 4) + 1
        if self.kind == "swa" and len(net.history) >= first_swa_epoch:
            self._averaged(net).update_parameters(net.module_)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        if self.averaged_ is None or int(self.averaged_.n_averaged) == 0:
            return
        net.module_.load_state_dict(self.averaged_.module.state_dict())
        if any(
            isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
            for m in net.module_.modules()
        ):
            _update_batch_norm(net, X, y)

    def state_dict(self) -> dict | None:
        """The averaged model's state, for checkpoints."""
        return None if self.averaged_ is None else self.averaged_.state_dict()

    def load_pending(self, state: dict | None) -> None:
        """Apply ``state`` when the averaged model is created."""
        self.pending_ = state
        if state is not None and self.averaged_ is not None:
            self.averaged_.load_state_dict(state)
            self.pending_ = None


def _update_batch_norm(net, X, y) -> None:
    """Recompute batch-norm statistics for the current weights on the data."""
    modules = [
        m
        for m in net.module_.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    momenta = {m: m.momentum for m in modules}
    for m in modules:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the pass
    was_training = net.module_.training
    net.module_.train()
    dataset = net.get_dataset(X, y)
    with torch.no_grad(), compute_context(net.precision, net.device):
        for Xi, _ in net.get_iterator(dataset, training=False):
            images = Xi["data"] if isinstance(Xi, dict) else Xi
            if len(images) > 1:  # batch norm cannot train on a batch of one
                net.module_(images)
    for m, momentum in momenta.items():
        m.momentum = momentum
    net.module_.train(was_training)
