"""Convolutional-recurrent network: convolutions, then an LSTM over feature rows."""

from __future__ import annotations

import torch
from torch import nn

from ._init import LSTM_INITS, check_init, keras_dense_init_all
from ._layers import dense_stack
from .cnn import conv_blocks
from .lstm import last_hidden_state, lstm_layers


class CNNLSTM(nn.Module):
    """Convolution blocks, then stacked LSTM layers reading the feature map's rows.

    The convolutional part is the :class:`~emnist_estimators.modules.CNN`'s
    (blocks of convolution, batch norm, activation, 2x2 pooling and
    dropout): a 28x28 image becomes, after two blocks, a 7x7 map of
    ``filters[-1]`` channels. Its rows are then a sequence, top to bottom, of
    ``channels * width`` features (7 steps of 7 x 64 for the defaults), read
    by the LSTM layers as :class:`~emnist_estimators.modules.LSTMNet` reads
    pixel rows; the last layer's final hidden state (both directions when
    ``bidirectional``) goes through dropout and a dense head to the logits.
    The convolutions see local strokes, the LSTM their order down the image
    (the CNN-LSTM hybrid that study 004 lists as future work, in the style of
    CRNN text recognisers).

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images.
    n_classes : int
        Number of output logits.
    filters : tuple of int, default=(32, 64)
        Output channels of each convolution block.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    pooling : {"max", "avg"}, default="max"
        Pooling after each block.
    convs_per_block : int, default=1
        Convolutions in each block before its pooling.
    hidden_sizes : tuple of int, default=(128,)
        Hidden units of each stacked LSTM layer.
    bidirectional : bool, default=True
        Read the feature rows top-down and bottom-up.
    dense_units : tuple of int, default=()
        Hidden dense layers of the head.
    activation : str, default="relu"
        Activation of the convolutions and the dense hidden layers.
    batch_norm : bool, default=True
        Batch normalisation after each convolution and dense hidden layer.
    dropout : float, default=0.25
        Dropout after each convolution block, on the LSTM's output and after
        each dense hidden layer.
    init : {"keras", "torch"}, default="keras"
        Initialisation of the LSTM and dense layers: 'keras' as in
        :class:`~emnist_estimators.modules.LSTMNet`; 'torch' PyTorch's
        defaults. The convolutions keep PyTorch's.
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        n_classes: int,
        filters: tuple[int, ...] = (32, 64),
        kernel_size: int = 3,
        pooling: str = "max",
        convs_per_block: int = 1,
        hidden_sizes: tuple[int, ...] = (128,),
        bidirectional: bool = True,
        dense_units: tuple[int, ...] = (),
        activation: str = "relu",
        batch_norm: bool = True,
        dropout: float = 0.25,
        init: str = "keras",
    ) -> None:
        super().__init__()
        check_init(init, LSTM_INITS)
        self.features, (channels, _, width) = conv_blocks(
            image_shape,
            filters,
            kernel_size=kernel_size,
            pooling=pooling,
            activation=activation,
            batch_norm=batch_norm,
            dropout=dropout,
            convs_per_block=convs_per_block,
        )
        self.lstms, output_size = lstm_layers(
            channels * width, hidden_sizes, bidirectional=bidirectional, init=init
        )
        self.between_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.output_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head, head_width = dense_stack(
            output_size, dense_units, activation, batch_norm, dropout
        )
        self.output = nn.Linear(head_width, n_classes)
        if init == "keras":
            keras_dense_init_all(self.head, self.output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        maps = self.features(x)
        n, channels, height, width = maps.shape
        rows = maps.permute(0, 2, 1, 3).reshape(n, height, channels * width)
        last = last_hidden_state(self.lstms, rows, self.between_dropout)
        return self.output(self.head(self.output_dropout(last)))
