"""Recurrent network that reads an image as a sequence of pixel rows."""

from __future__ import annotations

import torch
from torch import nn

from ._init import LSTM_INITS, check_init, keras_dense_init_all, keras_lstm_init
from ._layers import dense_stack

#: Where the LSTM network can apply its dropout.
DROPOUT_PLACES = ("between", "output", "head")


def lstm_layers(
    input_size: int,
    hidden_sizes: tuple[int, ...],
    *,
    bidirectional: bool,
    init: str,
) -> tuple[nn.ModuleList, int]:
    """Stacked ``batch_first`` LSTM layers, initialised as ``init`` says.

    Parameters
    ----------
    input_size : int
        Features per time step of the input sequence.
    hidden_sizes : tuple of int
        Hidden units of each layer.
    bidirectional : bool
        Whether each layer reads both directions.
    init : {"keras", "torch"}
        'keras': :func:`~emnist_estimators.modules.keras_lstm_init`.

    Returns
    -------
    layers : torch.nn.ModuleList
        The LSTM layers.
    output_size : int
        Features per time step of the last layer's output.
    """
    directions = 2 if bidirectional else 1
    layers = []
    for hidden_size in hidden_sizes:
        lstm = nn.LSTM(
            input_size,
            hidden_size,
            batch_first=True,
            bidirectional=bidirectional,
        )
        if init == "keras":
            keras_lstm_init(lstm)
        layers.append(lstm)
        input_size = hidden_size * directions
    return nn.ModuleList(layers), input_size


def last_hidden_state(
    lstms: nn.ModuleList, sequence: torch.Tensor, between
) -> torch.Tensor:
    """The last layer's final hidden state (both directions joined), ``(n, features)``.

    ``between`` is applied to the whole sequence between the layers.
    """
    for lstm in lstms[:-1]:
        sequence, _ = lstm(sequence)
        sequence = between(sequence)
    _, (h_n, _) = lstms[-1](sequence)
    # h_n: (directions, n, hidden); join the directions of the last layer.
    return h_n.transpose(0, 1).flatten(1)


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
        Dropout probability, applied at ``dropout_places``.
    dense_units : tuple of int, default=()
        Hidden dense layers before the output layer.
    activation : str, default="relu"
        Activation of the dense hidden layers.
    batch_norm : bool, default=False
        Batch normalisation in the dense hidden layers.
    init : {"keras", "torch"}, default="keras"
        Initialisation: 'keras' in the Keras style
        (:func:`~emnist_estimators.modules.keras_lstm_init`: Glorot-uniform
        input weights, orthogonal recurrent weights, forget-gate bias 1; the
        dense layers Glorot-uniform with zero biases,
        :func:`~emnist_estimators.modules.keras_dense_init`), 'torch'
        PyTorch's defaults (LSTM weights and biases uniform in
        ``+-1/sqrt(hidden)``, linear layers uniform in ``+-1/sqrt(fan_in)``).
    dropout_places : tuple of str, default=("between", "output", "head")
        Where dropout applies: 'between' the stacked LSTM layers (on the
        whole sequence), on the last LSTM layer's 'output' (the final hidden
        state that feeds the head), and after each hidden layer of the dense
        'head'. Empty: no dropout.
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
        init: str = "keras",
        dropout_places: tuple[str, ...] = DROPOUT_PLACES,
    ) -> None:
        super().__init__()
        check_init(init, LSTM_INITS)
        unknown = set(dropout_places) - set(DROPOUT_PLACES)
        if unknown:
            raise ValueError(
                f"dropout_places must name places among {DROPOUT_PLACES}, got "
                f"{sorted(unknown)}."
            )
        channels, _, width = image_shape
        self.lstms, input_size = lstm_layers(
            channels * width, hidden_sizes, bidirectional=bidirectional, init=init
        )

        def maybe_dropout(place: str) -> nn.Module:
            if dropout > 0 and place in dropout_places:
                return nn.Dropout(dropout)
            return nn.Identity()

        self.between_dropout = maybe_dropout("between")
        self.output_dropout = maybe_dropout("output")
        self.head, head_width = dense_stack(
            input_size,
            dense_units,
            activation,
            batch_norm,
            dropout if "head" in dropout_places else 0.0,
        )
        self.output = nn.Linear(head_width, n_classes)
        if init == "keras":
            keras_dense_init_all(self.head, self.output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of images ``(n, C, H, W)``."""
        n, channels, height, width = x.shape
        sequence = x.permute(0, 2, 1, 3).reshape(n, height, channels * width)
        last = last_hidden_state(self.lstms, sequence, self.between_dropout)
        return self.output(self.head(self.output_dropout(last)))
