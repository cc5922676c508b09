"""Guess what a feed is: text encoding, CSV or XML, CSV delimiter, XML record element.

Every guess here can be overridden by the caller; what was guessed goes into the report.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from lxml import etree

from feedcheck.errors import NotAFeedError, UnsafeInputError, UsageError

DELIMITERS = (",", ";", "\t", "|")
# Local names that are records in well-known feed formats; used only to break ties
# between structural candidates, never to find the record element on their own.
KNOWN_RECORDS = frozenset({"item", "entry", "product", "offer", "o", "shopitem", "record", "row"})

_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class TextEncoding:
    """How the bytes of a text feed decode."""

    encoding: str  # python codec name as reported: "utf-8", "utf-16", "cp1252", ...
    bom: bool
    # Byte offsets (in the decompressed input) of bytes that are invalid in `encoding`.
    bad_offsets: list[int] = field(default_factory=list)
    bad_count: int = 0


def detect_bom(head: bytes) -> tuple[str | None, int]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "utf-32", 4
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 2
    return None, 0


def sniff_format(head: bytes) -> str:
    """Return "xml" or "csv", or raise NotAFeedError."""
    enc, skip = detect_bom(head)
    text = head[skip:]
    if enc in ("utf-16", "utf-32"):
        text = head.decode(enc, errors="replace").encode("utf-8")
    stripped = text.lstrip(b" \t\r\n")
    if not stripped:
        raise NotAFeedError("The file holds only blank space, no feed.")
    if stripped.startswith(b"<"):
        low = stripped[:512].lower()
        if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:200]:
            raise NotAFeedError("This is a web page (HTML), not a feed: check the feed address.")
        return "xml"
    sample = text[:4096]
    if sample.count(b"\x00") > len(sample) // 100 + 1:
        raise NotAFeedError("This is a binary file, not a CSV or XML feed.")
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if controls > len(sample) // 20 + 2:
        raise NotAFeedError("This is a binary file, not a CSV or XML feed.")
    return "csv"


def xml_declared_encoding(head: bytes) -> str | None:
    enc, skip = detect_bom(head)
    if enc in ("utf-16", "utf-32"):
        return enc
    match = _XML_DECL_ENCODING.match(head[skip:].lstrip())
    return match.group(1).decode("ascii").lower() if match else None


def decode_text(data: bytes, forced: str | None = None) -> tuple[str, TextEncoding]:
    """Decode a text feed. Stray invalid bytes in a UTF-8 file are kept (read as cp1252)
    and their offsets returned, so the caller can report them with their lines."""
    bom_enc, skip = detect_bom(data)
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError:
            raise UsageError(f"Unknown encoding {forced!r}: use a name such as utf-8, cp1252 or latin-1.") from None
        return _decode_collecting(data[skip:] if bom_enc else data, forced, skip, bool(bom_enc))
    if bom_enc is not None:
        return _decode_collecting(data[skip:], bom_enc if bom_enc != "utf-8" else "utf-8", skip, True)
    try:
        return data.decode("utf-8"), TextEncoding("utf-8", False)
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few stray bytes (one cell typed in Excel and saved as
    # Windows-1252) stays UTF-8; when invalid bytes are as common as valid sequences,
    # the valid ones are accidents of a single-byte code page (E9 A0 BB is "É «" in cp1252).
    text, info = _decode_collecting(data, "utf-8", 0, False)
    # Valid multi-byte sequences: each became one character, as did each ASCII byte and each stray
    # byte (counted without a list of every sequence, which cost 80 bytes per sequence).
    valid = len(text) - _ascii_bytes(data) - info.bad_count
    if valid > info.bad_count:
        return text, info
    try:
        return data.decode("cp1252"), TextEncoding("cp1252", False)
    except UnicodeDecodeError:
        return data.decode("latin-1"), TextEncoding("latin-1", False)


def _ascii_bytes(data: bytes) -> int:
    """How many bytes of ``data`` are below 0x80, counted a chunk at a time."""
    arr = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 22
    return sum(int(np.count_nonzero(arr[start : start + step] < 0x80)) for start in range(0, len(arr), step))


_collector = threading.local()


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read an invalid byte run as cp1252 and remember where it was."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    sink: TextEncoding = _collector.sink
    sink.bad_count += len(bad)
    if len(sink.bad_offsets) < 1000:
        sink.bad_offsets.append(_collector.offset + exc.start)
    return bytes(bad).decode("cp1252", errors="replace"), exc.end


codecs.register_error("feedcheck-cp1252", _cp1252_fallback)


def _decode_collecting(data: bytes, encoding: str, offset: int, bom: bool) -> tuple[str, TextEncoding]:
    info = TextEncoding(encoding, bom)
    _collector.sink, _collector.offset = info, offset
    try:
        return data.decode(encoding, errors="feedcheck-cp1252"), info
    finally:
        del _collector.sink


def _count_fields(text: str, delimiter: str) -> list[int]:
    """Field count of every non-blank record of ``text`` (quoted line breaks stay inside)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    try:
        return [len(row) for row in reader if any(cell.strip() for cell in row) or len(row) > 1]
    except csv.Error:
        return []


_LINE_END = re.compile(r"\r\n|\r|\n")  # only these end a CSV line (not U+2028, U+0085, form feed ...)


