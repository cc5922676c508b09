"""One fixture per real-world feed quirk, with the exact behaviour a user expects on each.

Every expected number below comes from the fixture itself (its lines are counted by hand in the
comments), never from what the code happens to print. Presence assertions name the fields they
care about, so the profile can grow without breaking these tests; structural assertions pin the
full set of structural codes raised.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck import Issue, Report
from feedcheck.cli import main
from feedcheck.read.load import LINE, ReadOptions, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEP = "\x1f"  # how the XML reader joins the values of a repeated child (read_xml.MULTI_SEP)

STRUCTURAL = {
    "csv-empty-header",
    "csv-duplicate-header",
    "csv-ragged-row",
    "csv-trailing-delimiter",
    "csv-unbalanced-quotes",
    "csv-blank-line",
    "encoding-invalid-bytes",
    "encoding-not-utf8",
    "xml-not-well-formed",
}


# ---- helpers ---------------------------------------------------------------------------------------------


def fx(name: str) -> Path:
    return FIXTURES / name


def check(name: str, **kwargs: object) -> Report:
    return feedcheck.validate(fx(name), **kwargs)  # type: ignore[arg-type]


def structural(report: Report) -> set[str]:
    return {i.code for i in report.issues if i.code in STRUCTURAL}


def issue(report: Report, code: str, field: str | None = None) -> Issue:
    found = [i for i in report.issues if i.code == code and (field is None or i.field == field)]
    assert len(found) == 1, f"expected one {code} issue for {field}, got {[i.model_dump() for i in found]}"
    return found[0]


def no_issue(report: Report, code: str, field: str | None = None) -> None:
    found = [i for i in report.issues if i.code == code and (field is None or i.field == field)]
    assert not found, [i.model_dump() for i in found]


def where(found: Issue) -> list[tuple[int | None, int | None, str | None]]:
    """(item, line, id) of each example."""
    return [(e.item, e.line, e.id) for e in found.examples]


def column(report: Report, field: str) -> str | None:
    return next(f.column for f in report.fields if f.field == field)


def filled(report: Report, field: str) -> int:
    return next(f.filled for f in report.fields if f.field == field)


def values(source: Path | bytes, name: str, **options: object) -> list[str | None]:
    """The values of one source column, as read (before mapping)."""
    table = load(source, ReadOptions(**options))  # type: ignore[arg-type]
    return table.frame.get_column(name).to_list()


def record_lines(source: Path | bytes) -> list[int]:
    return load(source, ReadOptions()).frame.get_column(LINE).to_list()


# ---- 1. CSV ',' with quoted multi-value cells, category paths, '.5' decimals -----------------------------

QUOTED_MULTI = "csv_comma_quoted_multivalue_cells.csv"


def test_comma_csv_quoted_multivalue_cells() -> None:
    report = check(QUOTED_MULTI)
    assert report.source.format == "csv"
    assert report.source.delimiter == ","
    assert report.source.encoding == "utf-8"
    assert report.source.bom is False
    assert report.items == 4  # lines 2-5
    assert structural(report) == set()
    assert column(report, "color") == "color"
    assert column(report, "additional_image_link") == "additional_image_link"
    assert column(report, "category") == "product_type"
    assert "shipping_weight" in report.unmapped_columns
    # TS-3 (item 3, line 4) has no additional images
    assert where(issue(report, "empty-useful-value", "additional_image_link")) == [(3, 4, "TS-3")]
    assert issue(report, "empty-useful-value", "additional_image_link").count == 1


def test_comma_csv_quoted_cells_stay_whole() -> None:
    assert values(fx(QUOTED_MULTI), "color") == ["Blue, Green, Red", "Black, White", "Grey", "Navy, Red"]
    assert values(fx(QUOTED_MULTI), "additional_image_link")[0] == (
        "https://shop.example.com/img/ts-1b.jpg,https://shop.example.com/img/ts-1c.jpg"
    )
    assert values(fx(QUOTED_MULTI), "product_type")[2] == "Clothing > Tshirts > Long sleeve"
    assert values(fx(QUOTED_MULTI), "price")[1] == ".99 USD"
    assert values(fx(QUOTED_MULTI), "shipping_weight") == [".5 kg", ".25 kg", ".5 kg", ".75 kg"]
    assert record_lines(fx(QUOTED_MULTI)) == [2, 3, 4, 5]


# ---- 2. UTF-8 BOM, CRLF, every id twice ------------------------------------------------------------------

BOM_CRLF = "csv_utf8_bom_crlf_duplicate_ids.csv"


def test_bom_crlf_duplicate_ids() -> None:
    report = check(BOM_CRLF)
    assert report.source.encoding == "utf-8"
    assert report.source.bom is True
    assert report.source.delimiter == ","
    assert report.items == 6
    assert report.columns[0] == "id"  # the BOM is not part of the first header name
    assert column(report, "id") == "id"
    assert column(report, "price") == "price"
    assert structural(report) == set()  # CRLF is no blank line, no ragged row
    assert filled(report, "id") == 6
    # all six products share their id with another one
    dup = issue(report, "id-duplicate", "id")
    assert dup.count == 6
    assert dup.severity == "error"
    assert where(dup) == [(1, 2, "A-1"), (2, 3, "A-1"), (3, 4, "B-2"), (4, 5, "B-2"), (5, 6, "C-3")]
    assert report.valid is False


def test_bom_crlf_values_and_lines() -> None:
    assert record_lines(fx(BOM_CRLF)) == [2, 3, 4, 5, 6, 7]
    assert values(fx(BOM_CRLF), "id") == ["A-1", "A-1", "B-2", "B-2", "C-3", "C-3"]
    assert values(fx(BOM_CRLF), "price")[-1] == "8.90 EUR"  # no '\r' left on the last cell
    assert values(fx(BOM_CRLF), "title")[0] == "Café filter"


# ---- 3. WooCommerce export: empty SKU on some rows, 'Meta: _foo' columns ---------------------------------

WOO = "csv_woocommerce_empty_sku_meta_columns.csv"


def test_woocommerce_empty_sku_and_meta_columns() -> None:
    report = check(WOO)
    assert report.items == 6
    assert report.source.delimiter == ","
    assert structural(report) == set()
    assert column(report, "id") == "SKU"
    assert column(report, "title") == "Name"
    assert column(report, "image_link") == "Images"
    # rows with an empty SKU: line 3 (item 2) and line 6 (item 5)
    empty_id = issue(report, "empty-mandatory-value", "id")
    assert empty_id.count == 2
    assert empty_id.severity == "error"
    assert where(empty_id) == [(2, 3, None), (5, 6, None)]
    for meta in ("Meta: _wpcom_is_markdown", "Meta: _yoast_wpseo_focuskw", "Published"):
        assert meta in report.unmapped_columns
    assert issue(report, "missing-mandatory-field", "link").count == 6  # a Woo export has no permalink column
    assert report.valid is False


def test_woocommerce_sale_price_is_the_price() -> None:
    report = check(WOO)
    assert column(report, "price") == "Sale price"
    assert filled(report, "price") == 6  # the regular price fills in where no sale price
    no_issue(report, "empty-mandatory-value", "price")


# ---- 4. pt_BR headers and JSON cells with doubled quotes -------------------------------------------------

PTBR = "csv_ptbr_headers_json_cells.csv"


def test_ptbr_headers_map() -> None:
    report = check(PTBR)
    assert report.items == 4
    assert report.source.delimiter == ","
    assert structural(report) == set()
    assert column(report, "title") == "Nome"
    assert column(report, "image_link") == "Imagens"
    assert column(report, "description") == "Descrição"
    assert column(report, "category") == "Categorias"
    assert column(report, "price") == "Preço promocional"  # the sale price, "Preço" behind it
    assert filled(report, "price") == 4
    assert "Metadados: _atributos" in report.unmapped_columns
    # BON-01 (id 103, item 3, line 4) has no description at all
    assert where(issue(report, "empty-recommended-value", "description")) == [(3, 4, "103")]


def test_ptbr_json_cells_unescaped() -> None:
    assert values(fx(PTBR), "Metadados: _atributos") == [
        '{"cor":"azul","tamanho":"M"}',
        '{"cor":"branco"}',
        None,
        '{"pacote":3}',
    ]
    assert values(fx(PTBR), "Preço") == ["49,90", "59,90", "29,00", "12,90"]


# ---- 5. WordPress WXR: wp:postmeta key/value pairs, PHP-serialized CDATA ---------------------------------

WXR = "xml_wordpress_wxr_postmeta.xml"


def test_wxr_items_counted() -> None:
    report = check(WXR)
    assert report.source.format == "xml"
    assert report.source.item_element == "rss/channel/item"
    assert report.source.encoding == "utf-8"
    assert report.items == 2  # channel <title>/<link> and the postmeta blocks are not records
    assert structural(report) == set()
    assert column(report, "title") == "title"
    assert column(report, "link") == "link"
    assert "postmeta/meta_key" in report.columns
    assert "postmeta/meta_value" in report.columns
    assert "postmeta" not in report.columns
    assert record_lines(fx(WXR)) == [4, 8]


def test_wxr_postmeta_multi_valued() -> None:
    table = load(fx(WXR), ReadOptions())
    assert {"postmeta/meta_key", "postmeta/meta_value"} <= table.multi
    keys = table.frame.get_column("postmeta/meta_key").to_list()
    assert keys == [SEP.join(["_sku", "_price", "_product_attributes"]), SEP.join(["_sku", "_price"])]
    meta = table.frame.get_column("postmeta/meta_value").to_list()[0].split(SEP)
    assert meta == ["MUG-1", "9.90", 'a:1:{s:5:"color";a:2:{s:4:"name";s:5:"Color";s:5:"value";s:4:"Blue";}}']
    assert table.frame.get_column("encoded").to_list() == ["<p>Ceramic mug</p>", "<p>Stoneware plate</p>"]


# ---- 6. ';' CSV, commas in unquoted cells, HTML, header and rows ending with ';' -------------------------

SEMI_TRAIL = "csv_semicolon_unquoted_commas_html_trailing_semicolons.csv"


def test_semicolon_trailing_header_is_one_empty_header_not_ragged_rows() -> None:
    report = check(SEMI_TRAIL)
    assert report.source.delimiter == ";"
    assert report.items == 4
    assert structural(report) == {"csv-empty-header"}
    empty = issue(report, "csv-empty-header")
    assert empty.count == 1
    assert [e.line for e in empty.examples] == [1]
    assert len(report.columns) == 8
    assert report.columns[:7] == ["id", "title", "description", "keywords", "price", "link", "image_link"]
    assert report.columns[7] in report.unmapped_columns
    assert column(report, "description") == "description"


def test_semicolon_unquoted_commas_and_html_kept() -> None:
    assert values(fx(SEMI_TRAIL), "keywords")[0] == "apple, ipod, nano"
    assert values(fx(SEMI_TRAIL), "description")[1] == "<ul><li>Clip</li><li>2 GB</li></ul>"
    assert values(fx(SEMI_TRAIL), "description")[3] == "<p>Mini, <i>colourful</i></p>"
    assert values(fx(SEMI_TRAIL), "image_link")[0] == "https://shop.example.com/img/ip-1.jpg"


# ---- 7. ';' CSV, CRLF, no final newline, trailing ';' on rows, one real extra cell -----------------------

TRAILING = "csv_semicolon_crlf_trailing_delimiter_and_ragged_row.csv"


def test_trailing_delimiter_and_ragged_row() -> None:
    report = check(TRAILING)
    assert report.source.delimiter == ";"
    assert report.items == 5  # lines 2-6; line 6 has no final newline
    assert structural(report) == {"csv-trailing-delimiter", "csv-ragged-row"}
    trailing = issue(report, "csv-trailing-delimiter")
    assert trailing.count == 4
    assert where(trailing) == [(1, 2, "L-1"), (2, 3, "L-2"), (4, 5, "L-4"), (5, 6, "L-5")]
    ragged = issue(report, "csv-ragged-row")
    assert ragged.count == 1
    assert where(ragged) == [(3, 4, "L-3")]
    assert report.valid is False


def test_trailing_delimiter_values_clean() -> None:
    images = values(fx(TRAILING), "image_link")
    assert images == [f"https://shop.example.com/img/l-{n}.jpg" for n in range(1, 6)]
    assert record_lines(fx(TRAILING)) == [2, 3, 4, 5, 6]


# ---- 8. ';' CSV with quoted "Color:Blue, Disk Space:16GO" cells ------------------------------------------

ATTR_LISTS = "csv_semicolon_quoted_attribute_lists.csv"


def test_semicolon_quoted_attribute_lists() -> None:
    report = check(ATTR_LISTS)
    assert report.source.delimiter == ";"
    assert report.items == 4
    assert structural(report) == set()
    assert "attributes" in report.unmapped_columns
    assert values(fx(ATTR_LISTS), "attributes") == [
        "Color:Blue, Disk Space:16GO",
        "Color:Black, Disk Space:32GO",
        "Color:White; Disk Space:64GO",  # a ';' inside quotes is no delimiter
        "Color:Red, Disk Space:128GO",
    ]
    assert values(fx(ATTR_LISTS), "price")[2] == "299,00 EUR"


# ---- 9. Cyrillic names, no final newline -----------------------------------------------------------------

CYRILLIC = "csv_cyrillic_no_final_newline.csv"


def test_cyrillic_last_record_without_newline() -> None:
    report = check(CYRILLIC)
    assert report.source.encoding == "utf-8"
    assert report.source.delimiter == ","
    assert report.items == 4
    assert structural(report) == set()
    # RU-3 is the 4th record, on line 5, the last line, and its image_link is the empty last cell
    empty = issue(report, "empty-mandatory-value", "image_link")
    assert empty.count == 1
    assert where(empty) == [(4, 5, "RU-3")]
    assert values(fx(CYRILLIC), "title")[3] == "Пылесос беспроводной"
    assert values(fx(CYRILLIC), "brand") == ["Поларис", "Поларис", "Витязь", "Витязь"]


# ---- 10. idealo: '10.00 €/kg' base prices, German delivery text ------------------------------------------

IDEALO = "csv_idealo_baseprice_german_delivery.csv"


def test_idealo_csv() -> None:
    report = check(IDEALO)
    assert report.source.delimiter == ";"
    assert report.items == 4
    assert structural(report) == set()
    assert column(report, "id") == "sku"
    assert column(report, "link") == "url"
    assert column(report, "image_link") == "imageUrls"
    assert column(report, "price") == "price"  # never basePrice
    assert column(report, "gtin") == "eans"
    assert column(report, "delivery_time") == "deliveryTime"
    # DE-102 (item 3, line 4) has no EAN
    assert where(issue(report, "empty-recommended-value", "gtin")) == [(3, 4, "DE-102")]
    assert values(fx(IDEALO), "basePrice") == ["10.00 €/l", "14.99 €/kg", "15.00 €/kg", "12.98 €/kg"]
    assert values(fx(IDEALO), "deliveryTime")[3] == "Lieferzeit: 3-5 Werktage"


# ---- 11. Meta catalog: '14.3 EUR', 'DE::Standardversand:5 EUR' -------------------------------------------

META = "csv_meta_catalog_price_currency_shipping.csv"


def test_meta_catalog_csv() -> None:
    report = check(META)
    assert report.source.delimiter == ","
    assert report.items == 4
    assert structural(report) == set()
    assert column(report, "price") == "sale_price"  # Google/Meta rule: a filled sale_price is the price
    assert filled(report, "price") == 4
    assert column(report, "shipping_cost") == "shipping"
    assert column(report, "availability") == "availability"
    # FB-3 (item 3, line 4) has no brand
    assert where(issue(report, "empty-recommended-value", "brand")) == [(3, 4, "FB-3")]
    assert values(fx(META), "shipping")[0] == "DE::Standardversand:5 EUR"
    assert values(fx(META), "price")[0] == "14.3 EUR"


# ---- 12. Google CSV with Polish localized headers --------------------------------------------------------

POLISH = "csv_google_polish_headers.csv"


def test_polish_headers_map() -> None:
    report = check(POLISH)
    assert report.items == 4
    assert structural(report) == set()
    assert column(report, "id") == "identyfikator"
    assert column(report, "title") == "tytuł"
    assert column(report, "price") == "cena"
    assert column(report, "availability") == "dostępność"
    assert column(report, "image_link") == "link do zdjęcia"
    assert column(report, "brand") == "marka"
    assert column(report, "description") == "opis"
    # PL-2 (item 2, line 3) has no gtin
    assert where(issue(report, "empty-recommended-value", "gtin")) == [(2, 3, "PL-2")]


# ---- 13. the same header three times ---------------------------------------------------------------------

DUP_HEADERS = "csv_duplicate_shipping_headers.csv"


def test_duplicate_headers_renamed() -> None:
    report = check(DUP_HEADERS)
    assert report.items == 4
    assert structural(report) == {"csv-duplicate-header"}
    dup = issue(report, "csv-duplicate-header")
    assert dup.count == 2  # the 2nd and 3rd occurrences
    assert [e.line for e in dup.examples] == [1]
    name = "shipping(country:region:price)"
    assert report.columns[5:] == [name, f"{name} (2)", f"{name} (3)"]
    assert column(report, "shipping_cost") == name


def test_duplicate_headers_keep_every_value() -> None:
    name = "shipping(country:region:price)"
    assert values(fx(DUP_HEADERS), name)[0] == "US:CA:9.99 USD"
    assert values(fx(DUP_HEADERS), f"{name} (2)")[0] == "US:NY:7.99 USD"
    assert values(fx(DUP_HEADERS), f"{name} (3)")[3] == "US:TX:4.49 USD"


# ---- 14. tab-separated Google feed with em-dashes --------------------------------------------------------

TSV = "tsv_google_feed_em_dash_titles.tsv"


def test_tab_separated_feed() -> None:
    report = check(TSV)
    assert report.source.format == "csv"
    assert report.source.delimiter == "\t"
    assert report.items == 4
    assert structural(report) == set()
    assert len(report.columns) == 9
    assert column(report, "gtin") == "gtin"
    # RS-2 (item 2, line 3) has no gtin
    assert where(issue(report, "empty-recommended-value", "gtin")) == [(2, 3, "RS-2")]
    assert values(fx(TSV), "title")[0] == "Trail shoe — men’s"
    assert values(fx(TSV), "description")[2] == "Merino, wool, blend, soft"
    assert values(fx(TSV), "gtin")[0] == "0012345678905"  # leading zeros kept: strings, never numbers


# ---- 15. Google RSS: bogus encoding attribute on <rss>, <config> block before <channel> ------------------

GOOGLE_RSS = "xml_google_rss_bogus_encoding_attr_config_block.xml"


def test_google_rss_config_block_is_no_record() -> None:
    report = check(GOOGLE_RSS)
    assert report.source.format == "xml"
    assert report.source.item_element == "rss/channel/item"
    assert report.source.encoding == "utf-8"
    assert report.items == 3  # lines 5, 6, 7
    assert structural(report) == set()
    for name in ("feed_id", "language", "generated", "config"):
        assert not any(c.endswith(name) for c in report.columns), name
    assert column(report, "id") == "id"
    assert column(report, "additional_image_link") == "additional_image_link"
    # G-3 (item 3, line 7) has an empty <g:image_link></g:image_link>
    empty = issue(report, "empty-mandatory-value", "image_link")
    assert empty.count == 1
    assert where(empty) == [(3, 7, "G-3")]
    assert report.valid is False


def test_google_rss_repeated_additional_images() -> None:
    table = load(fx(GOOGLE_RSS), ReadOptions())
    assert "additional_image_link" in table.multi
    assert table.frame.get_column("additional_image_link").to_list()[0].split(SEP) == [
        "https://sklep.example.pl/img/g-1b.jpg",
        "https://sklep.example.pl/img/g-1c.jpg",
        "https://sklep.example.pl/img/g-1d.jpg",
    ]
    assert record_lines(fx(GOOGLE_RSS)) == [5, 6, 7]


# ---- 16. RSS values padded with whitespace and newlines, 14-digit GTIN -----------------------------------

PADDED = "xml_rss_whitespace_padded_values_gtin14.xml"


def test_padded_values_trimmed() -> None:
    report = check(PADDED)
    assert report.source.item_element == "rss/channel/item"
    assert report.items == 2  # items start on lines 3 and 7
    assert structural(report) == set()
    # SKU-2's brand is only a newline and spaces: empty once trimmed; its id shows trimmed
    empty = issue(report, "empty-recommended-value", "brand")
    assert empty.count == 1
    assert where(empty) == [(2, 7, "SKU-2")]
    assert values(fx(PADDED), "id") == ["SKU-1", "SKU-2"]
    assert values(fx(PADDED), "title") == ["Kettle", "Toaster"]
    assert values(fx(PADDED), "link")[0] == "https://shop.example.com/p/1"
    assert values(fx(PADDED), "price")[0] == "25.00 EUR"
    assert values(fx(PADDED), "gtin") == ["00012345678905", "00012345678912"]


# ---- 17. RSS with no encoding in the declaration and &amp; -----------------------------------------------

NO_ENCODING = "xml_rss_no_encoding_declaration_amp_entity.xml"


def test_no_encoding_declaration_and_amp() -> None:
    report = check(NO_ENCODING)
    assert report.source.format == "xml"
    assert report.source.encoding == "utf-8"  # the XML default when the declaration names none
    assert report.source.item_element == "rss/channel/item"
    assert report.items == 2
    assert structural(report) == set()
    assert column(report, "title") == "title"
    assert column(report, "link") == "link"
    assert values(fx(NO_ENCODING), "title") == ["Salt & Pepper Mill", "Oil & Vinegar Set"]
    assert values(fx(NO_ENCODING), "link")[0] == "https://shop.example.com/p/k-1?a=1&b=2"
    assert values(fx(NO_ENCODING), "brand") == ["Crème & Co", "Crème & Co"]
    assert record_lines(fx(NO_ENCODING)) == [3, 4]


# ---- 18. RSS: all CDATA, one g:id shared by all items, nested g:shipping/g:price, '50DKK' -----------------

CDATA_SHIP = "xml_rss_cdata_shared_id_nested_shipping_price.xml"


def test_nested_shipping_price_is_not_price() -> None:
    report = check(CDATA_SHIP)
    assert report.source.item_element == "rss/channel/item"
    assert report.items == 3
    assert structural(report) == set()
    assert column(report, "price") == "price"
    assert "shipping/price" in report.columns
    assert all(
        f.column != "shipping/price" and "shipping/price" not in f.fallbacks
        for f in report.fields
        if f.field == "price"
    )
    # item 3 (line 5) has only a shipping price: its own price is empty
    empty = issue(report, "empty-mandatory-value", "price")
    assert empty.count == 1
    assert where(empty) == [(3, 5, "100")]
    dup = issue(report, "id-duplicate", "id")
    assert dup.count == 3
    assert where(dup) == [(1, 3, "100"), (2, 4, "100"), (3, 5, "100")]
    assert report.valid is False


def test_cdata_values() -> None:
    assert values(fx(CDATA_SHIP), "id") == ["100", "100", "100"]
    assert values(fx(CDATA_SHIP), "price") == ["50DKK", "250DKK", None]
    assert values(fx(CDATA_SHIP), "shipping/price") == ["39DKK", "39DKK", "0DKK"]
    assert values(fx(CDATA_SHIP), "title")[2] == "Lysestage"


# ---- 19. RSS: empty <g:gtin></g:gtin>, g:product_type x3, non-namespaced custom tags ---------------------

EMPTY_GTIN = "xml_rss_empty_gtin_repeated_product_type_custom_tags.xml"


def test_empty_gtin_and_repeated_product_type() -> None:
    report = check(EMPTY_GTIN)
    assert report.items == 3  # lines 3, 5, 7
    assert structural(report) == set()
    assert column(report, "gtin") == "gtin"
    assert column(report, "category") == "product_type"
    empty = issue(report, "empty-recommended-value", "gtin")
    assert empty.count == 1
    assert where(empty) == [(2, 5, "T-2")]
    assert {"badge", "internal_ref"} <= set(report.unmapped_columns)
    table = load(fx(EMPTY_GTIN), ReadOptions())
    assert "product_type" in table.multi
    assert table.frame.get_column("product_type").to_list()[0].split(SEP) == [
        "Outdoor",
        "Outdoor > Camping",
        "Outdoor > Camping > Tents",
    ]
    assert table.frame.get_column("badge").to_list() == ["eco", None, "new"]


# ---- 20. RSS on one line after the declaration, no final newline -----------------------------------------

ONE_LINE = "xml_rss_single_line_no_final_newline.xml"


def test_single_line_rss() -> None:
    report = check(ONE_LINE)
    assert report.source.item_element == "rss/channel/item"
    assert report.items == 3  # the channel <title> is no record
    assert structural(report) == set()
    # S-2 has no <g:image_link>; every record is on line 2
    empty = issue(report, "empty-mandatory-value", "image_link")
    assert empty.count == 1
    assert where(empty) == [(2, 2, "S-2")]
    assert record_lines(fx(ONE_LINE)) == [2, 2, 2]


# ---- 21. <products><product>, single-quoted declaration, repeated additional_image_link ------------------

SINGLE_QUOTED = "xml_products_single_quoted_declaration_repeated_images.xml"


def test_single_quoted_declaration() -> None:
    report = check(SINGLE_QUOTED)
    assert report.source.format == "xml"
    assert report.source.encoding == "iso-8859-1"  # read from encoding='ISO-8859-1'
    assert report.source.item_element == "products/product"
    assert report.items == 3  # lines 3, 4, 5
    assert structural(report) == set()
    assert column(report, "additional_image_link") == "additional_image_link"
    assert where(issue(report, "empty-useful-value", "additional_image_link")) == [(3, 5, "P-3")]
    table = load(fx(SINGLE_QUOTED), ReadOptions())
    assert "additional_image_link" in table.multi
    assert table.frame.get_column("title").to_list() == ["Café crème cup", "Théière", "Soucoupe"]
    assert table.frame.get_column("additional_image_link").to_list()[1] == "https://shop.example.fr/img/2b.jpg"


# ---- 22. zbozi.cz: default namespace, one SHOPITEM commented out -----------------------------------------

ZBOZI = "xml_zbozi_default_namespace_commented_shopitem.xml"


def test_default_namespace_and_commented_record() -> None:
    report = check(ZBOZI)
    assert report.source.item_element == "SHOP/SHOPITEM"
    assert report.items == 2  # the SHOPITEM inside <!-- --> is no record
    assert structural(report) == set()
    assert column(report, "id") == "ITEM_ID"
    assert column(report, "title") == "PRODUCTNAME"
    assert column(report, "link") == "URL"
    assert column(report, "image_link") == "IMGURL"
    assert column(report, "price") == "PRICE_VAT"
    assert values(fx(ZBOZI), "ITEM_ID") == ["Z-1", "Z-2"]
    assert record_lines(fx(ZBOZI)) == [3, 5]


# ---- 23. <SHOP><ITEM> with PARAMETERS/PARAMETER/NAME|VALUE -----------------------------------------------

NESTED_PARAMS = "xml_shop_item_nested_parameters.xml"


def test_nested_parameters() -> None:
    report = check(NESTED_PARAMS)
    assert report.source.item_element == "SHOP/ITEM"
    assert report.items == 3  # lines 3, 5, 7
    assert structural(report) == set()
    assert column(report, "title") == "NAME"  # the item's own NAME, never PARAMETERS/PARAMETER/NAME
    assert column(report, "id") == "ID"
    assert column(report, "price") == "PRICE"
    # N-3 (item 3, line 7) has no NAME of its own, only parameter names
    empty = issue(report, "empty-mandatory-value", "title")
    assert empty.count == 1
    assert where(empty) == [(3, 7, "N-3")]
    table = load(fx(NESTED_PARAMS), ReadOptions())
    assert {"PARAMETERS/PARAMETER/NAME", "PARAMETERS/PARAMETER/VALUE"} <= table.multi
    assert table.frame.get_column("PARAMETERS/PARAMETER/NAME").to_list() == [
        f"Color{SEP}Size",
        "Material",
        f"Color{SEP}Size",
    ]
    assert table.frame.get_column("PARAMETERS/PARAMETER/VALUE").to_list()[0] == f"Red{SEP}L"


# ---- 24. Atom <feed><entry> with g: fields ---------------------------------------------------------------

ATOM = "xml_atom_feed_entries.xml"


def test_atom_entries() -> None:
    report = check(ATOM)
    assert report.source.format == "xml"
    assert report.source.item_element == "feed/entry"
    assert report.items == 3  # lines 4, 5, 6; feed-level <title>/<link> are no record
    assert structural(report) == set()
    assert column(report, "id") == "id"
    assert column(report, "title") == "title"
    assert column(report, "price") == "price"
    assert column(report, "description") == "summary"
    assert where(issue(report, "empty-recommended-value", "description")) == [(3, 6, "AT-3")]
    assert values(fx(ATOM), "link@href")[0] == "https://shop.example.com/p/at-1"


def test_atom_link_href_is_the_link() -> None:
    report = check(ATOM)
    no_issue(report, "empty-mandatory-value", "link")
    assert filled(report, "link") == 3


# ---- 25. Ceneo: data in attributes of <o> ----------------------------------------------------------------

CENEO = "xml_ceneo_offers_attribute_data.xml"


def test_ceneo_attributes() -> None:
    report = check(CENEO)
    assert report.source.item_element == "offers/group/o"
    assert report.items == 3  # lines 4, 5, 6
    assert structural(report) == set()
    assert column(report, "id") == "@id"
    assert column(report, "price") == "@price"
    assert column(report, "link") == "@url"
    assert column(report, "title") == "name"
    # C-3 (item 3, line 6) has no price attribute
    empty = issue(report, "empty-mandatory-value", "price")
    assert empty.count == 1
    assert where(empty) == [(3, 6, "C-3")]
    assert values(fx(CENEO), "@price") == ["19.99", "49.00", None]
    assert values(fx(CENEO), "imgs/main@url")[0] == "https://sklep.example.pl/img/c-1.jpg"
    assert values(fx(CENEO), "attrs/a@name")[0] == f"Producent{SEP}EAN"


# ---- 26. a single <product> with nested, repeated <shipping> blocks --------------------------------------

SINGLE_PRODUCT = "xml_single_product_nested_shipping.xml"


def test_single_product_record() -> None:
    report = check(SINGLE_PRODUCT)
    assert report.source.item_element == "products/product"
    assert report.items == 1
    assert structural(report) == set()
    assert column(report, "price") == "price"
    assert "shipping/price" in report.columns
    assert values(fx(SINGLE_PRODUCT), "price") == ["349.00 EUR"]
    assert values(fx(SINGLE_PRODUCT), "shipping/country") == [f"FR{SEP}BE"]
    assert record_lines(fx(SINGLE_PRODUCT)) == [3]


def test_single_product_repeated_shipping_prices_are_readable() -> None:
    report = check(SINGLE_PRODUCT)
    no_issue(report, "price-unparseable", "shipping_cost")
    assert not any("\x1f" in (e.value or "") for i in report.issues for e in i.examples)


# ---- 27. Heureka: several <PARAM> per SHOPITEM -----------------------------------------------------------

HEUREKA = "xml_heureka_shopitem_param_blocks.xml"


def test_heureka_params_are_fields() -> None:
    report = check(HEUREKA)
    assert report.source.item_element == "SHOP/SHOPITEM"
    assert report.items == 2  # lines 3 and 6, not one record per PARAM
    assert structural(report) == set()
    assert column(report, "gtin") == "EAN"
    assert column(report, "price") == "PRICE_VAT"
    # H-2 (item 2, line 6) has no EAN
    assert where(issue(report, "empty-recommended-value", "gtin")) == [(2, 6, "H-2")]
    table = load(fx(HEUREKA), ReadOptions())
    assert {"PARAM/PARAM_NAME", "PARAM/VAL"} <= table.multi
    assert table.frame.get_column("PARAM/VAL").to_list() == [f"modrá{SEP}XL{SEP}bavlna", f"černá{SEP}M"]


# ---- 28. cp1252 CSV with French accents (and French typographic no-break spaces) -------------------------

CP1252 = "csv_cp1252_french_accents.csv"


def test_cp1252_values_decoded() -> None:
    report = check(CP1252)
    assert report.source.delimiter == ";"
    assert report.source.bom is False
    assert report.items == 4
    assert column(report, "id") == "Référence"
    assert column(report, "title") == "Désignation"
    assert column(report, "price") == "Prix TTC"
    assert column(report, "category") == "Catégorie"
    titles = values(fx(CP1252), "Désignation")
    assert [titles[0], titles[1], titles[3]] == ["Théière en fonte", "Crêpière électrique", "Pot à café"]
    assert values(fx(CP1252), "Prix TTC")[0] == "39,90 €"


def test_cp1252_detected() -> None:
    report = check(CP1252)
    assert report.source.encoding == "windows-1252"
    assert structural(report) == {"encoding-not-utf8"}
    found = issue(report, "encoding-not-utf8")
    assert found.count == 1
    assert found.severity == "info"
    assert values(fx(CP1252), "Désignation")[2] == "Sucrier «\u00a0Été\u00a0»"


# ---- 29. UTF-8 CSV with one stray 0xE9 byte on line 4 ----------------------------------------------------

STRAY = "csv_utf8_stray_invalid_byte.csv"


def test_stray_invalid_byte() -> None:
    report = check(STRAY)
    assert report.source.encoding == "utf-8"
    assert report.items == 4
    assert structural(report) == {"encoding-invalid-bytes"}
    bad = issue(report, "encoding-invalid-bytes")
    assert bad.count == 1
    assert bad.severity == "warning"
    assert where(bad) == [(3, 4, "E-3")]
    titles = values(fx(STRAY), "title")
    assert titles == ["Crème hydratante", "Sérum visage", "Gelée douche", "Savon à l’huile d’olive"]


# ---- 30. gzip and zip copies of a small CSV --------------------------------------------------------------

PLAIN = "csv_small_feed_for_compression.csv"


def _zip(data: bytes, member: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return buf.getvalue()


def _same_as_plain(report: Report) -> None:
    assert report.source.format == "csv"
    assert report.source.delimiter == ","
    assert report.items == 4
    assert structural(report) == set()
    assert report.columns == ["id", "title", "link", "image_link", "price"]
    # Z-3 (item 3, line 4) has no image
    assert where(issue(report, "empty-mandatory-value", "image_link")) == [(3, 4, "Z-3")]


def test_plain_copy() -> None:
    report = check(PLAIN)
    _same_as_plain(report)
    assert report.source.compression is None
    assert report.source.member is None


def test_gzip_copy(tmp_path: Path) -> None:
    packed = gzip.compress(fx(PLAIN).read_bytes())
    for source in (packed, io.BytesIO(packed)):
        report = feedcheck.validate(source)
        _same_as_plain(report)
        assert report.source.compression == "gzip"
        assert report.source.member is None
    path = tmp_path / "feed.csv.gz"
    path.write_bytes(packed)
    report = feedcheck.validate(path)
    _same_as_plain(report)
    assert report.source.compression == "gzip"


def test_zip_copy(tmp_path: Path) -> None:
    packed = _zip(fx(PLAIN).read_bytes(), "export/feed.csv")
    report = feedcheck.validate(packed)
    _same_as_plain(report)
    assert report.source.compression == "zip"
    assert report.source.member == "export/feed.csv"
    path = tmp_path / "feed.zip"
    path.write_bytes(packed)
    report = feedcheck.validate(path)
    _same_as_plain(report)
    assert report.source.member == "export/feed.csv"


# ---- 31. an unclosed quote on line 3 ---------------------------------------------------------------------

UNCLOSED = "csv_unclosed_quote.csv"


def test_unclosed_quote() -> None:
    report = check(UNCLOSED)
    assert report.source.delimiter == ","
    unbalanced = issue(report, "csv-unbalanced-quotes")
    assert unbalanced.severity == "error"
    assert [e.line for e in unbalanced.examples] == [3]
    assert where(unbalanced) == [(2, 3, "Q-2")]
    # The open quote swallows the rest of the file into Q-2's title: records Q-1 and Q-2 remain,
    # and that merged record (2 fields of 5) is also reported as ragged on the same line.
    assert report.items == 2
    assert structural(report) == {"csv-unbalanced-quotes", "csv-ragged-row"}
    assert where(issue(report, "csv-ragged-row")) == [(2, 3, "Q-2")]
    assert report.valid is False


# ---- 32. a blank line between records --------------------------------------------------------------------

BLANK = "csv_blank_line_between_records.csv"


def test_blank_line_between_records() -> None:
    report = check(BLANK)
    assert report.items == 4  # lines 2, 3, 5, 6; line 4 is blank
    assert structural(report) == {"csv-blank-line"}
    blank = issue(report, "csv-blank-line")
    assert blank.count == 1
    assert blank.severity == "info"
    assert [(e.item, e.line) for e in blank.examples] == [(None, 4)]
    # numbering skips the blank line, line numbers stay physical
    assert where(issue(report, "empty-mandatory-value", "image_link")) == [(3, 5, "B-3")]
    assert where(issue(report, "empty-mandatory-value", "title")) == [(4, 6, "B-4")]
    assert record_lines(fx(BLANK)) == [2, 3, 5, 6]


# ---- 33. a quoted cell over 3 physical lines -------------------------------------------------------------

MULTILINE = "csv_multiline_quoted_cell.csv"


def test_multiline_quoted_cell() -> None:
    report = check(MULTILINE)
    assert report.items == 3
    assert structural(report) == set()
    assert column(report, "description") == "description"
    # M-1 covers lines 2-4, so M-2 starts on line 5
    assert where(issue(report, "empty-mandatory-value", "image_link")) == [(2, 5, "M-2")]
    assert record_lines(fx(MULTILINE)) == [2, 5, 6]
    descriptions = values(fx(MULTILINE), "description")
    assert descriptions[0] == "Adjustable arm.\nLED bulb included.\nWarm white light."
    assert descriptions[2] == 'Ergonomic, with "mesh" back'


# ---- the command on every quirk fixture ----------------------------------------------------------------
# Exit 1 where the tests above pin an error (structural or presence); elsewhere the exit code must agree
# with report.valid (value checks decide it and are still being written).

HAS_ERRORS = {
    BOM_CRLF,  # duplicate ids
    WOO,  # empty SKUs, no link column
    PTBR,  # no link column
    WXR,  # no id / image / price column
    TRAILING,  # ragged row
    CYRILLIC,  # empty image_link
    GOOGLE_RSS,  # empty image_link
    CDATA_SHIP,  # empty price
    ONE_LINE,  # missing image_link
    NESTED_PARAMS,  # empty title
    CENEO,  # empty price
    PLAIN,  # empty image_link
    UNCLOSED,  # unbalanced quotes
    BLANK,  # empty title, empty image_link
    MULTILINE,  # empty image_link
}
ALL_QUIRKS = sorted(
    {
        QUOTED_MULTI,
        BOM_CRLF,
        WOO,
        PTBR,
        WXR,
        SEMI_TRAIL,
        TRAILING,
        ATTR_LISTS,
        CYRILLIC,
        IDEALO,
        META,
        POLISH,
        DUP_HEADERS,
        TSV,
        GOOGLE_RSS,
        PADDED,
        NO_ENCODING,
        CDATA_SHIP,
        EMPTY_GTIN,
        ONE_LINE,
        SINGLE_QUOTED,
        ZBOZI,
        NESTED_PARAMS,
        ATOM,
        CENEO,
        SINGLE_PRODUCT,
        HEUREKA,
        CP1252,
        STRAY,
        PLAIN,
        UNCLOSED,
        BLANK,
        MULTILINE,
    }
)


def test_every_quirk_fixture_exists() -> None:
    assert len(ALL_QUIRKS) == 33
    assert set(ALL_QUIRKS) <= {p.name for p in FIXTURES.iterdir()}


@pytest.mark.parametrize("name", ALL_QUIRKS)
def test_cli_exit_code(name: str) -> None:
    result = CliRunner().invoke(main, ["validate", str(fx(name)), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report = Report.model_validate_json(result.output)
    assert result.exit_code == (0 if report.valid else 1)
    if name in HAS_ERRORS:
        assert result.exit_code == 1
        assert report.valid is False
