"""Write the normalised catalogue as CSV and as XML, batch by batch.

CSV: UTF-8, comma, RFC 4180 quoting (only where needed), ``\\n`` line ends, a header of field
names. A multi-valued field is one cell of comma-separated values (commas inside a URL are
written ``%2C``, Google's convention for ``additional_image_link``, in both outputs).

XML: UTF-8, ``<products>`` holding one ``<product>`` per record, one element per field in
column order, a repeated element per value of a multi-valued field, empty fields left out.
``schemas/feed.xsd`` describes it.
"""

from __future__ import annotations

from typing import IO

import polars as pl

from feedcheck.checks.base import MULTI_SEP, columns_matching

BATCH = 200_000
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
        batch.write_csv(out, include_header=start == 0, line_terminator="\n", quote_style="necessary")


def _escape(value: pl.Expr) -> pl.Expr:
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
        value = _escape(pl.col(name)) if name in markup else pl.col(name)
        if name in multi:
            value = value.str.replace_all(MULTI_SEP, close_tag + open_tag, literal=True)
        if name in nulls:
            parts.append(open_tag + value + close_tag)  # null where the field is empty: left out
        else:
            parts += [pl.lit(open_tag), value, pl.lit(close_tag)]
    parts.append(pl.lit("  </product>\n"))
    return pl.concat_str(parts, ignore_nulls=True)


def write_xml(frame: pl.DataFrame, multi: set[str], out: IO[bytes]) -> None:
    out.write(XML_HEAD)
    record = xml_records(frame, multi)
    for start in range(0, frame.height, BATCH):
        batch = frame.slice(start, BATCH).select(record.alias("r"))
        # Each record string ends with its own newline: written as it is, unquoted.
        batch.write_csv(out, include_header=False, quote_style="never", line_terminator="")
    out.write(XML_TAIL)
