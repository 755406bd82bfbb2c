"""One registry of data sets by name, and `load_dataset` to resolve a name or a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fcnn.data.cifar import load_cifar10
from fcnn.data.dataset import Dataset
from fcnn.data.digits import load_digits
from fcnn.data.idx import load_fashion_mnist, load_mnist
from fcnn.data.image_folder import load_image_folder
from fcnn.data.playground import load_playground
from fcnn.data.toy import TOY_SETS, toy_loader

#: name -> loader ``(data_dir=None, download=True, seed=0, **kwargs) -> Dataset``
DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": load_digits,
    "mnist": load_mnist,
    "fashion-mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    **{name: toy_loader(name) for name in TOY_SETS},
    "playground": load_playground,
}


def dataset_names() -> list[str]:
    """Names accepted by `load_dataset`, in registry order.

    Examples
    --------
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

    Parameters
    ----------
    name : str | Path
        A name from `dataset_names()` or an existing folder with one sub-folder per class
        (see `load_image_folder`). A registry name wins over a folder of the same name.
    data_dir : str | Path | None
        Where to look for the files of downloadable sets before the cache `default_data_dir()`.
    download : bool
        Download missing files of ``mnist``, ``fashion-mnist`` and ``cifar10``.
    seed : int
        Seed of the train/test split for sets without an official split (digits, toy sets,
        image folders) and of toy-set generation.
    **kwargs
        Passed to the loader (e.g. ``n_samples``/``noise`` for toy sets, ``mode``/``size`` for
        image folders, ``checksums``/``verify``/``base_url`` for downloadable sets).

    Examples
    --------
    >>> ds = load_dataset("digits")
    >>> ds.image_shape, ds.class_names[:3]
    ((1, 8, 8), ['0', '1', '2'])
    >>> load_dataset("moons", n_samples=100).X_train.shape
    (80, 2)
    """
    if isinstance(name, str) and name in DATASETS:
        return DATASETS[name](data_dir=data_dir, download=download, seed=seed, **kwargs)
    if Path(name).is_dir():
        return load_image_folder(name, seed=seed, **kwargs)
    raise ValueError(
        f"unknown dataset {str(name)!r}; valid names: {', '.join(DATASETS)}, or the path of an "
        f"existing image folder with one sub-folder per class."
    )
