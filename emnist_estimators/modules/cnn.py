"""Convolutional network: convolution blocks, then a dense head."""

from __future__ import annotations

import torch
from torch import nn

from ._init import INITS, check_init, kaiming_init
from ._layers import batch_norm_2d, dense_stack, make_activation


def _pool_size(height: int, width: int) -> tuple[int, int]:
    """2x2 pooling, but never pool a dimension that is already 1 pixel wide."""
    return (2 if height >= 2 else 1, 2 if width >= 2 else 1)


def conv_blocks(
    image_shape: tuple[int, int, int],
    filters: tuple[int, ...],
    *,
    kernel_size: int,
    pooling: str,
    activation: str,
    batch_norm: bool,
    dropout: float,
    convs_per_block: int,
) -> tuple[nn.Sequential, tuple[int, int, int]]:
    """Convolution blocks: (Conv, [BatchNorm], activation) x n, pooling, dropout.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input.
    filters : tuple of int
        Output channels of each block.
    kernel_size, pooling, activation, batch_norm, dropout, convs_per_block
        As for :class:`CNN`.

    Returns
    -------
    blocks : torch.nn.Sequential
        The layers.
    shape : tuple of int
        ``(channels, height, width)`` of their output.
    """
    pool_cls = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[pooling]
    channels, height, width = image_shape
    blocks: list[nn.Module] = []
    for n_filters in filters:
        for _ in range(convs_per_block):
            blocks += [
                nn.Conv2d(
                    channels,
                    n_filters,
                    kernel_size,
                    padding="same",
                    bias=not batch_norm,
                ),
                batch_norm_2d(n_filters, batch_norm),
                make_activation(activation),
            ]
            channels = n_filters
        pool = _pool_size(height, width)
        blocks.append(pool_cls(pool))
        height, width = height // pool[0], width // pool[1]
        if dropout > 0:
            blocks.append(nn.Dropout(dropout))
    return nn.Sequential(*blocks), (channels, height, width)


class CNN(nn.Module):
    """CNN with blocks of convolutions and pooling, then dense layers.

    Each block is ``convs_per_block`` times (Conv -> [BatchNorm] -> activation),
    then 2x2 pooling and dropout. Convolutions keep the spatial size
    (``padding="same"``); pooling halves it (a dimension of size 1 is left
    alone, so that any image shape works).

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images (any size: a side
        of 1 pixel is not pooled).
    n_classes : int
        Number of output logits.
    filters : tuple of int, default=(32, 64)
        Output channels of each block.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    pooling : {"max", "avg"}, default="max"
        Pooling after each block.
    dense_units : tuple of int, default=(128,)
        Hidden dense layers between the convolutions and the output layer.
    activation : str, default="relu"
        Activation after each convolution and dense layer.
    batch_norm : bool, default=True
        Batch normalisation after each convolution and dense layer.
    dropout : float, default=0.25
        Dropout after each block and each dense layer.
    convs_per_block : int, default=1
        Convolutions in each block before the pooling.
    init : {"torch", "kaiming"}, default="torch"
        Initialisation of the convolutions and hidden dense layers:
        'kaiming' (:func:`~emnist_estimators.modules.kaiming_init`),
        or 'torch', PyTorch's defaults. The output layer keeps PyTorch's.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        n_classes: int,
        filters: tuple[int, ...] = (32, 64),
        kernel_size: int = 3,
        pooling: str = "max",
        dense_units: tuple[int, ...] = (128,),
        activation: str = "relu",
        batch_norm: bool = True,
        dropout: float = 0.25,
        convs_per_block: int = 1,
        init: str = "torch",
    ) -> None:
        super().__init__()
        check_init(init, INITS)
        self.features, (channels, height, width) = conv_blocks(
            image_shape,
            filters,
            kernel_size=kernel_size,
            pooling=pooling,
            activation=activation,
            batch_norm=batch_norm,
            dropout=dropout,
            convs_per_block=convs_per_block,
        )
        self.flatten = nn.Flatten()
        self.head, head_width = dense_stack(
            channels * height * width, dense_units, activation, batch_norm, dropout
        )
        self.output = nn.Linear(head_width, n_classes)
        if init == "kaiming":
            kaiming_init(self.features, activation)
            kaiming_init(self.head, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        return self.output(self.head(self.flatten(self.features(x))))
