"""Data sets, preprocessing and augmentation.

Load by name through one registry (``load_dataset("cifar10")``), get a `Dataset` whose image
rows are flattened CHW ``uint8`` vectors, then scale/standardize/whiten with objects fitted on
the training part only, and augment minibatches with seeded random flips and crops.

Every reader is bounded and verified: a header is checked against the file's real size and the
memory budget (`fcnn.limits`) before anything is allocated, official files are checked against
their MD5s, and any problem with a file raises an `fcnn.errors` error (`InputError`,
`MissingFileError`, `BudgetError` or `DiskError`) naming the file and saying how to fix it.

Example:
    >>> from fcnn.data import load_dataset, make_preprocessing
    >>> ds = load_dataset("digits", seed=0)
    >>> prep = make_preprocessing(["scale", "standardize"], ds.image_shape)
    >>> X_train = prep.fit_transform(ds.X_train)
    >>> X_test = prep.transform(ds.X_test)
    >>> X_train.dtype, X_test.shape
    (dtype('float32'), (359, 64))
"""

from fcnn.data.augment import AUGMENTATIONS, Compose, RandomCrop, RandomFlip, make_augmentation
from fcnn.data.cifar import load_cifar10
from fcnn.data.dataset import Dataset, stratified_split
from fcnn.data.digits import load_digits
from fcnn.data.download import default_data_dir
from fcnn.data.idx import load_fashion_mnist, load_mnist
from fcnn.data.image_folder import load_image_folder
from fcnn.data.preprocess import (
    PREPROCESSORS,
    PCAWhiten,
    Pipeline,
    Scale,
    Standardize,
    ZCAWhiten,
    make_preprocessing,
)
from fcnn.data.registry import DATASETS, dataset_names, load_dataset
from fcnn.data.toy import TOY_SETS, make_toy

__all__ = [
    "AUGMENTATIONS",
    "DATASETS",
    "PREPROCESSORS",
    "TOY_SETS",
    "Compose",
    "Dataset",
    "PCAWhiten",
    "Pipeline",
    "RandomCrop",
    "RandomFlip",
    "Scale",
    "Standardize",
    "ZCAWhiten",
    "dataset_names",
    "default_data_dir",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_image_folder",
    "load_mnist",
    "make_augmentation",
    "make_preprocessing",
    "make_toy",
    "stratified_split",
]
