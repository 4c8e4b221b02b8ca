"""The model registry: one declaration per model, read by everything else.

A fifth model, declared here with a tiny network, shows up in the command
line, the search spaces, the presets' machinery and passes scikit-learn's
estimator checks, without touching any other file.
"""

import ast
from numbers import Real
from pathlib import Path

import pytest
import torch
from sklearn.model_selection import ParameterGrid
from sklearn.utils.estimator_checks import check_estimator
from torch import nn

import emnist_estimators
from emnist_estimators.base import (
    BaseImageClassifier,
    Interval,
    Ints,
    check_training_signature,
    fill_docstring,
)
from emnist_estimators.cli import build_parser
from emnist_estimators.models import (
    ModelSpec,
    get_model,
    list_models,
    register_model,
    unregister_model,
)
from emnist_estimators.search import make_search, param_distributions, param_grid

PACKAGE = Path(emnist_estimators.__file__).parent


class TinyNet(nn.Module):
    """Flatten, one hidden layer, logits."""

    def __init__(self, image_shape, n_classes, width=8, dropout=0.0):
        super().__init__()
        n_in = image_shape[0] * image_shape[1] * image_shape[2]
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(n_in, width),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(width, n_classes),
        )

    def forward(self, x):
        return self.layers(x)


@fill_docstring
class TinyClassifier(BaseImageClassifier):
    """A fifth model for the registry test.

    Parameters
    ----------
    width : int, default=8
        Hidden units.
    dropout : float, default=0.0
        Dropout after the hidden layer.
    %(training_parameters)s

    Attributes
    ----------
    %(attributes)s
    """

    module_class = TinyNet
    _architecture_constraints = {
        "width": [Ints(1)],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        width=8,
        dropout=0.0,
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


@pytest.fixture()
def tiny():
    spec = register_model(
        ModelSpec(
            name="tiny",
            estimator=TinyClassifier,
            summary="one hidden layer",
            architecture=("width", [4, 8, 16]),
            preset={"width": 16, "max_epochs": 3},
            benchmark_size=1000,
            smoke_params={"width": 16, "max_epochs": 30, "batch_size": 32},
        )
    )
    yield spec
    unregister_model("tiny")
    assert "tiny" not in list_models()


def test_the_five_models_are_declared():
    assert list_models() == ["mlp", "cnn", "resnet", "lstm", "cnn_lstm"]
    for name in list_models():
        spec = get_model(name)
        spec.check()  # names only parameters the estimator has
        assert spec.module is spec.estimator.module_class
        assert issubclass(spec.module, nn.Module)


def test_a_fifth_model_appears_everywhere(tiny, small_digits):
    assert list_models()[-1] == "tiny"
    tiny.check()
    check_training_signature(TinyClassifier)
    assert "label_smoothing : float, default=0.0" in TinyClassifier.__doc__
    # The command line offers it.
    args = build_parser().parse_args(["train", "--model", "tiny"])
    assert args.model == "tiny"
    args = build_parser().parse_args(["compare", "--models", "mlp,tiny"])
    assert args.models == ["mlp", "tiny"]
    # The search spaces cover it, and every candidate is valid.
    assert len(ParameterGrid(param_grid("tiny", "small"))) == 4
    assert len(ParameterGrid(param_grid("tiny", "medium"))) == 12
    assert "width" in param_distributions("tiny", "large")
    X, y = small_digits
    search = make_search(
        "tiny",
        "small",
        "grid",
        estimator=TinyClassifier(max_epochs=1, device="cpu", random_state=0),
        cv=3,
    ).fit(X, y)
    assert set(search.best_params_) == {"width", "dropout"}
    # Presets read it.
    from emnist_estimators.presets import make_estimator

    assert make_estimator("tiny").width == 16


def test_registered_names_are_checked():
    with pytest.raises(ValueError, match="already registered"):
        register_model(get_model("cnn"))
    with pytest.raises(ValueError, match="'name' parameter .* 'mlp', 'cnn'"):
        get_model("svm")
    with pytest.raises(ValueError, match="lower-case identifier"):
        ModelSpec("Big Model", TinyClassifier, "", ("width", [1]))


def test_a_subclass_without_a_network_cannot_be_used():
    class Forgetful(BaseImageClassifier):
        def __init__(self, max_epochs=1):
            self._store_params(locals())

    with pytest.raises(TypeError, match="abstract"):
        Forgetful()


def test_the_fifth_model_passes_the_estimator_checks(tiny):
    check_estimator(TinyClassifier(**tiny.smoke_params, device="cpu"))


def _code_strings(path: Path) -> list[str]:
    """String constants of a module's code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            body = node.body
            if body and isinstance(body[0], ast.Expr):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_each_model_name_is_written_once_in_the_package():
    """The grep of the issue: a model's name is a string in its declaration only."""
    where = {name: [] for name in list_models()}
    for path in sorted(PACKAGE.rglob("*.py")):
        for value in _code_strings(path):
            if value in where:
                where[value].append(path.relative_to(PACKAGE).as_posix())
    assert where == {name: ["models.py"] for name in list_models()}


def test_listing_models_imports_neither_torch_nor_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from emnist_estimators.models import list_models\n"
        "assert list_models()\n"
        "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_spec_modules_build_for_the_smoke_architecture():
    for name in list_models():
        spec = get_model(name)
        estimator = spec.estimator(**spec.smoke_params)
        module = estimator._build_module((1, 8, 8), 3)
        assert module(torch.rand(2, 1, 8, 8)).shape == (2, 3)
