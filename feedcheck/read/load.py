"""Source to records: open, sniff and decode a feed, then read its records batch by batch.

:func:`open_feed` gives a :class:`Feed`: what was detected (``source``) and a reader whose
``batches()`` yield frames of strings (one column per source column, plus ``LINE``). Only the
current batch is held. :func:`load` reads every batch into one :class:`Table` (tests, small
feeds, spreadsheets).

Decisions that need a look at the file (the encoding, the CSV delimiter and header line, the XML
record element) are taken on its first bytes (:data:`HEAD`), and can all be forced.
"""

from __future__ import annotations

import codecs
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import numpy as np
import polars as pl
from lxml import etree

from feedcheck.errors import LimitExceededError, UsageError, wrong_argument
from feedcheck.limits import Limits
from feedcheck.read import split_xml
from feedcheck.read.csv_reader import LINE, CsvReader, Findings, RawIssue, source_column
from feedcheck.read.sniff import (
    ENCODING_NAMES,
    HEADER_SNIFF_CHARS,
    LOW_CONFIDENCE,
    ItemElement,
    TextEncoding,
    decode_text,
    detect_bom,
    refuse_entities,
    sniff_delimiter,
    sniff_format,
    sniff_header_line,
    sniff_item_element,
    xml_declared_encoding,
    xml_parser_options,
)
from feedcheck.read.source import Opened, Progress, Source, SourceLike, open_source
from feedcheck.read.spreadsheet import read_spreadsheet
from feedcheck.read.xml_reader import XmlReader

HEAD = 1 << 20
LONG_HEAD = 8 << 20  # read when the first HEAD bytes hold no whole XML record


@dataclass
class ReadOptions:
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    item_element: str | None = None
    limits: Limits = field(default_factory=lambda: Limits())
    workers: int = 1  # processes that may read one XML file (2: two halves at once)
    progress: Progress | None = None  # told the bytes of the source read so far, and the total
    sheet: str | None = None  # the spreadsheet's sheet to read (the first by default)
    header_line: int | None = None  # CSV: the 1-based line of the header, instead of finding it
    batch_size: int | None = None  # records per batch handed on (None: as the reader reads them)


class Reader(Protocol):
    """What the CSV, XML and spreadsheet readers share."""

    findings: Findings

    @property
    def records(self) -> int: ...

    @property
    def columns(self) -> list[str]: ...

    @property
    def partial(self) -> bool: ...

    def batches(self) -> Iterator[pl.DataFrame]: ...


@dataclass
class Table:
    """A feed as read whole: one String column per source column, plus the LINE column."""

    frame: pl.DataFrame
    columns: list[str]
    source: Source
    issues: list[RawIssue]
    multi: set[str] = field(default_factory=set)
    partial: bool = False  # only the first Limits.max_items records were kept (Limits.partial)
    head: bytes = b""  # XML: the first bytes the record element was found in (the header a dialect reads)


class Feed:
    """An opened and sniffed feed. ``batches()`` yields frames of strings: the columns seen so far
    (``columns`` grows when an XML record brings a new one) plus ``LINE``. ``issues()`` and
    ``partial`` are final once the batches are exhausted; :meth:`drain_rows` hands on the rows of
    the structural findings of the batches read since the last call."""

    def __init__(
        self, source: Source, reader: Reader, limits: Limits, batch_size: int | None, before: list[RawIssue]
    ) -> None:
        self.source = source
        self._reader = reader
        self._limits = limits
        self._batch_size = batch_size
        self._before = before
        self.multi: set[str] = set()
        self.head = b""  # XML: the first bytes the record element was found in (the header a dialect reads)

    @property
    def columns(self) -> list[str]:
        return self._reader.columns

    @property
    def partial(self) -> bool:
        return self._reader.partial

    @property
    def records(self) -> int:
        return self._reader.records

    def first_seen(self, column: str) -> int:
        """The 0-based record where ``column`` first appeared (0 for every CSV column)."""
        seen: dict[str, int] = getattr(self._reader, "first_seen", {})
        return seen.get(column, 0)

    def issues(self) -> list[RawIssue]:
        return self._before + self._reader.findings.issues()

    def drain_rows(self) -> list[tuple[str, pl.DataFrame]]:
        return self._reader.findings.drain()

    def batches(self) -> Iterator[pl.DataFrame]:
        size = self._batch_size
        for frame in self._reader.batches():
            _check_field_chars(frame, self._limits)
            self.multi = set(getattr(self._reader, "multi", set()))
            if size is None or frame.height <= size:
                yield frame
            else:
                for start in range(0, frame.height, size):
                    yield frame.slice(start, size)
        self.multi = set(getattr(self._reader, "multi", set()))
        if self.source.format == "csv":
            self.source.header_line = getattr(self._reader, "header_line", None)
            self.source.above_header = list(getattr(self._reader, "above", []))


