"""Google's formats: the RSS and the TSV hold what Google's spec says, and re-read by feedcheck
they give the same products and canonical values as the feed they were written from."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import feedcheck
from feedcheck.write.google import GoogleTsvWriter, GoogleXmlWriter, google_frame
from feedcheck.write.targets import open_sink
from tests.conftest import CORPUS, CORPUS_SKIP_REASON
from tests.test_convert import corpus_files

ROOT = Path(__file__).resolve().parents[1]
G = "{http://base.google.com/ns/1.0}"
SPEC = tomllib.loads((ROOT / "schemas" / "outputs" / "google.toml").read_text(encoding="utf-8"))
ATTRIBUTES = {s["google"] for s in SPEC["fields"].values() if s["google"]} | {"sale_price"}
VOCABULARIES = {s["google"]: {v.lower() for v in s["vocabulary"]} for s in SPEC["fields"].values() if "vocabulary" in s}


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# The day the outputs are written (A-1's January sale runs then): a discount's window is written
# only when it covers that day, and read back on it.
TODAY = date(2026, 1, 15)


def outputs(source: object, **options: object) -> tuple[bytes, bytes, bytes, feedcheck.ConvertResult]:
    """Canonical CSV, Google RSS, Google TSV of ``source``, written on :data:`TODAY`."""
    c, x, t = io.BytesIO(), io.BytesIO(), io.BytesIO()
    options.setdefault("today", TODAY)
    result = feedcheck.convert(source, csv=c, google_xml=x, google_tsv=t, **options)  # type: ignore[arg-type]
    return c.getvalue(), x.getvalue(), t.getvalue(), result


# Two lamps. A-1 is on sale (regular 25,00 € above the price 19,99 €, with a window), ships for
# 4,90 €, has two more images; B-2 costs 12,00 € with a "regular" price of 10,00 € (no discount),
# a formula for a title, an age group Google does not know (ado -> teen), no shipping cost.
SHOP = as_csv(
    [
        {
            "id": "A-1",
            "title": 'Lampe "Arc" & co',
            "link": "https://shop.example.fr/p/a-1?x=1&y=2",
            "image_link": "https://shop.example.fr/a-1.jpg",
            "price": "19,99 €",
            "regular_price": "25,00 €",
            "sale_price_effective_date": "2026-01-01T00:00+0100/2026-01-31T23:59+0100",
            "availability": "en stock",
            "age_group": "adulte",
            "shipping_cost": "4,90 €",
            "delivery_time": "2 jours",
            "additional_image_link": "https://shop.example.fr/a-1b.jpg,https://shop.example.fr/a-1c.jpg",
            "description": "<p>Belle lampe</p>",
        },
        {
            "id": "B-2",
            "title": "=SUM(1+2)",
            "link": "https://shop.example.fr/p/b-2",
            "image_link": "https://shop.example.fr/b-2.jpg",
            "price": "12,00 €",
            "regular_price": "10,00 €",
            "sale_price_effective_date": "2026-01-01/2026-01-31",
            "availability": "rupture",
            "age_group": "ado",
            "shipping_cost": "",
            "delivery_time": "3 jours",
            "additional_image_link": "",
            "description": "Lampe simple",
        },
    ]
)

SHOP_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
  <channel>
    <title>Products</title>
    <link>https://shop.example.fr</link>
    <description>Products, written by feedcheck</description>
    <item>
      <g:id>A-1</g:id>
      <title>Lampe "Arc" &amp; co</title>
      <link>https://shop.example.fr/p/a-1?x=1&amp;y=2</link>
      <g:image_link>https://shop.example.fr/a-1.jpg</g:image_link>
      <g:price>25.00 EUR</g:price>
      <g:sale_price>19.99 EUR</g:sale_price>
      <description>&lt;p&gt;Belle lampe&lt;/p&gt;</description>
      <g:availability>in_stock</g:availability>
      <g:shipping><g:price>4.90 EUR</g:price></g:shipping>
      <g:additional_image_link>https://shop.example.fr/a-1b.jpg</g:additional_image_link>
      <g:additional_image_link>https://shop.example.fr/a-1c.jpg</g:additional_image_link>
      <g:age_group>adult</g:age_group>
      <g:sale_price_effective_date>2026-01-01T00:00+0100/2026-01-31T23:59+0100</g:sale_price_effective_date>
    </item>
    <item>
      <g:id>B-2</g:id>
      <title>=SUM(1+2)</title>
      <link>https://shop.example.fr/p/b-2</link>
      <g:image_link>https://shop.example.fr/b-2.jpg</g:image_link>
      <g:price>12.00 EUR</g:price>
      <description>Lampe simple</description>
      <g:availability>out_of_stock</g:availability>
    </item>
  </channel>
</rss>
"""

