"""The model registry: each model declared once, everything else reads it.

A declaration (:class:`ModelSpec`) names the model and holds its estimator
class (whose ``module_class`` is the PyTorch network), what its search spaces
vary, its ``'emnist'`` preset, its benchmark size and a tiny configuration
for smoke tests. The command line's choices, :mod:`emnist_estimators.search`,
:mod:`emnist_estimators.presets`, the benchmarks, the documentation's tables
and the test suite's parametrisation all read :func:`list_models` and
:func:`get_model`.

Adding a model is one file for its network in :mod:`emnist_estimators.modules`,
its estimator class, and one :func:`register_model` call.

Examples
--------
>>> from emnist_estimators.models import get_model, list_models
>>> list_models()
['mlp', 'cnn', 'resnet', 'lstm', 'cnn_lstm']
>>> get_model("cnn").estimator.__name__
'CNNClassifier'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._lazy import lazily_validated

__all__ = [
    "DEFAULT_MODEL",
    "ONE_CYCLE_RECIPE",
    "ModelSpec",
    "create_module",
    "get_model",
    "list_models",
    "model_name_constraint",
    "register_model",
    "unregister_model",
]


class ModelSpec:
    """The declaration of one model.

    Parameters
    ----------
    name : str
        The short name used by the command line, the search spaces, the
        presets and the benchmarks (a lower-case identifier).
    estimator : type or str
        The scikit-learn classifier (a subclass of ``BaseImageClassifier``),
        or its import path ``'package.module:ClassName'``, imported on first
        use (so that listing the models does not import torch).
    summary : str
        One line on the network, for tables in the documentation.
    architecture : tuple of (str, list)
        The architecture parameter that searches vary, and its values from
        small to large (the first two make the 'small' space, the first three
        the 'medium' one).
    search_options : dict, default=None
        Model-specific options that the 'medium' and 'large' spaces vary, in
        order of importance: option name -> values, or None for the shared
        values of :data:`emnist_estimators.search.SHARED_OPTIONS` (e.g.
        ``activation`` and ``batch_norm``, or ``bidirectional`` for the LSTM).
    preset : dict, default=None
        The settings of the ``'emnist'`` preset.
    fast_preset : dict, default=None
        The settings of the ``'fast'`` preset (the speed-run recipe), when the
        model has one.
    benchmark_size : int, default=20000
        Training images per contender in ``benchmarks/speed.py``, chosen so
        that each model is timed for a similar while.
    smoke_params : dict, default=None
        A tiny architecture that trains in well under a second (tests, quick
        modes).
    """

    def __init__(
        self,
        name: str,
        estimator: type | str,
        summary: str,
        architecture: tuple[str, list],
        search_options: Mapping[str, list | None] | None = None,
        preset: Mapping[str, Any] | None = None,
        fast_preset: Mapping[str, Any] | None = None,
        benchmark_size: int = 20000,
        smoke_params: Mapping[str, Any] | None = None,
    ) -> None:
        if not (isinstance(name, str) and name.isidentifier() and name.islower()):
            raise ValueError(
                f"A model name must be a lower-case identifier, got {name!r}."
            )
        if not isinstance(estimator, (type, str)):
            raise TypeError(
                f"estimator must be a class or an import path, got {estimator!r}."
            )
        self.name = name
        self._estimator = estimator
        self.summary = summary
        self.architecture = (architecture[0], list(architecture[1]))
        self.search_options = MappingProxyType(dict(search_options or {}))
        self.preset = MappingProxyType(dict(preset or {}))
        #: Preset name -> settings ('emnist', and 'fast' when declared).
        self.presets = MappingProxyType(
            {
                "emnist": self.preset,
                **(
                    {}
                    if fast_preset is None
                    else {"fast": MappingProxyType(dict(fast_preset))}
                ),
            }
        )
        self.benchmark_size = int(benchmark_size)
        self.smoke_params = MappingProxyType(dict(smoke_params or {}))

    def __repr__(self) -> str:
        return f"ModelSpec(name={self.name!r}, estimator={self.estimator.__name__})"

    @property
    def estimator(self) -> type:
        """The estimator class (imported on first use)."""
        if isinstance(self._estimator, str):
            module, _, attribute = self._estimator.partition(":")
            self._estimator = getattr(importlib.import_module(module), attribute)
        return self._estimator

    @property
    def module(self) -> type:
        """The PyTorch network class (the estimator's ``module_class``)."""
        return self.estimator.module_class

    def check(self) -> None:
        """Check that the declaration names only parameters the estimator has.

        Raises
        ------
        ValueError
            If the architecture, options, preset or smoke parameters name a
            parameter the estimator does not take.
        """
        params = set(self.estimator().get_params())
        named = {self.architecture[0], *self.search_options}
        for settings in self.presets.values():
            named |= set(settings)
        unknown = (named | set(self.smoke_params)) - params
        if unknown:
            raise ValueError(
                f"Model {self.name!r} names parameters that "
                f"{self.estimator.__name__} does not have: {sorted(unknown)}."
            )


_MODELS: dict[str, ModelSpec] = {}


@lazily_validated(lambda: {"spec": [ModelSpec], "replace": ["boolean"]})
def register_model(spec: ModelSpec, *, replace: bool = False) -> ModelSpec:
    """Add a model to the registry.

    Parameters
    ----------
    spec : ModelSpec
        The declaration.
    replace : bool, default=False
        Whether an existing model of the same name may be replaced.

    Returns
    -------
    ModelSpec
        ``spec``.

    Raises
    ------
    ValueError
        If a model of that name exists and ``replace`` is False.
    """
    if spec.name in _MODELS and not replace:
        raise ValueError(
            f"A model named {spec.name!r} is already registered; pass replace=True "
            "to replace it."
        )
    return _add(spec)


def _add(spec: ModelSpec) -> ModelSpec:
    _MODELS[spec.name] = spec
    return spec


def unregister_model(name: str) -> ModelSpec:
    """Remove a model from the registry (e.g. one registered by a test).

    Parameters
    ----------
    name : str
        The model to remove.

    Returns
    -------
    ModelSpec
        Its declaration, which :func:`register_model` can add again.
    """
    return _MODELS.pop(get_model(name).name)


def list_models() -> list[str]:
    """The names of the registered models, in the order they were declared.

    Returns
    -------
    list of str
        E.g. ``['mlp', 'cnn', 'resnet', 'lstm']``.
    """
    return list(_MODELS)


def _model_names() -> str:
    return "one of " + ", ".join(map(repr, list_models())) + " (the registered models)"


def model_name_constraint():
    """A parameter constraint: the name of a registered model.

    For ``validate_params`` and ``_parameter_constraints`` (it imports
    scikit-learn's validation machinery when called).

    Returns
    -------
    emnist_estimators.base.Predicate
        Accepts the names :func:`list_models` returns at the time of the check.
    """
    from ._validation import Predicate

    return Predicate(
        lambda value: isinstance(value, str) and value in _MODELS, _model_names
    )


def _model_name_constraint() -> dict:
    return {"name": [model_name_constraint()]}


@lazily_validated(_model_name_constraint)
def get_model(name: str) -> ModelSpec:
    """The declaration of a registered model.

    Parameters
    ----------
    name : str
        A name from :func:`list_models`.

    Returns
    -------
    ModelSpec
        Its declaration.
    """
    return _MODELS[name]


@lazily_validated(_model_name_constraint)
def create_module(name: str, **kwargs):
    """Build the network of a registered model by name.

    Parameters
    ----------
    name : str
        A name from :func:`list_models`.
    **kwargs
        Passed to the network's constructor (``image_shape``, ``n_classes``
        and its architecture parameters).

    Returns
    -------
    torch.nn.Module
        The new network.
    """
    return _MODELS[name].module(**kwargs)


#: The training recipe every ``'emnist'`` preset shares: AdamW with a one-cycle
#: schedule and label smoothing, batches of 128, in bfloat16 where the hardware
#: has it natively.
ONE_CYCLE_RECIPE: Mapping[str, Any] = MappingProxyType(
    {
        "optimizer": "adamw",
        "weight_decay": 1e-4,
        "lr_scheduler": "onecycle",
        "label_smoothing": 0.1,
        "batch_size": 128,
        "precision": "auto",
    }
)

#: The 'emnist' preset of each model (its ModelSpec holds it, and its 'fast'
#: preset starts from it).
_MLP_EMNIST: dict[str, Any] = {
    "hidden_layer_sizes": (1024, 512, 256),
    "batch_norm": True,
    "dropout": 0.3,
    **ONE_CYCLE_RECIPE,
    "lr": 2e-3,
    "augment": True,
    "max_epochs": 30,
}
_CNN_EMNIST: dict[str, Any] = {
    "filters": (32, 64, 128),
    "convs_per_block": 2,
    "dense_units": (256,),
    "dropout": 0.25,
    **ONE_CYCLE_RECIPE,
    "lr": 3e-3,
    "augment": False,
    "max_epochs": 25,
}
_RESNET_EMNIST: dict[str, Any] = {
    "widths": (32, 64, 128),
    "blocks": 1,
    "dropout": 0.2,
    **ONE_CYCLE_RECIPE,
    "lr": 3e-3,
    "augment": False,
    "max_epochs": 15,
}
_LSTM_EMNIST: dict[str, Any] = {
    "hidden_sizes": (128, 128),
    "bidirectional": True,
    "dropout": 0.25,
    **ONE_CYCLE_RECIPE,
    "lr": 2e-3,
    "weight_decay": 0.05,
    "max_grad_norm": 1.0,
    "augment": False,
    "test_time_augmentation": True,
    "max_epochs": 15,
}
_CNN_LSTM_EMNIST: dict[str, Any] = {
    "filters": (32, 64),
    "convs_per_block": 2,
    "hidden_sizes": (128,),
    "bidirectional": True,
    "dropout": 0.25,
    **ONE_CYCLE_RECIPE,
    "lr": 3e-3,
    "max_grad_norm": 1.0,
    "augment": False,
    "max_epochs": 15,
}

#: Options that the 'medium' and 'large' spaces vary for the feed-forward
#: models (their values are the shared ones of emnist_estimators.search).
_FEED_FORWARD_OPTIONS = {"activation": None, "batch_norm": None}
_ESTIMATORS = "emnist_estimators.estimators:"

_add(
    ModelSpec(
        name="mlp",
        estimator=_ESTIMATORS + "MLPClassifier",
        summary="fully connected layers on the flattened image",
        architecture=(
            "hidden_layer_sizes",
            [
                (50,),
                (256,),
                (784,),
                (256, 128),
                (512, 256),
                (784, 784),
                (512, 256, 128),
                (784, 512, 256),
            ],
        ),
        search_options=_FEED_FORWARD_OPTIONS,
        preset=_MLP_EMNIST,
        fast_preset={
            **_MLP_EMNIST,
            "batch_size": 256,
            "lr": 3e-3,
            "augment": False,
            "lr_scheduler": "wsd",
            "max_epochs": 10,
        },
        benchmark_size=90000,
        smoke_params={"hidden_layer_sizes": (32,)},
    )
)
_CNN = _add(
    ModelSpec(
        name="cnn",
        estimator=_ESTIMATORS + "CNNClassifier",
        summary="blocks of convolutions and pooling, then dense layers",
        architecture=(
            "filters",
            [(16, 32), (32, 64), (64, 128), (32, 64, 128), (64, 128, 256)],
        ),
        search_options=_FEED_FORWARD_OPTIONS,
        preset=_CNN_EMNIST,
        fast_preset={**_CNN_EMNIST, "max_epochs": 6},
        benchmark_size=20000,
        smoke_params={"filters": (4, 8), "dense_units": (16,)},
    )
)
_add(
    ModelSpec(
        name="resnet",
        estimator=_ESTIMATORS + "ResNetClassifier",
        summary="residual blocks (identity and 1x1-projection shortcuts)",
        architecture=("widths", [(16, 32, 64), (32, 64, 128), (64, 128, 256)]),
        search_options=_FEED_FORWARD_OPTIONS,
        preset=_RESNET_EMNIST,
        fast_preset={**_RESNET_EMNIST, "max_epochs": 4},
        benchmark_size=8000,
        smoke_params={"widths": (4, 8), "blocks": 1},
    )
)
_add(
    ModelSpec(
        name="lstm",
        estimator=_ESTIMATORS + "LSTMClassifier",
        summary="stacked LSTM reading the image row by row",
        architecture=("hidden_sizes", [(64,), (128,), (128, 128), (256, 256)]),
        # The LSTM's batch norm and activation are only in its (default
        # empty) dense head: search the direction instead.
        search_options={"bidirectional": None},
        preset=_LSTM_EMNIST,
        fast_preset={
            **_LSTM_EMNIST,
            "hidden_sizes": (128,),
            "lr_scheduler": "wsd",
            "max_epochs": 10,
        },
        benchmark_size=20000,
        smoke_params={"hidden_sizes": (32,)},
    )
)

_add(
    ModelSpec(
        name="cnn_lstm",
        estimator=_ESTIMATORS + "CNNLSTMClassifier",
        summary="convolution blocks, then an LSTM over the feature map's rows",
        architecture=("filters", [(16, 32), (32, 64), (64, 128), (32, 64, 128)]),
        search_options={"activation": None, "bidirectional": None, "batch_norm": None},
        preset=_CNN_LSTM_EMNIST,
        # The CNN's and the ResNet's 'fast' recipe (their 'emnist' one, a
        # quarter of the epochs) applied to this model: 86.35 % on validation
        # against the 'emnist' preset's 86.93 % (benchmarks/results/
        # lr-find-emnist-byclass-fast-cnn-cnn_lstm-resnet.md, tuned rate).
        fast_preset={**_CNN_LSTM_EMNIST, "max_epochs": 4},
        benchmark_size=20000,
        smoke_params={"filters": (4, 8), "hidden_sizes": (16,)},
    )
)

#: The model that ``train`` and ``search`` use when none is named.
DEFAULT_MODEL: str = _CNN.name
