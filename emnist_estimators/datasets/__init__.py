"""Loaders for EMNIST, MNIST, Fashion-MNIST and scikit-learn's digits.

All loaders share one signature and return ``(X, y)`` by default: ``X`` is a
uint8 array of upright images of shape (n_samples, height, width), ``y`` an
int64 array of labels. With ``return_X_y=False`` they return a
:class:`sklearn.utils.Bunch` (``data``, ``images``, ``target``,
``target_names``, ``mapping``, ``DESCR``, ...).

Data folder
-----------
Files are looked for in ``data_dir``, else in the folder named by the
environment variable ``EMNIST_ESTIMATORS_DATA``, else in
``~/.cache/emnist_estimators`` (see :func:`get_data_home`): in the folder
itself and in torchvision's layout below it (``EMNIST/raw``, ``MNIST/raw``,
``FashionMNIST/raw``), gzip-compressed or not, so that files a user already
has (e.g. from :mod:`torchvision.datasets`) are used as they are. With
``download=True`` missing files are downloaded (from torchvision's URLs,
checked against its md5 checksums) into torchvision's layout; a failed or
interrupted download leaves no file behind.

Datasets
--------
Each dataset is described once, by a :class:`DatasetSpec` (its classes, image
size and orientation, files, download and description; see
:func:`get_dataset_spec`), and every loader reads its spec.

Validation set
--------------
There is no wrapper for holding out a validation set: use scikit-learn's
:func:`~sklearn.model_selection.train_test_split`, stratified and seeded::

    >>> from sklearn.model_selection import train_test_split
    >>> from emnist_estimators.datasets import load_digits
    >>> X, y = load_digits()
    >>> X_train, X_val, y_train, y_val = train_test_split(
    ...     X, y, test_size=0.2, stratify=y, random_state=0
    ... )
    >>> X_train.shape, X_val.shape
    ((1149, 8, 8), (288, 8, 8))
"""

import importlib

#: Where each public name lives; imported on first use, so that reading the
#: dataset names (the command line's --help) does not import scikit-learn.
_LOCATIONS = {
    "load_emnist": "._emnist",
    "get_data_home": "._home",
    "read_idx": "._idx",
    "write_idx": "._idx",
    "get_dataset_spec": "._load",
    "load_dataset": "._load",
    "load_digits": "._load",
    "char_to_label": "._mapping",
    "get_emnist_mapping": "._mapping",
    "label_to_char": "._mapping",
    "read_mapping_file": "._mapping",
    "load_fashion_mnist": "._mnist",
    "load_mnist": "._mnist",
    "DATASET_NAMES": "._specs",
    "EMNIST_SPLITS": "._specs",
    "DatasetSpec": "._specs",
    "load_train_test": "._splits",
}

__all__ = [
    "DATASET_NAMES",
    "EMNIST_SPLITS",
    "DatasetSpec",
    "char_to_label",
    "get_data_home",
    "get_dataset_spec",
    "get_emnist_mapping",
    "label_to_char",
    "load_dataset",
    "load_digits",
    "load_emnist",
    "load_fashion_mnist",
    "load_mnist",
    "load_train_test",
    "read_idx",
    "read_mapping_file",
    "write_idx",
]


def __getattr__(name: str):
    if name in _LOCATIONS:
        return getattr(importlib.import_module(_LOCATIONS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
