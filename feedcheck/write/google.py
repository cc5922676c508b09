"""Google's product feed formats, written from the normalised catalogue: RSS 2.0 with the ``g:``
namespace (:class:`GoogleXmlWriter`) and tab-separated text (:class:`GoogleTsvWriter`).

Which canonical field becomes which Google attribute, and the values Google accepts, are data:
``schemas/outputs/google.toml``, with the Google page of each attribute. Per product:

- ``g:price`` is ``19.99 EUR``: the canonical decimal and the amount's currency (the row's
  ``<field>_currency`` column when the normalised frame has one and it is filled, else
  ``currency``). A value a check found invalid is written as the merchant gave it, as in the
  canonical outputs (``drop_invalid`` leaves such products out).
- **A discount runs** when ``regular_price`` > ``price`` in one currency: ``g:price`` is then
  the regular price, ``g:sale_price`` the canonical price (what the buyer pays) and
  ``g:sale_price_effective_date`` the window when the feed gives one **and it covers today**: a
  window that does not would make Google show the regular price, while the canonical price says
  the buyer pays the discounted one now (such a window is left out, and counted).
- **A sale outside its window** (the normalised ``sale_price`` column: a Google-style sale price
  whose ``sale_price_effective_date`` does not cover today) is written as it came: ``g:price``
  the canonical price, ``g:sale_price`` and its window, which Google applies when its day comes.
  Otherwise ``g:price`` is the canonical price, and ``regular_price`` and
  ``sale_price_effective_date`` are left out. Read back by feedcheck on the same day, either form
  gives the same canonical ``price`` and ``regular_price``.
- ``g:shipping`` holds ``g:country`` and ``g:service`` (from ``shipping_country`` and
  ``shipping_service`` when the normalised frame has them) and ``g:price`` (``shipping_cost``);
  in the TSV one cell ``country:region:service:price``, e.g. ``FR::Standard:4.90 EUR``.
- A field with a vocabulary (``availability``, ``condition``, ``gender``, ``age_group``,
  ``identifier_exists``, ...) is written only when its value is one of Google's (without case);
  ``additional_image_link`` is one repeated element per URL (XML) or comma-separated (TSV).
- Fields Google has no attribute for (``delivery_time``, ``stock_quantity``, ``ecotax``, a custom
  profile's own, the ``extra_*`` columns) are left out. Nothing is left out silently: every
  writer counts, per field, the values it did not write and why (:attr:`GoogleWriter.left_out`).

Every decision is a function of the product's own row: the writers take batches as they come.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources

import polars as pl

from feedcheck.checks.base import MULTI_SEP, columns_matching
from feedcheck.checks.dates import window_covers
from feedcheck.write.canonical import BATCH, escape, write_records
from feedcheck.write.cells import neutralise
from feedcheck.write.targets import Sink
from feedcheck.write.writer import BatchWriter

DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"  # a canonical amount: written with its currency
SHIPPING = ("country", "service", "price")  # g:shipping sub-attributes, in Google's order
NO_ATTRIBUTE = "no Google attribute"
NOT_IN_VOCABULARY = "not in Google's vocabulary"
NO_DISCOUNT = "no discount"  # regular_price not above price


@dataclass(frozen=True)
class GoogleField:
    field: str  # canonical field
    google: str  # Google's attribute name; "" when Google has none
    kind: str  # text, amount, shipping, discount, currency
    vocabulary: frozenset[str]  # accepted values, lower case; empty: any value
    sale: str  # for the price: the attribute of the discounted price ("sale_price")
    source: str


@dataclass(frozen=True)
class GoogleFormat:
    namespace: str
    unprefixed: frozenset[str]  # RSS's own item elements, written without g:
    fields: dict[str, GoogleField]


@lru_cache(maxsize=1)
def google_format() -> GoogleFormat:
    """The bundled ``schemas/outputs/google.toml``."""
    text = resources.files("feedcheck.schemas").joinpath("outputs", "google.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    fields = {
        name: GoogleField(
            field=name,
            google=spec.get("google", ""),
            kind=spec.get("kind", "text"),
            vocabulary=frozenset(v.lower() for v in spec.get("vocabulary", [])),
            sale=spec.get("sale", ""),
            source=spec["source"],
        )
        for name, spec in doc["fields"].items()
    }
    head = doc["format"]
    return GoogleFormat(head["namespace"], frozenset(head["rss_unprefixed"]), fields)


def _currency_of(columns: list[str], field: str) -> pl.Expr:
    """The currency of ``field``'s amount on each row: its own column, else the row's."""
    row = pl.col("currency") if "currency" in columns else pl.lit(None, dtype=pl.String)
    own = f"{field}_currency"
    return pl.coalesce(pl.col(own), row) if own in columns else row


def _amount(value: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """``19.99`` -> ``19.99 EUR``; a value that is no canonical decimal as it is; a decimal whose
    currency nothing says (``$19.99`` in a feed that never settles which dollar) is left out, as
    Google reads a bare amount in the account's currency: a relabelling (counted, see
    :data:`NO_CURRENCY`)."""
    decimal = value.str.contains(DECIMAL)
    return pl.when(decimal & currency.is_not_null()).then(value + " " + currency).when(~decimal).then(value)


NO_CURRENCY = "an amount whose currency the feed does not say"


def _without_currency(value: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """Rows whose amount :func:`_amount` leaves out for want of a currency."""
    return value.str.contains(DECIMAL).fill_null(False) & currency.is_null()


def _number(value: pl.Expr) -> pl.Expr:
    return pl.when(value.str.contains(DECIMAL)).then(value.cast(pl.Float64, strict=False))


def _discount(columns: list[str]) -> pl.Expr:
    """Per row: regular_price above price, both canonical amounts in the same currency."""
    if not {"price", "regular_price"} <= set(columns):
        return pl.lit(False)
    same = _currency_of(columns, "regular_price").eq_missing(_currency_of(columns, "price"))
    return ((_number(pl.col("regular_price")) > _number(pl.col("price"))) & same).fill_null(False)


SHIPPING_PARTS = ("shipping_country", "shipping_service")
NO_SHIPPING_COST = "no shipping cost to go with it"


def _consumed(columns: list[str]) -> set[str]:
    """Columns written inside others: the currencies and the shipping sub-attributes."""
    used = {"currency", *SHIPPING_PARTS}
    return used | {f"{c}_currency" for c in columns if not c.startswith("extra_")}


WINDOW_NOT_TODAY = "the discount runs today, its window says otherwise"


def google_frame(batch: pl.DataFrame, today: date | None = None) -> tuple[pl.DataFrame, dict[str, tuple[int, str]]]:
    """The batch's products as Google attributes: one String column per attribute, in the
    batch's column order (``shipping`` as ``shipping:country``, ``shipping:service`` and
    ``shipping:price``), and, per field, how many values were left out and why. ``today`` (UTC
    date, default the current one) decides whether a discount's window can be written."""
    fmt = google_format()
    columns = batch.columns
    exprs: list[pl.Expr] = []
    gone: list[tuple[str, str, pl.Expr]] = []  # field, reason, rows left out
    consumed = _consumed(columns) | {"sale_price"}
    discount = _discount(columns)
    later = pl.col("sale_price").is_not_null() & ~discount if "sale_price" in columns else pl.lit(False)
    if "sale_price_effective_date" in columns:
        window = pl.col("sale_price_effective_date")
        covers = window_covers(window, today or datetime.now(UTC).date()).fill_null(False)
        gone.append(("sale_price_effective_date", WINDOW_NOT_TODAY, discount & window.is_not_null() & ~covers))
    else:
        covers = pl.lit(False)
    for name in columns:
        if name in consumed:
            continue
        spec = fmt.fields.get(name)
        value = pl.col(name)
        filled = value.is_not_null()
        if spec is None or not spec.google:
            gone.append((name, NO_ATTRIBUTE, filled))
        elif spec.kind == "amount":
            own = _amount(value, _currency_of(columns, name))
            gone.append((name, NO_CURRENCY, _without_currency(value, _currency_of(columns, name))))
            if spec.sale and "sale_price" in columns:
                sale = _amount(pl.col("sale_price"), _currency_of(columns, "sale_price"))
            else:
                sale = pl.lit(None, dtype=pl.String)
            if "regular_price" in columns and spec.sale:
                regular = _amount(pl.col("regular_price"), _currency_of(columns, "regular_price"))
                exprs.append(pl.when(discount).then(regular).otherwise(own).alias(spec.google))
                exprs.append(pl.when(discount).then(own).when(later).then(sale).alias(spec.sale))
            elif spec.sale and "sale_price" in columns:
                exprs.append(own.alias(spec.google))
                exprs.append(pl.when(later).then(sale).alias(spec.sale))
            else:
                exprs.append(own.alias(spec.google))
        elif spec.kind == "discount":
            if name == "regular_price":  # written as g:price above, during a discount
                gone.append((name, NO_DISCOUNT, filled & ~discount))
            else:  # the window: of a discount that runs (when it covers today), of a later sale
                exprs.append(pl.when((discount & covers) | later).then(value).alias(spec.google))
                gone.append((name, NO_DISCOUNT, filled & ~discount & ~later))
        elif spec.kind == "shipping":
            gone.append((name, NO_CURRENCY, _without_currency(value, _currency_of(columns, name))))
            for part, column in zip(SHIPPING, ("shipping_country", "shipping_service", name), strict=True):
                sub = pl.col(column) if column in columns else pl.lit(None, dtype=pl.String)
                if part == "price":
                    sub = _amount(sub, _currency_of(columns, name))
                exprs.append(pl.when(filled).then(sub).alias(f"{spec.google}:{part}"))
        elif spec.vocabulary:
            known = value.str.to_lowercase().is_in(sorted(spec.vocabulary))
            exprs.append(pl.when(known).then(value).alias(spec.google))
            gone.append((name, NOT_IN_VOCABULARY, filled & ~known))
        else:
            exprs.append(value.alias(spec.google))
    cost = pl.col("shipping_cost").is_not_null() if "shipping_cost" in columns else pl.lit(False)
    for name in SHIPPING_PARTS:  # g:shipping needs its price: a country alone cannot be written
        if name in columns:
            gone.append((name, NO_SHIPPING_COST, pl.col(name).is_not_null() & ~cost))
    if not exprs:  # no field Google knows: one empty product per row all the same
        exprs = [pl.repeat(None, pl.len(), dtype=pl.String).alias("id")]
    out = batch.select(exprs)
    counts: dict[str, tuple[int, str]] = {}
    if gone:
        sums = batch.select(rows.sum().alias(f"{i}") for i, (_, _, rows) in enumerate(gone)).row(0)
        counts = {field: (int(n), reason) for (field, reason, _), n in zip(gone, sums, strict=True) if n}
    return out, counts


