"""The catalogue of issue codes: one stable id, severity and one-line message each, and the
shape of one finding (:class:`Issue`, with its :class:`Example` records).

Every code here has a page ``docs/issues/<code>.md`` (what it checks, why publishers care, an
example, how to fix); a test keeps the two in step. Codes are never renamed or reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    family: str
    message: str  # str.format template; may use {field}, {column}, {count}, {detail}
    # What ``count`` counts, and so the issue rows (one per affected line) it gives: "item", one
    # row per product counted; "line", one row per line counted (blank lines, no product); "file",
    # a finding about the whole file, one row (or one per line it names), with no product.
    scope: str = "item"


FILE_SCOPE = frozenset(
    {
        "encoding-invalid-bytes",
        "encoding-not-utf8",
        "csv-empty-header",
        "csv-duplicate-header",
        "csv-unbalanced-quotes",
        "xml-not-well-formed",
        "xml-undeclared-prefix",
        "feed-empty",
        "feed-partial",
        "missing-mandatory-field",
        "missing-recommended-field",
        "missing-useful-field",
    }
)
LINE_SCOPE = frozenset({"csv-blank-line", "rows-merged"})


_E, _W, _I = Severity.error, Severity.warning, Severity.info


def _scope(code: str) -> str:
    return "file" if code in FILE_SCOPE else "line" if code in LINE_SCOPE else "item"


CODES: dict[str, Code] = {
    c.code: Code(c.code, c.severity, c.family, c.message, _scope(c.code))
    for c in (
        # reading: encoding and structure
        Code(
            "encoding-invalid-bytes",
            _W,
            "encoding",
            "{count} byte(s) are not valid {detail}; they were read as Windows-1252",
        ),
        Code("encoding-not-utf8", _I, "encoding", "The file is encoded in {detail}, not UTF-8"),
        Code(
            "encoding-uncertain",
            _W,
            "encoding",
            "The encoding could not be told for sure: read as {detail}; pass --encoding if letters look wrong",
        ),
        Code("csv-empty-header", _W, "structure", "{count} header name(s) are empty (column {detail})"),
        Code("csv-duplicate-header", _W, "structure", "Header names appear more than once: {detail}"),
        Code("csv-ragged-row", _E, "structure", "{count} record(s) do not have as many fields as the header"),
        Code("csv-trailing-delimiter", _W, "structure", "{count} record(s) end with an extra, empty field"),
        Code(
            "csv-unbalanced-quotes",
            _E,
            "structure",
            "Quotes do not pair up; records from this line on may be merged or split",
        ),
        Code("csv-blank-line", _I, "structure", "{count} blank line(s) between records were skipped"),
        Code(
            "xml-not-well-formed",
            _E,
            "structure",
            "The XML breaks here ({detail}); no record after this point could be read",
        ),
        Code(
            "xml-undeclared-prefix",
            _E,
            "structure",
            "The XML uses the prefix {detail} without declaring it (xmlns); strict XML readers refuse the file",
        ),
        Code("feed-empty", _E, "structure", "The feed holds no product record"),
        # the rules of a feed's format (its dialect)
        Code(
            "rows-merged",
            _I,
            "dialect",
            "{count} row(s) hold no product, only more images of the product above: they were added to it",
        ),
        Code(
            "id-fallback",
            _I,
            "dialect",
            "{count} product(s) have an empty id column: the format's fallback gave them an id",
        ),
        Code(
            "variation-parent-missing",
            _W,
            "dialect",
            "{count} variation(s) name a parent no earlier record is: they inherit none of its fields",
        ),
        Code(
            "feed-partial",
            _W,
            "structure",
            "Only the first {count} records were checked: the feed holds more than the item limit",
        ),
        # fields: presence by tier
        Code("missing-mandatory-field", _E, "fields", "No column for mandatory field {field}"),
        Code("missing-recommended-field", _W, "fields", "No column for strongly recommended field {field}"),
        Code("missing-useful-field", _I, "fields", "No column for useful field {field}"),
        Code("empty-mandatory-value", _E, "fields", "{count} product(s) have no value for mandatory field {field}"),
        Code(
            "empty-recommended-value",
            _W,
            "fields",
            "{count} product(s) have no value for strongly recommended field {field}",
        ),
        Code("empty-useful-value", _I, "fields", "{count} product(s) have no value for useful field {field}"),
        Code(
            "field-several-values",
            _I,
            "fields",
            "{count} product(s) give several values for {field}; the first is used",
        ),
        Code(
            "field-conflicting-columns",
            _W,
            "fields",
            "{count} product(s) have different values for {field} in columns {detail}; the first is used",
        ),
        # prices
        Code("price-unparseable", _E, "price", "{count} {field} value(s) are not a readable amount"),
        Code("price-unknown-currency", _E, "price", "{count} {field} value(s) name a currency that is not ISO 4217"),
        Code("price-conflicting-currencies", _E, "price", "{count} {field} value(s) name two different currencies"),
        Code("price-negative", _E, "price", "{count} {field} value(s) are negative"),
        Code("price-zero", _E, "price", "{count} {field} value(s) are zero"),
        Code("price-ambiguous-separator", _W, "price", "{count} {field} value(s) like 1.299 could be read two ways"),
        Code(
            "price-too-many-decimals",
            _W,
            "price",
            "{count} {field} value(s) have more decimals than their currency (two for most, ISO 4217)",
        ),
        Code(
            "price-missing-currency", _E, "price", "{count} {field} value(s) have no currency, and the feed gives none"
        ),
        Code(
            "price-currency-mismatch",
            _W,
            "price",
            "{count} {field} value(s) name another currency than the feed's (currency column, else price)",
        ),
        Code(
            "regular-price-below-price",
            _W,
            "price",
            "{count} product(s) have a regular price below their current price",
        ),
        Code("currency-unknown", _E, "price", "{count} currency value(s) are not an ISO 4217 code"),
        Code(
            "price-currency-ambiguous",
            _W,
            "price",
            "{count} {field} value(s) use a symbol several currencies share ($, ¥, kr) and nothing says which",
        ),
        Code(
            "currency-inferred",
            _I,
            "price",
            "{count} product(s) have amounts without a currency, read as {detail}: the only currency the feed names",
        ),
        Code(
            "currency-from-format",
            _I,
            "price",
            "{count} product(s) have amounts without a currency, read as {detail}",
        ),
        Code(
            "feed-currency-missing",
            _E,
            "price",
            "The feed never says its currency ({count} product(s) have amounts without one); pass --currency",
        ),
        Code(
            "sale-price-outside-window",
            _I,
            "price",
            "{count} sale price(s) are outside their sale_price_effective_date on {detail}: the regular price is used",
        ),
        Code(
            "shipping-several-groups",
            _I,
            "price",
            "{count} {field} value(s) hold several shipping groups; the first is used",
        ),
        # gtin
        Code(
            "gtin-scientific-notation",
            _E,
            "gtin",
            "{count} {field} value(s) were turned into scientific notation (3.65E+12) by a spreadsheet",
        ),
        Code("gtin-not-digits", _E, "gtin", "{count} {field} value(s) hold characters other than digits"),
        Code("gtin-bad-length", _E, "gtin", "{count} {field} value(s) do not have 8, 12, 13 or 14 digits"),
        Code(
            "gtin-lost-leading-zero",
            _W,
            "gtin",
            "{count} {field} value(s) have 11 digits: a leading zero was probably lost",
        ),
        Code("gtin-bad-check-digit", _E, "gtin", "{count} {field} value(s) fail the GS1 check digit"),
        Code("gtin-coupon-prefix", _E, "gtin", "{count} {field} value(s) start with a coupon prefix (05, 98, 99)"),
        Code(
            "gtin-restricted-prefix",
            _W,
            "gtin",
            "{count} {field} value(s) start with a store-internal prefix (02, 04, 2)",
        ),
        Code("gtin-placeholder", _E, "gtin", "{count} {field} value(s) are placeholders made of one repeated digit"),
        Code("gtin-isbn10", _I, "gtin", "{count} {field} value(s) are ISBN-10: publishers expect the ISBN-13 form"),
        Code("gtin-duplicate", _W, "gtin", "{count} product(s) share a GTIN with another product"),
        Code(
            "gtin-too-many-codes",
            _W,
            "gtin",
            "{count} {field} value(s) hold more than 20 codes: only the first 20 of each were checked",
        ),
        # id
        Code("id-duplicate", _E, "id", "{count} product(s) share an id with another product"),
        Code("id-too-long", _W, "id", "{count} id(s) are longer than 50 characters"),
        Code("id-has-whitespace", _W, "id", "{count} id(s) contain spaces or other blank characters"),
        # links
        Code("url-not-absolute", _E, "url", "{count} {field} value(s) are not absolute http(s) URLs"),
        Code("url-unsafe-scheme", _E, "url", "{count} {field} value(s) use a scheme other than http or https"),
        Code("url-has-spaces", _E, "url", "{count} {field} value(s) contain spaces"),
        Code("url-local-host", _W, "url", "{count} {field} value(s) point to a local or private host"),
        Code("url-several-in-one", _W, "url", "{count} {field} value(s) hold several URLs where one is expected"),
        Code("image-extension-unusual", _W, "url", "{count} {field} value(s) do not end in an image extension"),
        Code("url-too-long", _E, "url", "{count} {field} value(s) are longer than the profile allows ({detail})"),
        Code(
            "url-not-ascii",
            _W,
            "url",
            "{count} {field} value(s) hold characters other than ASCII: punycode the host, percent-encode the rest",
        ),
        Code(
            "image-format-unsupported",
            _E,
            "url",
            "{count} {field} value(s) are in an image format the profile does not accept ({detail})",
        ),
        # vocabularies
        Code("availability-unknown", _E, "vocabulary", "{count} availability value(s) are not a known stock status"),
        Code("condition-unknown", _E, "vocabulary", "{count} condition value(s) are not new, used or refurbished"),
        Code("gender-unknown", _W, "vocabulary", "{count} gender value(s) are not male, female or unisex"),
        Code("age-group-unknown", _W, "vocabulary", "{count} age_group value(s) are not a known age group"),
        Code(
            "identifier-exists-invalid",
            _W,
            "vocabulary",
            "{count} identifier_exists value(s) are not yes or no",
        ),
        # text
        Code("title-too-long", _W, "text", "{count} title(s) are longer than 150 characters"),
        Code("description-too-long", _W, "text", "{count} description(s) are longer than 5,000 characters"),
        Code("title-has-html", _W, "text", "{count} title(s) contain HTML tags or entities"),
        Code(
            "text-mojibake",
            _W,
            "text",
            "{count} {field} value(s) show broken accents (Ã©, â€™): an encoding was mixed up",
        ),
        Code("title-all-caps", _W, "text", "{count} title(s) are written in capitals only"),
        Code("text-control-characters", _E, "text", "{count} {field} value(s) contain invisible control characters"),
        Code(
            "text-formula-like",
            _W,
            "text",
            "{count} {field} value(s) start with =, +, - or @: a spreadsheet may run them as a formula",
        ),
        Code(
            "text-invisible-characters",
            _W,
            "text",
            "{count} {field} value(s) contain characters that show nothing (zero-width spaces, direction marks)",
        ),
        # dates, quantities, categories
        Code("date-invalid", _E, "dates", "{count} {field} value(s) are not ISO 8601 dates"),
        Code("date-range-invalid", _E, "dates", "{count} {field} value(s) are not an ISO 8601 start/end interval"),
        Code("date-range-reversed", _E, "dates", "{count} {field} interval(s) end before they start"),
        Code(
            "availability-date-missing",
            _W,
            "stock",
            "{count} product(s) on preorder or backorder give no availability_date",
        ),
        Code(
            "stock-quantity-invalid", _E, "stock", "{count} stock_quantity value(s) are not a whole number of 0 or more"
        ),
        Code(
            "availability-contradicts-stock",
            _W,
            "stock",
            "{count} product(s) are in stock with a stock of 0, or out of stock with units left",
        ),
        Code("category-empty-level", _W, "category", "{count} {field} path(s) have an empty level"),
    )
}


class Example(BaseModel):
    item: int | None = Field(None, description="1-based record number")
    line: int | None = Field(None, description="1-based line where the record starts")
    id: str | None = Field(None, description="the record's id, when the feed has one")
    value: str | None = Field(None, description="the offending value")


class IssueRow(BaseModel):
    """One affected line: a (product, issue) pair, or a finding about the file (``item`` null).
    The rows of ``--issues-csv`` and of ``validate(..., issue_rows=True)``."""

    item: int | None = Field(None, description="1-based record number; null for a line or file finding")
    line: int | None = Field(None, description="1-based line where the record starts (or the line found)")
    id: str | None = Field(None, description="the record's id, when the feed has one")
    field: str | None = Field(None, description="the canonical field the issue is about")
    code: str
    severity: Severity
    value: str | None = Field(None, description="the offending value, as the feed wrote it")


# The columns of an issue-row frame, in order (what a sink receives).
ROW_COLUMNS = ("item", "line", "id", "field", "code", "severity", "value")


class Issue(BaseModel):
    code: str
    severity: Severity
    field: str | None = None
    column: str | None = None
    count: int
    message: str
    examples: list[Example] = []


def code(name: str) -> Code:
    return CODES[name]


def doc_page(name: str) -> str:
    """The documentation page of a code (Markdown), as shipped with the package."""
    from importlib import resources

    if name not in CODES:
        raise KeyError(name)
    return resources.files("feedcheck.issue_docs").joinpath(f"{name}.md").read_text(encoding="utf-8")
