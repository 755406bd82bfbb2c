"""Property-based fuzzing of every data reader through its public API.

Each test damages a tiny file in the real format (IDX, CIFAR-10 tar, PNG/JPEG folder) or draws
hostile arguments, calls the reader, and asserts: either a correct result or an fcnn error,
never another exception, never a silently wrong result. "Correct" is decided by an independent
reference: with checksums on, a damaged file must never load; with them off, what loads must
equal what a plain reading of the damaged bytes (gzip, tarfile, Pillow) gives.

Sizes: see ``tests/data/fuzz.py`` (``FCNN_FUZZ_EXAMPLES=5000`` for a long run by hand).
"""

from __future__ import annotations

import gzip
import io
import socket
import struct
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from fcnn.data import (
    AUGMENTATIONS,
    DATASETS,
    PREPROCESSORS,
    TOY_SETS,
    Compose,
    Dataset,
    Pipeline,
    load_cifar10,
    load_dataset,
    load_digits,
    load_image_folder,
    load_mnist,
    make_augmentation,
    make_preprocessing,
    make_toy,
)
from fcnn.data.dataset import split_dataset
from fcnn.data.download import Source, find_or_download
from fcnn.limits import use_memory_budget

from .formats import (
    CIFAR_CLASSES,
    CIFAR_MEMBERS,
    cifar_tar,
    forge_png_size,
    idx_images,
    idx_labels,
    jpeg_bytes,
    md5,
    png_bytes,
)
from .fuzz import ANYTHING, FUZZ, expect_dataset_or_fcnn_error, mostly, mutated

#: every fuzz test runs with this budget, so an oversized header is refused fast
BUDGET = "32MiB"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Readers called with download=False (all of them here) must never open a connection."""
    def refuse(*args, **kwargs):
        raise AssertionError("a reader tried to open a network connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*")) if folder.exists() else []


# ---------------------------------------------------------------------------------------- IDX

IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_rng = np.random.default_rng(0)
IDX_ARRAYS = {
    IDX_NAMES[0]: _rng.integers(0, 256, (3, 10, 8), dtype=np.uint8),
    IDX_NAMES[1]: np.array([1, 9, 0], dtype=np.uint8),
    IDX_NAMES[2]: _rng.integers(0, 256, (2, 10, 8), dtype=np.uint8),
    IDX_NAMES[3]: np.array([3, 4], dtype=np.uint8),
}
IDX_RAW = {name: (idx_images(a) if a.ndim == 3 else idx_labels(a))
           for name, a in IDX_ARRAYS.items()}


def reference_idx(data: bytes, ndim: int) -> np.ndarray | None:
    """What an IDX file holds by the letter of the format, or None when it is not valid."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:
            return None
    header = 4 * (1 + ndim)
    if len(data) < header:
        return None
    magic, *dims = struct.unpack(f">{1 + ndim}I", data[:header])
    if magic != (0x803 if ndim == 3 else 0x801) or 0 in dims:
        return None
    if int(np.prod(dims, dtype=object)) != len(data) - header:
        return None
    return np.frombuffer(data[header:], dtype=np.uint8).reshape(dims)


def expected_idx(files: dict[str, bytes]) -> Dataset | None:
    arrays = {name: reference_idx(data, 3 if "images" in name else 1)
              for name, data in files.items()}
    if any(a is None for a in arrays.values()):
        return None
    X_train, y_train, X_test, y_test = (arrays[n] for n in IDX_NAMES)
    if (len(X_train) != len(y_train) or len(X_test) != len(y_test)
            or X_train.shape[1:] != X_test.shape[1:] or y_train.max() > 9 or y_test.max() > 9):
        return None
    return Dataset("mnist", X_train.reshape(len(X_train), -1), y_train.astype(np.int64),
                   X_test.reshape(len(X_test), -1), y_test.astype(np.int64),
                   [str(d) for d in range(10)], (1, *X_train.shape[1:]))