def repeated_attributes(multi: set[str]) -> set[str]:
    """The Google attributes that repeat: those of the multi-valued fields."""
    fields = google_format().fields
    return {fields[name].google for name in multi if name in fields and fields[name].google}


class GoogleWriter(BatchWriter):
    """What both Google writers share: the attributes of each batch, and the count of the
    values left out (``left_out``: field -> (values, reason), summed over the batches)."""

    def __init__(self, sink: Sink, multi: set[str], *, today: date | None = None) -> None:
        super().__init__(sink)
        self.repeated = repeated_attributes(multi)
        self.today = today
        self.left_out: dict[str, tuple[int, str]] = {}

    def _attributes(self, batch: pl.DataFrame) -> pl.DataFrame:
        frame, counts = google_frame(batch, self.today)
        for field, (n, reason) in counts.items():
            self.left_out[field] = (self.left_out.get(field, (0, reason))[0] + n, reason)
        return frame


def _tag(attribute: str, unprefixed: frozenset[str]) -> str:
    return attribute if attribute in unprefixed else f"g:{attribute}"


def rss_items(frame: pl.DataFrame, repeated: set[str]) -> pl.Expr:
    """One string per product, ``<item>`` to ``</item>\\n``, empty attributes left out."""
    fmt = google_format()
    markup = columns_matching(frame, dict.fromkeys(frame.columns, "[&<>]"))
    nulls = {c for c in frame.columns if frame.get_column(c).null_count()}

    def text(name: str) -> pl.Expr:
        return escape(pl.col(name)) if name in markup else pl.col(name)

    parts: list[pl.Expr] = [pl.lit("    <item>\n")]
    for name in frame.columns:
        if ":" in name:
            attribute, part = name.split(":")
            if part != SHIPPING[0]:
                continue  # the group is written once, at its first sub-attribute
            subs = [
                f"<g:{sub}>" + text(f"{attribute}:{sub}") + f"</g:{sub}>"
                for sub in SHIPPING
                if f"{attribute}:{sub}" in frame.columns
            ]
            group = pl.concat_str(subs, ignore_nulls=True)
            price = pl.col(f"{attribute}:price")
            parts.append(pl.when(price.is_not_null()).then(f"      <g:{attribute}>" + group + f"</g:{attribute}>\n"))
            continue
        tag = _tag(name, fmt.unprefixed)
        open_tag, close_tag = f"      <{tag}>", f"</{tag}>\n"
        value = text(name)
        if name in repeated:
            value = value.str.replace_all(MULTI_SEP, close_tag + open_tag, literal=True)
        if name in nulls:
            parts.append(open_tag + value + close_tag)  # null where empty: left out
        else:  # filled everywhere: tags and value straight to concat_str, no string per value
            parts += [pl.lit(open_tag), value, pl.lit(close_tag)]
    parts.append(pl.lit("    </item>\n"))
    return pl.concat_str(parts, ignore_nulls=True)


