"""Sources as they come to a pipeline: streams that give their bytes in pieces, archives whose
headers lie or whose members are compressed with any method."""

from __future__ import annotations

import io
import os
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import feedcheck

HEADER = b"id,title,link,image_link,price\n"
LINE = b"P%d,Kettle %d,https://s.example/p/%d,https://s.example/%d.jpg,39.90 EUR\n"
FEED = HEADER + b"".join(LINE % (n, n, n, n) for n in range(1, 5001))


class ShortReads(io.RawIOBase):
    """A raw stream that gives at most ``most`` bytes per read, and ``None`` (no data yet, as a
    non-blocking stream does) every ``idle``-th read."""

    def __init__(self, data: bytes, most: int, idle: int = 0) -> None:
        self._data = memoryview(data)
        self._most = most
        self._idle = idle
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        self.reads += 1
        if self._idle and self.reads % self._idle == 0:
            return None
        n = min(len(buffer), self._most, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def test_a_raw_stream_giving_short_reads_is_read_to_its_end() -> None:
    """One read() gave the first 100 bytes: 19 of 5,000 products, reported as a normal feed."""
    stream = ShortReads(FEED, most=100)
    report = feedcheck.validate(stream)
    assert report.items == 5_000
    assert stream.reads > len(FEED) // 100


def test_a_stream_saying_it_has_no_data_yet_is_waited_for() -> None:
    stream = ShortReads(FEED, most=4096, idle=3)
    assert feedcheck.validate(stream).items == 5_000


@contextmanager
def pipe(
    data: bytes, *, blocking: bool, piece: int = 50_000, pause: float = 0.0, buffering: int = 0
) -> Iterator[io.IOBase]:
    """The reading end of a pipe (unbuffered unless asked), fed by a thread in pieces."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, blocking)

    def feed() -> None:
        with os.fdopen(write_fd, "wb", buffering=0) as out:
            for start in range(0, len(data), piece):
                out.write(data[start : start + piece])
                time.sleep(pause)

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(read_fd, "rb", buffering=buffering) as stream:
        yield stream
    writer.join()


def test_a_pipe_is_read_to_its_end() -> None:
    with pipe(FEED, blocking=True) as stream:
        assert feedcheck.validate(stream).items == 5_000


@pytest.mark.parametrize("buffering", [0, -1])
def test_a_non_blocking_pipe_is_read_to_its_end(buffering: int) -> None:
    """Its read() returns None while the writer pauses, whether the stream is raw or buffered."""
    with pipe(FEED, blocking=False, pause=0.005, buffering=buffering) as stream:
        assert feedcheck.validate(stream).items == 5_000


def test_a_stream_over_the_byte_limit_is_refused_while_reading() -> None:
    stream = ShortReads(FEED, most=1000)
    with pytest.raises(feedcheck.LimitExceededError, match="larger than the limit of 10,000 bytes as sent"):
        feedcheck.validate(stream, limits=feedcheck.Limits(max_bytes=10_000))
    assert stream.reads < 20  # it stopped soon after the limit, not at the end


def test_a_text_stream_is_a_caller_mistake() -> None:
    with pytest.raises(feedcheck.SourceTypeError) as caught:
        feedcheck.validate(io.StringIO(FEED.decode()))
    assert str(caught.value) == "source is a text stream: feedcheck reads binary streams, open the file with 'rb'."


# ---- zip archives ------------------------------------------------------------------------------------


def zipped(data: bytes, method: int = zipfile.ZIP_DEFLATED, name: str = "feed.csv") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def patch_sizes(archive: bytes, *, compressed: int | None = None, method: int | None = None) -> bytes:
    """The archive with its local header and central directory saying other things than the truth."""
    data = bytearray(archive)
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    if compressed is not None:
        data[local + 18 : local + 22] = struct.pack("<L", compressed)
        data[central + 20 : central + 24] = struct.pack("<L", compressed)
    if method is not None:
        data[local + 8 : local + 10] = struct.pack("<H", method)
        data[central + 10 : central + 12] = struct.pack("<H", method)
    return bytes(data)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_zip_member_is_read_whatever_its_method(method: int) -> None:
    report = feedcheck.validate(zipped(FEED, method))
    assert (report.items, report.source.compression, report.source.member) == (5_000, "zip", "feed.csv")


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_zip_that_understates_its_compressed_size_is_read_to_the_end_of_its_data(method: int) -> None:
    """zipfile stopped after the 10 bytes the headers promised: "The zip data is damaged: ."."""
    assert feedcheck.validate(patch_sizes(zipped(FEED, method), compressed=10)).items == 5_000


BOMB = HEADER + LINE % (1, 1, 1, 1) * (400 << 10)  # 32 MiB of one product, repeated


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_zip_that_overstates_its_compressed_size_is_still_measured_as_a_bomb(method: int) -> None:
    """The ratio was taken against the 4 GB the headers claimed: the check never fired."""
    archive = patch_sizes(zipped(BOMB, method), compressed=0xFFFFFFF0)
    with pytest.raises(feedcheck.LimitExceededError, match="this looks like a decompression bomb"):
        feedcheck.validate(archive)


def test_a_zip_member_in_another_method_is_refused_by_its_name() -> None:
    archive = patch_sizes(zipped(FEED), method=9)
    with pytest.raises(feedcheck.UnsupportedCompressionError) as caught:
        feedcheck.validate(archive)
    assert str(caught.value) == (
        "The zip archive's file is compressed with Deflate64, which feedcheck does not open: "
        "zip it again with the usual method (deflate)."
    )


def test_a_zip_member_that_fails_its_checksum_is_refused() -> None:
    archive = bytearray(zipped(FEED, zipfile.ZIP_STORED))
    at = archive.index(b"Kettle 2500")
    archive[at : at + 6] = b"Kettel"
    with pytest.raises(feedcheck.UnsupportedCompressionError) as caught:
        feedcheck.validate(bytes(archive))
    assert str(caught.value) == "The zip archive is damaged: its file does not match its checksum."


def test_a_zip_listing_thousands_of_files_is_refused_before_they_are_listed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(20_000):
            archive.writestr(f"{n}.csv", b"")
    with pytest.raises(feedcheck.UnsupportedCompressionError) as caught:
        feedcheck.validate(out.getvalue())
    assert str(caught.value) == "The zip archive lists 20,000 files; it must hold exactly one feed."
