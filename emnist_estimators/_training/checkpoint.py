"""Checkpoints of a training run, and resuming from them.

With ``checkpoint=<folder>``, every fit saves its state after each epoch in
a subfolder of its own, named from the estimator's class, its parameters and
a fingerprint of the data (so that the fits of a parallel search never share
one, and a rerun of the same fit finds its own). The state is one file,
written atomically: network, optimizer, schedule, early-stopping counters,
the best and the averaged weights, the epoch, the random-number states, the
seed and the history. ``fit(..., resume=True)`` restores it and runs the
remaining epochs, ending where the uninterrupted run would have. Checkpoints
are read with ``torch.load(weights_only=True)``: loading one runs no code.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback
from skorch.history import History

from .._atomic import atomic_open, remove_stale_temporaries

#: The file of a fit's checkpoint, in its folder.
CHECKPOINT_FILE = "checkpoint.pt"
#: Bumped when the content changes incompatibly.
CHECKPOINT_FORMAT = 1

#: Parameters that do not change what a fit computes (left out of the name).
_VOLATILE = {"checkpoint", "verbose", "callbacks", "n_threads", "max_time"}


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for array in arrays:
        if array is None:
            h.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        h.update(f"{array.dtype}{array.shape}".encode())
        h.update(memoryview(array).cast("B"))
    return h.hexdigest()


def fit_folder(
    root, name: str, qualname: str, params: dict, X, y, sample_weight=None
) -> Path:
    """The checkpoint folder of one fit: ``<root>/<name>-<fingerprint>``.

    Parameters
    ----------
    root : str or path-like
        The ``checkpoint`` parameter.
    name, qualname : str
        The estimator class's ``__name__`` and ``__qualname__``.
    params : dict
        The estimator's ``get_params(deep=False)``.
    X, y, sample_weight : ndarray
        The validated training data (after label encoding).

    Returns
    -------
    pathlib.Path
        The folder (not created).

    Raises
    ------
    NotADirectoryError
        If ``root`` is a file or lies below one (checked before training).
    """
    root = Path(root)
    for existing in (root, *root.parents):
        if existing.exists():
            if not existing.is_dir():
                raise NotADirectoryError(
                    f"checkpoint={str(root)!r} must be a folder (created if "
                    f"needed), but {existing} is a file."
                )
            break
    params = dict(params)
    if not isinstance(params["random_state"], (int, np.integer)):
        params.pop("random_state")  # None or a generator: a fresh seed each fit
    described = ";".join(
        f"{k}={params[k]!r}" for k in sorted(params) if k not in _VOLATILE
    )
    h = hashlib.sha256(qualname.encode())
    h.update(described.encode())
    h.update(_digest(X, y, sample_weight).encode())
    return Path(root) / f"{name}-{h.hexdigest()[:16]}"


def rng_state(device: torch.device) -> dict[str, Any]:
    """torch's random-number states that training on ``device`` draws from.

    Parameters
    ----------
    device : torch.device
        The training device.

    Returns
    -------
    dict
        ``{'cpu': state}``, with ``'cuda'`` (that device's generator) for a
        CUDA device; :func:`restore_rng_state` sets them back.
    """
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng_state(state: dict[str, Any], device: torch.device) -> None:
    """Set torch's random-number states to those saved in a checkpoint.

    Parameters
    ----------
    state : dict
        From :func:`rng_state` (the ``'rng'`` entry of a checkpoint).
    device : torch.device
        The training device.
    """
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


class EpochCheckpoint(Callback):
    """Save the run's state after every epoch (and, through :meth:`save`, at the end).

    It must come after every callback that changes the state at an epoch's
    end (schedule, early stopping, best and averaged weights) and before
    those that stop the run (the time budget). The final state, after
    skorch's ``on_train_end`` restored the best or averaged weights, is saved
    by ``fit`` with ``save(net, complete=True)``.

    Parameters
    ----------
    folder : pathlib.Path
        The fit's checkpoint folder.
    seed : int
        The fit's seed (a resumed run reuses it).
    device : torch.device
        The training device (for its random-number state).
    """

    def __init__(self, folder: Path, seed: int, device: torch.device) -> None:
        self.folder = folder
        self.seed = seed
        self.device = device

    def _state(self, net, *, complete: bool) -> dict[str, Any]:
        callbacks = dict(net.callbacks_)

        def saved(name, method="state_dict"):
            callback = callbacks.get(name)
            return None if callback is None else getattr(callback, method)()

        return {
            "format": CHECKPOINT_FORMAT,
            "seed": self.seed,
            "epoch": len(net.history),
            "complete": complete,
            "status": getattr(net, "stop_status_", None) if complete else None,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "scheduler": saved("lr_scheduler"),
            "early_stopping": saved("early_stopping"),
            "best": saved("best_weights"),
            "averaging": saved("averaging"),
            "grad_scaler": (
                None
                if getattr(net, "grad_scaler_", None) is None
                else net.grad_scaler_.state_dict()
            ),
            "rng": rng_state(self.device),
            "history": json.dumps(net.history.to_list()),
        }

    def save(self, net, *, complete: bool) -> None:
        """Write the net's state atomically.

        Parameters
        ----------
        net : ImageNeuralNetClassifier
            The net.
        complete : bool
            Whether the run has ended (a resumed fit then trains no more).
        """
        os.makedirs(self.folder, exist_ok=True)
        remove_stale_temporaries(self.folder)  # a killed run's half-written file
        with atomic_open(self.folder / CHECKPOINT_FILE) as f:
            torch.save(self._state(net, complete=complete), f)

    def on_epoch_end(self, net, **kwargs):
        self.save(net, complete=False)


def load_checkpoint(folder: Path) -> dict[str, Any] | None:
    """The checkpoint saved in ``folder``, or None when there is none.

    Parameters
    ----------
    folder : pathlib.Path
        A fit's checkpoint folder.

    Returns
    -------
    dict or None
        The saved state (loaded with ``weights_only=True``).

    Raises
    ------
    OSError
        If the file exists but cannot be read as a checkpoint of this format.
    """
    path = folder / CHECKPOINT_FILE
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # torch's advice (weights_only=False) is unsafe
        raise OSError(
            f"Cannot read the checkpoint {path}: it holds objects other than "
            "tensors and plain values, which are never loaded (a foreign or "
            "crafted file). Delete it to start over."
        ) from None
    except Exception as exc:  # torch raises many types for a damaged file
        raise OSError(
            f"Cannot read the checkpoint {path}: {exc}. Delete it to start over."
        ) from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise OSError(
            f"{path} is not a checkpoint of format {CHECKPOINT_FORMAT} (written by "
            "another version of emnist-estimators?). Delete it to start over."
        )
    return state


def restore(net, state: dict[str, Any]) -> None:
    """Load a checkpoint's state into an initialised net and its callbacks.

    The random-number states are not restored here (see
    :func:`restore_rng_state`): the caller does it last.

    Parameters
    ----------
    net : ImageNeuralNetClassifier
        The initialised net of the resumed fit.
    state : dict
        From :func:`load_checkpoint`.
    """
    net.module_.load_state_dict(state["module"])
    net.optimizer_.load_state_dict(state["optimizer"])
    if state.get("scheduler") is not None:
        state = {
            **state,
            "scheduler": {**state["scheduler"], "optimizer": state["optimizer"]},
        }
    net.history = History(json.loads(state["history"]))
    if state.get("grad_scaler") is not None and net._grad_scaler() is not None:
        net.grad_scaler_.load_state_dict(state["grad_scaler"])
    callbacks = dict(net.callbacks_)
    for name, key, method in (
        ("lr_scheduler", "scheduler", "load_pending"),
        ("early_stopping", "early_stopping", "load_pending"),
        ("best_weights", "best", "load_state_dict"),
        ("averaging", "averaging", "load_pending"),
    ):
        if name in callbacks and state.get(key) is not None:
            getattr(callbacks[name], method)(state[key])
