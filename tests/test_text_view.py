"""The text view, read in ten seconds: errors first and loud, noise collapsed, lines that fit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main


def big_feed(tmp_path: Path) -> Path:
    """1,234 products; every price but the first five is 'on request'; no image_link column."""
    rows = [f"P{i},Lamp {i},https://x.fr/{i},{'10 EUR' if i <= 5 else 'on request'}" for i in range(1, 1235)]
    feed = tmp_path / "big.csv"
    feed.write_text("id,title,link,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return feed


def test_a_missing_mandatory_field_is_an_error_line(tmp_path: Path) -> None:
    text = feedcheck.validate(big_feed(tmp_path)).to_text()
    lines = text.splitlines()
    assert "              MISSING: image_link" in lines
    assert "  ERROR missing-mandatory-field: No column for mandatory field image_link" in lines
    errors = [line for line in lines if line.startswith("  ERROR")]
    assert errors[0].startswith("  ERROR missing-mandatory-field") or errors[1].startswith(
        "  ERROR missing-mandatory-field"
    )


def test_thousands_separators_throughout(tmp_path: Path) -> None:
    lines = feedcheck.validate(big_feed(tmp_path)).to_text(width=200).splitlines()
    assert lines[0].endswith("INVALID — 1,234 items, profile default")
    assert "  ERROR price-unparseable: 1,229 price value(s) are not a readable amount" in lines
    examples = lines[lines.index("  ERROR price-unparseable: 1,229 price value(s) are not a readable amount") + 1]
    assert examples.endswith("; +1,226 more")


def test_useful_fields_missing_are_a_count_unless_verbose(tmp_path: Path) -> None:
    feed = str(big_feed(tmp_path))
    short = CliRunner().invoke(main, ["validate", feed]).output.splitlines()
    assert "              missing: 29 useful field(s) (--verbose lists them)" in short
    assert not any("custom_label_4" in line for line in short)
    verbose = CliRunner().invoke(main, ["validate", feed, "--verbose"]).output
    assert "custom_label_4" in verbose and "(--verbose lists them)" not in verbose


def test_no_line_is_wider_than_the_terminal(fixtures: Path) -> None:
    report = feedcheck.validate(fixtures / "csv_semicolon_unquoted_commas_html_trailing_semicolons.csv")
    for width in (80, 60, 40):
        lines = report.to_text(width=width, verbose=True).splitlines()
        assert max(len(line) for line in lines) <= width, width
    # Not a terminal (CliRunner, a pipe): 80 columns.
    printed = CliRunner().invoke(main, ["validate", str(fixtures / "sample_feed.csv"), "--verbose"]).output
    assert max(len(line) for line in printed.splitlines()) <= 80
    assert "  Recommended 9/9 present: description 80%, availability 100%, brand 100%," in printed.splitlines()
    assert "              gtin 40%, regular_price 40%, condition 100%, category 100%," in printed.splitlines()


def test_a_long_value_is_cut_in_the_example_line(tmp_path: Path) -> None:
    feed = tmp_path / "long.csv"
    feed.write_text(f"id,title,link,image_link,price\nA,Lamp,https://x.fr/a,https://x.fr/a.jpg,{'9' * 100} EUR X\n")
    lines = feedcheck.validate(feed).to_text().splitlines()
    at = lines.index("  ERROR price-unparseable: 1 price value(s) are not a readable amount")
    assert lines[at + 1 : at + 3] == ["        line 2 id A", "          '" + "9" * 59 + "…'"]
