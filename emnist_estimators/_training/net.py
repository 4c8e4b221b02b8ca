"""The skorch ``NeuralNetClassifier`` that the estimators build in ``fit``."""

from __future__ import annotations

import math

import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from .._machine import compute_context
from .callbacks import TrainingStopped

#: The most rows of one forward pass when predicting: with a larger
#: ``batch_size`` (one that holds all the data, say), training still uses
#: batches of ``batch_size``, prediction batches of this many rows.
MAX_INFERENCE_BATCH = 4096


class NonFiniteLossError(ValueError):
    """The training loss became NaN or infinite."""


class ImageNeuralNetClassifier(NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` with the additions the estimators need.

    - An L1 penalty on the weights (``l1``), added to the training loss only,
      so that the reported validation loss stays a plain cross-entropy.
    - Gradient-norm clipping (``max_grad_norm``) after the backward pass,
      before the optimizer step (on the unscaled gradients in float16).
    - Augmentation (``augmentation``): a callable applied to each training
      batch on the training device (e.g. random affine transforms).
    - Mixed precision (``precision='bfloat16'`` or ``'float16'``): forward
      passes run under ``torch.autocast``, weights and the loss stay float32;
      float16 scales the loss with ``torch.amp.GradScaler``.
    - Test-time augmentation (``test_time_views``): a callable returning fixed
      transformed copies of a batch; prediction averages the class
      probabilities over them. Validation during training does not use it.
    - Fixed-size inference batches: in evaluation mode batches have
      ``inference_batch_size`` rows (``batch_size``, at most
      :data:`MAX_INFERENCE_BATCH`); a smaller one is padded with zeros to that
      size before the forward pass, and the padding is dropped from the
      output. Matrix kernels pick their algorithm by batch size, so without
      this the logits of a sample would change in the last bits with the size
      of the batch it was predicted in; with it, a sample gets the same
      prediction whether it is predicted alone, in a subset or in another
      order.

    Parameters
    ----------
    *args, **kwargs
        As for ``skorch.NeuralNetClassifier``.
    l1 : float, default=0.0
        Strength of the L1 penalty ``l1 * sum(|w|)`` over the weight matrices
        and kernels (tensors of two or more dimensions; biases and
        normalisation parameters are not penalised).
    max_grad_norm : float or None, default=None
        Largest global L2 norm of the gradients at each step (clipped with
        :func:`torch.nn.utils.clip_grad_norm_`); None does not clip.
    augmentation : callable or None, default=None
        Maps every training batch of images to an augmented batch.
    precision : {'float32', 'bfloat16', 'float16'}, default='float32'
        Compute precision of forward passes (resolved: not 'auto').
    test_time_views : callable or None, default=None
        Maps a batch of images to a list of views averaged at prediction time.
    """

    def __init__(
        self,
        *args,
        l1: float = 0.0,
        max_grad_norm: float | None = None,
        augmentation=None,
        precision: str = "float32",
        test_time_views=None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.l1 = l1
        self.max_grad_norm = max_grad_norm
        self.augmentation = augmentation
        self.precision = precision
        self.test_time_views = test_time_views

    def __setstate__(self, state):
        """skorch's unpickling, then the callbacks' links to the optimizer restored.

        skorch pickles the module and the optimizer on their own (to map them
        to another device), so after loading, a learning-rate schedule would
        hold a copy of the optimizer and change that one's rate: a pickled
        estimator that goes on with ``partial_fit`` would train at a frozen
        rate. The schedules are pointed at the net's optimizer again.
        """
        super().__setstate__(state)
        for _, callback in getattr(self, "callbacks_", None) or []:
            scheduler = getattr(callback, "lr_scheduler_", None)
            if scheduler is not None:
                scheduler.optimizer = self.optimizer_

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``; records the call's epochs first.

        Per-call schedules ('wsd') read ``planned_epochs_`` when skorch
        announces the call (``on_train_begin``, before the loop).
        """
        epochs = fit_params.get("epochs")
        self.planned_epochs_ = self.max_epochs if epochs is None else epochs
        return super().partial_fit(X, y, classes=classes, **fit_params)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; records in ``stop_status_`` why it ended.

        skorch's ``partial_fit`` catches ``KeyboardInterrupt`` (Ctrl-C, and
        how its ``EarlyStopping`` stops) and keeps the epochs done; the
        status says which: 'completed', 'early_stopped', 'interrupted' or
        'time_limit'.
        """
        self.stop_status_ = "completed"
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except TrainingStopped as stop:
            self.stop_status_ = stop.status
            self.interrupted_ = True
            raise
        except KeyboardInterrupt:
            stopper = dict(self.callbacks_).get("early_stopping")
            if stopper is not None and stopper.stopped:
                self.stop_status_ = "early_stopped"
            else:
                self.stop_status_ = "interrupted"
                self.interrupted_ = True
            raise

    def _hooked(self, method_name: str) -> list:
        """The callbacks that do something at ``method_name`` (cached).

        skorch calls every callback at every batch; most inherit the no-op of
        ``Callback`` for the batch hooks, and calling them costs more than a
        small network's step. The cache follows ``callbacks_``.
        """
        cache = self.__dict__.get("_hook_cache_")
        if cache is None or cache[0] is not self.callbacks_:
            cache = (self.callbacks_, {})
            self._hook_cache_ = cache
        hooked = cache[1].get(method_name)
        if hooked is None:
            base = getattr(Callback, method_name, None)
            hooked = [
                cb
                for _, cb in self.callbacks_
                if getattr(type(cb), method_name, None) is not base
            ]
            cache[1][method_name] = hooked
        return hooked

    def notify(self, method_name, **cb_kwargs):
        """skorch's ``notify``, calling only the callbacks that act then."""
        getattr(self, method_name)(self, **cb_kwargs)
        for callback in self._hooked(method_name):
            getattr(callback, method_name)(self, **cb_kwargs)

    def train_step(self, batch, **fit_params):
        """skorch's step; without ``on_grad_computed`` when no callback acts on it.

        skorch builds the hook's arguments (a generator over the parameters)
        at every step; when nothing listens, the step is the same without it.
        """
        if self._hooked("on_grad_computed"):
            return super().train_step(batch, **fit_params)
        accumulator = self.get_train_step_accumulator()

        def step_fn():
            self._zero_grad_optimizer()
            step = self.train_step_single(batch, **fit_params)
            accumulator.store_step(step)
            return step["loss"]

        self._step_optimizer(step_fn)
        return accumulator.get_step()

    def _set_training(self, training=True):
        """Switch train/eval mode, skipping the walk when nothing would change.

        skorch calls this before every batch; setting the mode recursively on
        every submodule each time costs more than the forward pass of a small
        network.
        """
        modules = [getattr(self, name + "_") for name in self._modules + self._criteria]
        if all(
            m.training == training for m in modules if isinstance(m, torch.nn.Module)
        ):
            return
        super()._set_training(training)

    def _penalised_weights(self) -> list[torch.Tensor]:
        return [p for p in self.module_.parameters() if p.requires_grad and p.ndim > 1]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Cross-entropy (weighted by the batch's sample weights), plus L1.

        With sample weights (``X`` a dict with ``'sample_weight'``) the loss
        is ``sum(w_i * l_i) / sum(w_i)``, as torch's class weights do.
        """
        if isinstance(X, dict) and "sample_weight" in X:
            weights = X["sample_weight"].to(y_pred.device)
            per_sample = self._per_sample_loss(y_pred, y_true.to(y_pred.device))
            loss = (per_sample * weights).sum() / weights.sum().clamp_min(1e-12)
        else:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training and self.l1:
            penalty = sum(w.abs().sum() for w in self._penalised_weights())
            loss = loss + self.l1 * penalty
        return loss

    def _per_sample_loss(self, y_pred, y_true) -> torch.Tensor:
        """The criterion's loss of each sample: its reduction switched off."""
        criterion = self.criterion_
        reduction, criterion.reduction = criterion.reduction, "none"
        try:
            return criterion(y_pred, y_true)
        finally:
            criterion.reduction = reduction

    def train_step_single(self, batch, **fit_params):
        """Augment the batch (when asked), then skorch's training step."""
        if self.augmentation is not None:
            Xi, yi = unpack_data(batch)
            with torch.no_grad():
                if isinstance(Xi, dict):
                    Xi = {**Xi, "data": self.augmentation(Xi["data"])}
                else:
                    Xi = self.augmentation(Xi)
            batch = (Xi, yi)
        # skorch's step; in float16 the loss is scaled by the gradient scaler.
        # Its finiteness is checked in on_batch_end, on the value skorch has
        # already copied to the host: checking it here would wait for the
        # forward pass to finish on a GPU before the backward pass is queued.
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler = self._grad_scaler()
        (loss if scaler is None else scaler.scale(loss)).backward()
        if self.max_grad_norm is not None:
            if scaler is not None:
                scaler.unscale_(self.optimizer_)
            torch.nn.utils.clip_grad_norm_(
                self.module_.parameters(), self.max_grad_norm
            )
        return {"loss": loss, "y_pred": y_pred}

    def _grad_scaler(self):
        """The gradient scaler of float16 training (None in other precisions)."""
        if self.precision != "float16":
            return None
        if getattr(self, "grad_scaler_", None) is None:
            self.grad_scaler_ = torch.amp.GradScaler(torch.device(self.device).type)
        return self.grad_scaler_

    def _step_optimizer(self, step_fn):
        """skorch's optimizer step; in float16 through the gradient scaler."""
        scaler = self._grad_scaler()
        if scaler is None:
            return super()._step_optimizer(step_fn)
        step_fn()
        for name in self._optimizers:
            scaler.step(getattr(self, name + "_"))
        scaler.update()
        return None

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Stop with a clear error when the training loss is NaN or infinite.

        Raises
        ------
        NonFiniteLossError
            When the batch's loss (as skorch recorded it) is not finite:
            training cannot recover, and the message names the epoch, the
            batch and the usual causes.
        """
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if training:
            loss = self.history[-1, "batches", -1, "train_loss"]
            if not math.isfinite(loss):
                self._raise_non_finite(loss)

    def _raise_non_finite(self, loss: float) -> None:
        epoch = len(self.history)
        batch = len(self.history[-1]["batches"]) if epoch else 0
        scale = getattr(self, "input_max_", None)
        hint = (
            f" X holds values up to {scale:.3g}: uint8 images are divided by 255, "
            "any other dtype is used as given, so scale X to [0, 1] first "
            "(e.g. with emnist_estimators.preprocessing.PixelScaler)."
            if scale is not None and scale > 50
            else ""
        )
        lr = self.optimizer_.param_groups[0]["lr"]
        raise NonFiniteLossError(
            f"The training loss became {loss} at epoch {epoch}, batch "
            f"{batch}; training cannot recover from that.{hint} If the input is "
            f"scaled, the learning rate may be too high (lr={lr:.3g} at that "
            "batch): try a lower lr or a schedule with warm-up."
        )

    @property
    def inference_batch_size(self) -> int:
        """Rows of each forward pass when predicting (at most 4096)."""
        return min(self.batch_size, MAX_INFERENCE_BATCH)

    def get_iterator(self, dataset, training=False):
        """skorch's iterators; prediction batches of ``inference_batch_size``."""
        if training:
            return super().get_iterator(dataset, training=True)
        kwargs = self.get_params_for("iterator_valid")
        kwargs.setdefault("batch_size", self.inference_batch_size)
        return self.iterator_valid(dataset, **kwargs)

    def _pad_to_batch_size(self, x: torch.Tensor) -> torch.Tensor:
        size = self.inference_batch_size
        if len(x) >= size:
            return x
        padding = x.new_zeros((size - len(x), *x.shape[1:]))
        return torch.cat([x, padding])

    def infer(self, x, **fit_params):
        """Forward pass under the chosen precision.

        Evaluation batches are padded to ``batch_size`` rows (see the class
        description). ``x`` may be a dict holding the images under
        ``'data'`` (and sample weights, which the loss reads).
        """
        if isinstance(x, dict):
            x = x["data"]
        n_rows = len(x)
        if not self.module_.training:
            x = self._pad_to_batch_size(x)
        with compute_context(self.precision, self.device):
            if isinstance(x, torch.Tensor):  # the loaders' batches: on the device
                out = self.module_(x, **fit_params)
            else:
                out = super().infer(x, **fit_params)
        # float32 logits: numpy (skorch's scoring) has no bfloat16.
        return (
            out
            if n_rows == len(out) and out.dtype == torch.float32
            else (out[:n_rows].float())
        )

    def evaluation_step(self, batch, training=False):
        """Prediction step; averages over the test-time views when set."""
        if self.test_time_views is None or training:
            return super().evaluation_step(batch, training=training)
        self.check_is_fitted()
        Xi, _ = unpack_data(batch)
        n_rows = len(Xi)
        with torch.no_grad():
            self._set_training(False)
            views = self.test_time_views(self._pad_to_batch_size(Xi))
            probabilities = torch.stack(
                [self.infer(view).softmax(dim=1) for view in views]
            ).mean(dim=0)[:n_rows]
        # Log-probabilities: the softmax that predict_proba applies gives back
        # the averaged probabilities.
        return probabilities.clamp_min(torch.finfo(torch.float32).tiny).log()
