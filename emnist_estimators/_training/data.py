"""In-memory image tensors and a batch loader that indexes them a batch at a time.

:func:`images_tensor` and :func:`net_inputs` turn validated numpy data into
the tensors the skorch net reads (sharing memory where possible).

skorch's default path wraps data in a ``Dataset`` whose ``__getitem__`` returns
one sample, and a ``DataLoader`` that collates samples into batches in Python.
For 28x28 images that per-sample work dominates training time. Here the whole
data set is one tensor (uint8 pixels stay uint8 until a batch is drawn), and a
batch is one ``index_select``; the rest of the skorch machinery (validation
split, callbacks, history) is unchanged: these two classes plug into skorch's
``dataset`` and ``iterator_train`` / ``iterator_valid`` parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

from .._reshape import to_images

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import TrainingData

#: uint8 pixels are divided by this when a batch is drawn.
UINT8_SCALE = 255.0


class ImageTensorDataset(Dataset):
    """A data set held as tensors: ``X`` images, ``y`` labels, sample weights.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, channels, height, width), or dict
        Images, uint8 (scaled to [0, 1] per batch) or float32 (used as is);
        or ``{'data': images, 'sample_weight': weights}`` (skorch's way of
        passing sample weights to the loss).
    y : torch.Tensor of shape (n_samples,) or None
        Integer class indices; None at prediction time.
    """

    def __init__(self, X, y: torch.Tensor | None = None) -> None:
        weights = None
        if isinstance(X, dict):
            X, weights = X["data"], X.get("sample_weight")
        if not isinstance(X, torch.Tensor) or X.ndim != 4:
            raise TypeError(
                "ImageTensorDataset expects X as a 4-D torch.Tensor "
                f"(n, C, H, W), got {type(X).__name__}."
            )
        if y is not None and len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}.")
        self.X = X
        self.y = y
        self.sample_weight = weights

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        x = to_float_images(self.X[index : index + 1])[0]
        return x, (self.y[index] if self.y is not None else torch.tensor(0))


def to_float_images(X: torch.Tensor) -> torch.Tensor:
    """Return float32 images: uint8 is divided by 255, floats pass through.

    Parameters
    ----------
    X : torch.Tensor
        A batch of images.

    Returns
    -------
    torch.Tensor
        float32 (or the input's floating dtype) images.
    """
    if X.dtype == torch.uint8:
        return X.to(torch.float32).mul_(1.0 / UINT8_SCALE)
    return X


def _tensors_of(dataset) -> tuple[torch.Tensor, ...]:
    """``(X, y, sample_weight)`` behind an ``ImageTensorDataset`` or a ``Subset``."""
    if isinstance(dataset, Subset):
        index = torch.as_tensor(dataset.indices, dtype=torch.long)
        return tuple(
            None if t is None else t.index_select(0, index.to(t.device))
            for t in _tensors_of(dataset.dataset)
        )
    if isinstance(dataset, ImageTensorDataset):
        return dataset.X, dataset.y, dataset.sample_weight
    raise TypeError(
        "TensorBatchLoader needs an ImageTensorDataset (or a Subset of one), got "
        f"{type(dataset).__name__}."
    )


class TensorBatchLoader:
    """Iterate over an :class:`ImageTensorDataset` in batches, by tensor indexing.

    The data are moved to ``device`` once, when the loader is created, so that
    each batch is drawn where the model runs.

    Parameters
    ----------
    dataset : ImageTensorDataset or torch.utils.data.Subset of one
        The data.
    batch_size : int
        Samples per batch.
    shuffle : bool, default=False
        Draw a new random order (from torch's global generator, which the
        estimators seed from ``random_state``) at each pass.
    device : str or torch.device, default="cpu"
        Where batches are produced.
    merge_single_tail : bool, default=False
        Fold a last batch of a single sample into the previous batch (batch
        norm cannot train on a batch of one).
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        device: str | torch.device = "cpu",
        merge_single_tail: bool = False,
    ) -> None:
        X, y, weights = _tensors_of(dataset)
        device = torch.device(device)
        self.X = X.to(device)
        self.y = None if y is None else y.to(device)
        self.sample_weight = None if weights is None else weights.to(device)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.device = device
        self.merge_single_tail = merge_single_tail

    def _bounds(self) -> list[tuple[int, int]]:
        n, size = len(self.X), self.batch_size
        bounds = [(start, min(start + size, n)) for start in range(0, n, size)]
        if (
            self.merge_single_tail
            and len(bounds) > 1
            and bounds[-1][1] - bounds[-1][0] == 1
        ):
            bounds[-2:] = [(bounds[-2][0], n)]
        return bounds

    def __len__(self) -> int:
        return len(self._bounds())

    def __iter__(self) -> Iterator[tuple]:
        order = None
        if self.shuffle:
            order = torch.randperm(len(self.X)).to(self.device)
        tensors = (self.X, self.y, self.sample_weight)
        for start, stop in self._bounds():
            if order is None:
                Xb, yb, wb = (None if t is None else t[start:stop] for t in tensors)
            else:
                index = order[start:stop]
                Xb, yb, wb = (
                    None if t is None else t.index_select(0, index) for t in tensors
                )
            Xb = to_float_images(Xb)
            yield (Xb if wb is None else {"data": Xb, "sample_weight": wb}), yb


def images_tensor(X: np.ndarray, image_shape) -> torch.Tensor:
    """Flat rows as a writable, contiguous ``(n, C, H, W)`` tensor.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Flat images.
    image_shape : tuple of int
        ``(channels, height, width)``.

    Returns
    -------
    torch.Tensor
        The images (sharing memory with ``X`` where possible).
    """
    images = to_images(X, image_shape)
    if not images.flags.writeable or not images.flags.c_contiguous:
        images = np.array(images, order="C")  # torch needs writable memory
    return torch.from_numpy(images)


def net_inputs(data: TrainingData):
    """``(X, y)`` for the skorch net: images (with weights, as a dict) and labels."""
    images = images_tensor(data.X, data.image_shape)
    X = (
        images
        if data.weights is None
        else {"data": images, "sample_weight": torch.from_numpy(data.weights)}
    )
    return X, torch.from_numpy(data.y)
