"""What ``fit`` and ``partial_fit`` do with the checked data.

:func:`build_run` builds the network and the skorch net for the resolved
settings (refusing what cannot train), restoring a checkpoint when asked;
:func:`train` runs the remaining epochs. The data comes from
:mod:`emnist_estimators._inputs`; the estimator methods in
:mod:`emnist_estimators._base` call these in order.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from ._checkpoint import fit_folder, load_checkpoint, restore, restore_rng_state
from ._inputs import TrainingData
from ._settings import Settings
from ._training import build_callbacks, build_net, validation_split

LOGGER = logging.getLogger("emnist_estimators")


@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``n_threads`` torch threads (None: leave as is)."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def deterministic_kernels(settings: Settings) -> Iterator[None]:
    """Train a seeded fit on CUDA with cuDNN's deterministic algorithms.

    With a fixed ``random_state``, a fit gives the same model every time on
    the CPU; on a GPU, cuDNN may pick convolution algorithms that add partial
    results with atomics, in an order that changes from run to run. For the
    block, a seeded fit on CUDA sets ``torch.backends.cudnn.deterministic``
    (and turns off ``cudnn.benchmark``, whose choice can vary between runs);
    both are restored afterwards. Unseeded fits and CPU fits keep torch's
    settings.

    Parameters
    ----------
    settings : Settings
        The resolved settings (``device`` and ``reproducible`` are read).
    """
    if settings.device.type != "cuda" or not settings.reproducible:
        yield
        return
    cudnn = torch.backends.cudnn
    previous = cudnn.deterministic, cudnn.benchmark
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        cudnn.deterministic, cudnn.benchmark = previous


def _has_batch_norm(module: torch.nn.Module) -> bool:
    return any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules()
    )


def check_trainable(module: torch.nn.Module, settings: Settings, n_train: int):
    """Reject settings the network cannot train with, before any training.

    Parameters
    ----------
    module : torch.nn.Module
        The new network.
    settings : Settings
        The resolved settings.
    n_train : int
        Training samples per epoch.

    Raises
    ------
    ValueError
        If the network has batch normalisation and would see a batch of one.
    """
    if not _has_batch_norm(module):
        return
    if settings.batch_size < 2:
        raise ValueError(
            f"batch_size={settings.batch_size} cannot train batch normalisation "
            "(it needs at least 2 samples per batch); use batch_size >= 2 or "
            "batch_norm=False."
        )
    if n_train < 2:
        raise ValueError(
            f"Batch normalisation needs at least 2 training samples, got {n_train}."
        )


def check_compatible_weights(module: torch.nn.Module, state: dict) -> None:
    """Raise a clear error when ``state`` does not fit ``module`` (warm start).

    Parameters
    ----------
    module : torch.nn.Module
        The new network.
    state : dict
        The previous network's ``state_dict``.

    Raises
    ------
    ValueError
        If a tensor is missing, extra or of another shape.
    """
    new = module.state_dict()
    differ = sorted(set(new) ^ set(state)) + [
        k for k in new if k in state and new[k].shape != state[k].shape
    ]
    if differ:
        raise ValueError(
            "warm_start=True continues from the previous fit's weights, but the "
            f"architecture changed (e.g. {differ[0]}: "
            f"{tuple(state[differ[0]].shape) if differ[0] in state else 'absent'} "
            f"before, {tuple(new[differ[0]].shape) if differ[0] in new else 'absent'} "
            "now). Set warm_start=False to train the new architecture from scratch."
        )


@dataclass
class Run:
    """A built training run: the net and where its checkpoints go."""

    net: object
    checkpoint_folder: object
    resumed: dict | None


def build_run(
    estimator,
    data: TrainingData,
    settings: Settings,
    *,
    start: float,
    resume: bool = False,
    partial: bool = False,
    previous_weights: dict | None = None,
) -> Run:
    """Build the network and the skorch net of a fit, restoring a checkpoint.

    Must run inside ``torch.random.fork_rng`` with the seed set.

    Parameters
    ----------
    estimator : BaseImageClassifier
        The estimator.
    data : TrainingData
        The training data.
    settings : Settings
        The resolved settings.
    start : float
        ``time.perf_counter()`` at the start of ``fit``.
    resume : bool, default=False
        Continue from this fit's checkpoint when there is one.
    partial : bool, default=False
        For ``partial_fit``: no validation split, no weight averaging.
    previous_weights : dict, optional
        Weights to start from (``warm_start``).

    Returns
    -------
    Run
        The initialised net, its checkpoint folder and the restored state.
    """
    folder = None
    state = None
    if settings.checkpoint is not None and not partial:
        folder = fit_folder(
            settings.checkpoint, estimator, data.X, data.y, data.weights
        )
        state = load_checkpoint(folder) if resume else None
        if state is not None:
            LOGGER.info(
                f"{type(estimator).__name__}: resuming from epoch {state['epoch']}"
                + (" (finished)" if state["complete"] else "")
                + f" in {folder}"
            )
        if state is not None and state["seed"] != settings.seed:
            settings = _with_seed(settings, state["seed"])
            torch.manual_seed(settings.seed)
    n_classes = len(data.classes)
    if partial:
        train_split, n_train = None, len(data.y)
    else:
        train_split, n_train = validation_split(settings, data.y, n_classes)
    callbacks = build_callbacks(
        settings,
        n_train,
        train_split is not None,
        start=start,
        checkpoint_folder=folder,
        averaging=not partial,
    )
    LOGGER.debug(
        f"{type(estimator).__name__}: {n_train} training images of shape "
        f"{data.image_shape}, {n_classes} classes, device {settings.device}, "
        f"precision {settings.precision}"
    )
    module = estimator._build_module(data.image_shape, n_classes, settings)
    check_trainable(module, settings, n_train)
    net = build_net(settings, module, train_split, callbacks)
    net.initialize()
    net.input_max_ = data.input_max
    if previous_weights is not None:
        check_compatible_weights(net.module_, previous_weights)
        net.module_.load_state_dict(previous_weights)
    if state is not None:
        restore(net, state)
        restore_rng_state(state["rng"], settings.device)
    return Run(net=net, checkpoint_folder=folder, resumed=state)


def _with_seed(settings: Settings, seed: int) -> Settings:
    from dataclasses import replace

    return replace(settings, seed=int(seed))


def train(run: Run, X, y, settings: Settings) -> str:
    """Train the run's remaining epochs; return how it ended.

    Parameters
    ----------
    run : Run
        From :func:`build_run`.
    X, y : torch.Tensor or dict
        From :func:`net_inputs`.
    settings : Settings
        The resolved settings.

    Returns
    -------
    str
        The fit status: 'completed', 'early_stopped', 'interrupted' or
        'time_limit'.
    """
    net = run.net
    if run.resumed is not None and run.resumed["complete"]:
        net.stop_status_ = run.resumed["status"] or "completed"
        return net.stop_status_
    remaining = settings.max_epochs - len(net.history)
    net.stop_status_ = "completed"
    if remaining > 0:
        net.partial_fit(X, y, epochs=remaining)
    if run.checkpoint_folder is not None and net.stop_status_ != "interrupted":
        dict(net.callbacks_)["checkpoint"].save(net, complete=True)
    return net.stop_status_


def elapsed(start: float) -> float:
    """Seconds since ``start`` (a ``time.perf_counter()`` reading)."""
    return time.perf_counter() - start
