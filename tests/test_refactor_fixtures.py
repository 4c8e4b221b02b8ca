"""Seeded fits give the recorded models, and the recorded model files load.

The fixtures in ``tests/fixtures/seeded/`` were made by this file, run as a
script (``python tests/test_refactor_fixtures.py``), before the fit pipeline
moved into ``emnist_estimators/_training/``: one small seeded fit per model
(plus a ``partial_fit`` run), each exercising other parts of training
(schedules, augmentation, class weights, early stopping, weight averaging,
test-time augmentation, clipping, L1). Each fixture holds the fitted weights,
the predicted probabilities on held-out digits, and the model saved with
:func:`~emnist_estimators.persistence.save_model`.

Training on another CPU (another instruction set, other cache sizes that
change oneDNN's blocking) changes the weights in the last bits, so the
bit-identical comparison runs where the fixture's machine matches this one
(CPU model, torch's CPU capability, oneDNN cap, torch version: one fixture
set per capability, native and capped at AVX2, as ``make test-avx2`` runs).
Loading a recorded model file is exact on every machine.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from sklearn.datasets import load_digits

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
    ResNetClassifier,
)
from emnist_estimators.persistence import load_model, save_model

FIXTURES = Path(__file__).parent / "fixtures" / "seeded"

_COMMON = {"random_state": 0, "n_threads": 1, "device": "cpu", "max_epochs": 2}

#: name -> (class, parameters, how it is trained)
CASES = {
    "mlp": (
        MLPClassifier,
        {
            "hidden_layer_sizes": (32,),
            "lr_scheduler": "onecycle",
            "label_smoothing": 0.1,
            "augment": True,
            "batch_size": 32,
        },
        "fit",
    ),
    "mlp-partial": (
        MLPClassifier,
        {"hidden_layer_sizes": (24, 16), "batch_norm": True, "lr_scheduler": "cosine"},
        "partial_fit",
    ),
    "cnn": (
        CNNClassifier,
        {
            "filters": (4, 8),
            "dense_units": (16,),
            "optimizer": "adamw",
            "weight_decay": 1e-4,
            "class_weight": "balanced",
            "batch_size": 64,
        },
        "fit",
    ),
    "resnet": (
        ResNetClassifier,
        {
            "widths": (4, 8),
            "blocks": 1,
            "validation_fraction": 0.2,
            "early_stopping": True,
            "lr_scheduler": "step",
            "lr_step_size": 1,
            "average": "ema",
            "batch_size": 64,
        },
        "fit",
    ),
    "lstm": (
        LSTMClassifier,
        {
            "hidden_sizes": (16,),
            "test_time_augmentation": True,
            "max_grad_norm": 1.0,
            "l1": 1e-5,
            "optimizer": "sgd",
            "batch_size": 64,
        },
        "fit",
    ),
}


def _digits():
    data = load_digits()
    X = np.round(data.data * (255 / 16)).astype(np.uint8)
    return X[:400], data.target[:400], X[1500:1600]


def machine() -> dict[str, str]:
    """What decides the last bits of a CPU fit."""
    from emnist_estimators.environment import environment_info

    info = environment_info()
    return {
        "cpu": info["cpu"],
        "torch_cpu_capability": info["torch_cpu_capability"],
        "onednn_max_cpu_isa": str(info["onednn_max_cpu_isa"]),
        "torch": torch.__version__,
    }


def _folder(capability: str) -> Path:
    return FIXTURES / capability.lower()


def fit_case(name: str):
    """Fit the fixture's estimator as the fixture was made."""
    cls, params, how = CASES[name]
    X, y, _ = _digits()
    estimator = cls(**{**_COMMON, **params})
    if how == "partial_fit":
        for _ in range(2):
            estimator.partial_fit(X, y, classes=np.unique(y))
    else:
        estimator.fit(X, y)
    return estimator


def _weights(estimator) -> dict[str, torch.Tensor]:
    return {
        k: v.detach().clone().contiguous()
        for k, v in estimator.net_.module_.state_dict().items()
    }


def write_fixtures() -> Path:
    """Fit every case and write its fixture for this machine's capability."""
    info = machine()
    folder = _folder(info["torch_cpu_capability"])
    folder.mkdir(parents=True, exist_ok=True)
    _, _, X_test = _digits()
    for name in CASES:
        estimator = fit_case(name)
        save_file(_weights(estimator), str(folder / f"{name}-weights.safetensors"))
        np.save(folder / f"{name}-proba.npy", estimator.predict_proba(X_test))
        save_model(estimator, folder / f"{name}-model")
    (folder / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    return folder


def _fixture_folder() -> Path:
    folder = _folder(machine()["torch_cpu_capability"])
    if not (folder / "machine.json").is_file():
        pytest.skip(f"no fixtures recorded for this CPU capability ({folder.name})")
    return folder


def _same_machine(folder: Path) -> bool:
    return json.loads((folder / "machine.json").read_text()) == machine()


@pytest.mark.parametrize("name", list(CASES))
def test_seeded_fit_matches_the_recorded_fit(name):
    folder = _fixture_folder()
    if not _same_machine(folder):
        recorded_on = json.loads((folder / "machine.json").read_text())
        pytest.skip(
            f"the fixtures were made on {recorded_on}, this is {machine()}: "
            "weights agree only in the bits these kernels share"
        )
    estimator = fit_case(name)
    recorded = load_file(str(folder / f"{name}-weights.safetensors"))
    weights = _weights(estimator)
    assert weights.keys() == recorded.keys()
    for key in weights:
        assert torch.equal(weights[key], recorded[key]), key
    _, _, X_test = _digits()
    np.testing.assert_array_equal(
        estimator.predict_proba(X_test), np.load(folder / f"{name}-proba.npy")
    )


@pytest.mark.parametrize("name", list(CASES))
def test_recorded_model_file_loads_and_predicts_as_recorded(name):
    folder = _fixture_folder()
    loaded = load_model(folder / f"{name}-model")
    recorded = load_file(str(folder / f"{name}-weights.safetensors"))
    weights = _weights(loaded)
    assert weights.keys() == recorded.keys()
    for key in weights:
        assert torch.equal(weights[key], recorded[key]), key
    assert type(loaded) is CASES[name][0]
    _, _, X_test = _digits()
    proba = loaded.predict_proba(X_test)
    expected = np.load(folder / f"{name}-proba.npy")
    if _same_machine(folder):
        np.testing.assert_array_equal(proba, expected)
    else:
        np.testing.assert_allclose(proba, expected, rtol=1e-4, atol=1e-6)


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    print(f"wrote {write_fixtures()}")
