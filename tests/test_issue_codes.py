"""One fixture per issue code: every code in ``feedcheck.codes.CODES`` fires, exactly where it should.

Each fixture in ``fixtures/codes/<code>.csv`` (``.xml`` for XML-only codes) is a small, otherwise
clean feed: every product has an id, a title, https links, an image ending in ``.jpg``, a price
with its currency, a description, availability, brand, a valid GTIN, condition, category, shipping
cost and delivery time. Two or three rows are made bad on purpose, among clean rows.

Unless a fixture says otherwise, the header is line 1 and product ``P00n`` sits on line ``n + 1``.
Every expected count, line and value below was worked out from the fixture by hand (the bad rows
are named in the comments), never copied from the program's output.

Each fixture must raise its code exactly once (one issue, a single field), with the expected count,
example lines and example values, and no other code of severity error or warning except the ones
listed for it. Info-level codes (``missing-useful-field``, ``empty-useful-value`` ...) are ignored
unless they are the code under test.

``REGRESSIONS`` holds real-world inputs where the program once disagreed with what a user rightly
expects, each in its own ``fixtures/codes/<code>--<quirk>.csv``; they run through the same test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

import feedcheck
from feedcheck.codes import CODES, Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "codes"


class Expect(NamedTuple):
    fixture: str
    count: int
    lines: list[int]  # line of each example, in file order
    extra: frozenset[str] = frozenset()  # other error/warning codes this fixture may raise
    values: list[str | None] | None = None  # example values (None: not checked)
    field: str | None = None  # the field the issue is about (None: not checked)
    currency: str | None = "EUR"  # the default currency passed to validate()
    always: bool = False  # the issue is raised even with count 0 (a file-level finding)
    limits: feedcheck.Limits | None = None  # the limits passed to validate()
    today: date | None = None  # the day sale windows are checked against
    profile: str | None = None  # the profile passed to validate() (None: the default)


LONG_TITLE_A = ("Blue Cotton Shirt " * 9)[:151]  # 151 characters, the last one "o"
LONG_TITLE_B = "Scarf " + "x" * 200  # 206 characters

EXPECTED: dict[str, Expect] = {
    # ---- reading: encoding and structure ---------------------------------------------------------------
    # UTF-8: P001, P002, P004 and P006 hold real accents (é, ö, ß, ñ, Æ ...), more valid multi-byte
    # sequences than stray bytes; one stray Latin-1 byte 0xE9 in P003's description and in P005's title.
    "encoding-invalid-bytes": Expect("encoding-invalid-bytes.csv", 2, [4, 6], values=[None, None]),
    # The whole file is Windows-1252; the issue names the file, not a line.
    "encoding-not-utf8": Expect("encoding-not-utf8.csv", 1, []),
    # An otherwise ASCII file with two bytes no candidate code page reads as a letter: 0x81 after P003's title,
    # 0x9D inside P005's. Read as Windows-1252, they become U+FFFD; the count is the bytes.
    "encoding-uncertain": Expect("encoding-uncertain.csv", 2, [4, 6], values=[None, None]),
    # Header columns 3 ("") and 16 (" ") have no name; the example is the header line, value its first position.
    "csv-empty-header": Expect("csv-empty-header.csv", 2, [1], values=["3"]),
    # notes and color are both written twice in the header.
    "csv-duplicate-header": Expect("csv-duplicate-header.csv", 2, [1], values=["color"]),
    # P002 (line 3) lacks its last field (color), P004 (line 5) has a 16th, non-empty field.
    # A header and no record (count 0: the issue is about the file, not about items).
    "feed-empty": Expect("feed-empty.csv", 0, [], always=True),
    # Five clean products, read with an item limit of 3 and a partial report asked for: the
    # count is the products checked, the issue names no line.
    "feed-partial": Expect("feed-partial.csv", 3, [], limits=feedcheck.Limits(max_items=3, partial=True)),
    "csv-ragged-row": Expect("csv-ragged-row.csv", 2, [3, 5], values=["14 fields", "16 fields"]),
    # P003 (line 4) and P005 (line 6) end with an extra comma.
    "csv-trailing-delimiter": Expect("csv-trailing-delimiter.csv", 2, [4, 6]),
    # P003 (line 4) opens a quote in its last cell that never closes: it runs on into P004 up to the
    # opening quote of P004's description, so the merged record also has too many fields (a ragged row).
    "csv-unbalanced-quotes": Expect("csv-unbalanced-quotes.csv", 1, [4], extra=frozenset({"csv-ragged-row"})),
    # Lines 4 and 7 are blank (after P002 and after P004).
    "csv-blank-line": Expect("csv-blank-line.csv", 2, [4, 7]),
    # P003's <title> (line 37) is closed by </titel>; P001 and P002 were read before it.
    "xml-not-well-formed": Expect("xml-not-well-formed.xml", 1, [37]),
    # P002's <g:gtin> (line 28) is the first use of the undeclared prefix g (P004's, line 60, is the
    # second): the file-level issue names the first line; all four products are read.
    "xml-undeclared-prefix": Expect("xml-undeclared-prefix.xml", 1, [28], values=["g:"]),
    # ---- fields: presence by tier ----------------------------------------------------------------------
    # No image_link column: the count is every item (4); the issue has no examples.
    "missing-mandatory-field": Expect("missing-mandatory-field.csv", 4, [], field="image_link"),
    "missing-recommended-field": Expect("missing-recommended-field.csv", 4, [], field="brand"),
    # Every field of the default profile has a column, except color.
    "missing-useful-field": Expect("missing-useful-field.csv", 4, [], field="color"),
    # P002 has an empty title, P005 a title of spaces only.
    "empty-mandatory-value": Expect("empty-mandatory-value.csv", 2, [3, 6], values=[None, None], field="title"),
    "empty-recommended-value": Expect("empty-recommended-value.csv", 2, [4, 5], values=[None, None], field="brand"),
    "empty-useful-value": Expect("empty-useful-value.csv", 2, [2, 5], values=[None, None], field="color"),
    # XML, 16 lines per <product> (P001 opens on line 3): P002 (line 19) has two <category> elements,
    # P004 (line 52, P002 and P003 being 17 and 16 lines) has three. The first value is used.
    "field-several-values": Expect(
        "field-several-values.xml",
        2,
        [19, 52],
        values=["Clothing > Scarves | Sale", "Clothing > Belts | Gifts > For him | Sale"],
        field="category",
    ),
    # A second column named TITLE: P002 (line 3) and P004 (line 5) give it another title than `title`;
    # P001 and P005 give the same title twice, P003 leaves TITLE empty. The first column is used.
    "field-conflicting-columns": Expect(
        "field-conflicting-columns.csv",
        2,
        [3, 5],
        values=[
            "'title': Red Wool Scarf | 'TITLE': Red Wool Scarf - winter edition",
            "'title': Black Leather Belt | 'TITLE': Brown Leather Belt",
        ],
        field="title",
    ),
    # ---- prices ----------------------------------------------------------------------------------------
    "price-unparseable": Expect("price-unparseable.csv", 2, [3, 5], values=["19,9O €", "call us"], field="price"),
    "price-unknown-currency": Expect(
        "price-unknown-currency.csv", 2, [4, 6], values=["19.99 ZZZ", "QQ 5.00"], field="price"
    ),
    # P004's price names USD, its shipping cost EUR: that is also a price-currency-mismatch.
    "price-conflicting-currencies": Expect(
        "price-conflicting-currencies.csv",
        2,
        [2, 5],
        values=["EUR 19.99 USD", "$ 25.00 EUR"],
        field="price",
        extra=frozenset({"price-currency-mismatch"}),
    ),
    "price-negative": Expect("price-negative.csv", 2, [3, 4], values=["-5.00 EUR", "EUR -12.50"], field="price"),
    "price-zero": Expect("price-zero.csv", 2, [5, 6], values=["0.00 EUR", "0 €"], field="price"),
    # The other prices (11.99 EUR ...) use a decimal point; 1.299 and 2,499 could be read two ways.
    "price-ambiguous-separator": Expect(
        "price-ambiguous-separator.csv", 2, [3, 5], values=["1.299 EUR", "2,499 EUR"], field="price"
    ),
    "price-too-many-decimals": Expect(
        "price-too-many-decimals.csv", 2, [2, 4], values=["19.9999 EUR", "1,299.995 EUR"], field="price"
    ),
    # Validated WITHOUT a default currency: P002 and P005 give none, the others say EUR.
    "price-missing-currency": Expect(
        "price-missing-currency.csv", 2, [3, 6], values=["19.99", "7,50"], field="price", currency=None
    ),
    # P001: 29.99 regular over 11.99 (fine); P002: 15.00 < 19.99; P004: 29.99 < 30.00.
    "regular-price-below-price": Expect(
        "regular-price-below-price.csv",
        2,
        [3, 5],
        values=["15.00 EUR < 19.99 EUR", "29.99 EUR < 30.00 EUR"],
        field="regular_price",
    ),
    # A currency column says EUR on every row; P003 (line 4) is priced in USD, P005 (line 6) in GBP.
    "price-currency-mismatch": Expect(
        "price-currency-mismatch.csv",
        2,
        [4, 6],
        values=["13.99 USD with currency EUR", "15.99 GBP with currency EUR"],
        field="price",
    ),
    "currency-unknown": Expect("currency-unknown.csv", 2, [4, 5], values=["XYZ", "Dollars"], field="currency"),
    # Every other price says EUR, which is no dollar nor yen: P002's $ and P005's ¥ stay unknown.
    "price-currency-ambiguous": Expect(
        "price-currency-ambiguous.csv",
        2,
        [3, 6],
        values=["$19.99 (USD, CAD, AUD...?)", "¥1500 (JPY, CNY?)"],
        field="price",
    ),
    # P003 and P005 have bare prices; every currency the feed names is EUR (prices and shipping costs).
    # Validated without a default currency: the feed's own comes first anyway.
    "currency-inferred": Expect("currency-inferred.csv", 2, [4, 6], values=["13.99", "7.50"], currency=None),
    # A Heureka.cz feed (SHOP/SHOPITEM, one product a line from line 3): P002 (line 4) and P004 (line 6)
    # give bare prices, read in CZK by the format's rule; P001, P003 and P005 name CZK (299 CZK, 499 Kč).
    # Heureka has no availability, condition, regular or shipping price element: those fields are missing.
    "currency-from-format": Expect(
        "currency-from-format.xml",
        2,
        [4, 6],
        values=["349", "199,90"],
        currency=None,
        extra=frozenset({"missing-recommended-field"}),
    ),
    # No price or shipping cost names a currency, no currency column, none given: one finding, every product.
    "feed-currency-missing": Expect(
        "feed-currency-missing.csv",
        5,
        [2, 3, 4, 5, 6],
        values=["11.99", "12.99", "13.99", "14.99", "15.99"],
        currency=None,
    ),
    # On 2026-11-29: P002's sale ended in January 2020, P004's starts in 2099; P003's runs (no issue).
    "sale-price-outside-window": Expect(
        "sale-price-outside-window.csv",
        2,
        [3, 5],
        values=["9.99 EUR (2020-01-01/2020-01-31)", "11.99 EUR (2099-01-01T00:00+01:00/2099-02-01T00:00+01:00)"],
        field="sale_price",
        today=date(2026, 11, 29),
    ),
    # P002: Google's comma-separated groups; P004: Meta's semicolon-separated groups.
    "shipping-several-groups": Expect(
        "shipping-several-groups.csv",
        2,
        [3, 5],
        values=["FR:::4.95 EUR,BE:::6.95 EUR", "FR::Standard:4.95 EUR;DE::Standard:6.95 EUR"],
        field="shipping_cost",
    ),
    # ---- gtin ------------------------------------------------------------------------------------------
    "gtin-scientific-notation": Expect(
        "gtin-scientific-notation.csv", 2, [3, 4], values=["4.00638E+12", "3.65E+12"], field="gtin"
    ),
    "gtin-not-digits": Expect("gtin-not-digits.csv", 2, [2, 6], values=["40063813339AB", "unknown"], field="gtin"),
    "gtin-bad-length": Expect("gtin-bad-length.csv", 2, [4, 5], values=["123456789", "1234567"], field="gtin"),
    # UPC-A 036000291452 and 073500538502 without their leading zero.
    "gtin-lost-leading-zero": Expect(
        "gtin-lost-leading-zero.csv", 2, [3, 5], values=["36000291452", "73500538502"], field="gtin"
    ),
    # 4006381333931 and 5012345678900 are the valid forms.
    # P002 (line 3) 0000000000000 and P005 (line 6) 00000000: valid check digits, no product.
    "gtin-placeholder": Expect("gtin-placeholder.csv", 2, [3, 6], values=["0000000000000", "00000000"], field="gtin"),
    "gtin-bad-check-digit": Expect(
        "gtin-bad-check-digit.csv", 2, [2, 4], values=["4006381333932", "5012345678901"], field="gtin"
    ),
    # EAN-13 with prefix 99, and UPC-A number system 5 (coupons), both with valid check digits.
    "gtin-coupon-prefix": Expect(
        "gtin-coupon-prefix.csv", 2, [3, 6], values=["9912345678909", "512345678900"], field="gtin"
    ),
    # EAN-13 with prefix 2, and UPC-A number system 4 (in-store), both with valid check digits.
    "gtin-restricted-prefix": Expect(
        "gtin-restricted-prefix.csv", 2, [4, 5], values=["2001234567893", "412345678903"], field="gtin"
    ),
    # P004 repeats P002's GTIN 4006381330022.
    "gtin-duplicate": Expect(
        "gtin-duplicate.csv",
        2,
        [3, 5],
        values=["4006381330022 (also line 5)", "4006381330022 (also line 3)"],
        field="gtin",
    ),
    # Two valid ISBN-10 (the second with an X check digit).
    "gtin-isbn10": Expect("gtin-isbn10.csv", 2, [2, 3], values=["0306406152", "080442957X"], field="gtin"),
    # P002 (line 3) lists 21 valid codes, P003 exactly 20 (not hit), P004 (line 5) 20 valid codes and then
    # ten "123": only the first 20 of a cell are checked, so the ten bad ones raise nothing but this.
    # The cells repeat valid codes of other products' cells: gtin-duplicate (issue 13) fires too.
    "gtin-too-many-codes": Expect(
        "gtin-too-many-codes.csv",
        2,
        [3, 5],
        values=["21 codes", "30 codes"],
        field="gtin",
        extra=frozenset({"gtin-duplicate"}),
    ),
    # ---- id --------------------------------------------------------------------------------------------
    # P002 is the id of the 2nd, 4th and 5th products (lines 3, 5, 6).
    "id-duplicate": Expect(
        "id-duplicate.csv",
        3,
        [3, 5, 6],
        values=["P002 (also lines 5, 6)", "P002 (also lines 3, 6)", "P002 (also lines 3, 5)"],
        field="id",
    ),
    # 51 characters (line 3) and 60 (line 6) are too long; 50 (line 4) is allowed.
    "id-too-long": Expect("id-too-long.csv", 2, [3, 6], values=["SKU-" + "A" * 47, "X" * 60], field="id"),
    # An ordinary space and a no-break space inside the id.
    "id-has-whitespace": Expect("id-has-whitespace.csv", 2, [4, 5], values=["P 003", "SKU\u00a0004"], field="id"),
    # ---- links -----------------------------------------------------------------------------------------
    "url-not-absolute": Expect(
        "url-not-absolute.csv", 2, [3, 5], values=["/p/2", "www.shop.example.com/p/4"], field="link"
    ),
    "url-unsafe-scheme": Expect(
        "url-unsafe-scheme.csv", 2, [2, 4], values=["javascript:alert(1)", "ftp://shop.example.com/p/3"], field="link"
    ),
    # P005's link only has a trailing space, which is trimmed: not an issue.
    "url-has-spaces": Expect(
        "url-has-spaces.csv",
        2,
        [3, 5],
        values=["https://shop.example.com/p/blue shirt", "https://shop.example.com/p/red  scarf"],
        field="link",
    ),
    "url-local-host": Expect(
        "url-local-host.csv", 2, [4, 5], values=["http://localhost/p/3", "https://192.168.1.10/p/4"], field="link"
    ),
    "url-several-in-one": Expect(
        "url-several-in-one.csv",
        2,
        [2, 6],
        values=[
            "https://shop.example.com/p/1|https://shop.example.com/p/1b",
            "https://shop.example.com/p/5 https://shop.example.com/p/5b",
        ],
        field="link",
    ),
    # .php (line 3) and no extension (line 4); P004's .jpg?w=400 is an image.
    "image-extension-unusual": Expect(
        "image-extension-unusual.csv",
        2,
        [3, 4],
        values=["https://shop.example.com/img/2.php", "https://shop.example.com/img/3"],
        field="image_link",
    ),
    # Google's limits (--profile google). The fixtures have no column for mpn, item_group_id,
    # availability_date, color, size, gender and age_group, which Google recommends: those warnings are expected.
    # P003's link has 2,001 characters and P005's 2,100; P004's has exactly 2,000 (allowed).
    "url-too-long": Expect(
        "url-too-long.csv",
        2,
        [4, 6],
        values=[
            "https://shop.example.com/p/3?r" + "... (2001 characters)",
            "https://shop.example.com/p/5?r" + "... (2100 characters)",
        ],
        field="link",
        profile="google",
        extra=frozenset({"missing-recommended-field"}),
    ),
    "url-not-ascii": Expect(
        "url-not-ascii.csv",
        2,
        [3, 5],
        values=["https://shop.example.com/p/café-2", "https://bücher.example.com/p/4"],
        field="link",
        profile="google",
        extra=frozenset({"missing-recommended-field"}),
    ),
    # .svg (P003) and .AVIF with a query string (P005); the other images are .jpg.
    "image-format-unsupported": Expect(
        "image-format-unsupported.csv",
        2,
        [4, 6],
        values=["https://shop.example.com/img/3.svg", "https://shop.example.com/img/5.AVIF?w=400"],
        field="image_link",
        profile="google",
        extra=frozenset({"missing-recommended-field"}),
    ),
    # ---- vocabularies ----------------------------------------------------------------------------------
    # P001 "no" and P003's French "non" are read as no; P002 "maybe" and P004 "N/A" are not yes or no.
    "identifier-exists-invalid": Expect(
        "identifier-exists-invalid.csv", 2, [3, 5], values=["maybe", "N/A"], field="identifier_exists"
    ),
    "availability-unknown": Expect(
        "availability-unknown.csv", 2, [3, 6], values=["maybe", "ask us"], field="availability"
    ),
    "condition-unknown": Expect("condition-unknown.csv", 2, [2, 4], values=["mint", "as new"], field="condition"),
    "gender-unknown": Expect("gender-unknown.csv", 2, [3, 5], values=["other", "kids"], field="gender"),
    "age-group-unknown": Expect("age-group-unknown.csv", 2, [4, 6], values=["senior", "youth"], field="age_group"),
    # ---- text ------------------------------------------------------------------------------------------
    "title-too-long": Expect("title-too-long.csv", 2, [3, 5], values=[LONG_TITLE_A, LONG_TITLE_B], field="title"),
    # 13 * 400 = 5,200 characters less the trimmed final space (line 4), 5,001 (line 5); 5,000 (line 6) is fine.
    "description-too-long": Expect(
        "description-too-long.csv", 2, [4, 5], values=["5199 characters", "5001 characters"], field="description"
    ),
    "title-has-html": Expect(
        "title-has-html.csv", 2, [2, 5], values=["Shirt <b>Blue</b>", "Caf&eacute; Mug"], field="title"
    ),
    "text-mojibake": Expect("text-mojibake.csv", 2, [3, 4], values=["CafÃ© Mug", "Itâ€™s a Scarf"], field="title"),
    # "USB HUB" (line 6) has only 6 letters: too short to call shouting.
    "title-all-caps": Expect(
        "title-all-caps.csv", 2, [3, 4], values=["BLUE COTTON SHIRT", "RED WOOL SCARF 2024"], field="title"
    ),
    # U+0002 (line 2) and a vertical tab (line 5), shown as U+FFFD.
    # P002 (line 3) is a HYPERLINK formula; P004 (line 5) starts with a tab, then -2+3+cmd|...: once
    # trimmed, it starts with "-". P003's "Scarf - Red" has its dash inside: not reported.
    "text-formula-like": Expect(
        "text-formula-like.csv",
        2,
        [3, 5],
        values=['=HYPERLINK("https://evil.example/x","Blue Mug")', "-2+3+cmd|' /C calc'!A0"],
        field="title",
    ),
    "text-control-characters": Expect(
        "text-control-characters.csv", 2, [2, 5], values=["Blue\ufffdShirt", "Red\ufffdScarf"], field="title"
    ),
    # A zero-width space in P002's title, a right-to-left mark opening P005's.
    "text-invisible-characters": Expect(
        "text-invisible-characters.csv",
        2,
        [3, 6],
        values=["Red Wool<U+200B>Scarf", "<U+200F>White Canvas Sneakers"],
        field="title",
    ),
    # ---- dates, stock, category ------------------------------------------------------------------------
    "date-invalid": Expect(
        "date-invalid.csv",
        3,
        [3, 4, 5],
        values=["2024-13-01", "01/05/2024", "2024-02-30"],
        field="availability_date",
    ),
    "date-range-invalid": Expect(
        "date-range-invalid.csv",
        2,
        [2, 5],
        values=["2024-05-01", "2024-05-01 to 2024-05-31"],
        field="sale_price_effective_date",
    ),
    "date-range-reversed": Expect(
        "date-range-reversed.csv",
        2,
        [3, 6],
        values=["2024-06-30/2024-06-01", "2024-06-01T12:00/2024-06-01T08:00"],
        field="sale_price_effective_date",
    ),
    # P002 (line 3) preorder and P005 (line 6) "sur commande" (backorder) give no date; P003's backorder does.
    "availability-date-missing": Expect(
        "availability-date-missing.csv", 2, [3, 6], values=["preorder", "sur commande"], field="availability"
    ),
    "stock-quantity-invalid": Expect(
        "stock-quantity-invalid.csv", 3, [3, 4, 6], values=["-3", "many", "2.5"], field="stock_quantity"
    ),
    # P001 in stock with 0; P004 out of stock with 5; P005 out of stock with 0 agrees.
    "availability-contradicts-stock": Expect(
        "availability-contradicts-stock.csv",
        2,
        [2, 5],
        values=["in stock with stock 0", "out of stock with stock 5"],
        field="availability",
    ),
    "category-empty-level": Expect(
        "category-empty-level.csv",
        3,
        [3, 4, 6],
        values=["Clothing > > Shirts", "> Clothing", "Clothing >"],
        field="category",
    ),
    # ---- the rules of a feed's format (dialects) ----------------------------------------------------------
    # Shopify exports (no link column, no availability, shipping cost nor delivery time: missing fields).
    # Lines 3 and 6 hold only a second image of the product above (P001, P003): merged, no product.
    "rows-merged": Expect(
        "rows-merged.csv",
        2,
        [3, 6],
        values=["https://shop.example.com/img/1b.jpg", "https://shop.example.com/img/3b.jpg"],
        extra=frozenset({"missing-mandatory-field", "missing-recommended-field"}),
    ),
    # P002 (line 3) and P004 (line 5) have an empty Variant SKU: the Handle, and P004's option M (P002's
    # only option is Shopify's "Default Title", left out).
    "id-fallback": Expect(
        "id-fallback.csv",
        2,
        [3, 5],
        values=["red-wool-scarf", "black-leather-belt-m"],
        extra=frozenset({"missing-mandatory-field", "missing-recommended-field"}),
    ),
    # A WooCommerce export: shirt-s (line 2) names its parent "shirt", which comes on line 3; scarf-red
    # (line 5) names "scarf", which is not in the file. shirt-m (line 4) finds its parent above.
    "variation-parent-missing": Expect(
        "variation-parent-missing.csv",
        2,
        [2, 5],
        values=["shirt", "scarf"],
        extra=frozenset({"missing-mandatory-field", "missing-recommended-field"}),
    ),
}

# Real-world inputs on which the program once disagreed with what a user rightly expects (found while
# writing these fixtures, fixed since). Each has its own fixture ``fixtures/codes/<code>--<quirk>.csv``
# and runs through the same test. case id -> (code, what a user expects, what the program did before).
REGRESSIONS: dict[str, tuple[str, Expect, str]] = {
    # A GTIN-14's first digit is the packaging indicator: the GS1 prefix starts at the second digit.
    # 04006381333931 is the German EAN-13 4006381333931 (prefix 400) written as a GTIN-14, 14006381333938
    # the same product with indicator 1; 02001234567893 (line 6) is EAN-13 2001234567893, store-internal.
    "gtin-restricted-prefix--gtin14": (
        "gtin-restricted-prefix",
        Expect("gtin-restricted-prefix--gtin14.csv", 1, [6], values=["02001234567893"], field="gtin"),
        "a GTIN-14 with indicator digit 0 (04006381333931, EAN-13 4006381333931 with prefix 400) is reported "
        "as a store-internal 04 prefix: the prefix is read from the indicator digit",
    ),
    # 05012345678900 is the UK EAN-13 5012345678900 as a GTIN-14; 09912345678909 (line 5) is the
    # coupon EAN-13 9912345678909 as a GTIN-14.
    "gtin-coupon-prefix--gtin14": (
        "gtin-coupon-prefix",
        Expect("gtin-coupon-prefix--gtin14.csv", 1, [5], values=["09912345678909"], field="gtin"),
        "GTIN-14 05012345678900 (UK EAN-13 5012345678900) is an error 'coupon prefix 05', while the real "
        "coupon 09912345678909 passes: the prefix is read from the indicator digit",
    ),
    # schema.org ItemAvailability URLs: SoldOut and LimitedAvailability are as standard as InStock.
    "availability-unknown--schema-org": (
        "availability-unknown",
        Expect("availability-unknown--schema-org.csv", 1, [6], values=["maybe"], field="availability"),
        "https://schema.org/SoldOut and https://schema.org/LimitedAvailability are errors (unknown "
        "availability) although the schema.org prefix is folded and InStock/OutOfStock are known",
    ),
    "gender-unknown--apostrophe": (
        "gender-unknown",
        Expect("gender-unknown--apostrophe.csv", 1, [5], values=["other"], field="gender"),
        "\"Men's\" and \"Women's\" are unknown genders: the apostrophe folds to a space ('men s') while "
        "the vocabulary holds 'mens'/'womens'",
    ),
    # https:/host (one slash) and https:host are broken http(s) URLs, not other schemes.
    "url-not-absolute--malformed-http": (
        "url-not-absolute",
        Expect(
            "url-not-absolute--malformed-http.csv",
            2,
            [3, 5],
            values=["https:/shop.example.com/p/2", "https:shop.example.com/p/4"],
            field="link",
        ),
        "https:/shop.example.com/p/2 and https:shop.example.com/p/4 are reported as url-unsafe-scheme "
        "('a scheme other than http or https'), not url-not-absolute",
    ),
    "url-local-host--ipv6": (
        "url-local-host",
        Expect(
            "url-local-host--ipv6.csv",
            2,
            [4, 5],
            values=["http://[::1]/p/3", "http://localhost:8080/p/4"],
            field="link",
        ),
        "http://[::1]/p/3 (IPv6 loopback) is not reported: the host is cut at the first ':' to '[', "
        "although the local-host pattern lists ::1",
    ),
    # Lines 4 ("   ") and 7 ("  ") hold only spaces.
    "csv-blank-line--whitespace-only": (
        "csv-blank-line",
        Expect("csv-blank-line--whitespace-only.csv", 2, [4, 7]),
        "a line of spaces only between records is a ragged row (error) and a phantom product with no id, "
        "title, link, image or price (5 more errors), instead of a skipped blank line",
    ),
    # 10:00+02:00 -> 09:30Z runs forwards (08:00Z -> 09:30Z); 12:00+00:00 -> 13:00+02:00 (line 5) runs
    # backwards (12:00Z -> 11:00Z).
    "date-range-reversed--time-zones": (
        "date-range-reversed",
        Expect(
            "date-range-reversed--time-zones.csv",
            1,
            [5],
            values=["2024-06-01T12:00+00:00/2024-06-01T13:00+02:00"],
            field="sale_price_effective_date",
        ),
        "interval ends are compared as text without their UTC offsets: 2024-06-01T10:00+02:00/"
        "2024-06-01T09:30Z is called reversed and 2024-06-01T12:00+00:00/2024-06-01T13:00+02:00 is not",
    ),
    # Google does not tell ids apart by case, and collapses runs of spaces: P002 "SKU-2" and P004 "sku-2"
    # (lines 3, 5) are one id, P003 "SKU 3" and P005 "SKU  3" (lines 4, 6) another. The spaces are
    # also id-has-whitespace.
    "id-duplicate--case-and-spaces": (
        "id-duplicate",
        Expect(
            "id-duplicate--case-and-spaces.csv",
            4,
            [3, 4, 5, 6],
            values=["SKU-2 (also line 5)", "SKU 3 (also line 6)", "sku-2 (also line 3)", "SKU  3 (also line 4)"],
            field="id",
            extra=frozenset({"id-has-whitespace"}),
        ),
        "ids that differ only by case or by the number of spaces (SKU-2 and sku-2) are not duplicates, "
        "while Google merges them into one product",
    ),
    # U+001F (line 3, unit separator) and U+0085 (line 5, C1 next line) are invisible control characters.
    "text-control-characters--c1-and-unit-separator": (
        "text-control-characters",
        Expect("text-control-characters--c1-and-unit-separator.csv", 2, [3, 5], field="title"),
        "U+001F and the C1 controls (U+0080-U+009F, here U+0085) in a title are not reported; the pattern "
        "stops at U+001E (U+001F is the reader's internal multi-value separator)",
    ),
}


def _params() -> list[object]:
    out: list[object] = [pytest.param(code, expect, id=code) for code, expect in EXPECTED.items()]
    for case, (code, expect, _was) in REGRESSIONS.items():
        out.append(pytest.param(code, expect, id=case))
    return out


def test_every_code_has_a_fixture() -> None:
    assert set(EXPECTED) == set(CODES), {
        "codes without a fixture": sorted(set(CODES) - set(EXPECTED)),
        "fixtures for unknown codes": sorted(set(EXPECTED) - set(CODES)),
    }
    assert {code for code, _, _ in REGRESSIONS.values()} <= set(CODES)
    expectations = [*EXPECTED.values(), *(expect for _, expect, _ in REGRESSIONS.values())]
    missing_files = [e.fixture for e in expectations if not (FIXTURES / e.fixture).is_file()]
    assert not missing_files


@pytest.mark.parametrize(("code", "expect"), _params())
def test_code_fires_exactly_where_expected(code: str, expect: Expect) -> None:
    report = feedcheck.validate(
        FIXTURES / expect.fixture,
        currency=expect.currency,
        limits=expect.limits,
        today=expect.today,
        profile=expect.profile,
    )

    found = [i for i in report.issues if i.code == code]
    if expect.count == 0 and not expect.always:
        assert not found, [i.model_dump() for i in found]
        return
    assert len(found) == 1, [i.model_dump() for i in found]
    issue = found[0]
    assert issue.severity == CODES[code].severity
    if expect.field is not None:
        assert issue.field == expect.field
    assert issue.count == expect.count, issue.model_dump()
    assert [e.line for e in issue.examples] == expect.lines, issue.model_dump()
    if expect.values is not None:
        assert [e.value for e in issue.examples] == expect.values, issue.model_dump()

    serious = {i.code for i in report.issues if i.severity in (Severity.error, Severity.warning)}
    unexpected = serious - {code} - expect.extra
    assert not unexpected, [i.model_dump() for i in report.issues if i.code in unexpected]