def same_dataset(got: object, expected: Dataset | None) -> str | None:
    """None when ``got`` is a Dataset equal to ``expected``, else what differs."""
    if expected is None:
        return "loaded a file that is not valid by the letter of its format"
    if not isinstance(got, Dataset):
        return f"returned {type(got).__name__}, not a Dataset"
    for field in ("X_train", "y_train", "X_test", "y_test"):
        a, b = getattr(got, field), getattr(expected, field)
        if a.shape != b.shape or a.dtype != b.dtype or not np.array_equal(a, b):
            return f"{field} differs from the reference: {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
    if list(got.class_names) != list(expected.class_names):
        return f"class names {got.class_names} differ from {expected.class_names}"
    if got.image_shape != expected.image_shape:
        return f"image_shape {got.image_shape} differs from {expected.image_shape}"
    return None


@FUZZ
@given(data=st.data())
def test_fuzz_idx(data, isolated_cache):
    compress = data.draw(st.booleans(), "gzip'd files")
    target = data.draw(st.sampled_from(IDX_NAMES), "damaged file")
    layer = data.draw(st.sampled_from(["content", "gzip stream"] if compress else ["content"]))
    verify = data.draw(st.booleans(), "verify")
    fields = (4, 8, 12) if "images" in target else (4,)
    written, checksums = {}, {}
    for name, raw in IDX_RAW.items():
        blob = gzip.compress(raw, mtime=0) if compress else raw
        if name == target and layer == "content":
            damaged = data.draw(mutated(raw, fields))
            blob = gzip.compress(damaged, mtime=0) if compress else damaged
        elif name == target:
            blob = data.draw(mutated(blob))
        file_name = name if compress else name.removesuffix(".gz")
        written[file_name] = blob
        original = gzip.compress(raw, mtime=0) if compress else raw
        checksums[file_name] = md5(original)
    with tempfile.TemporaryDirectory() as tmp, use_memory_budget(BUDGET):
        folder = Path(tmp)
        for file_name, blob in written.items():
            (folder / file_name).write_bytes(blob)
        load = lambda: load_mnist(folder, download=False, checksums=checksums, verify=verify)  # noqa: E731
        if verify:  # every damaged file fails its MD5: nothing may load
            check = lambda ds: "a damaged file passed its checksum"  # noqa: E731
        else:
            by_official = dict(zip(IDX_NAMES, written.values()))
            check = lambda ds: same_dataset(ds, expected_idx(by_official))  # noqa: E731
        expect_dataset_or_fcnn_error("idx (load_mnist)", load, check)
    assert files_under(isolated_cache) == []


# -------------------------------------------------------------------------------------- CIFAR

CIFAR_RECORDS = 2
CIFAR_TAR, CIFAR_CONTENTS, CIFAR_CHECKSUMS = cifar_tar(CIFAR_RECORDS)
CIFAR_HEADERS = tuple(range(0, len(CIFAR_TAR) - 1024, 512))  # candidates; real ones filtered
CIFAR_HEADER_OFFSETS = tuple(
    offset for offset in CIFAR_HEADERS if CIFAR_TAR[offset + 257:offset + 262] == b"ustar")
CIFAR_EXPECTED = Dataset(
    "cifar10",
    np.concatenate([CIFAR_CONTENTS[m][0] for m in CIFAR_MEMBERS[:5]]),
    np.concatenate([CIFAR_CONTENTS[m][1] for m in CIFAR_MEMBERS[:5]]).astype(np.int64),
    CIFAR_CONTENTS["test_batch.bin"][0], CIFAR_CONTENTS["test_batch.bin"][1].astype(np.int64),
    CIFAR_CLASSES, (3, 32, 32))


