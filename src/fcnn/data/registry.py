"""One registry of data sets by name, and `load_dataset` to resolve a name or a folder."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path

from fcnn.data.cifar import load_cifar10
from fcnn.data.dataset import Dataset
from fcnn.data.digits import load_digits
from fcnn.data.files import shorten
from fcnn.data.idx import load_fashion_mnist, load_mnist
from fcnn.data.image_folder import load_image_folder
from fcnn.data.playground import load_playground
from fcnn.data.toy import TOY_SETS, toy_loader
from fcnn.errors import ConfigError
from fcnn.registry import Registry

#: The data sets by name; each target is a loader
#: ``(data_dir=None, download=True, seed=0, **options) -> Dataset`` whose keyword-only
#: parameters are its options.
DATASETS = Registry("dataset")
DATASETS.add("digits", load_digits, help="8x8 handwritten digits, embedded (1797 images)")
DATASETS.add("mnist", load_mnist, help="MNIST handwritten digits, 28x28 (IDX files)")
DATASETS.add("fashion-mnist", load_fashion_mnist, help="Fashion-MNIST clothing, 28x28")
DATASETS.add("cifar10", load_cifar10, aliases=("cifar-10",), help="CIFAR-10, 32x32 colour")
for _name in TOY_SETS:
    DATASETS.add(_name, toy_loader(_name), help=f"2-D toy set {_name!r}")
DATASETS.add("playground", load_playground, help="the playground's 2-D data, 2-5 classes")


def dataset_names() -> list[str]:
    """Names accepted by `load_dataset`, in registry order.

    Example:
        >>> dataset_names()[:4]
        ['digits', 'mnist', 'fashion-mnist', 'cifar10']
    """
    return list(DATASETS)


def load_dataset(
    name: str | Path,
    data_dir: str | Path | None = None,
    download: bool = True,
    seed: int = 0,
    **kwargs,
) -> Dataset:
    """Load a data set by registry name, or an image folder by path.

    Args:
        name: a name from `dataset_names()` or an existing folder with one sub-folder per class
            (see `load_image_folder`). A registry name wins over a folder of the same name.
        data_dir: where to look for the files of downloadable sets before the cache
            `default_data_dir()`.
        download: download missing files of ``mnist``, ``fashion-mnist`` and ``cifar10``; with
            ``False`` nothing touches the network or the cache.
        seed: seed of the train/test split for sets without an official split (digits, toy
            sets, image folders) and of toy-set generation.
        **kwargs: passed to the loader (e.g. ``n_samples``/``noise`` for toy sets,
            ``mode``/``size`` for image folders, ``checksums``/``verify``/``base_url`` for
            downloadable sets).

    Returns:
        The `Dataset`.

    Raises:
        ConfigError: an unknown name, or an option the loader does not take.
        InputError, MissingFileError, BudgetError, DiskError: as the loader raises them
            (a missing, damaged or oversized file, a disk fault).

    Example:
        >>> ds = load_dataset("digits")
        >>> ds.image_shape, ds.class_names[:3]
        ((1, 8, 8), ['0', '1', '2'])
        >>> load_dataset("moons", n_samples=100).X_train.shape
        (80, 2)
        >>> load_dataset("digits", n_samples=100)
        Traceback (most recent call last):
        ...
        fcnn.errors.ConfigError: dataset 'digits' takes no option 'n_samples'; its options: ...
    """
    if isinstance(name, str) and name in DATASETS:
        loader = DATASETS.get(name).target
        _check_options(name, loader, kwargs)
        return loader(data_dir=data_dir, download=download, seed=seed, **kwargs)
    if isinstance(name, (str, os.PathLike)) and _is_folder(name):
        _check_options(str(name), load_image_folder, kwargs)
        return load_image_folder(name, seed=seed, **kwargs)
    raise ConfigError(
        "dataset",
        f"unknown dataset {shorten(str(name), 100)!r}; valid names: {', '.join(DATASETS)}, or "
        f"the path of an existing image folder with one sub-folder per class."
    )


def _is_folder(name: str | os.PathLike) -> bool:
    try:
        return Path(name).is_dir()
    except (OSError, ValueError):  # a path too long for the system, a NUL byte
        return False


def _check_options(name: str, loader: Callable[..., Dataset], options: dict) -> None:
    """Refuse keyword options ``loader`` does not take, listing those it does."""
    parameters = inspect.signature(loader).parameters
    taken = [key for key, parameter in parameters.items()
             if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = [key for key in options if key not in taken]
    if unknown:
        raise ConfigError(
            unknown[0],
            f"dataset {shorten(name, 100)!r} takes no option {unknown[0]!r}; its options: "
            f"{', '.join(taken) or 'none'}."
        )
