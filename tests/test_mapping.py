"""Column mapping (issue #11): one fixture per kind of name, value rule and header quirk.

Each fixture in ``fixtures/mapping/`` was written for this test; every expected column, line and
value below is read from the fixture by hand (the comments say where), never from the program.
What is asserted is what a user sees: which column feeds which field, how it was matched, why a
column was left out, and what ``convert`` writes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

import feedcheck
from feedcheck import Report
from feedcheck.cli import main
from feedcheck.limits import SAMPLE_ITEMS
from feedcheck.map.columns import map_columns
from feedcheck.profile import load_profile
from feedcheck.validate import currency_named

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapping"


def fx(name: str) -> Path:
    return FIXTURES / name


def columns(report: Report) -> dict[str, str]:
    return {f.field: f.column for f in report.fields if f.column}


def field(report: Report, name: str) -> feedcheck.FieldReport:
    return next(f for f in report.fields if f.field == name)


def written(source: Path | bytes, **options: object) -> list[dict[str, str]]:
    """The rows of the normalised CSV convert writes."""
    out = io.BytesIO()
    feedcheck.convert(source, csv=out, **options)  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def codes(report: Report) -> set[str]:
    return {i.code for i in report.issues}


# ---- names read into words -------------------------------------------------------------------------------


def test_camelcase_affiliate_names() -> None:
    report = feedcheck.validate(fx("camelcase_affiliate.csv"))
    assert columns(report) == {
        "id": "TDProductId",
        "title": "productName",
        "link": "productUrl",
        "image_link": "imageUrl",
        "price": "price",
        "availability": "inStock",
        "regular_price": "previousPrice",
        "shipping_cost": "shippingCost",
        "delivery_time": "deliveryTime",
    }
    assert field(report, "id").matched_by == "lexicon (Tradedoubler)"
    assert field(report, "shipping_cost").matched_by == "name"  # shippingCost is shipping_cost written in camelCase
    assert report.unmapped_columns == []
    rows = written(fx("camelcase_affiliate.csv"))
    assert [r["availability"] for r in rows] == ["in_stock", "out_of_stock"]  # inStock: yes, no
    assert [r["regular_price"] for r in rows] == ["79.95", ""]


def test_notes_units_and_a_currency_in_the_header() -> None:
    report = feedcheck.validate(fx("notes_units_currency.csv"))
    assert columns(report) == {
        "id": "SKU (required)",
        "title": "Title (max 150)",
        "link": "Link",
        "image_link": "Image link",
        "price": "Price (EUR)",
        "shipping_cost": "shipping(country:price:service)",
    }
    price = field(report, "price")
    assert price.match is not None and price.match.currency == "EUR" and price.match.note == "EUR"
    assert price.match.steps == ["note '(EUR)' set aside"]
    shipping = field(report, "shipping_cost")
    assert shipping.match is not None and shipping.match.note == "country:price:service"
    assert report.unmapped_reasons == {
        "Weight (kg)": "a weight or a dimension is no field of the profile ('weight' in the name)",
        "Prix HT": "a price without VAT is not what the buyer pays",
        "Preis netto": "a price without VAT is not what the buyer pays",
    }
    # 9,90 and 19,90 name no currency: the header's EUR is theirs, so no price lacks a currency.
    assert "price-missing-currency" not in codes(report)
    rows = written(fx("notes_units_currency.csv"))
    assert [(r["price"], r["currency"]) for r in rows] == [("9.90", "EUR"), ("19.90", "EUR")]


def test_the_header_currency_comes_after_the_values_own() -> None:
    feed = (
        b"id,title,link,image_link,Price (EUR)\n"
        b"C-1,Mug,https://s.example/1,https://s.example/1.jpg,12.00\n"
        b"C-2,Cup,https://s.example/2,https://s.example/2.jpg,9.00 USD\n"
    )
    rows = written(feed)
    assert [(r["price"], r["currency"]) for r in rows] == [("12.00", "EUR"), ("9.00", "USD")]
    mapping = map_columns(["id", "Price (EUR)", "Versandkosten in EUR"], load_profile(), currency_of=currency_named)
    assert mapping.currencies == {"price": "EUR", "shipping_cost": "EUR"}
    # A name found as it is comes before one found once its note is set aside.
    mapping = map_columns(["Price (EUR)", "prix_ttc"], load_profile(), currency_of=currency_named)
    assert (mapping.columns["price"], mapping.currencies) == (["prix_ttc", "Price (EUR)"], {})


def test_export_prefixes_and_namespaces() -> None:
    report = feedcheck.validate(fx("export_prefixes.csv"))
    assert columns(report) == {
        "id": "g:id",
        "title": "g:title",
        "link": "Google Shopping / Link",
        "image_link": "Google Shopping / Image Link",
        "price": "g:price",
        "condition": "Google Shopping / Condition",
        "color": "Meta: color",
        "size": "attribute_pa_size",
    }
    link = field(report, "link")
    assert link.match is not None and link.match.steps == ["prefix 'Google Shopping /' removed"]


def test_numbered_siblings() -> None:
    report = feedcheck.validate(fx("numbered_siblings.csv"))
    assert field(report, "image_link").column == "Bild 1"  # 1: the main image
    extra = field(report, "additional_image_link")
    assert (extra.column, extra.fallbacks) == ("Bild 2", ["image-url-3", "alternate_image_four"])  # file order
    assert report.unmapped_reasons == {
        "Kategorie 2": "a numbered column (2) of category: only one column without a number feeds it"
    }
    rows = written(fx("numbered_siblings.csv"))
    img = "https://shop.example.de/img/"
    assert rows[0]["additional_image_link"] == f"{img}n1-2.jpg,{img}n1-3.jpg,{img}n1-4.jpg"
    assert rows[1]["additional_image_link"] == f"{img}n2-3.jpg"  # N2 has no Bild 2 and no fourth image


def test_nested_wrappers_keep_the_full_path_as_the_column() -> None:
    report = feedcheck.validate(fx("nested_wrapper.xml"))
    assert columns(report) == {
        "id": "Details/Code",
        "title": "Details/Title",
        "link": "links/product",
        "image_link": "images/image/location",
        "price": "Price/DisplayPrice",
        "shipping_cost": "shipping/price",
    }
    # Name/value blocks are no product field; the shipping block's country qualifies the shipping
    # cost (the shipping_country companion of issue 13), so it is not listed as unmapped.
    assert report.unmapped_columns == ["PARAMETERS/PARAMETER/NAME", "PARAMETERS/PARAMETER/VALUE"]
    image = field(report, "image_link")
    assert image.match is not None and image.match.steps == ["value of <image>", "inside <images>"]
    rows = written(fx("nested_wrapper.xml"))
    assert [(r["id"], r["title"], r["price"]) for r in rows] == [
        ("K-17", "Kettle 1.7 l", "39.90"),
        ("T-2", "Toaster", "24.90"),
    ]


# ---- languages -------------------------------------------------------------------------------------------


def test_a_swedish_shop_export() -> None:
    report = feedcheck.validate(fx("swedish_shop_export.csv"))
    assert columns(report) == {
        "id": "Artikelnummer",
        "title": "Produktnamn",
        "description": "Beskrivning",
        "link": "Produktlänk",
        "image_link": "Bildlänk",
        "price": "Pris",
        "regular_price": "Ordinarie pris",
        "shipping_cost": "Fraktkostnad",
        "delivery_time": "Leveranstid",
        "brand": "Tillverkare",
        "availability": "Lagerstatus",
        "condition": "Skick",
        "color": "Färg",
        "size": "Storlek",
        "currency": "Valuta",
    }
    assert field(report, "title").matched_by == "lexicon (sv)"
    assert set(report.unmapped_reasons) == {"Inköpspris", "Momssats", "Vikt"}  # purchase price, VAT rate, weight
    rows = written(fx("swedish_shop_export.csv"))
    assert [(r["price"], r["currency"], r["availability"]) for r in rows] == [
        ("499.00", "SEK", "in_stock"),
        ("349.00", "SEK", "out_of_stock"),
    ]


def test_a_czech_shop_export_keeps_the_price_with_vat() -> None:
    report = feedcheck.validate(fx("czech_shop_export.csv"))
    assert field(report, "price").column == "Cena s DPH"
    assert report.unmapped_reasons == {"Cena bez DPH": "a price without VAT is not what the buyer pays"}
    assert columns(report)["id"] == "Kód" and columns(report)["currency"] == "Měna"


def test_a_profile_adds_names_without_copying_the_lexicon(tmp_path: Path) -> None:
    profile = tmp_path / "shop.toml"
    profile.write_text(
        '[profile]\nname = "shop"\n'
        '[fields.id]\ntier = "mandatory"\nkind = "id"\n'
        '[fields.title]\ntier = "mandatory"\nkind = "title"\naliases = ["Benennung"]\n'
        '[fields.price]\ntier = "mandatory"\nkind = "price"\naliases = ["Prix HT"]\n',
        encoding="utf-8",
    )
    feed = b"Artikelnummer;Benennung;Artikelname;Prix HT\nA-1;Becher;Tasse;9,90 EUR\n"
    report = feedcheck.validate(feed, profile=profile)
    assert columns(report) == {"id": "Artikelnummer", "title": "Benennung", "price": "Prix HT"}
    assert [f.matched_by for f in report.fields] == ["lexicon (de, nl, da, sv)", "profile alias", "profile alias"]
    assert field(report, "title").fallbacks == ["Artikelname"]  # the lexicon's name still counts, after the alias


# ---- values confirm or veto a name -----------------------------------------------------------------------


def test_an_id_column_of_urls_loses_to_another_id_column() -> None:
    report = feedcheck.validate(fx("values_id_urls.csv"))
    assert field(report, "id").column == "product_id"
    assert report.unmapped_columns == ["id"]
    assert report.unmapped_reasons == {
        "id": "its values are web addresses (2 of 2 sampled), not product ids; 'product_id' feeds id"
    }
    assert [r["id"] for r in written(fx("values_id_urls.csv"))] == ["V-1", "V-2"]


def test_an_id_column_of_urls_stays_when_nothing_better_exists() -> None:
    feed = (
        b"id,title,link,image_link,price\nhttps://s.example/p/1,Mug,https://s.example/1,https://s.example/1.jpg,9 EUR\n"
    )
    assert field(feedcheck.validate(feed), "id").column == "id"


def test_a_stock_column_of_yes_no_words_is_the_availability() -> None:
    report = feedcheck.validate(fx("values_stock_words.csv"))
    availability = field(report, "availability")
    assert availability.column == "Voorraad" and availability.matched_by == "values"
    assert field(report, "stock_quantity").column is None
    assert "stock-quantity-invalid" not in codes(report) and "availability-unknown" not in codes(report)
    rows = written(fx("values_stock_words.csv"))
    assert [r["availability"] for r in rows] == ["in_stock", "out_of_stock", "in_stock"]  # ja, nee, Y


def test_an_image_list_feeds_image_link_and_additional_images_in_both_outputs(tmp_path: Path) -> None:
    report = feedcheck.validate(fx("values_image_list.csv"))
    assert field(report, "image_link").column == "images"
    extra = field(report, "additional_image_link")
    assert (extra.column, extra.fallbacks, extra.matched_by) == ("images", ["additional_image_link"], "values")
    assert "url-several-in-one" not in codes(report)
    out_csv, out_xml = tmp_path / "out.csv", tmp_path / "out.xml"
    feedcheck.convert(fx("values_image_list.csv"), csv=out_csv, xml=out_xml)
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    img = "https://shop.example.com/img/"
    assert [r["image_link"] for r in rows] == [f"{img}l1-a.jpg", f"{img}l2-a.jpg", f"{img}l3-a.jpg"]
    # L-1: its second image, then the column of additional images; L-3: ", " and " | " separate.
    assert [r["additional_image_link"] for r in rows] == [
        f"{img}l1-b.jpg,{img}l1-c.jpg",
        "",
        f"{img}l3-b.jpg,{img}l3-c.jpg",
    ]
    items = etree.parse(str(out_xml)).getroot()
    assert [[e.text for e in item.iter("additional_image_link")] for item in items] == [
        [f"{img}l1-b.jpg", f"{img}l1-c.jpg"],
        [],
        [f"{img}l3-b.jpg", f"{img}l3-c.jpg"],
    ]
    assert [item.findtext("image_link") for item in items] == [r["image_link"] for r in rows]


def test_an_empty_column_comes_after_a_filled_one() -> None:
    report = feedcheck.validate(fx("values_empty_column.csv"))
    assert (field(report, "brand").column, field(report, "brand").fallbacks) == ("manufacturer", ["brand"])
    assert (field(report, "image_link").column, field(report, "image_link").fallbacks) == ("picture", ["image"])


def test_values_are_judged_on_the_first_sample_only() -> None:
    """The records after the first SAMPLE_ITEMS never change a mapping: the same decision whatever
    the size of the feed or of its batches."""
    head = b"id,product_id,title,link,image_link,price,stock\n"
    plain = b"".join(
        b"P%d,Q%d,Mug,https://s.example/%d,https://s.example/%d.jpg,9 EUR,5\n" % (i, i, i, i)
        for i in range(SAMPLE_ITEMS)
    )
    late = b"https://t.example/c?p=1,Q-late,Mug,https://s.example/x,https://s.example/x.jpg,9 EUR,yes\n" * 300
    report = feedcheck.validate(head + plain + late)
    assert report.items == SAMPLE_ITEMS + 300
    assert field(report, "id").column == "id" and field(report, "stock_quantity").column == "stock"
    words = b"".join(
        b"P%d,Q%d,Mug,https://s.example/%d,https://s.example/%d.jpg,9 EUR,yes\n" % (i, i, i, i)
        for i in range(SAMPLE_ITEMS)
    )
    numbers = b"P,Q,Mug,https://s.example/y,https://s.example/y.jpg,9 EUR,7\n" * 300
    report = feedcheck.validate(head + words + numbers)
    assert field(report, "availability").column == "stock"


# ---- a title line above the header -----------------------------------------------------------------------


def test_a_title_line_above_the_header_is_found_and_reported() -> None:
    report = feedcheck.validate(fx("title_line.csv"))
    # Line 1: the title, line 2: blank, line 3: the header, items on lines 4 and 5 (CRLF line ends).
    assert report.source.header_line == 3
    assert report.source.above_header == ["Export catalogue du 12/11/2026;;;;"]
    assert report.items == 2
    assert report.columns == ["Référence", "Nom du produit", "URL produit", "URL image", "Prix TTC"]
    assert field(report, "price").column == "Prix TTC"
    assert report.valid
    assert (
        "  detected: CSV, delimiter ';', utf-8, header on line 3 (line above it skipped: "
        "'Export catalogue du 12/11/2026;;;;')" in report.to_text(width=200).splitlines()
    )
    issue = [i for i in report.issues if i.code == "empty-recommended-value"]
    assert not issue  # no recommended column: nothing about the title line as a product
    lines = [e.line for i in report.issues for e in i.examples]
    assert all(line in (4, 5) for line in lines if line is not None)
    data = json.loads(report.model_dump_json())
    assert data["source"]["header_line"] == 3


def test_the_header_line_can_be_forced() -> None:
    report = feedcheck.validate(fx("title_line.csv"), header_line=3)
    assert report.source.header_line == 3 and report.items == 2
    forced = feedcheck.validate(fx("title_line.csv"), header_line=1)
    assert forced.source.header_line == 1 and forced.source.above_header == []
    assert forced.columns[0] == "Export catalogue du 12/11/2026"
    assert forced.items == 3  # the real header is now read as a record
    with pytest.raises(feedcheck.UsageError, match="The header line 2 starts no record"):
        feedcheck.validate(fx("title_line.csv"), header_line=2)  # the blank line
    with pytest.raises(feedcheck.UsageError, match="header_line must be a line number of 1 or more"):
        feedcheck.validate(fx("title_line.csv"), header_line=0)
    with pytest.raises(feedcheck.UsageError, match="A header line is only for CSV feeds"):
        feedcheck.validate(fx("nested_wrapper.xml"), header_line=2)


def test_a_normal_header_is_line_1() -> None:
    report = feedcheck.validate(fx("camelcase_affiliate.csv"))
    assert (report.source.header_line, report.source.above_header) == (1, [])
    xml = feedcheck.validate(fx("nested_wrapper.xml"))
    assert xml.source.header_line is None


# ---- the command -----------------------------------------------------------------------------------------


def test_show_mapping_prints_how_each_column_was_matched() -> None:
    result = CliRunner().invoke(main, ["validate", "--show-mapping", str(fx("notes_units_currency.csv"))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line in (
        "  mapping (field <- column: how it was matched):",
        "    id                       <- 'SKU (required)': lexicon (en, WooCommerce) 'sku'; "
        "note '(required)' set aside",
        "    price                    <- 'Price (EUR)': name; note '(EUR)' set aside",
        "    not mapped 'Prix HT': a price without VAT is not what the buyer pays",
    ):
        assert line in lines, result.output


def test_header_line_option() -> None:
    result = CliRunner().invoke(main, ["validate", "--header-line", "3", str(fx("title_line.csv"))])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(main, ["validate", "--header-line", "2", str(fx("title_line.csv"))])
    assert bad.exit_code == 2 and "The header line 2 starts no record" in bad.output


def test_fields_lists_the_lexicon_per_language() -> None:
    result = CliRunner().invoke(main, ["fields", "--language", "de"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Column names (de); the field's own name always counts." in lines
    title = next(line for line in lines if line.strip().startswith("title "))
    assert "Artikelname" in title and "Bezeichnung" in title and "name" not in title.split()[1:]
    every = CliRunner().invoke(main, ["fields", "--language", "all"]).output
    assert "sv: Produktnamn" in every and "Awin: pid" in every
    bad = CliRunner().invoke(main, ["fields", "--language", "dee"])
    assert bad.exit_code == 2 and "Did you mean de?" in bad.output


# ---- several columns for one field -----------------------------------------------------------------------


def test_a_header_written_twice_feeds_one_field_and_disagreements_are_reported() -> None:
    # fixtures/csv_duplicate_shipping_headers.csv: three shipping(country:region:price) columns, one
    # per US state, different on each of the 4 products (lines 2 to 5).
    report = feedcheck.validate(Path(__file__).resolve().parents[1] / "fixtures" / "csv_duplicate_shipping_headers.csv")
    shipping = field(report, "shipping_cost")
    name = "shipping(country:region:price)"
    assert (shipping.column, shipping.fallbacks) == (name, [f"{name} (2)", f"{name} (3)"])
    assert shipping.match is not None and shipping.match.note == "country:region:price"
    found = [i for i in report.issues if i.code == "field-conflicting-columns"]
    assert [(i.field, i.count, [e.line for e in i.examples]) for i in found] == [("shipping_cost", 4, [2, 3, 4, 5])]
    assert found[0].examples[0].value == (
        f"'{name}': US:CA:9.99 USD | '{name} (2)': US:NY:7.99 USD | '{name} (3)': US:TX:8.49 USD"
    )


def test_columns_matched_by_different_names_are_not_compared() -> None:
    feed = (
        b"id,name,Product Name,link,image_link,price\n"
        b"A-1,Kettle,Stainless kettle 1.7 l,https://s.example/1,https://s.example/1.jpg,9 EUR\n"
    )
    report = feedcheck.validate(feed)
    assert (field(report, "title").column, field(report, "title").fallbacks) == ("name", ["Product Name"])
    assert "field-conflicting-columns" not in codes(report)


def test_a_huge_column_name_is_not_read() -> None:
    """Reading a name costs a pass per character (0.2 s for 100,000): a name longer than any field
    name (untrusted input) is left unmapped without being read, even one that would match."""
    long_note = "Preis (" + "x" * 300 + ")"  # read, it would be Preis, the price
    mapping = map_columns(["id", long_note], load_profile())
    assert mapping.unmapped == [long_note] and "price" not in mapping.columns
    shorter = "Preis (" + "x" * 200 + ")"
    assert map_columns([shorter], load_profile()).columns == {"price": [shorter]}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Prix (HT)", "a price without VAT is not what the buyer pays"),  # the lexicon's "Prix HT", once folded
        ("Preis (ohne MwSt.)", "a price without VAT is not what the buyer pays ('ohne' in the name)"),
        ("Image width", "a weight or a dimension is no field of the profile ('width' in the name)"),
        (
            "Affiliate URL",
            "a tracked click link is built by the network, it is not the merchant's product page "
            "('affiliate' in the name)",
        ),
        ("Gewicht", "a weight or a dimension is no field of the profile ('gewicht' in the name)"),
        ("Excluded destination", None),  # a Google attribute no field stands for: unmapped, nothing to explain
    ],
)
def test_a_negative_word_vetoes_what_the_rest_of_the_name_says(name: str, reason: str | None) -> None:
    mapping = map_columns([name], load_profile())
    assert mapping.unmapped == [name]
    assert mapping.reasons.get(name) == reason


def test_a_title_line_after_a_byte_order_mark() -> None:
    feed = (
        "\ufeffCatalogue export 2026\n"
        "id;title;link;image_link;price\n"
        "A-1;Mug;https://s.example/1;https://s.example/1.jpg;9 EUR\n"
    )
    report = feedcheck.validate(feed.encode("utf-8"))
    assert (report.source.bom, report.source.header_line, report.source.above_header) == (
        True,
        2,
        ["Catalogue export 2026"],
    )
    assert report.items == 1 and report.valid
