"""Every constructor parameter of the public estimators is documented, in order."""

import inspect

import pytest
from _estimator_helpers import ALL

from emnist_estimators.preprocessing import ImageReshaper, PixelScaler

# numpydoc comes with the docs extra (pip install -e ".[dev]").
ClassDoc = pytest.importorskip("numpydoc.docscrape").ClassDoc


@pytest.mark.parametrize(
    "cls",
    [*ALL, PixelScaler, ImageReshaper],
    ids=lambda cls: cls.__name__,
)
def test_parameters_are_documented_in_signature_order(cls):
    documented = [p.name for p in ClassDoc(cls)["Parameters"]]
    assert documented == list(inspect.signature(cls).parameters)
    assert all(p.desc for p in ClassDoc(cls)["Parameters"])


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_fitted_attributes_are_documented(cls, small_digits):
    X, y = small_digits
    estimator = cls(max_epochs=1, device="cpu").fit(X, y)
    fitted = {k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")}
    documented = {a.name for a in ClassDoc(cls)["Attributes"]}
    assert fitted <= documented