SHOP_TSV = (
    "id\ttitle\tlink\timage_link\tprice\tsale_price\tdescription\tavailability\tshipping\t"
    "additional_image_link\tage_group\tsale_price_effective_date\n"
    'A-1\t"Lampe ""Arc"" & co"\thttps://shop.example.fr/p/a-1?x=1&y=2\thttps://shop.example.fr/a-1.jpg\t'
    "25.00 EUR\t19.99 EUR\t<p>Belle lampe</p>\tin_stock\t:::4.90 EUR\t"
    "https://shop.example.fr/a-1b.jpg,https://shop.example.fr/a-1c.jpg\tadult\t"
    "2026-01-01T00:00+0100/2026-01-31T23:59+0100\n"
    "B-2\t'=SUM(1+2)\thttps://shop.example.fr/p/b-2\thttps://shop.example.fr/b-2.jpg\t12.00 EUR\t\t"
    "Lampe simple\tout_of_stock\t\t\t\t\n"
)


def test_google_rss_and_tsv_of_a_small_shop_byte_for_byte() -> None:
    _, rss, tsv, result = outputs(SHOP)
    assert rss.decode("utf-8") == SHOP_RSS
    assert tsv.decode("utf-8") == SHOP_TSV
    assert [(g.field, g.values, g.reason) for g in result.google_left_out] == [
        ("regular_price", 1, "no discount"),
        ("delivery_time", 2, "no Google attribute"),
        ("age_group", 1, "not in Google's vocabulary"),
        ("sale_price_effective_date", 1, "no discount"),
    ]
    assert result.cells_neutralised == {"title": 1}


def test_the_title_formula_is_raw_in_the_tsv_with_raw_cells() -> None:
    _, _, tsv, result = outputs(SHOP, raw_cells=True)
    assert "B-2\t=SUM(1+2)\t" in tsv.decode("utf-8")
    assert result.cells_neutralised == {}


def hand_normalised() -> pl.DataFrame:
    """A normalised batch as the values branch (#13) will shape it: each amount whose currency
    is not the row's has its own <field>_currency; shipping country and service apart."""
    return pl.DataFrame(
        {
            "id": ["P1", "P2", "P3", "P4"],
            "price": ["19.99", "20.00", "7.50", "3.00"],
            "regular_price": ["25.00", "30.00", None, None],
            "shipping_cost": ["4.90", "5.00", "0.00", None],
            "currency": ["EUR", "EUR", None, "EUR"],
            "regular_price_currency": [None, "USD", None, None],
            "shipping_cost_currency": [None, "CHF", None, None],
            "shipping_country": ["FR", "CH", None, "BE"],
            "shipping_service": ["Standard", None, None, "Express"],
        }
    )


