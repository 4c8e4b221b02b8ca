"""The skorch ``NeuralNetClassifier`` that the estimators build in ``fit``."""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier


class ImageNeuralNetClassifier(NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` with two additions.

    - An L1 penalty on the weights (``l1``), added to the training loss only,
      so that the reported validation loss stays a plain cross-entropy.
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
    """

    def __init__(self, *args, l1: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.l1 = l1

    def _penalised_weights(self) -> list[torch.Tensor]:
        return [p for p in self.module_.parameters() if p.requires_grad and p.ndim > 1]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Cross-entropy, plus the L1 penalty when training."""
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training and self.l1:
            penalty = sum(w.abs().sum() for w in self._penalised_weights())
            loss = loss + self.l1 * penalty
        return loss

    def infer(self, x, **fit_params):
        """Forward pass; evaluation batches are padded to ``batch_size`` rows."""
        n_rows = len(x)
        if self.module_.training or n_rows >= self.batch_size:
            return super().infer(x, **fit_params)
        padding = x.new_zeros((self.batch_size - n_rows, *x.shape[1:]))
        return super().infer(torch.cat([x, padding]), **fit_params)[:n_rows]
