"""Dialects (issue 12): every published format feedcheck knows is recognised by its structure and read
by its own rules, one fixture each (``fixtures/dialects/<id>.*``, written for these tests).

What each test expects was worked out from the fixture by hand: the records it holds, the column that
must feed each field, what ``convert`` writes for each product, and the findings, with their lines.
``test_batches_give_the_whole_feed`` cuts every fixture into batches of 1, 2 and 3 records and asserts
that :func:`feedcheck.map.dialects.apply_dialect`, with its state carried from batch to batch, gives
exactly what it gives for the whole feed in one batch.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main
from feedcheck.map.dialects import apply_dialect, dialects, merge_findings, recognise, start
from feedcheck.read.load import ReadOptions, load
from feedcheck.validate import currency_named

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "dialects"
TODAY = date(2026, 6, 1)


class Case(NamedTuple):
    dialect: str
    items: int
    fields: dict[str, str]  # field -> the column that must feed it
    rows: list[dict[str, str]]  # what convert writes for each product (these fields; "" for empty)
    codes: dict[str, int] = {}  # noqa: RUF012 (never mutated) issue code -> count that must be reported
    absent: frozenset[str] = frozenset()  # codes that must not be reported


CASES: dict[str, Case] = {
    # Awin XML 1.4: instock 1/0 is the availability; EUR from the currency element.
    "awin.xml": Case(
        "awin",
        2,
        {"id": "pid", "link": "purl", "image_link": "imgurl", "availability": "instock", "shipping_cost": "delcost"},
        [
            {"id": "AW-1", "availability": "in_stock", "price": "39.90", "currency": "EUR"},
            {"id": "AW-2", "availability": "out_of_stock", "price": "24.90", "currency": "EUR"},
        ],
        absent=frozenset({"feed-currency-missing"}),
    ),
    # The header's <currency>EUR</currency> is the stream's currency; stock nee/yes.
    "zanox.xml": Case(
        "zanox",
        2,
        {"id": "offerid", "availability": "stock"},
        [
            {"id": "347318", "price": "65.99", "currency": "EUR", "availability": "out_of_stock"},
            {"id": "347319", "price": "49.99", "currency": "EUR", "availability": "in_stock"},
        ],
        {"currency-from-format": 2},
    ),
    # Kelkoo's numeric availability: 1 in stock, 6 out of stock.
    "kelkoo.xml": Case(
        "kelkoo",
        2,
        {
            "id": "offer-id",
            "link": "product-url",
            "category": "merchant-category",
            "additional_image_link": "image-url-2",
        },
        [
            {"id": "SKU-42", "availability": "in_stock", "additional_image_link": "https://cdn.example.fr/42-2.jpg"},
            {"id": "SKU-43", "availability": "out_of_stock", "additional_image_link": ""},
        ],
    ),
    # idealo: imageUrls separated by ';'; no currency anywhere and none implied: one feed-level error.
    "idealo.csv": Case(
        "idealo",
        2,
        {"id": "sku", "image_link": "imageUrls", "shipping_cost": "deliveryCosts_dhl", "regular_price": "formerPrice"},
        [
            {
                "id": "123456",
                "image_link": "https://myshop.example/s20-1.jpg",
                "additional_image_link": "https://myshop.example/s20-2.jpg",
            },
            {"id": "234412", "image_link": "https://myshop.example/watch3.jpg", "additional_image_link": ""},
        ],
        {"feed-currency-missing": 2},
        frozenset({"price-missing-currency"}),
    ),
    # French NetAffiliation headers, pipe-separated.
    "netaffiliation.csv": Case(
        "netaffiliation",
        2,
        {"id": "reference interne", "price": "prix actuel", "regular_price": "prix barre", "link": "URLproduit"},
        [
            {"id": "DX-1001", "price": "19.90", "regular_price": "29.90", "availability": "in_stock"},
            {"id": "DX-1002", "price": "49.90", "regular_price": "", "availability": "out_of_stock"},
        ],
        {"feed-currency-missing": 2},
    ),
    # English export: `id` is the tracked click URL, product_id the reference.
    "netaffiliation-en.csv": Case(
        "netaffiliation-en",
        2,
        {"id": "product_id", "price": "current_price", "regular_price": "crossed_price", "link": "product_url"},
        [
            {"id": "NC-2001", "price": "13.72", "regular_price": "29.99", "currency": "EUR"},
            {"id": "NC-2002", "price": "24.50", "regular_price": "", "currency": "EUR"},
        ],
    ),
    "tradedoubler.xml": Case(
        "tradedoubler",
        2,
        {"link": "productUrl", "image_link": "imageUrl", "regular_price": "previousPrice", "currency": "currency"},
        [
            {"id": "86612537", "price": "69.95", "regular_price": "79.95", "availability": "in_stock"},
            {"id": "86643710", "price": "39.95", "regular_price": "39.95", "availability": "out_of_stock"},
        ],
    ),
    # ID attribute, price@currency, images/image, and the brand and EAN properties.
    "tradetracker.xml": Case(
        "tradetracker",
        2,
        {"id": "@ID", "image_link": "images/image", "brand": "property brand", "gtin": "property EAN"},
        [
            {
                "id": "55685",
                "price": "529.00",
                "currency": "EUR",
                "brand": "TUI",
                "gtin": "8718264641090",
                "additional_image_link": "https://img.shop.example.nl/55685-2.jpg",
            },
            {"id": "55686", "price": "483.00", "currency": "EUR", "brand": "Sunweb", "gtin": ""},
        ],
        absent=frozenset({"price-missing-currency", "feed-currency-missing", "currency-from-format"}),
    ),
    "affilinet.xml": Case(
        "affilinet",
        2,
        {"id": "@ArticleNumber", "title": "Details/Title", "link": "Deeplinks/Product", "price": "Price/DisplayPrice"},
        [
            {"id": "AF-100", "link": "https://shop.example.de/p/af-100", "price": "499.00", "currency": "EUR"},
            {"id": "AF-101", "link": "https://shop.example.de/p/af-101", "price": "59.00", "currency": "EUR"},
        ],
    ),
    "daisycon.xml": Case(
        "daisycon",
        2,
        {"id": "product_info/sku", "image_link": "product_info/images/image/location"},
        [
            {"id": "KS-100", "price": "12.95", "currency": "EUR"},
            {"id": "KS-150", "price": "15.95", "currency": "EUR"},
        ],
    ),
    # A vendor.model offer gets its title from typePrefix + vendor + model; categoryId 101 and 10 resolve
    # through the header's tree; RUR is Yandex's code for RUB; available true/false.
    "yml.xml": Case(
        "yml",
        2,
        {"id": "@id", "availability": "@available", "category": "categoryId", "mpn": "vendorCode"},
        [
            {
                "id": "9012",
                "title": "Мороженица Brand 3811",
                "category": "Бытовая техника > Мелкая техника для кухни > Мороженицы",
                "price": "8990.00",
                "regular_price": "9900.00",
                "currency": "RUB",
                "availability": "in_stock",
            },
            {
                "id": "12341",
                "title": "Блендер Brand B200",
                "category": "Бытовая техника > Мелкая техника для кухни",
                "currency": "RUB",
                "availability": "out_of_stock",
            },
        ],
    ),
    "zbozi.xml": Case(
        "zbozi",
        2,
        {"id": "ITEM_ID", "price": "PRICE_VAT", "delivery_time": "DELIVERY_DATE"},
        [
            {"id": "62448", "price": "1290.00", "currency": "CZK"},
            {"id": "62449", "price": "1390.00", "currency": "CZK"},
        ],
        {"currency-from-format": 2},
    ),
    # A Heureka.sk shop (its product URLs are on .sk): the prices are in EUR, not CZK.
    "heureka.xml": Case(
        "heureka",
        2,
        {"id": "ITEM_ID", "price": "PRICE_VAT", "additional_image_link": "IMGURL_ALTERNATIVE"},
        [{"id": "AB123", "price": "240.00", "currency": "EUR"}, {"id": "AB124", "price": "59.90", "currency": "EUR"}],
        {"currency-from-format": 2},
    ),
    # Attributes of <o>, images in imgs, the brand, EAN and producer code in <attrs>; PLN.
    "ceneo.xml": Case(
        "ceneo",
        2,
        {"id": "@id", "link": "@url", "price": "@price", "image_link": "imgs/main@url", "brand": "attribute Producent"},
        [
            {"id": "C-1", "price": "129.99", "currency": "PLN", "gtin": "5901234123457", "mpn": "CZ-17"},
            {"id": "C-2", "price": "89.00", "currency": "PLN", "gtin": "5901234123464", "mpn": ""},
        ],
        {"currency-from-format": 2},
    ),
    # instock Y/N is the stock; availability, a delivery promise, is delivery_time; EUR.
    "skroutz.xml": Case(
        "skroutz",
        2,
        {"id": "UniqueID", "price": "price_with_vat", "availability": "instock", "delivery_time": "availability"},
        [
            {"id": "22301", "availability": "in_stock", "delivery_time": "Άμεσα διαθέσιμο", "currency": "EUR"},
            {"id": "22302", "availability": "out_of_stock", "price": "49.90", "currency": "EUR"},
        ],
        {"currency-from-format": 2},
        frozenset({"availability-unknown"}),
    ),
    # No currency in the file and none implied: one feed-level error (the merchant gives DKK).
    "partner-ads.xml": Case(
        "partner-ads",
        2,
        {"id": "produktid", "price": "nypris", "regular_price": "glpris", "link": "vareurl", "image_link": "billedurl"},
        [{"id": "DK-42", "price": "399.00"}, {"id": "DK-43", "price": "1299.00"}],
        {"feed-currency-missing": 2},
    ),
    # Stock 1/2, Used 1/2; G3's Stock 3 is no GoodyPrice code: reported, kept as written.
    "goodyprice.csv": Case(
        "goodyprice",
        3,
        {"availability": "Stock", "condition": "Used"},
        [
            {"id": "G1", "availability": "in_stock", "condition": "new"},
            {"id": "G2", "availability": "out_of_stock", "condition": "used"},
            {"id": "G3", "availability": "3", "condition": "new"},
        ],
        {"availability-unknown": 1},
    ),
    # 6 rows: 3 variants; lines 4 and 6 only add images. ST-M has its own Variant Image; the pareo's
    # only variant has no SKU: its id is the Handle (its option is the default one).
    "shopify.csv": Case(
        "shopify",
        3,
        {"id": "Variant SKU", "image_link": "Image Src", "additional_image_link": "Image Src"},
        [
            {
                "id": "ST-S",
                "title": "Sophie Top",
                "brand": "Bilali",
                "image_link": "https://cdn.shopify.example/sophie-1.jpg",
                "additional_image_link": "https://cdn.shopify.example/sophie-2.jpg,https://cdn.shopify.example/sophie-3.jpg",
            },
            {
                "id": "ST-M",
                "title": "Sophie Top",
                "brand": "Bilali",
                "description": "<p>Sporty top.</p>",
                "image_link": "https://cdn.shopify.example/sophie-m.jpg",
                "additional_image_link": "https://cdn.shopify.example/sophie-1.jpg,https://cdn.shopify.example/"
                "sophie-2.jpg,https://cdn.shopify.example/sophie-3.jpg",
            },
            {
                "id": "evelyn-pareo",
                "title": "Evelyn Pareo",
                "image_link": "https://cdn.shopify.example/evelyn-1.jpg",
                "additional_image_link": "https://cdn.shopify.example/evelyn-2.jpg",
            },
        ],
        {"rows-merged": 2, "id-fallback": 1, "feed-currency-missing": 3},
        frozenset({"empty-mandatory-value"}),
    ),
    # tee-l (line 2) names its parent before the parent (line 3): it inherits nothing; tee-s takes the
    # parent's description, categories and image; tee-m (parent id:44) keeps its own description and image.
    "woocommerce.csv": Case(
        "woocommerce",
        5,
        {"id": "ID", "category": "Categories", "item_group_id": "Parent"},
        [
            {"id": "70", "description": "", "category": "", "image_link": ""},
            {"id": "44", "description": "A soft cotton T-shirt.", "category": "Clothing > Tshirts"},
            {
                "id": "71",
                "description": "A soft cotton T-shirt.",
                "category": "Clothing > Tshirts",
                "image_link": "https://shop.example/img/tee.jpg",
            },
            {
                "id": "72",
                "description": "Medium tee in cotton.",
                "category": "Clothing > Tshirts",
                "image_link": "https://shop.example/img/tee-m.jpg",
            },
            {"id": "46", "category": "Kitchen"},
        ],
        {"variation-parent-missing": 1},
    ),
    # product_type feeds no field; special_price with its window is the price on 2026-06-01 for MB01;
    # MB03's window has no end: reported, and the sale price is still used.
    "magento.csv": Case(
        "magento",
        3,
        {"price": "special_price", "sale_price_effective_date": "special_price_from_date/special_price_to_date"},
        [
            {"id": "MB01", "price": "29.00", "regular_price": "34.00", "category": "Default Category/Gear/Bags"},
            {"id": "MB02", "price": "32.00", "regular_price": ""},
            {"id": "MB03", "price": "30.00", "regular_price": "38.00"},
        ],
        {"date-range-invalid": 1, "feed-currency-missing": 3},
    ),
    # Its only price column is tax-excluded: no price.
    "prestashop.csv": Case(
        "prestashop",
        2,
        {"id": "Reference #", "title": "Name *", "image_link": "Image URLs (x,y,z...)"},
        [{"id": "demo_1", "additional_image_link": "https://shop.example/img/2.jpg"}, {"id": "demo_2"}],
        {"missing-mandatory-field": 2},
    ),
    "google-rss.xml": Case(
        "google-rss",
        2,
        {"id": "id", "price": "sale_price", "regular_price": "price"},
        [{"id": "SKU-42", "price": "34.90", "regular_price": "39.90"}, {"id": "SKU-43", "price": "24.90"}],
    ),
    "meta.csv": Case(
        "meta",
        2,
        {"id": "id", "price": "sale_price", "regular_price": "price"},
        [
            {"id": "M-1", "price": "39.90", "regular_price": ""},
            {"id": "M-2", "price": "19.90", "regular_price": "24.90"},
        ],
    ),
    "google-tsv.tsv": Case(
        "google-tsv",
        2,
        {"id": "id", "gtin": "gtin"},
        [{"id": "G-1", "availability": "in_stock"}, {"id": "G-2", "availability": "out_of_stock"}],
    ),
}


def _converted(path: Path, **options: Any) -> tuple[feedcheck.ConvertResult, list[dict[str, str]]]:
    out = io.BytesIO()
    result = feedcheck.convert(path, csv=out, today=TODAY, **options)
    return result, list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def test_every_dialect_has_a_fixture_and_every_fixture_a_case() -> None:
    fixtures = {p.name for p in FIXTURES.iterdir()}
    assert fixtures == set(CASES)
    assert {case.dialect for case in CASES.values()} == set(dialects())


@pytest.mark.parametrize("name", sorted(CASES))
def test_dialect_is_recognised_and_read_by_its_rules(name: str) -> None:
    case = CASES[name]
    result, rows = _converted(FIXTURES / name)
    report = result.report
    assert report.source.dialect == case.dialect
    assert report.source.dialect_name == dialects()[case.dialect].name
    assert report.items == case.items == len(rows)
    fed = {f.field: f.column for f in report.fields if f.column}
    for field, column in case.fields.items():
        assert fed.get(field) == column, (field, report.mapping_text())
    for row, want in zip(rows, case.rows, strict=True):
        assert {k: row.get(k, "") for k in want} == want
    found = {i.code: i.count for i in report.issues}
    for code, count in case.codes.items():
        assert found.get(code) == count, (code, found)
    assert not case.absent & set(found)


def test_a_dialect_names_each_column_it_decides() -> None:
    report = feedcheck.validate(FIXTURES / "skroutz.xml")
    match = {f.field: f for f in report.fields}
    assert match["availability"].matched_by == "dialect (Skroutz)"
    assert match["delivery_time"].matched_by == "dialect (Skroutz)"
    yml = {f.field: f for f in feedcheck.validate(FIXTURES / "yml.xml").fields}
    assert yml["category"].match is not None
    assert yml["category"].match.steps == ["resolved into its path through the header's <categories>"]
    assert yml["title"].match is not None
    assert yml["title"].match.steps == []  # "name" is the simplified offer's own name, matched by the lexicon


def _lines(finding_rows: pl.DataFrame | None) -> list[int]:
    return [] if finding_rows is None else finding_rows.get_column("line").to_list()


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batches_give_the_whole_feed(name: str, size: int) -> None:
    table = load(FIXTURES / name, ReadOptions())
    recognised = recognise(table, None, currency_named)
    assert recognised is not None
    whole, _, found = apply_dialect(recognised, table.frame, start(recognised), final=True)
    state = start(recognised)
    parts: list[pl.DataFrame] = []
    findings = []
    starts = range(0, table.frame.height, size)
    for index, offset in enumerate(starts):
        batch = table.frame.slice(offset, size)
        out, state, more = apply_dialect(recognised, batch, state, final=index == len(starts) - 1)
        parts.append(out)
        findings += more
    assert pl.concat(parts, how="vertical_relaxed").equals(whole)
    merged = {f.code: (f.count, f.lines, _lines(f.rows)) for f in merge_findings(findings)}
    assert merged == {f.code: (f.count, f.lines, _lines(f.rows)) for f in found}


def test_shopify_product_split_across_batches_keeps_its_images() -> None:
    """The image row of the first product (line 4) is in the second batch of two records: the product
    is written once its next product starts, with every image."""
    table = load(FIXTURES / "shopify.csv", ReadOptions())
    recognised = recognise(table, None, currency_named)
    state = start(recognised)
    first, state, _ = apply_dialect(recognised, table.frame.slice(0, 2), state)
    assert first.height == 0 and state.pending is not None and state.pending.height == 2
    second, state, found = apply_dialect(recognised, table.frame.slice(2, 2), state)
    assert second.get_column("Variant SKU").to_list() == ["ST-S", "ST-M"]
    assert second.get_column("Image Src").to_list()[0].split("\x1f") == [
        "https://cdn.shopify.example/sophie-1.jpg",
        "https://cdn.shopify.example/sophie-2.jpg",
        "https://cdn.shopify.example/sophie-3.jpg",
    ]
    assert [(f.code, f.lines) for f in found] == [("rows-merged", [4])]


def test_a_forced_dialect_wins_and_none_reads_by_names_alone() -> None:
    # GoodyPrice's codes without GoodyPrice's headers: recognised as nothing, read by name.
    feed = (
        b"IdProduct;Title;Link;Photo;Price;Stock\nG1;Pull;https://s.example/g1;https://s.example/g1.jpg;19.90 EUR;2\n"
    )
    assert feedcheck.validate(feed).source.dialect is None
    forced = feedcheck.validate(feed, dialect="GoodyPrice")
    assert forced.source.dialect == "goodyprice"
    _, rows = _converted_bytes(feed, dialect="goodyprice")
    assert rows[0]["availability"] == "out_of_stock"
    plain = feedcheck.validate(FIXTURES / "zbozi.xml", dialect="none")
    assert plain.source.dialect is None
    assert "feed-currency-missing" in {i.code for i in plain.issues}


def _converted_bytes(feed: bytes, **options: Any) -> tuple[feedcheck.ConvertResult, list[dict[str, str]]]:
    out = io.BytesIO()
    result = feedcheck.convert(feed, csv=out, **options)
    return result, list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def test_a_caller_mapping_wins_over_the_dialect() -> None:
    report = feedcheck.validate(FIXTURES / "skroutz.xml", mapping={"availability": "availability"})
    fed = {f.field: f.column for f in report.fields if f.column}
    assert fed["availability"] == "availability"
    assert fed.get("delivery_time") is None  # the column went where the caller said


def test_the_dialects_command_lists_each_with_its_source() -> None:
    result = CliRunner().invoke(main, ["dialects"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for dialect in dialects().values():
        assert f"{dialect.id:<18} {dialect.name}" in lines
    assert sum(line.strip().startswith("source: ") for line in lines) == len(dialects())


def test_a_dialect_forced_on_the_command_line() -> None:
    path = str(FIXTURES / "skroutz.xml")
    result = CliRunner().invoke(main, ["validate", "--dialect", "none", path])
    assert "detected: XML, records <product>" in result.output
    assert "availability-unknown" in result.output  # the delivery promise read as a stock status
    wrong = CliRunner().invoke(main, ["validate", "--dialect", "skrouts", path])
    assert wrong.exit_code == 2
    assert "dialect must be None, 'none' or one of awin, " in wrong.output


def test_every_dialect_has_a_description_a_source_and_a_docs_section() -> None:
    page = (ROOT / "docs" / "dialects.md").read_text(encoding="utf-8")
    for dialect in dialects().values():
        assert dialect.description and dialect.source
        assert f"`{dialect.id}`" in page, dialect.id
