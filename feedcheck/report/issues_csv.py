"""Every affected line as CSV (``feedcheck validate --issues-csv FILE``), for a merchant to filter
and fix in a spreadsheet: one row per (item, issue), written batch by batch as rows arrive.

Cells are safe to open in a spreadsheet: a text cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return gets a leading ``'``, so no value from the feed runs as a formula (OWASP,
CSV Injection: https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import io
import os
from typing import IO

import polars as pl

from feedcheck.codes import ROW_COLUMNS

FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(column: str) -> pl.Expr:
    """The text column with a ``'`` before any value a spreadsheet would read as a formula."""
    value = pl.col(column)
    return pl.when(value.str.contains(FORMULA_START)).then(pl.lit("'") + value).otherwise(value).alias(column)


class IssuesCsv:
    """A sink for issue rows (see ``validate(..., issue_rows=...)``) writing UTF-8 CSV with a
    header line: ``item,line,id,field,code,severity,value``, preceded by ``file`` when ``file`` is
    given (several feeds in one CSV). ``target`` is a path (created or truncated when the sink
    is made) or a binary stream; ``rows`` counts the rows written so far."""

    def __init__(self, target: str | os.PathLike[str] | IO[bytes], file: str | None = None) -> None:
        self._own = isinstance(target, str | os.PathLike)
        self._handle: IO[bytes] = open(target, "wb") if isinstance(target, str | os.PathLike) else target
        self._file = file
        self._header = True
        self.rows = 0

    def for_file(self, file: str) -> IssuesCsv:
        """The same CSV, its next rows tagged with ``file``."""
        self._file = file
        return self

    def __call__(self, rows: pl.DataFrame) -> None:
        columns = list(ROW_COLUMNS)
        if self._file is not None:
            rows = rows.with_columns(pl.lit(self._file, dtype=pl.String).alias("file"))
            columns.insert(0, "file")
        text = [c for c in columns if rows.schema[c] == pl.String]
        out = rows.select(columns).with_columns(spreadsheet_safe(c) for c in text)
        buffer = io.BytesIO()
        out.write_csv(buffer, include_header=self._header, null_value="")
        self._handle.write(buffer.getvalue())
        self._header = False
        self.rows += out.height

    def close(self) -> None:
        """Write the header if no row came, and close the file this sink opened."""
        if self._header:
            self(pl.DataFrame(schema={c: pl.String for c in ROW_COLUMNS}))
        if self._own:
            self._handle.close()
        else:
            self._handle.flush()
