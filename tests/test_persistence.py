"""The safe model format (safetensors + JSON), pickles, and ONNX export."""

import json
import pickle
import sys
import warnings

import joblib
import numpy as np
import pytest
from _estimator_helpers import ALL, small

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.persistence import (
    FORMAT_VERSION,
    export_onnx,
    load_metadata,
    load_model,
    save_model,
)


@pytest.fixture(scope="module")
def fitted(small_digits):
    X, y = small_digits
    labels = np.array(list("abcdefghij"))[y]  # string labels round-trip too
    return {cls: small(cls).fit(X, labels) for cls in ALL}


@pytest.mark.parametrize("cls", ALL)
def test_round_trip_predicts_the_same(cls, fitted, small_digits, tmp_path):
    X, _ = small_digits
    est = fitted[cls]
    path = save_model(est, tmp_path / "model", metadata={"dataset": "digits"})
    assert path.name == "model.safetensors"
    assert (tmp_path / "model.json").is_file()
    loaded = load_model(tmp_path / "model.json")
    assert type(loaded) is cls
    assert loaded.get_params() == {**est.get_params(), "callbacks": None}
    np.testing.assert_array_equal(loaded.classes_, est.classes_)
    np.testing.assert_allclose(loaded.predict_proba(X), est.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.image_shape_ == est.image_shape_
    assert loaded.precision_ == est.precision_ and loaded.fit_status_ == "completed"
    assert loaded.history_[:, "train_loss"] == est.history_[:, "train_loss"]
    assert load_metadata(path)["metadata"] == {"dataset": "digits"}


def test_the_description_names_what_made_the_model(fitted, tmp_path):
    save_model(fitted[MLPClassifier], tmp_path / "m")
    description = load_metadata(tmp_path / "m.safetensors")
    assert description["format_version"] == FORMAT_VERSION
    assert description["model"] == "mlp"
    for key in ("library_version", "torch_version", "precision", "image_shape"):
        assert description[key]
    assert description["classes"]["values"] == list("abcdefghij")


def test_saving_a_gpu_trained_model_loads_on_the_cpu(fitted, tmp_path):
    est = fitted[CNNClassifier]
    save_model(est, tmp_path / "gpu")
    description = json.loads((tmp_path / "gpu.json").read_text())
    description["params"]["device"] = "cuda:3"  # as saved on a GPU machine
    description["device"] = "cuda:3"
    (tmp_path / "gpu.json").write_text(json.dumps(description))
    import torch

    if torch.cuda.device_count() > 3:
        pytest.skip("this machine has a cuda:3")
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded = load_model(tmp_path / "gpu")
    assert loaded.device_ == "cpu" and loaded.device == "cuda:3"
    X = np.zeros((2, 64), dtype=np.uint8)
    np.testing.assert_allclose(loaded.predict_proba(X), est.predict_proba(X), atol=1e-6)


def test_the_safe_format_is_smaller_than_a_pickle(fitted, tmp_path):
    est = fitted[CNNClassifier]
    save_model(est, tmp_path / "safe")
    joblib.dump(est, tmp_path / "model.joblib")
    safe = sum((tmp_path / f).stat().st_size for f in ("safe.safetensors", "safe.json"))
    assert safe < (tmp_path / "model.joblib").stat().st_size


class _Payload:
    """Unpickling this writes a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_crafted_pickle_does_not_run_without_trust(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.joblib"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ValueError, match="runs whatever code it contains"):
        load_model(path)
    assert not marker.exists()


def test_a_trusted_pickle_loads(fitted, tmp_path):
    path = tmp_path / "model.pkl"
    joblib.dump(fitted[MLPClassifier], path)
    assert isinstance(load_model(path, trusted=True), MLPClassifier)
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(ValueError, match="holds a dict"):
        load_model(path, trusted=True)


def _edit(tmp_path, fitted, change):
    save_model(fitted[MLPClassifier], tmp_path / "m")
    description = json.loads((tmp_path / "m.json").read_text())
    change(description)
    (tmp_path / "m.json").write_text(json.dumps(description))
    return tmp_path / "m"


def test_a_crafted_description_cannot_import_code(fitted, tmp_path):
    def evil(d):
        d["params"]["optimizer"] = {"__optimizer__": "os:system"}

    with pytest.raises(ValueError, match="not a torch.optim optimizer"):
        load_model(_edit(tmp_path, fitted, evil))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format_version=FORMAT_VERSION + 1), "Upgrade"),
        (lambda d: d.update(format="something else"), "not an emnist-estimators"),
        (lambda d: d.update(weights_sha256="0" * 64), "checksum differs"),
        (lambda d: d.update(model="transformer"), "not registered here"),
        (lambda d: d["params"].update(colour=3), r"parameters \['colour'\]"),
        (lambda d: d.update(image_shape=[1, 9, 9]), "does not hold the 64 features"),
        (
            lambda d: d["params"].update(hidden_layer_sizes={"__tuple__": [33]}),
            "do not fit",
        ),
    ],
)
def test_damaged_or_foreign_descriptions_are_named(fitted, tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_model(_edit(tmp_path, fitted, change))


def test_damaged_files_name_the_file(fitted, tmp_path):
    path = save_model(fitted[MLPClassifier], tmp_path / "m")
    path.write_bytes(path.read_bytes()[:100])  # truncated weights
    with pytest.raises(ValueError, match=r"m\.safetensors"):
        load_model(path)
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"m\.json is not a model description"):
        load_model(path)
    with pytest.raises(FileNotFoundError, match="No model description"):
        load_model(tmp_path / "absent")
    (tmp_path / "m.safetensors").unlink()
    save_model(fitted[MLPClassifier], tmp_path / "n")
    (tmp_path / "n.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="No model weights"):
        load_model(tmp_path / "n")


def test_saving_needs_a_fitted_registered_model(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(MLPClassifier(), tmp_path / "m")


def test_writes_are_atomic_and_leave_no_temporary_files(fitted, tmp_path):
    save_model(fitted[MLPClassifier], tmp_path / "sub" / "m")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [
        "m.json",
        "m.safetensors",
    ]


@pytest.mark.parametrize("cls", ALL)
def test_onnx_export_matches_predict_proba(cls, fitted, small_digits, tmp_path):
    pytest.importorskip("onnxscript")  # torch's exporter needs it
    ort = pytest.importorskip("onnxruntime")
    X, _ = small_digits
    est = fitted[cls]
    path = export_onnx(est, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path))
    (proba,) = session.run(None, {"pixels": X[:50]})
    np.testing.assert_allclose(proba, est.predict_proba(X[:50]), atol=1e-5)
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"]) == est.classes_.tolist()


def test_onnx_export_with_test_time_views_and_float_input(small_digits, tmp_path):
    pytest.importorskip("onnxscript")  # torch's exporter needs it
    ort = pytest.importorskip("onnxruntime")
    X, y = small_digits
    X = X.astype(np.float32) / 255
    est = small(CNNClassifier, test_time_augmentation=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # export itself is quiet
        path = export_onnx(est, tmp_path / "tta.onnx", pixels="float32")
    (proba,) = ort.InferenceSession(str(path)).run(None, {"pixels": X[:30]})
    np.testing.assert_allclose(proba, est.predict_proba(X[:30]), atol=1e-5)


@pytest.mark.parametrize("package", ["onnx", "onnxscript"])
def test_onnx_export_names_a_missing_package(package, fitted, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, package, None)  # import fails as if absent
    with pytest.raises(
        ImportError, match=f"needs '{package}'.*emnist-estimators\\[onnx\\]"
    ):
        export_onnx(fitted[MLPClassifier], tmp_path / "model.onnx")
    assert not list(tmp_path.iterdir())
