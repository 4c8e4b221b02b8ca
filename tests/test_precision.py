"""precision='auto': bfloat16 only where the hardware computes it natively.

Both decisions are tested on any machine by standing in for what torch
reports; one test also runs a child process under the simulation switches
(``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``). CI runs this file a
second time with those switches set for the whole process.
"""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, small

from emnist_estimators import CNNClassifier, MLPClassifier, _machine
from emnist_estimators.environment import environment_info
from emnist_estimators.evaluation import evaluate

SIMULATE_AVX2 = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


@pytest.fixture(autouse=True)
def fresh_warning_state(monkeypatch):
    """Each test sees the once-per-process warning as not given yet."""
    monkeypatch.setattr(_machine, "_WARNED", set())


def fake_cpu(monkeypatch, *, bf16, amx=False, capability="AVX512", onednn=None):
    """Make torch report a CPU with the given bfloat16 support."""
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    if onednn is None:
        monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    else:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", onednn)


@pytest.mark.parametrize(
    ("cpu", "native"),
    [
        ({"bf16": True}, True),
        ({"bf16": False, "amx": True}, True),
        ({"bf16": False}, False),
        ({"bf16": True, "capability": "AVX2"}, False),
        ({"bf16": True, "capability": "DEFAULT"}, False),
        ({"bf16": True, "onednn": "AVX2"}, False),
        ({"bf16": True, "onednn": "avx512_core"}, False),
        ({"bf16": True, "onednn": "AVX512_CORE_BF16"}, True),
        ({"bf16": True, "amx": True, "onednn": "avx512_core_amx"}, True),
    ],
)
def test_native_bfloat16_decision(monkeypatch, cpu, native):
    fake_cpu(monkeypatch, **cpu)
    assert _machine.cpu_has_native_bfloat16() is native
    assert _machine.native_bfloat16(torch.device("cpu")) is native


def autocast_dtypes(clf, X):
    """The dtypes a Linear layer computes in during predict."""
    seen = []
    layer = next(
        m for m in clf.net_.module_.modules() if isinstance(m, torch.nn.Linear)
    )
    handle = layer.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    clf.predict(X[:4])
    handle.remove()
    return set(seen)


def test_auto_uses_bfloat16_where_native(monkeypatch, small_digits):
    fake_cpu(monkeypatch, bf16=True)
    X, y = small_digits
    clf = small(CNNClassifier, precision="auto").fit(X, y)
    assert clf.precision_ == "bfloat16"
    assert autocast_dtypes(clf, X) == {torch.bfloat16}


def test_auto_uses_float32_where_bfloat16_is_emulated(monkeypatch, small_digits):
    fake_cpu(monkeypatch, bf16=True, capability="AVX2", onednn="AVX2")
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'auto' never warns
        clf = small(CNNClassifier, precision="auto").fit(X, y)
    assert clf.precision_ == "float32"
    assert autocast_dtypes(clf, X) == {torch.float32}


def test_auto_matches_this_machine(small_digits):
    X, y = small_digits
    clf = small(MLPClassifier, precision="auto").fit(X, y)
    expected = "bfloat16" if _machine.cpu_has_native_bfloat16() else "float32"
    assert clf.precision_ == expected
    assert small(MLPClassifier).fit(X, y).precision_ == "float32"  # the default


def test_explicit_bfloat16_on_emulating_hardware_warns_once(monkeypatch, small_digits):
    fake_cpu(monkeypatch, bf16=False)
    X, y = small_digits
    X, y = X[:100], y[:100]  # emulated bfloat16 is slow: keep the fits tiny
    with pytest.warns(UserWarning, match="emulates bfloat16"):
        clf = small(MLPClassifier, precision="bfloat16", max_epochs=1).fit(X, y)
    assert clf.precision_ == "bfloat16"  # trains as asked
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small(MLPClassifier, precision="bfloat16", max_epochs=1).fit(X, y)


def test_explicit_bfloat16_on_native_hardware_does_not_warn(monkeypatch, small_digits):
    fake_cpu(monkeypatch, bf16=True)
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = small(MLPClassifier, precision="bfloat16", max_epochs=1).fit(X, y)
    assert clf.precision_ == "bfloat16"


def test_simulation_switches_turn_auto_to_float32(tmp_path):
    code = (
        "import json\n"
        "from sklearn.datasets import load_digits\n"
        "from emnist_estimators import MLPClassifier\n"
        "from emnist_estimators._machine import cpu_has_native_bfloat16\n"
        "X, y = load_digits(return_X_y=True)\n"
        "clf = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=1, device='cpu',\n"
        "                    precision='auto').fit(X[:100] / 16, y[:100])\n"
        "print(json.dumps([cpu_has_native_bfloat16(), clf.precision_]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **SIMULATE_AVX2},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    native, precision = json.loads(result.stdout.strip().splitlines()[-1])
    assert native is False
    assert precision == "float32"


def test_precision_used_is_in_the_evaluation_report(small_digits, monkeypatch):
    fake_cpu(monkeypatch, bf16=True)
    X, y = small_digits
    clf = small(MLPClassifier, precision="auto").fit(X, y)
    report = evaluate(clf, X, y)
    assert report.compute_precision == "bfloat16"
    assert report.device == "cpu"
    assert report.summary()["compute_precision"] == "bfloat16"


def test_environment_names_the_instruction_sets(monkeypatch):
    fake_cpu(monkeypatch, bf16=True, capability="AVX2", onednn="AVX2")
    info = environment_info("cpu")
    assert set(info["cpu_flags"]) == set(_machine.CPU_FLAGS)
    assert info["torch_cpu_capability"] == "AVX2"
    assert info["onednn_max_cpu_isa"] == "AVX2"
    assert info["cpu_native_bfloat16"] is False
    assert "bfloat16 emulated" in info["hardware"]
    assert "oneDNN capped at AVX2" in info["hardware"]


@pytest.mark.parametrize("cls", ALL)
def test_explicit_bfloat16_trains_every_model_here(cls, small_digits):
    """Native or emulated (as under `make test-avx2`), bfloat16 trains."""
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # emulated: slower
        clf = small(cls, precision="bfloat16", max_epochs=1).fit(X[:128], y[:128])
    assert clf.precision_ == "bfloat16"
    assert np.isfinite(clf.predict_proba(X[:8])).all()


def test_float16_trains_with_a_gradient_scaler_and_warns_on_the_cpu(small_digits):
    X, y = small_digits
    with pytest.warns(UserWarning, match="float16' is meant for CUDA"):
        est = small(CNNClassifier, precision="float16", max_epochs=2).fit(X, y)
    assert est.precision_ == "float16"
    scaler = est.net_.grad_scaler_
    assert scaler.get_scale() > 0 and scaler._growth_tracker is not None
    assert np.isfinite(est.history_[:, "train_loss"]).all()
    assert autocast_dtypes(est, X) == {torch.float16}
