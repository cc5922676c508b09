"""Read a big XML feed on two cores: the file is cut in two at a record boundary and a second
process reads the second half while this one reads the first.

Flattening records is Python work, one core's worth; the cut is what lets a second core help.

* The first half is the file up to the start tag of a record near the middle, followed by the
  end tags of the record's ancestors. The second half is the file's prologue (everything before
  the first record: declaration, root, channel header) followed by the file from that start tag
  to its end. Both are well-formed documents exactly when the cut falls between two records.
* A cut in the wrong place (inside a CDATA section, a comment, a nested element of the record's
  name) leaves the first half unterminated, which its parser reports after the last whole record
  before the cut. Any parse error in the first half makes this process read on from that record
  in the whole file (the worker is stopped), so what is reported about a broken file never
  depends on the cut. A parse error in the second half is the file's own, at the same record.
* Lines in the second half are shifted back by the lines between the prologue and the cut.
* The worker writes its batches to Arrow files in a temporary folder: neither process holds its
  half in memory.

Only plain files on disk are split (not streams, not archives), in an ASCII-compatible encoding,
of :data:`MIN_BYTES` or more, without a partial item limit.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
from pydantic import BaseModel

from feedcheck.errors import LimitExceededError, MalformedFeedError
from feedcheck.limits import Limits
from feedcheck.read.csv_reader import LINE, Findings
from feedcheck.read.sniff import ItemElement, detect_bom
from feedcheck.read.xml_reader import XmlReader

MIN_BYTES = 32 << 20
_WINDOW = 8 << 20  # how far past the middle a record start is looked for
# Markup that holds no element, skipped whole up to its end marker: comments, CDATA, PIs.
_SKIPPED = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_NAME_END = re.compile(rb"[\s/>]")
_SLASH, _BANG, _QUESTION = ord("/"), ord("!"), ord("?")


def _tags(head: bytes) -> Iterator[tuple[int, bytes, str]]:
    """The start tags ("start"), end tags ("end") and empty-element tags ("empty") of ``head``,
    with their offset and name, in document order; comments, CDATA sections, processing
    instructions and the DOCTYPE are skipped.

    One pass: every step finds its end marker with ``bytes.find`` from where the last one
    stopped, so the cost is linear in ``head`` whatever it holds. A construct the head cuts
    (no end marker) ends the pass: nothing after it can be told apart from its content."""
    pos, size = 0, len(head)
    while True:
        start = head.find(b"<", pos)
        if start < 0 or start + 1 >= size:
            return
        kind = head[start + 1]
        if kind in (_BANG, _QUESTION):
            marker = next((end for opener, end in _SKIPPED if head.startswith(opener, start)), None)
            if marker is not None:
                close = head.find(marker, start + 2)
                if close < 0:
                    return
                pos = close + len(marker)
                continue
            close = head.find(b">", start)
            bracket = head.find(b"[", start, close if close >= 0 else size)
            if bracket >= 0:  # a DOCTYPE's internal subset may hold ">"
                subset_end = head.find(b"]", bracket)
                close = head.find(b">", subset_end) if subset_end >= 0 else -1
            if close < 0:
                return
            pos = close + 1
            continue  # a DOCTYPE or another declaration: no element
        close = head.find(b">", start)
        if close < 0:
            return
        pos = close + 1
        if kind == _SLASH:
            name = head[start + 2 : close].strip()
            if name:
                yield start, name, "end"
            continue
        found = _NAME_END.search(head, start + 1, close + 1)
        name = head[start + 1 : found.start() if found else close]
        if name:
            yield start, name, "empty" if head[close - 1] == _SLASH else "start"


Piece = tuple[int, int] | bytes  # a byte range of the file, or bytes of our own


@dataclass
class Cut:
    path: Path
    first: int  # offset of the first record's start tag (the prologue ends here)
    middle: int  # offset of the start tag of the record the second half begins with
    size: int
    closing: bytes  # end tags of the record's ancestors, innermost first

    def halves(self) -> tuple[list[Piece], list[Piece]]:
        return [(0, self.middle), self.closing], [(0, self.first), (self.middle, self.size)]


def plan(path: Path, head: bytes, item: ItemElement, limits: Limits) -> Cut | None:
    """Where to cut ``path`` in two, or None when it should be read in one piece."""
    size = path.stat().st_size
    if size < MIN_BYTES or limits.partial:
        return None
    if detect_bom(head)[0] in ("utf-16", "utf-32") or head[:2] in (b"<\x00", b"\x00<"):
        return None
    local = re.escape(item.tag.rsplit("}", 1)[-1].encode())
    record = re.compile(rb"<(?:[\w.-]+:)?" + local + rb"[\s/>]")
    ancestors = item.path.split("/")[:-1]
    stack: list[bytes] = []
    first = None
    for start, name, kind in _tags(head):
        if kind == "end":
            if stack:
                stack.pop()
            continue
        # The ancestors' names are compared only at their depth: a cost per tag that does not
        # grow with the nesting.
        if (
            len(stack) == len(ancestors)
            and record.match(head, start)
            and [n.rsplit(b":", 1)[-1].decode("utf-8", "replace") for n in stack] == ancestors
        ):
            first = start
            break
        if kind == "start":
            stack.append(name)
    if first is None or not stack:
        return None
    with open(path, "rb") as handle:
        handle.seek(size // 2)
        window = handle.read(_WINDOW)
    found = record.search(window)
    if found is None:
        return None
    middle = size // 2 + found.start()
    closing = b"".join(b"</" + name + b">" for name in reversed(stack))
    return Cut(path, first, middle, size, closing)


class _Spliced(io.RawIOBase):
    """Pieces of a file and literal bytes, read as one stream."""

    def __init__(self, path: str, pieces: list[Piece]) -> None:
        self._file = open(path, "rb")  # closed with the stream
        self._pieces = list(pieces)
        self._current: bytes | tuple[int, int] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._pieces or self._current is not None:
            if self._current is None:
                self._current = self._pieces.pop(0)
                if isinstance(self._current, tuple):
                    self._file.seek(self._current[0])
            if isinstance(self._current, bytes):
                data, self._current = self._current[: len(buffer)], self._current[len(buffer) :] or None
            else:
                start, end = self._current
                data = self._file.read(min(len(buffer), end - start))
                self._current = (start + len(data), end) if data and start + len(data) < end else None
            if data:
                buffer[: len(data)] = data
                return len(data)
        return 0

    def close(self) -> None:
        self._file.close()
        super().close()


def open_pieces(path: str, pieces: list[Piece]) -> BinaryIO:
    return io.BufferedReader(_Spliced(path, pieces), 1 << 20)


class Job(BaseModel):
    """What the worker process reads (as JSON on its standard input), and where it writes."""

    path: str
    pieces: list[tuple[int, int] | bytes]
    tag: str
    item_path: str
    limits: Limits
    encoding: str | None
    out_dir: str
    batch: int | None = None


class Done(BaseModel):
    """What the worker says when its half is read (one JSON line on standard error)."""

    columns: list[str]
    first_seen: dict[str, int]
    multi: list[str]
    records: int
    files: int
    issues: list[tuple[str, list[int], int, list[str]]]


def _last_line(stderr: bytes) -> dict[str, object]:
    """The worker's JSON answer: the last line of its stderr (warnings may come before)."""
    try:
        data = json.loads(stderr.strip().rsplit(b"\n", 1)[-1])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _lines(path: Path, start: int, end: int) -> int:
    count = 0
    with open(path, "rb") as handle:
        handle.seek(start)
        while start < end:
            block = handle.read(min(1 << 24, end - start))
            if not block:
                break
            count += block.count(b"\n")
            start += len(block)
    return count