@st.composite
def tar_header_damage(draw: st.DrawFn, tar: bytes) -> bytes:
    """A member header of ``tar`` rewritten (size, type, name) with its checksum fixed, so
    tarfile accepts the header and the loader's own checks are what is tested."""
    out = bytearray(tar)
    header = draw(st.sampled_from(CIFAR_HEADER_OFFSETS))
    field = draw(st.sampled_from(["size", "type", "name", "sparse"]))
    if field == "size":
        size = draw(st.sampled_from([0, 1, 3072, 3073 * CIFAR_RECORDS - 1, 3073 * CIFAR_RECORDS + 1,
                                     4097, 10**9, 8**11 - 1]) | st.integers(0, 8**11 - 1))
        if draw(st.booleans()):
            out[header + 124:header + 136] = f"{size:011o}\0".encode()
        else:  # GNU base-256 for sizes beyond the octal field
            big = draw(st.integers(0, 2**88 - 1))
            out[header + 124:header + 136] = b"\x80" + big.to_bytes(11, "big")
    elif field == "type":
        out[header + 156:header + 157] = draw(st.sampled_from(list(b"0125xgLK7")))\
            .to_bytes(1, "big")
    elif field == "sparse":  # an old-GNU sparse member: a map of (offset, size) pairs
        out[header + 156:header + 157] = b"S"
        out[header + 386:header + 483] = draw(st.binary(min_size=97, max_size=97))
        out[header + 482] = draw(st.sampled_from([0, 1]))
    else:
        names = [f"cifar-10-batches-bin/{m}" for m in (*CIFAR_MEMBERS, "batches.meta.txt")]
        name = draw(st.sampled_from([*names, "./" + names[0], "other"])).encode()
        out[header:header + 100] = name.ljust(100, b"\0")
    out[header + 148:header + 156] = b" " * 8
    checksum = sum(out[header:header + 512])
    out[header + 148:header + 156] = f"{checksum:06o}\0 ".encode()
    return bytes(out)


PAX_KEYWORDS = ["path", "size", "linkpath", "mtime", "uid", "hdrcharset", "GNU.sparse.major",
                "GNU.sparse.minor", "GNU.sparse.map", "GNU.sparse.size", "GNU.sparse.numblocks",
                "GNU.sparse.offset", "GNU.sparse.numbytes", "GNU.sparse.name",
                "GNU.sparse.realsize"]


@st.composite
def pax_records(draw: st.DrawFn) -> bytes:
    """CIFAR_TAR with extended (pax) records of drawn keywords and values before one member."""
    records = draw(st.dictionaries(
        st.sampled_from(PAX_KEYWORDS) | st.text(min_size=1, max_size=8),
        st.text(max_size=20) | st.integers(-5, 2**70).map(str)
        | st.sampled_from(["0,1,2", "1", "0", "1.0", "\n", "x" * 300]), min_size=1, max_size=4))
    target = draw(st.sampled_from(range(7)))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(CIFAR_TAR)) as source, \
            tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for index, member in enumerate(source.getmembers()):
            data = source.extractfile(member).read()
            if index == target:
                member.pax_headers = {k.replace("=", "").replace("\0", ""): v.replace("\0", "")
                                      for k, v in records.items()}
            try:
                archive.addfile(member, io.BytesIO(data))
            except (ValueError, UnicodeError, tarfile.TarError):  # the writer refused them
                member.pax_headers = {}
                archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def reference_cifar(path: Path) -> Dataset | None:
    """What the damaged archive holds as the standard library's tarfile reads it."""
    try:
        with tarfile.open(path, "r:*") as archive:
            members = {m.name.removeprefix("./"): m for m in archive.getmembers()}
            blobs = {}
            for name in (*CIFAR_MEMBERS, "batches.meta.txt"):
                member = members.get(f"cifar-10-batches-bin/{name}")
                if member is None:
                    continue
                blobs[name] = archive.extractfile(member).read()
    except Exception:
        return None
    parts = {}
    for name in CIFAR_MEMBERS:
        blob = blobs.get(name)
        if blob is None or len(blob) != 3073 * CIFAR_RECORDS:
            return None
        records = np.frombuffer(blob, dtype=np.uint8).reshape(CIFAR_RECORDS, 3073)
        if records[:, 0].max() > 9:
            return None
        parts[name] = (records[:, 1:], records[:, 0].astype(np.int64))
    class_names = CIFAR_CLASSES
    if "batches.meta.txt" in blobs:
        class_names = [line.strip() for line in blobs["batches.meta.txt"].decode().splitlines()
                       if line.strip()]
    return Dataset("cifar10", np.concatenate([parts[m][0] for m in CIFAR_MEMBERS[:5]]),
                   np.concatenate([parts[m][1] for m in CIFAR_MEMBERS[:5]]),
                   *parts["test_batch.bin"], class_names, (3, 32, 32))


