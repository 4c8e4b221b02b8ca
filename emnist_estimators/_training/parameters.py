"""The training parameters every estimator shares: one row each, the only declaration.

Each :class:`TrainingParameter` row says a parameter's name, its default, what
it accepts (scikit-learn constraints), its documentation and how its
validated value becomes the value that training reads. Everything else is
derived from :data:`TRAINING_PARAMETERS`:

- :data:`TRAINING_CONSTRAINTS`, the estimators' ``_parameter_constraints``
  for these parameters;
- the shared block of the estimators' docstrings
  (:func:`training_parameters_doc`, filled in by
  :func:`emnist_estimators.base.fill_docstring`, with each class's own
  defaults read from its signature);
- the fields of :class:`emnist_estimators._training.settings.Settings` and
  how :func:`~emnist_estimators._training.settings.resolve_settings` fills
  them.

The estimators' ``__init__`` signatures repeat the names and defaults
(scikit-learn reads parameters from the signature); ``tests/test_parameters.py``
checks every signature against this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import torch

from .._machine import PRECISION_OPTIONS, resolve_device, resolve_precision
from .._validation import (
    CALLBACKS,
    IMAGE_SHAPE,
    OPTIMIZER_CLASS,
    Interval,
    Ints,
    StrOptions,
    augment_ranges,
)
from .augment import FixedViews, RandomAffine, augmentation_ranges, tta_views
from .optim import LR_SCHEDULERS, OPTIMIZERS, default_lr, optimizer_class

#: Marks a default that each estimator chooses for itself (e.g. ``max_epochs``).
PER_MODEL = object()

#: Validation fraction used when ``early_stopping=True`` and
#: ``validation_fraction=None``.
DEFAULT_VALIDATION_FRACTION = 0.1


def _as_is(value, params):
    return value


def _optional(convert: Callable) -> Callable:
    def resolve(value, params):
        return None if value is None else convert(value)

    return resolve


def _plain(convert: Callable) -> Callable:
    def resolve(value, params):
        return convert(value)

    return resolve


@dataclass(frozen=True)
class TrainingParameter:
    """One shared training parameter.

    Parameters
    ----------
    name : str
        The parameter's name, in every estimator's signature.
    default : object
        Its default, or :data:`PER_MODEL` when each estimator sets its own.
    constraints : list
        What it accepts, as scikit-learn's ``_parameter_constraints`` entries.
    kind : str
        The type line of its documentation, e.g. ``"float"``.
    doc : str
        Its description (numpydoc, without indentation).
    resolve : callable, default=identity
        ``resolve(value, params) -> setting``: the validated value (and all
        validated parameters, for the few settings that depend on another)
        turned into what training reads as ``settings.<name>``.
    """

    name: str
    default: Any
    constraints: list
    kind: str
    doc: str
    resolve: Callable[[Any, dict], Any] = _as_is


def _lr(value, params):
    return float(default_lr(params["optimizer"]) if value is None else value)


def _validation_fraction(value, params):
    if value is None and params["early_stopping"]:
        return DEFAULT_VALIDATION_FRACTION
    return value


def _augmentation(value, params):
    ranges = augmentation_ranges(value)
    return None if ranges is None else RandomAffine(**ranges)


def _test_time_views(value, params):
    if not value:
        return None
    return FixedViews(tta_views(augmentation_ranges(params["augment"])))


def _precision(value, params):
    return resolve_precision(value, resolve_device(params["device"]))


#: The shared training parameters, in the order of the estimators' signatures.
TRAINING_PARAMETERS: tuple[TrainingParameter, ...] = (
    TrainingParameter(
        "optimizer",
        "adam",
        [StrOptions(set(OPTIMIZERS)), OPTIMIZER_CLASS],
        "str or type",
        """'adam', 'adamw', 'sgd', 'asgd', 'rmsprop', 'nadam', 'adadelta',
