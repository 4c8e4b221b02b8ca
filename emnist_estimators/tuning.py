"""A learning-rate range test: the rate to train with, found in a few hundred steps.

:func:`find_lr` trains a copy of an estimator (its network, optimizer, batch
size, penalties and precision) for a few hundred optimizer steps while the
learning rate grows exponentially from ``min_lr`` to ``max_lr``, records the
training loss of every step, and suggests a rate, as fastai's ``lr_find`` and
Lightning's ``Tuner.lr_find`` do (Smith, *Cyclical Learning Rates for Training
Neural Networks*, 2017). The estimator passed in is never changed.

Examples
--------
>>> from emnist_estimators import CNNClassifier
>>> from emnist_estimators.datasets import load_digits
>>> from emnist_estimators.tuning import find_lr
>>> X, y = load_digits()
>>> result = find_lr(CNNClassifier(device="cpu"), X, y, n_steps=50)  # doctest: +SKIP
>>> clf = CNNClassifier(lr=result.suggested_lr)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from ._validation import HasMethods, Interval, StrOptions, validate_params

__all__ = ["DEFAULT_SUGGESTION", "SUGGESTIONS", "LRFinderResult", "find_lr"]

#: How :func:`find_lr` can pick its suggestion from the loss curve.
SUGGESTIONS = ("valley", "steepest", "minimum")

#: The rule :func:`find_lr` suggests with unless told otherwise: a tenth of
#: the rate at the lowest loss. On the validation split it was the one rule
#: whose rate trained the MLP's and the LSTM's 'fast' presets to within 0.5
#: points of their tuned rates ('valley' lost 0.52 and 0.92 points, 'steepest'
#: 0.95 and 0.10; ``benchmarks/results/lr-find-emnist-byclass-fast-*.md``).
DEFAULT_SUGGESTION = "minimum"

#: Parameters the range test switches off: it trains for a fixed number of
#: steps with its own learning rates, and keeps nothing.
_RANGE_TEST_PARAMS = {
    "lr_scheduler": None,
    "early_stopping": False,
    "validation_fraction": None,
    "average": None,
    "checkpoint": None,
    "max_time": None,
    "warm_start": False,
    "verbose": 0,
}


class _RangeTestDone(KeyboardInterrupt):
    """Ends the range test's training (skorch ends a run on KeyboardInterrupt)."""


def _range_test_callback(lrs: np.ndarray, diverge: float, smoothing: float):
    """A skorch callback that sets each step's rate and records its loss.

    The estimator deep-copies its callbacks in ``fit``: the record lives on
    the callback's class (made for this test), which copies share.
    """
    from skorch.callbacks import Callback

    class LRRangeTest(Callback):
        record: dict = {"losses": [], "smoothed": []}

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                lr = float(lrs[len(self.record["losses"])])
                for group in net.optimizer_.param_groups:
                    group["lr"] = lr

        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            if not training:
                return
            losses, smoothed = self.record["losses"], self.record["smoothed"]
            loss = float(net.history[-1, "batches", -1, "train_loss"])
            losses.append(loss)
            # An exponential moving average, corrected for its start at 0.
            step = len(losses)
            raw = smoothed[-1] * (1 - smoothing ** (step - 1)) if smoothed else 0.0
            raw = smoothing * raw + (1 - smoothing) * loss
            smoothed.append(raw / (1 - smoothing**step))
            if step >= len(lrs) or smoothed[-1] > diverge * min(smoothed):
                raise _RangeTestDone()

    return LRRangeTest()


