"""Faults around the readers: the disk, permissions, odd paths, the cache, the class names.

Every case must end in an fcnn error that names the file, and ``download=False`` must leave
the network and the cache alone.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import socket
import tarfile

import numpy as np
import pytest
from PIL import Image

import fcnn.data.cifar as cifar
import fcnn.data.files as files
from fcnn.data import load_cifar10, load_dataset, load_image_folder, load_mnist
from fcnn.errors import ConfigError, DiskError, InputError, MissingFileError

from .formats import (
    CIFAR_CLASSES,
    cifar_tar,
    md5,
    write_cifar_archive,
    write_mnist,
)

ARCHIVE = "cifar-10-binary.tar.gz"
as_root = pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")


def files_under(folder):
    return sorted(str(p) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a reader opened a network connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ------------------------------------------------------------------- download=False is offline

def test_offline_load_of_present_files_leaves_the_cache_untouched(tmp_path, isolated_cache,
                                                                  no_network):
    _, checksums = write_mnist(tmp_path / "mnist")
    load_mnist(tmp_path, download=False, checksums=checksums)
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE)
    load_cifar10(tmp_path, download=False, checksums=checksums, records_per_file=4)
    assert not isolated_cache.exists()


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10"])
def test_offline_load_of_missing_files_touches_neither_network_nor_cache(
        name, tmp_path, isolated_cache, no_network):
    with pytest.raises(MissingFileError, match="not found. Looked in") as info:
        load_dataset(name, data_dir=tmp_path, download=False)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ValueError)
    assert not isolated_cache.exists()
    assert files_under(tmp_path) == []


# ---------------------------------------------------------------------------- odd paths, disk

def test_a_folder_where_a_file_is_expected(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").mkdir()
    with pytest.raises(InputError, match=r"t10k-labels-idx1-ubyte\.gz is a folder or another "
                                         r"kind of non-file; expected the file"):
        load_mnist(tmp_path, download=False, verify=False)


def test_a_fifo_where_a_file_is_expected_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / ARCHIVE)
    with pytest.raises(InputError, match="non-file"):
        load_cifar10(tmp_path, download=False)


def test_open_input_refuses_a_fifo_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError, match="not a regular file"):
        files.open_input(tmp_path / "pipe", "a file", "replace it.")


@as_root
def test_unreadable_file_is_a_disk_error(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").chmod(0)
    with pytest.raises(DiskError, match="permission denied"):
        load_mnist(tmp_path, download=False, verify=False)


def test_permission_error_while_reading_is_a_disk_error(tmp_path, monkeypatch):
    write_mnist(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(args[0]))
    monkeypatch.setattr(files, "open", denied, raising=False)
    with pytest.raises(DiskError, match=r"permission denied; fcnn may not read it") as info:
        load_mnist(tmp_path, download=False, verify=False)
    assert info.value.exit_status == 1 and info.value.path is not None


def test_io_error_while_reading_is_a_disk_error(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    real_open = open

    class FailingReads:
        """A file whose reads fail as on a dying disk."""

        def __init__(self, handle):
            self.handle = handle

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def read(self, *args):
            raise OSError(errno.EIO, "Input/output error")
        readinto = read

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

    monkeypatch.setattr(files, "open", lambda path, mode: FailingReads(real_open(path, mode)),
                        raising=False)
    with pytest.raises(DiskError, match=r"the disk refused the read \(EIO"):
        load_mnist(tmp_path, download=False, verify=False)


def test_data_dir_with_a_nul_byte(tmp_path):
    with pytest.raises(MissingFileError):
        load_mnist(str(tmp_path) + "\0x", download=False)


# ----------------------------------------------------------------------------- the cache, disk

def test_cache_that_cannot_be_created_is_a_disk_error(http_server, tmp_path, monkeypatch):
    served, url = http_server
    _, checksums = write_mnist(served)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FCNN_DATA_DIR", str(blocker / "cache"))
    with pytest.raises(DiskError, match=r"could not save train-images-idx3-ubyte\.gz in the "
                                        r"cache folder") as info:
        load_mnist(download=True, base_url=url, checksums=checksums)
    assert "FCNN_DATA_DIR" in str(info.value)
    assert blocker.read_text() == "not a folder"


def test_full_disk_while_downloading_is_a_disk_error(http_server, isolated_cache, monkeypatch):
    import pooch

    served, url = http_server
    _, checksums = write_mnist(served)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pooch, "retrieve", full)
    with pytest.raises(DiskError, match="No space left on device.*Nothing was kept"):
        load_mnist(download=True, base_url=url, checksums=checksums)
    assert files_under(isolated_cache) == []


# ------------------------------------------------------------------- the CIFAR-10 class names

def tar_with_meta(tmp_path, meta, records=2):
    tar, _, checksums = cifar_tar(records, meta=meta)
    (tmp_path / ARCHIVE).write_bytes(gzip.compress(tar))
    return checksums


@pytest.fixture
def official_is_generated(monkeypatch):
    """Pretend the generated batches are the official ones (their MD5s in OFFICIAL_MD5)."""
    _, _, checksums = cifar_tar(2)
    table = dict(cifar.OFFICIAL_MD5)
    table.update({name: checksums[name] for name in cifar.TRAIN_MEMBERS + (cifar.TEST_MEMBER,)})
    monkeypatch.setattr(cifar, "OFFICIAL_MD5", table)


def test_official_batches_need_the_official_class_names(tmp_path, official_is_generated):
    tar_with_meta(tmp_path, "\n".join(CIFAR_CLASSES).encode() + b"\n")
    assert load_cifar10(tmp_path, download=False, records_per_file=2).class_names == CIFAR_CLASSES
    swapped = CIFAR_CLASSES[1:] + CIFAR_CLASSES[:1]  # ten valid names, in the wrong order
    tar_with_meta(tmp_path, "\n".join(swapped).encode())
    with pytest.raises(InputError, match=r"batches\.meta\.txt: lists 'automobile', .* but the "
                                         r"batches are the official CIFAR-10 ones"):
        load_cifar10(tmp_path, download=False, records_per_file=2)


def test_class_names_checked_by_md5_when_given(tmp_path):
    checksums = tar_with_meta(tmp_path, b"\n".join(n.encode() for n in CIFAR_CLASSES))
    checksums["batches.meta.txt"] = md5(b"something else")
    with pytest.raises(InputError, match=r"batches\.meta\.txt: MD5 checksum mismatch"):
        load_cifar10(tmp_path, download=False, checksums=checksums, records_per_file=2)


@pytest.mark.parametrize(("meta", "problem"), [
    (b"a\nb\nc", "found 3 lines"),
    (b"\n".join([b"same"] * 10), "found 10 lines: 'same'"),
    (b"\n".join([b"x" * 65] + [b"n%d" % i for i in range(9)]), "at most 64 characters"),
    (b"\n".join([b"tab\x07bell"] + [b"n%d" % i for i in range(9)]), "printable"),
])
def test_class_names_must_be_ten_distinct_printable_names(tmp_path, meta, problem):
    tar_with_meta(tmp_path, meta)
    with pytest.raises(InputError, match=problem):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)


def test_class_names_must_be_utf8(tmp_path):
    tar_with_meta(tmp_path, b"\xff\xfe" + b"\n".join(n.encode() for n in CIFAR_CLASSES))
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)


def test_archive_without_class_names_uses_the_official_ones(tmp_path):
    checksums = tar_with_meta(tmp_path, None)
    ds = load_cifar10(tmp_path, download=False, checksums=checksums, records_per_file=2)
    assert ds.class_names == CIFAR_CLASSES


def test_blank_lines_and_spaces_around_class_names_are_ignored(tmp_path):
    custom = [f"class {i}" for i in range(10)]
    tar_with_meta(tmp_path, ("\n\n".join(f"  {n}  " for n in custom) + "\n\n").encode())
    ds = load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)
    assert ds.class_names == custom


# ------------------------------------------------------------------------- CIFAR tar members

def write_tar(path, entries):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for info, data in entries:
            archive.addfile(info, None if data is None else io.BytesIO(data))
    path.write_bytes(gzip.compress(buffer.getvalue()))


def test_a_member_twice_is_refused(tmp_path):
    tar, _, _ = cifar_tar(2)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        entries = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]
    write_tar(tmp_path / ARCHIVE, entries + entries[1:2])
    with pytest.raises(InputError, match="data_batch_1.bin: the archive holds this member twice"):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)


def test_a_link_in_place_of_a_member_is_refused(tmp_path):
    tar, _, _ = cifar_tar(2)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        entries = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]
    link = tarfile.TarInfo("cifar-10-batches-bin/test_batch.bin")
    link.type, link.linkname = tarfile.SYMTYPE, "cifar-10-batches-bin/data_batch_1.bin"
    write_tar(tmp_path / ARCHIVE, entries[:-1] + [(link, None)])
    with pytest.raises(InputError, match="test_batch.bin: is a link, folder or device"):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)


def test_leading_dot_slash_in_member_names_is_accepted(tmp_path):
    tar, contents, checksums = cifar_tar(2)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        entries = []
        for m in archive.getmembers():
            data = archive.extractfile(m).read()
            m.name = "./" + m.name
            entries.append((m, data))
    write_tar(tmp_path / ARCHIVE, entries)
    ds = load_cifar10(tmp_path, download=False, checksums=checksums, records_per_file=2)
    np.testing.assert_array_equal(ds.y_test, contents["test_batch.bin"][1])


def test_bzip2_archive_is_named_as_such(tmp_path):
    import bz2

    tar, _, _ = cifar_tar(2)
    (tmp_path / ARCHIVE).write_bytes(bz2.compress(tar))
    with pytest.raises(InputError, match="is a bzip2 or xz archive; expected"):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)


def test_records_per_file_must_be_a_positive_integer(tmp_path):
    with pytest.raises(ConfigError, match="records_per_file must be an integer >= 1") as info:
        load_cifar10(tmp_path, download=False, records_per_file=0)
    assert info.value.key == "records_per_file"


# ---------------------------------------------------------------------------------- registry

def test_unknown_option_lists_the_options_the_loader_takes():
    with pytest.raises(ConfigError, match="dataset 'moons' takes no option 'mode'; its options: "
                                          "n_samples, noise, test_fraction") as info:
        load_dataset("moons", mode="RGB")
    assert info.value.key == "mode"


def test_split_that_leaves_no_training_example():
    with pytest.raises(ConfigError, match="leaves no training examples"):
        load_dataset("moons", n_samples=4, test_fraction=0.9)


def test_image_folder_errors_name_the_file(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "a" / "0.png")
    Image.new("RGB", (4, 4)).save(tmp_path / "a" / "1.bmp.png", format="BMP")  # not PNG inside
    with pytest.raises(InputError, match=r"1\.bmp\.png: could not read the image .*PNG or JPEG"):
        load_image_folder(tmp_path)


def test_missing_image_folder(tmp_path):
    with pytest.raises(MissingFileError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere")


def test_truncated_sparse_map_is_an_input_error(tmp_path):
    # tarfile raises IndexError on a sparse map cut short: it must not escape
    header = bytearray(tarfile.TarInfo("cifar-10-batches-bin/data_batch_1.bin")
                       .tobuf(tarfile.GNU_FORMAT))
    header[156:157] = tarfile.GNUTYPE_SPARSE
    header[386:386 + 24] = b"%011o\0%011o\0" % (1, 1)
    header[482] = 1  # the map continues in the next block, which is missing
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    (tmp_path / ARCHIVE).write_bytes(gzip.compress(bytes(header) + b"\0" * 100))
    with pytest.raises(InputError, match="could not read the archive"):
        load_cifar10(tmp_path, download=False, verify=False)


def test_pax_record_with_a_bad_number_is_an_input_error(tmp_path):
    tar, _, _ = cifar_tar(2)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(tar)) as source, \
            tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            member.pax_headers = {"GNU.sparse.map": "", "GNU.sparse.major": "1",
                                  "GNU.sparse.minor": "0"}
            archive.addfile(member, io.BytesIO(data))
    (tmp_path / ARCHIVE).write_bytes(gzip.compress(buffer.getvalue()))
    with pytest.raises(InputError):
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)
