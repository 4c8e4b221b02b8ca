"""ONNX export of a fitted estimator (behind ``persistence.export_onnx``)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import warnings
from pathlib import Path

import torch
from sklearn.utils.validation import check_is_fitted

from .._atomic import atomic_open
from .._version import __version__


class _Deployed(torch.nn.Module):
    """Pixels in, probabilities out: the estimator's prediction as one module."""

    def __init__(self, estimator) -> None:
        super().__init__()
        self.network = estimator.net_.module_
        self.image_shape = tuple(estimator.image_shape_)
        self.views = estimator.net_.test_time_views

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = pixels.to(torch.float32)
        if pixels.dtype == torch.uint8:
            x = x * (1.0 / 255.0)
        x = x.reshape(-1, *self.image_shape)
        if self.views is None:
            return self.network(x).softmax(dim=1)
        views = self.views(x)
        return torch.stack([self.network(v).softmax(dim=1) for v in views]).mean(0)


def export(estimator, path: Path, *, opset: int = 18, pixels: str = "uint8") -> Path:
    """Export ``estimator`` to ``path`` (see ``persistence.export_onnx``).

    Parameters
    ----------
    estimator : fitted classifier
        The model.
    path : pathlib.Path
        The ``.onnx`` file.
    opset : int, default=18
        The ONNX opset.
    pixels : {'uint8', 'float32'}, default='uint8'
        The graph's input type: uint8 pixels are divided by 255 in the graph
        (as ``predict_proba`` does for uint8 input); float32 is used as given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    # torch's exporter needs onnxscript as well as onnx.
    for package in ("onnx", "onnxscript"):
        try:
            importlib.import_module(package)
        except ImportError as exc:
            raise ImportError(
                f"export_onnx needs {package!r}, which is not installed: pip "
                "install 'emnist-estimators[onnx]' installs onnx, onnxscript and "
                "onnxruntime."
            ) from exc
    import onnx

    check_is_fitted(estimator)
    if pixels not in ("uint8", "float32"):
        raise ValueError(f"pixels must be 'uint8' or 'float32', got {pixels!r}.")
    module = _Deployed(estimator).to("cpu").eval()
    dtype = torch.uint8 if pixels == "uint8" else torch.float32
    example = torch.zeros((2, estimator.n_features_in_), dtype=dtype)
    batch = torch.export.Dim("batch", min=1)
    was_on = estimator.net_.module_.training
    estimator.net_.module_.to("cpu").eval()
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module,
                (example,),
                input_names=["pixels"],
                output_names=["probabilities"],
                dynamic_shapes=({0: batch},),
                opset_version=opset,
                dynamo=True,
                verbose=False,
            )
    finally:
        estimator.net_.module_.to(estimator.device_).train(was_on)
    proto = program.model_proto
    facts = {
        "classes": json.dumps(estimator.classes_.tolist()),
        "image_shape": json.dumps(list(estimator.image_shape_)),
        "pixels": pixels,
        "estimator": type(estimator).__name__,
        "library_version": __version__,
        "torch_version": torch.__version__,
    }
    for key, value in facts.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        f.write(proto.SerializeToString())
    return path
