"""Saving and loading fitted models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib

from ._atomic import atomic_open, write_json


def save_model(estimator, path: str | Path, metadata: dict | None = None) -> Path:
    """Save a fitted estimator with joblib (atomically), and its metadata as JSON.

    Parameters
    ----------
    estimator : fitted estimator
        The model.
    path : str or path-like
        The ``.joblib`` file; the metadata goes beside it with ``.json``.
    metadata : dict, optional
        E.g. the dataset name and class names, for ``predict`` to show
        characters.

    Returns
    -------
    pathlib.Path
        The model path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        joblib.dump(estimator, f)
    if metadata is not None:
        write_json(path.with_suffix(".json"), metadata)
    return path


def load_model(path: str | Path) -> tuple[Any, dict]:
    """Load a model saved by :func:`save_model`, with its metadata.

    Parameters
    ----------
    path : str or path-like
        The ``.joblib`` file.

    Returns
    -------
    estimator : object
        The fitted estimator.
    metadata : dict
        The metadata saved beside it (empty when there is none).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    estimator = joblib.load(path)
    meta_path = path.with_suffix(".json")
    metadata = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return estimator, metadata
