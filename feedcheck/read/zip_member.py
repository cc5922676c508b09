"""The one file of a zip archive, decompressed without trusting what its headers say.

``zipfile`` stops reading a member where its compressed size in the central directory says,
and its bzip2 and LZMA readers decompress each block of input in one call, whatever it expands
to (a 3 KB bzip2 member held 8.4 GB). Here:

* the central directory is listed by ``zipfile`` only after its end record shows it small
  (:data:`MAX_ENTRIES` entries, :data:`MAX_DIRECTORY` bytes): an archive of one feed lists a
  handful of entries;
* the member's compressed data is read from its local header on, in chunks of :data:`READ`
  bytes, to the end of its compressed stream (deflate, bzip2 and LZMA mark their own end), and
  never past the central directory;
* every decompression call is bounded by the size the caller asked for, whatever the method;
* :attr:`Member.consumed` counts the compressed bytes actually fed to the decompressor: the
  expansion ratio is checked against it, never against a size a header gives;
* the CRC-32 of what comes out is checked at the end.

Stored, deflate, bzip2 and LZMA members are read (the methods Python's standard library
knows); any other method (Deflate64, Zstandard, PPMd ...) is refused by name.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zipfile
import zlib
from typing import BinaryIO, Protocol

from feedcheck.errors import UnsupportedCompressionError

MAX_ENTRIES = 10_000
MAX_DIRECTORY = 4 << 20
READ = 64 << 10

# APPNOTE.TXT 4.4.5, the compression methods a zip may name.
_METHOD_NAMES = {
    1: "Shrink",
    6: "Implode",
    9: "Deflate64",
    10: "PKWARE DCL Implode",
    18: "IBM TERSE",
    19: "IBM LZ77",
    20: "Zstandard",
    93: "Zstandard",
    94: "MP3",
    95: "xz",
    96: "JPEG",
    97: "WavPack",
    98: "PPMd",
    99: "AES encryption",
}
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_LOCAL = b"PK\x03\x04"


def _damaged(why: str) -> UnsupportedCompressionError:
    return UnsupportedCompressionError(f"The zip archive is damaged: {why}.")


def check_directory(raw: BinaryIO) -> None:
    """Refuse an archive whose central directory lists more than :data:`MAX_ENTRIES` entries or
    takes more than :data:`MAX_DIRECTORY` bytes, before ``zipfile`` reads and parses it (each
    entry costs a Python object). Sizes found here only bound what ``zipfile`` will read."""
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    tail_start = max(0, size - (22 + 0xFFFF))
    raw.seek(tail_start)
    tail = raw.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        return  # no end record: zipfile says the archive is damaged
    entries, directory = struct.unpack("<HL", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = tail_start + at - 20
        if locator >= 0:
            raw.seek(locator)
            found = raw.read(20)
            if found[:4] == _END64_LOCATOR:
                raw.seek(struct.unpack("<Q", found[8:16])[0])
                record = raw.read(56)
                if record[:4] == _END64:
                    entries, directory = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ENTRIES:
        raise UnsupportedCompressionError(f"The zip archive lists {entries:,} files; it must hold exactly one feed.")
    if directory > MAX_DIRECTORY:
        raise UnsupportedCompressionError(
            f"The zip archive's list of files takes {directory:,} bytes; an archive of one feed needs a few hundred."
        )


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Deflate:
    """zlib's raw inflater behind the interface of bz2's and lzma's decompressors."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(-15)
        self._tail = b""

    @property
    def eof(self) -> bool:
        return self._inflater.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        out = self._inflater.decompress(self._tail + data, max(max_length, 0))
        self._tail = self._inflater.unconsumed_tail
        return out