def _check_field_chars(frame: pl.DataFrame, limits: Limits) -> None:
    """Refuse a value longer than ``max_field_chars`` (bytes first: free, string lengths are stored)."""
    columns = [c for c in frame.columns if c != LINE]
    if not columns or frame.height == 0:
        return
    longest = frame.select(source_column(c).str.len_bytes().max() for c in columns).row(0)
    for column, size in zip(columns, longest, strict=True):
        if size is None or size <= limits.max_field_chars:
            continue
        chars = source_column(column).str.len_chars()
        over = frame.select(LINE, chars.alias("chars")).filter(pl.col("chars") > limits.max_field_chars)
        if over.height:
            line, count = over.row(0)
            raise LimitExceededError(
                f"A value of column {column!r} (line {line}) holds {count:,} characters, "
                f"over the limit of {limits.max_field_chars:,}."
            )


# ---- CSV ---------------------------------------------------------------------------------------------


class _Miscoded:
    """Bytes an encoding read as something else than the file meant, counted with their lines
    (the codec error handler of :class:`_Recoded`; one sink per thread)."""

    local = threading.local()


def _miscoded_handler(replacement: str) -> Callable[[UnicodeError], tuple[str, int]]:
    def handle(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeDecodeError):
            raise exc
        bad = bytes(exc.object[exc.start : exc.end])
        sink: list[int] = _Miscoded.local.sink
        sink.append(exc.start)
        if replacement == "cp1252":
            return bad.decode("cp1252", errors="replace"), exc.end
        return "\ufffd" * len(bad), exc.end

    return handle


codecs.register_error("feedcheck-stream-cp1252", _miscoded_handler("cp1252"))
codecs.register_error("feedcheck-stream-undefined", _miscoded_handler("undefined"))


class _Recoded(io.RawIOBase):
    """A byte stream in another encoding, read as UTF-8 bytes (decoded block by block). Bytes the
    encoding cannot read go through ``errors`` (read as Windows-1252, or as U+FFFD) and are
    counted in ``count``, the first lines they sit on in ``lines``."""

    def __init__(self, inner: BinaryIO, codec: str, errors: str) -> None:
        self._inner = inner
        self._decoder = codecs.getincrementaldecoder(codec)(errors=errors)
        self._out = b""
        self._done = False
        self._newlines = 0  # line ends in the blocks decoded so far
        self.count = 0
        self.lines: list[int] = []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._out and not self._done:
            block = self._inner.read(1 << 20)
            self._done = not block
            found: list[int] = []
            _Miscoded.local.sink = found
            try:
                self._out = self._decoder.decode(block, final=self._done).encode("utf-8")
            finally:
                del _Miscoded.local.sink
            if found:
                self.count += len(found)
                if len(self.lines) < 20:
                    newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
                    at = np.searchsorted(newlines, np.asarray(found, dtype=np.int64)) + self._newlines + 1
                    self.lines = sorted({*self.lines, *(int(n) for n in at)})[:20]
            self._newlines += block.count(b"\n")
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


