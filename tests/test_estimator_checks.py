"""scikit-learn's own estimator checks, run on every registered model.

The instances are each model's smoke-test architecture (declared in the
registry) with enough epochs to fit the checks' toy data sets (a few hundred
2-feature samples) in well under a second.

One check is expected to fail, for a reason that holds for any network
trained by stochastic mini-batches: fitting with integer sample weights is
not *numerically* equivalent to fitting on repeated samples (batch-norm
statistics and dropout masks see the repeated rows; the loss sums in another
order), though it is the same weighted objective.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from emnist_estimators.models import get_model, list_models

SMALL = {"max_epochs": 20, "batch_size": 32, "device": "cpu"}
ESTIMATORS = [
    get_model(name).estimator(**{**get_model(name).smoke_params, **SMALL})
    for name in list_models()
]

#: The checks that cannot pass, and why.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "stochastic mini-batch training: weighting a sample by k is the same "
        "objective as repeating it k times, not the same float computation"
    ),
}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda _: EXPECTED_FAILURES)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
