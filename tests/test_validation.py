"""The parts of scikit-learn's private validation module the package relies on.

``emnist_estimators._validation`` is the only module that imports
``sklearn.utils._param_validation``. If a scikit-learn release changes what
is used here, this file fails first and says what changed.
"""

from numbers import Integral

import pytest

from emnist_estimators import _validation as v


def test_the_names_used_exist():
    for name in (
        "HasMethods",
        "Hidden",
        "Interval",
        "InvalidParameterError",
        "Options",
        "StrOptions",
        "validate_params",
    ):
        assert hasattr(v, name), name


def test_invalid_parameter_error_is_both_value_and_type_error():
    assert issubclass(v.InvalidParameterError, ValueError)
    assert issubclass(v.InvalidParameterError, TypeError)


def test_validate_params_names_the_parameter_and_what_is_accepted():
    @v.validate_params(
        {
            "n": [v.Interval(Integral, 1, None, closed="left")],
            "sizes": [v.layer_sizes()],
        },
        prefer_skip_nested_validation=True,
    )
    def f(n, sizes=(1,)):
        return n

    assert f(3) == 3
    with pytest.raises(
        v.InvalidParameterError, match=r"The 'n' parameter of .*f must be an int"
    ):
        f(0)
    with pytest.raises(
        v.InvalidParameterError, match=r"'sizes' .* non-empty tuple of positive ints"
    ):
        f(1, sizes=(2, 0))


def test_predicates_are_accepted_as_constraints_and_normalise():
    sizes = v.layer_sizes()
    assert sizes.is_satisfied_by(3) and sizes.is_satisfied_by([4, 5])
    assert not sizes.is_satisfied_by(()) and not sizes.is_satisfied_by((True,))
    assert v.normalized([sizes], 3) == (3,)
    assert v.normalized([sizes], [4, 5]) == (4, 5)
    assert v.layer_sizes(allow_empty=True).is_satisfied_by(())
    assert v.augment_ranges().is_satisfied_by({"rotation": 5})
    assert not v.augment_ranges().is_satisfied_by({"rotation": 95})
    assert not v.augment_ranges().is_satisfied_by({"flip": 1})
    assert not v.POSITIVE_FINITE.is_satisfied_by(float("inf"))
    places = v.distinct_options(("a", "b"))
    assert places.is_satisfied_by("a") and places.is_satisfied_by(())
    assert not places.is_satisfied_by(("a", "a")) and not places.is_satisfied_by("c")
    assert v.normalized([places], "b") == ("b",)


def test_the_model_name_constraint_reads_the_registry():
    from emnist_estimators.models import model_name_constraint

    constraint = model_name_constraint()
    assert "registered models" in str(constraint)
    assert constraint.is_satisfied_by("cnn") and not constraint.is_satisfied_by("vit")