class _CrLines(io.RawIOBase):
    """Classic Mac line ends (Excel for Mac "CSV (Macintosh)"): every CR read as a line end."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer)).replace(b"\r", b"\n")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _without_cut_sequence(head: bytes) -> bytes:
    """``head`` without a UTF-8 sequence cut at its end (up to 3 bytes of a 4-byte sequence)."""
    for back in range(1, min(4, len(head)) + 1):
        byte = head[-back]
        if byte < 0x80:
            return head
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return head if back >= need else head[:-back]
    return head


_CODECS = {name: codec for codec, name in ENCODING_NAMES.items()}


def _csv_feed(opened: Opened, head: bytes, options: ReadOptions, source: Source) -> Feed:
    """The encoding is judged on the first bytes (``sniff.decode_text``: UTF-8, mostly UTF-8 with
    stray bytes, or the single-byte encoding that reads them best, with a confidence); the stream
    is then read in it, block by block."""
    complete = len(head) < HEAD
    sample = head if complete else _without_cut_sequence(head)
    _, enc = decode_text(sample, options.encoding)
    bom, bom_size = detect_bom(head)
    codec = codecs.lookup(options.encoding).name if options.encoding else _CODECS.get(enc.encoding, enc.encoding)
    utf8 = codecs.lookup(codec).name == "utf-8"
    stream: BinaryIO = opened.open(options.progress)
    if bom == "utf-8" and utf8:
        stream.read(bom_size)  # the decoders of UTF-16/32 read their own BOM
    recoded: _Recoded | None = None
    if not utf8:
        errors = "feedcheck-stream-cp1252" if options.encoding else "feedcheck-stream-undefined"
        recoded = _Recoded(stream, codec, errors)
        stream = io.BufferedReader(recoded, 1 << 20)
    text = sample.decode(codec, errors="replace").lstrip("\ufeff")
    if "\n" not in text and "\r" in text:
        stream = io.BufferedReader(_CrLines(stream), 1 << 20)
        text = text.replace("\r", "\n")
    delimiter = options.delimiter or sniff_delimiter(text[:200_000])
    issues: list[RawIssue] = []
    if not utf8 and not options.encoding:
        issues.append(RawIssue("encoding-not-utf8", [], 1, [enc.encoding]))
    source.encoding = enc.encoding if not options.encoding else options.encoding
    source.encoding_confidence = None if options.encoding else enc.confidence
    source.bom = bom is not None
    source.delimiter = delimiter
    if options.header_line is not None:
        reader = CsvReader(stream, delimiter, options.limits, header_line=options.header_line, forced=True)
    else:
        line = sniff_header_line(text[: HEADER_SNIFF_CHARS * 4], delimiter)
        reader = CsvReader(stream, delimiter, options.limits, header_line=line)
    return Feed(source, _Decoded(reader, stream, recoded, enc, options, issues), options.limits, options.batch_size, [])


class _Decoded:
    """A CSV reader over a decoded stream: closes the stream once the batches are exhausted (or
    abandoned), and adds the findings of the decoding itself (bytes the encoding could not read,
    an encoding told with little confidence) to the reader's."""

    def __init__(
        self,
        reader: CsvReader,
        stream: BinaryIO,
        recoded: _Recoded | None,
        enc: TextEncoding,
        options: ReadOptions,
        issues: list[RawIssue],
    ) -> None:
        self._reader = reader
        self._stream = stream
        self._recoded = recoded
        self._enc = enc
        self._options = options
        self.findings = reader.findings
        for raw in issues:
            self.findings.add(raw.code, raw.lines, raw.count, raw.values)

    @property
    def columns(self) -> list[str]:
        return self._reader.columns

    @property
    def partial(self) -> bool:
        return self._reader.partial

    @property
    def records(self) -> int:
        return self._reader.records

    @property
    def header_line(self) -> int:
        return self._reader.header_line

    @property
    def above(self) -> list[str]:
        return self._reader.above

    def batches(self) -> Iterator[pl.DataFrame]:
        try:
            yield from self._reader.batches()
        finally:
            self._stream.close()
        recoded, enc = self._recoded, self._enc
        count = recoded.count if recoded is not None else 0
        lines = recoded.lines if recoded is not None else []
        if self._options.encoding:
            if count:
                every = pl.DataFrame({"line": lines}, schema={"line": pl.Int64})
                self.findings.add("encoding-invalid-bytes", lines, count, [self._options.encoding], rows=every)
        elif enc.confidence is not None and (enc.confidence < LOW_CONFIDENCE or count):
            # Say so rather than pretend: the bytes it leaves undefined were read as U+FFFD.
            detail = f"{enc.encoding} (confidence {enc.confidence:.0%})"
            self.findings.add("encoding-uncertain", lines, max(count, 1), [detail])


