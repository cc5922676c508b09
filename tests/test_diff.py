"""feedcheck diff: two versions of a feed, what was added, removed and changed, which issues are new.

The feeds are written here from lists of products, so every expected line below follows from the
changes made to the list (worked out by hand), never from a previous run.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

import feedcheck
from feedcheck.checks.identity import id_key
from feedcheck.cli import main
from feedcheck.report.diff import diff_json_schema

ROOT = Path(__file__).resolve().parents[1]
DIFF = sys.modules["feedcheck.diff"]  # the module (feedcheck.diff is the function)

AVAILABILITY_FR = {"in_stock": "en stock", "out_of_stock": "rupture", "backorder": "sur commande"}


def ean13(i: int) -> str:
    body = f"3{i:011d}"
    total = sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def product(i: int, **changes: Any) -> dict[str, Any]:
    """Product i: price 10 + i euros, in stock, a valid EAN-13."""
    p = {
        "id": f"SKU-{i}",
        "title": f"Bouilloire inox n°{i}",
        "link": f"https://shop.example.fr/p/{i}",
        "image_link": f"https://cdn.example.fr/img/{i}.jpg",
        "price": f"{10 + i}.00",
        "availability": "in_stock",
        "brand": "Cuisinox",
        "gtin": ean13(i),
        "condition": "new",
    }
    p.update(changes)
    return p


def english_csv(products: list[dict[str, Any]]) -> bytes:
    """Comma, English names, prices like ``12.00 EUR``: how a Google-minded export writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "title", "link", "image_link", "price", "availability", "brand", "gtin", "condition"])
    for p in products:
        price = f"{p['price']} EUR"
        writer.writerow(
            [
                p["id"],
                p["title"],
                p["link"],
                p["image_link"],
                price,
                p["availability"],
                p["brand"],
                p["gtin"],
                p["condition"],
            ]
        )
    return out.getvalue().encode("utf-8")


