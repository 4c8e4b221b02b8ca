"""Recurrent network that reads an image as a sequence of pixel rows."""

from __future__ import annotations

import torch
from torch import nn

from ._layers import dense_stack


class LSTMNet(nn.Module):
    """Stacked LSTM over pixel rows, then a dense head.

    A ``(channels, height, width)`` image is read as ``height`` time steps of
    ``channels * width`` features (28 steps of 28 pixels for EMNIST). The last
    layer's final hidden state (both directions when ``bidirectional``) feeds
    the dense head.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images: ``height`` time
        steps of ``channels * width`` features.
    n_classes : int
        Number of output logits.
    hidden_sizes : tuple of int, default=(128, 128)
        Hidden units of each stacked LSTM layer.
    bidirectional : bool, default=False
        Read the rows in both directions.
    dropout : float, default=0.2
        Dropout between LSTM layers, after the last one and in the head.
    dense_units : tuple of int, default=()
        Hidden dense layers before the output layer.
    activation : str, default="relu"
        Activation of the dense hidden layers.
    batch_norm : bool, default=False
        Batch normalisation in the dense hidden layers.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        n_classes: int,
        hidden_sizes: tuple[int, ...] = (128, 128),
        bidirectional: bool = False,
        dropout: float = 0.2,
        dense_units: tuple[int, ...] = (),
        activation: str = "relu",
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        channels, _, width = image_shape
        directions = 2 if bidirectional else 1
        layers = []
        input_size = channels * width
        for hidden_size in hidden_sizes:
            layers.append(
                nn.LSTM(
                    input_size,
                    hidden_size,
                    batch_first=True,
                    bidirectional=bidirectional,
                )
            )
            input_size = hidden_size * directions
        self.lstms = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head, head_width = dense_stack(
            input_size, dense_units, activation, batch_norm, dropout
        )
        self.output = nn.Linear(head_width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        n, channels, height, width = x.shape
        sequence = x.permute(0, 2, 1, 3).reshape(n, height, channels * width)
        for lstm in self.lstms[:-1]:
            sequence, _ = lstm(sequence)
            sequence = self.dropout(sequence)
        _, (h_n, _) = self.lstms[-1](sequence)
        # h_n: (directions, n, hidden); join the directions of the last layer.
        last = h_n.transpose(0, 1).reshape(n, -1)
        return self.output(self.head(self.dropout(last)))
