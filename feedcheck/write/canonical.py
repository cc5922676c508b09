"""Write the normalised catalogue as CSV and as XML, batch by batch (:class:`CsvWriter`,
:class:`XmlWriter`; the interface is :class:`feedcheck.write.writer.BatchWriter`).

CSV: UTF-8, comma, RFC 4180 quoting (only where needed), ``\\n`` line ends, a header of field
names. A multi-valued field is one cell of comma-separated values (commas inside a URL are
written ``%2C``, Google's convention for ``additional_image_link``, in both outputs). Cells a
spreadsheet would run as a formula get a leading ``'`` unless ``raw_cells`` (:mod:`.cells`).

XML: UTF-8, ``<products>`` holding one ``<product>`` per record, one element per field in
column order, a repeated element per value of a multi-valued field, empty fields left out.
``schemas/feed.xsd`` describes it.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import MULTI_SEP, columns_matching
from feedcheck.write.cells import neutralise
from feedcheck.write.targets import Sink
from feedcheck.write.writer import BatchWriter

BATCH = 200_000
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n'
XML_TAIL = b"</products>\n"


def csv_columns(frame: pl.DataFrame, multi: set[str]) -> pl.DataFrame:
    # Commas inside values were already written %2C by the normaliser.
    return frame.with_columns(
        pl.col(name).str.replace_all(MULTI_SEP, ",", literal=True) for name in frame.columns if name in multi
    )


class CsvWriter(BatchWriter):
    """The canonical CSV; the header is the first batch's columns."""

    def __init__(self, sink: Sink, multi: set[str], *, raw_cells: bool = False) -> None:
        super().__init__(sink)
        self.multi, self.raw_cells = multi, raw_cells
        self._header = True

    def _body(self, batch: pl.DataFrame) -> None:
        for start in range(0, batch.height, BATCH):
            chunk = csv_columns(batch.slice(start, BATCH), self.multi)
            if not self.raw_cells:
                chunk = neutralise(chunk)
            chunk.write_csv(
                self.sink.stream, include_header=self._header, line_terminator="\n", quote_style="necessary"
            )
            self._header = False

    def _tail(self) -> None:
        if self._header and self.columns:  # no record at all: the header alone
            pl.DataFrame(schema=dict.fromkeys(self.columns, pl.String)).write_csv(
                self.sink.stream, line_terminator="\n", quote_style="necessary"
            )


def escape(value: pl.Expr) -> pl.Expr:
    return value.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])


def xml_records(frame: pl.DataFrame, multi: set[str]) -> pl.Expr:
    """One string per record, ``<product>`` to ``</product>\\n``, empty fields left out. Only
    the columns holding ``&``, ``<`` or ``>`` are escaped; a column with no empty value gives
    its tags and values straight to one ``concat_str`` (no string per tagged value)."""
    markup = columns_matching(frame, dict.fromkeys(frame.columns, "[&<>]"))
    nulls = {c for c in frame.columns if frame.get_column(c).null_count()}
    parts: list[pl.Expr] = [pl.lit("  <product>\n")]
    for name in frame.columns:
        open_tag, close_tag = f"    <{name}>", f"</{name}>\n"
        value = escape(pl.col(name)) if name in markup else pl.col(name)
        if name in multi:
            value = value.str.replace_all(MULTI_SEP, close_tag + open_tag, literal=True)
        if name in nulls:
            parts.append(open_tag + value + close_tag)  # null where the field is empty: left out
        else:
            parts += [pl.lit(open_tag), value, pl.lit(close_tag)]
    parts.append(pl.lit("  </product>\n"))
    return pl.concat_str(parts, ignore_nulls=True)


def write_records(frame: pl.DataFrame, record: pl.Expr, sink: Sink) -> None:
    """One string per record (``record``), each ending with its own newline, written as it is."""
    for start in range(0, frame.height, BATCH):
        batch = frame.slice(start, BATCH).select(record.alias("r"))
        batch.write_csv(sink.stream, include_header=False, quote_style="never", line_terminator="")


class XmlWriter(BatchWriter):
    """The canonical ``<products>`` XML."""

    def __init__(self, sink: Sink, multi: set[str]) -> None:
        super().__init__(sink)
        self.multi = multi

    def _head(self, first: pl.DataFrame) -> None:
        self.sink.stream.write(XML_HEAD)

    def _body(self, batch: pl.DataFrame) -> None:
        write_records(batch, xml_records(batch, self.multi), self.sink)

    def _tail(self) -> None:
        self.sink.stream.write(XML_TAIL)