def _origin(first: pl.DataFrame) -> str | None:
    """``https://shop.example`` from the first product link of the first batch."""
    if "link" not in first.columns:
        return None
    for value in first.get_column("link").drop_nulls().head(100):
        found = re.match(r"https?://[^/?#\s<>&]+", value)
        if found:
            return found.group(0)
    return None


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class GoogleXmlWriter(GoogleWriter):
    """Google's RSS 2.0 feed: ``<rss>``, one ``<channel>`` (its title, the origin of the first
    product link, a description), one ``<item>`` per product.
    https://support.google.com/merchants/answer/160589"""

    def __init__(self, sink: Sink, multi: set[str], *, title: str = "Products", today: date | None = None) -> None:
        super().__init__(sink, multi, today=today)
        self.title = title

    def _head(self, first: pl.DataFrame) -> None:
        origin = _origin(first)
        head = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<rss version="2.0" xmlns:g="{google_format().namespace}">',
            "  <channel>",
            f"    <title>{_xml_text(self.title)}</title>",
            *([f"    <link>{_xml_text(origin)}</link>"] if origin else []),
            f"    <description>{_xml_text(self.title)}, written by feedcheck</description>",
        ]
        self.sink.stream.write(("\n".join(head) + "\n").encode("utf-8"))

    def _body(self, batch: pl.DataFrame) -> None:
        frame = self._attributes(batch)
        write_records(frame, rss_items(frame, self.repeated), self.sink)

    def _tail(self) -> None:
        self.sink.stream.write(b"  </channel>\n</rss>\n")