'adagrad', or a subclass of ``torch.optim.Optimizer``.""",
        _plain(optimizer_class),
    ),
    TrainingParameter(
        "lr",
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        """Learning rate (for ``lr_scheduler='onecycle'``: the peak). None uses a
usual starting value for the optimizer: 1e-3 for Adam-like optimizers
and RMSprop, 1e-2 for SGD, ASGD and Adagrad, 1.0 for Adadelta.""",
        _lr,
    ),
    TrainingParameter(
        "momentum",
        0.9,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Momentum of 'sgd' and 'rmsprop' (ignored by the other optimizers).",
    ),
    TrainingParameter(
        "weight_decay",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "L2 penalty, passed to the optimizer (decoupled for 'adamw').",
    ),
    TrainingParameter(
        "l1",
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        """L1 penalty: ``l1 * sum(|w|)`` over weight matrices and convolution
kernels is added to the training loss.""",
        _plain(float),
    ),
    TrainingParameter(
        "batch_size",
        32,
        [Ints(1)],
        "int",
        """Samples per mini-batch (training, validation and prediction). 32 (as
in Keras) gives small data sets enough optimizer steps in the default
epochs; on large data sets a larger batch trains faster per epoch
(the 'emnist' presets use 128).""",
        _plain(int),
    ),
    TrainingParameter(
        "max_epochs",
        PER_MODEL,
        [Ints(1)],
        "int",
        "Passes over the training data (fewer with early stopping).",
        _plain(int),
    ),
    TrainingParameter(
        "lr_scheduler",
        None,
        [StrOptions(set(LR_SCHEDULERS)), None],
        "{'step', 'exponential', 'cosine', 'plateau', 'onecycle', 'wsd'} or None",
        """Learning-rate schedule, applied through skorch's ``LRScheduler``:
'step' multiplies the rate by ``lr_gamma`` every ``lr_step_size``
epochs; 'exponential' by ``lr_gamma`` every epoch; 'cosine' anneals it
to 0 over ``max_epochs`` (per batch); 'plateau' multiplies it by
``lr_gamma`` after ``lr_patience`` epochs without improvement of the
validation loss (the training loss without a validation split);
'onecycle' warms up to ``lr`` and anneals (per batch); 'wsd'
(warm-up, stable, decay; per batch) warms up over at most one epoch
(500 steps), stays at ``lr``, and decays linearly to 0 over the last
20 % of each training call (a ``fit``, a ``partial_fit(..., epochs=k)``),
so that its early epochs do not depend on how many follow.""",
    ),
    TrainingParameter(
        "lr_step_size",
        5,
        [Ints(1)],
        "int",
        "Epochs between decays of the 'step' schedule.",
        _plain(int),
    ),
    TrainingParameter(
        "lr_gamma",
        None,
        [Interval(Real, 0, 1, closed="neither"), None],
        "float or None",
        """Decay factor of 'step', 'exponential' and 'plateau'; None means 0.1
for 'step' and 'plateau' and 0.9 for 'exponential'.""",
    ),
    TrainingParameter(
        "lr_patience",
        2,
        [Ints(0)],
        "int",
        "Epochs without improvement before 'plateau' decays the rate.",
        _plain(int),
    ),
    TrainingParameter(
        "label_smoothing",
        0.0,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        "Label smoothing of the cross-entropy loss, in [0, 1).",
        _plain(float),
    ),
    TrainingParameter(
        "max_grad_norm",
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        """Clip the gradients before each optimizer step so that their global L2
norm is at most this (:func:`torch.nn.utils.clip_grad_norm_`; in
float16, after unscaling); None does not clip. Steadies training at
the peak of a high learning rate, notably of the LSTM.""",
        _optional(float),
    ),
    TrainingParameter(
        "class_weight",
        None,
        [dict, StrOptions({"balanced", "balanced_sqrt"}), None],
        "dict, 'balanced', 'balanced_sqrt' or None",
        """Weights of the classes in the loss: a dict label -> weight (labels
not in it weigh 1), 'balanced' for ``n_samples / (n_classes *
count(label))`` (as :func:`sklearn.utils.class_weight.compute_class_weight`),
'balanced_sqrt' for the square root of those (a milder correction
that lifts the rare classes at little cost in accuracy), or None for
equal weights. Multiplies ``sample_weight`` of ``fit``.""",
    ),
    TrainingParameter(
        "augment",
        False,
        [augment_ranges()],
        "bool or dict",
        """Random affine augmentation of every training batch, drawn per image
