"""Read a big XML feed on two cores: the file is cut in two at a record boundary and a second
process reads the second half while this one reads the first.

Flattening records is Python work, one core's worth; the cut is what lets a second core help.

* The first half is the file up to the start tag of a record near the middle, followed by the
  end tags of the record's ancestors. The second half is the file's prologue (everything before
  the first record: declaration, root, channel header) followed by the file from that start tag
  to its end. Both are well-formed documents exactly when the cut falls between two records.
* A cut in the wrong place (inside a CDATA section, a comment, a nested element of the record's
  name) leaves the first half unterminated, which its parser reports. Any parse error or issue in
  either half makes the whole file be read again in one process, so what is reported about a
  broken file never depends on the cut.
* Lines in the second half are shifted back by the lines between the prologue and the cut.

Only plain files on disk are split (not streams, not archives), in an ASCII-compatible encoding,
of :data:`MIN_BYTES` or more, without a partial item limit.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
from pydantic import BaseModel

from feedcheck.errors import FeedError, LimitExceededError
from feedcheck.limits import Limits
from feedcheck.read.csv_reader import LINE, source_column
from feedcheck.read.sniff import ItemElement, detect_bom
from feedcheck.read.xml_reader import XmlTable, read_xml

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
    """What the worker process reads (as JSON on its standard input)."""

    path: str
    pieces: list[tuple[int, int] | bytes]
    tag: str
    item_path: str
    limits: Limits
    encoding: str | None


def _last_line(stderr: bytes) -> dict[str, object]:
    """The worker's JSON answer: the last line of its stderr (warnings may come before)."""
    try:
        data = json.loads(stderr.strip().rsplit(b"\n", 1)[-1])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _refusal(stderr: bytes) -> tuple[str, str] | None:
    try:
        data = _last_line(stderr)
        return str(data["kind"]), str(data["message"])
    except (ValueError, KeyError, TypeError):
        return None


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


def read_xml_halves(cut: Cut, item: ItemElement, limits: Limits, encoding: str | None) -> XmlTable | None:
    """Both halves read at once; None when the cut did not fall between two records (or either
    half has any issue): the caller then reads the file in one piece."""
    first_half, second_half = cut.halves()
    path = str(cut.path)
    job = Job(path=path, pieces=second_half, tag=item.tag, item_path=item.path, limits=limits, encoding=encoding)
    # A fresh interpreter, not multiprocessing: fork is unsafe beside polars' threads, and spawn
    # would run the caller's main module again.
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "feedcheck.read.xml_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError:  # no interpreter to start (embedded Python): one piece it is
        return None
    # The worker's output is drained by a thread (blocked in I/O, without the GIL) while this
    # process reads the first half: a full pipe would stall the worker.
    with ThreadPoolExecutor(max_workers=1) as pool:
        output = pool.submit(worker.communicate, job.model_dump_json().encode())
        first: XmlTable | None = None
        try:
            first = read_xml(lambda: open_pieces(path, first_half), item, limits, encoding)
        except LimitExceededError:
            worker.kill()
            raise
        except FeedError:
            pass  # the cut fell inside a record, a comment or a CDATA section
        except BaseException:
            worker.kill()
            raise
        if first is None or first.issues:
            worker.kill()
            return None
        ipc, report = output.result()
    if worker.returncode != 0:
        refusal = _refusal(report)
        if refusal is not None and refusal[0] == "LimitExceededError":
            raise LimitExceededError(refusal[1])
        return None
    meta = _last_line(report)
    columns, multi = meta.get("columns"), meta.get("multi")
    if not isinstance(columns, list) or not isinstance(multi, list):
        return None
    shift = _lines(cut.path, cut.first, cut.middle)
    second = pl.read_ipc(io.BytesIO(ipc)).with_columns(pl.col(LINE) + shift)
    seen = set(first.columns)
    names = first.columns + [str(c) for c in columns if c not in seen]
    if len(names) > limits.max_columns:
        raise LimitExceededError(f"The records hold over {limits.max_columns:,} distinct fields, the limit.")
    if first.frame.height + second.height > limits.max_items:
        raise LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
    frame = pl.concat([first.frame, second], how="diagonal").select([*map(source_column, names), LINE])
    return XmlTable(frame, names, first.multi | {str(c) for c in multi}, [])
