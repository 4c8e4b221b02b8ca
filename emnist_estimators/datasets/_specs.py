"""One specification per dataset: everything the loaders know about it.

In the manner of torchvision's dataset classes, each dataset is described once,
by a :class:`DatasetSpec` in :data:`DATASETS`: its classes, its images, its
files and where they are looked for and downloaded from, and its description.
The loaders, the label mappings, the downloads and the lists of names
(:data:`DATASET_NAMES`, :data:`EMNIST_SPLITS`) all read these specs, so adding
a dataset, e.g. another EMNIST split, is adding one entry.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from . import _descr
from ._digits import read_digits

#: The parts that a dataset's files are published in.
PARTS = ("train", "test")

#: Lowercase letters that EMNIST *bymerge* and *balanced* merge into uppercase.
MERGED_LOWERCASE = "cijklmopsuvwxyz"


@dataclass(frozen=True)
class DatasetSpec:
    """What the loaders know about one dataset.

    A dataset is read either from idx files (``files``, with ``torchvision``
    naming where they are downloaded from) or by a ``reader``.

    Parameters
    ----------
    name : str
        The name :func:`load_dataset` accepts, e.g. ``'emnist-letters'``.
    title : str
        The name in descriptions and messages, e.g. ``'EMNIST letters'``.
    classes : tuple of str
        The character or name of each class, in label order.
    description : str
        The body of the ``DESCR`` of the loaders' Bunch.
    first_label : int, default=0
        The label of ``classes[0]`` (1 for EMNIST *letters*).
    merged_lowercase : str, default=''
        Lowercase letters that have no class of their own but belong to
        their uppercase letter's; :func:`char_to_label` maps them there.
    image_size : tuple of int, default=(28, 28)
        The ``(height, width)`` of the upright images.
    transposed : bool, default=False
        Whether the files store each image transposed, rows and columns
        swapped (EMNIST's do); the loaders transpose them back.
    files : mapping of str to tuple of str, default={}
        For each part, 'train' and 'test', the names of its images and labels
        idx files, without ``.gz``.
    folders : tuple of str, default=()
        The folders, relative to the data folder (``''`` is the data folder
        itself), that are searched for the files before torchvision's
        ``<data folder>/<torchvision>/raw``.
    verify_data_folder : bool, default=False
        Whether files lying directly in the data folder (when it is not in
        ``folders``) are read if, and only if, they are the published gzip
        files, recognised by their md5 checksums: MNIST and Fashion-MNIST
        publish files under the same names.
    mapping_file : str, default=None
        For an EMNIST split, the name of its official mapping file, which is
        checked against ``classes`` when it lies beside the images.
    torchvision : str, default=None
        The :mod:`torchvision.datasets` class whose URLs and md5 checksums
        are used (read from torchvision only when a file is downloaded or
        checked, so that loading local files does not import torch), and
        whose folder ``<data folder>/<torchvision>/raw`` the files are
        downloaded to. Specs with the same class share one download.
    download_size : str, default=None
        The size of that download, for messages, e.g. ``'about 12 MB'``.
    split : str, default=None
        The EMNIST split (the Bunch's ``split``), None for other datasets.
    reader : callable, default=None
        For a dataset without files, ``reader(subset)`` returns its upright
        uint8 images and int64 labels.

    Attributes
    ----------
    n_classes : int
        The number of classes.
    mapping : dict of int to str
        Each label to its class, in label order (a new dict at each access).

    Examples
    --------
    >>> from emnist_estimators.datasets import get_dataset_spec
    >>> spec = get_dataset_spec("emnist-letters")
    >>> spec.n_classes, spec.first_label, spec.transposed, spec.image_size
    (26, 1, True, (28, 28))
    """

    name: str
    title: str
    classes: tuple[str, ...]
    description: str = field(repr=False)
    first_label: int = 0
    merged_lowercase: str = ""
    image_size: tuple[int, int] = (28, 28)
    transposed: bool = False
    files: Mapping[str, tuple[str, str]] = field(default_factory=dict, hash=False)
    folders: tuple[str, ...] = ()
    verify_data_folder: bool = False
    mapping_file: str | None = None
    torchvision: str | None = None
    download_size: str | None = None
    split: str | None = None
    reader: Callable[[str], tuple[np.ndarray, np.ndarray]] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
        has_files = set(self.files) == set(PARTS) and self.torchvision is not None
        if has_files == (self.reader is not None) or (self.files and not has_files):
            raise ValueError(
                f"The spec of {self.name!r} needs either files for the parts "
                "'train' and 'test' and a torchvision class, or a reader."
            )

    @property
    def n_classes(self) -> int:
        """The number of classes."""
        return len(self.classes)

    @property
    def mapping(self) -> dict[int, str]:
        """Each label to its class, in label order (a new dict each time)."""
        return {self.first_label + i: c for i, c in enumerate(self.classes)}


def _emnist(
    split: str, classes: str, first_label: int = 0, merged_lowercase: str = ""
) -> DatasetSpec:
    """The spec of an EMNIST split: the official files, in the official layout."""
    return DatasetSpec(
        name=f"emnist-{split}",
        title=f"EMNIST {split}",
        classes=tuple(classes),
        description=_descr.EMNIST.format(chars=" ".join(classes)),
        first_label=first_label,
        merged_lowercase=merged_lowercase,
        transposed=True,
        files={
            part: (
                f"emnist-{split}-{part}-images-idx3-ubyte",
                f"emnist-{split}-{part}-labels-idx1-ubyte",
            )
            for part in PARTS
        },
        # The data folder itself, and where the official gzip.zip unpacks.
        folders=("", "gzip"),
        mapping_file=f"emnist-{split}-mapping.txt",
        torchvision="EMNIST",
        download_size="about 560 MB",
        split=split,
    )


def _mnist_format(
    name: str,
    title: str,
    classes: Sequence[str],
    description: str,
    torchvision: str,
    size: str,
) -> DatasetSpec:
    """The spec of a dataset published as MNIST is (the same file names)."""
    return DatasetSpec(
        name=name,
        title=title,
        classes=tuple(classes),
        description=description,
        files={
            "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        },
        verify_data_folder=True,
        torchvision=torchvision,
        download_size=size,
    )


_DIGITS = string.digits
_UPPER = string.ascii_uppercase
_LOWER = string.ascii_lowercase
_BYMERGE = _DIGITS + _UPPER + "".join(c for c in _LOWER if c not in MERGED_LOWERCASE)
# Fashion-MNIST's class names, label 0 to 9 (as torchvision's FashionMNIST).
_FASHION = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Every dataset's spec, by name, in the order of :data:`DATASET_NAMES`.
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        _emnist("byclass", _DIGITS + _UPPER + _LOWER),
        _emnist("bymerge", _BYMERGE, merged_lowercase=MERGED_LOWERCASE),
        _emnist("balanced", _BYMERGE, merged_lowercase=MERGED_LOWERCASE),
        _emnist("letters", _UPPER, first_label=1, merged_lowercase=_LOWER),
        _emnist("digits", _DIGITS),
        _emnist("mnist", _DIGITS),
        _mnist_format("mnist", "MNIST", _DIGITS, _descr.MNIST, "MNIST", "about 12 MB"),
        _mnist_format(
            "fashion-mnist",
            "Fashion-MNIST",
            _FASHION,
            _descr.FASHION_MNIST.format(chars=", ".join(_FASHION)),
            "FashionMNIST",
            "about 31 MB",
        ),
        DatasetSpec(
            name="digits",
            title="Digits",
            classes=tuple(_DIGITS),
            description=_descr.DIGITS,
            image_size=(8, 8),
            reader=read_digits,
        ),
    )
}


def emnist_splits() -> tuple[str, ...]:
    """The ``split`` of every registered spec that has one, in order."""
    return tuple(spec.split for spec in DATASETS.values() if spec.split is not None)


def emnist_spec(split: str) -> DatasetSpec:
    """The registered spec whose ``split`` is ``split``."""
    for spec in DATASETS.values():
        if spec.split == split:
            return spec
    raise KeyError(f"No EMNIST split {split!r} is registered.")


#: The names accepted by :func:`load_dataset`.
DATASET_NAMES = tuple(DATASETS)
#: The six official EMNIST splits.
EMNIST_SPLITS = emnist_splits()
