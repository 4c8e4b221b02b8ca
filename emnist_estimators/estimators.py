"""The four public classifiers: MLP, CNN, residual CNN and LSTM."""

from __future__ import annotations

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseImageClassifier, fill_docstring
from ._validation import check_layer_sizes
from .modules import ACTIVATIONS, CNN, MLP, LSTMNet, ResNet

_ACTIVATION = [StrOptions(set(ACTIVATIONS))]
_DROPOUT = [Interval(Real, 0, 1, closed="left")]
_SIZES = [tuple, list, Interval(Integral, 1, None, closed="left")]


@fill_docstring
class MLPClassifier(BaseImageClassifier):
    """Multi-layer perceptron classifier on flattened images.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512, 256, 128)
        Width of each hidden layer (an int means one layer).
    activation : str, default="relu"
        Activation of the hidden layers: 'relu', 'leaky_relu', 'elu', 'gelu',
        'selu', 'silu', 'sigmoid' or 'tanh'.
    batch_norm : bool, default=True
        Batch normalisation after each hidden linear layer.
    dropout : float, default=0.2
        Dropout probability after each hidden layer, in [0, 1).
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    CNNClassifier : Convolutional network, more accurate on images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from emnist_estimators import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(max_epochs=3, random_state=0, device="cpu")
    >>> clf.fit(X / 16.0, y).predict(X[:3] / 16.0).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseImageClassifier._parameter_constraints,
        "hidden_layer_sizes": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(512, 256, 128),
        activation="relu",
        batch_norm=True,
        dropout=0.2,
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=128,
        max_epochs=15,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        augment=False,
        test_time_augmentation=False,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.batch_norm = batch_norm
        self.dropout = dropout
        super().__init__(
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            l1=l1,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_scheduler=lr_scheduler,
            lr_step_size=lr_step_size,
            lr_gamma=lr_gamma,
            lr_patience=lr_patience,
            label_smoothing=label_smoothing,
            augment=augment,
            test_time_augmentation=test_time_augmentation,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            image_shape=image_shape,
            random_state=random_state,
            device=device,
            precision=precision,
            verbose=verbose,
            callbacks=callbacks,
            warm_start=warm_start,
        )

    def _check_architecture_params(self) -> None:
        check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")

    def _build_module(self, image_shape, n_classes) -> torch.nn.Module:
        return MLP(
            image_shape,
            n_classes,
            hidden_layer_sizes=check_layer_sizes(
                self.hidden_layer_sizes, "hidden_layer_sizes"
            ),
            activation=self.activation,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
        )


@fill_docstring
class CNNClassifier(BaseImageClassifier):
    """Convolutional neural network classifier.

    ``len(filters)`` convolution blocks (each: ``convs_per_block`` times
    convolution, optional batch norm and activation; then 2x2 pooling and
    dropout), then dense layers and the output layer.

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Output channels of each convolution block (at least one block).
    kernel_size : int, default=3
        Side of the square convolution kernels.
    pooling : {"max", "avg"}, default="max"
        Pooling after each block.
    dense_units : tuple of int, default=(128,)
        Hidden dense layers between the convolutions and the output (may be
        empty).
    activation : str, default="relu"
        Activation: 'relu', 'leaky_relu', 'elu', 'gelu', 'selu', 'silu',
        'sigmoid' or 'tanh'.
    batch_norm : bool, default=True
        Batch normalisation after each convolution and dense layer.
    dropout : float, default=0.25
        Dropout after each block and each dense layer, in [0, 1).
    convs_per_block : int, default=1
        Convolutions in each block before its pooling.
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    ResNetClassifier : Deeper network with residual connections.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from emnist_estimators import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNClassifier(max_epochs=2, random_state=0, device="cpu")
    >>> clf.fit(X / 16.0, y).image_shape_
    (1, 8, 8)
    """

    _parameter_constraints: dict = {
        **BaseImageClassifier._parameter_constraints,
        "filters": _SIZES,
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"max", "avg"})],
        "dense_units": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
        "convs_per_block": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        filters=(32, 64),
        kernel_size=3,
        pooling="max",
        dense_units=(128,),
        activation="relu",
        batch_norm=True,
        dropout=0.25,
        convs_per_block=1,
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=128,
        max_epochs=10,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        augment=False,
        test_time_augmentation=False,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.pooling = pooling
        self.dense_units = dense_units
        self.activation = activation
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.convs_per_block = convs_per_block
        super().__init__(
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            l1=l1,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_scheduler=lr_scheduler,
            lr_step_size=lr_step_size,
            lr_gamma=lr_gamma,
            lr_patience=lr_patience,
            label_smoothing=label_smoothing,
            augment=augment,
            test_time_augmentation=test_time_augmentation,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            image_shape=image_shape,
            random_state=random_state,
            device=device,
            precision=precision,
            verbose=verbose,
            callbacks=callbacks,
            warm_start=warm_start,
        )

    def _check_architecture_params(self) -> None:
        check_layer_sizes(self.filters, "filters")
        check_layer_sizes(self.dense_units, "dense_units", allow_empty=True)

    def _build_module(self, image_shape, n_classes) -> torch.nn.Module:
        return CNN(
            image_shape,
            n_classes,
            filters=check_layer_sizes(self.filters, "filters"),
            kernel_size=self.kernel_size,
            pooling=self.pooling,
            dense_units=check_layer_sizes(
                self.dense_units, "dense_units", allow_empty=True
            ),
            activation=self.activation,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
            convs_per_block=self.convs_per_block,
        )


@fill_docstring
class ResNetClassifier(BaseImageClassifier):
    """Residual convolutional network classifier.

    A 3x3 stem convolution, then one stage of residual blocks per entry of
    ``widths``. Each block is two 3x3 convolutions plus a shortcut: the
    identity where the block keeps channels and resolution, a 1x1 convolution
    projection where the channel count or the stride changes (every stage
    after the first halves the resolution). Global average pooling, dropout
    and a linear layer give the class scores.

    Parameters
    ----------
    widths : tuple of int, default=(32, 64, 128)
        Channels of each stage.
    blocks : int or tuple of int, default=2
        Residual blocks per stage: one int for all stages, or one per stage.
    activation : str, default="relu"
        Activation: 'relu', 'leaky_relu', 'elu', 'gelu', 'selu', 'silu',
        'sigmoid' or 'tanh'.
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    dropout : float, default=0.2
        Dropout before the output layer, in [0, 1).
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    CNNClassifier : Plain convolutional network, faster to train.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from emnist_estimators import ResNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ResNetClassifier(widths=(8, 16), max_epochs=1, device="cpu")
    >>> clf.fit(X / 16.0, y).predict_proba(X[:2] / 16.0).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseImageClassifier._parameter_constraints,
        "widths": _SIZES,
        "blocks": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
    }

    def __init__(
        self,
        widths=(32, 64, 128),
        blocks=2,
        activation="relu",
        batch_norm=True,
        dropout=0.2,
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=128,
        max_epochs=10,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        augment=False,
        test_time_augmentation=False,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        self.widths = widths
        self.blocks = blocks
        self.activation = activation
        self.batch_norm = batch_norm
        self.dropout = dropout
        super().__init__(
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            l1=l1,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_scheduler=lr_scheduler,
            lr_step_size=lr_step_size,
            lr_gamma=lr_gamma,
            lr_patience=lr_patience,
            label_smoothing=label_smoothing,
            augment=augment,
            test_time_augmentation=test_time_augmentation,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            image_shape=image_shape,
            random_state=random_state,
            device=device,
            precision=precision,
            verbose=verbose,
            callbacks=callbacks,
            warm_start=warm_start,
        )

    def _stage_config(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        widths = check_layer_sizes(self.widths, "widths")
        blocks = check_layer_sizes(self.blocks, "blocks")
        if len(blocks) == 1:
            blocks = blocks * len(widths)
        if len(blocks) != len(widths):
            raise ValueError(
                "blocks must be an int or a tuple with one entry per stage "
                f"(len(widths)={len(widths)}), got blocks={tuple(blocks)!r}."
            )
        return widths, blocks

    def _check_architecture_params(self) -> None:
        self._stage_config()

    def _build_module(self, image_shape, n_classes) -> torch.nn.Module:
        widths, blocks = self._stage_config()
        return ResNet(
            image_shape,
            n_classes,
            widths=widths,
            blocks=blocks,
            activation=self.activation,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
        )


@fill_docstring
class LSTMClassifier(BaseImageClassifier):
    """LSTM classifier that reads each image as a sequence of pixel rows.

    A ``height x width`` image is ``height`` time steps of ``width`` features
    (28 steps of 28 pixels for EMNIST), read by stacked LSTM layers; the last
    layer's final hidden state goes through a dense head to the class scores.

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(128, 128)
        Hidden units of each stacked LSTM layer (an int means one layer).
    bidirectional : bool, default=False
        Read the rows top-down and bottom-up.
    dropout : float, default=0.2
        Dropout between the LSTM layers, after the last one and in the head,
        in [0, 1).
    dense_units : tuple of int, default=()
        Hidden dense layers of the head (may be empty).
    activation : str, default="relu"
        Activation of the dense hidden layers: 'relu', 'leaky_relu', 'elu',
        'gelu', 'selu', 'silu', 'sigmoid' or 'tanh'.
    batch_norm : bool, default=False
        Batch normalisation in the dense hidden layers.
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    CNNClassifier : Convolutional network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from emnist_estimators import LSTMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LSTMClassifier(hidden_sizes=(32,), max_epochs=2, device="cpu")
    >>> clf.fit(X.reshape(-1, 8, 8) / 16.0, y).n_features_in_
    64
    """

    _parameter_constraints: dict = {
        **BaseImageClassifier._parameter_constraints,
        "hidden_sizes": _SIZES,
        "bidirectional": ["boolean"],
        "dropout": _DROPOUT,
        "dense_units": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
    }

    def __init__(
        self,
        hidden_sizes=(128, 128),
        bidirectional=False,
        dropout=0.2,
        dense_units=(),
        activation="relu",
        batch_norm=False,
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=128,
        max_epochs=10,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        augment=False,
        test_time_augmentation=False,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        self.hidden_sizes = hidden_sizes
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.dense_units = dense_units
        self.activation = activation
        self.batch_norm = batch_norm
        super().__init__(
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            l1=l1,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_scheduler=lr_scheduler,
            lr_step_size=lr_step_size,
            lr_gamma=lr_gamma,
            lr_patience=lr_patience,
            label_smoothing=label_smoothing,
            augment=augment,
            test_time_augmentation=test_time_augmentation,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            image_shape=image_shape,
            random_state=random_state,
            device=device,
            precision=precision,
            verbose=verbose,
            callbacks=callbacks,
            warm_start=warm_start,
        )

    def _check_architecture_params(self) -> None:
        check_layer_sizes(self.hidden_sizes, "hidden_sizes")
        check_layer_sizes(self.dense_units, "dense_units", allow_empty=True)

    def _build_module(self, image_shape, n_classes) -> torch.nn.Module:
        return LSTMNet(
            image_shape,
            n_classes,
            hidden_sizes=check_layer_sizes(self.hidden_sizes, "hidden_sizes"),
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            dense_units=check_layer_sizes(
                self.dense_units, "dense_units", allow_empty=True
            ),
            activation=self.activation,
            batch_norm=self.batch_norm,
        )


#: The classifiers by short name (as used by the search presets and the CLI).
ESTIMATORS: dict[str, type[BaseImageClassifier]] = {
    "mlp": MLPClassifier,
    "cnn": CNNClassifier,
    "resnet": ResNetClassifier,
    "lstm": LSTMClassifier,
}
