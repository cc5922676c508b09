"""Guess what a feed is: text encoding, CSV or XML, CSV delimiter, XML record element.

Every guess here can be overridden by the caller; what was guessed goes into the report.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import charset_normalizer
import numpy as np
from lxml import etree

from feedcheck.errors import NotAFeedError, UnsafeInputError, UsageError

DELIMITERS = (",", ";", "\t", "|")
# Local names that are records in well-known feed formats; used only to break ties
# between structural candidates, never to find the record element on their own.
KNOWN_RECORDS = frozenset({"item", "entry", "product", "offer", "o", "shopitem", "record", "row"})
# Elements that hold a feed's records, never a record themselves: their own fields describe the
# feed (its title, link, updated date). RSS 2.0: "<channel> ... may contain any number of <item>s"
# (https://www.rssboard.org/rss-specification); Atom, RFC 4287 4.1.1: "atom:feed ... contains
# ... zero or more atom:entry elements".
CONTAINERS = frozenset({("rss", "channel"), ("feed",)})

_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class TextEncoding:
    """How the bytes of a text feed decode."""

    encoding: str  # as reported: "utf-8", "utf-16", "windows-1252", "windows-1250", or the caller's name
    bom: bool
    # Byte offsets (in the decompressed input) of bytes that are invalid in `encoding`.
    bad_offsets: list[int] = field(default_factory=list)
    bad_count: int = 0
    confidence: float | None = 1.0  # how sure the reading is, 0-1; None when the caller forced it
    # A detected single-byte encoding that leaves some bytes undefined: they were read as U+FFFD.
    undefined_offsets: list[int] = field(default_factory=list)
    undefined_count: int = 0


# Single-byte encodings tried on text that is not UTF-8, most common first (the first wins a tie):
# Western Europe's Windows code page, then Central/Eastern Europe's (Polish, Czech, Slovak,
# Hungarian...), Cyrillic, and the ISO Latin-2 page older Czech and Polish systems write.
SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "iso8859_2")
# Their names as the report gives them (WHATWG / IANA labels).
ENCODING_NAMES = {
    "cp1252": "windows-1252",
    "cp1250": "windows-1250",
    "cp1251": "windows-1251",
    "iso8859_2": "iso-8859-2",
}
LOW_CONFIDENCE = 0.5  # below this, the report says the encoding could not be told for sure
_SAMPLE_BYTES = 1 << 16  # lines holding non-ASCII bytes given to the detector
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*\n?")


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
        decoded, forced_info = _decode_collecting(data[skip:] if bom_enc else data, forced, skip, bool(bom_enc))
        forced_info.confidence = None
        return decoded, forced_info
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
        info.confidence = round(valid / (valid + info.bad_count), 2)
        return text, info
    return detect_single_byte(data)


def _non_ascii_sample(data: bytes) -> bytes:
    """The lines that hold non-ASCII bytes, up to :data:`_SAMPLE_BYTES`: what tells encodings apart."""
    out: list[bytes] = []
    size = 0
    for match in _NON_ASCII_LINE.finditer(data):
        out.append(match.group())
        size += len(out[-1])
        if size >= _SAMPLE_BYTES:
            break
    return b"".join(out)


def detect_single_byte(data: bytes) -> tuple[str, TextEncoding]:
    """Decode text that is not UTF-8 in the single-byte encoding that reads it best.

    Each candidate of :data:`SINGLE_BYTE` reads the lines that hold non-ASCII bytes; readings
    that give the same text count once (as the most common encoding). They are ranked by, in
    order: the signs found against letters (``Caf±``, ``ˇoferta``: fewer is better); how well
    one language's alphabet covers their letters where the readings differ (``alphabets.toml``,
    CLDR: ``diseño`` is Spanish, ``diseńo`` no language's); charset-normalizer's mess ratio and
    coherence; the order
    of :data:`SINGLE_BYTE`. The confidence of the best is ``(1 - mess) * min(1, 0.5 + 2.5 *
    lead) * (1 - mixed)``: ``lead`` is its lead in alphabet cover over the next reading with as
    few signs (none: full lead; an even tie, such as é and č both Czech, gives 0.5), ``mixed`` the
    share of its non-ASCII words that mix Latin and Cyrillic letters.

    Below :data:`LOW_CONFIDENCE`, or when no candidate reads the bytes at all, the text is read
    as windows-1252 with the bytes it leaves undefined as U+FFFD (never as invented letters or
    control characters), and the caller reports that the encoding could not be told."""
    sample = _non_ascii_sample(data)
    results = charset_normalizer.from_bytes(sample, cp_isolation=list(SINGLE_BYTE))
    found: dict[str, tuple[Any, str]] = {}
    for match in results:
        alike = [e for e in SINGLE_BYTE if e in (match.could_be_from_charset or [match.encoding])]
        if alike:
            found.setdefault(sample.decode(alike[0]), (match, alike[0]))
    # Single-byte readings are as long as the sample: compare them letter by letter where they differ.
    where = [i for i in range(len(sample)) if len({text[i] for text in found}) > 1] if len(found) > 1 else []
    readings = {
        text: (_signs_in_words(text), _alphabet_cover(text, where), match, encoding)
        for text, (match, encoding) in found.items()
    }
    ranked = sorted(
        readings.items(),
        key=lambda kv: (
            kv[1][0],
            -kv[1][1],
            round(kv[1][2].chaos, 3),
            -kv[1][2].coherence,
            SINGLE_BYTE.index(kv[1][3]),
        ),
    )
    confidence = 0.0
    if ranked:
        text, (signs, cover, best, encoding) = ranked[0]
        rivals = [c for _, (n, c, _, _) in ranked[1:] if n == signs]
        lead = min(1.0, 0.5 + 2.5 * (cover - max(rivals))) if rivals else 1.0
        words = [w for w in _WORD.findall(text) if not w.isascii()]
        mixed = sum(1 for w in words if _LATIN.search(w) and _CYRILLIC.search(w)) / len(words) if words else 0.0
        confidence = round(max(0.0, (1 - best.chaos) * lead * (1 - mixed)), 2)
        if confidence >= LOW_CONFIDENCE:
            return data.decode(encoding), TextEncoding(ENCODING_NAMES[encoding], False, confidence=confidence)
    info = TextEncoding(ENCODING_NAMES["cp1252"], False, confidence=confidence)
    _undefined.sink = info
    try:
        return data.decode("cp1252", errors="feedcheck-undefined"), info
    finally:
        del _undefined.sink


@cache
def _alphabets() -> tuple[frozenset[str], ...]:
    text = resources.files("feedcheck.schemas").joinpath("values/alphabets.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return tuple(frozenset(letters) for script in data.values() for letters in script.values())


def _alphabet_cover(text: str, where: list[int]) -> float:
    """The largest share of the letters at positions ``where`` (where the readings differ) that
    one language's alphabet holds; a letter in a word that mixes Latin and Cyrillic
    (``elйctrica``) counts as not covered. 1.0 when no letter differs."""
    mixed: set[int] = set()
    for word in _WORD.finditer(text):
        if _LATIN.search(word.group()) and _CYRILLIC.search(word.group()):
            mixed.update(range(word.start(), word.end()))
    letters = [text[i].lower() for i in where if text[i].isalpha()]
    if not letters:
        return 1.0
    plain = [text[i].lower() for i in where if text[i].isalpha() and i not in mixed]
    return max(sum(1 for c in plain if c in alphabet) for alphabet in _alphabets()) / len(letters)


def _signs_in_words(text: str) -> int:
    """Non-ASCII characters that touch a letter but are neither letters nor punctuation: symbols
    (``Caf±``, ``©apka``), control characters, spacing accents (``ˇoferta``). Punctuation that
    opens or closes words (``¡oferta``, ``«Oui»``) is no sign of a wrong code page."""
    return sum(1 for m in _SIGN_IN_WORD.finditer(text) if unicodedata.category(m.group(0)) in _ODD)


# Unicode categories of characters that do not belong inside or against a word: controls,
# format and private characters, math and other symbols, spacing modifiers (ˇ ˘ ˝), ¹ ² ³.
_ODD = frozenset({"Cc", "Cf", "Co", "Cn", "Sm", "So", "Sk", "Lm", "No"})
_SIGN_IN_WORD = re.compile(r"(?<=[^\W\d_])([^\x00-\x7f])|([^\x00-\x7f])(?=[^\W\d_])")
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

_undefined = threading.local()


def _undefined_as_replacement(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte the code page leaves undefined becomes U+FFFD, and is counted."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    sink: TextEncoding = _undefined.sink
    sink.undefined_count += exc.end - exc.start
    if len(sink.undefined_offsets) < 1000:
        sink.undefined_offsets.append(exc.start)
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error("feedcheck-undefined", _undefined_as_replacement)


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


def decode_with_fallback(data: bytes) -> tuple[str, list[int], int]:
    """UTF-8 bytes holding some invalid byte runs: the text (each run read as Windows-1252),
    the offsets of the first 1,000 runs, and how many bytes were invalid."""
    text, info = _decode_collecting(data, "utf-8", 0, False)
    return text, info.bad_offsets, info.bad_count


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


_DATA_CELL = re.compile(r"://|^[-+]?[\d.,\s]+(?:\s?[€$£%]|\s?[A-Z]{3})?$")
HEADER_SNIFF_CHARS = 65_536  # the header is found in the file's first 64 KB


def _looks_like_names(cells: list[str]) -> bool:
    """Cells a header could hold: at least two and half of them filled, and few that look like
    data (a URL, a number or an amount)."""
    filled = [c.strip() for c in cells if c.strip()]
    if len(filled) < 2 or len(filled) * 2 < len(cells):
        return False
    data = sum(1 for c in filled if _DATA_CELL.search(c))
    return data * 3 <= len(filled)


def sniff_header_line(text: str, delimiter: str, candidates: int = 10, following: int = 20) -> int | None:
    """The 1-based line of the header when it is not the first non-blank record, else None.

    The header is the first record (among the first ``candidates`` non-blank ones) whose cells
    look like names and that the next ``following`` records agree with (most of them have as
    many fields, give or take one). An export tool's title line (``Export catalogue du
    12/11/2026;;;;``) fills one cell: it is no header. When no record qualifies, the first
    non-blank record is the header, as always.

    Looks at the first :data:`HEADER_SNIFF_CHARS` characters of ``text`` only."""
    sample = text[:HEADER_SNIFF_CHARS]
    if len(text) > len(sample):
        ends = list(_LINE_END.finditer(sample))
        if ends:
            sample = sample[: ends[-1].end()]
    hidden = sample.replace("\x00", "")
    reader = csv.reader(io.StringIO(hidden, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append((start, row))
            start = reader.line_num + 1
            if len(records) >= candidates + following:
                break
    except csv.Error:
        pass
    for index, (line, cells) in enumerate(records[:candidates]):
        if not _looks_like_names(cells):
            continue
        after = records[index + 1 : index + 1 + following]
        agree = sum(1 for _, row in after if abs(len(row) - len(cells)) <= 1)
        if not after or agree * 2 >= len(after):
            return line if index else None
    return None


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


def sniff_item_element(head: bytes, encoding: str | None = None) -> ItemElement | None:
    """Find the record element by structure: the shallowest element that repeats under one
    parent and holds fields; for a feed of one record, the element holding most fields.

    ``None`` when the document holds no record: an element with nothing inside
    (``<products/>``), or an RSS channel or Atom feed with no item (:data:`CONTAINERS`)."""
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
    root = min(stats, key=len)
    if len(stats) == 1 and not stats[root].attributes:
        return None  # <products/>: an empty document
    if not candidates:  # a root holding only text fields is itself the one record
        return None if root in CONTAINERS else ItemElement(tags[root], "/".join(root))

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
    if chosen in CONTAINERS:
        return None
    return ItemElement(tags[chosen], "/".join(chosen))
