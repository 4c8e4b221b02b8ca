"""The CUDA code paths, on a real GPU (every test is skipped without one).

``benchmarks/gpu_check.sh`` runs this file (``pytest -m cuda``) on a GPU
machine, with the GPU benchmarks, and records the result.
"""

import warnings

import numpy as np
import pytest
import torch
from _estimator_helpers import ALL, GradientNorms, same_state, small, state
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback
from test_estimator_checks import EXPECTED_FAILURES, SMALL

from emnist_estimators import CNNClassifier, MLPClassifier
from emnist_estimators.models import get_model, list_models
from emnist_estimators.persistence import load_model, save_model

pytestmark = pytest.mark.cuda


@pytest.mark.parametrize("cls", ALL)
def test_fit_and_predict_on_cuda_match_the_cpu(cls, small_digits):
    X, y = small_digits
    # Without dropout: its masks come from the CUDA generator on the GPU.
    gpu = small(cls, device="cuda", max_epochs=3, dropout=0.0).fit(X, y)
    cpu = small(cls, device="cpu", max_epochs=3, dropout=0.0).fit(X, y)
    assert gpu.device_.startswith("cuda") and gpu.precision_ == "float32"
    assert next(gpu.net_.module_.parameters()).is_cuda
    # Same seed, same data: CUDA kernels differ from the CPU's in the last
    # bits (convolutions and LSTMs in TF32 by default on Ampere and newer),
    # and training amplifies that a little.
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=0.05)
    assert np.mean(gpu.predict(X) == cpu.predict(X)) > 0.95


@pytest.mark.parametrize("cls", ALL)
def test_a_seeded_fit_on_cuda_is_reproducible(cls, small_digits):
    X, y = small_digits
    before = torch.backends.cudnn.deterministic
    a = small(cls, device="cuda", max_epochs=2, random_state=3).fit(X, y)
    b = small(cls, device="cuda", max_epochs=2, random_state=3).fit(X, y)
    assert same_state(state(a), state(b))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert torch.backends.cudnn.deterministic is before  # restored after fit


def test_partial_fit_on_cuda_continues_the_fits_random_streams(small_digits):
    X, y = small_digits
    runs = []
    for user_seed in (1, 2):
        est = small(MLPClassifier, device="cuda", random_state=0).fit(X, y)
        torch.cuda.manual_seed(user_seed)  # the user's own CUDA randomness
        est.partial_fit(X, y)  # dropout masks from the fit's CUDA stream
        runs.append(state(est))
    assert same_state(*runs)


def test_a_missing_gpu_index_is_a_clear_error(small_digits):
    X, y = small_digits
    missing = torch.cuda.device_count()
    with pytest.raises(ValueError, match=f"cuda:{missing}.*valid indices 0 to"):
        small(MLPClassifier, device=f"cuda:{missing}").fit(X, y)


def test_a_gpu_trained_model_loads_on_the_cpu(small_digits, tmp_path):
    X, y = small_digits
    gpu = small(CNNClassifier, device="cuda").fit(X, y)
    save_model(gpu, tmp_path / "gpu")
    cpu = load_model(tmp_path / "gpu", device="cpu")
    assert cpu.device_ == "cpu"
    assert not next(cpu.net_.module_.parameters()).is_cuda
    assert same_state(state(cpu), {k: v.cpu() for k, v in state(gpu).items()})
    # The same weights; the GPU computes convolutions in TF32 by default
    # (torch.backends.cudnn.conv.fp32_precision), the CPU in float32.
    np.testing.assert_allclose(cpu.predict_proba(X), gpu.predict_proba(X), atol=5e-3)
    assert np.mean(cpu.predict(X) == gpu.predict(X)) > 0.99


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
@pytest.mark.parametrize("cls", ALL)
def test_reduced_precision_trains_without_nan(cls, precision, small_digits):
    if precision == "bfloat16" and not torch.cuda.is_bf16_supported(False):
        pytest.skip("this GPU has no native bfloat16")
    X, y = small_digits
    est = small(cls, device="cuda", precision=precision, max_epochs=3).fit(X, y)
    assert est.precision_ == precision
    assert np.isfinite(est.history_[:, "train_loss"]).all()
    assert np.isfinite(est.predict_proba(X)).all()
    if precision == "float16":
        assert est.net_.grad_scaler_.get_scale() > 0  # the scaler ran


def test_float16_clips_the_unscaled_gradients(small_digits):
    X, y = small_digits
    limit = 0.05
    est = small(
        MLPClassifier,
        device="cuda",
        precision="float16",
        max_grad_norm=limit,
        callbacks=[("norms", GradientNorms())],
    ).fit(X, y)
    # Steps the scaler skips (overflow) have non-finite gradients; the others
    # are unscaled, then clipped.
    norms = [n for n in dict(est.net_.callbacks_)["norms"].norms if np.isfinite(n)]
    assert norms and max(norms) <= limit * (1 + 1e-3)
    assert np.isfinite(est.predict_proba(X)).all()


def test_the_data_goes_to_the_gpu_once_not_per_batch(digits):
    X, y = digits
    est = small(MLPClassifier, device="cuda", max_epochs=2, batch_size=32)
    activities = [torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=activities) as profile:
        est.fit(X, y)
    copies = [
        e for e in profile.events() if "Memcpy HtoD" in e.name or "HtoD" in e.name
    ]
    n_batches = 2 * -(-len(y) // 32)
    # The images and labels are copied once per fit (plus a few scalars),
    # not once per batch.
    assert len(copies) < n_batches / 4, len(copies)


class SyncsPerStep(Callback):
    """Counts the host-device synchronisations of each training step.

    ``caught`` (set on the class: the estimators deep-copy their callbacks) is
    the list of warnings that ``torch.cuda.set_sync_debug_mode('warn')``
    issues, one per synchronising call.
    """

    caught: list = []

    def initialize(self):
        self.counts = []
        return self

    def on_batch_begin(self, net, training=False, **kwargs):
        self.start_ = len(self.caught)

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            step = self.caught[self.start_ :]
            self.counts.append(
                sum("synchronizing CUDA operation" in str(w.message) for w in step)
            )


@pytest.mark.parametrize("cls", ALL)
def test_a_training_step_synchronises_with_the_host_once(cls, small_digits):
    X, y = small_digits
    est = small(
        cls,
        device="cuda",
        max_epochs=2,
        augment=True,
        max_grad_norm=1.0,
        callbacks=[("syncs", SyncsPerStep())],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SyncsPerStep.caught = caught
        torch.cuda.set_sync_debug_mode("warn")
        try:
            est.fit(X, y)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    counts = dict(est.net_.callbacks_)["syncs"].counts
    # skorch reads each step's loss (loss.item()): one wait for the GPU per
    # step. A second one (say, a check of the loss before the backward pass)
    # would keep the GPU idle while the host queues the backward pass.
    assert counts and max(counts) == 1, counts


#: The instances of the CPU's estimator checks, on the GPU.
ON_CUDA = [
    get_model(name).estimator(
        **{**get_model(name).smoke_params, **SMALL, "device": "cuda"}
    )
    for name in list_models()
]


@parametrize_with_checks(ON_CUDA, expected_failed_checks=lambda _: EXPECTED_FAILURES)
def test_estimator_checks_on_cuda(estimator, check):
    check(estimator)
