"""Read a catalogue sent as a spreadsheet (.xlsx, .ods, old .xls) into a frame of strings, one
column per header cell, with the spreadsheet row of each record as its line.

Cells are read by polars' ``read_excel`` with the calamine engine (the ``fastexcel`` package),
every cell as text: a number stored in a cell comes out as its digits (a GTIN stored as a number
is ``4006381333931``, not ``4.006381333931e12``), so the checks see what the merchant typed,
including the EANs a spreadsheet already damaged (``3.76012E+12`` typed as text, a lost leading
zero). Dates come out as ``2024-01-05 00:00:00``, booleans as ``true``/``false``; a cell's
display format (a currency symbol, decimals shown) is not applied. A formula gives the value the
spreadsheet saved with it.

An .xlsx or .ods file is a zip archive: before calamine inflates it, the declared sizes of its
members are checked against :class:`~feedcheck.limits.Limits` (total and ratio), then every
member is inflated once here, streaming and counting, so a member whose header lies about its
size is refused as damaged (zip checks each member's size and CRC).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import polars as pl

from feedcheck.errors import LimitExceededError, NotAFeedError, UnsupportedCompressionError, UsageError
from feedcheck.limits import RATIO_GRACE, Limits
from feedcheck.read.csv_reader import LINE, RawIssue, unique_names

# What the file's own structure says it is. OOXML (ECMA-376): a zip holding "[Content_Types].xml"
# and "xl/workbook.xml"; OpenDocument (ISO/IEC 26300, 3.3): a zip whose first member "mimetype"
# holds "application/vnd.oasis.opendocument.spreadsheet"; Excel 97-2003 .xls: an OLE2 compound file
# (magic D0 CF 11 E0 A1 B1 1A E1, [MS-CFB] 2.2).
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def spreadsheet_kind(archive: zipfile.ZipFile) -> str | None:
    """``"xlsx"`` or ``"ods"`` for a zip that is a spreadsheet, else None."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return "ods"
    return None


@dataclass
class SheetTable:
    frame: pl.DataFrame  # one String column per header cell, plus LINE
    columns: list[str]
    issues: list[RawIssue]
    sheet: str


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse an .xlsx/.ods whose members would inflate past the limits, or lie about it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            raise UnsupportedCompressionError("The spreadsheet is password-protected: save it without a password.")
        total = sum(info.file_size for info in infos)
        packed = max(sum(info.compress_size for info in infos), 1)
        if total > limits.max_decompressed_bytes:
            raise LimitExceededError(
                f"The spreadsheet expands to {total:,} bytes, over the limit of "
                f"{limits.max_decompressed_bytes:,} bytes once decompressed."
            )
        if total > RATIO_GRACE and total > limits.max_compression_ratio * packed:
            raise LimitExceededError(
                f"The spreadsheet expands more than {limits.max_compression_ratio} times ({total:,} bytes from "
                f"{packed:,}): this looks like a decompression bomb, not a catalogue."
            )
        for info in infos:  # zipfile stops at the declared size and checks the CRC
            with archive.open(info) as member:
                while member.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise UnsupportedCompressionError(f"The spreadsheet's zip data is damaged: {exc}.") from None


def _sheet_names(data: bytes) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(data).sheet_names)
    except Exception:
        return []


def read_spreadsheet(data: bytes, kind: str, sheet: str | None, limits: Limits) -> SheetTable:
    """The first sheet (or ``sheet``, by name) as a table: the first row of two cells or more
    is the header (a title above it is not a record); fully empty rows between records are
    skipped and reported (``csv-blank-line``).

    Raises UsageError for a sheet name the workbook lacks, NotAFeedError for a file calamine
    cannot read, and the archive refusals of :func:`check_archive`."""
    if kind in ("xlsx", "ods"):
        check_archive(data, limits)
    names = _sheet_names(data)
    if sheet is not None and sheet not in names:
        listing = ", ".join(repr(n) for n in names[:10])
        raise UsageError(f"The workbook has no sheet {sheet!r}; its sheets: {listing}.")
    chosen = sheet if sheet is not None else (names[0] if names else "")
    try:
        raw = pl.read_excel(
            io.BytesIO(data),
            engine="calamine",
            sheet_name=chosen or None,
            sheet_id=None if chosen else 1,
            has_header=False,
            # Every row from the sheet's first (calamine starts at the first filled one
            # otherwise): the row index is the spreadsheet row, less one.
            read_options={"skip_rows": 0, "dtypes": "string"},
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotAFeedError(f"This {kind} file cannot be read as a spreadsheet ({first}).") from None
    if raw.width > limits.max_columns:
        raise LimitExceededError(f"The sheet has over {limits.max_columns:,} columns, the limit.")
    raw = raw.select(pl.all().cast(pl.String)).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(LINE))
    cells = [c for c in raw.columns if c != LINE]
    counts = raw.select(
        pl.sum_horizontal((pl.col(c).str.strip_chars().str.len_bytes() > 0).fill_null(False) for c in cells)
    ).to_series()
    filled = counts > 0 if cells else pl.Series([False] * raw.height)
    issues: list[RawIssue] = []
    if not filled.any():
        return SheetTable(pl.DataFrame(schema={LINE: pl.Int64()}), [], issues, chosen)
    # The header: the first row of two cells or more (a title typed above it fills one), else
    # the first filled row. Rows above it are not records.
    several = (counts >= 2).arg_true()
    header_at = int(several[0]) if len(several) else int(filled.arg_true()[0])
    header = [value or "" for value in raw.row(header_at)[: len(cells)]]
    names_out = unique_names(header, header_at + 1, issues)
    body = raw.slice(header_at + 1).with_columns(filled.slice(header_at + 1).alias("__filled__"))
    last = body.get_column("__filled__").arg_true()
    if len(last):
        blank = body.head(int(last[-1]) + 1).filter(~pl.col("__filled__"))
        if blank.height:
            lines = blank.get_column(LINE)
            rows = pl.DataFrame({"line": lines})
            issues.append(RawIssue("csv-blank-line", lines.head(20).to_list(), blank.height, rows=rows))
    records = body.filter(pl.col("__filled__")).select(
        [pl.col(c).alias(n) for c, n in zip(cells, names_out, strict=True)] + [pl.col(LINE)]
    )
    return SheetTable(records, names_out, issues, chosen)


__all__ = ["OLE_MAGIC", "SheetTable", "check_archive", "read_spreadsheet", "spreadsheet_kind"]
