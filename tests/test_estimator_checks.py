"""scikit-learn's own estimator checks, run on all four classifiers.

The instances are small networks with enough epochs to fit the checks' toy
data sets (a few hundred 2-feature samples) in well under a second; every
check applies and none is skipped or expected to fail.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from emnist_estimators import (
    CNNClassifier,
    LSTMClassifier,
    MLPClassifier,
    ResNetClassifier,
)

SMALL = {"max_epochs": 20, "batch_size": 32, "device": "cpu"}
ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(32,), **SMALL),
    CNNClassifier(filters=(4, 8), dense_units=(16,), **SMALL),
    ResNetClassifier(widths=(4, 8), blocks=1, **SMALL),
    LSTMClassifier(hidden_sizes=(16,), **SMALL),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
