"""Every affected line: one row per (item, issue), for a merchant's spreadsheet and for pipelines."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main
from feedcheck.codes import CODES, ROW_COLUMNS
from feedcheck.report.issues_csv import IssuesCsv
from tests.conftest import corpus_file

CORPUS_FEEDS = [
    "google_rss_magento_magmodules_batterijland_bad.xml",
    "woocommerce_real_export_2024_bom.csv",
    "prestashop14_products_import_semicolon_crlf.csv",
]


def counted(report: feedcheck.Report) -> int:
    """Hits the report counts: the products of every issue about products, the lines of every
    issue about lines."""
    return sum(i.count for i in report.issues if CODES[i.code].scope != "file")


def test_one_row_per_hit_of_each_issue_and_one_per_file_finding(fixtures: Path) -> None:
    # P002 (line 3) lacks a field, P004 (line 5) has one too many; no mpn column.
    report = feedcheck.validate(fixtures / "codes" / "csv-ragged-row.csv", issue_rows=True)
    rows = report.issue_rows
    assert rows is not None
    ragged = [(r.item, r.line, r.id, r.value) for r in rows if r.code == "csv-ragged-row"]
    assert ragged == [(2, 3, "P002", "14 fields"), (4, 5, "P004", "16 fields")]
    mpn = [r for r in rows if r.code == "missing-useful-field" and r.field == "mpn"]
    assert [(r.item, r.line, r.id, r.value) for r in mpn] == [(None, None, None, None)]
    assert sum(1 for r in rows if CODES[r.code].scope != "file") == counted(report)
    assert "issue_rows" not in report.model_dump_json()


def test_every_value_rule_gives_its_rows(fixtures: Path) -> None:
    report = feedcheck.validate(fixtures / "codes" / "price-unparseable.csv", issue_rows=True)
    assert report.issue_rows is not None
    rows = [
        (r.item, r.line, r.id, r.field, r.severity.value, r.value)
        for r in report.issue_rows
        if r.code == "price-unparseable"
    ]
    assert rows == [(2, 3, "P002", "price", "error", "19,9O €"), (4, 5, "P004", "price", "error", "call us")]


@pytest.mark.parametrize("name", CORPUS_FEEDS)
def test_as_many_rows_as_the_report_counts_hits_on_real_feeds(name: str) -> None:
    report = feedcheck.validate(corpus_file(name), issue_rows=True)
    assert report.issue_rows is not None
    by_code: dict[tuple[str, str | None], int] = {}
    for row in report.issue_rows:
        by_code[(row.code, row.field)] = by_code.get((row.code, row.field), 0) + 1
    for issue in report.issues:
        if CODES[issue.code].scope != "file":
            assert by_code[(issue.code, issue.field)] == issue.count, issue.code
    assert sum(1 for r in report.issue_rows if CODES[r.code].scope != "file") == counted(report) > 0


def test_a_sink_receives_the_rows_in_frames_and_the_report_keeps_none(fixtures: Path) -> None:
    frames: list[pl.DataFrame] = []
    report = feedcheck.validate(fixtures / "codes" / "id-duplicate.csv", issue_rows=frames.append)
    assert report.issue_rows is None
    assert frames and all(tuple(f.columns) == ROW_COLUMNS for f in frames)
    rows = pl.concat(frames)
    assert rows.filter(pl.col("code") == "id-duplicate").height == next(
        i.count for i in report.issues if i.code == "id-duplicate"
    )


def test_the_csv_sink_appends_batch_by_batch_and_defuses_formulas() -> None:
    out = io.BytesIO()
    sink = IssuesCsv(out)
    first = pl.DataFrame(
        {
            "item": [1, 2],
            "line": [2, 3],
            "id": ["=1+1", "@SUM(A1)"],
            "field": ["price", "price"],
            "code": ["price-unparseable", "price-unparseable"],
            "severity": ["error", "error"],
            "value": ["+33 1 23", "-5 EUR"],
        }
    )
    sink(first)
    sink(first.with_columns(pl.Series("value", ["\tx", "\rcmd|' /C calc'!A0"]), pl.Series("id", ["A", "B"])))
    sink.close()
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert rows[0] == list(ROW_COLUMNS)
    assert [r[2] for r in rows[1:]] == ["'=1+1", "'@SUM(A1)", "A", "B"]
    assert [r[6] for r in rows[1:]] == ["'+33 1 23", "'-5 EUR", "'\tx", "'\rcmd|' /C calc'!A0"]
    assert sink.rows == 4


def test_issues_csv_option_writes_as_many_rows_as_the_report_counts(fixtures: Path, tmp_path: Path) -> None:
    feed = fixtures / "codes" / "csv-trailing-delimiter.csv"
    out = tmp_path / "issues.csv"
    result = CliRunner().invoke(main, ["validate", str(feed), "--issues-csv", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    report = feedcheck.validate(feed)
    assert sum(1 for r in rows if r["item"]) == counted(report)
    trailing = [(r["item"], r["line"], r["id"]) for r in rows if r["code"] == "csv-trailing-delimiter"]
    assert trailing == [("3", "4", "P003"), ("5", "6", "P005")]


def test_issues_csv_for_several_files_names_the_file(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "issues.csv"
    a, b = fixtures / "codes" / "price-zero.csv", fixtures / "codes" / "price-unparseable.csv"
    result = CliRunner().invoke(main, ["validate", str(a), str(b), "--issues-csv", str(out)])
    assert result.exit_code == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == ["file", *ROW_COLUMNS]
    assert {r["file"] for r in rows if r["code"] == "price-zero"} == {str(a)}
    assert {r["file"] for r in rows if r["code"] == "price-unparseable"} == {str(b)}
