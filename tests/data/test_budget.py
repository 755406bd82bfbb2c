"""Hostile headers: tiny files that declare gigabytes are refused before anything is allocated.

Peak allocation is measured with tracemalloc (NumPy reports its arrays to it). Pillow's image
buffers are not all visible to tracemalloc, so for images the tests also check that Pillow's
decoder never ran on the hostile file: the bound is enforced before decoding.
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from fcnn.data import load_cifar10, load_image_folder, load_mnist, make_toy
from fcnn.errors import BudgetError, InputError
from fcnn.limits import use_memory_budget

from .formats import cifar_tar, forge_png_size, idx_images, idx_labels, png_bytes, write_mnist

MiB = 2**20


def peak_of(call, error=InputError):
    """Call ``call``, which must raise ``error``; return the error and the peak traced bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(error) as info:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


def gz_tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for info, data in entries:
            archive.addfile(info, None if data is None else io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def member(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
    info.size, info.type = size, kind
    return info


# ---------------------------------------------------------------------------------------- IDX

def test_idx_declaring_billions_in_a_tiny_gzip_allocates_nothing(tmp_path):
    # the case: a gzip of ~1 KB declaring 4 billion 28x28 images (2.7 TiB) whose
    # payload (1 MB of zeros) is far shorter; no budget is set, the file size alone refuses it
    hostile = struct.pack(">IIII", 0x803, 2**32 - 1, 28, 28) + bytes(MiB)
    write_mnist(tmp_path, overrides={"train-images-idx3-ubyte.gz": hostile})
    assert (tmp_path / "train-images-idx3-ubyte.gz").stat().st_size < 2000
    error, peak = peak_of(lambda: load_mnist(tmp_path, download=False, verify=False))
    assert "the header announces (4294967295, 28, 28)" in str(error)
    assert "gzip file can hold at most" in str(error)
    assert peak < 2 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_idx_short_payload_within_the_deflate_bound_is_counted_not_allocated(tmp_path):
    # 8 MiB of zeros compress to ~8 KB, which could hold the declared 8 MiB + 784 bytes: only
    # counting the real bytes (kept nowhere) shows the file is short
    n = 8 * MiB // 784 + 1
    hostile = struct.pack(">IIII", 0x803, n, 28, 28) + bytes(8 * MiB)
    write_mnist(tmp_path, overrides={"train-images-idx3-ubyte.gz": hostile})
    error, peak = peak_of(lambda: load_mnist(tmp_path, download=False, verify=False))
    assert f"announces ({n}, 28, 28) = {n * 784} data bytes, found {8 * MiB} bytes" in str(error)
    assert peak < 3 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_idx_genuine_but_over_budget_is_a_budget_error_before_allocating(tmp_path):
    write_mnist(tmp_path, n_train=4000)  # 3.1 MB of pixels
    with use_memory_budget("1MiB"):
        error, peak = peak_of(lambda: load_mnist(tmp_path, download=False, verify=False),
                              BudgetError)
    assert "over the memory budget of 1.00 MiB" in str(error)
    assert "FCNN_MEMORY_BUDGET" in str(error)
    assert peak < 1 * MiB


def test_idx_raw_file_size_is_checked_exactly(tmp_path):
    images = idx_images(np.zeros((12, 28, 28), np.uint8)) + b"extra"
    write_mnist(tmp_path, compress=False, overrides={"train-images-idx3-ubyte.gz": images})
    with pytest.raises(InputError, match=r"announces \(12, 28, 28\) = 9408 data bytes, found "
                                         r"9413 bytes"):
        load_mnist(tmp_path, download=False, verify=False)


def test_idx_zero_dimension(tmp_path):
    write_mnist(tmp_path, overrides={"t10k-labels-idx1-ubyte.gz": idx_labels(np.zeros(0))})
    with pytest.raises(InputError, match="zero dimension"):
        load_mnist(tmp_path, download=False, verify=False)


# -------------------------------------------------------------------------------------- CIFAR

def test_cifar_class_name_bomb_is_refused_by_its_size(tmp_path):
    # the case: a class-name file of 100 million lines in a ~200 KB archive once took
    # 1.77 GiB and put every name in the error message; here 20 million lines
    names = b"a\n" * 20_000_000
    path = tmp_path / "cifar-10-binary.tar.gz"
    path.write_bytes(gz_tar([(member("batches.meta.txt", len(names)), names)]))
    assert path.stat().st_size < 100_000
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "batches.meta.txt is 40000000 bytes; the official one is 61 bytes" in str(error)
    assert len(str(error)) < 1000
    assert peak < 2 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_cifar_bad_class_names_are_listed_capped(tmp_path):
    names = b"\n".join(b"n%d" % i for i in range(400))  # under the size bound, 400 names
    tar, _, _ = cifar_tar(2, meta=names)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(tar))
    with pytest.raises(InputError, match=r"found 400 lines: 'n0', 'n1'.*\(390 more\)") as info:
        load_cifar10(tmp_path, download=False, verify=False, records_per_file=2)
    assert len(str(info.value)) < 1000


def test_cifar_member_count_is_bounded(tmp_path):
    entries = [(member(f"junk_{i}", 0), b"") for i in range(2000)]
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gz_tar(entries))
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "more than 64 members; the official cifar-10-binary.tar.gz has 8" in str(error)
    assert peak < 2 * MiB