@FUZZ
@given(data=st.data())
def test_fuzz_cifar10(data, isolated_cache):
    layer = data.draw(st.sampled_from(["gzip stream", "tar bytes", "plain tar", "tar header",
                                       "pax records", "class names"]))
    verify = data.draw(st.booleans(), "verify")
    tar = CIFAR_TAR
    if layer in ("tar bytes", "plain tar"):
        tar = data.draw(mutated(tar))
    elif layer == "tar header":
        tar = data.draw(tar_header_damage(tar))
    elif layer == "pax records":
        tar = data.draw(pax_records())
    elif layer == "class names":
        meta = data.draw(mutated(b"\n".join(name.encode() for name in CIFAR_CLASSES) + b"\n"))
        tar, _, _ = cifar_tar(CIFAR_RECORDS, meta=meta)
    blob = tar if layer == "plain tar" else gzip.compress(tar, mtime=0)
    if layer == "gzip stream":
        blob = data.draw(mutated(blob))
    with tempfile.TemporaryDirectory() as tmp, use_memory_budget(BUDGET):
        path = Path(tmp) / "cifar-10-binary.tar.gz"
        path.write_bytes(blob)
        load = lambda: load_cifar10(tmp, download=False, checksums=CIFAR_CHECKSUMS,  # noqa: E731
                                    verify=verify, records_per_file=CIFAR_RECORDS)
        if verify:  # the members and the class names are checksummed: only the original loads
            check = lambda ds: same_dataset(ds, CIFAR_EXPECTED)  # noqa: E731
        else:
            check = lambda ds: same_dataset(ds, reference_cifar(path))  # noqa: E731
        expect_dataset_or_fcnn_error("cifar10 (load_cifar10)", load, check)
    assert files_under(isolated_cache) == []


# ------------------------------------------------------------------------------- image folder

_pixels = np.random.default_rng(1).integers(0, 256, (4, 3, 4, 3), dtype=np.uint8)
IMAGE_FILES = {
    "a/0.png": png_bytes(_pixels[0]),
    "a/1.jpg": jpeg_bytes(_pixels[1]),
    "b/0.png": png_bytes(_pixels[2][:, :, 0]),  # grayscale
    "b/1.png": png_bytes(_pixels[3]),
}


def reference_folder(root: Path, mode: str, size: tuple[int, int] | None,
                     test_fraction: float = 0.5) -> Dataset | None:
    """The folder as plain Pillow decodes it, split as load_image_folder splits."""
    rows, labels = [], []
    for label, cls in enumerate(["a", "b"]):
        for file in sorted((root / cls).iterdir()):
            try:
                with Image.open(file, formats=("PNG", "JPEG")) as image:
                    image = image.convert(mode)
                    if size is not None:
                        image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                    array = np.asarray(image, dtype=np.uint8)
            except Exception:
                return None
            rows.append(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))
            labels.append(label)
    if len({row.shape for row in rows}) != 1:
        return None
    X = np.stack([row.reshape(-1) for row in rows])
    return split_dataset(str(root), X, np.array(labels, dtype=np.int64), ["a", "b"],
                         rows[0].shape, test_fraction, 0)