and applied on the training device: rotation (degrees), shift and
scale (fractions of the image size) and shear (degrees). True uses
``{'rotation': 10, 'shift': 0.08, 'scale': 0.1, 'shear': 8}``; a dict
changes some of these ranges (0 switches one off).""",
        _augmentation,
    ),
    TrainingParameter(
        "test_time_augmentation",
        False,
        ["boolean"],
        "bool",
        """Average the predicted probabilities over the image and fixed mildly
transformed copies of it (rotations by half the ``rotation`` range and
shifts by half the ``shift`` range), at prediction time only.""",
        _test_time_views,
    ),
    TrainingParameter(
        "average",
        None,
        [StrOptions({"ema", "swa"}), None],
        "{'ema', 'swa'} or None",
        """Weight averaging: 'ema' keeps an exponential moving average of the
weights (decay 0.999 per batch after a warm-up), 'swa' the mean of
the weights at the end of each epoch of the last quarter of training
(stochastic weight averaging, ``torch.optim.swa_utils``). The fitted
network has the averaged weights, with batch-norm statistics
recomputed for them on the training data. None trains without
averaging.""",
    ),
    TrainingParameter(
        "early_stopping",
        False,
        ["boolean"],
        "bool",
        """Stop when the validation loss has not improved by ``tol`` for
