"""Open a feed from a path, bytes or a binary stream, decompressing with a size cap; and
:class:`Source`, what reading found out about it (the report's ``source``).

Nothing is written to disk: zip members and gzip streams are read in memory, and every
decompressed byte is counted against :class:`~feedcheck.limits.Limits`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import select
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from pydantic import BaseModel, Field

from feedcheck.errors import (
    LimitExceededError,
    NotAFeedError,
    SourceTypeError,
    UnsafeInputError,
    UnsupportedCompressionError,
    UsageError,
)
from feedcheck.limits import RATIO_GRACE, Limits
from feedcheck.read import zip_member
from feedcheck.read.spreadsheet import OLE_MAGIC, spreadsheet_kind

SourceLike = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

_MAGIC_COMPRESSION = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_MAGIC_NOT_A_FEED = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"RIFF", "a RIFF media file"),
    (b"\x00\x00\x01\x00", "an icon file"),
)

_CHUNK = 1 << 20

# Called as the source is read: (bytes so far, total bytes when known). The command draws a
# progress bar from it; a batched pipeline calls it once per batch.
Progress = Callable[[int, int | None], None]


class Source(BaseModel):
    """What was detected about the input (or forced by the caller)."""

    name: str | None = Field(None, description="file path, when read from a file")
    format: str = Field(description='"csv" or "xml"; "xlsx", "ods" or "xls" for a spreadsheet')
    encoding: str = Field(description="text encoding the feed was read with")
    encoding_confidence: float | None = Field(
        1.0,
        description="how sure the encoding is, 0 to 1: 1 for a byte-order mark, valid UTF-8 or an XML declaration; "
        "the share of valid sequences for UTF-8 with stray bytes; the detector's for a single-byte encoding "
        "(below 0.5, encoding-uncertain is reported); null when the caller forced the encoding",
    )
    bom: bool = Field(False, description="a byte-order mark opened the file")
    delimiter: str | None = Field(None, description="CSV delimiter")
    item_element: str | None = Field(None, description="XML record element, as a path from the root")
    compression: str | None = Field(None, description='"gzip", "zip", "bz2", "xz" or null')
    member: str | None = Field(None, description="the file read inside a zip archive")
    sheet: str | None = Field(None, description="the sheet read, for a spreadsheet (.xlsx, .ods, .xls)")
    header_line: int | None = Field(None, description="CSV: the 1-based line of the header row")
    above_header: list[str] = Field(
        default=[], description="CSV: the lines above the header, which hold no record (an export tool's title line)"
    )
    dialect: str | None = Field(
        None,
        description="the published format the feed follows, recognised by its structure or forced: a stable id "
        '("heureka", "shopify", "yml"; feedcheck dialects lists them), null when none',
    )
    dialect_name: str | None = Field(None, description='the dialect\'s display name ("Heureka", "Yandex YML")')


def _damaged(compression: str, exc: BaseException) -> UnsupportedCompressionError:
    detail = str(exc) or "it ends before its end marker"
    return UnsupportedCompressionError(f"The {compression} data is damaged: {detail}.")


class _CappedReader(io.RawIOBase):
    """A read-only stream that refuses to yield more than ``cap`` bytes, nor, past
    :data:`RATIO_GRACE` bytes, more than ``ratio`` bytes per byte ``compressed()`` says it read."""

    def __init__(
        self,
        inner: IO[bytes] | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile | zip_member.Member,
        cap: int,
        what: str,
        also_close: tuple[IO[bytes] | zipfile.ZipFile, ...] = (),
        ratio: tuple[int, Callable[[], int]] | None = None,
        compression: str | None = None,
        progress: tuple[Progress, int | None] | None = None,
    ) -> None:
        self._progress = progress
        self._compression = compression
        self._inner = inner
        self._cap = cap
        self._what = what
        self._also_close = also_close
        self._ratio = ratio
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (EOFError, zlib.error, zipfile.BadZipFile, lzma.LZMAError, OSError) as exc:
            if self._compression is None:
                raise
            raise _damaged(self._compression, exc) from None
        n = len(data)
        self.count += n
        if self.count > self._cap:
            raise LimitExceededError(
                f"The feed is larger than the limit of {self._cap:,} bytes {self._what}; split it or raise the limit."
            )
        if self._ratio is not None and self.count > RATIO_GRACE:
            most, compressed = self._ratio
            if self.count > most * max(compressed(), 1):
                raise LimitExceededError(
                    f"The archive expands more than {most} times ({self.count:,} bytes from "
                    f"{compressed():,} compressed bytes so far): this looks like a decompression bomb, not a feed."
                )
        if self._progress is not None:
            self._progress[0](self.count, self._progress[1])
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        for other in self._also_close:
            other.close()
        super().close()


@dataclass
class Opened:
    """A source ready to be read any number of times."""

    name: str | None
    compression: str | None
    member: str | None
    _raw: bytes | None
    _path: Path | None
    _limits: Limits
    spreadsheet: str | None = None  # "xlsx", "ods" or "xls": read by read.spreadsheet, not as text

    def _open_raw(self) -> BinaryIO:
        if self._raw is not None:
            return io.BytesIO(self._raw)
        assert self._path is not None
        return open(self._path, "rb")

    def size(self) -> int | None:
        """Bytes of the source as sent."""
        return len(self._raw) if self._raw is not None else self._path.stat().st_size if self._path else None

    def open(self, progress: Progress | None = None) -> BinaryIO:
        """A fresh decompressed stream, capped by the limits; ``progress`` is told how many bytes
        of the source as sent (of the member, for a zip) were read so far."""
        raw = self._open_raw()
        inner: IO[bytes] | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile | zip_member.Member
        sent = (progress, self.size()) if progress is not None else None
        if self.compression is None:
            return io.BufferedReader(_CappedReader(raw, self._limits.max_bytes, "as sent", progress=sent), _CHUNK)
        ratio: tuple[int, Callable[[], int]]
        if self.compression == "zip":
            # The member is read from memory or the path, never extracted; its expansion is
            # measured against the compressed bytes it consumed, never a size its headers give.
            with zipfile.ZipFile(raw) as archive:  # closing it leaves raw open
                assert self.member is not None
                info = archive.getinfo(self.member)
                directory = int(getattr(archive, "start_dir", 0)) or raw.seek(0, io.SEEK_END)
            reader = zip_member.Member(raw, info, directory)
            inner = reader
            closers: tuple[IO[bytes] | zipfile.ZipFile, ...] = ()
            ratio = (self._limits.max_compression_ratio, lambda: reader.consumed)
            member = (progress, info.file_size) if progress is not None else None
        else:
            member = None
            outer = io.BufferedReader(_CappedReader(raw, self._limits.max_bytes, "as sent", progress=sent), _CHUNK)
            if self.compression == "gzip":
                inner = gzip.GzipFile(fileobj=outer, mode="rb")
            elif self.compression == "bz2":
                inner = bz2.BZ2File(outer, mode="rb")
            else:
                inner = lzma.LZMAFile(outer, mode="rb")
            closers = (outer,)
            counter = outer.raw
            assert isinstance(counter, _CappedReader)
            ratio = (self._limits.max_compression_ratio, lambda: counter.count)
        capped = _CappedReader(
            inner, self._limits.max_decompressed_bytes, "once decompressed", closers, ratio, self.compression, member
        )
        return io.BufferedReader(capped, _CHUNK)

    @property
    def plain_file(self) -> Path | None:
        """The path, when the feed is an uncompressed file on disk (it can be read in pieces)."""
        return self._path if self.compression is None else None

    def head(self, size: int = 1 << 16) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    def read_all(self, progress: Progress | None = None) -> bytes:
        if progress is not None:
            with self.open(progress) as stream:
                return stream.read()
        if self.compression is None and self._path is not None:
            return self._path.read_bytes()  # size checked against the limit when opened
        if self.compression is None and self._raw is not None:
            return self._raw
        with self.open() as stream:
            return stream.read()


def _wait_readable(stream: object, waited: int) -> None:
    """A non-blocking stream has no data yet: wait until it has (or says it ended)."""
    try:
        fileno = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        fileno = None
    if isinstance(fileno, int):
        select.select([fileno], [], [])
    else:  # nothing to wait on: back off, up to a tenth of a second between tries
        time.sleep(min(0.001 * (1 << min(waited, 7)), 0.1))


def read_stream(stream: IO[bytes], cap: int) -> bytes:
    """Everything a binary stream holds, read to its end in chunks: a raw stream, a socket or a
    pipe may return fewer bytes than asked at any read, and a non-blocking one ``None`` when no
    data is there yet (then this waits for it). Refused past ``cap`` bytes, before holding more
    than ``cap`` plus one chunk; a text stream is a caller mistake (:class:`SourceTypeError`)."""
    out = io.BytesIO()  # getvalue() hands over its buffer without a copy
    waited = 0
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except BlockingIOError:  # what a buffered reader over a non-blocking stream may raise instead
            chunk = None
        if chunk is None:
            _wait_readable(stream, waited)
            waited += 1
            continue
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise SourceTypeError("source is a text stream: feedcheck reads binary streams, open the file with 'rb'.")
        if not chunk:
            return out.getvalue()
        waited = 0
        out.write(chunk)
        if out.tell() > cap:
            raise LimitExceededError(
                f"The feed is larger than the limit of {cap:,} bytes as sent; split it or raise the limit."
            )


def _zip_member(raw: BinaryIO) -> tuple[str | None, str | None]:
    """(the one member to read, None), or (None, "xlsx" | "ods") for a spreadsheet."""
    zip_member.check_directory(raw)
    try:
        archive = zipfile.ZipFile(raw)
    except zipfile.BadZipFile as exc:
        raise UnsupportedCompressionError(f"The zip archive is damaged: {exc}.") from None
    kind = spreadsheet_kind(archive)
    if kind is not None:
        return None, kind
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
            raise UnsafeInputError(
                f"The zip archive names a file outside itself ({info.filename!r}); feedcheck refuses such archives."
            )
    names = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not info.filename.rsplit("/", 1)[-1].startswith(".")
    ]
    if any(info.flag_bits & 0x41 for info in archive.infolist()):  # traditional or strong encryption
        raise UnsupportedCompressionError("The zip archive is password-protected.")
    if any(
        name.lower().endswith((".xml", ".rels")) and name.startswith(("xl/", "word/", "[Content")) for name in names
    ):
        raise NotAFeedError(
            "This is an Office document (.docx/.pptx), not a feed: send the catalogue as a CSV or a sheet."
        )
    if len(names) != 1:
        listing = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        raise UnsupportedCompressionError(
            f"The zip archive holds {len(names)} files ({listing}); it must hold exactly one feed."
        )
    return names[0], None


def _path(source: str | os.PathLike[str]) -> Path:
    """``source`` as a path; the text of a feed passed as a ``str`` is the caller's mistake."""
    text = os.fspath(source)
    if not isinstance(text, str):
        raise SourceTypeError(f"source must be a path, bytes or a binary stream, got a path of {type(text).__name__}.")
    unusable = "\n" in text or "\r" in text or "\x00" in text
    if not unusable:
        try:
            Path(text).is_file()
        except OSError:  # a name longer than the system allows
            unusable = True
    if unusable:
        raise UsageError(
            f"source is a str of {len(text):,} characters that is no file path: pass a path, or the feed "
            "itself as bytes (text.encode('utf-8'))."
        )
    return Path(text)


