"""Read delimited text into a DataFrame of strings, with the line where each record starts.

polars parses the cells; it gives no positions, so a vectorised byte scan (numpy masks over
the whole buffer) finds where each record starts, how many fields it has, and which lines are
blank. When the two disagree (quotes that do not pair up as RFC 4180 wants), the file is read
again by Python's lenient ``csv`` module and the irregularity is reported.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import polars.selectors as cs

from feedcheck.errors import LimitExceededError, MalformedFeedError, UsageError
from feedcheck.limits import Limits

# The line column of every frame. Its name starts with a space, which no source column's can:
# CSV header names are trimmed (_unique_names) and XML names hold no space.
LINE = " line"


class NotUtf8(Exception):
    """The bytes given as UTF-8 are not: the caller decodes them and reads again."""


@dataclass
class RawIssue:
    """A structural finding, before it becomes a report issue."""

    code: str
    lines: list[int]
    count: int
    values: list[str] = field(default_factory=list)
    column: str | None = None
    # Every line the issue counts (columns "line", and "value" where it has one), for the
    # per-line issue rows; None when the issue is about the file, not about lines.
    rows: pl.DataFrame | None = None


@dataclass
class CsvTable:
    frame: pl.DataFrame  # one String column per header name, plus LINE (Int64)
    columns: list[str]  # header names as the merchant wrote them (made unique)
    issues: list[RawIssue]
    header_line: int = 1  # 1-based line of the header record
    above: list[str] = field(default_factory=list)  # non-blank lines above the header, as written
    truncated: bool = False  # Limits.partial: the records after the first max_items were not read


@dataclass
class _Scan:
    starts: np.ndarray  # byte offset where each record starts (header first)
    ends: np.ndarray  # byte offset of each record's terminating newline (or EOF)
    lines: np.ndarray  # 1-based line where each record starts
    fields: np.ndarray  # delimiter-separated field count of each record
    blank: np.ndarray  # bool: record is an empty line
    unclosed_quote: bool
    truncated: bool = False  # the scan stopped after ``stop_after`` records; more follow


_CHUNK = 1 << 24


def source_column(name: str) -> pl.Expr:
    """The column ``name`` of a frame as read, taken literally: ``pl.col`` reads ``*`` as every
    column and ``^...$`` as a regular expression, and a merchant may name a column so."""
    return cs.by_name(name).as_expr()


class TooManyRecords(Exception):
    """The scan stopped: the buffer holds more than ``most`` records."""

    def __init__(self, most: int) -> None:
        super().__init__(most)
        self.most = most


_SCAN_CHUNK = 1 << 20
_LEADING_BLANK_LINES = re.compile(rb"[\r\n]*")  # a character class: a group repeated would stack per line


def scan(
    buf: bytes, delimiter: str, quote: str | None = '"', most: int | None = None, stop_after: int | None = None
) -> _Scan:
    """Record boundaries by quote parity: a newline ends a record when an even number of
    quote characters precede it (doubled quotes inside a cell keep the parity); a record's
    fields are its delimiters at even parity, plus one.

    The buffer is scanned in chunks of :data:`_SCAN_CHUNK` bytes, the quote parity carried from
    one to the next: what it keeps is a few numbers per record (where it ends, how many newlines
    and delimiters come before), never one per delimiter, quote or newline, so a file of
    delimiters costs no more than one of letters. With ``most``, it raises
    :class:`TooManyRecords` as soon as the buffer proves to hold more records than that (the
    header included), before keeping more. With ``stop_after``, it stops after that many
    records that are not blank lines, and says whether more follow (``truncated``)."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    size = len(arr)
    delimiter_byte, quote_byte = ord(delimiter), ord(quote) if quote else None
    ends_found: list[np.ndarray] = []  # offset of each terminating newline
    newlines_at: list[np.ndarray] = []  # newlines up to and including it
    delimiters_at: list[np.ndarray] = []  # delimiters outside quotes before it
    parity = newlines = delimiters = records = filled = 0
    previous_end = -1  # the last terminator seen: the next record starts after it
    stopped = False
    for offset in range(0, size, _SCAN_CHUNK):
        chunk = arr[offset : offset + _SCAN_CHUNK]
        at_newline = np.flatnonzero(chunk == 10)
        at_delimiter = np.flatnonzero(chunk == delimiter_byte)
        at_quote = np.flatnonzero(chunk == quote_byte) if quote_byte is not None else at_newline[:0]
        if at_quote.size:
            newline_outside = (np.searchsorted(at_quote, at_newline) + parity) & 1 == 0
            at_delimiter = at_delimiter[(np.searchsorted(at_quote, at_delimiter) + parity) & 1 == 0]
        else:
            newline_outside = np.full(at_newline.size, not parity)
            at_delimiter = at_delimiter if not parity else at_delimiter[:0]
        terminators = at_newline[newline_outside]
        found = terminators + offset
        counted_newlines = np.flatnonzero(newline_outside) + (newlines + 1)
        counted_delimiters = np.searchsorted(at_delimiter, terminators) + delimiters
        if stop_after is not None and found.size:
            lengths = np.diff(found, prepend=previous_end) - 1
            blank = (lengths == 0) | ((lengths == 1) & (arr[np.maximum(found - 1, 0)] == 13))
            running = np.cumsum(~blank) + filled
            if running[-1] >= stop_after:
                keep = int(np.searchsorted(running, stop_after)) + 1
                found, counted_newlines, counted_delimiters = (
                    found[:keep],
                    counted_newlines[:keep],
                    counted_delimiters[:keep],
                )
                stopped = True
            filled = int(running[len(found) - 1])
        ends_found.append(found)
        newlines_at.append(counted_newlines)
        delimiters_at.append(counted_delimiters)
        records += found.size
        if stopped:
            break
        newlines += at_newline.size
        delimiters += at_delimiter.size
        parity = (parity + at_quote.size) & 1
        previous_end = int(found[-1]) if found.size else previous_end
        if most is not None and records > most:
            raise TooManyRecords(most)
    terminators = np.concatenate(ends_found) if ends_found else np.empty(0, dtype=np.int64)
    counted_newlines = np.concatenate(newlines_at) if newlines_at else np.empty(0, dtype=np.int64)
    counted_delimiters = np.concatenate(delimiters_at) if delimiters_at else np.empty(0, dtype=np.int64)
    del ends_found, newlines_at, delimiters_at
    starts = np.concatenate(([0], terminators + 1)).astype(np.int64)
    ends = np.concatenate((terminators, [size])).astype(np.int64)
    lines = np.concatenate(([1], counted_newlines + 1)).astype(np.int64)
    fields = np.diff(np.concatenate((counted_delimiters, [delimiters])), prepend=0).astype(np.int64) + 1
    truncated = False
    if stopped:  # what follows the last record kept is not read
        after = _LEADING_BLANK_LINES.match(buf, int(terminators[-1]) + 1)
        truncated = after is not None and after.end() < size
        starts, ends, lines, fields = starts[:-1], ends[:-1], lines[:-1], fields[:-1]
    elif starts[-1] >= size:  # the file ends with a newline: no record after it
        starts, ends, lines, fields = starts[:-1], ends[:-1], lines[:-1], fields[:-1]
    if most is not None and len(starts) > most:
        raise TooManyRecords(most)
    length = ends - starts
    safe = np.minimum(starts, max(size - 1, 0))
    blank = (length == 0) | ((length == 1) & (arr[safe] == 13)) if size else length == 0
    return _Scan(starts, ends, lines, fields, blank, bool(parity) and not stopped, truncated)