def french_csv(products: list[dict[str, Any]]) -> bytes:
    """Semicolon, French names, prices like ``12,00 €``, French stock words: an Excel export."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(
        [
            "Référence",
            "Nom du produit",
            "URL produit",
            "URL image",
            "Prix TTC",
            "Disponibilité",
            "Marque",
            "EAN",
            "État",
        ]
    )
    for p in products:
        availability = AVAILABILITY_FR.get(p["availability"], p["availability"])
        condition = {"new": "neuf"}.get(p["condition"], p["condition"])
        price = p["price"].replace(".", ",") + " €"
        writer.writerow(
            [p["id"], p["title"], p["link"], p["image_link"], price, availability, p["brand"], p["gtin"], condition]
        )
    return out.getvalue().encode("utf-8")


def google_rss(products: list[dict[str, Any]]) -> bytes:
    """Google Merchant Center RSS 2.0 with the g: namespace."""
    items = "".join(
        "<item>"
        f"<g:id>{escape(p['id'])}</g:id><title>{escape(p['title'])}</title><link>{escape(p['link'])}</link>"
        f"<g:image_link>{escape(p['image_link'])}</g:image_link><g:price>{p['price']} EUR</g:price>"
        f"<g:availability>{p['availability']}</g:availability><g:brand>{escape(p['brand'])}</g:brand>"
        f"<g:gtin>{p['gtin']}</g:gtin><g:condition>{p['condition']}</g:condition>"
        "</item>\n"
        for p in products
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'
        f"<channel>\n<title>Boutique</title>\n<link>https://shop.example.fr</link>\n{items}</channel>\n</rss>\n"
    ).encode()


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# --------------------------------------------------------------------- a pair with known changes

OLD = [product(i) for i in range(1, 13)]  # SKU-1 ... SKU-12, prices 11.00 ... 22.00
BAD_GTIN = ean13(6)[:-1] + str((int(ean13(6)[-1]) + 1) % 10)
NEW = [
    product(1),
    product(2, price="15.00"),  # up from 12.00: +25.0 %
    product(4, availability="out_of_stock"),
    product(5, price="12.00"),  # down from 15.00: -20.0 %
    product(6, gtin=BAD_GTIN),  # a new error: gtin-bad-check-digit
    product(7, price="18.70"),  # up from 17.00: +10.0 %
    product(8),
    product(10),
    product(11),
    product(12),
    product(13),
    product(14),
]  # SKU-3 and SKU-9 removed, SKU-13 and SKU-14 added
EXPECTED_CHANGES = [
    # (id, field, old, new, percent, old line, new line): lines count the header as line 1
    ("SKU-2", "price", "12.00", "15.00", 25.0, 3, 3),
    ("SKU-4", "availability", "in_stock", "out_of_stock", None, 5, 4),
    ("SKU-5", "price", "15.00", "12.00", -20.0, 6, 5),
    ("SKU-6", "gtin", ean13(6), BAD_GTIN, None, 7, 6),
    ("SKU-7", "price", "17.00", "18.70", 10.0, 8, 7),
]


@pytest.fixture
def known_pair(tmp_path: Path) -> tuple[str, str]:
    """Yesterday an English comma CSV, today a French semicolon CSV: the same products but for the changes."""
    return write(tmp_path / "yesterday.csv", english_csv(OLD)), write(tmp_path / "today.csv", french_csv(NEW))


def test_the_known_changes_and_nothing_else(known_pair: tuple[str, str]) -> None:
    result = feedcheck.diff(*known_pair)
    assert result.has_changes
    assert result.added == ["SKU-13", "SKU-14"]
    assert result.removed == ["SKU-3", "SKU-9"]
    assert [(c.id, c.field, c.old, c.new, c.percent, c.old_line, c.new_line) for c in result.changed] == (
        EXPECTED_CHANGES
    )
    s = result.summary
    assert (s.old_products, s.new_products, s.added, s.removed, s.changed, s.unchanged, s.changes) == (
        12,
        12,
        2,
        2,
        5,
        5,  # SKU-1, 8, 10, 11, 12
        5,
    )
    assert s.changes_by_field == {"price": 3, "availability": 1, "gtin": 1}  # profile order
    assert (s.prices_up, s.prices_down) == (2, 1)
    assert [(m.id, m.percent, m.currency) for m in s.biggest_up] == [("SKU-2", 25.0, "EUR"), ("SKU-7", 10.0, "EUR")]
    assert [(m.id, m.percent) for m in s.biggest_down] == [("SKU-5", -20.0)]
    # 12 of 12 GTINs were usable, 11 of 12 are: the one the check digit refuses.
    assert [(f.field, f.old_filled, f.old_items, f.new_filled, f.new_items) for f in s.fill_dropped] == [
        ("gtin", 12, 12, 11, 12)
    ]
    assert [(i.code, i.field, i.old_count, i.new_count) for i in result.issues.new] == [
        ("gtin-bad-check-digit", "gtin", 0, 1)
    ]
    assert [(e.line, e.id, e.value) for e in result.issues.new[0].examples] == [(6, "SKU-6", BAD_GTIN)]
    assert result.issues.resolved == [] and result.issues.changed == []
    assert result.old.source.format == result.new.source.format == "csv"
    assert (result.old.source.delimiter, result.new.source.delimiter) == (",", ";")


def test_the_text_view_reads_in_ten_seconds(known_pair: tuple[str, str]) -> None:
    old, new = known_pair
    result = CliRunner().invoke(main, ["diff", old, new])
    assert result.exit_code == 1
    assert result.output == (
        f"{old} → {new}: CHANGED — 12 → 12 products\n"
        "  old: 12 items, CSV (Google text feed), delimiter ',', utf-8\n"
        "  new: 12 items, CSV, delimiter ';', utf-8\n"
        "  added 2, removed 2, changed 5, unchanged 5\n"
        "  changes: price 3, availability 1, gtin 1\n"
        "  prices: 2 up, 1 down; biggest rise SKU-2 12.00 → 15.00 EUR (+25.0%); "
        "biggest fall SKU-5 15.00 → 12.00 EUR (-20.0%)\n"
        "  fill rate dropped: gtin 100% → 92%\n"
        "  issues: 1 new, 0 resolved, 0 with a new count\n"
        "    new       ERROR gtin-bad-check-digit: 1 gtin value(s) fail the GS1 check digit\n"
        f"                    line 6 id SKU-6 '{BAD_GTIN}'\n"
        "  added (2): SKU-13, SKU-14\n"
        "  removed (2): SKU-3, SKU-9\n"
        "  changed (5 change(s) in 5 product(s)):\n"
        "    SKU-2  price         12.00 → 15.00 (+25.0%)\n"
        "    SKU-4  availability  in_stock → out_of_stock\n"
        "    SKU-5  price         15.00 → 12.00 (-20.0%)\n"
        f"    SKU-6  gtin          {ean13(6)} → {BAD_GTIN}\n"
        "    SKU-7  price         17.00 → 18.70 (+10.0%)\n"
    )


def test_the_json_view_is_the_model(known_pair: tuple[str, str]) -> None:
    result = CliRunner().invoke(main, ["diff", *known_pair, "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert next(iter(data)) == "summary"
    assert data["added"] == ["SKU-13", "SKU-14"]
    assert data["removed"] == ["SKU-3", "SKU-9"]
    keys = ("id", "field", "old", "new", "percent", "old_line", "new_line")
    assert [tuple(c[k] for k in keys) for c in data["changed"]] == EXPECTED_CHANGES
    assert [(i["code"], i["old_count"], i["new_count"]) for i in data["issues"]["new"]] == [
        ("gtin-bad-check-digit", 0, 1)
    ]
    assert data["issues"]["resolved"] == data["issues"]["changed"] == []
    assert data["summary"]["has_changes"] is True
    assert feedcheck.FeedDiff.model_validate_json(result.output) == feedcheck.diff(*known_pair)


def cells(row: Any) -> tuple[str, ...]:
    return tuple(" ".join(td.text_content().split()) for td in row.xpath("./td"))


def test_the_html_view_shows_the_same_and_is_self_contained(known_pair: tuple[str, str]) -> None:
    result = CliRunner().invoke(main, ["diff", *known_pair, "--format", "html"])
    assert result.exit_code == 1
    page = result.output
    doc = html.fromstring(page)
    assert doc.xpath("//h1/span/text()") == ["CHANGED"]
    assert doc.xpath("//section[@id='added']//li/text()") == ["SKU-13", "SKU-14"]
    assert doc.xpath("//section[@id='removed']//li/text()") == ["SKU-3", "SKU-9"]
    rows = [cells(tr) for tr in doc.xpath("//section[@id='changed']//tbody/tr")]
    assert rows == [
        ("SKU-2", "price", "12.00", "15.00", "+25.0%", "3"),
        ("SKU-4", "availability", "in_stock", "out_of_stock", "", "4"),
        ("SKU-5", "price", "15.00", "12.00", "-20.0%", "5"),
        ("SKU-6", "gtin", ean13(6), BAD_GTIN, "", "6"),
        ("SKU-7", "price", "17.00", "18.70", "+10.0%", "7"),
    ]
    assert [cells(tr) for tr in doc.xpath("//table[@id='price-moves']/tbody/tr")] == [
        ("SKU-2", "12.00", "15.00", "EUR", "+25.0%"),
        ("SKU-7", "17.00", "18.70", "EUR", "+10.0%"),
        ("SKU-5", "15.00", "12.00", "EUR", "-20.0%"),
    ]
    assert [cells(tr) for tr in doc.xpath("//table[@id='fill-dropped']/tbody/tr")] == [
        ("gtin", "strongly recommended", "100% (12)", "92% (11)")
    ]
    issues = [cells(tr)[:5] for tr in doc.xpath("//section[@id='issues']//tbody/tr")]
    assert issues == [("new", "error", "gtin-bad-check-digit", "0", "1")]
    counts = {li.get("id"): li.xpath("./b/text()")[0] for li in doc.xpath("//ul[@class='counts']/li")}
    assert counts == {
        "count-old": "12",
        "count-new": "12",
        "count-added": "2",
        "count-removed": "2",
        "count-changed": "5",
        "count-unchanged": "5",
    }
    # Nothing fetched from elsewhere: no script, no linked style sheet, image or font.
    lowered = page.lower()
    for outside in ("<script", "<link", "src=", "url(", "@import", "@font-face"):
        assert outside not in lowered


def test_merchant_values_are_escaped_in_html(tmp_path: Path) -> None:
    old = [product(1)]
    new = [product(1, title='<script>alert("x")</script> & <b>bold</b>')]
    result = feedcheck.diff(write(tmp_path / "a.csv", english_csv(old)), write(tmp_path / "b.csv", english_csv(new)))
    page = result.to_html()
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    [row] = html.fromstring(page).xpath("//section[@id='changed']//tbody/tr")
    assert cells(row)[3] == '<script>alert("x")</script> & <b>bold</b>'


# --------------------------------------------------------------------- nothing changed


def test_a_csv_and_an_xml_of_the_same_products_diff_to_nothing(tmp_path: Path) -> None:
    products = [*OLD, product(20, availability="backorder", title="Théière « Fleur » 1 L")]
    csv_file = write(tmp_path / "monday.csv", french_csv(products))
    xml_file = write(tmp_path / "tuesday.xml", google_rss(products))
    result = feedcheck.diff(csv_file, xml_file)
    assert (result.old.source.format, result.new.source.format) == ("csv", "xml")
    assert not result.has_changes
    assert result.added == result.removed == result.changed == []
    assert result.issues.new == result.issues.resolved == result.issues.changed == []
    assert (result.summary.unchanged, result.summary.changes, result.summary.fill_dropped) == (13, 0, [])
    proc = subprocess.run(
        [sys.executable, "-m", "feedcheck.cli", "diff", csv_file, xml_file], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == f"{csv_file} → {xml_file}: NO CHANGE — 13 → 13 products"
    assert proc.stdout.splitlines()[3] == "  added 0, removed 0, changed 0, unchanged 13"


# A shuffled copy keeps every product; ids unique after id_key, titles without the characters
# that could make the delimiter sniffer read the two orders differently.
titles = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÉéèàç0123456789 -"), min_size=1, max_size=20)
catalogue = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10_000),
        titles,
        st.integers(min_value=1, max_value=999_999),
        st.sampled_from(["in_stock", "out_of_stock", "backorder", "preorder"]),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda t: t[0],
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(catalogue, st.randoms(use_true_random=False))
def test_a_feed_diffed_with_itself_or_a_reordered_copy_has_no_change(
    rows: list[tuple[int, str, int, str]], rng: random.Random
) -> None:
    products = [
        product(i, title=title.strip() or "x", price=f"{cents // 100}.{cents % 100:02d}", availability=stock)
        for i, title, cents, stock in rows
    ]
    shuffled = products[:]
    rng.shuffle(shuffled)
    data = english_csv(products)
    for other in (data, english_csv(shuffled)):
        result = feedcheck.diff(data, other)
        assert not result.has_changes, result.to_text()
        assert (result.summary.added, result.summary.removed, result.summary.changes) == (0, 0, 0)
        assert result.summary.unchanged == len(products)


# --------------------------------------------------------------------- ids


def test_ids_are_matched_without_case_and_outer_or_repeated_blanks(tmp_path: Path) -> None:
    old = [product(1), product(2, id="SKU 2")]
    new = [product(1, id="sku-1 "), product(2, id="sku  2")]
    result = feedcheck.diff(write(tmp_path / "a.csv", english_csv(old)), write(tmp_path / "b.csv", english_csv(new)))
    assert result.added == result.removed == []
    assert result.summary.unchanged == 0
    # The same product, but publishers that key on the exact id see a new spelling: said, not hidden.
    assert [(c.id, c.field, c.old, c.new) for c in result.changed] == [
        ("sku-1", "id", "SKU-1", "sku-1"),
        ("sku  2", "id", "SKU 2", "sku  2"),
    ]


def test_id_key() -> None:
    import polars as pl

    ids = pl.Series(["SKU-1", " sku-1 ", "Sku-1", "SKU\t 1", "sku 1", None, "ÉTÉ-2"])
    assert pl.select(id_key(pl.lit(ids))).to_series().to_list() == [
        "sku-1",
        "sku-1",
        "sku-1",
        "sku 1",
        "sku 1",
        None,
        "été-2",
    ]


def test_duplicate_ids_are_reported_and_the_first_is_compared(tmp_path: Path) -> None:
    old = [product(1), product(2), product(1, price="99.00"), product(3, id="")]
    new = [product(1), product(2), product(2, id="sku-2", price="50.00")]
    result = feedcheck.diff(write(tmp_path / "a.csv", english_csv(old)), write(tmp_path / "b.csv", english_csv(new)))
    # Old: line 4 repeats SKU-1 of line 2 (its 99.00 is not compared); line 5 has no id.
    assert result.old.duplicates.count == 1
    assert [(r.item, r.line, r.id, r.kept_line) for r in result.old.duplicates.examples] == [(3, 4, "SKU-1", 2)]
    assert result.old.without_id.count == 1
    assert [(r.item, r.line, r.id) for r in result.old.without_id.examples] == [(4, 5, None)]
    assert (result.old.items, result.old.compared) == (4, 2)
    # New: sku-2 is SKU-2 again (id_key), set aside; SKU-2 of line 3 is compared.
    assert [(r.line, r.id, r.kept_line) for r in result.new.duplicates.examples] == [(4, "sku-2", 3)]
    assert (result.new.items, result.new.compared) == (3, 2)
    assert result.changed == [] and result.added == result.removed == []
    # id-duplicate stays: the ids are compared as Google compares them (issue 13), so SKU-2 and
    # sku-2 are two records with one id in the new version as SKU-1 twice was in the old one.
    assert [(i.code, i.old_count, i.new_count) for i in result.issues.resolved] == [("empty-mandatory-value", 1, 0)]
    assert result.has_changes
    text = result.to_text().splitlines()
    assert (
        "  old: 1 record(s) repeat an earlier record's id and were not compared (the first of each id was): "
        "line 4 id SKU-1 (first on line 2)"
    ) in text
    assert "  old: 1 record(s) have no id and were not compared: line(s) 5" in text
    assert (
        "  new: 1 record(s) repeat an earlier record's id and were not compared (the first of each id was): "
        "line 4 id sku-2 (first on line 3)"
    ) in text


def test_feeds_without_ids_or_products_compare_without_failing() -> None:
    header = b"id,title,link,image_link,price\n"
    no_id = b"title,link,image_link,price\nA,https://x.fr/a,https://x.fr/a.jpg,10 EUR\n"
    one = b"id,title,link,image_link,price\nP-1,A,https://x.fr/a,https://x.fr/a.jpg,10 EUR\n"
    assert not feedcheck.diff(header, header).has_changes
    same = feedcheck.diff(no_id, no_id)
    assert not same.has_changes  # nothing can be matched, and that is said
    assert (same.old.without_id.count, same.new.without_id.count, same.summary.unchanged) == (1, 1, 0)
    assert "  old: 1 record(s) have no id and were not compared: line(s) 2" in same.to_text().splitlines()
    gained = feedcheck.diff(no_id, one)
    assert (gained.added, gained.old.compared) == (["P-1"], 0)
    assert [(i.code, i.field) for i in gained.issues.resolved] == [("missing-mandatory-field", "id")]
    filled = feedcheck.diff(header, one)
    assert filled.added == ["P-1"]
    assert [i.code for i in filled.issues.resolved] == ["feed-empty"]


# --------------------------------------------------------------------- prices, fields, limits


def test_a_price_in_another_currency_gets_no_percentage(tmp_path: Path) -> None:
    old = english_csv([product(1), product(2)])
    new = old.replace(b"12.00 EUR", b"14.00 CHF")
    result = feedcheck.diff(old, new)
    assert [(c.id, c.field, c.old, c.new, c.percent) for c in result.changed] == [
        ("SKU-2", "price", "12.00", "14.00", None),
        ("SKU-2", "currency", "EUR", "CHF", None),
    ]
    assert (result.summary.prices_up, result.summary.prices_down, result.summary.biggest_up) == (0, 0, [])


def test_an_unreadable_price_is_a_change_without_percentage(tmp_path: Path) -> None:
    old = english_csv([product(1)])
    new = old.replace(b"11.00 EUR", b"11.0O EUR")
    result = feedcheck.diff(old, new)
    # convert writes an unreadable price as written, with no currency: both are changes.
    assert [(c.field, c.old, c.new, c.percent) for c in result.changed] == [
        ("price", "11.00", "11.0O EUR", None),
        ("currency", "EUR", None, None),
    ]
    assert [(i.code, i.new_count) for i in result.issues.new] == [("price-unparseable", 1)]


def test_a_column_gone_is_a_change_per_product_and_a_new_missing_field(tmp_path: Path) -> None:
    old = english_csv([product(1), product(2)])
    lines = [line.rsplit(",", 2)[0] + "," + line.rsplit(",", 1)[1] for line in old.decode().splitlines()]
    new = ("\n".join(lines) + "\n").encode()  # the gtin column removed
    result = feedcheck.diff(old, new)
    assert [(c.id, c.field, c.new) for c in result.changed] == [("SKU-1", "gtin", None), ("SKU-2", "gtin", None)]
    assert [(i.code, i.field) for i in result.issues.new] == [("missing-recommended-field", "gtin")]
    assert [(f.field, f.new_filled) for f in result.summary.fill_dropped] == [("gtin", 0)]


def test_limit_caps_the_lists_not_the_counts_and_changes_csv_has_all(tmp_path: Path) -> None:
    old = [product(i) for i in range(1, 8)]
    new = [product(i, price=f"{20 + i}.00") for i in range(1, 6)] + [product(8), product(9), product(10)]
    out = tmp_path / "changes.csv"
    result = feedcheck.diff(english_csv(old), english_csv(new), limit=2, changes=out)
    assert (result.summary.added, result.summary.removed, result.summary.changes) == (3, 2, 5)
    assert result.added == ["SKU-8", "SKU-9"]
    assert result.removed == ["SKU-6", "SKU-7"]
    assert [c.id for c in result.changed] == ["SKU-1", "SKU-2"]
    assert result.limit == 2
    assert "    +3 more (--format json lists up to 2; --changes FILE.csv writes all)" in result.to_text()
    assert out.read_text(encoding="utf-8").splitlines() == [
        "id,field,old,new,percent,old_line,new_line",
        "SKU-1,price,11.00,21.00,90.91,2,2",
        "SKU-2,price,12.00,22.00,83.33,3,3",
        "SKU-3,price,13.00,23.00,76.92,4,4",
        "SKU-4,price,14.00,24.00,71.43,5,5",
        "SKU-5,price,15.00,25.00,66.67,6,6",
    ]
    everything = feedcheck.diff(english_csv(old), english_csv(new), limit=None)
    assert len(everything.changed) == 5 and len(everything.added) == 3
    with pytest.raises(feedcheck.UsageError, match="limit must be 1 or more"):
        feedcheck.diff(english_csv(old), english_csv(new), limit=0)


def test_changes_csv_cells_never_run_as_formulas(tmp_path: Path) -> None:
    old = english_csv([product(1)])
    new = english_csv([product(1, title='=HYPERLINK("http://evil.example")')])
    out = tmp_path / "changes.csv"
    feedcheck.diff(old, new, changes=out)
    assert out.read_text(encoding="utf-8").splitlines()[1] == (
        'SKU-1,title,Bouilloire inox n°1,"\'=HYPERLINK(""http://evil.example"")",,2,2'
    )


# --------------------------------------------------------------------- the command and the contract


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "feedcheck.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_exit_codes(tmp_path: Path, known_pair: tuple[str, str]) -> None:
    old, new = known_pair
    assert run("diff", old, old).returncode == 0
    assert run("diff", old, new).returncode == 1
    write(tmp_path / "logo.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    for args, which in ((("logo.png", new), "old"), ((old, "logo.png"), "new")):
        proc = run("diff", *args, cwd=tmp_path)
        assert proc.returncode == 3
        assert proc.stdout == ""
        assert proc.stderr == (
            f"feedcheck: cannot use this file: logo.png (the {which} version): "
            "This is a PNG image, not a CSV or XML feed.\n"
        )
    for usage in (
        ["diff", old],
        ["diff", old, str(tmp_path / "missing.csv")],
        ["diff", old, new, "--format", "xml"],
        ["diff", old, new, "--limit", "-1"],
        ["diff", old, new, "--partial"],
        ["diff", old, new, "--profile", "nope"],
    ):
        assert CliRunner().invoke(main, usage).exit_code == 2, usage


def test_an_internal_error_exits_4(known_pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(DIFF, "compare", broken)
    result = CliRunner().invoke(main, ["diff", *known_pair])
    assert result.exit_code == 4
    assert "this is a bug in feedcheck" in result.output


def test_a_refusal_names_the_version_of_a_stream() -> None:
    with pytest.raises(feedcheck.NotAFeedError, match=r"^the new version: The file is empty\.$"):
        feedcheck.diff(english_csv([product(1)]), b"")


def test_shipped_json_schema_matches_the_model() -> None:
    shipped = json.loads((ROOT / "schemas" / "diff.schema.json").read_text(encoding="utf-8"))
    assert shipped == diff_json_schema(), (
        "schemas/diff.schema.json is stale: regenerate it with "
        'python -c "import json; from feedcheck.report.diff import diff_json_schema as s; '
        'print(json.dumps(s(), indent=2, ensure_ascii=False))" > schemas/diff.schema.json'
    )


def test_the_benchmark_s_next_version_diffs_to_exactly_its_known_changes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    n = 1_000
    generate.write_csv(n, tmp_path / "old.csv")
    generate.write_csv_products(generate.next_version(n), tmp_path / "new.csv")
    result = feedcheck.diff(tmp_path / "old.csv", tmp_path / "new.csv", limit=None)
    s = result.summary
    # generate.NEW_VERSION: by record number i % 100, 1 removed, 2 and 3 price moves (2 also the
    # crossed-out price, where there is one), 4 availability, 5 a broken GTIN; n/100 added.
    with_regular = sum(1 for p in generate.products(n) if int(p["id"][4:]) % 100 == 2 and p["regular"])
    assert (s.added, s.removed, s.changed) == (10, 10, 40)
    assert s.changes_by_field == {"price": 20, "availability": 10, "gtin": 10, "regular_price": with_regular}
    assert (s.prices_up, s.prices_down) == (10, 10)
    assert result.removed == [f"SKU-{i:07d}" for i in range(1, n, 100)]
    assert result.added == [f"NEW-{i:07d}" for i in range(1, 11)]
    assert {c.field for c in result.changed if int(c.id[4:]) % 100 == 4} == {"availability"}
    assert [(i.code, i.new_count) for i in result.issues.new] == [("gtin-bad-check-digit", 10)]


# --------------------------------------------------------------------- the docs show real output


def test_the_cli_page_shows_what_diff_prints() -> None:
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = page[page.index("## What changed since yesterday") : page.index("## Every option")]
    found = re.search(r"```console\n\$ (feedcheck diff [^\n]+)\n(.*?)```", section, re.S)
    assert found is not None
    command, shown = found.groups()
    proc = run(*command.split()[1:])
    assert proc.returncode == 1
    assert proc.stdout == shown


def test_the_library_page_example_prints_what_it_shows() -> None:
    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    section = page[page.index("## `diff`") : page.index("### FeedDiff")]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S)[1:])  # the first is the signature
    shown = re.findall(r"```text\n(.*?)```", section, re.S)[-1]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