def test_cifar_huge_extended_header_is_never_read_whole(tmp_path):
    # a pax header announcing 500 MB: tarfile would read it in one call
    header = bytearray(tarfile.TarInfo("x").tobuf(tarfile.USTAR_FORMAT))
    header[124:136] = f"{500_000_000:011o}\0".encode()
    header[156:157] = tarfile.XHDTYPE
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(
        gzip.compress(bytes(header) + bytes(500_000)))
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "the tar headers ask for 512 + 500000256 bytes, more than the 1048576" in str(error)
    assert peak < 2 * MiB


def test_cifar_chain_of_long_name_records_is_bounded(tmp_path):
    # tarfile keeps every GNU long-name record of a chain alive while it recurses: 64 records
    # of 1 MiB would hold 64 MiB (and a 16 GB chain is a ~16 MB gzip)
    record = tarfile.TarInfo("././@LongLink")
    record.type, record.size = tarfile.GNUTYPE_LONGNAME, MiB
    block = record.tobuf(tarfile.GNU_FORMAT) + b"x" * MiB
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(block * 64, mtime=0))
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "the tar headers ask for" in str(error)
    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_cifar_chain_of_sparse_map_blocks_is_bounded(tmp_path):
    # an old-GNU sparse member whose map continues block after block: tarfile appends every
    # entry to a list; identical blocks compress ~1000 times
    header = bytearray(tarfile.TarInfo("sparse").tobuf(tarfile.GNU_FORMAT))
    header[156:157] = tarfile.GNUTYPE_SPARSE
    entry = b"%011o\0%011o\0" % (1, 1)
    header[386:386 + 24] = entry
    header[482] = 1  # isextended
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    extension = entry * 21 + b"\1" + bytes(7)
    blob = bytes(header) + extension * 20_000  # 10 MB of sparse map, 420000 entries
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(blob, mtime=0))
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "the tar headers ask for" in str(error)
    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_cifar_truncated_official_size_archive_allocates_nothing(tmp_path):
    # the six members announce the official 30730000 bytes each, but the file is 100 KB of
    # gzip: it cannot hold 184 MB, so nothing is allocated
    entries = [(member("data_batch_1.bin", 30_730_000), None)]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        archive.addfile(entries[0][0])
    blob = gzip.compress(buffer.getvalue()[:512] + bytes(100_000), mtime=0)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(blob)
    error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False, verify=False))
    assert "the six batches need 60000 records" in str(error)
    assert peak < 2 * MiB


def test_cifar_genuine_but_over_budget(tmp_path):
    tar, _, checksums = cifar_tar(40)  # 60 * 40 records: 0.7 MB of arrays
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(tar))
    with use_memory_budget("512KiB"):
        error, peak = peak_of(lambda: load_cifar10(tmp_path, download=False,
                                                   checksums=checksums, records_per_file=40),
                              BudgetError)
    assert "CIFAR-10's 240 images and labels would need" in str(error)
    assert peak < 512 * 2**10


