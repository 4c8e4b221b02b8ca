"""What the command line shows while it works: progress, log lines, warnings.

On a terminal, each model's training shows a progress bar over its epochs
with the loss, the accuracy and the time left; when the output is
redirected, one plain line per epoch (no ANSI codes, no carriage returns);
with ``-q``, nothing. Everything that is not a result goes through
``logging.getLogger("emnist_estimators")`` and warnings through one
``emnist-estimators: warning: ...`` line each.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import uuid
import warnings
from collections.abc import Iterator

from skorch.callbacks import Callback

LOGGER = logging.getLogger("emnist_estimators")


def progress_mode(quiet: bool) -> str:
    """'off' with ``-q``; 'bar' on a terminal; 'lines' when redirected."""
    if quiet:
        return "off"
    return "bar" if sys.stderr.isatty() else "lines"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class EpochProgress(Callback):
    """skorch callback: per-epoch progress of one model's training.

    Parameters
    ----------
    label : str
        The model's name, shown first.
    mode : {'bar', 'lines', 'off'}
        A tqdm bar over the epochs, one plain line per epoch, or nothing.
    lines_too : bool, default=False
        With 'bar', also print a line per epoch above the bar (``-v``).
    """

    def __init__(self, label: str, mode: str, lines_too: bool = False) -> None:
        self.label = label
        self.mode = mode
        self.lines_too = lines_too

    def on_train_begin(self, net, **kwargs):
        self.bar_ = None
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self.bar_ = tqdm(
                total=net.max_epochs,
                initial=len(net.history),
                desc=self.label,
                unit="epoch",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        stats = {"loss": row.get("train_loss"), "acc": row.get("train_acc")}
        if "valid_acc" in row:
            stats["valid acc"] = row["valid_acc"]
        durations = [r.get("dur", 0.0) for r in net.history]
        remaining = max(net.max_epochs - len(durations), 0)
        eta = remaining * sum(durations) / len(durations)
        if self.bar_ is not None:
            self.bar_.set_postfix(
                {k: f"{v:.3f}" for k, v in stats.items() if v is not None}
            )
            self.bar_.update(1)
        if self.mode == "lines" or (self.bar_ is not None and self.lines_too):
            described = ", ".join(
                f"{k} {v:.4f}" for k, v in stats.items() if v is not None
            )
            line = (
                f"{self.label} epoch {len(durations)}/{net.max_epochs}: {described}, "
                f"{row.get('dur', 0.0):.1f} s, ETA {_duration(eta)}"
            )
            if self.bar_ is not None:
                self.bar_.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)

    def on_train_end(self, net, **kwargs):
        if getattr(self, "bar_", None) is not None:
            self.bar_.close()
            self.bar_ = None


class SearchProgress:
    """A bar (or lines) over the fits of a search, advanced by a callback.

    The estimators deep-copy their callbacks, so the callback finds its bar
    by a key in a class-level registry instead of holding it.

    Parameters
    ----------
    total : int or None
        The number of fits, when known.
    mode : {'bar', 'lines', 'off'}
        How to show it.
    """

    active: dict = {}

    def __init__(self, total: int | None, mode: str) -> None:
        self.key = uuid.uuid4().hex
        self.total = total
        self.mode = mode
        self.done = 0
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="fits", unit="fit", file=sys.stderr)
        self.active[self.key] = self

    def callback(self) -> tuple:
        """A ``(name, callback)`` pair that advances this bar after each fit."""
        return ("search_progress", _AdvanceSearch(self.key))

    def advance(self) -> None:
        """One more fit is done."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "lines":
            of = f"/{self.total}" if self.total else ""
            print(f"search: fit {self.done}{of} done", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar and forget it."""
        self.active.pop(self.key, None)
        if self.bar is not None:
            self.bar.close()


class _AdvanceSearch(Callback):
    """skorch callback: advance a search's progress when a fit ends."""

    def __init__(self, key: str) -> None:
        self.key = key

    def on_train_end(self, net, **kwargs):
        progress = SearchProgress.active.get(self.key)
        if progress is not None:
            progress.advance()


@contextlib.contextmanager
def messages(*, quiet: bool, verbose: bool) -> Iterator[None]:
    """Route the package's log records and all warnings to stderr, one line each.

    Parameters
    ----------
    quiet : bool
        Errors only (``-q``).
    verbose : bool
        Also debug records (``-v``).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    previous_level = LOGGER.level
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    shown = warnings.showwarning

    def one_line(message, category, filename, lineno, file=None, line=None):
        if not quiet:
            text = " ".join(str(message).split())
            print(f"emnist-estimators: warning: {text}", file=sys.stderr, flush=True)

    warnings.showwarning = one_line
    try:
        yield
    finally:
        warnings.showwarning = shown
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(previous_level)
