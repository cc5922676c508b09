"""Values keep their meaning: every case of ../shared/cases/values/expected.toml, built into a
feed, validated and converted with the case's profile and ``today``.

Each case becomes a CSV whose columns are the canonical names (or the header the case gives,
``shipping``, ``shipping(country:price:service)``), one row per product over the file's base
product. What convert writes is read back from BOTH outputs: ``expect``/``expect_each`` are the
values of a field, ``amounts`` the amount (compared as a decimal number: ``49`` SEK is written
``49.00``) and the currency of each amount (its ``<field>_currency`` column where it differs from
the row's, else the row's ``currency``). ``codes`` must appear in the report, ``no_codes`` must not.
The code names of the file are the project's: every suggested name was kept.
"""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from lxml import etree

import feedcheck
from tests.conftest import CORPUS

CASES_FILE = CORPUS.parent / "cases" / "values" / "expected.toml"
SKIP_REASON = f"the shared value cases are not at {CASES_FILE} (they sit in ../shared beside the checkout)"
BASE = {
    "id": "V-1",
    "title": "Test kettle",
    "link": "https://shop.example.com/p/v-1",
    "image_link": "https://shop.example.com/img/v-1.jpg",
    "price": "19.99 EUR",
}
LONG_LINK_MARK = "XXXX_REPEAT_TO_2100_CHARS"  # the case says: build the link to exactly 2,100 characters


def load_cases() -> dict[str, dict[str, Any]]:
    if not CASES_FILE.is_file():
        return {}
    return tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))


CASES = load_cases()


def feed_of(case: dict[str, Any]) -> bytes:
    products = [BASE | product for product in case.get("products", [case.get("fields", {})])]
    columns = list(dict.fromkeys(name for product in products for name in product))
    for product in products:
        link = product.get("link", "")
        if LONG_LINK_MARK in link:
            head = link.replace(LONG_LINK_MARK, "")
            product["link"] = head + "X" * (2100 - len(head))
            assert len(product["link"]) == 2100
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(products)
    return out.getvalue().encode("utf-8")


def csv_rows(data: bytes) -> list[dict[str, str | None]]:
    return pl.read_csv(data, infer_schema=False).to_dicts()


def xml_rows(data: bytes) -> list[dict[str, str | None]]:
    return [{child.tag: child.text for child in product} for product in etree.fromstring(data)]


def run(case: dict[str, Any]) -> tuple[feedcheck.Report, list[list[dict[str, str | None]]]]:
    options: dict[str, Any] = {"profile": case.get("profile")}
    if "today" in case:
        options["today"] = date.fromisoformat(case["today"])
    feed = feed_of(case)
    report = feedcheck.validate(feed, **options)
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(feed, csv=csv_out, xml=xml_out, **options)
    assert result.report == report
    return report, [csv_rows(csv_out.getvalue()), xml_rows(xml_out.getvalue())]


def varying_field(case: dict[str, Any]) -> str:
    """The field the products of an ``expect_each`` case differ by (besides their id)."""
    names = {name for product in case["products"] for name in product} - {"id"}
    assert len(names) == 1, names
    return names.pop()


@pytest.mark.skipif(not CASES, reason=SKIP_REASON)
@pytest.mark.parametrize("name", sorted(CASES))
def test_value_case(name: str) -> None:
    case = CASES[name]
    report, outputs = run(case)
    found = {issue.code for issue in report.issues}
    for code in case.get("codes", []):
        assert code in found, (name, code, sorted(found))
    for code in case.get("no_codes", []):
        assert code not in found, (name, code, [i.model_dump() for i in report.issues if i.code == code])
    for rows in outputs:  # the CSV, then the XML
        first = rows[0]
        for field, value in case.get("expect", {}).items():
            assert first.get(field) == value, (name, field, first)
        if "expect_each" in case:
            field = varying_field(case)
            assert [row.get(field) for row in rows] == case["expect_each"], (name, field)
        for field, (amount, currency) in case.get("amounts", {}).items():
            written = first.get(field)
            assert written is not None, (name, field, first)
            assert Decimal(written) == Decimal(amount), (name, field, written)
            own = first.get(f"{field}_currency") or first.get("currency")
            assert own == currency, (name, field, first)


@pytest.mark.skipif(not CASES, reason=SKIP_REASON)
def test_every_case_says_what_to_check() -> None:
    checked = {"expect", "expect_each", "amounts", "codes", "no_codes"}
    assert all(checked & set(case) for case in CASES.values())


def test_the_builder_writes_one_row_per_product_over_the_base() -> None:
    case = {"products": [{"id": "A", "gtin": "4006381333931"}, {"id": "B"}]}
    rows = csv_rows(feed_of(case))
    assert [(r["id"], r["price"], r["gtin"]) for r in rows] == [
        ("A", "19.99 EUR", "4006381333931"),
        ("B", "19.99 EUR", None),
    ]
