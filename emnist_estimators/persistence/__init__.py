"""Saving and loading fitted models safely, and exporting them to ONNX.

The safe format is two files side by side: ``<name>.safetensors`` holds the
network's weights (`safetensors <https://huggingface.co/docs/safetensors>`_:
tensors only, nothing that can run), and ``<name>.json`` describes the
estimator: its registered model name and parameters, the classes, the image
shape, the precision and device it was trained with, how training ended,
the training history, the library and torch versions, a checksum of the
weights and any metadata of yours. :func:`load_model` rebuilds the estimator
from those: **loading never executes code from the files**. A model trained
on a GPU loads on a CPU.

``pickle``/``joblib`` keep working for scikit-learn users
(``pickle.dumps(estimator)``), but a pickle runs whatever code it holds when
loaded: :func:`load_model` reads one only with ``trusted=True``.

:func:`export_onnx` writes the fitted network with its preprocessing
(scaling, reshaping, softmax) as an ONNX graph for deployment.

Examples
--------
>>> from emnist_estimators import CNNClassifier
>>> from emnist_estimators.datasets import load_digits
>>> from emnist_estimators.persistence import load_model, save_model
>>> X, y = load_digits()
>>> clf = CNNClassifier(max_epochs=1, random_state=0, device="cpu").fit(X, y)
>>> path = save_model(clf, "models/digits-cnn")  # doctest: +SKIP
>>> same = load_model(path)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import json_default, remove_stale_temporaries, write_files
from .._version import __version__
from ._model_file import (
    check_fields,
    classes_field,
    decode,
    saved_params,
)

__all__ = [
    "FORMAT_VERSION",
    "SKLEARN_SEARCH_TYPES",
    "export_onnx",
    "load_metadata",
    "load_model",
    "save_model",
    "skops_trusted_types",
]

#: What the ``format`` field of a model description says.
FORMAT = "emnist-estimators-model"
#: The version of the format this library writes (and the newest it reads).
FORMAT_VERSION = 1
#: File suffixes of pickled models (read with ``trusted=True`` only).
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
_MODEL_SUFFIXES = (".safetensors", ".json")


# ----------------------------------------------------------------- paths
def _stem(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in _MODEL_SUFFIXES else path


def _files(path: str | Path) -> tuple[Path, Path]:
    """``(weights, description)`` of a model given by either file or their stem."""
    stem = _stem(path)
    return (
        stem.parent / (stem.name + ".safetensors"),
        stem.parent / (stem.name + ".json"),
    )


# ----------------------------------------------------------------- params
def _model_name(estimator) -> str:
    from ..models import get_model, list_models

    for name in list_models():
        if get_model(name).estimator is type(estimator):
            return name
    raise ValueError(
        f"{type(estimator).__name__} is not a registered model "
        "(emnist_estimators.models.register_model); only registered models can be "
        "saved in the safe format, since loading looks the class up by name."
    )


def save_model(estimator, path: str | Path, metadata: dict | None = None) -> Path:
    """Save a fitted estimator in the safe format (atomically).

    Parameters
    ----------
    estimator : fitted classifier
        One of the package's classifiers (a registered model).
    path : str or path-like
        ``<name>``, ``<name>.safetensors`` or ``<name>.json``: the weights go to
        ``<name>.safetensors`` and the description to ``<name>.json``; the
        folder is created.
    metadata : dict, optional
        JSON-serialisable facts to keep with the model, e.g. the dataset name
        and the class names (``emnist-estimators predict`` shows them).

    Returns
    -------
    pathlib.Path
        The ``.safetensors`` file.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If it is not a registered model, or a parameter cannot be saved.
    """
    import torch
    from safetensors.torch import save as save_tensors
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    weights_path, json_path = _files(path)
    weights = {
        k: v.detach().to("cpu").contiguous()
        for k, v in estimator.net_.module_.state_dict().items()
    }
    blob = save_tensors(weights)
    history = [
        {k: v for k, v in row.items() if k != "batches"}
        for row in estimator.net_.history.to_list()
    ]
    description = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "torch_version": torch.__version__,
        "model": _model_name(estimator),
        "estimator": type(estimator).__name__,
        "params": saved_params(estimator),
        "classes": classes_field(estimator.classes_),
        "n_features_in": int(estimator.n_features_in_),
        "feature_names_in": (
            estimator.feature_names_in_.tolist()
            if hasattr(estimator, "feature_names_in_")
            else None
        ),
        "image_shape": list(estimator.image_shape_),
        "precision": estimator.precision_,
        "device": estimator.device_,
        "fit_status": getattr(estimator, "fit_status_", "completed"),
        "n_iter": int(estimator.n_iter_),
        "fit_time": float(estimator.fit_time_),
        "n_parameters": int(estimator.n_parameters_),
        "history": history,
        "weights_file": weights_path.name,
        "weights_sha256": hashlib.sha256(blob).hexdigest(),
        "metadata": metadata or {},
    }
    text = json.dumps(description, indent=2, default=json_default) + "\n"
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(weights_path.parent)
    # Both files or neither: a failed save leaves the previous pair intact.
    write_files({weights_path: blob, json_path: text.encode("utf-8")})
    return weights_path


# ----------------------------------------------------------------- loading
def load_metadata(path: str | Path) -> dict[str, Any]:
    """The description of a model saved by :func:`save_model` (its JSON file).

    Parameters
    ----------
    path : str or path-like
        The model's ``.json`` or ``.safetensors`` file, or their stem.

    Returns
    -------
    dict
        The description: ``model``, ``params``, ``classes``, ``image_shape``,
        ``precision``, ``device``, ``fit_status``, ``history``, versions and
        your ``metadata``.

    Raises
    ------
    FileNotFoundError
        If the description file does not exist.
    ValueError
        If it is not a model description of a format this version reads.
    """
    if Path(path).is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; give a model's .safetensors or .json file, or "
            "their common stem (save_model writes <name>.safetensors and "
            "<name>.json)."
        )
    _, json_path = _files(path)
    if not json_path.is_file():
        raise FileNotFoundError(
            f"No model description at {json_path} (a model is saved as "
            "<name>.safetensors and <name>.json by save_model)."
        )
    try:
        description = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{json_path} is not a model description: {exc}.") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise ValueError(
            f"{json_path} is not an emnist-estimators model description (its "
            f"'format' field should be {FORMAT!r})."
        )
    version = description.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{json_path} has an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{json_path} was written by emnist-estimators "
            f"{description.get('library_version', '?')} in model format {version}; "
            f"this is emnist-estimators {__version__}, which reads formats up to "
            f"{FORMAT_VERSION}. Upgrade emnist-estimators to load it."
        )
    check_fields(description, json_path)
    return description


def _load_weights(weights_path: Path, description: dict) -> dict:
    from safetensors.torch import load as load_tensors

    if not weights_path.is_file():
        raise FileNotFoundError(f"No model weights at {weights_path}.")
    blob = weights_path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != description.get("weights_sha256"):
        raise ValueError(
            f"{weights_path} does not match its description {weights_path.stem}.json "
            "(checksum differs): the files come from different saves, or the "
            "weights are damaged."
        )
    try:
        return load_tensors(blob)
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(f"Cannot read {weights_path} as safetensors: {exc}") from None


def _load_pickle(path: Path, trusted: bool):
    if not trusted:
        raise ValueError(
            f"{path} is a pickle: loading it runs whatever code it contains. Pass "
            "trusted=True only for a file you made yourself or fully trust, or "
            "save models with save_model (weights and JSON, nothing that runs)."
        )
    import joblib

    from ..base import BaseImageClassifier

    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        estimator = joblib.load(path)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
        # A truncated, damaged or foreign file: joblib and pickle name neither.
        raise ValueError(
            f"{path} is not a readable pickle of a model ({type(exc).__name__}: "
            f"{exc or 'the file ends too soon'}); it is damaged or not a pickle."
        ) from None
    except (AttributeError, ImportError) as exc:
        raise ValueError(
            f"{path} holds objects this installation cannot rebuild "
            f"({type(exc).__name__}: {exc}); it was pickled with other versions "
            "or packages."
        ) from None
    if not isinstance(estimator, BaseImageClassifier):
        raise ValueError(
            f"{path} holds a {type(estimator).__name__}, not an emnist-estimators "
            "classifier."
        )
    return estimator


def load_model(path: str | Path, *, trusted: bool = False, device=None):
    """Load a model saved by :func:`save_model` (or, if trusted, a pickle).

    Parameters
    ----------
    path : str or path-like
        The model's ``.safetensors`` or ``.json`` file or their stem; or a
        ``.joblib`` / ``.pkl`` pickle (with ``trusted=True``).
    trusted : bool, default=False
        Allow reading a pickle, which runs the code it holds. The safe format
        never runs code and needs no trust.
    device : str or torch.device, optional
        Where to put the network ('cpu', 'cuda', ...). None uses the saved
        ``device`` parameter when this machine has that device, else the CPU
        (with a warning): a model trained on a GPU loads on a CPU.

    Returns
    -------
    estimator
        The fitted classifier, predicting as the saved one did. The
        optimizer's state is not saved: to continue a training run exactly,
        use checkpoints (``checkpoint=``, ``fit(..., resume=True)``).

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If a file is not what it should be (damaged, another format, a newer
        format version, weights that do not fit), if the model's name is not
        registered here, or for a pickle without ``trusted=True``.
    """
    path = Path(path)
    if path.suffix in PICKLE_SUFFIXES:
        return _load_pickle(path, trusted)
    if path.is_file() and path.suffix not in _MODEL_SUFFIXES:
        raise ValueError(
            f"{path} is not a model file: load_model reads <name>.safetensors "
            "with <name>.json (written by save_model), or a pickle (.joblib, .pkl, "
            ".pickle) with trusted=True."
        )
    weights_path, json_path = _files(path)
    description = load_metadata(path)
    state = _load_weights(weights_path, description)
    try:
        return _rebuild(description, state, device, source=weights_path)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        # InvalidParameterError (a TypeError and a ValueError) names the
        # parameter; others come from fields with impossible values.
        raise ValueError(
            f"{json_path} is not a valid model description: {type(exc).__name__}: {exc}"
        ) from None


def _rebuild(description: dict, state: dict, device, source: Path):
    from ..models import get_model, list_models

    name = description.get("model")
    if name not in list_models():
        raise ValueError(
            f"{source} holds a {name!r} model, which is not registered here "
            f"(registered: {', '.join(list_models())}); import the code that "
            "registers it before loading."
        )
    cls = get_model(name).estimator
    params = {k: decode(v) for k, v in description["params"].items()}
    unknown = set(params) - set(cls().get_params())
    if unknown:
        raise ValueError(
            f"{source} was saved with parameters {sorted(unknown)} that "
            f"{cls.__name__} of emnist-estimators {__version__} does not know "
            f"(saved by version {description.get('library_version', '?')}); "
            "upgrade emnist-estimators to load it."
        )
    estimator = cls(**params)
    estimator._validate_params()
    image_shape = tuple(description["image_shape"])
    if int(np.prod(image_shape)) != int(description["n_features_in"]):
        raise ValueError(
            f"{source}: the image shape {image_shape} does not hold the "
            f"{description['n_features_in']} features the model was fitted on."
        )
    try:
        return estimator._restore_fitted(
            weights=state,
            classes=np.asarray(
                description["classes"]["values"], dtype=description["classes"]["dtype"]
            ),
            image_shape=image_shape,
            n_features_in=int(description["n_features_in"]),
            feature_names_in=description.get("feature_names_in"),
            history=description.get("history", []),
            precision=description["precision"],
            device=device,
            fit_status=description.get("fit_status", "completed"),
            n_iter=description.get("n_iter"),
            fit_time=float(description.get("fit_time", 0.0)),
            n_parameters=int(description.get("n_parameters", 0)),
        )
    except RuntimeError as exc:
        raise ValueError(
            f"The weights in {source} do not fit a {cls.__name__} with the "
            f"saved parameters: {str(exc).splitlines()[0]}"
        ) from None


# ----------------------------------------------------------------- skops
#: The types a fitted scikit-learn search holds whatever it searches (with the
#: default ``scoring`` and an int ``cv``), which skops 0.16 does not trust by
#: default: its scorer and its splitter.
SKLEARN_SEARCH_TYPES = (
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.model_selection._split.KFold",
)


def skops_trusted_types(*, searches: bool = True) -> list[str]:
    """This library's classes, as ``skops.io.load(..., trusted=...)`` names them.

    The estimators and transformers of emnist-estimators save with
    `skops <https://skops.readthedocs.io>`_ as plain values (weights as
    numpy arrays): a file of one of them, or of a ``Pipeline`` or a search
    holding one, contains no other type that skops does not trust by
    default, so that loading it is one line::

        import skops.io
        from emnist_estimators.persistence import skops_trusted_types

        skops.io.dump(search, "search.skops")
        search = skops.io.load("search.skops", trusted=skops_trusted_types())

    MLflow's sklearn flavor saves in skops' format by default:
    ``mlflow.sklearn.log_model(clf, name="model",
    skops_trusted_types=skops_trusted_types())``.

    Parameters
    ----------
    searches : bool, default=True
        Also trust :data:`SKLEARN_SEARCH_TYPES`, the scorer and splitter that
        every fitted scikit-learn search holds (skops lists them for a search
        over scikit-learn's own estimators as well).

    Returns
    -------
    list of str
        ``'module.Class'`` of the registered models' estimators and of the
        transformers in :mod:`emnist_estimators.preprocessing`. A file that
        holds anything else (a skorch callback in ``callbacks``, a
        ``torch.optim`` class as ``optimizer``) still needs that type trusted
        explicitly (``skops.io.get_untrusted_types(file=...)`` lists them).
    """
    from ..models import get_model, list_models
    from ..preprocessing import ImageReshaper, PixelScaler

    classes = [get_model(name).estimator for name in list_models()]
    classes += [PixelScaler, ImageReshaper]
    names = [f"{cls.__module__}.{cls.__qualname__}" for cls in classes]
    return names + (list(SKLEARN_SEARCH_TYPES) if searches else [])


# ----------------------------------------------------------------- ONNX
def export_onnx(
    estimator, path: str | Path, *, pixels: str = "uint8", opset: int = 18
) -> Path:
    """Write the fitted network, with its preprocessing, as an ONNX graph.

    The graph takes ``pixels`` of shape ``(batch, n_features)`` (flat rows),
    scales and reshapes them as the estimator does, runs the network (and
    the test-time views when the estimator uses them) and returns
    ``probabilities`` of shape ``(batch, n_classes)``, equal to
    ``predict_proba`` of the same rows within float tolerance. The class
    labels (``classes``, JSON), the image shape and the versions are in the
    model's metadata.

    Parameters
    ----------
    estimator : fitted classifier
        The model.
    path : str or path-like
        The ``.onnx`` file to write (atomically).
    pixels : {'uint8', 'float32'}, default='uint8'
        The input type: uint8 pixels (0-255) are divided by 255 in the graph,
        as ``predict_proba`` does for uint8 input; float32 values are used as
        given, as ``predict_proba`` does for float input.
    opset : int, default=18
        The ONNX opset.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Needs the ``onnx`` extra: ``pip install "emnist-estimators[onnx]"``
    (onnx, onnxscript; onnxruntime to run the graph). The estimator's
    bfloat16 precision is not exported: the graph computes in float32.
    """
    from ._onnx import export

    return export(estimator, Path(path), opset=opset, pixels=pixels)
