"""Read delimited text batch by batch: frames of strings, with the line where each record starts.

The feed arrives as UTF-8 bytes (the loader decodes other encodings on the way). It is cut into
chunks of whole records: a chunk ends after a newline preceded by an even number of quote
characters since the start of the file (doubled quotes inside a cell keep the parity). polars
parses each chunk; it gives no positions, so a vectorised byte scan (numpy masks over the chunk)
finds where each record starts, how many fields it has, and which lines are blank.

Where the two disagree (quotes that do not pair up as RFC 4180 wants, or a record that never
ends), the rest of the file, from the start of that chunk, is read by Python's lenient ``csv``
module, still a block of rows at a time, and the irregularity is reported. Nothing but the
current chunk and the aggregates of the structural findings is held: memory does not grow with
the file, and a chunk holds at most ``Limits.max_cells`` values (a wide file is read in smaller
chunks, never refused for its width).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

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


EXAMPLE_LINES = 20  # lines kept per structural finding


class Findings:
    """Structural findings merged across chunks: per code, the count and the first lines; and
    the rows of every line counted since the last :meth:`drain` (for the issue rows, which the
    pipeline hands on batch by batch rather than hold)."""

    def __init__(self) -> None:
        self._by_code: dict[str, RawIssue] = {}
        self._rows: list[tuple[str, pl.DataFrame]] = []

    def add(
        self,
        code: str,
        lines: list[int],
        count: int,
        values: list[str] | None = None,
        rows: pl.DataFrame | None = None,
    ) -> None:
        found = self._by_code.get(code)
        if found is None:
            found = self._by_code[code] = RawIssue(code, [], 0, [])
        room = EXAMPLE_LINES - len(found.lines)
        if room > 0:
            found.lines += lines[:room]
            found.values += (values or [])[:room]
        found.count += count
        if rows is not None and rows.height:
            self._rows.append((code, rows))

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def issues(self) -> list[RawIssue]:
        return list(self._by_code.values())

    def drain(self) -> list[tuple[str, pl.DataFrame]]:
        """The rows (columns ``line``, and ``value`` where the finding has one) of the lines
        counted since the last call, per code; emptied."""
        rows, self._rows = self._rows, []
        return rows


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
    # Python's csv refuses a field over 128 KiB by default: a header cell may be as long as its line.
    csv.field_size_limit(max(csv.field_size_limit(), len(raw) + 1))
    return next((row for row, _ in _python_rows(raw, delimiter)), [])


def unique_names(names: list[str], line: int, issues: list[RawIssue] | Findings) -> list[str]:
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
    found: list[RawIssue] = []
    if empty_positions:
        found.append(RawIssue("csv-empty-header", [line], len(empty_positions), empty_positions))
    if duplicates:
        found.append(RawIssue("csv-duplicate-header", [line], len(duplicates), sorted(set(duplicates))))
    for issue in found:
        if isinstance(issues, Findings):
            issues.add(issue.code, issue.lines, issue.count, issue.values)
        else:
            issues.append(issue)
    return out


def cells_refusal(limits: Limits, columns: int) -> LimitExceededError:
    """The refusal of a record wider than ``Limits.max_cells`` values, the most a batch holds."""
    return LimitExceededError(
        f"One record of {columns:,} columns is more than {limits.max_cells:,} values, the limit feedcheck "
        "holds at once; raise the limit."
    )


# polars decompresses what starts like gzip, zlib or zstd data; a chunk of text that happens to
# start so ("x^..." is a zlib header) gets a blank line in front, which the reader drops.
_COMPRESSED = (b"\x1f\x8b", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x28\xb5\x2f\xfd")

CHUNK = 8 << 20  # bytes of records parsed at once (fewer lines when rows are wide: see _lines)
# A record longer than this without an even-parity line end means the quotes do not pair up
# (a stray or unclosed quote): the rest is read leniently.
LONGEST_RECORD = 32 << 20
# Lines parsed at once: a line costs about 200 bytes of rows and scan arrays however short it is,
# so that a chunk of 8 MiB of blank lines would take 1.6 GB at once.
LINES = 100_000
READ = 256 << 10  # bytes read at once
# Values the lenient reader holds as Python strings at once (about 50 bytes each, where polars
# takes 16): its blocks are smaller than the fast path's batches.
LENIENT_CELLS = 500_000


def _polars_read(chunk: bytes, delimiter: str, names: list[str]) -> pl.DataFrame | None:
    """polars' parse of a chunk of whole records (no header), or None when it cannot parse it
    (quotes out of place). Raises NotUtf8 when the chunk is not UTF-8."""
    try:
        return pl.read_csv(
            chunk,
            separator=delimiter,
            quote_char='"',
            has_header=False,
            schema=dict.fromkeys(names, pl.String()),
            extra_columns="ignore",
            missing_columns="insert",
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


class _Chained(io.RawIOBase):
    """Bytes already read, then the rest of a stream, as one stream (for the lenient reader)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head.nbytes:
            n = min(len(buffer), self._head.nbytes)
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        if not data:
            return 0
        buffer[: len(data)] = data
        return len(data)