class SplitReader:
    """Both halves of a cut file at once: this process streams the first half while a worker
    process reads the second half into Arrow files in a temporary folder; then those are
    streamed. Same interface and same batches as :class:`XmlReader` on the whole file.

    A cut that is not between two records (inside CDATA, a comment, a nested element of the
    record's name) shows as a parse error at the end of the first half, after its last whole
    record: the worker is stopped and the file is read on from that record in this process, so a
    bad cut costs time, never a different result. So does a genuine error in the first half."""

    def __init__(self, cut: Cut, item: ItemElement, limits: Limits, encoding: str | None, batch: int | None) -> None:
        self._cut = cut
        self._item = item
        self._limits = limits
        self._encoding = encoding
        self._batch = batch
        self._readers: list[XmlReader] = []
        self._second: Done | None = None
        self.findings = Findings()

    @property
    def columns(self) -> list[str]:
        names: dict[str, None] = {}
        for reader in self._readers:
            names.update(dict.fromkeys(reader.columns))
        if self._second is not None:
            names.update(dict.fromkeys(self._second.columns))
        return list(names)

    @property
    def first_seen(self) -> dict[str, int]:
        seen: dict[str, int] = {}
        for reader in self._readers:  # the first half, and the rest of the file read here
            for name, at in reader.first_seen.items():
                seen[name] = min(at, seen.get(name, at))
        if self._second is not None:  # the worker counted from the start of its half
            offset = self._readers[0].records
            for name, at in self._second.first_seen.items():
                seen[name] = min(offset + at, seen.get(name, offset + at))
        return seen

    @property
    def multi(self) -> set[str]:
        out = set().union(*(r.multi for r in self._readers)) if self._readers else set()
        return out | set(self._second.multi if self._second else ())

    @property
    def records(self) -> int:
        return sum(r.records for r in self._readers) + (self._second.records if self._second else 0)

    @property
    def partial(self) -> bool:
        return False  # a partial read is never split

    def _rest(self, skip: int) -> Iterator[pl.DataFrame]:
        """The whole file in this process, from record ``skip`` on."""
        path = self._cut.path
        reader = XmlReader(
            lambda: open(path, "rb"), self._item, self._limits, self._encoding, skip=skip, batch=self._batch
        )
        self._readers.append(reader)
        yield from reader.batches()
        self.findings = reader.findings

    def batches(self) -> Iterator[pl.DataFrame]:
        first_half, second_half = self._cut.halves()
        path = str(self._cut.path)
        with tempfile.TemporaryDirectory(prefix="feedcheck-split-") as out_dir:
            job = Job(
                path=path,
                pieces=second_half,
                tag=self._item.tag,
                item_path=self._item.path,
                limits=self._limits,
                encoding=self._encoding,
                out_dir=out_dir,
                batch=self._batch,
            )
            # A fresh interpreter, not multiprocessing: fork is unsafe beside polars' threads, and
            # spawn would run the caller's main module again.
            try:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "feedcheck.read.xml_worker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except OSError:  # no interpreter to start (embedded Python): one piece it is
                yield from self._rest(0)
                return
            # The worker's stderr is drained by a thread while this process reads the first half.
            with ThreadPoolExecutor(max_workers=1) as pool:
                output = pool.submit(worker.communicate, job.model_dump_json().encode())
                first = XmlReader(
                    lambda: open_pieces(path, first_half), self._item, self._limits, self._encoding, batch=self._batch
                )
                self._readers.append(first)
                whole = True
                try:
                    yield from first.batches()
                except MalformedFeedError:
                    whole = False  # no record before the error: the cut, or the file, is broken
                except BaseException:
                    worker.kill()
                    raise
                if not whole or "xml-not-well-formed" in first.findings:
                    worker.kill()
                    output.result()
                    yield from self._rest(first.records)
                    return
                _, report = output.result()
            done = _last_line(report)
            if worker.returncode != 0 or "columns" not in done:
                kind, message = done.get("kind"), done.get("message")
                if kind == "LimitExceededError" and isinstance(message, str):
                    raise LimitExceededError(message)
                yield from self._rest(first.records)
                return
            second = Done.model_validate(done)
            shift = _lines(self._cut.path, self._cut.first, self._cut.middle)
            if first.records + second.records > self._limits.max_items:
                raise LimitExceededError(f"The feed has over {self._limits.max_items:,} records, the limit.")
            if len(set(first.columns) | set(second.columns)) > self._limits.max_columns:
                raise LimitExceededError(
                    f"The records hold over {self._limits.max_columns:,} distinct fields, the limit."
                )
            self._second = second
            for code, lines, count, values in second.issues:
                self.findings.add(code, [line + shift for line in lines], count, values)
            for index in range(second.files):
                frame = pl.read_ipc(Path(out_dir) / f"{index:06d}.arrow")
                yield frame.with_columns(pl.col(LINE) + shift)