``n_iter_no_change`` epochs, and restore the weights of the best epoch
(skorch's ``EarlyStopping(load_best=True)``).""",
        _plain(bool),
    ),
    TrainingParameter(
        "validation_fraction",
        None,
        [Interval(Real, 0, 1, closed="neither"), None],
        "float or None",
        """Fraction of the training data held out (stratified when every class
has at least two samples) to compute ``valid_loss`` and ``valid_acc``
after each epoch. None holds out 0.1 when ``early_stopping`` is on and
nothing otherwise.""",
        _validation_fraction,
    ),
    TrainingParameter(
        "n_iter_no_change",
        5,
        [Ints(1)],
        "int",
        "Patience of early stopping, in epochs.",
        _plain(int),
    ),
    TrainingParameter(
        "tol",
        1e-4,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Minimum decrease of the validation loss that counts as an improvement.",
        _plain(float),
    ),
    TrainingParameter(
        "image_shape",
        None,
        [IMAGE_SHAPE, None],
        "tuple of int or None",
        """``(height, width)`` or ``(channels, height, width)`` of flat input
rows. None takes the shape of 3-D/4-D input, or else a square image
when the number of features is a square (784 -> 28x28) and a single
row of pixels otherwise.""",
    ),
    TrainingParameter(
        "random_state",
        None,
        ["random_state"],
        "int, RandomState instance or None",
        """Seeds weight initialisation, data order, dropout and the validation
split. The same int gives the same weights and predictions on the
same machine; on CUDA a seeded fit trains with cuDNN's deterministic
algorithms for that (results differ from a CPU's in the last bits).
torch's global random state is left as it was.""",
    ),
    TrainingParameter(
        "device",
        "auto",
        [str, torch.device],
        "str or torch.device",
        """'auto' (CUDA when available, else the CPU), 'cpu', 'cuda', 'cuda:N'
or 'mps'. A device that is not available raises ``ValueError`` in
``fit``.""",
        _plain(resolve_device),
    ),
    TrainingParameter(
        "precision",
        "float32",
        [StrOptions(set(PRECISION_OPTIONS))],
        "{'float32', 'bfloat16', 'float16', 'auto'}",
        """Compute precision of training and prediction. 'bfloat16' runs the
forward passes under ``torch.autocast`` in bfloat16 (weights, gradients
and the loss stay float32): faster on GPUs and on CPUs with bfloat16
instructions (AVX-512 BF16, AMX), but emulated and much slower on
other CPUs (a ``UserWarning`` says so). 'float16' autocasts to float16
with a gradient scaler, for CUDA GPUs without bfloat16 (V100, T4).
'auto' picks bfloat16 where it is native and float32 elsewhere; the
choice made is ``precision_``.
float32 is the default so that results do not depend on the machine
beyond the last bits.""",
        _precision,
    ),
    TrainingParameter(
        "n_threads",
        None,
        [Ints(1), None],
        "int or None",
        """CPU threads torch uses while this estimator trains and predicts
(``torch.set_num_threads``, restored afterwards). None leaves torch's
setting. Set it to 1 when several fits run in parallel (``n_jobs``,
Dask workers) so that they do not oversubscribe the cores.""",
    ),
    TrainingParameter(
        "verbose",
        0,
        ["verbose"],
        "int",
        """0 is silent; 1 or more prints skorch's per-epoch table and shows a
tqdm progress bar over the batches of each epoch.""",
        _plain(int),
    ),
    TrainingParameter(
        "callbacks",
        None,
        [CALLBACKS, None],
        "list or None",
        """Extra skorch callbacks (instances, or ``(name, callback)`` pairs).
They are copied in ``fit``; the fitted ones are in
``net_.callbacks_``.""",
        _plain(lambda value: list(value or [])),
    ),
    TrainingParameter(
        "warm_start",
        False,
        ["boolean"],
        "bool",
        """When True and the estimator was fitted before with the same classes
and architecture, ``fit`` starts from the previous weights (with a new
optimizer and history) instead of a fresh initialisation. To continue
a training run exactly (optimizer, schedule, history), use
``checkpoint`` and ``fit(..., resume=True)``, or :meth:`partial_fit`.""",
        _plain(bool),
    ),
    TrainingParameter(
        "checkpoint",
        None,
        [str, os.PathLike, None],
        "str, path-like or None",
        """A folder in which ``fit`` saves, after every epoch and atomically, the
network, optimizer, schedule, epoch, random-number states and history
of the run, in a subfolder of its own per fit (named from the
estimator's parameters and a fingerprint of the data, so that parallel
fits of a search never collide; ``checkpoint_path_``). ``fit(X, y,
resume=True)`` continues from it after an interruption and ends with
the weights and history an uninterrupted run would have had. None
saves nothing.""",
        _optional(Path),
    ),
    TrainingParameter(
        "max_time",
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        """A time budget in seconds for ``fit``: when an epoch ends after it,
training stops there (``fit_status_ == 'time_limit'``), keeping the
best weights so far (those of the best validation loss when there is
a validation split).""",
        _optional(float),
    ),
)

#: The constraints of the shared training parameters (``_parameter_constraints``).
TRAINING_CONSTRAINTS: dict[str, list] = {
    row.name: row.constraints for row in TRAINING_PARAMETERS
}


def resolve_training_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """Each shared training parameter's setting, through its row's ``resolve``.

    Parameters
    ----------
    values : dict
        The estimator's validated, normalised parameters.

    Returns
    -------
    dict
        Parameter name -> the value training reads as ``settings.<name>``.
    """
    return {
        row.name: row.resolve(values[row.name], values) for row in TRAINING_PARAMETERS
    }


def _default_text(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def training_parameters_doc(defaults: dict[str, Any]) -> str:
    """The numpydoc entries of the shared training parameters.

    Parameters
    ----------
    defaults : dict
        Each parameter's default in the estimator being documented (read from
        its signature).

    Returns
    -------
    str
        The entries, indented by four spaces, one per row of
        :data:`TRAINING_PARAMETERS`.
    """
    entries = []
    for row in TRAINING_PARAMETERS:
        default = defaults.get(row.name, row.default)
        head = f"{row.name} : {row.kind}"
        if default is not PER_MODEL:
            head += f", default={_default_text(default)}"
        body = "\n".join("        " + line for line in row.doc.splitlines())
        entries.append(f"    {head}\n{body}")
    return "\n".join(entries)
