"""The five public classifiers: MLP, CNN, residual CNN, LSTM and CNN-LSTM."""

from __future__ import annotations

from numbers import Real
from typing import Any

from .base import (
    BaseImageClassifier,
    Interval,
    Ints,
    StrOptions,
    distinct_options,
    fill_docstring,
    layer_sizes,
)
from .modules import (
    ACTIVATIONS,
    CNN,
    CNNLSTM,
    INITS,
    LSTM_INITS,
    MLP,
    LSTMNet,
    ResNet,
)
from .modules.lstm import DROPOUT_PLACES

_ACTIVATION = [StrOptions(set(ACTIVATIONS))]
_DROPOUT = [Interval(Real, 0, 1, closed="left")]
_SIZES = [layer_sizes()]
_SIZES_OR_EMPTY = [layer_sizes(allow_empty=True)]
_INIT = [StrOptions(set(INITS))]


_DROPOUT_PLACES = [distinct_options(DROPOUT_PLACES)]


def _resnet_blocks(architecture: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``blocks`` per stage of ``widths`` (an int for all)."""
    widths, blocks = architecture["widths"], architecture["blocks"]
    if len(blocks) == 1:
        blocks = blocks * len(widths)
    if len(blocks) != len(widths):
        raise ValueError(
            "blocks must be an int or a tuple with one entry per stage "
            f"(len(widths)={len(widths)}), got blocks={tuple(blocks)!r}."
        )
    return {**architecture, "blocks": blocks}


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
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer. Off by default,
        as in scikit-learn's and Keras' plain perceptrons: it removes what
        the hidden units share across a batch, so a reweighted loss
        (``class_weight``) can move all predictions towards the up-weighted
        classes only through the output biases, too slowly on small data.
        The 'emnist' preset turns it on.
    dropout : float, default=0.2
        Dropout probability after each hidden layer, in [0, 1).
    init : {"torch", "kaiming"}, default="torch"
        Initialisation of the hidden layers: 'torch' keeps PyTorch's defaults
        (uniform in ``+-1/sqrt(fan_in)``); 'kaiming' draws He-normal weights
        scaled for the activation, with zero biases
        (:func:`~emnist_estimators.modules.kaiming_init`, which gives the
        measurements behind the default).
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

    module_class = MLP

    _architecture_constraints = {
        "hidden_layer_sizes": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
        "init": _INIT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(512, 256, 128),
        activation="relu",
        batch_norm=False,
        dropout=0.2,
        init="torch",
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        max_epochs=15,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        max_grad_norm=None,
        class_weight=None,
        augment=False,
        test_time_augmentation=False,
        average=None,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        n_threads=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        checkpoint=None,
        max_time=None,
    ):
        self._store_params(locals())


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
    init : {"torch", "kaiming"}, default="torch"
        Initialisation of the convolutions and hidden dense layers: 'torch'
        keeps PyTorch's defaults; 'kaiming' draws He-normal weights scaled
        for the activation, with zero biases
        (:func:`~emnist_estimators.modules.kaiming_init`, which gives the
        measurements behind the default).
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

    module_class = CNN

    _architecture_constraints = {
        "filters": _SIZES,
        "kernel_size": [Ints(1)],
        "pooling": [StrOptions({"max", "avg"})],
        "dense_units": _SIZES_OR_EMPTY,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
        "convs_per_block": [Ints(1)],
        "init": _INIT,
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
        init="torch",
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        max_epochs=15,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        max_grad_norm=None,
        class_weight=None,
        augment=False,
        test_time_augmentation=False,
        average=None,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        n_threads=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        checkpoint=None,
        max_time=None,
    ):
        self._store_params(locals())


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
    init : {"torch", "kaiming"}, default="torch"
        Initialisation: 'torch' keeps PyTorch's defaults; 'kaiming' draws
        He-normal weights for the convolutions
        (:func:`~emnist_estimators.modules.kaiming_init`, which gives the
        measurements) and gives the last batch norm of each block's residual
        branch a zero weight, so that every block starts as its shortcut.
        With 'kaiming' the default ResNet learns scikit-learn's
        ``check_classifiers_train`` problems within the default epochs (with
        'torch' it does not); on EMNIST 'torch' learned faster.
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

    module_class = ResNet
    _check_architecture = staticmethod(_resnet_blocks)

    _architecture_constraints = {
        "widths": _SIZES,
        "blocks": _SIZES,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
        "init": _INIT,
    }

    def __init__(
        self,
        widths=(32, 64, 128),
        blocks=2,
        activation="relu",
        batch_norm=True,
        dropout=0.2,
        init="torch",
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        max_epochs=10,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        max_grad_norm=None,
        class_weight=None,
        augment=False,
        test_time_augmentation=False,
        average=None,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        n_threads=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        checkpoint=None,
        max_time=None,
    ):
        self._store_params(locals())


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
        Dropout probability, in [0, 1), applied where ``dropout_places``
        says.
    dense_units : tuple of int, default=()
        Hidden dense layers of the head (may be empty).
    activation : str, default="relu"
        Activation of the dense hidden layers: 'relu', 'leaky_relu', 'elu',
        'gelu', 'selu', 'silu', 'sigmoid' or 'tanh'.
    batch_norm : bool, default=False
        Batch normalisation in the dense hidden layers.
    init : {"keras", "torch"}, default="keras"
        Initialisation of the weights. 'keras', in the Keras style: LSTM
        input weights Glorot-uniform, recurrent weights orthogonal (one
        orthogonal block per gate), biases zero but the forget gate's, which
        is 1 (of PyTorch's two bias vectors, ``b_ih`` holds it and ``b_hh``
        is zero); dense layers Glorot-uniform with zero biases. It learns far
        faster at the start than 'torch', PyTorch's own initialisation
        (uniform in ``+-1/sqrt(hidden_size)`` for every LSTM weight and bias),
        which earlier versions used: with the default parameters, 42.6 %
        against 17.3 % validation accuracy after one epoch on 10,000 EMNIST
        ByClass images (53.2 % against 37.2 % with the 'emnist' preset).
    dropout_places : str or tuple of str, default=("between", "output", "head")
        Where dropout applies: 'between' the stacked LSTM layers (on every
        time step), on the 'output' of the last LSTM layer (its final hidden
        state, which feeds the head), and after each hidden layer of the
        dense 'head' (which has none unless ``dense_units`` is set). An empty
        tuple switches dropout off. Earlier versions applied it at all three.
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

    module_class = LSTMNet

    _architecture_constraints = {
        "hidden_sizes": _SIZES,
        "bidirectional": ["boolean"],
        "dropout": _DROPOUT,
        "dense_units": _SIZES_OR_EMPTY,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "init": [StrOptions(set(LSTM_INITS))],
        "dropout_places": _DROPOUT_PLACES,
    }

    def __init__(
        self,
        hidden_sizes=(128, 128),
        bidirectional=False,
        dropout=0.2,
        dense_units=(),
        activation="relu",
        batch_norm=False,
        init="keras",
        dropout_places=("between", "output", "head"),
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        max_epochs=10,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        max_grad_norm=None,
        class_weight=None,
        augment=False,
        test_time_augmentation=False,
        average=None,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        n_threads=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        checkpoint=None,
        max_time=None,
    ):
        self._store_params(locals())


@fill_docstring
class CNNLSTMClassifier(BaseImageClassifier):
    """Convolutional-recurrent classifier: convolution blocks, then an LSTM.

    ``len(filters)`` convolution blocks (as in :class:`CNNClassifier`) turn
    the image into a smaller map of features; an LSTM then reads the map's
    rows top to bottom as a sequence (7 steps for a 28x28 image after two
    blocks), as :class:`LSTMClassifier` reads pixel rows, and its final
    hidden state goes through a dense head to the class scores. The hybrid
    that reference study 004 names as its future work.

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Output channels of each convolution block (at least one block).
    kernel_size : int, default=3
        Side of the square convolution kernels.
    pooling : {"max", "avg"}, default="max"
        Pooling after each block.
    convs_per_block : int, default=1
        Convolutions in each block before its pooling.
    hidden_sizes : tuple of int, default=(128,)
        Hidden units of each stacked LSTM layer (an int means one layer).
    bidirectional : bool, default=True
        Read the feature rows top-down and bottom-up.
    dense_units : tuple of int, default=()
        Hidden dense layers of the head (may be empty).
    activation : str, default="relu"
        Activation of the convolutions and dense hidden layers: 'relu',
        'leaky_relu', 'elu', 'gelu', 'selu', 'silu', 'sigmoid' or 'tanh'.
    batch_norm : bool, default=True
        Batch normalisation after each convolution and dense hidden layer.
    dropout : float, default=0.25
        Dropout after each convolution block, on the LSTM's final state and
        after each dense hidden layer, in [0, 1).
    init : {"keras", "torch"}, default="keras"
        Initialisation of the LSTM and dense layers: 'keras' as for
        :class:`LSTMClassifier`, 'torch' PyTorch's defaults.
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    CNNClassifier : The convolutions with a dense head.
    LSTMClassifier : The LSTM on the pixel rows.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from emnist_estimators import CNNLSTMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = CNNLSTMClassifier(filters=(8,), hidden_sizes=(16,), max_epochs=2,
    ...                         device="cpu")
    >>> clf.fit(X / 16.0, y).predict(X[:3] / 16.0).shape
    (3,)
    """

    module_class = CNNLSTM

    _architecture_constraints = {
        "filters": _SIZES,
        "kernel_size": [Ints(1)],
        "pooling": [StrOptions({"max", "avg"})],
        "convs_per_block": [Ints(1)],
        "hidden_sizes": _SIZES,
        "bidirectional": ["boolean"],
        "dense_units": _SIZES_OR_EMPTY,
        "activation": _ACTIVATION,
        "batch_norm": ["boolean"],
        "dropout": _DROPOUT,
        "init": [StrOptions(set(LSTM_INITS))],
    }

    def __init__(
        self,
        filters=(32, 64),
        kernel_size=3,
        pooling="max",
        convs_per_block=1,
        hidden_sizes=(128,),
        bidirectional=True,
        dense_units=(),
        activation="relu",
        batch_norm=True,
        dropout=0.25,
        init="keras",
        *,
        optimizer="adam",
        lr=None,
        momentum=0.9,
        weight_decay=0.0,
        l1=0.0,
        batch_size=32,
        max_epochs=15,
        lr_scheduler=None,
        lr_step_size=5,
        lr_gamma=None,
        lr_patience=2,
        label_smoothing=0.0,
        max_grad_norm=None,
        class_weight=None,
        augment=False,
        test_time_augmentation=False,
        average=None,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=5,
        tol=1e-4,
        image_shape=None,
        random_state=None,
        device="auto",
        precision="float32",
        n_threads=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        checkpoint=None,
        max_time=None,
    ):
        self._store_params(locals())


def __getattr__(name: str):
    if name == "ESTIMATORS":  # kept for scripts written against 0.x
        from .models import get_model, list_models

        return {model: get_model(model).estimator for model in list_models()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