def open_source(source: SourceLike, limits: Limits) -> Opened:
    """Identify the source and its compression; raise NotAFeedError for unusable inputs."""
    name: str | None = None
    raw: bytes | None = None
    path: Path | None = None
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = _path(source)
        name = str(path)
        if not path.is_file():
            raise NotAFeedError(f"There is no file at {path}.")
    elif hasattr(source, "read"):
        name = getattr(source, "name", None)
        name = name if isinstance(name, str) else None
        raw = read_stream(source, limits.max_bytes)
    else:
        raise SourceTypeError(
            f"source must be a path, bytes or a binary stream, got {type(source).__name__}: "
            "feedcheck cannot read a feed from it."
        )
    if raw is not None and len(raw) > limits.max_bytes:
        raise LimitExceededError(
            f"The feed is larger than the limit of {limits.max_bytes:,} bytes as sent; split it or raise the limit."
        )
    if path is not None and path.stat().st_size > limits.max_bytes:
        raise LimitExceededError(
            f"The feed is {path.stat().st_size:,} bytes, over the limit of {limits.max_bytes:,} bytes."
        )
    opened = Opened(name, None, None, raw, path, limits)
    with opened._open_raw() as stream:
        magic = stream.read(8)
        if not magic:
            raise NotAFeedError("The file is empty.")
        compression = next((kind for sig, kind in _MAGIC_COMPRESSION if magic.startswith(sig)), None)
        if compression == "zip":
            stream.seek(0)
            opened.member, opened.spreadsheet = _zip_member(stream)
        if magic.startswith(OLE_MAGIC):
            opened.spreadsheet = "xls"
    if opened.spreadsheet is not None:
        return opened  # a spreadsheet, read whole by read.spreadsheet
    opened.compression = compression
    if compression is not None:
        try:
            head = opened.head(8)
        except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
            raise _damaged(compression, exc) from None
        if not head:
            raise NotAFeedError(f"The {compression} archive holds an empty file.")
        magic = head
        if any(magic.startswith(sig) for sig, _ in _MAGIC_COMPRESSION):
            raise UnsupportedCompressionError("The archive holds another archive; send the feed itself.")
    for sig, what in _MAGIC_NOT_A_FEED:
        if magic.startswith(sig):
            raise NotAFeedError(f"This is {what}, not a CSV or XML feed.")
    return opened