# ------------------------------------------------------------------------------- image folder

@pytest.fixture
def decoded(monkeypatch):
    """The files Pillow's decoder ran on (ImageFile.load), recorded."""
    files = []
    original = ImageFile.ImageFile.load

    def load(self):
        files.append(Path(self.filename).name)
        return original(self)
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return files


def test_forty_kilobytes_of_forged_pngs_are_refused_before_decoding(tmp_path, decoded):
    # the case: PNGs of a few KB each declaring ~89 million pixels (just under Pillow's
    # own limit) once took 3.5 GiB; no budget is set here
    small = png_bytes(np.zeros((64, 64, 3), np.uint8))
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            (tmp_path / cls / f"{i}.png").write_bytes(forge_png_size(small, 9450, 9450))
    error, peak = peak_of(lambda: load_image_folder(tmp_path))
    # Pillow's limit, set to what a 91-byte file can hold, refuses it as the header is read
    assert "a/0.png: the header declares more pixels than a 91-byte PNG or JPEG" in str(error)
    assert "Image size (89302500 pixels) exceeds limit of" in str(error)
    assert decoded == []
    assert peak < 2 * MiB


def test_forged_png_beyond_pillows_limit_is_an_input_error_not_a_budget_error(tmp_path, decoded):
    (tmp_path / "a").mkdir()
    small = png_bytes(np.zeros((4, 4, 3), np.uint8))
    (tmp_path / "a" / "0.png").write_bytes(forge_png_size(small, 2**30, 2**30))
    with pytest.raises(InputError, match="header declares more pixels than a") as info:
        load_image_folder(tmp_path)
    assert not isinstance(info.value, BudgetError) and decoded == []


def test_genuine_image_over_budget_is_refused_before_decoding(tmp_path, decoded):
    (tmp_path / "a").mkdir()
    Image.new("1", (2000, 2000)).save(tmp_path / "a" / "0.png")  # 4 Mpx in a tiny file
    with use_memory_budget("8MiB"):
        error, peak = peak_of(lambda: load_image_folder(tmp_path), BudgetError)
    assert "0.png: decoding the image would take more than the memory budget" in str(error)
    assert "FCNN_MEMORY_BUDGET" in str(error)
    assert decoded == []


def test_pillows_limit_is_restored(tmp_path):
    before = Image.MAX_IMAGE_PIXELS
    (tmp_path / "a").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "a" / "0.png")
    Image.new("RGB", (4, 4)).save(tmp_path / "a" / "1.png")
    load_image_folder(tmp_path, test_fraction=0.5)
    (tmp_path / "a" / "2.png").write_bytes(b"junk")
    with pytest.raises(InputError):
        load_image_folder(tmp_path)
    assert Image.MAX_IMAGE_PIXELS == before


def test_the_number_of_files_is_bounded(tmp_path):
    (tmp_path / "a").mkdir()
    for i in range(2100):
        (tmp_path / "a" / f"{i}.png").touch()
    with use_memory_budget("900KiB"):
        error, _ = peak_of(lambda: load_image_folder(tmp_path), BudgetError)
    assert "a list of over 2048 files would need" in str(error)


def test_all_images_together_must_fit_the_budget(tmp_path, decoded):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(10):
            Image.new("L", (100, 100)).save(tmp_path / cls / f"{i}.png")
    with use_memory_budget("600KiB"):  # 20 images of 30 KB in RGB and one decoding: 1.1 MB
        error, _ = peak_of(lambda: load_image_folder(tmp_path), BudgetError)
    assert "20 images of 3x100x100 would need" in str(error)
    assert decoded == []
    with use_memory_budget("600KiB"):  # in grayscale they fit: 0.4 MB
        assert load_image_folder(tmp_path, mode="L").X_train.shape == (16, 10000)


# ---------------------------------------------------------------------------------- toy sets

def test_toy_set_size_is_bounded():
    with use_memory_budget("64MiB"):
        error, peak = peak_of(lambda: make_toy("moons", n_samples=10**12), BudgetError)
    assert "1000000000000 points of the toy set 'moons' would need" in str(error)
    assert peak < MiB
