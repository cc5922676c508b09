"""Read delimited text into a DataFrame of strings, with the line where each record starts.

polars parses the cells; it gives no positions, so a vectorised byte scan (numpy masks over
the whole buffer) finds where each record starts, how many fields it has, and which lines are
blank. When the two disagree (quotes that do not pair up as RFC 4180 wants), the file is read
again by Python's lenient ``csv`` module and the irregularity is reported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import polars.selectors as cs

from feedcheck.errors import LimitExceededError, MalformedFeedError
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


@dataclass
class CsvTable:
    frame: pl.DataFrame  # one String column per header name, plus LINE (Int64)
    columns: list[str]  # header names as the merchant wrote them (made unique)
    issues: list[RawIssue]


@dataclass
class _Scan:
    starts: np.ndarray  # byte offset where each record starts (header first)
    ends: np.ndarray  # byte offset of each record's terminating newline (or EOF)
    lines: np.ndarray  # 1-based line where each record starts
    fields: np.ndarray  # delimiter-separated field count of each record
    blank: np.ndarray  # bool: record is an empty line
    unclosed_quote: bool


_CHUNK = 1 << 24


def source_column(name: str) -> pl.Expr:
    """The column ``name`` of a frame as read, taken literally: ``pl.col`` reads ``*`` as every
    column and ``^...$`` as a regular expression, and a merchant may name a column so."""
    return cs.by_name(name).as_expr()


def _positions(arr: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of every ``byte`` in ``arr``, found chunk by chunk: a full-size boolean
    temporary costs more in fresh memory pages than the comparison itself."""
    found: list[np.ndarray] = []
    mask = np.empty(min(len(arr), _CHUNK), dtype=bool)
    for start in range(0, len(arr), _CHUNK):
        chunk = arr[start : start + _CHUNK]
        view = mask[: len(chunk)]
        np.equal(chunk, byte, out=view)
        hits = np.flatnonzero(view)
        if hits.size:
            found.append(hits + start)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def scan(buf: bytes, delimiter: str, quote: str | None = '"') -> _Scan:
    """Record boundaries by quote parity: a newline ends a record when an even number of
    quote characters precede it (doubled quotes inside a cell keep the parity).

    Every step is a whole-buffer numpy pass or a binary search per record: fields are the
    delimiters of a record minus those between the two quotes of a pair."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = _positions(arr, 10)
    quotes = _positions(arr, ord(quote)) if quote else np.empty(0, dtype=np.int64)
    terminators = newlines[np.searchsorted(quotes, newlines) & 1 == 0] if quotes.size else newlines
    starts = np.concatenate(([0], terminators + 1)).astype(np.int64)
    ends = np.concatenate((terminators, [len(buf)])).astype(np.int64)
    if starts[-1] >= len(buf):  # the file ends with a newline: no record after it
        starts, ends = starts[:-1], ends[:-1]
    lines = np.searchsorted(newlines, starts) + 1
    delims = _positions(arr, ord(delimiter))
    fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    if quotes.size >= 2:
        opens, closes = quotes[0 : quotes.size - 1 : 2], quotes[1::2]
        inside = np.searchsorted(delims, closes) - np.searchsorted(delims, opens)
        if inside.any():
            owner = np.searchsorted(starts, opens, side="right") - 1
            fields = fields - np.bincount(owner, weights=inside, minlength=len(starts)).astype(np.int64)
    length = ends - starts
    safe = np.minimum(starts, max(len(buf) - 1, 0))
    blank = (length == 0) | ((length == 1) & (arr[safe] == 13)) if len(buf) else length == 0
    return _Scan(starts, ends, lines, fields, blank, bool(quotes.size & 1))


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


def _unique_names(names: list[str], line: int, issues: list[RawIssue]) -> list[str]:
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


def read_csv(text_utf8: bytes, delimiter: str, limits: Limits) -> CsvTable:
    """Parse UTF-8 bytes (BOM already removed) into strings, reporting structure problems."""
    issues: list[RawIssue] = []
    if b"\n" not in text_utf8 and b"\r" in text_utf8:
        # Classic Mac line ends (Excel for Mac "CSV (Macintosh)"): one CR per line.
        text_utf8 = text_utf8.replace(b"\r", b"\n")
    head = scan(text_utf8[:_CHUNK], delimiter)
    if (len(head.blank) and head.blank[0]) or len(text_utf8) <= _CHUNK:
        sc = scan(text_utf8, delimiter) if len(text_utf8) > _CHUNK else head
        keep = ~sc.blank
        if not keep.any():
            raise MalformedFeedError("The file holds no header row and no records.")
        first = int(np.argmax(keep))
        if first:  # blank lines before the header: read from the header on
            text_utf8 = text_utf8[int(sc.starts[first]) :]
            offset = int(sc.lines[first]) - 1
            sc = scan(text_utf8, delimiter)
            sc.lines = sc.lines + offset
        return _read_scanned(text_utf8, delimiter, limits, sc, issues)
    # A big file: the byte scan runs in a second thread while polars parses (both release the GIL).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(scan, text_utf8, delimiter)
        frame = _polars_read(text_utf8, delimiter, _header(text_utf8, head, delimiter, []))
        sc = pending.result()
    return _read_scanned(text_utf8, delimiter, limits, sc, issues, frame)


def _header(text_utf8: bytes, sc: _Scan, delimiter: str, issues: list[RawIssue]) -> list[str]:
    try:
        header_raw = text_utf8[int(sc.starts[0]) : int(sc.ends[0])].decode("utf-8").rstrip("\r").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise NotUtf8 from None
    return _unique_names(_header_names(header_raw, delimiter), int(sc.lines[0]), issues)


def _polars_read(text_utf8: bytes, delimiter: str, names: list[str]) -> pl.DataFrame | None:
    """polars' parse, or None when it cannot parse the file (quotes out of place)."""
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
    names = _unique_names(_header_names(header_raw, delimiter), header_line, issues)
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
        if not sc.unclosed_quote:
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
        issues.append(RawIssue("csv-trailing-delimiter", [int(lines[i]) for i in hits[:20]], int(hits.size)))
    ragged = np.flatnonzero(data_rows & (fields != expected) & ~trailing)
    if ragged.size:
        issues.append(
            RawIssue(
                "csv-ragged-row",
                [int(lines[i]) for i in ragged[:20]],
                int(ragged.size),
                [f"{int(fields[i])} fields" for i in ragged[:20]],
            )
        )
    if blank.any():
        # Blank lines after the last record are just the end of the file: not reported.
        last_record = int(np.flatnonzero(data_rows)[-1]) if data_rows.any() else -1
        blanks = np.flatnonzero(blank[: last_record + 1])
        if blanks.size:
            issues.append(RawIssue("csv-blank-line", [int(lines[i]) for i in blanks[:20]], int(blanks.size)))
        frame = frame.filter(pl.Series(data_rows))
    return CsvTable(frame, names, issues)


def _read_lenient(
    buf: bytes, delimiter: str, names: list[str]
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Slow path for files whose quotes do not pair up: Python's csv module, row by row."""
    try:
        text = buf.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8 from None
    width = len(names)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    counts: list[int] = []
    blanks: list[bool] = []
    previous_end = 0
    for index, (row, line_num) in enumerate(_python_rows(text, delimiter)):
        start = previous_end + 1
        previous_end = line_num
        if index == 0:
            continue
        lines.append(start)
        counts.append(len(row))
        blanks.append(not row)
        for position in range(width):
            value = row[position] if position < len(row) else None
            columns[position].append(value if value != "" else None)
    frame = pl.DataFrame(
        {name: pl.Series(name, col, dtype=pl.String) for name, col in zip(names, columns, strict=True)}
    )
    return frame, np.array(lines, dtype=np.int64), np.array(counts), np.array(blanks, dtype=bool)