def _text_lines(text: io.TextIOBase, limit: int, found_cr: list[bool]) -> Iterator[str]:
    """Physical lines of a text stream, each with its ``\\n``, bare CRs replaced by a stand-in
    (Python's csv module would end a line there; polars and the byte scan do not); ``found_cr``
    says whether there were any. A line longer than ``limit`` characters is refused before it is
    held whole."""
    pending = ""
    while True:
        block = text.read(1 << 16)
        if not block:
            if pending:
                hidden = _BARE_CR.sub(_CR_STANDIN, pending)
                found_cr[0] = found_cr[0] or hidden != pending
                yield hidden
            return
        pending += block
        cut = pending.rfind("\n")
        if cut < 0:
            if len(pending) > limit:
                raise LimitExceededError(
                    f"A line of the file holds over {limit:,} characters, over the limit for one value."
                )
            continue
        lines, pending = pending[: cut + 1], pending[cut + 1 :]
        if "\r" in lines:
            hidden = _BARE_CR.sub(_CR_STANDIN, lines)
            found_cr[0] = found_cr[0] or hidden != lines
            lines = hidden
        yield from io.StringIO(lines, newline="")


class _Utf8Errors:
    """Counts the invalid byte runs the lenient reader decodes as Windows-1252."""

    local = threading.local()


def _lenient_errors(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    _Utf8Errors.local.count = getattr(_Utf8Errors.local, "count", 0) + len(bad)
    return bytes(bad).decode("cp1252", errors="replace"), exc.end


codecs.register_error("feedcheck-cp1252-lenient", _lenient_errors)


def _first_strict_failure(chunk: bytes, scanned: _Scan, delimiter: str, lines_before: int) -> int:
    """The line of the first record of ``chunk`` that Python's csv module refuses in strict mode
    (a quote inside a field, text after a closing quote): the record polars refused, whatever
    the chunk it came in. Only records holding a quote are tried; the chunk's first record when
    none is refused."""
    quoted = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 34)
    for i in np.unique(np.searchsorted(scanned.ends, quoted, side="left")):
        if i >= len(scanned.starts):
            break
        text = chunk[int(scanned.starts[i]) : int(scanned.ends[i])].decode("utf-8", errors="replace")
        try:
            list(csv.reader([text.rstrip("\r")], delimiter=delimiter, quotechar='"', strict=True))
        except csv.Error:
            return int(scanned.lines[i]) + lines_before
    return int(scanned.lines[0]) + lines_before if len(scanned.lines) else lines_before + 1


def _joined(parts: list[bytes]) -> bytes:
    return parts[0] if len(parts) == 1 else b"".join(parts)


