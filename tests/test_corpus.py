"""Acceptance: every third-party feed of ../shared/corpus reads with exact counts and positions.

The expected numbers were counted independently of feedcheck (stdlib ``csv`` with line
bookkeeping, ``lxml.etree.parse`` + XPath, and a regex count of record tags outside comments)
and agree with the corpus MANIFEST.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

import feedcheck
from feedcheck.load import ReadOptions, load
from tests.conftest import corpus_file


class Expect(NamedTuple):
    format: str
    delimiter: str | None  # CSV delimiter, or the XML record element path
    bom: bool
    columns: int | None  # CSV header width
    items: int
    first_lines: tuple[int, ...]
    last_line: int


CSV_LINES = (2, 3, 4, 5, 6)
EXPECTED: dict[str, Expect] = {
    "woocommerce_sample_products.csv": Expect("csv", ",", False, 51, 25, CSV_LINES, 26),
    "woocommerce_sample_products_enhanced_bom.csv": Expect("csv", ",", True, 51, 400, CSV_LINES, 401),
    "woocommerce_real_export_2024_bom.csv": Expect("csv", ",", True, 54, 124, CSV_LINES, 125),
    "woocommerce_export_ptbr_localized_headers.csv": Expect("csv", ",", True, 46, 11, CSV_LINES, 12),
    "prestashop_products_import_semicolon.csv": Expect("csv", ";", False, 67, 7, CSV_LINES, 8),
    "prestashop14_products_import_semicolon_crlf.csv": Expect("csv", ";", False, 39, 2, (2, 3), 3),
    "prestashop14_combinations_import_semicolon.csv": Expect("csv", ";", False, 12, 2, (2, 3), 3),
    "magento2_import_cyrillic_url_keys.csv": Expect("csv", ",", False, 7, 4, (2, 3, 4, 5), 5),
    "epages_beyond_idealo_export.csv": Expect("csv", ",", False, 20, 14, CSV_LINES, 15),
    "epages_beyond_meta_catalog_export.csv": Expect("csv", ",", False, 15, 14, CSV_LINES, 15),
    "facebook_catalog_csv_polish_dagra.csv": Expect("csv", ",", False, 13, 10, CSV_LINES, 11),
    "google_merchant_csv_polish_localized_headers.csv": Expect("csv", ",", False, 10, 10, CSV_LINES, 11),
    "google_merchant_csv_repeated_shipping_columns.csv": Expect("csv", ",", False, 20, 10, CSV_LINES, 11),
    "google_merchant_tsv_gmc_learning_site.tsv": Expect("csv", "\t", False, 18, 22, CSV_LINES, 23),
    "woocommerce_sample_products_wxr.xml": Expect(
        "xml", "rss/channel/item", False, None, 47, (40, 215, 386, 551, 716), 4826
    ),
    "google_rss_magento_magmodules_batterijland_bad.xml": Expect(
        "xml", "rss/channel/item", False, None, 27, (17, 36, 56, 76, 96), 538
    ),
    "google_rss_benchy_good.xml": Expect("xml", "rss/channel/item", False, None, 3, (16, 40, 64), 64),
    "google_rss_shopify_renlykke_dk.xml": Expect("xml", "rss/channel/item", False, None, 2, (7, 17), 17),
    "google_rss_cdata_danish.xml": Expect("xml", "rss/channel/item", False, None, 3, (4, 20, 36), 36),
    "google_rss_cdata_danish_minimal.xml": Expect("xml", "rss/channel/item", False, None, 1, (4,), 4),
    "google_rss_jewellery_empty_gtin.xml": Expect("xml", "rss/channel/item", False, None, 1, (4,), 4),
    "facebook_catalog_rss_g_prefixed_fields.xml": Expect(
        "xml", "rss/channel/item", False, None, 5, (2, 2, 2, 2, 2), 2
    ),
    "flat_products_xml_nameit_bestseller.xml": Expect(
        "xml", "products/product", False, None, 43, (3, 31, 59, 87, 115), 1212
    ),
    "zbozi_cz_sample.xml": Expect("xml", "SHOP/SHOPITEM", False, None, 5, (4, 15, 25, 34, 54), 54),
    "czech_universal_feed_sample.xml": Expect("xml", "SHOP/ITEM", False, None, 7, (4, 40, 53, 83, 120), 205),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_feed_reads_exactly(name: str) -> None:
    path = corpus_file(name)
    want = EXPECTED[name]
    report = feedcheck.validate(path)
    assert report.items == want.items
    assert report.source.format == want.format
    assert report.source.encoding == "utf-8"
    assert report.source.bom is want.bom
    if want.format == "csv":
        assert report.source.delimiter == want.delimiter
        assert len(report.columns) == want.columns
    else:
        assert report.source.item_element == want.delimiter
    table = load(path, ReadOptions())
    lines = table.frame["__line__"].to_list()
    assert tuple(lines[: len(want.first_lines)]) == want.first_lines
    assert lines[-1] == want.last_line


def test_every_corpus_file_is_covered() -> None:
    manifest = corpus_file("MANIFEST.md")
    present = {p.name for p in manifest.parent.iterdir() if p.name != "MANIFEST.md"}
    assert present == set(EXPECTED)