@dataclass
class LRFinderResult:
    """The outcome of a learning-rate range test.

    Attributes
    ----------
    lrs : ndarray
        The learning rate of each step taken.
    losses : ndarray
        The training loss of each step.
    smoothed_losses : ndarray
        The losses smoothed by an exponential moving average (with bias
        correction), which the suggestion reads.
    suggested_lr : float
        The suggested learning rate.
    method : str
        How it was picked (one of :data:`SUGGESTIONS`).
    stopped_early : bool
        Whether the loss diverged before ``max_lr``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggested_lr: float
    method: str
    stopped_early: bool
    _figure: Any = field(default=None, repr=False)

    @property
    def figure(self):
        """The loss against the learning rate, with the suggestion marked.

        A :class:`matplotlib.figure.Figure`, drawn on first use
        (:func:`~emnist_estimators.plotting.plot_lr_range_test`).
        """
        if self._figure is None:
            self._figure = self.plot()
        return self._figure

    def plot(self, ax=None):
        """Draw the range test (log-scaled rates) on ``ax`` (a new figure if None).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.
        """
        from .plotting import plot_lr_range_test

        return plot_lr_range_test(self, ax=ax)

    def to_dict(self) -> dict:
        """The result as JSON-ready values."""
        return {
            "lrs": self.lrs.tolist(),
            "losses": self.losses.tolist(),
            "smoothed_losses": self.smoothed_losses.tolist(),
            "suggested_lr": self.suggested_lr,
            "method": self.method,
            "stopped_early": self.stopped_early,
        }


def _valley(losses: np.ndarray) -> int:
    """The index 2/3 of the way down the longest stretch over which the loss falls.

    The stretch is the longest decreasing subsequence of the losses (fastai's
    'valley' rule): robust to noise and to a loss that is flat at first.
    """
    n = len(losses)
    length = np.ones(n, dtype=int)
    start_of = np.arange(n)
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and length[j] + 1 > length[i]:
                length[i] = length[j] + 1
                start_of[i] = start_of[j]
    end = int(np.argmax(length))
    start = int(start_of[end])
    return start + (2 * (end - start)) // 3


def suggest(lrs: np.ndarray, smoothed: np.ndarray, method: str) -> float:
    """The suggested rate of a range test's smoothed loss curve.

    Parameters
    ----------
    lrs, smoothed : ndarray
        The rates and the smoothed losses.
    method : {'valley', 'steepest', 'minimum'}
        'valley': 2/3 of the way down the longest falling stretch (fastai's
        default); 'steepest': where the loss falls fastest against
        ``log(lr)`` before its lowest point (Lightning's); 'minimum': a
        tenth of the rate at the lowest loss (the rule of thumb for one-cycle
        peaks).

    Returns
    -------
    float
        The rate.
    """
    if method == "valley":
        return float(lrs[_valley(smoothed)])
    if method == "steepest":
        # Where it falls fastest on the way down to the lowest loss.
        lowest = int(np.argmin(smoothed))
        if lowest < 2:
            return float(lrs[lowest])
        slopes = np.gradient(smoothed[: lowest + 1], np.log(lrs[: lowest + 1]))
        return float(lrs[int(np.argmin(slopes))])
    return float(lrs[int(np.argmin(smoothed))] / 10)


@validate_params(
    {
        "estimator": [HasMethods(["fit", "get_params", "set_params"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "min_lr": [Interval(Real, 0, None, closed="neither")],
        "max_lr": [Interval(Real, 0, None, closed="neither")],
        "n_steps": [Interval(Integral, 10, None, closed="left")],
        "method": [StrOptions(set(SUGGESTIONS))],
        "smoothing": [Interval(Real, 0, 1, closed="left")],
        "diverge": [Interval(Real, 1, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def find_lr(
    estimator,
    X,
    y,
    *,
    min_lr: float = 1e-6,
    max_lr: float = 1.0,
    n_steps: int = 200,
    method: str = DEFAULT_SUGGESTION,
    smoothing: float = 0.9,
    diverge: float = 4.0,
) -> LRFinderResult:
    """Run a learning-rate range test on a copy of ``estimator``.

    The copy (:func:`sklearn.base.clone`) trains with its own network,
    optimizer, batch size, penalties, augmentation and precision for up to
    ``n_steps`` optimizer steps, the learning rate growing exponentially from
    ``min_lr`` to ``max_lr``; the test stops early when the smoothed loss
    exceeds ``diverge`` times its lowest value (or is not finite). Its
    schedule, early stopping, validation split, averaging, checkpoints and
    callbacks are switched off. The estimator passed in is not changed.

    Parameters
    ----------
    estimator : estimator
        One of the package's classifiers, or a ``Pipeline`` ending in one.
    X : array-like
        Training images (any form ``fit`` accepts).
    y : array-like of shape (n_samples,)
        Labels.
    min_lr, max_lr : float, default=1e-6, 1.0
        The first and last rate of the test.
    n_steps : int, default=200
        Optimizer steps (at least 10); the data are passed over as often as
        needed.
    method : {'valley', 'steepest', 'minimum'}, default='minimum'
        How to pick the suggestion from the curve (see :func:`suggest`;
        :data:`DEFAULT_SUGGESTION` says why 'minimum' is the default).
    smoothing : float, default=0.9
        Weight of the past in the exponential moving average of the losses.
    diverge : float, default=4.0
        Stop when the smoothed loss exceeds this multiple of its lowest value.

    Returns
    -------
    LRFinderResult
        The rates, the losses, the suggested rate and a figure.

    Raises
    ------
    ValueError
        If ``min_lr`` is not below ``max_lr``, or the estimator is not one of
        the package's classifiers.
    """
    from sklearn.base import clone

    if min_lr >= max_lr:
        raise ValueError(f"min_lr={min_lr} must be below max_lr={max_lr}.")
    copy = clone(estimator)
    final = copy.steps[-1][1] if hasattr(copy, "steps") else copy
    params = final.get_params(deep=False)
    if not {"lr", "lr_scheduler", "batch_size", "callbacks"} <= set(params):
        raise ValueError(
            f"find_lr tests the learning rate of emnist-estimators classifiers; "
            f"got a {type(final).__name__}."
        )
    lrs = min_lr * (max_lr / min_lr) ** (np.arange(n_steps) / (n_steps - 1))
    recorder = _range_test_callback(lrs, diverge, smoothing)
    n_samples = len(y)
    epochs = math.ceil(n_steps * params["batch_size"] / max(n_samples, 1)) + 1
    final.set_params(
        **_RANGE_TEST_PARAMS,
        lr=float(min_lr),
        max_epochs=epochs,
        callbacks=[("lr_range_test", recorder)],
    )
    try:
        copy.fit(X, y)
    except ValueError as exc:  # a non-finite loss ends the test like divergence
        if "training loss became" not in str(exc):
            raise
    losses = np.asarray(recorder.record["losses"], dtype=float)
    smoothed = np.asarray(recorder.record["smoothed"], dtype=float)
    if len(losses) < 3:
        raise ValueError(
            f"The range test diverged after {len(losses)} step(s), at lr "
            f"{lrs[max(len(losses) - 1, 0)]:.3g}: lower min_lr."
        )
    taken = lrs[: len(losses)]
    return LRFinderResult(
        lrs=taken,
        losses=losses,
        smoothed_losses=smoothed,
        suggested_lr=suggest(taken, smoothed, method),
        method=method,
        stopped_early=len(losses) < n_steps,
    )
