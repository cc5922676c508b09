"""Stream XML records into a DataFrame of strings with ``lxml.etree.iterparse``.

Each record element is flattened into columns, then freed:

* namespace prefixes are folded (``g:price`` is ``price``);
* attributes become columns (``@id`` on the record, ``price@currency`` on a child);
* nested elements get path names (``shipping/price`` is not ``price``);
* a child repeated inside one record is multi-valued: its values are joined with
  :data:`MULTI_SEP` (a character XML 1.0 cannot hold, so it never clashes with data);
* text is trimmed (CDATA included); an element holding mixed content (HTML written as
  elements inside a description) is kept as its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import polars as pl
from lxml import etree

from feedcheck.errors import LimitExceededError, MalformedFeedError
from feedcheck.limits import Limits
from feedcheck.read.csv_reader import LINE, RawIssue, cells_refusal, source_column
from feedcheck.read.sniff import ItemElement, xml_parser_options

MULTI_SEP = "\x1f"
BATCH = 5_000

# Namespaces merchants use without declaring them, with the declaration that fixes the file.
# g: Google Merchant Center's RSS 2.0 feeds, "xmlns:g=\"http://base.google.com/ns/1.0\""
# (https://support.google.com/merchants/answer/160589).
KNOWN_NAMESPACES = {"g": "http://base.google.com/ns/1.0"}
_UNDECLARED = re.compile(r"Namespace prefix (\S+) (?:for (\S+) )?on (\S+) is not defined")
_NS_UNDEFINED = 201  # libxml2's XML_NS_ERR_UNDEFINED_NAMESPACE


def undeclared_prefix(exc: etree.XMLSyntaxError) -> tuple[str, str] | None:
    """``(prefix, "prefix:name")`` when libxml2 stopped on a namespace prefix that no
    ``xmlns:prefix`` declares (a namespace error libxml2 reports at the end of the document)."""
    match = _UNDECLARED.match(str(exc.msg))
    if exc.code != _NS_UNDEFINED or match is None:
        return None
    prefix, attribute, element = match.groups()
    return prefix, f"{prefix}:{attribute or element}"


def undeclared_prefix_message(prefix: str, name: str, line: int) -> str:
    """The refusal for a document whose first record already uses an undeclared prefix."""
    uri = KNOWN_NAMESPACES.get(prefix)
    fix = f'add xmlns:{prefix}="{uri}" to the root element' if uri else f'declare it with xmlns:{prefix}="..."'
    return f"The XML uses the prefix {prefix}: (in <{name}>, line {line}) without declaring it: {fix}."


@dataclass
class XmlTable:
    frame: pl.DataFrame
    columns: list[str]
    multi: set[str] = field(default_factory=set)
    issues: list[RawIssue] = field(default_factory=list)
    partial: bool = False  # the item limit stopped the reading (Limits.partial)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag.rsplit(":", 1)[-1]


# (prefix, tag or attribute) -> column name: the same few names recur in every record.
_PATHS: dict[tuple[str, str], str] = {}


def _path(prefix: str, tag: str) -> str:
    path = _PATHS.get((prefix, tag))
    if path is None:
        attribute = tag[:1] == "@"
        name = _local(tag[1:] if attribute else tag)
        path = f"{prefix}@{name}" if attribute else f"{prefix}/{name}" if prefix else name
        if len(_PATHS) < 100_000:
            _PATHS[(prefix, tag)] = path
    return path


def _put(record: dict[str, object], repeated: dict[str, list[str]], path: str, text: str) -> None:
    """Store one value; a second value for the same path makes the path multi-valued."""
    if path not in record:
        record[path] = text or None
        return
    values = repeated.get(path)
    if values is None:
        first = record[path]
        repeated[path] = values = [first] if isinstance(first, str) else []
    if text:
        values.append(text)


def _flatten(elem: etree._Element, prefix: str, record: dict[str, object], repeated: dict[str, list[str]]) -> None:
    for key, value in elem.attrib.items():
        _put(record, repeated, _path(prefix, "@" + key), value.strip())
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        path = _path(prefix, tag)
        if len(child) == 0:
            _put(record, repeated, path, (child.text or "").strip())
            for key, value in child.attrib.items():
                _put(record, repeated, _path(path, "@" + key), value.strip())
        elif (child.text or "").strip() or any((c.tail or "").strip() for c in child):
            _put(record, repeated, path, " ".join("".join(child.itertext()).split()))
        else:
            _flatten(child, path, record, repeated)


class _Watched:
    """The stream as libxml2 reads it, refusing to go on for more than ``most`` bytes past the
    end of the last record freed: libxml2 holds a record's whole tree until its end tag (tens of
    bytes of memory per byte of tiny elements), and everything outside records until a record
    after it is freed."""

    def __init__(self, stream: BinaryIO, most: int, tag: str) -> None:
        self._stream = stream
        self._most = most
        self._tag = tag
        self.count = 0
        self.freed = 0  # bytes read when the last record was freed
        self.line = 1  # where the last record freed started

    def read(self, size: int = -1) -> bytes:
        # Asked for more while holding over the most past the last record freed (what a read
        # brings ahead is not counted against the record).
        if self.count - self.freed > self._most:
            raise LimitExceededError(
                f"Past line {self.line:,}, the XML goes on for over {self._most:,} bytes without closing a "
                f"<{_local(self._tag)}> record: a record may take at most that many bytes. If the products are "
                "other elements, name them (item_element, --item-element)."
            )
        data = self._stream.read(size)
        self.count += len(data)
        return data


def read_xml(
    open_stream: Callable[[], BinaryIO], item: ItemElement, limits: Limits, encoding: str | None = None
) -> XmlTable:
    """Every record of the feed, flattened; ``encoding`` (a Python codec name libxml2 knows)
    overrides the XML declaration.

    What is held stays in proportion to the limits, checked as the records come: no more than
    ``Limits.max_record_bytes`` of XML past the last record freed, and no more than
    ``Limits.max_cells`` values (records read times distinct fields so far)."""
    columns: dict[str, None] = {}
    known: set[str] = {LINE}  # the column names seen so far, and the line column
    multi: set[str] = set()
    batches: list[pl.DataFrame] = []
    rows: list[dict[str, object]] = []
    issues: list[RawIssue] = []
    count = 0
    partial = False
    parent_path = item.path.rsplit("/", 1)[0] if "/" in item.path else ""

    def flush() -> None:
        if rows:
            schema: dict[str, pl.DataType] = {name: pl.String() for name in columns}
            schema[LINE] = pl.Int64()
            batches.append(pl.from_dicts(rows, schema=schema))
            rows.clear()

    with open_stream() as stream:
        watched = _Watched(stream, limits.max_record_bytes, item.tag)
        events = etree.iterparse(watched, events=("end",), tag=item.tag, encoding=encoding, **xml_parser_options())
        record_parent: etree._Element | None = None  # where records were found to sit
        try:
            for _, elem in events:
                parent = elem.getparent()
                if parent is not record_parent and parent_path and parent is not None:
                    if not _path_of(parent).endswith(parent_path):
                        continue  # the same tag nested elsewhere (inside a record): not a record
                    record_parent = parent
                if count == limits.max_items:
                    if not limits.partial:
                        raise LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
                    partial = True
                    break
                record: dict[str, object] = {LINE: elem.sourceline}
                repeated: dict[str, list[str]] = {}
                _flatten(elem, "", record, repeated)
                for name, values in repeated.items():
                    multi.add(name)
                    record[name] = MULTI_SEP.join(values) if values else None
                new = record.keys() - known
                if new:
                    for name in record:  # file order of first appearance
                        if name in new:
                            columns[name] = None
                            known.add(name)
                    if len(columns) > limits.max_columns:
                        raise LimitExceededError(
                            f"The records hold over {limits.max_columns:,} distinct fields, the limit."
                        )
                if (count + 1) * len(columns) > limits.max_cells:
                    raise cells_refusal(limits, len(columns), count)
                rows.append(record)
                count += 1
                watched.line = elem.sourceline or watched.line
                elem.clear(keep_tail=True)
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
                watched.freed = watched.count
                if len(rows) >= BATCH:
                    flush()
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or 0
            prefix = undeclared_prefix(exc)
            if count == 0 and prefix is not None:
                raise MalformedFeedError(undeclared_prefix_message(*prefix, line)) from None
            if count == 0:
                raise MalformedFeedError(f"The XML is not well-formed at line {line}: {exc.msg}.") from None
            if prefix is not None:  # every record was read: libxml2 says so only at the end
                issues.append(RawIssue("xml-undeclared-prefix", [line], 1, [f"{prefix[0]}:"]))
            else:
                issues.append(RawIssue("xml-not-well-formed", [line], 1, [str(exc.msg)]))
    flush()
    names = list(columns)
    if batches:
        frame = pl.concat(batches, how="diagonal")
        frame = frame.select([*map(source_column, names), LINE])
    else:
        frame = pl.DataFrame(schema={LINE: pl.Int64()})
    return XmlTable(frame, names, multi, issues, partial)


def _path_of(elem: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = elem
    while node is not None:
        parts.append(_local(node.tag))
        node = node.getparent()
    return "/".join(reversed(parts))
