"""Catalogues sent as spreadsheets: .xlsx written by a spreadsheet library, .ods, and their limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main

HEADER = ["Référence", "Nom du produit", "Lien produit", "URL image", "Prix TTC", "Marque", "EAN"]


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def french_catalogue() -> bytes:
    """Row 1 is a title, row 2 empty, the header on row 3; products on rows 4, 5 and 7 (row 6 is
    empty). The EANs are stored as numbers, as a spreadsheet does when one types them; FR-2's
    lost its leading zero (0012345678905 -> 12345678905), FR-3's was typed as text in scientific
    notation."""
    return workbook(
        (
            "Catalogue",
            [
                ["Export boutique — mars"],
                [],
                HEADER,
                [
                    "FR-1",
                    "Théière en fonte",
                    "https://b.fr/p/1",
                    "https://b.fr/i/1.jpg",
                    "39,90 €",
                    "Fonteco",
                    4006381333931,
                ],
                ["FR-2", "Crêpière", "https://b.fr/p/2", "https://b.fr/i/2.jpg", 29, "Fonteco", 12345678905],
                [],
                ["FR-3", "Sucrier", "https://b.fr/p/3", "https://b.fr/i/3.jpg", "12,50 €", "Fonteco", "3.76012E+12"],
            ],
        ),
        ("Notes", [["id", "title"], ["X", "not a product"]]),
    )


def test_an_xlsx_with_french_headers_and_a_gtin_stored_as_a_number(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(french_catalogue())
    report = feedcheck.validate(path, currency="EUR")
    assert (report.items, report.source.format, report.source.sheet) == (3, "xlsx", "Catalogue")
    columns = {f.field: f.column for f in report.fields if f.column}
    assert columns == {
        "id": "Référence",
        "title": "Nom du produit",
        "link": "Lien produit",
        "image_link": "URL image",
        "price": "Prix TTC",
        "brand": "Marque",
        "gtin": "EAN",
    }
    issues = {i.code: i for i in report.issues}
    lost = issues["gtin-lost-leading-zero"]
    assert [(e.item, e.line, e.id, e.value) for e in lost.examples] == [(2, 5, "FR-2", "12345678905")]
    scientific = issues["gtin-scientific-notation"]
    assert [(e.item, e.line, e.id, e.value) for e in scientific.examples] == [(3, 7, "FR-3", "3.76012E+12")]
    blank = issues["csv-blank-line"]
    assert [e.line for e in blank.examples] == [6]
    gtin = next(f for f in report.fields if f.field == "gtin")
    # FR-1's 4006381333931, read as its 13 digits, and FR-2's (a warning only); not FR-3's.
    assert gtin.filled == 2
    rows = feedcheck.validate(path, currency="EUR", issue_rows=True).issue_rows
    assert rows is not None and "4006381333931" not in {r.value for r in rows}


def test_the_header_is_the_first_row_with_cells_and_a_title_row_above_is_an_ordinary_row(tmp_path: Path) -> None:
    data = workbook(
        ("Feuille1", [[], HEADER, ["A", "Lampe", "https://b.fr/a", "https://b.fr/a.jpg", 10, "X", 4006381333931]])
    )
    report = feedcheck.validate(data, currency="EUR")
    assert report.items == 1
    assert report.issues[0].code != "csv-empty-header"
    rows = feedcheck.validate(data, currency="EUR", issue_rows=True).issue_rows
    assert rows is not None
    assert {(r.item, r.line) for r in rows if r.item is not None} <= {(1, 3)}


def test_sheet_picks_another_sheet_and_an_unknown_one_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(french_catalogue())
    notes = feedcheck.validate(path, sheet="Notes")
    assert (notes.items, notes.source.sheet) == (1, "Notes")
    with pytest.raises(feedcheck.UsageError) as wrong:
        feedcheck.validate(path, sheet="Produits")
    assert str(wrong.value) == "The workbook has no sheet 'Produits'; its sheets: 'Catalogue', 'Notes'."
    result = CliRunner().invoke(main, ["validate", str(path), "--sheet", "Notes", "--format", "json"])
    assert '"sheet": "Notes"' in result.output
    assert CliRunner().invoke(main, ["validate", str(path), "--sheet", "Nope"]).exit_code == 2


def test_the_command_says_which_sheet_it_read(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(french_catalogue())
    result = CliRunner().invoke(main, ["validate", str(path), "--currency", "EUR"])
    assert "  detected: XLSX, sheet 'Catalogue'" in result.output.splitlines()


def ods(rows: list[list[tuple[str, str]]]) -> bytes:
    """A minimal OpenDocument spreadsheet (ISO/IEC 26300): cells as (type, value)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = ""
    for row in rows:
        cells = ""
        for kind, value in row:
            number = f' office:value="{value}"' if kind == "float" else ""
            cells += f'<table:table-cell office:value-type="{kind}"{number}><text:p>{value}</text:p></table:table-cell>'
        body += f"<table:table-row>{cells}</table:table-row>"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Produits">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_ods_sheet_is_read_like_an_xlsx() -> None:
    text = [("string", h) for h in ["id", "titre", "lien", "image", "prix", "EAN"]]
    product = [("string", "A"), ("string", "Lampe"), ("string", "https://b.fr/a"), ("string", "https://b.fr/a.jpg")]
    data = ods([text, [*product, ("float", "19.9"), ("float", "4006381333931")]])
    report = feedcheck.validate(data, currency="EUR", issue_rows=True)
    assert (report.items, report.source.format, report.source.sheet) == (1, "ods", "Produits")
    assert {f.field: f.column for f in report.fields if f.column}["gtin"] == "EAN"
    assert next(f for f in report.fields if f.field == "gtin").filled == 1
    assert next(f for f in report.fields if f.field == "price").filled == 1


def test_a_zip_bomb_inside_an_xlsx_is_refused_before_calamine_inflates_it() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(french_catalogue())) as source, zipfile.ZipFile(out, "w") as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        bomb.writestr("xl/media/padding.bin", bytes(40 << 20), zipfile.ZIP_DEFLATED)  # 40 MiB of zeros
    data = out.getvalue()
    assert len(data) < 200_000
    with pytest.raises(feedcheck.LimitExceededError, match=r"The spreadsheet expands more than 100 times"):
        feedcheck.validate(data)
    with pytest.raises(feedcheck.LimitExceededError, match=r"over the limit of 2,000 bytes once decompressed"):
        feedcheck.validate(french_catalogue(), limits=feedcheck.Limits(max_decompressed_bytes=2_000))


def test_a_word_document_is_still_no_feed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(feedcheck.NotAFeedError, match=r"This is an Office document \(.docx/.pptx\), not a feed"):
        feedcheck.validate(out.getvalue())
