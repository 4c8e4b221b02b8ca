"""scikit-learn's estimator checks on the estimators as a user gets them.

``tests/test_estimator_checks.py`` runs the checks on each model's tiny
smoke-test architecture; here every registered model runs them with its
default parameters (only ``device='cpu'``, for the same result on any
machine, and ``random_state=0``), so that the defaults themselves learn the
checks' toy problems (e.g. ``check_classifiers_train``: training accuracy
above 0.83 on 300 2-feature blobs with the default epochs;
``check_class_weight_classifiers``: a class weighed 1000 times the others
takes over more than 87 % of the predictions). The checks' data sets are
tiny, so the whole set takes well under a minute on 2 CPU cores.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks
from test_estimator_checks import EXPECTED_FAILURES

from emnist_estimators.models import get_model, list_models

ESTIMATORS = [
    get_model(name).estimator(device="cpu", random_state=0) for name in list_models()
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda _: EXPECTED_FAILURES)
def test_default_estimators_pass_the_sklearn_checks(estimator, check):
    check(estimator)