class Member(io.RawIOBase):
    """The decompressed bytes of ``info``, the member of the archive ``raw`` holds; the member's
    data cannot reach past ``end`` (where the central directory starts)."""

    def __init__(self, raw: BinaryIO, info: zipfile.ZipInfo, end: int) -> None:
        self._raw = raw
        self._info = info
        raw.seek(info.header_offset)
        local = raw.read(30)
        if len(local) < 30 or local[:4] != _LOCAL:
            raise _damaged("its file does not start where its directory says")
        name_size, extra_size = struct.unpack("<HH", local[26:30])
        self._pos = info.header_offset + 30 + name_size + extra_size
        self._end = end
        self._crc = 0
        self._out = 0
        self._done = False
        self.consumed = 0  # compressed bytes read from the archive and fed to the decompressor
        self._stored_left: int | None = None
        self._decompressor: _Decompressor | None = None
        method = info.compress_type
        if method == zipfile.ZIP_STORED:
            self._stored_left = info.compress_size
            if self._pos + info.compress_size > end:
                raise _damaged(f"its file is said to hold {info.compress_size:,} bytes, more than the archive has")
        elif method == zipfile.ZIP_DEFLATED:
            self._decompressor = _Deflate()
        elif method == zipfile.ZIP_BZIP2:
            self._decompressor = bz2.BZ2Decompressor()
        elif method == zipfile.ZIP_LZMA:
            self._decompressor = self._lzma()
        else:
            name = _METHOD_NAMES.get(method, f"method {method}")
            raise UnsupportedCompressionError(
                f"The zip archive's file is compressed with {name}, which feedcheck does not open: "
                "zip it again with the usual method (deflate)."
            )

    def _lzma(self) -> _Decompressor:
        """APPNOTE 5.8.8: a version (2 bytes), the size of the properties (2 bytes), the LZMA1
        properties, then the raw stream."""
        head = self._take(4)
        if len(head) < 4:
            raise _damaged("its LZMA data ends before it starts")
        properties = self._take(struct.unpack("<H", head[2:4])[0])
        decode = getattr(lzma, "_decode_filter_properties")  # noqa: B009 - what zipfile itself uses
        try:
            lzma1 = decode(lzma.FILTER_LZMA1, properties)
        except (lzma.LZMAError, ValueError) as exc:
            raise _damaged(f"its LZMA properties cannot be read ({exc})") from None
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1])

    def _take(self, size: int) -> bytes:
        """Up to ``size`` compressed bytes from where the member's data stands, never past its end."""
        size = min(size, self._end - self._pos)
        if size <= 0:
            return b""
        self._raw.seek(self._pos)
        data = self._raw.read(size)
        self._pos += len(data)
        self.consumed += len(data)
        return data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = len(buffer)
        if self._done or not wanted:
            return 0
        data = self._next(wanted)
        if not data:
            self._finish()
            return 0
        self._crc = zlib.crc32(data, self._crc)
        self._out += len(data)
        buffer[: len(data)] = data
        return len(data)

    def _next(self, wanted: int) -> bytes:
        if self._stored_left is not None:
            data = self._take(min(wanted, self._stored_left))
            self._stored_left -= len(data)
            if not data and self._stored_left:
                raise _damaged("its file ends before its data does")
            return data
        decompressor = self._decompressor
        assert decompressor is not None
        while not decompressor.eof:
            chunk, exhausted = b"", False
            if decompressor.needs_input:
                chunk = self._take(READ)
                exhausted = not chunk
            try:
                data = decompressor.decompress(chunk, wanted)
            except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                raise _damaged(str(exc) or type(exc).__name__) from None
            if data:
                return data
            if exhausted:
                if self._info.compress_type == zipfile.ZIP_LZMA and self._out == self._info.file_size:
                    return b""  # an LZMA stream without an end marker ends at its size
                raise _damaged("its compressed data ends before its file does")
        return b""

    def _finish(self) -> None:
        self._done = True
        if self._crc != self._info.CRC:
            raise _damaged("its file does not match its checksum")

    def close(self) -> None:
        self._raw.close()
        super().close()
