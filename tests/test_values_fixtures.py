"""The value cases as the project's own fixtures (fixtures/values/), with golden outputs for the
currency and sale-window rules: convert must write these bytes, and the report these findings.

Every expectation below was worked out by hand from the fixture (the comments say why), and the
golden files were read line by line against them; they pin the bytes so that any change to how an
amount or its currency is written shows up here.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from lxml import etree

import feedcheck
from tests.conftest import FIXTURES

VALUES = FIXTURES / "values"
GOLDEN = FIXTURES / "golden"
XSD = etree.XMLSchema(etree.parse(str(Path(__file__).resolve().parents[1] / "schemas" / "feed.xsd")))

OPTIONS: dict[str, dict[str, Any]] = {
    "currencies": {},
    "sale_windows": {"profile": "google", "today": date(2026, 11, 29)},
    "feed_currency": {},
    "no_currency": {},
}

# id -> (field, amount, currency) that both outputs must hold; currency None: none is written.
AMOUNTS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "currencies": [
        ("K-1", "price", "19.990", "KWD"),  # three decimals: nineteen dinars, not 19,990
        ("K-2", "price", "1.299", "KWD"),  # 1.299 with KWD in the currency column: the column decides
        ("J-1", "price", "1500", "JPY"),  # yen have no decimals: 1.500 is fifteen hundred
        ("U-1", "price", "19.99", "EUR"),
        ("U-1", "regular_price", "29.99", "USD"),  # never written under EUR: regular_price_currency
        ("G-1", "shipping_cost", "4.90", "GBP"),  # Google's FR:::4.90 GBP, its country kept
        ("T-1", "price", "19.99", "EUR"),  # "19,99 EUR TTC": the tax word says nothing about the amount
        ("T-1", "shipping_cost", "4.90", "EUR"),  # a bare 4,90 takes the product's price's currency
        ("D-1", "price", "34.99", None),  # $ is no currency: nothing says which dollar
        ("C-1", "price", "34.99", "CAD"),  # $ with CAD in the currency column: Canadian dollars
    ],
    "sale_windows": [
        ("S-1", "price", "19.99", "EUR"),  # the sale ended in 2020: the regular price is the price
        ("S-1", "sale_price", "14.99", "EUR"),  # ... and the sale is kept, with its window
        ("S-2", "price", "19.99", "EUR"),  # the sale starts in 2099
        ("S-3", "price", "14.99", "EUR"),  # running on 2026-11-29
        ("S-3", "regular_price", "19.99", "EUR"),
        ("S-4", "price", "24.99", "EUR"),  # a bare sale price takes the price's currency
        ("S-4", "regular_price", "29.99", "EUR"),
        ("S-5", "price", "169.00", "EUR"),  # a sale price of "EUR" alone is no sale
        ("S-6", "price", "34.99", "EUR"),  # a window of that very day (a date end ends at the day's end)
        ("S-7", "price", "44.99", "USD"),  # a sale in dollars: the price is in dollars ...
        ("S-7", "regular_price", "49.99", "EUR"),  # ... and the regular price stays in euros
    ],
    "feed_currency": [
        ("F-1", "shipping_cost", "4.90", "EUR"),
        ("F-2", "shipping_cost", "4.90", "EUR"),  # its price is unreadable: EUR is the feed's one currency
        ("F-3", "price", "24.90", "EUR"),  # a bare price, in a feed that names EUR only
        ("F-3", "shipping_cost", "0.00", "EUR"),  # gratuit
    ],
    "no_currency": [
        ("N-1", "price", "39.90", None),  # nothing anywhere says the currency
        ("N-2", "shipping_cost", "0.00", None),
    ],
}

# (code, field, count, example lines) of every warning, error and currency info of each report, beside
# the presence codes (missing-*, empty-*: these small feeds have no description, brand, ...).
FINDINGS: dict[str, list[tuple[str, str | None, int, list[int]]]] = {
    "currencies": [
        ("price-currency-ambiguous", "price", 1, [8]),  # D-1
        ("price-currency-mismatch", "regular_price", 1, [5]),  # U-1: USD beside a EUR price
        ("price-currency-mismatch", "shipping_cost", 1, [6]),  # G-1: GBP beside a EUR price
    ],
    "sale_windows": [
        ("price-currency-mismatch", "regular_price", 1, [8]),  # S-7
        ("sale-price-outside-window", "sale_price", 2, [2, 3]),  # S-1, S-2
    ],
    "feed_currency": [
        ("currency-inferred", None, 2, [3, 4]),  # F-2's shipping cost, F-3's price
        ("price-unparseable", "price", 1, [3]),  # F-2: one error, not two
    ],
    "no_currency": [("feed-currency-missing", None, 2, [2, 3])],
}
SHOWN = {"currency-inferred", "feed-currency-missing", "sale-price-outside-window", "shipping-several-groups"}


def convert(name: str) -> tuple[bytes, bytes, feedcheck.ConvertResult]:
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(VALUES / f"{name}.csv", csv=csv_out, xml=xml_out, **OPTIONS[name])
    return csv_out.getvalue(), xml_out.getvalue(), result


def rows(csv_bytes: bytes, xml_bytes: bytes) -> list[dict[str, dict[str, str | None]]]:
    from_csv = {r["id"]: r for r in pl.read_csv(csv_bytes, infer_schema=False).to_dicts()}
    from_xml = {p.findtext("id"): {c.tag: c.text for c in p} for p in etree.fromstring(xml_bytes)}
    return [from_csv, from_xml]  # type: ignore[list-item]


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_golden_outputs(name: str) -> None:
    csv_bytes, xml_bytes, _ = convert(name)
    assert csv_bytes == (GOLDEN / f"values_{name}.csv").read_bytes()
    assert xml_bytes == (GOLDEN / f"values_{name}.xml").read_bytes()
    assert XSD.validate(etree.fromstring(xml_bytes)), XSD.error_log


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_amount_keeps_its_currency_in_both_outputs(name: str) -> None:
    csv_bytes, xml_bytes, _ = convert(name)
    for written in rows(csv_bytes, xml_bytes):
        for ident, field, amount, currency in AMOUNTS[name]:
            row = written[ident]
            assert Decimal(str(row[field])) == Decimal(amount), (ident, field, row)
            assert (row.get(f"{field}_currency") or row.get("currency")) == currency, (ident, field, row)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_report_findings(name: str) -> None:
    _, _, result = convert(name)
    found = [
        (i.code, i.field, i.count, [e.line for e in i.examples])
        for i in result.report.issues
        if (i.severity.value != "info" or i.code in SHOWN) and not i.code.startswith(("missing-", "empty-"))
    ]
    assert sorted(found, key=str) == sorted(FINDINGS[name], key=str)


def test_outputs_read_back_keep_every_currency() -> None:
    csv_bytes, xml_bytes, _ = convert("currencies")
    for output in (csv_bytes, xml_bytes):
        again_csv, again_xml, _ = (io.BytesIO(), io.BytesIO(), None)
        feedcheck.convert(output, csv=again_csv, xml=again_xml)
        assert again_csv.getvalue() == csv_bytes
        assert again_xml.getvalue() == xml_bytes


def test_amounts_in_two_currencies_are_not_compared() -> None:
    feed = (
        b"id,title,link,image_link,price,regular_price\n"
        b"A,Kettle,https://x.fr/a,https://x.fr/a.jpg,39.90 EUR,29.99 GBP\n"
        b"B,Mug,https://x.fr/b,https://x.fr/b.jpg,19.90 EUR,9.99 EUR\n"
    )
    report = feedcheck.validate(feed)
    below = next(i for i in report.issues if i.code == "regular-price-below-price")
    assert (below.count, [e.line for e in below.examples]) == (1, [3])  # B only: A's GBP is not below EUR
    mismatch = next(i for i in report.issues if i.code == "price-currency-mismatch")
    assert [e.line for e in mismatch.examples] == [2]