# ---- XML ---------------------------------------------------------------------------------------------


def _xml_encoding(forced: str) -> str:
    """The name libxml2 knows the forced encoding by: Python's own (``latin-1`` is ``iso8859-1``),
    else the caller's. An encoding Python knows and libxml2 does not (``cp437``) is refused."""
    for candidate in dict.fromkeys((codecs.lookup(forced).name, forced)):
        try:
            etree.fromstring(b"<a/>", etree.XMLParser(encoding=candidate))
        except LookupError:
            continue
        except etree.XMLSyntaxError:
            pass  # known; it just does not read these ASCII bytes (UTF-16)
        return candidate
    raise wrong_argument("encoding", "an encoding the XML parser knows, such as utf-8, latin-1 or cp1252", forced)


def _named_item_element(head: bytes, name: str, encoding: str | None) -> ItemElement:
    """The record element the caller named (local name, prefixed name or Clark notation)."""
    want = name.rsplit(":", 1)[-1] if not name.startswith("{") else name
    stack: list[str] = []
    try:
        parser_events = etree.iterparse(
            io.BytesIO(head), events=("start", "end"), encoding=encoding, **xml_parser_options()
        )
        for event, elem in parser_events:
            if not isinstance(elem.tag, str):
                continue
            local = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                stack.append(local)
                if want in (local, elem.tag):
                    return ItemElement(elem.tag, "/".join(stack))
            else:
                stack.pop()
    except etree.XMLSyntaxError:
        pass
    raise UsageError(f"The feed has no element <{name}> near its start.")


def _item_element(
    read_head: Callable[[int], bytes], head: bytes, forced: str | None, encoding: str | None
) -> tuple[ItemElement | None, bytes]:
    """The record element (None: a document with no record), and the head it was found in: the
    first :data:`HEAD` bytes, or when they hold no whole record (a long channel header, a CDATA
    section they cut), the first :data:`LONG_HEAD` bytes."""
    full = len(head) == HEAD
    if forced:
        try:
            return _named_item_element(head, forced, encoding), head
        except UsageError:
            longer = read_head(LONG_HEAD) if full else head
            if len(longer) == len(head):
                raise
            return _named_item_element(longer, forced, encoding), longer
    item = sniff_item_element(head, encoding)
    if (item is None or "/" not in item.path) and full:  # no record, or the root: perhaps only the head's
        longer = read_head(LONG_HEAD)
        if len(longer) > len(head):
            return sniff_item_element(longer, encoding), longer
    return item, head