class GoogleTsvWriter(GoogleWriter):
    """Google's tab-separated feed: a header of attribute names, one product per line, UTF-8,
    ``\\n`` line ends; several values of one attribute comma-separated; ``shipping`` as
    ``country:region:service:price``. A value holding a tab, a line break or ``"`` is quoted
    (``"..."``, quotes doubled). Formula-like cells get a leading ``'`` unless ``raw_cells``.
    https://support.google.com/merchants/answer/160588"""

    def __init__(self, sink: Sink, multi: set[str], *, raw_cells: bool = False, today: date | None = None) -> None:
        super().__init__(sink, multi, today=today)
        self.raw_cells = raw_cells
        self._header = True

    def _cells(self, frame: pl.DataFrame) -> pl.DataFrame:
        exprs: list[pl.Expr] = []
        for name in frame.columns:
            if ":" in name:
                attribute, part = name.split(":")
                if part != SHIPPING[0]:
                    continue

                def sub(which: str, attribute: str = attribute) -> pl.Expr:
                    column = f"{attribute}:{which}"
                    return pl.col(column).fill_null("") if column in frame.columns else pl.lit("")

                price = pl.col(f"{attribute}:price")
                cell = pl.concat_str([sub("country"), pl.lit("::"), sub("service"), pl.lit(":"), price])
                exprs.append(pl.when(price.is_not_null()).then(cell).alias(attribute))
            elif name in self.repeated:
                exprs.append(pl.col(name).str.replace_all(MULTI_SEP, ",", literal=True))
            else:
                exprs.append(pl.col(name))
        return frame.select(exprs)

    def _body(self, batch: pl.DataFrame) -> None:
        frame = self._attributes(batch)
        for start in range(0, frame.height, BATCH):
            chunk = self._cells(frame.slice(start, BATCH))
            if not self.raw_cells:
                chunk = neutralise(chunk)
            chunk.write_csv(
                self.sink.stream,
                separator="\t",
                include_header=self._header,
                line_terminator="\n",
                quote_style="necessary",
            )
            self._header = False


__all__ = [
    "GoogleField",
    "GoogleFormat",
    "GoogleTsvWriter",
    "GoogleWriter",
    "GoogleXmlWriter",
    "google_format",
    "google_frame",
]
