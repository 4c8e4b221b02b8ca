"""Documented settings for EMNIST-sized problems, one preset per model.

The estimators' defaults are modest (they also have to work on a few hundred
samples of any shape); the ``'emnist'`` presets are settings for 28x28
character images and tens of thousands of training images or more, chosen on
a validation split of the training part of the EMNIST ByClass stand-in (the
test part was not used; see ``benchmarks/``): wider networks, AdamW with a
one-cycle schedule and label smoothing. Random affine augmentation helped the
MLP a little and cost the CNN about 0.9 points of validation accuracy, so only
the MLP preset uses it. The LSTM and ResNet presets are sized so that an epoch
of 93,000 images takes about a minute on two CPU cores.

Examples
--------
>>> from emnist_estimators.presets import PRESETS, make_estimator
>>> cnn = make_estimator("cnn", max_epochs=3)  # the preset, with 3 epochs
>>> cnn.get_params()["lr_scheduler"]
'onecycle'
"""

from __future__ import annotations

from typing import Any

from .estimators import ESTIMATORS

#: The training recipe every 'emnist' preset shares.
_ADAMW_ONE_CYCLE: dict[str, Any] = {
    "optimizer": "adamw",
    "weight_decay": 1e-4,
    "lr_scheduler": "onecycle",
    "label_smoothing": 0.1,
    # bfloat16 where the hardware computes it natively, else float32.
    "precision": "auto",
}

#: Settings of each model's 'emnist' preset.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "emnist": {
        "mlp": {
            "hidden_layer_sizes": (1024, 512, 256),
            "dropout": 0.3,
            **_ADAMW_ONE_CYCLE,
            "lr": 2e-3,
            "augment": True,
            "max_epochs": 20,
        },
        "cnn": {
            "filters": (32, 64, 128),
            "convs_per_block": 2,
            "dense_units": (256,),
            "dropout": 0.25,
            **_ADAMW_ONE_CYCLE,
            "lr": 3e-3,
            "augment": False,
            "max_epochs": 15,
        },
        "resnet": {
            "widths": (32, 64, 128),
            "blocks": 1,
            "dropout": 0.2,
            **_ADAMW_ONE_CYCLE,
            "lr": 3e-3,
            "augment": False,
            "max_epochs": 15,
        },
        "lstm": {
            "hidden_sizes": (128, 128),
            "bidirectional": True,
            "dropout": 0.25,
            **_ADAMW_ONE_CYCLE,
            "lr": 2e-3,
            "augment": False,
            "max_epochs": 15,
        },
    },
}


def preset_params(model: str, preset: str = "emnist") -> dict[str, Any]:
    """The parameters of a preset, as a new dict.

    Parameters
    ----------
    model : {'mlp', 'cnn', 'resnet', 'lstm'}
        The model.
    preset : str, default='emnist'
        A key of :data:`PRESETS`.

    Returns
    -------
    dict
        Estimator parameters.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}.")
    if model not in PRESETS[preset]:
        raise ValueError(
            f"model must be one of {sorted(PRESETS[preset])}, got {model!r}."
        )
    return dict(PRESETS[preset][model])


def make_estimator(model: str, preset: str | None = "emnist", **params):
    """An estimator with a preset's settings (``params`` override them).

    Parameters
    ----------
    model : {'mlp', 'cnn', 'resnet', 'lstm'}
        The model.
    preset : str or None, default='emnist'
        A key of :data:`PRESETS`, or None for the estimator's defaults.
    **params
        Further parameters, applied after the preset's.

    Returns
    -------
    estimator
        An unfitted classifier.
    """
    settings = {} if preset is None else preset_params(model, preset)
    if model not in ESTIMATORS:
        raise ValueError(f"model must be one of {sorted(ESTIMATORS)}, got {model!r}.")
    return ESTIMATORS[model](**{**settings, **params})