class _Frames:
    """A reader over frames already read (a spreadsheet, a document with no record)."""

    def __init__(self, frame: pl.DataFrame, columns: list[str], issues: list[RawIssue], limits: Limits) -> None:
        self._frame = frame
        self._limits = limits
        self.columns = columns
        self.findings = Findings()
        for raw in issues:
            self.findings.add(raw.code, raw.lines, raw.count, raw.values, raw.rows)
        self.records = 0
        self.partial = False

    def batches(self) -> Iterator[pl.DataFrame]:
        frame = self._frame
        if frame.height > self._limits.max_items:
            if not self._limits.partial:
                raise LimitExceededError(f"The feed has over {self._limits.max_items:,} records, the limit.")
            frame = frame.head(self._limits.max_items)
            self.partial = True
        rows = max(1, self._limits.max_cells // max(len(self.columns), 1))
        for start in range(0, frame.height, rows):
            batch = frame.slice(start, rows)
            self.records += batch.height
            yield batch


def _xml_feed(opened: Opened, head: bytes, options: ReadOptions, source: Source) -> Feed:
    if options.header_line is not None:
        raise UsageError("A header line is only for CSV feeds; this feed is XML.")
    refuse_entities(head, complete=len(head) < HEAD)
    encoding = _xml_encoding(options.encoding) if options.encoding else None
    item, head = _item_element(opened.head, head, options.item_element, encoding)
    source.encoding = options.encoding or xml_declared_encoding(head) or "utf-8"
    source.encoding_confidence = None if options.encoding else 1.0  # the parser reads the declared encoding
    source.bom = detect_bom(head)[0] is not None
    if item is None:  # a document with no record: the report says feed-empty
        empty = _Frames(pl.DataFrame(schema={LINE: pl.Int64()}), [], [], options.limits)
        feed = Feed(source, empty, options.limits, options.batch_size, [])
        feed.head = head
        return feed
    source.item_element = item.path
    reader: Reader | None = None
    if opened.plain_file is not None and options.workers > 1:
        cut = split_xml.plan(opened.plain_file, head, item, options.limits)
        if cut is not None:
            reader = split_xml.SplitReader(cut, item, options.limits, encoding, options.batch_size)
    if reader is None:
        progress = options.progress
        reader = XmlReader(lambda: opened.open(progress), item, options.limits, encoding, batch=options.batch_size)
    feed = Feed(source, reader, options.limits, options.batch_size, [])
    feed.head = head
    return feed


def open_feed(source_like: SourceLike, options: ReadOptions) -> Feed:
    """Open and sniff a feed; its records are read when ``batches()`` is iterated.

    Raises :class:`feedcheck.FeedError` subclasses for unusable input, here or while iterating."""
    opened = open_source(source_like, options.limits)
    if opened.spreadsheet is not None:
        sheet = read_spreadsheet(opened.read_all(options.progress), opened.spreadsheet, options.sheet, options.limits)
        source = Source(name=opened.name, format=opened.spreadsheet, encoding="utf-8", sheet=sheet.sheet)
        frames = _Frames(sheet.frame, sheet.columns, sheet.issues, options.limits)
        return Feed(source, frames, options.limits, options.batch_size, [])
    if options.sheet is not None:
        raise UsageError("--sheet names a sheet of a spreadsheet; this feed is not one.")
    head = opened.head(HEAD)
    fmt = options.format or sniff_format(head)
    if fmt not in ("csv", "xml"):
        raise wrong_argument("format", '"csv", "xml" or None (to detect it)', fmt)
    source = Source(
        name=opened.name,
        format=fmt,
        encoding="utf-8",
        compression=opened.compression,
        member=opened.member,
    )
    if fmt == "csv":
        return _csv_feed(opened, head, options, source)
    return _xml_feed(opened, head, options, source)


def load(source_like: SourceLike, options: ReadOptions) -> Table:
    """Every record at once (tests and small feeds): the batches of :func:`open_feed` put together."""
    feed = open_feed(source_like, options)
    frames = list(feed.batches())
    columns = feed.columns
    selected = [*map(source_column, columns), LINE]
    if frames:
        frame = pl.concat(frames, how="diagonal_relaxed").select(selected)
    else:
        frame = pl.DataFrame(schema={**dict.fromkeys(columns, pl.String()), LINE: pl.Int64()})
    return Table(frame, columns, feed.source, feed.issues(), feed.multi, feed.partial, head=feed.head)


__all__ = ["LINE", "Feed", "ReadOptions", "Table", "load", "open_feed", "source_column"]