# Python's csv module ends a line at a bare CR; polars and the byte scan keep it inside the
# cell. The lenient readers hide bare CRs behind a private-use character and restore them.
_BARE_CR = re.compile(r"\r(?!\n)")
_CR_STANDIN = "\ue000"


def _python_rows(text: str, delimiter: str) -> Iterator[tuple[list[str], int]]:
    """Rows from Python's lenient csv reader, each with the line it ends on."""
    hidden = _BARE_CR.sub(_CR_STANDIN, text)
    reader = csv.reader(io.StringIO(hidden, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    for row in reader:
        yield [cell.replace(_CR_STANDIN, "\r") for cell in row], reader.line_num


def _header_names(raw: str, delimiter: str) -> list[str]:
    return next((row for row, _ in _python_rows(raw, delimiter)), [])


def unique_names(names: list[str], line: int, issues: list[RawIssue]) -> list[str]:
    """Header names trimmed and made unique: an empty one becomes ``column_<position>``, a repeated
    one ``<name> (2)``, ``(3)`` ...; a name made up never takes one the header holds itself.

    Trimming is also what keeps every source column apart from :data:`LINE`."""
    stripped = [raw.strip() for raw in names]
    written = set(stripped)
    taken: set[str] = set()
    suffix: dict[str, int] = {}  # the next number to try after a name, so that n repeats cost n steps

    def made_up(base: str, plain: bool) -> str:
        if plain and base not in taken and base not in written:
            return base
        k = suffix.get(base, 2)
        while f"{base} ({k})" in taken or f"{base} ({k})" in written:
            k += 1
        suffix[base] = k + 1
        return f"{base} ({k})"

    out: list[str] = []
    empty_positions: list[str] = []
    duplicates: list[str] = []
    for position, name in enumerate(stripped, start=1):
        if not name:
            name = made_up(f"column_{position}", plain=True)
            empty_positions.append(str(position))
        elif name in taken:
            duplicates.append(name)
            name = made_up(name, plain=False)
        taken.add(name)
        out.append(name)
    if empty_positions:
        issues.append(RawIssue("csv-empty-header", [line], len(empty_positions), empty_positions))
    if duplicates:
        issues.append(RawIssue("csv-duplicate-header", [line], len(duplicates), sorted(set(duplicates))))
    return out


def _too_many(limits: Limits, columns: int, rows: int) -> LimitExceededError:
    if rows >= limits.max_items and not limits.partial:
        return LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
    return cells_refusal(limits, columns, rows)


def _header_record(text_utf8: bytes, delimiter: str, header_line: int, forced: bool) -> tuple[int, int, list[str]]:
    """Where the header starts when it is not on the first non-blank line: (byte offset, lines
    before it, the non-blank lines above it as written). Looked for in the first chunk only (a
    title line sits at the top). A ``forced`` header line that starts no record is a
    :class:`UsageError`; a guessed one falls back to the first non-blank record."""
    sc = scan(text_utf8[:_CHUNK], delimiter)
    keep = ~sc.blank
    if not keep.any():
        raise MalformedFeedError("The file holds no header row and no records.")
    first = int(np.argmax(keep))
    at = np.flatnonzero((sc.lines == header_line) & keep)
    if at.size:
        first = int(at[0])
    elif forced:
        last = int(sc.lines[-1]) if len(sc.lines) else 0
        where = (
            f"the file's records start on lines 1 to {last:,}"
            if header_line <= last
            else (f"the file's last record starts on line {last:,}")
        )
        raise UsageError(f"The header line {header_line} starts no record: {where}.")
    start = int(sc.starts[first])
    skipped = text_utf8[:start].decode("utf-8", errors="replace").lstrip("\ufeff")
    above = [line.strip()[:200] for line in re.split(r"\r\n|\r|\n", skipped) if line.strip()]
    return start, int(sc.lines[first]) - 1, above


def read_csv(
    text_utf8: bytes, delimiter: str, limits: Limits, header_line: int | None = None, *, forced: bool = False
) -> CsvTable:
    """Parse UTF-8 bytes (BOM already removed) into strings, reporting structure problems.

    The header is the record starting on ``header_line`` (1-based), else the first non-blank
    record; the lines above it hold no record and are returned in ``CsvTable.above``. A
    ``forced`` header line that starts no record is a :class:`UsageError`; a guessed one falls
    back to the first non-blank record.

    The header's columns are counted first; the byte scan then refuses the file as soon as it
    holds more rows than ``Limits.max_cells`` allows for that many columns (or more than
    ``max_items``) before polars parses it: the memory is bounded before it is spent. With
    ``Limits.partial``, the scan stops after the first ``max_items`` records."""
    issues: list[RawIssue] = []
    if b"\n" not in text_utf8 and b"\r" in text_utf8:
        # Classic Mac line ends (Excel for Mac "CSV (Macintosh)"): one CR per line.
        text_utf8 = text_utf8.replace(b"\r", b"\n")
    above: list[str] = []
    if header_line not in (None, 1):
        start, offset, above = _header_record(text_utf8, delimiter, header_line, forced)
        text_utf8 = text_utf8[start:]
    else:
        blank = _LEADING_BLANK_LINES.match(text_utf8)
        skipped = blank.end() if blank else 0
        if skipped == len(text_utf8):
            raise MalformedFeedError("The file holds no header row and no records.")
        offset = text_utf8.count(b"\n", 0, skipped)
        if skipped:  # blank lines before the header: read from the header on
            text_utf8 = text_utf8[skipped:]
    header = scan(text_utf8, delimiter, stop_after=1)
    columns = int(header.fields[0])
    if columns > limits.max_columns:
        raise LimitExceededError(f"The header has {columns:,} columns, over the limit of {limits.max_columns:,}.")
    rows = limits.max_cells // columns  # rows after the header that the cell cap allows
    if not limits.partial:
        rows = min(rows, limits.max_items)
    stop = 1 + limits.max_items if limits.partial else None
    # Every newline may end a record (fewer do: some sit inside quoted cells); counting them costs
    # next to nothing. Only a file that could hold more rows than the limits allow is scanned
    # before polars parses it, so that polars never holds what will be refused.
    could_exceed = text_utf8.count(b"\n") > rows
    if len(text_utf8) <= _CHUNK or limits.partial or could_exceed:
        try:
            sc = scan(text_utf8, delimiter, most=1 + rows, stop_after=stop)
        except TooManyRecords:
            raise _too_many(limits, columns, rows) from None
        if sc.truncated:
            text_utf8 = text_utf8[: int(sc.ends[-1])]
        sc.lines = sc.lines + offset
        table = _read_scanned(text_utf8, delimiter, limits, sc, issues)
        table.truncated = sc.truncated
        table.above = above
        return table
    # A big file within the limits: the byte scan runs in a second thread while polars parses
    # (both release the GIL).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(scan, text_utf8, delimiter, most=1 + rows)
        names = _header(text_utf8, header, delimiter, [])
        frame = _polars_read(text_utf8, delimiter, names)
        try:
            sc = pending.result()
        except TooManyRecords:
            raise _too_many(limits, columns, rows) from None
    sc.lines = sc.lines + offset
    table = _read_scanned(text_utf8, delimiter, limits, sc, issues, frame)
    table.above = above
    return table


def cells_refusal(limits: Limits, columns: int, rows: int) -> LimitExceededError:
    """The refusal of a feed holding more values than ``Limits.max_cells``."""
    return LimitExceededError(
        f"The feed has over {rows:,} rows of {columns:,} columns: more than {limits.max_cells:,} values, "
        "the limit feedcheck holds at once; split the feed or raise the limit."
    )


def _header(text_utf8: bytes, sc: _Scan, delimiter: str, issues: list[RawIssue]) -> list[str]:
    try:
        header_raw = text_utf8[int(sc.starts[0]) : int(sc.ends[0])].decode("utf-8").rstrip("\r").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise NotUtf8 from None
    return unique_names(_header_names(header_raw, delimiter), int(sc.lines[0]), issues)


# polars decompresses what starts like gzip, zlib or zstd data; a text that happens to start so
# ("x^..." is a zlib header) is read by the lenient reader instead.
_COMPRESSED = (b"\x1f\x8b", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x28\xb5\x2f\xfd")


def _polars_read(text_utf8: bytes, delimiter: str, names: list[str], rows: int | None = None) -> pl.DataFrame | None:
    """polars' parse (at most ``rows`` records), or None when it cannot parse the file (quotes
    out of place)."""
    if text_utf8.startswith(_COMPRESSED):
        return None
    try:
        return pl.read_csv(
            text_utf8,
            separator=delimiter,
            quote_char='"',
            has_header=True,
            new_columns=names,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            n_rows=rows,
        )
    except pl.exceptions.ComputeError as exc:
        # Only polars' own message: the text of other errors quotes the data, which may say "utf-8".
        if str(exc).lower().startswith(("invalid utf-8", "invalid utf8")):
            raise NotUtf8 from None
        return None
    except pl.exceptions.PolarsError:
        return None


_UNREAD = pl.DataFrame()


def _read_scanned(
    text_utf8: bytes,
    delimiter: str,
    limits: Limits,
    sc: _Scan,
    issues: list[RawIssue],
    frame: pl.DataFrame | None = _UNREAD,
) -> CsvTable:
    try:
        header_raw = text_utf8[int(sc.starts[0]) : int(sc.ends[0])].decode("utf-8").rstrip("\r").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise NotUtf8 from None
    header_line = int(sc.lines[0])
    names = unique_names(_header_names(header_raw, delimiter), header_line, issues)
    if frame is not _UNREAD and frame is not None and frame.columns != names:
        frame = None  # the header the parallel read assumed was not the real one
    if len(names) > limits.max_columns:
        raise LimitExceededError(f"The header has {len(names):,} columns, over the limit of {limits.max_columns:,}.")
    n_records = len(sc.starts) - 1
    if n_records > limits.max_items and not limits.partial:
        raise LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
    if sc.unclosed_quote:
        issues.append(RawIssue("csv-unbalanced-quotes", [int(sc.lines[-1])], 1))
        frame = None
    elif frame is _UNREAD:
        frame = _polars_read(text_utf8, delimiter, names)
    if frame is not None and (frame.height != n_records or frame.width != len(names)):
        frame = None
    lines = sc.lines[1:]
    fields = sc.fields[1:]
    blank = sc.blank[1:].copy()
    used_lenient = frame is None
    if frame is None:
        frame, lines, fields, blank = _read_lenient(text_utf8, delimiter, names)
        if not sc.unclosed_quote and not text_utf8.startswith(_COMPRESSED):
            # Quotes pair up in number but not in place: name the first record where the
            # byte scan and the lenient reader part ways.
            scanned = sc.lines[1:]
            common = min(len(scanned), len(lines))
            differ = np.flatnonzero(scanned[:common] != lines[:common])
            at = (
                int(lines[differ[0] - 1]) if differ.size and differ[0] else int(lines[0]) if len(lines) else header_line
            )
            issues.append(RawIssue("csv-unbalanced-quotes", [at], 1))
    frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    expected = len(names)
    if expected > 1 and not used_lenient:
        # A line of spaces is a blank line too: it has no delimiter, so only one-field
        # records need a look.
        starts, ends = sc.starts[1:], sc.ends[1:]
        for i in np.flatnonzero(~blank & (fields == 1) & (ends - starts <= 256)):
            if not text_utf8[int(starts[i]) : int(ends[i])].strip():
                blank[i] = True
    data_rows = ~blank
    trailing = np.zeros(len(fields), dtype=bool)
    if not used_lenient:
        arr = np.frombuffer(text_utf8, dtype=np.uint8)
        ends = sc.ends[1:]
        last = np.maximum(ends - 1, 0)
        last = np.where((arr[last] == 13) & (last > 0), last - 1, last) if len(arr) else last
        trailing = data_rows & (fields == expected + 1) & (arr[last] == ord(delimiter)) if len(arr) else trailing
    if trailing.any():
        hits = np.flatnonzero(trailing)
        every = pl.DataFrame({"line": lines[hits]}, schema={"line": pl.Int64})
        issues.append(
            RawIssue("csv-trailing-delimiter", [int(lines[i]) for i in hits[:20]], int(hits.size), rows=every)
        )
    ragged = np.flatnonzero(data_rows & (fields != expected) & ~trailing)
    if ragged.size:
        issues.append(
            RawIssue(
                "csv-ragged-row",
                [int(lines[i]) for i in ragged[:20]],
                int(ragged.size),
                [f"{int(fields[i])} fields" for i in ragged[:20]],
                rows=pl.DataFrame({"line": lines[ragged], "fields": fields[ragged]}).select(
                    pl.col("line").cast(pl.Int64), (pl.col("fields").cast(pl.String) + " fields").alias("value")
                ),
            )
        )
    if blank.any():
        # Blank lines after the last record are just the end of the file: not reported.
        last_record = int(np.flatnonzero(data_rows)[-1]) if data_rows.any() else -1
        blanks = np.flatnonzero(blank[: last_record + 1])
        if blanks.size:
            every = pl.DataFrame({"line": lines[blanks]}, schema={"line": pl.Int64})
            issues.append(
                RawIssue("csv-blank-line", [int(lines[i]) for i in blanks[:20]], int(blanks.size), rows=every)
            )
        frame = frame.filter(pl.Series(data_rows))
    return CsvTable(frame, names, issues, header_line)


_PIECE = 1 << 20  # bytes decoded at a time by the lenient reader
# Rows the lenient reader holds as Python strings before handing them to polars: about this many
# cells (a few tens of MB), and at least _LENIENT_ROWS rows (each polars column has a fixed cost).
_LENIENT_CELLS = 250_000
_LENIENT_ROWS = 1_000


def _lenient_lines(buf: bytes, found_cr: list[bool]) -> Iterator[str]:
    """The lines of ``buf``, decoded a piece at a time (each piece ends after a newline), with
    bare CRs hidden behind :data:`_CR_STANDIN`; ``found_cr`` says whether there were any."""
    start, size = 0, len(buf)
    while start < size:
        end = buf.find(b"\n", min(start + _PIECE, size) - 1)
        end = size if end < 0 else end + 1
        try:
            text = buf[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise NotUtf8 from None
        if "\r" in text:
            hidden = _BARE_CR.sub(_CR_STANDIN, text)
            found_cr[0] = found_cr[0] or hidden != text
            text = hidden
        yield from io.StringIO(text, newline="")
        start = end


def _read_lenient(
    buf: bytes, delimiter: str, names: list[str]
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Slow path for files whose quotes do not pair up: Python's csv module, row by row.

    Its cost is held near the fast path's: the text is decoded a piece at a time, and the rows
    are handed to polars a block of rows at a time (:data:`_LENIENT_CELLS`), transposed by
    ``zip_longest`` rather than cell by cell, so that only one block is ever held as Python
    strings."""
    width = len(names)
    block_rows = max(_LENIENT_ROWS, _LENIENT_CELLS // max(width, 1))
    found_cr = [False]
    reader = csv.reader(_lenient_lines(buf, found_cr), delimiter=delimiter, quotechar='"', strict=False)
    frames: list[pl.DataFrame] = []
    block: list[list[str]] = []
    lines = array("q")
    counts = array("q")
    blanks = array("b")

    def flush() -> None:
        columns = list(itertools.islice(itertools.zip_longest(*block, fillvalue=None), width))
        empty = [None] * len(block)
        frame = pl.DataFrame(
            [
                pl.Series(name, columns[i] if i < len(columns) else empty, dtype=pl.String)
                for i, name in enumerate(names)
            ]
        )
        frames.append(frame.select(pl.all().replace("", None)))
        block.clear()

    previous_end = 0
    for index, row in enumerate(reader):
        start = previous_end + 1
        previous_end = reader.line_num
        if index == 0:
            continue
        lines.append(start)
        counts.append(len(row))
        blanks.append(not row)
        block.append(row)
        if len(block) >= block_rows:
            flush()
    if block or not frames:
        flush()
    frame = pl.concat(frames) if len(frames) > 1 else frames[0]
    if found_cr[0]:
        frame = frame.with_columns(pl.all().str.replace_all(_CR_STANDIN, "\r", literal=True))
    return (
        frame,
        np.frombuffer(lines, dtype=np.int64).copy(),
        np.frombuffer(counts, dtype=np.int64).copy(),
        np.frombuffer(blanks, dtype=np.int8).astype(bool),
    )