@FUZZ
@given(data=st.data())
def test_fuzz_image_folder(data):
    target = data.draw(st.sampled_from(sorted(IMAGE_FILES)), "damaged file")
    original = IMAGE_FILES[target]
    if target.endswith(".png") and data.draw(st.booleans(), "forge the PNG size"):
        width = data.draw(st.integers(1, 2**31 - 1) | st.sampled_from([1, 4, 5000, 9500]))
        height = data.draw(st.integers(1, 2**31 - 1) | st.sampled_from([1, 3, 5000, 9500]))
        damaged = forge_png_size(original, width, height)
    else:
        damaged = data.draw(mutated(original, fields=(16, 20) if target.endswith(".png") else ()))
    mode = data.draw(mostly(st.sampled_from(["RGB", "L"])), "mode")
    size = data.draw(mostly(st.sampled_from([None, (2, 3), (1, 1)])), "size")
    test_fraction = data.draw(mostly(st.just(0.5)), "test_fraction")
    with tempfile.TemporaryDirectory() as tmp, use_memory_budget(BUDGET):
        root = Path(tmp)
        for name, blob in IMAGE_FILES.items():
            (root / name).parent.mkdir(exist_ok=True)
            (root / name).write_bytes(damaged if name == target else blob)
        load = lambda: load_image_folder(root, mode=mode, size=size,  # noqa: E731
                                         test_fraction=test_fraction)
        check = lambda ds: same_dataset(  # noqa: E731
            ds, reference_folder(root, mode, size, test_fraction))
        expect_dataset_or_fcnn_error("image folder (load_image_folder)", load, check)
    assert Image.MAX_IMAGE_PIXELS == 89_478_485 or Image.MAX_IMAGE_PIXELS is None


# ----------------------------------------------------------------------- hostile arguments

def valid_toy(result, n_samples, n_classes) -> str | None:
    X, y = result
    if X.shape != (n_samples, 2) or X.dtype != np.float32 or y.dtype != np.int64:
        return f"shapes/dtypes {X.shape} {X.dtype} {y.dtype}"
    if not np.isfinite(X).all():
        return "non-finite coordinates"
    counts = np.bincount(y, minlength=n_classes)
    if len(counts) != n_classes or counts.max() - counts.min() > 1:
        return f"unbalanced or out-of-range labels {counts}"
    return None


@FUZZ
@given(name=mostly(st.sampled_from(sorted(TOY_SETS))),
       n_samples=mostly(st.integers(-3, 3000) | st.just(10**15)),
       noise=mostly(st.floats(0, 10)), seed=mostly(st.integers(0, 2**64)))
def test_fuzz_make_toy(name, n_samples, noise, seed):
    def check(result):
        return valid_toy(result, n_samples, len(TOY_SETS[name][1]))
    with use_memory_budget("16MiB"):
        expect_dataset_or_fcnn_error("toy sets (make_toy)",
                                     lambda: make_toy(name, n_samples, noise, seed), check)


@FUZZ
@given(seed=mostly(st.integers(0, 2**64)), test_fraction=mostly(st.floats(0, 1)))
def test_fuzz_load_digits(seed, test_fraction):
    def check(ds):
        total = len(ds.X_train) + len(ds.X_test)
        if total != 1797 or len(ds.X_train) == 0 or ds.X_train.dtype != np.uint8:
            return f"{ds}"
        # each of the 10 classes rounds its share: the test part is within 5 of the fraction
        if ds.X_train.max() > 16 or abs(len(ds.X_test) - 1797 * test_fraction) > 5:
            return f"{ds} for test_fraction {test_fraction}"
        return None
    expect_dataset_or_fcnn_error("digits (load_digits)",
                                 lambda: load_digits(seed=seed, test_fraction=test_fraction),
                                 check)


IMAGE_SHAPES = mostly(st.none() | st.tuples(st.integers(1, 4), st.integers(1, 40),
                                             st.integers(1, 40)))


@FUZZ
@given(names=mostly(st.lists(mostly(st.sampled_from(sorted(PREPROCESSORS))), max_size=4)),
       image_shape=IMAGE_SHAPES)
def test_fuzz_make_preprocessing(names, image_shape):
    def check(pipeline):
        if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != len(names):
            return f"{pipeline!r} for {names!r}"
        return None
    expect_dataset_or_fcnn_error("preprocessing (make_preprocessing)",
                                 lambda: make_preprocessing(names, image_shape), check)


@FUZZ
@given(names=mostly(st.lists(mostly(st.sampled_from(sorted(AUGMENTATIONS))), max_size=4)),
       image_shape=IMAGE_SHAPES, seed=mostly(st.integers(0, 2**64)))
