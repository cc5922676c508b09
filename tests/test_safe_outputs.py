"""Outputs safe to open (issue 14): no CSV/TSV cell a spreadsheet would run as a formula, no XML
element name a parser rejects, and no source column dropped silently with --keep-extra."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree

import pytest
from lxml import etree

import feedcheck
from feedcheck.write.normalise import EXTRA_NAME_MAX

LINKS = {"link": "https://x.fr/p", "image_link": "https://x.fr/p.jpg"}


def feed(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


FORMULAS = feed(
    [
        {"id": "P1", "title": "=1+2", "description": '\t=HYPERLINK("http://x")', "price": "10 EUR", "brand": "@home"},
        {"id": "P2", "title": "-5", "description": "+33 6 12 34 56 78", "price": "-5 EUR", "brand": "Acme"},
        {"id": "P3", "title": "Lampe - bleue", "description": "-", "price": "10 EUR", "brand": "+Plus"},
    ]
)


def converted(data: bytes, **options: object) -> tuple[str, str, feedcheck.ConvertResult]:
    c, x = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(data, csv=c, xml=x, **options)  # type: ignore[arg-type]
    return c.getvalue().decode("utf-8"), x.getvalue().decode("utf-8"), result


def test_formula_cells_get_a_quote_in_the_csv_after_trimming_numbers_do_not() -> None:
    text, xml, result = converted(FORMULAS)
    assert text.splitlines() == [
        "id,title,price,description,brand,currency",
        # P1's description started with a tab: trimmed, it is a live formula, neutralised too.
        """P1,'=1+2,10.00,"'=HYPERLINK(""http://x"")",'@home,EUR""",
        # -5 is a number (a spreadsheet runs nothing in it), and so is the price -5.00 that
        # feedcheck wrote; "+33 6 12 34 56 78" is not a number.
        "P2,-5,-5.00,'+33 6 12 34 56 78,Acme,EUR",
        "P3,Lampe - bleue,10.00,'-,'+Plus,EUR",
    ]
    assert result.cells_neutralised == {"title": 1, "description": 3, "brand": 2}
    # The XML keeps every value as it is.
    assert "<title>=1+2</title>" in xml and '<description>=HYPERLINK("http://x")</description>' in xml
    assert "<brand>@home</brand>" in xml


def test_raw_cells_writes_the_values_as_they_are() -> None:
    text, _, result = converted(FORMULAS, raw_cells=True)
    assert text.splitlines()[1:] == [
        'P1,=1+2,10.00,"=HYPERLINK(""http://x"")",@home,EUR',
        "P2,-5,-5.00,+33 6 12 34 56 78,Acme,EUR",
        "P3,Lampe - bleue,10.00,-,+Plus,EUR",
    ]
    assert result.cells_neutralised == {}


def test_validate_reports_the_source_cells_and_not_the_neutralised_output() -> None:
    report = feedcheck.validate(FORMULAS)
    found = {(i.field, i.count) for i in report.issues if i.code == "text-formula-like"}
    assert found == {("title", 1), ("description", 3), ("brand", 2)}
    text, _, _ = converted(FORMULAS)
    again = feedcheck.validate(text.encode("utf-8"))
    assert [i for i in again.issues if i.code == "text-formula-like"] == []
    # Converting the neutralised CSV again changes nothing: the quote is not added twice.
    assert converted(text.encode("utf-8"))[0] == text


def test_extra_xml_names_from_any_script_parse_and_stay_short_and_unique() -> None:
    long_a, long_b = "a" * 60_000, "a" * 59_999 + "b"
    data = feed([{"id": "1", "title": "Lampe", "❶": "one", "٣": "three", "〇": "zero", long_a: "A", long_b: "B"}])
    text, xml, result = converted(data, keep_extra=True)
    extras = result.fields[2:]
    assert extras[:3] == ["extra__x2776_", "extra_٣", "extra_〇"]
    assert extras[3] == ("extra_" + "a" * 60_000)[:EXTRA_NAME_MAX]
    assert extras[4] == extras[3][: EXTRA_NAME_MAX - 2] + "_2"
    assert all(len(name) <= EXTRA_NAME_MAX for name in extras)
    for parse in (etree.fromstring, ElementTree.fromstring):  # libxml2 and expat
        product = parse(xml.encode("utf-8"))[0]
        assert [(child.tag, child.text) for child in product] == [
            ("id", "1"),
            ("title", "Lampe"),
            *zip(extras, ["one", "three", "zero", "A", "B"], strict=True),
        ]
    assert text.splitlines()[0] == ",".join(result.fields)


@pytest.mark.parametrize("keep_extra", [False, True])
def test_keep_extra_keeps_a_second_column_of_a_field(keep_extra: bool) -> None:
    """TITLE and title both fold to title: title feeds the field, TITLE's values (which
    differ) are kept as extra_title with --keep-extra, instead of being dropped silently."""
    data = feed(
        [
            {"id": "1", "title": "Lampe", "TITLE": "LAMPE DE CHEVET", **LINKS, "price": "10 EUR"},
            {"id": "2", "title": "", "TITLE": "TABLE", **LINKS, "price": "10 EUR"},
        ]
    )
    text, _, result = converted(data, keep_extra=keep_extra)
    if keep_extra:
        assert result.fields[-1] == "extra_title"
        assert [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]] == ["LAMPE DE CHEVET", "TABLE"]
    else:
        assert "extra_title" not in result.fields
    assert [line.split(",")[1] for line in text.splitlines()[1:]] == ["Lampe", "TABLE"]