def sniff_delimiter(text: str) -> str:
    """Choose among , ; tab | the delimiter giving the most consistent field count over the
    records of the first 200,000 characters. A delimiter the header line does not hold is
    not a candidate (unless none is there)."""
    sample = text[:200_000]
    if len(text) > len(sample):
        ends = list(_LINE_END.finditer(sample))
        if ends:
            sample = sample[: ends[-1].end()]  # a line cut by the sample would skew the counts
    first = next((line for line in _LINE_END.split(sample) if line.strip()), "")
    candidates = [d for d in DELIMITERS if d in first] or list(DELIMITERS)
    best, best_score = ",", (0.0, 0)
    for delimiter in candidates:
        counts = _count_fields(sample, delimiter)
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass
class _PathStats:
    count: int = 0
    depth: int = 0
    parents: set[int] = field(default_factory=set)
    leaf_names: set[str] = field(default_factory=set)
    has_children: bool = False
    attributes: int = 0


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def xml_parser_options() -> dict[str, object]:
    """The options every lxml parse in feedcheck uses: no DTD, no entities, no network."""
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


_ROOT_START = re.compile(r"<(?![?!])")
_COMMENT_OR_PI = re.compile(r"<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)", re.DOTALL)  # cut off by the head


def _markup_text(head: bytes) -> str:
    """The head as text, good enough to find markup: UTF-16/32 decoded, anything else read
    byte for byte (every encoding an XML feed may declare writes its markup in ASCII)."""
    enc, _ = detect_bom(head)
    if enc is None and head[:2] in (b"<\x00", b"\x00<"):
        enc = "utf-16-le" if head[:1] == b"<" else "utf-16-be"
    if enc in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        return head.decode(enc, errors="replace")
    return head.decode("latin-1")


def refuse_entities(head: bytes, complete: bool = False) -> None:
    """Refuse entity declarations (billion laughs, external entities, parameter entities).

    They can only sit in the DOCTYPE, before the root element: that prolog must end within
    ``head`` (unless ``head`` is the ``complete`` file, a prolog longer than the head is
    refused too). A DOCTYPE that only names an external DTD is harmless: the parser never
    loads it."""
    text = _COMMENT_OR_PI.sub("", _markup_text(head))
    root = _ROOT_START.search(text)
    if root is None and not complete:
        raise UnsafeInputError(
            f"The XML has no element in its first {len(head):,} bytes; feedcheck refuses a prolog that long."
        )
    prolog = text[: root.start()] if root else text
    if "<!ENTITY" in prolog.upper():
        raise UnsafeInputError(
            "The XML declares entities in a DOCTYPE; feedcheck refuses them for safety. "
            "Remove the DOCTYPE block and send the feed again."
        )


@dataclass
class ItemElement:
    tag: str  # Clark notation, "{ns}local" or "local"
    path: str  # local names from the root, "rss/channel/item"


def sniff_item_element(head: bytes, encoding: str | None = None) -> ItemElement:
    """Find the record element by structure: the shallowest element that repeats under one
    parent and holds fields; for a feed of one record, the element holding most fields."""
    refuse_entities(head, complete=True)
    stats: dict[tuple[str, ...], _PathStats] = {}
    tags: dict[tuple[str, ...], str] = {}
    stack: list[tuple[str, ...]] = []
    parent_ids: list[int] = []
    events = etree.iterparse(io.BytesIO(head), events=("start", "end"), encoding=encoding, **xml_parser_options())
    seen = 0
    try:
        for event, elem in events:
            if not isinstance(elem.tag, str):
                continue
            if event == "start":
                path = (*stack[-1], _local(elem.tag)) if stack else (_local(elem.tag),)
                stack.append(path)
                parent_ids.append(seen)
                seen += 1
                tags.setdefault(path, elem.tag)
                st = stats.setdefault(path, _PathStats(depth=len(path)))
                st.count += 1
                st.parents.add(parent_ids[-2] if len(parent_ids) > 1 else -1)
                st.attributes = max(st.attributes, len(elem.attrib))
            else:
                path = stack.pop()
                parent_ids.pop()
                st = stats[path]
                children = [c for c in elem if isinstance(c.tag, str)]
                if children:
                    st.has_children = True
                    st.leaf_names.update(_local(c.tag) for c in children if len(c) == 0)
                if len(stack) > 1:
                    elem.clear(keep_tail=True)
    except etree.XMLSyntaxError:
        pass  # the head is cut mid-document, or the document is broken: judge what we saw
    if not stats:
        raise NotAFeedError("The XML has no elements.")
    candidates = {
        p: s for p, s in stats.items() if ((s.has_children or s.attributes >= 2) and len(p) > 1) or len(stats) == 1
    }
    if not candidates:  # a root holding only text fields is itself the one record
        root = min(stats, key=len)
        return ItemElement(tags[root], "/".join(root))

    def fields_of(p: tuple[str, ...]) -> int:
        return len(candidates[p].leaf_names) + candidates[p].attributes

    repeated = [p for p, s in candidates.items() if s.count > len(s.parents) or s.count >= 2]
    chosen: tuple[str, ...] | None = None
    if repeated:
        depth = min(len(p) for p in repeated)
        shallow = [p for p in repeated if len(p) == depth]
        chosen = max(shallow, key=lambda p: (p[-1].lower() in KNOWN_RECORDS, fields_of(p), candidates[p].count))
        if chosen[-1].lower() not in KNOWN_RECORDS:
            # A single record holding repeated blocks (two <shipping>, many <PARAM>):
            # an ancestor that holds more fields is the record.
            ancestors = [chosen[:i] for i in range(2, len(chosen)) if chosen[:i] in candidates]
            richer = [a for a in ancestors if fields_of(a) > max(fields_of(chosen), 3)]
            if richer:
                chosen = richer[-1]
    if chosen is None:
        known = [p for p in candidates if p[-1].lower() in KNOWN_RECORDS]
        pool = known or list(candidates)
        chosen = max(pool, key=lambda p: (fields_of(p), len(p)))
    return ItemElement(tags[chosen], "/".join(chosen))
