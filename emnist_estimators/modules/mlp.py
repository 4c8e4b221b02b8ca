"""Multi-layer perceptron on flattened images."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._init import INITS, check_init, kaiming_init
from ._layers import dense_stack


class MLP(nn.Module):
    """Fully connected network: flatten -> hidden layers -> class logits.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images, flattened to
        ``channels * height * width`` inputs.
    n_classes : int
        Number of output logits.
    hidden_layer_sizes : tuple of int, default=(512, 256, 128)
        Width of each hidden layer.
    activation : str, default="relu"
        Activation after each hidden layer.
    batch_norm : bool, default=True
        Batch normalisation after each hidden linear layer.
    dropout : float, default=0.2
        Dropout probability after each hidden layer.
    init : {"torch", "kaiming"}, default="torch"
        Initialisation of the hidden layers: 'kaiming'
        (:func:`~emnist_estimators.modules.kaiming_init`), or
        'torch', PyTorch's defaults. The output layer keeps PyTorch's.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        n_classes: int,
        hidden_layer_sizes: tuple[int, ...] = (512, 256, 128),
        activation: str = "relu",
        batch_norm: bool = True,
        dropout: float = 0.2,
        init: str = "torch",
    ) -> None:
        super().__init__()
        check_init(init, INITS)
        self.flatten = nn.Flatten()
        self.hidden, width = dense_stack(
            math.prod(image_shape), hidden_layer_sizes, activation, batch_norm, dropout
        )
        self.output = nn.Linear(width, n_classes)
        if init == "kaiming":
            kaiming_init(self.hidden, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        return self.output(self.hidden(self.flatten(x)))
