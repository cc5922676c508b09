"""Write the normalised catalogue as CSV and as XML, batch by batch.

CSV: UTF-8, comma, RFC 4180 quoting (only where needed), ``\\n`` line ends, a header of field
names. A multi-valued field is one cell of comma-separated values (commas inside a URL are
written ``%2C``, Google's convention for ``additional_image_link``, in both outputs).

XML: UTF-8, ``<products>`` holding one ``<product>`` per record, one element per field in
column order, a repeated element per value of a multi-valued field, empty fields left out.
``schemas/feed.xsd`` describes it.
"""

from __future__ import annotations

import io
from typing import IO

import polars as pl

from feedcheck.checks.base import MULTI_SEP

BATCH = 50_000
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n'
XML_TAIL = b"</products>\n"


def csv_columns(frame: pl.DataFrame, multi: set[str]) -> pl.DataFrame:
    # Commas inside values were already written %2C by the normaliser.
    return frame.with_columns(
        pl.col(name).str.replace_all(MULTI_SEP, ",", literal=True) for name in frame.columns if name in multi
    )


def write_csv(frame: pl.DataFrame, multi: set[str], out: IO[bytes]) -> None:
    for start in range(0, max(frame.height, 1), BATCH):
        batch = csv_columns(frame.slice(start, BATCH), multi)
        buffer = io.BytesIO()
        batch.write_csv(buffer, include_header=start == 0, line_terminator="\n", quote_style="necessary")
        out.write(buffer.getvalue())


def _escape(value: pl.Expr) -> pl.Expr:
    return (
        value.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def xml_records(frame: pl.DataFrame, multi: set[str]) -> pl.Expr:
    parts: list[pl.Expr] = [pl.lit("  <product>\n")]
    for name in frame.columns:
        open_tag, close_tag = f"    <{name}>", f"</{name}>\n"
        value = _escape(pl.col(name))
        if name in multi:
            value = value.str.replace_all(MULTI_SEP, close_tag + open_tag, literal=True)
        parts.append(pl.when(pl.col(name).is_not_null()).then(open_tag + value + close_tag).otherwise(pl.lit("")))
    parts.append(pl.lit("  </product>\n"))
    return pl.concat_str(parts)


def write_xml(frame: pl.DataFrame, multi: set[str], out: IO[bytes]) -> None:
    out.write(XML_HEAD)
    record = xml_records(frame, multi)
    for start in range(0, frame.height, BATCH):
        text = frame.slice(start, BATCH).select(record.alias("r")).get_column("r").str.join("")
        out.write(text.item().encode("utf-8"))
    out.write(XML_TAIL)