class CsvReader:
    """Stream the records of delimited text (UTF-8 bytes) as frames of strings.

    ``batches()`` yields frames with one String column per header name (``columns``, made unique)
    plus :data:`LINE` (Int64, the 1-based line where the record starts); blank lines are left out.
    ``findings`` holds the structural issues (ragged rows, blank lines, quotes ...) found so far,
    with their first lines; ``records`` the records read; ``partial`` whether the item limit
    stopped the reading (``Limits.partial``). ``header_line`` and ``above`` say where the header
    was and what was above it.

    ``header_line`` is the 1-based line of the header (lines above it are skipped); None takes the
    first non-blank line; a ``forced`` header line that starts no record is a :class:`UsageError`,
    a guessed one falls back to the first non-blank record. ``chunk`` overrides the chunk size in
    bytes (tests cut feeds in pieces as small as one byte: no result depends on it).

    Raises :class:`LimitExceededError` (items, columns), :class:`MalformedFeedError` (no header).
    """

    def __init__(
        self,
        stream: BinaryIO,
        delimiter: str,
        limits: Limits,
        *,
        header_line: int | None = None,
        forced: bool = False,
        chunk: int | None = None,
    ) -> None:
        self._stream = stream
        self.delimiter = delimiter
        self._limits = limits
        self._wanted_header = header_line
        self._forced = forced
        self._chunk = chunk
        # Bytes per chunk. Its values are capped by its lines instead (self._lines): a cap on
        # bytes alone would cut narrow feeds into needlessly many batches.
        self._size = chunk or CHUNK
        self.findings = Findings()
        self.columns: list[str] = []
        self.header_line = 0
        self.above: list[str] = []
        self.records = 0
        self.partial = False
        # Blank lines not yet followed by a record: with none between them, they are the
        # lines first .. first + count - 1.
        self._pending_blank_first = 0
        self._pending_blank_count = 0
        self._blank_seen = 0  # blank lines so far: rows too, for the item limit
        self._carry = b""
        self._lines = LINES  # lines per chunk: fewer for wide rows, see batches()

    # ---- chunks of whole records ----------------------------------------------------------------

    def _chunks(self) -> Iterator[tuple[bytes, int, bool]]:
        """(chunk, lines before it, complete): chunks of whole records, of about ``self._size``
        bytes or ``self._lines`` lines, whichever comes first (read :data:`READ` bytes at a time,
        so that the arrays of line ends stay small even for a flood of blank lines).
        ``complete`` is False for a tail whose quotes never pair up (no even-parity line end within
        :data:`LONGEST_RECORD`, or none before the end of the file). The bytes read past the last
        chunk wait in ``self._carry``: the lenient reader takes them over."""
        carry_quotes = 0  # quote characters in the carry
        carry_newlines = 0  # line ends in the carry
        lines_before = 0
        parts: list[bytes] = []  # whole records read, not yet handed on
        part_bytes = part_lines = 0
        while True:
            data = self._stream.read(min(self._size, READ))
            if not data:
                if parts:
                    yield _joined(parts), lines_before, True
                    lines_before += part_lines
                if self._carry:
                    tail, self._carry = self._carry, b""
                    yield tail, lines_before, carry_quotes % 2 == 0
                return
            arr = np.frombuffer(data, dtype=np.uint8)
            newlines = np.flatnonzero(arr == 10)
            quotes = np.flatnonzero(arr == 34)
            parity = (np.searchsorted(quotes, newlines) + carry_quotes) & 1
            good = newlines[parity == 0] if newlines.size else newlines
            if good.size:
                cut = int(good[-1]) + 1
                parts.append(self._carry + data[:cut] if self._carry else data[:cut])
                self._carry = data[cut:]
                before = int(np.count_nonzero(newlines < cut))
                part_bytes += len(parts[-1])
                part_lines += carry_newlines + before
                carry_quotes = int(np.count_nonzero(quotes >= cut))
                carry_newlines = int(newlines.size) - before
                if part_bytes >= self._size or part_lines >= self._lines:
                    # Everything read is in the parts or the carry: the lenient reader, should
                    # it take over from this chunk, goes on with the carry.
                    yield _joined(parts), lines_before, True
                    lines_before += part_lines
                    parts, part_bytes, part_lines = [], 0, 0
            else:
                self._carry += data
                carry_quotes += int(quotes.size)
                carry_newlines += int(newlines.size)
                if len(self._carry) > LONGEST_RECORD:
                    if parts:
                        yield _joined(parts), lines_before, True
                        lines_before += part_lines
                        parts = []
                    tail, self._carry = self._carry, b""
                    yield tail, lines_before, False
                    return

    # ---- batches ---------------------------------------------------------------------------------

    def batches(self) -> Iterator[pl.DataFrame]:
        first = True
        rows = 1  # records per batch, once the header is known
        chunks = self._chunks()
        for chunk, lines_before, complete in chunks:
            if first:
                # The header line the sniffer found in the head may lie past a small first chunk.
                wanted = self._wanted_header or 0
                while complete and lines_before + chunk.count(b"\n") < wanted:
                    more = next(chunks, None)
                    if more is None:
                        break
                    chunk, complete = chunk + more[0], more[2]
                chunk, lines_before = self._read_header(chunk, lines_before)
                first = False
                rows = max(1, self._limits.max_cells // max(len(self.columns), 1))  # per batch
                self._lines = min(LINES, rows)
                if not chunk:
                    continue
            frame = self._fast(chunk, lines_before) if complete else None
            if frame is None:
                yield from self._lenient(chunk, lines_before, complete)
                return
            # The first chunk was read before the header said how wide a row is: the frame is
            # handed on in slices (views, no copy) of at most max_cells values.
            for start in range(0, frame.height, rows):
                yield frame.slice(start, rows)
            if self.partial:
                return
        if first:
            raise MalformedFeedError("The file holds no header row and no records.")

    def _read_header(self, chunk: bytes, lines_before: int) -> tuple[bytes, int]:
        """Find the header in the first chunk; return the rest of the chunk and its line offset."""
        sc = scan(chunk, self.delimiter)
        lines = sc.lines + lines_before
        usable = ~sc.blank
        if not usable.any():
            raise MalformedFeedError("The file holds no header row and no records.")
        at = int(np.argmax(usable))
        wanted = self._wanted_header
        if wanted is not None:
            found = np.flatnonzero((lines == wanted) & usable)
            if found.size:
                at = int(found[0])
            elif self._forced:
                last = int(lines[-1]) if len(lines) else 0
                where = (
                    f"the file's records start on lines 1 to {last:,}"
                    if wanted <= last
                    else (f"the file's last record starts on line {last:,}")
                )
                raise UsageError(f"The header line {wanted} starts no record: {where}.")
        start = int(sc.starts[at])
        if start:  # lines above the header: a title an export tool wrote, or blank lines
            skipped = chunk[:start].decode("utf-8", errors="replace").lstrip("\ufeff")
            self.above = [line.strip()[:200] for line in re.split(r"\r\n|\r|\n", skipped) if line.strip()]
        raw = chunk[start : int(sc.ends[at])]
        self.header_line = int(lines[at])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # a header typed in another program: its stray bytes reported
            from feedcheck.read.sniff import decode_with_fallback

            text, _, count = decode_with_fallback(raw)
            self._bad_bytes([self.header_line], count)
        self.columns = unique_names(
            _header_names(text.rstrip("\r").lstrip("\ufeff"), self.delimiter), self.header_line, self.findings
        )
        if len(self.columns) > self._limits.max_columns:
            raise LimitExceededError(
                f"The header has {len(self.columns):,} columns, over the limit of {self._limits.max_columns:,}."
            )
        if len(self.columns) > self._limits.max_cells:
            raise cells_refusal(self._limits, len(self.columns))
        cut = int(sc.ends[at]) + 1
        rest = chunk[cut:] if cut < len(chunk) else b""
        return rest, lines_before + chunk.count(b"\n", 0, cut)

    def _count(self, records: int) -> int:
        """Records of this batch to keep under the item limit (all, or fewer for a partial report)."""
        room = self._limits.max_items - self.records
        if records > room:
            if not self._limits.partial:
                raise LimitExceededError(f"The feed has over {self._limits.max_items:,} records, the limit.")
            self.partial = True
            records = max(room, 0)
        self.records += records
        return records

    def _fast(self, chunk: bytes, lines_before: int) -> pl.DataFrame | None:
        """One chunk through polars and the byte scan; None when they disagree."""
        shifted = chunk.startswith(_COMPRESSED)
        if shifted:  # a blank line in front keeps polars from reading it as compressed data
            chunk, lines_before = b"\n" + chunk, lines_before - 1
        try:
            frame = _polars_read(chunk, self.delimiter, self.columns)
            utf8 = chunk
        except NotUtf8:
            utf8 = self._repair(chunk, lines_before)
            frame = _polars_read(utf8, self.delimiter, self.columns)
        if frame is None:
            return None
        sc = scan(utf8, self.delimiter)
        if frame.height != len(sc.starts) or frame.width != len(self.columns):
            return None
        lines = sc.lines + lines_before
        blank = sc.blank.copy()
        if shifted:
            blank[0] = False  # not a line of the file: dropped below, never reported
        fields = sc.fields
        expected = len(self.columns)
        if expected > 1:
            # A line of spaces is a blank line too: it has no delimiter, so only one-field
            # records need a look.
            for i in np.flatnonzero(~blank & (fields == 1) & (sc.ends - sc.starts <= 256)):
                if not utf8[int(sc.starts[i]) : int(sc.ends[i])].strip():
                    blank[i] = True
        data_rows = ~blank
        arr = np.frombuffer(utf8, dtype=np.uint8)
        trailing = np.zeros(len(fields), dtype=bool)
        if len(arr):
            last = np.maximum(sc.ends - 1, 0)
            last = np.where((arr[last] == 13) & (last > 0), last - 1, last)
            trailing = data_rows & (fields == expected + 1) & (arr[last] == ord(self.delimiter))
        if shifted:
            data_rows[0] = trailing[0] = False
        self._structure(lines, fields, blank, trailing, data_rows)
        frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
        if not data_rows.all():
            frame = frame.filter(pl.Series(data_rows))
        keep = self._count(frame.height)
        return frame if keep == frame.height else frame.head(keep)

    def _structure(
        self, lines: np.ndarray, fields: np.ndarray, blank: np.ndarray, trailing: np.ndarray, data_rows: np.ndarray
    ) -> None:
        """Ragged rows, trailing delimiters and blank lines of one chunk; blank lines after the
        last record of the file are just its end, so they wait for a record to follow."""
        self._shape_findings(lines, fields, trailing, data_rows)
        self._blank_lines(lines, blank, data_rows)

    def _shape_findings(self, lines: np.ndarray, fields: np.ndarray, trailing: np.ndarray, rows: np.ndarray) -> None:
        """Trailing delimiters and ragged rows among ``rows`` (a mask), for either path."""
        if trailing.any():
            hits = np.flatnonzero(trailing)
            every = pl.DataFrame({"line": lines[hits]}, schema={"line": pl.Int64})
            self.findings.add(
                "csv-trailing-delimiter", [int(lines[i]) for i in hits[:EXAMPLE_LINES]], int(hits.size), rows=every
            )
        ragged = np.flatnonzero(rows & (fields != len(self.columns)) & ~trailing)
        if ragged.size:
            every = pl.DataFrame({"line": lines[ragged], "fields": fields[ragged]}).select(
                pl.col("line").cast(pl.Int64), (pl.col("fields").cast(pl.String) + " fields").alias("value")
            )
            self.findings.add(
                "csv-ragged-row",
                [int(lines[i]) for i in ragged[:EXAMPLE_LINES]],
                int(ragged.size),
                [f"{int(fields[i])} fields" for i in ragged[:EXAMPLE_LINES]],
                rows=every,
            )

    def _blank_lines(self, lines: np.ndarray, blank: np.ndarray, data_rows: np.ndarray) -> None:
        """Blank lines are reported once a record follows them (those at the end of the file are
        just its end). Each counts as a row against ``Limits.max_items``: a file of blank lines
        costs time as rows do."""
        at = np.flatnonzero(blank)
        self._count_blanks(int(at.size))
        if not at.size and not self._pending_blank_count:
            return
        records = np.flatnonzero(data_rows)
        last_record = int(records[-1]) if records.size else -1
        if records.size:
            self._flush_blanks()
        before = lines[at[at <= last_record]]
        if before.size:
            self._report_blanks(before)
        after = at[at > last_record]
        if after.size:
            if not self._pending_blank_count:
                self._pending_blank_first = int(lines[after[0]])
            self._pending_blank_count += int(after.size)

    def _count_blanks(self, count: int) -> None:
        self._blank_seen += count
        if count and self.records + self._blank_seen > self._limits.max_items:
            if not self._limits.partial:
                raise LimitExceededError(f"The feed has over {self._limits.max_items:,} records, the limit.")
            self.partial = True  # the records read so far are reported; reading stops after this chunk

    def _flush_blanks(self) -> None:
        """A record follows the pending blank lines: they are reported."""
        if self._pending_blank_count:
            first, count = self._pending_blank_first, self._pending_blank_count
            self._report_blanks(np.arange(first, first + count, dtype=np.int64))
            self._pending_blank_count = 0

    def _report_blanks(self, lines: np.ndarray) -> None:
        every = pl.DataFrame({"line": lines}, schema={"line": pl.Int64})
        shown = [int(line) for line in lines[:EXAMPLE_LINES]]
        self.findings.add("csv-blank-line", shown, int(lines.size), rows=every)

    def _bad_bytes(self, lines: list[int], count: int) -> None:
        """Invalid UTF-8 bytes, read as Windows-1252: the finding names the encoding once."""
        first = "encoding-invalid-bytes" not in self.findings
        every = pl.DataFrame({"line": lines}, schema={"line": pl.Int64})
        self.findings.add(
            "encoding-invalid-bytes", lines[:EXAMPLE_LINES], count, ["utf-8"] if first else [], rows=every
        )

    def _repair(self, chunk: bytes, lines_before: int) -> bytes:
        """A chunk of a UTF-8 feed holding invalid bytes: each invalid byte run is read as
        Windows-1252 and reported on its line (a cell typed in another program)."""
        from feedcheck.read.sniff import decode_with_fallback

        text, offsets, count = decode_with_fallback(chunk)
        newlines = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        found = np.searchsorted(newlines, np.asarray(offsets, dtype=np.int64)) + lines_before + 1
        self._bad_bytes(sorted({int(line) for line in found}), count)
        return text.encode("utf-8")

    # ---- the lenient path ----------------------------------------------------------------------

    def _lenient(self, chunk: bytes, lines_before: int, complete: bool) -> Iterator[pl.DataFrame]:
        """The rest of the file from ``chunk`` on, through Python's csv module, a block of rows at
        a time (transposed by ``zip_longest``, so that only one block is ever held as Python
        strings).

        The culprit line reported is where the byte scan and the lenient reader part ways: the
        record before the first record whose start they disagree on, or, for quotes that never
        close, the record where the scan found the open quote."""
        scanned = scan(chunk, self.delimiter)
        scanned_lines = scanned.lines + lines_before
        culprit = int(scanned_lines[-1]) if not complete and len(scanned_lines) else None
        width = len(self.columns)
        block_rows = max(1, min(LINES, min(LENIENT_CELLS, self._limits.max_cells) // max(width, 1)))
        csv.field_size_limit(max(csv.field_size_limit(), self._limits.max_field_chars + 1))
        found_cr = [False]
        block: list[list[str]] = []
        lines = array("q")
        counts = array("q")
        previous_end = lines_before
        previous_start = lines_before + 1
        stream = _Chained(chunk + self._carry, self._stream)
        self._carry = b""
        text = io.TextIOWrapper(
            io.BufferedReader(stream, 1 << 16), encoding="utf-8", errors="feedcheck-cp1252-lenient", newline=""
        )
        _Utf8Errors.local.count = 0
        reader = csv.reader(
            _text_lines(text, self._limits.max_field_chars, found_cr),
            delimiter=self.delimiter,
            quotechar='"',
            strict=False,
        )
        index = 0
        try:
            for row in reader:
                start = previous_end + 1
                previous_end = lines_before + reader.line_num
                if culprit is None and index < len(scanned_lines) and int(scanned_lines[index]) != start:
                    culprit = previous_start if index else start
                previous_start = start
                index += 1
                # csv gives [] for an empty line and [""] for a quoted empty value: a record, as
                # the fast path reads it.
                if not row or (len(row) == 1 and row[0] != "" and not row[0].strip()):
                    if not self._pending_blank_count:
                        self._pending_blank_first = start
                    self._pending_blank_count += 1
                    self._count_blanks(1)
                    continue
                self._flush_blanks()
                lines.append(start)
                counts.append(len(row))
                block.append(row)
                if len(block) >= block_rows:
                    batch = self._lenient_batch(block, lines, counts, found_cr[0])
                    if batch.height:
                        yield batch
                    if self.partial:
                        break
                    block, lines, counts = [], array("q"), array("q")
        except csv.Error as exc:
            raise LimitExceededError(
                f"A value from line {previous_end + 1} on holds over {self._limits.max_field_chars:,} characters "
                f"(the quotes there do not pair up: {exc})."
            ) from None
        if block and not self.partial:
            batch = self._lenient_batch(block, lines, counts, found_cr[0])
            if batch.height:
                yield batch
        if _Utf8Errors.local.count:
            self._bad_bytes([], _Utf8Errors.local.count)
        if culprit is None:  # polars refused the chunk though the scan and the rows agree
            culprit = _first_strict_failure(chunk, scanned, self.delimiter, lines_before)
        self.findings.add("csv-unbalanced-quotes", [culprit], 1, rows=pl.DataFrame({"line": [culprit]}))

    def _lenient_batch(self, block: list[list[str]], lines: array[int], counts: array[int], cr: bool) -> pl.DataFrame:
        width = len(self.columns)
        columns = list(itertools.islice(itertools.zip_longest(*block, fillvalue=None), width))
        empty = [None] * len(block)
        frame = pl.DataFrame(
            [
                pl.Series(name, columns[i] if i < len(columns) else empty, dtype=pl.String)
                for i, name in enumerate(self.columns)
            ]
        ).select(pl.all().replace("", None))
        if cr:
            frame = frame.with_columns(pl.all().str.replace_all(_CR_STANDIN, "\r", literal=True))
        line_numbers = np.frombuffer(lines, dtype=np.int64).copy()
        fields = np.frombuffer(counts, dtype=np.int64)
        # One empty field more than the header, as the fast path's byte test finds it: a
        # trailing delimiter, not a ragged row (whichever path a chunk takes, the same finding).
        trailing = np.fromiter((len(r) == width + 1 and r[-1] == "" for r in block), dtype=bool, count=len(block))
        self._shape_findings(line_numbers, fields, trailing, np.ones(len(block), dtype=bool))
        frame = frame.with_columns(pl.Series(LINE, line_numbers, dtype=pl.Int64))
        keep = self._count(frame.height)
        return frame if keep == frame.height else frame.head(keep)
