"""Stream XML records as frames of strings with ``lxml.etree.iterparse``, batch by batch.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl
from lxml import etree

from feedcheck.errors import LimitExceededError, MalformedFeedError
from feedcheck.limits import Limits
from feedcheck.read.csv_reader import LINE, Findings, cells_refusal
from feedcheck.read.sniff import ItemElement, xml_parser_options

MULTI_SEP = "\x1f"
# Records per batch (fewer when records are wide: see XmlReader); 5,000 cost a quarter more time,
# spent in the per-batch overhead of the checks.
BATCH = 20_000

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
class _Names:
    """Column names by (prefix, tag): the same few recur in every record."""

    cache: dict[tuple[str, str], str]

    def of(self, prefix: str, tag: str) -> str:
        key = (prefix, tag)
        name = self.cache.get(key)
        if name is None:
            attribute = tag[:1] == "@"
            local = _local(tag[1:] if attribute else tag)
            name = f"{prefix}@{local}" if attribute else f"{prefix}/{local}" if prefix else local
            if len(self.cache) < 100_000:
                self.cache[key] = name
        return name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag.rsplit(":", 1)[-1]


def _put(record: dict[str, object], repeated: dict[str, list[str]], path: str, text: str | None) -> None:
    """Store one value; a second value for the same path makes the path multi-valued."""
    if path not in record:
        record[path] = text
        return
    values = repeated.get(path)
    if values is None:
        first = record[path]
        repeated[path] = values = [first] if isinstance(first, str) else []
    if text:
        values.append(text)


def _flatten(
    elem: etree._Element, prefix: str, record: dict[str, object], repeated: dict[str, list[str]], names: _Names
) -> None:
    """The general path: attributes, nested elements, mixed content, repeated children."""
    for key, value in elem.attrib.items():
        _put(record, repeated, names.of(prefix, "@" + key), value.strip() or None)
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        path = names.of(prefix, tag)
        if len(child) == 0:
            _put(record, repeated, path, (child.text or "").strip() or None)
            for key, value in child.attrib.items():
                _put(record, repeated, names.of(path, "@" + key), value.strip() or None)
        elif (child.text or "").strip() or any((c.tail or "").strip() for c in child):
            _put(record, repeated, path, " ".join("".join(child.itertext()).split()) or None)
        else:
            _flatten(child, path, record, repeated, names)


def _record(elem: etree._Element, names: _Names, top: dict[object, str]) -> tuple[dict[str, object], set[str]]:
    """One record as {column: value}, and the columns that were repeated in it.

    The fast path takes leaf children without attributes (nearly every field of nearly every
    feed) with one dictionary lookup each; anything else goes through :func:`_flatten`."""
    record: dict[str, object] = {LINE: elem.sourceline}
    repeated: dict[str, list[str]] = {}
    if len(elem.attrib):
        for key, value in elem.attrib.items():
            _put(record, repeated, names.of("", "@" + key), value.strip() or None)
    for child in elem:
        name = top.get(child.tag)
        if name is not None and not len(child) and not child.keys():
            if name in record:
                text = child.text
                _put(record, repeated, name, text.strip() if text else None)
            else:
                text = child.text
                record[name] = (text.strip() or None) if text else None
            continue
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if name is None:
            name = top[tag] = names.of("", tag)
        if len(child) == 0:
            _put(record, repeated, name, (child.text or "").strip() or None)
            for key, value in child.attrib.items():
                _put(record, repeated, names.of(name, "@" + key), value.strip() or None)
        elif (child.text or "").strip() or any((c.tail or "").strip() for c in child):
            _put(record, repeated, name, " ".join("".join(child.itertext()).split()) or None)
        else:
            _flatten(child, name, record, repeated, names)
    multi: set[str] = set()
    for name, values in repeated.items():
        multi.add(name)
        record[name] = MULTI_SEP.join(values) if values else None
    return record, multi


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


class XmlReader:
    """Stream the records of an XML feed as frames of strings.

    ``batches()`` yields frames with one String column per column seen so far (``columns``, in
    order of first appearance) plus :data:`LINE` (the line where the record starts). Once the
    batches are exhausted, ``findings`` holds ``xml-not-well-formed`` when the XML breaks after
    some records (none read: :class:`MalformedFeedError`), ``records`` the number read, ``partial``
    whether the item limit stopped the reading (``Limits.partial``).

    What is held stays in proportion to the limits: a batch holds at most ``Limits.max_cells``
    values (records times the columns seen so far), and no more than ``Limits.max_record_bytes``
    of XML is read past the last record freed.

    ``skip`` records are parsed and left out (to resume where another reader stopped);
    ``encoding`` (a Python codec name libxml2 knows) overrides the XML declaration.
    """

    def __init__(
        self,
        open_stream: Callable[[], BinaryIO],
        item: ItemElement,
        limits: Limits,
        encoding: str | None = None,
        *,
        skip: int = 0,
        batch: int | None = None,
    ) -> None:
        self._open = open_stream
        self._item = item
        self._limits = limits
        self._encoding = encoding
        self._skip = skip
        self._batch = batch
        self._columns: dict[str, int] = {}  # column -> 0-based record where it first appeared
        self.multi: set[str] = set()
        self.findings = Findings()
        self.records = 0
        self.partial = False

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    @property
    def first_seen(self) -> dict[str, int]:
        """Per column, the 0-based number of the record of the file that first held it."""
        return dict(self._columns)

    def _batch_rows(self) -> int:
        rows = self._batch or BATCH
        return max(1, min(rows, self._limits.max_cells // max(len(self._columns), 1)))

    def batches(self) -> Iterator[pl.DataFrame]:
        limits = self._limits
        known: set[str] = {LINE}
        rows: list[dict[str, object]] = []
        names = _Names({})
        top: dict[object, str] = {}
        parent_path = self._item.path.rsplit("/", 1)[0] if "/" in self._item.path else ""
        skipped = 0

        def frame() -> pl.DataFrame:
            # Built from the fields these records hold; the other columns seen so far are null
            # (cheap: no value is built for them), in the order they were first seen.
            count = len(rows)
            values: dict[str, list[object]] = {}
            for at, record in enumerate(rows):
                for name, value in record.items():
                    column = values.get(name)
                    if column is None:
                        column = values[name] = [None] * count
                    column[at] = value
            schema: dict[str, pl.DataType] = {name: pl.String() for name in self._columns if name in values}
            schema[LINE] = pl.Int64()
            built = pl.DataFrame({name: values.get(name, []) for name in schema}, schema=schema)
            missing = [name for name in self._columns if name not in values]
            if missing:
                built = built.with_columns(pl.lit(None, dtype=pl.String).alias(name) for name in missing)
            return built.select([*self._columns, LINE])

        with self._open() as stream:
            watched = _Watched(stream, limits.max_record_bytes, self._item.tag)
            events = etree.iterparse(
                watched, events=("end",), tag=self._item.tag, encoding=self._encoding, **xml_parser_options()
            )
            record_parent: etree._Element | None = None  # where records were found to sit
            batch_rows = self._batch_rows()
            try:
                for _, elem in events:
                    parent = elem.getparent()
                    if parent is not record_parent and parent_path and parent is not None:
                        if not _path_of(parent).endswith(parent_path):
                            continue  # the same tag nested elsewhere (inside a record): not a record
                        record_parent = parent
                    if skipped < self._skip:
                        skipped += 1
                    else:
                        if self.records == limits.max_items:
                            if not limits.partial:
                                raise LimitExceededError(f"The feed has over {limits.max_items:,} records, the limit.")
                            self.partial = True
                            break
                        record, multi = _record(elem, names, top)
                        if multi:
                            self.multi |= multi
                        new = record.keys() - known
                        if new:
                            for name in record:  # file order of first appearance
                                if name in new:
                                    self._columns[name] = self._skip + self.records
                                    known.add(name)
                            if len(self._columns) > limits.max_columns:
                                raise LimitExceededError(
                                    f"The records hold over {limits.max_columns:,} distinct fields, the limit."
                                )
                            if len(self._columns) > limits.max_cells:
                                raise cells_refusal(limits, len(self._columns))
                            batch_rows = self._batch_rows()
                        rows.append(record)
                        self.records += 1
                    watched.line = elem.sourceline or watched.line
                    elem.clear(keep_tail=True)
                    while elem.getprevious() is not None:
                        del elem.getparent()[0]
                    watched.freed = watched.count
                    if len(rows) >= batch_rows:
                        yield frame()
                        rows.clear()
            except etree.XMLSyntaxError as exc:
                line = exc.lineno or 0
                prefix = undeclared_prefix(exc)
                if self.records + skipped == 0:
                    if prefix is not None:
                        raise MalformedFeedError(undeclared_prefix_message(*prefix, line)) from None
                    raise MalformedFeedError(f"The XML is not well-formed at line {line}: {exc.msg}.") from None
                if prefix is not None:  # every record was read: libxml2 says so only at the end
                    self.findings.add("xml-undeclared-prefix", [line], 1, [f"{prefix[0]}:"])
                else:
                    self.findings.add("xml-not-well-formed", [line], 1, [str(exc.msg)])
        if rows:
            yield frame()


def _path_of(elem: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = elem
    while node is not None:
        parts.append(_local(node.tag))
        node = node.getparent()
    return "/".join(reversed(parts))