def test_each_amount_is_written_in_its_own_currency_and_shipping_with_its_sub_attributes() -> None:
    frame, left_out = google_frame(hand_normalised())
    assert frame.to_dicts() == [
        # P1: 25.00 > 19.99 in EUR both: a discount.
        {
            "id": "P1",
            "price": "25.00 EUR",
            "sale_price": "19.99 EUR",
            "shipping:country": "FR",
            "shipping:service": "Standard",
            "shipping:price": "4.90 EUR",
        },
        # P2: 30.00 USD against 20.00 EUR is no discount; shipping in CHF to CH.
        {
            "id": "P2",
            "price": "20.00 EUR",
            "sale_price": None,
            "shipping:country": "CH",
            "shipping:service": None,
            "shipping:price": "5.00 CHF",
        },
        # P3: no currency anywhere: nothing invented, the amounts are left out (Google would read a
        # bare amount in the account's currency) and counted.
        {
            "id": "P3",
            "price": None,
            "sale_price": None,
            "shipping:country": None,
            "shipping:service": None,
            "shipping:price": None,
        },
        # P4: a country and a service but no cost: g:shipping cannot be written, and is counted.
        {
            "id": "P4",
            "price": "3.00 EUR",
            "sale_price": None,
            "shipping:country": None,
            "shipping:service": None,
            "shipping:price": None,
        },
    ]
    assert left_out == {
        "price": (1, "an amount whose currency the feed does not say"),  # P3
        "shipping_cost": (1, "an amount whose currency the feed does not say"),  # P3
        "regular_price": (1, "no discount"),
        "shipping_country": (1, "no shipping cost to go with it"),
        "shipping_service": (1, "no shipping cost to go with it"),
    }
    rss, tsv = io.BytesIO(), io.BytesIO()
    for writer in (GoogleXmlWriter(open_sink(rss), set()), GoogleTsvWriter(open_sink(tsv), set())):
        writer.write(hand_normalised())
        writer.close()
    items = etree.fromstring(rss.getvalue()).findall("channel/item")
    shipping = [[(c.tag.replace(G, "g:"), c.text) for c in item.find(f"{G}shipping")] for item in items[:2]]
    assert shipping == [
        [("g:country", "FR"), ("g:service", "Standard"), ("g:price", "4.90 EUR")],
        [("g:country", "CH"), ("g:price", "5.00 CHF")],
    ]
    assert items[2].find(f"{G}shipping") is None  # P3: no currency for its cost
    assert items[3].find(f"{G}shipping") is None
    assert tsv.getvalue().decode().splitlines() == [
        "id\tprice\tsale_price\tshipping",
        "P1\t25.00 EUR\t19.99 EUR\tFR::Standard:4.90 EUR",
        "P2\t20.00 EUR\t\tCH:::5.00 CHF",
        "P3\t\t\t",
        "P4\t3.00 EUR\t\t",
    ]


def test_writing_in_several_batches_gives_the_same_bytes() -> None:
    frame = hand_normalised()
    for writer_class in (GoogleXmlWriter, GoogleTsvWriter):
        whole, parts = io.BytesIO(), io.BytesIO()
        one = writer_class(open_sink(whole), set())
        one.write(frame)
        one.close()
        several = writer_class(open_sink(parts), set())
        for start in range(frame.height):
            several.write(frame.slice(start, 1))
        several.close()
        assert parts.getvalue() == whole.getvalue()
        assert several.left_out == one.left_out


def canonical(data: bytes) -> list[dict[str, str]]:
    frame = pl.read_csv(data, infer_schema=False)
    return [{k: v for k, v in row.items() if v is not None} for row in frame.to_dicts()]


FIELD_VOCABULARIES = {
    name: {v.lower() for v in s["vocabulary"]} for name, s in SPEC["fields"].items() if "vocabulary" in s
}
CARRIED = {name for name, s in SPEC["fields"].items() if s["google"]} | {"currency"}  # currency: inside amounts


DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def google_keeps(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """What the Google files can hold of canonical records, from the spec file: the fields with a
    Google attribute, a vocabulary field's value only when Google knows it, and regular_price
    (with its window) only where a discount runs."""
    kept = []
    for record in records:
        row = {
            k: v
            for k, v in record.items()
            if k in CARRIED and (k not in FIELD_VOCABULARIES or v.lower() in FIELD_VOCABULARIES[k])
        }
        for name, spec in SPEC["fields"].items():  # an amount no currency goes with is left out
            currency = record.get(f"{name}_currency") or record.get("currency")
            amount = spec.get("kind") in ("amount", "shipping")
            if amount and name in row and DECIMAL.match(row[name]) and not currency:
                row.pop(name)
        same = (record.get("regular_price_currency") or record.get("currency")) == (
            record.get("price_currency") or record.get("currency")
        )
        try:
            discount = same and float(row["regular_price"]) > float(row["price"])
        except (KeyError, ValueError):
            discount = False
        if not discount:
            row.pop("regular_price", None)
            row.pop("sale_price_effective_date", None)
        # Each amount with its currency, however the normalised columns say it (its own
        # <field>_currency column, or the row's currency): the meaning is what must survive.
        for name in [*row]:
            spec = SPEC["fields"].get(name, {})
            currency = record.get(f"{name}_currency") or record.get("currency")
            if spec.get("kind") in ("amount", "shipping", "discount") and name != "sale_price_effective_date":
                row[name] = f"{row[name]} {currency}" if currency and DECIMAL.match(row[name]) else row[name]
        row.pop("currency", None)
        kept.append(row)
    return kept


def check_google_outputs(source: object) -> None:
    """RSS that parses, one item per product written, only Google's names and values; both files
    re-read give the canonical values of the source that Google's format can carry."""
    csv_bytes, rss, tsv, result = outputs(source, raw_cells=True)
    items = etree.fromstring(rss).findall("channel/item")
    assert len(items) == result.written
    for item in items:
        for child in item:
            name = child.tag.replace(G, "")
            assert child.tag.startswith(G) or child.tag in ("title", "link", "description"), child.tag
            assert name in ATTRIBUTES, name
            if name in VOCABULARIES:
                assert (child.text or "").lower() in VOCABULARIES[name], (name, child.text)
            if name == "shipping":
                assert [c.tag.replace(G, "") for c in child] in (
                    ["price"],
                    ["country", "price"],
                    ["service", "price"],
                    ["country", "service", "price"],
                )
    expected = google_keeps(canonical(csv_bytes))
    for data in (rss, tsv):
        again, _, _, reread = outputs(data, raw_cells=True)
        assert reread.written == result.written
        assert google_keeps(canonical(again)) == expected


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_SKIP_REASON)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_google_outputs_of_every_corpus_feed(path: Path) -> None:
    check_google_outputs(path)


def test_the_small_shop_round_trips_through_google() -> None:
    check_google_outputs(SHOP)


def amount() -> st.SearchStrategy[str]:
    return st.builds(lambda c, cur: f"{c // 100},{c % 100:02d} {cur}", st.integers(0, 99999), st.sampled_from("€$£"))


text = st.text(alphabet=st.sampled_from([*"abXYZ éà,;\"'&<>\n\t💡-=+@/.|"]), max_size=12)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "title": text,
            "description": text,
            "price": amount(),
            "regular_price": st.one_of(st.just(""), amount()),
            "availability": st.sampled_from(["", "en stock", "rupture", "preorder", "sur commande", "maybe"]),
            "gender": st.sampled_from(["", "homme", "femme", "mixte", "chat"]),
            "shipping_cost": st.one_of(st.just(""), amount(), st.just("FR::Standard:4.90 EUR")),
            "color": text,
            "delivery_time": text,
        }
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_generated_catalogues_round_trip_through_google(records: list[dict[str, str]]) -> None:
    feed = [
        {
            "id": f"P{i}",
            "link": f"https://shop.example/p/{i}",
            "image_link": f"https://shop.example/{i}.jpg",
            "additional_image_link": f"https://shop.example/{i}b.jpg,https://shop.example/{i}%2Cc.jpg",
            **record,
        }
        for i, record in enumerate(records)
    ]
    check_google_outputs(as_csv(feed))
