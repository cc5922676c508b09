"""Prices: parse every real-world form into an amount and an ISO 4217 currency.

Accepted: decimal comma or point, thousands separators (point, comma, space, no-break spaces,
apostrophe), the currency as a symbol, word or ISO code before or after the number
(``19,99 €``, ``EUR 19.99``, ``1 299,00 €``, ``50DKK``), Google's shipping form
(``FR::9 EUR``, ``DE::Standard:5 EUR``) and ``free``/``gratuit`` for a shipping cost.

A lone separator followed by exactly three digits (``1.299``) is ambiguous: the column decides
(if its other prices use that separator as decimal mark, it is one; otherwise it groups
thousands) and the value is reported.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper
from feedcheck.checks.currencies import ISO_4217, SYMBOLS

_SPACES = r"[\u00a0\u202f\u2007\u2009\u200a\u2002\u2003]"
_FREE = r"(?i)^(free|gratuit|gratuite|offert|offerte|kostenlos|gratis|0\s*€?)$"
_SHAPE = (
    r"^(?P<pre>[^\d\s.,+\-−]+\.?)?\s*(?P<sign>[-+−])?\s*(?P<num>\d(?:[\d.,' ]*\d)?|[.,]\d+)"
    r"\s*(?P<post>[^\d\s.,][^\d]*)?$"
)
_NUMBER = r"^(?P<i>\d[\d.,]*?)?(?:(?P<s>[.,])(?P<f>\d+))?$"

# Derived columns, per price field.
AMOUNT = "amount"  # Float64, the parsed amount (null when unparseable)
TEXT = "text"  # String, the amount as a plain decimal with a point ("1299.00")
CURRENCY = "currency"  # String, ISO 4217 code or null
STATUS = "status"  # String: ok, unparseable, bad-currency, both-currencies

PRICE_KINDS = ("price",)
THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def _currency_code(token: pl.Expr) -> pl.Expr:
    """Symbol, word or code -> ISO code; null for none; "?" for an unknown currency-like token;
    "!" for a token that is no currency at all (``O €`` in ``19,9O €``, ``€/kg``)."""
    raw = token.str.strip_chars().str.strip_chars(" .")
    lowered = token.str.strip_chars().str.to_lowercase()
    by_symbol = lowered.replace_strict(SYMBOLS, default=None, return_dtype=pl.String)
    upper = raw.str.to_uppercase()
    iso = pl.when(upper.is_in(list(ISO_4217))).then(upper)
    unknown = pl.when(raw.str.contains(r"^[^\s\d/]{1,5}$")).then(pl.lit("?")).otherwise(pl.lit("!"))
    return (
        pl.when(token.is_null() | (raw.str.len_chars() == 0)).then(None).otherwise(pl.coalesce(by_symbol, iso, unknown))
    )


def parse_price(value: pl.Expr, *, shipping: bool = False) -> pl.Expr:
    """A struct {amount, text, currency, status, ambiguous, decimals} for each value."""
    text = value.str.replace_all(_SPACES, " ").str.strip_chars()
    if shipping:
        # Google text feeds: country:region:service:price, the price last; of several
        # comma-separated groups ("FR:::4.90 EUR,DE:::6.90 EUR") the first one.
        first_group = text.str.extract(r"^(.*?)(?:,\s*[A-Za-z]{2}:.*)?$", 1)
        text = (
            pl.when(text.str.contains(":"))
            .then(first_group.str.extract(r":([^:]*)$", 1).str.strip_chars())
            .otherwise(text)
        )
        text = pl.when(text.str.contains(_FREE)).then(pl.lit("0")).otherwise(text)
    parts = text.str.extract_groups(_SHAPE)
    number = parts.struct.field("num").str.replace_all(r"[ ']", "")
    groups = number.str.extract_groups(_NUMBER)
    i = groups.struct.field("i").fill_null("0")
    s = groups.struct.field("s")
    f = groups.struct.field("f")
    has_inner_sep = i.str.contains(r"[.,]")
    lone = s.is_not_null() & ~has_inner_sep
    ambiguous = lone & (f.str.len_chars() == 3) & (i != "0")
    # The column's decimal mark, from its unambiguous values (aggregates broadcast over rows).
    comma_votes = (lone & (s == ",") & ~ambiguous).sum()
    point_votes = (lone & (s == ".") & ~ambiguous).sum()
    column_mark = pl.when(comma_votes > point_votes).then(pl.lit(",")).when(point_votes > comma_votes).then(pl.lit("."))
    ambiguous_is_decimal = ambiguous & (s == column_mark).fill_null(False)
    grouped = i.str.contains(r"^\d{1,3}(?:[.,]\d{3})+$")
    seps = i.str.replace_all(r"\d", "")
    only_points, only_commas = seps.str.contains(r"^\.+$"), seps.str.contains(r"^,+$")
    inner_all_other = pl.when(s == ",").then(only_points).otherwise(only_commas)
    inner_all_same = pl.when(s == ",").then(only_commas).otherwise(only_points)
    int_digits = i.str.replace_all(r"[.,]", "")
    decimal_text = int_digits + "." + f
    thousands_text = int_digits + f
    number_text = (
        pl.when(parts.struct.field("num").is_null())
        .then(None)
        .when(s.is_null())
        .then(pl.when(i.str.contains(r"^\d+$")).then(i))
        .when(~has_inner_sep & ~ambiguous)
        .then(decimal_text)
        .when(ambiguous)
        .then(pl.when(ambiguous_is_decimal).then(decimal_text).otherwise(thousands_text))
        .when(has_inner_sep & grouped & inner_all_other)
        .then(decimal_text)
        .when(has_inner_sep & grouped & inner_all_same & (f.str.len_chars() == 3))
        .then(thousands_text)
    )
    sign = pl.when(parts.struct.field("sign").is_in(["-", "−"])).then(pl.lit(-1.0)).otherwise(pl.lit(1.0))
    amount = number_text.cast(pl.Float64, strict=False) * sign
    pre = _currency_code(parts.struct.field("pre"))
    post = _currency_code(parts.struct.field("post"))
    currency = pl.coalesce(pre, post)
    decimals = pl.when(number_text.str.contains(r"\.")).then(number_text.str.extract(r"\.(\d+)$", 1).str.len_chars())
    integer_part = number_text.str.extract(r"^(\d+)", 1).str.strip_chars_start("0")
    integer_part = pl.when(integer_part == "").then(pl.lit("0")).otherwise(integer_part)
    fraction = number_text.str.extract(r"\.(\d+)$", 1).fill_null("").str.pad_end(2, "0")
    plain = pl.when(amount.is_not_null()).then(
        pl.when(sign < 0).then(pl.lit("-")).otherwise(pl.lit("")) + integer_part + "." + fraction
    )
    status = (
        pl.when(value.is_null())
        .then(None)
        .when(amount.is_null() | (pre == "!") | (post == "!"))
        .then(pl.lit("unparseable"))
        .when(pre.is_not_null() & post.is_not_null() & ((pre == "?") | (post == "?")))
        .then(pl.lit("unparseable"))  # a word around the amount: "ab 19,99 €", "Prix: 19,99 €"
        .when(pre.is_not_null() & post.is_not_null() & (pre != post))
        .then(pl.lit("both-currencies"))
        .when(currency == "?")
        .then(pl.lit("bad-currency"))
        .otherwise(pl.lit("ok"))
    )
    usable = status.is_in(["ok", "bad-currency", "both-currencies"])
    return pl.struct(
        pl.when(usable).then(amount).alias(AMOUNT),
        pl.when(usable).then(plain).alias(TEXT),
        pl.when(~currency.is_in(["?", "!"])).then(currency).alias(CURRENCY),
        status.alias(STATUS),
        (ambiguous & amount.is_not_null()).alias("ambiguous"),
        decimals.alias("decimals"),
        pl.coalesce(parts.struct.field("post"), parts.struct.field("pre")).alias("currency_token"),
    )


def derive(ctx: Context) -> list[pl.Expr]:
    """One struct column per price field, then its resolved currency: from the value, else the
    feed's currency column, else the caller's default."""
    exprs: list[pl.Expr] = []
    for spec in ctx.fields_of(*PRICE_KINDS):
        exprs.append(
            parse_price(pl.col(spec.name), shipping=spec.name == "shipping_cost").alias(helper(spec.name, "p"))
        )
    return exprs


def resolve(ctx: Context) -> list[pl.Expr]:
    """Second stage: the currency each price is in: its own, else the product's price's (a bare
    shipping cost next to "39.90 EUR"), else the feed's currency column, else the default."""
    column = _currency_code(pl.col("currency")) if "currency" in ctx.present else pl.lit(None, dtype=pl.String)
    column = pl.when(~column.is_in(["?", "!"])).then(column)
    default = pl.lit(ctx.currency, dtype=pl.String)
    exprs = [column.alias(helper("currency", "code"))]
    main = pl.col(helper("price", "p")).struct.field(CURRENCY) if "price" in ctx.present else pl.lit(None, pl.String)
    for spec in ctx.fields_of(*PRICE_KINDS):
        own = pl.col(helper(spec.name, "p")).struct.field(CURRENCY)
        exprs.append(pl.coalesce(own, main, column, default).alias(helper(spec.name, CURRENCY)))
    return exprs


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of(*PRICE_KINDS):
        name = spec.name
        p = pl.col(helper(name, "p"))
        status, amount = p.struct.field(STATUS), p.struct.field(AMOUNT)
        out += [
            Rule("price-unparseable", name, status == "unparseable"),
            Rule("price-unknown-currency", name, status == "bad-currency", detail=name),
            Rule("price-conflicting-currencies", name, status == "both-currencies"),
            Rule("price-negative", name, amount < 0),
            Rule("price-ambiguous-separator", name, p.struct.field("ambiguous"), invalidates=False),
            Rule(
                "price-too-many-decimals",
                name,
                (p.struct.field("decimals") > 2)
                & ~p.struct.field("ambiguous")
                & ~pl.col(helper(name, CURRENCY)).is_in(list(THREE_DECIMALS)).fill_null(False),
                invalidates=False,
            ),
            Rule(
                # A free shipping cost needs no currency.
                "price-missing-currency",
                name,
                (status == "ok") & pl.col(helper(name, CURRENCY)).is_null() & (amount != 0),
                invalidates=False,
            ),
        ]
        if name == "price":  # a zero regular price is how many exports say "no discount"
            out.append(Rule("price-zero", name, amount == 0))
        if "currency" in ctx.present:
            own, column = p.struct.field(CURRENCY), pl.col(helper("currency", "code"))
            shown = pl.col(name) + " with currency " + pl.col("currency")
            out.append(Rule("price-currency-mismatch", name, own != column, value=shown, invalidates=False))
    if {"price", "regular_price"} <= ctx.present:
        price = pl.col(helper("price", "p")).struct.field(AMOUNT)
        regular = pl.col(helper("regular_price", "p")).struct.field(AMOUNT)
        shown = pl.col("regular_price") + " < " + pl.col("price")
        below = (regular < price) & (regular != 0)
        out.append(Rule("regular-price-below-price", "regular_price", below, value=shown, invalidates=False))
    if "currency" in ctx.present:
        out.append(Rule("currency-unknown", "currency", pl.col(helper("currency", "code")).is_null()))
    return out
