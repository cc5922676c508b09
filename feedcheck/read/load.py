"""Source to table: open, sniff, decode and read a feed into a DataFrame of strings."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from lxml import etree

from feedcheck.errors import LimitExceededError, UsageError, wrong_argument
from feedcheck.limits import Limits
from feedcheck.read import split_xml
from feedcheck.read.csv_reader import LINE, NotUtf8, RawIssue, read_csv, source_column
from feedcheck.read.sniff import (
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
from feedcheck.read.source import Progress, Source, SourceLike, open_source
from feedcheck.read.spreadsheet import read_spreadsheet
from feedcheck.read.xml_reader import read_xml

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


@dataclass
class Table:
    """A feed as read: one String column per source column, plus the LINE column."""

    frame: pl.DataFrame
    columns: list[str]
    source: Source
    issues: list[RawIssue]
    multi: set[str] = field(default_factory=set)
    partial: bool = False  # only the first Limits.max_items records were kept (Limits.partial)
    head: bytes = b""  # XML: the first bytes the record element was found in (the header a dialect reads)


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


def _lines_of(data: bytes, offsets: list[int]) -> list[int]:
    """The 1-based line of each offset, sorted, counted in one pass over ``data`` (a count from
    the start for each offset made 200 passes over a file with stray bytes spread through it)."""
    lines: list[int] = []
    line, previous = 1, 0
    for offset in sorted(offsets):
        line += data.count(b"\n", previous, offset)
        previous = offset
        lines.append(line)
    return lines


def _load_csv(data: bytes, options: ReadOptions, source: Source) -> Table:
    bom, bom_size = detect_bom(data)
    if options.encoding is None and bom in (None, "utf-8"):
        # Most feeds are UTF-8: let the reader check that while it parses (polars refuses
        # invalid UTF-8), and decode in Python only when it does not hold.
        try:
            # polars skips a UTF-8 BOM itself: no copy of the whole file without it.
            return _read_csv_bytes(data, data, TextEncoding("utf-8", bom is not None), options, source)
        except NotUtf8:
            pass
    text, enc = decode_text(data, options.encoding)
    if enc.encoding == "utf-8" and not enc.bad_count:
        buf = data[bom_size:] if enc.bom else data
    else:
        buf = text.encode("utf-8")
    del text
    return _read_csv_bytes(buf, data, enc, options, source)


def _read_csv_bytes(buf: bytes, data: bytes, enc: TextEncoding, options: ReadOptions, source: Source) -> Table:
    """Read UTF-8 ``buf``; ``data`` is the file as it came, for the lines of bad bytes."""
    delimiter = options.delimiter or sniff_delimiter(buf[:200_000].decode("utf-8", errors="replace"))
    issues: list[RawIssue] = []
    if enc.bad_count:
        lines = sorted(set(_lines_of(data, enc.bad_offsets[:200])))
        issues.append(RawIssue("encoding-invalid-bytes", lines[:20], enc.bad_count, [enc.encoding]))
    elif enc.encoding not in ("utf-8", "ascii") and not options.encoding:
        issues.append(RawIssue("encoding-not-utf8", [], 1, [enc.encoding]))
    if enc.confidence is not None and (enc.confidence < LOW_CONFIDENCE or enc.undefined_count):
        # Say so rather than pretend: the bytes it leaves undefined were read as U+FFFD.
        lines = sorted(set(_lines_of(data, enc.undefined_offsets[:200])))
        detail = f"{enc.encoding} (confidence {enc.confidence:.0%})"
        issues.append(RawIssue("encoding-uncertain", lines[:20], max(enc.undefined_count, 1), [detail]))
    if options.header_line is not None:
        table = read_csv(buf, delimiter, options.limits, options.header_line, forced=True)
    else:
        line = sniff_header_line(buf[: HEADER_SNIFF_CHARS * 4].decode("utf-8", errors="replace"), delimiter)
        table = read_csv(buf, delimiter, options.limits, line)
    source.encoding = enc.encoding
    source.encoding_confidence = enc.confidence
    source.bom = enc.bom
    source.delimiter = delimiter
    source.header_line = table.header_line
    source.above_header = table.above
    return Table(table.frame, table.columns, source, issues + table.issues, partial=table.truncated)


def _within_limits(table: Table, limits: Limits) -> Table:
    """Refuse a value longer than ``max_field_chars``; keep the first ``max_items`` records
    where the caller asked for a partial report."""
    if table.frame.height > limits.max_items:
        if not limits.partial:
            raise LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
        table.frame = table.frame.head(limits.max_items)
        table.partial = True
    if not table.columns or table.frame.height == 0:
        return table
    # Bytes first (free: string lengths are stored), characters only where bytes exceed.
    longest = table.frame.select(source_column(c).str.len_bytes().max() for c in table.columns).row(0)
    for column, size in zip(table.columns, longest, strict=True):
        if size is None or size <= limits.max_field_chars:
            continue
        chars = source_column(column).str.len_chars()
        over = table.frame.select(LINE, chars.alias("chars")).filter(pl.col("chars") > limits.max_field_chars)
        if over.height:
            line, count = over.row(0)
            raise LimitExceededError(
                f"A value of column {column!r} (line {line}) holds {count:,} characters, "
                f"over the limit of {limits.max_field_chars:,}."
            )
    return table


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


def load(source_like: SourceLike, options: ReadOptions) -> Table:
    opened = open_source(source_like, options.limits)
    if opened.spreadsheet is not None:
        sheet = read_spreadsheet(opened.read_all(options.progress), opened.spreadsheet, options.sheet, options.limits)
        source = Source(name=opened.name, format=opened.spreadsheet, encoding="utf-8", sheet=sheet.sheet)
        return _within_limits(Table(sheet.frame, sheet.columns, source, sheet.issues), options.limits)
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
        return _within_limits(_load_csv(opened.read_all(options.progress), options, source), options.limits)
    if options.header_line is not None:
        raise UsageError("A header line is only for CSV feeds; this feed is XML.")
    refuse_entities(head, complete=len(head) < HEAD)
    encoding = _xml_encoding(options.encoding) if options.encoding else None
    item, head = _item_element(opened.head, head, options.item_element, encoding)
    source.encoding = options.encoding or xml_declared_encoding(head) or "utf-8"
    source.encoding_confidence = None if options.encoding else 1.0  # the parser reads the declared encoding
    source.bom = detect_bom(head)[0] is not None
    if item is None:  # a document with no record: the report says feed-empty
        return Table(pl.DataFrame(schema={LINE: pl.Int64()}), [], source, [], head=head)
    source.item_element = item.path
    xml = None
    if opened.plain_file is not None and options.workers > 1:
        cut = split_xml.plan(opened.plain_file, head, item, options.limits)
        xml = split_xml.read_xml_halves(cut, item, options.limits, encoding) if cut else None
    if xml is None:
        xml = read_xml(lambda: opened.open(options.progress), item, options.limits, encoding)
    table = Table(xml.frame, xml.columns, source, xml.issues, xml.multi, xml.partial, head=head)
    return _within_limits(table, options.limits)


__all__ = ["LINE", "ReadOptions", "Table", "load", "source_column"]
