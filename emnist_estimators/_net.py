"""The skorch ``NeuralNetClassifier`` that the estimators build in ``fit``."""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data

from ._precision import compute_context


class ImageNeuralNetClassifier(NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` with the additions the estimators need.

    - An L1 penalty on the weights (``l1``), added to the training loss only,
      so that the reported validation loss stays a plain cross-entropy.
    - Augmentation (``augmentation``): a callable applied to each training
      batch on the training device (e.g. random affine transforms).
    - Mixed precision (``precision='bfloat16'``): forward passes run under
      ``torch.autocast`` in bfloat16, weights and the loss stay float32.
    - Test-time augmentation (``test_time_views``): a callable returning fixed
      transformed copies of a batch; prediction averages the class
      probabilities over them. Validation during training does not use it.
    - Fixed-size inference batches: in evaluation mode a batch smaller than
      ``batch_size`` is padded with zeros to ``batch_size`` rows before the
      forward pass, and the padding is dropped from the output. Matrix kernels
      pick their algorithm by batch size, so without this the logits of a
      sample would change in the last bits with the size of the batch it was
      predicted in; with it, a sample gets the same prediction whether it is
      predicted alone, in a subset or in another order.

    Parameters
    ----------
    *args, **kwargs
        As for ``skorch.NeuralNetClassifier``.
    l1 : float, default=0.0
        Strength of the L1 penalty ``l1 * sum(|w|)`` over the weight matrices
        and kernels (tensors of two or more dimensions; biases and
        normalisation parameters are not penalised).
    augmentation : callable or None, default=None
        Maps every training batch of images to an augmented batch.
    precision : {'float32', 'bfloat16'}, default='float32'
        Compute precision of forward passes (resolved: not 'auto').
    test_time_views : callable or None, default=None
        Maps a batch of images to a list of views averaged at prediction time.
    """

    def __init__(
        self,
        *args,
        l1: float = 0.0,
        augmentation=None,
        precision: str = "float32",
        test_time_views=None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.l1 = l1
        self.augmentation = augmentation
        self.precision = precision
        self.test_time_views = test_time_views

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; records in ``interrupted_`` whether Ctrl-C stopped it.

        skorch's ``partial_fit`` catches ``KeyboardInterrupt`` and keeps the
        epochs done; callers learn about it from ``interrupted_``.
        """
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = True
            raise

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
        """Cross-entropy, plus the L1 penalty when training."""
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training and self.l1:
            penalty = sum(w.abs().sum() for w in self._penalised_weights())
            loss = loss + self.l1 * penalty
        return loss

    def train_step_single(self, batch, **fit_params):
        """Augment the batch (when asked), then skorch's training step."""
        if self.augmentation is not None:
            Xi, yi = unpack_data(batch)
            with torch.no_grad():
                batch = (self.augmentation(Xi), yi)
        return super().train_step_single(batch, **fit_params)

    def _pad_to_batch_size(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) >= self.batch_size:
            return x
        padding = x.new_zeros((self.batch_size - len(x), *x.shape[1:]))
        return torch.cat([x, padding])

    def infer(self, x, **fit_params):
        """Forward pass under the chosen precision.

        Evaluation batches are padded to ``batch_size`` rows (see the class
        description).
        """
        n_rows = len(x)
        if not self.module_.training:
            x = self._pad_to_batch_size(x)
        with compute_context(self.precision, self.device):
            out = super().infer(x, **fit_params)
        # float32 logits: numpy (skorch's scoring) has no bfloat16.
        return out[:n_rows].float()

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
