"""Documented settings for EMNIST-sized problems, one preset per model.

The estimators' defaults are modest (they also have to work on a few hundred
samples of any shape); the ``'emnist'`` presets are settings for 28x28
character images and tens of thousands of training images or more, chosen on
a validation split of the training part of the EMNIST ByClass stand-in (the
test part was not used; see ``benchmarks/``): wider networks, AdamW with a
one-cycle schedule and label smoothing. Random affine augmentation helped the
MLP a little and cost the CNN about 0.9 points of validation accuracy, so only
the MLP preset uses it. The LSTM preset also has a stronger weight decay
(0.05) and test-time augmentation, which together gained it 0.41 points of
validation accuracy and did not help the CNN or the ResNet. The LSTM and
ResNet presets are sized so that an epoch of 93,000 images takes about a
minute on two CPU cores. All presets use ``precision='auto'``. Each model
declares its preset in the registry (the ``preset`` of its
:class:`~emnist_estimators.models.ModelSpec`).

Examples
--------
>>> from emnist_estimators.presets import make_estimator
>>> cnn = make_estimator("cnn", max_epochs=3)  # the preset, with 3 epochs
>>> cnn.get_params()["lr_scheduler"]
'onecycle'
"""

from __future__ import annotations

from typing import Any

from ._validation import StrOptions, validate_params
from .models import get_model, list_models, model_name_constraint

#: The presets; each model declares its settings for each (the ``preset``
#: and ``fast_preset`` of its :class:`~emnist_estimators.models.ModelSpec`).
PRESET_NAMES = ("emnist", "fast")


def __getattr__(name: str):
    if name == "PRESETS":  # preset -> model -> parameters, read from the registry
        return {
            preset: {
                model: dict(get_model(model).presets[preset])
                for model in list_models()
                if preset in get_model(model).presets
            }
            for preset in PRESET_NAMES
        }
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@validate_params(
    {"model": [model_name_constraint()], "preset": [StrOptions(set(PRESET_NAMES))]},
    prefer_skip_nested_validation=True,
)
def preset_params(model: str, preset: str = "emnist") -> dict[str, Any]:
    """The parameters of a preset, as a new dict.

    Parameters
    ----------
    model : str
        A registered model (:func:`emnist_estimators.models.list_models`).
    preset : {'emnist', 'fast'}, default='emnist'
        A name from :data:`PRESET_NAMES`.

    Returns
    -------
    dict
        Estimator parameters.

    Raises
    ------
    ValueError
        If the model declares no such preset.
    """
    presets = get_model(model).presets
    if preset not in presets:
        raise ValueError(
            f"Model {model!r} has no {preset!r} preset; it has "
            f"{', '.join(map(repr, presets))}."
        )
    return dict(presets[preset])


@validate_params(
    {
        "model": [model_name_constraint()],
        "preset": [StrOptions(set(PRESET_NAMES)), None],
    },
    prefer_skip_nested_validation=True,
)
def make_estimator(model: str, preset: str | None = "emnist", **params):
    """An estimator with a preset's settings (``params`` override them).

    Parameters
    ----------
    model : str
        A registered model (:func:`emnist_estimators.models.list_models`).
    preset : {'emnist', 'fast'} or None, default='emnist'
        A name from :data:`PRESET_NAMES`, or None for the estimator's
        defaults. 'fast' is the speed-run recipe: within half a point of
        'emnist' in a quarter of its time, where measured (see the docs'
        *Benchmarks* page).
    **params
        Further parameters, applied after the preset's.

    Returns
    -------
    estimator
        An unfitted classifier.
    """
    settings = {} if preset is None else preset_params(model, preset)
    return get_model(model).estimator(**{**settings, **params})