def test_fuzz_make_augmentation(names, image_shape, seed):
    def check(compose):
        if not isinstance(compose, Compose) or len(compose.augmentations) != len(names):
            return f"{compose!r} for {names!r}"
        size = int(np.prod(image_shape, dtype=object))
        if size <= 4096:
            out = compose(np.zeros((2, size), dtype=np.uint8))
            if out.shape != (2, size):
                return f"augmented batch of shape {out.shape}"
        return None
    expect_dataset_or_fcnn_error("augmentation (make_augmentation)",
                                 lambda: make_augmentation(names, image_shape, seed), check)


OPTIONS = st.dictionaries(
    st.sampled_from(["n_samples", "noise", "test_fraction", "checksums", "verify", "base_url",
                     "records_per_file", "mode", "size", "bogus"]),
    mostly(st.integers(1, 500) | st.floats(0, 1) | st.sampled_from(["RGB", "L"])), max_size=3)


@FUZZ
@given(name=mostly(st.sampled_from(sorted(DATASETS)) | st.text(max_size=20)),
       seed=mostly(st.integers(0, 100)), options=OPTIONS)
def test_fuzz_load_dataset(name, seed, options, isolated_cache):
    def check(ds):
        if not isinstance(ds, Dataset) or ds.n_classes < 2:
            return f"{ds!r}"
        for y in (ds.y_train, ds.y_test):
            if len(y) and (y.min() < 0 or y.max() >= ds.n_classes):
                return f"labels out of range in {ds!r}"
        return None
    with tempfile.TemporaryDirectory() as empty, use_memory_budget("16MiB"):
        expect_dataset_or_fcnn_error(
            "registry (load_dataset)",
            lambda: load_dataset(name, data_dir=empty, download=False, seed=seed, **options),
            check)
    assert files_under(isolated_cache) == []


@FUZZ
@given(where=st.sampled_from(["the file", "a folder", "nothing", "None"]),
       hostile_dir=st.none() | st.text(max_size=30) | ANYTHING,
       base_url=mostly(st.none() | st.sampled_from(["https://example.org/", "ftp://x/"])),
       checksums=st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8)))
def test_fuzz_find_or_download_offline(where, hostile_dir, base_url, checksums, isolated_cache):
    source = Source("demo", files=("a.bin",), base_urls=("https://example.org/",))
    with tempfile.TemporaryDirectory() as tmp:
        data_dir: object = tmp
        if where == "the file":
            (Path(tmp) / "a.bin").write_bytes(b"data")
        elif where == "a folder":
            (Path(tmp) / "a.bin").mkdir()
        elif where == "None":
            data_dir = hostile_dir

        def check(found):
            ok = where == "the file" and found == {"a.bin": Path(tmp) / "a.bin"}
            return None if ok else f"found {found} with {where} in data_dir"
        expect_dataset_or_fcnn_error(
            "download (find_or_download, offline)",
            lambda: find_or_download(source, data_dir, False, checksums, base_url), check)
    assert files_under(isolated_cache) == []


def test_fuzz_references_accept_the_originals(tmp_path):
    """The references judge the fuzz tests: on the undamaged files they agree with the loaders."""
    expected = expected_idx(dict(zip(IDX_NAMES, IDX_RAW.values())))
    assert expected is not None and expected.X_train.shape == (3, 80)
    path = tmp_path / "cifar-10-binary.tar.gz"
    path.write_bytes(gzip.compress(CIFAR_TAR))
    assert same_dataset(reference_cifar(path), CIFAR_EXPECTED) is None
    loaded = load_cifar10(tmp_path, download=False, checksums=CIFAR_CHECKSUMS,
                          records_per_file=CIFAR_RECORDS)
    assert same_dataset(loaded, CIFAR_EXPECTED) is None
    assert len(CIFAR_HEADER_OFFSETS) == 7  # the class-name file and six batches
    for name, blob in IMAGE_FILES.items():
        (tmp_path / "folder" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "folder" / name).write_bytes(blob)
    reference = reference_folder(tmp_path / "folder", "RGB", None)
    assert reference is not None
    loaded = load_image_folder(tmp_path / "folder", test_fraction=0.5)
    assert same_dataset(loaded, reference) is None
