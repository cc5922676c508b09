"""Prices: parse every real-world form into an amount and an ISO 4217 currency.

Accepted: decimal comma or point, thousands separators (point, comma, space, no-break spaces,
apostrophe), the currency as a symbol, word or ISO code before or after the number
(``19,99 €``, ``EUR 19.99``, ``1 299,00 €``, ``50DKK``), Google's shipping form
(``FR::9 EUR``, ``DE::Standard:5 EUR``) and ``free``/``gratuit`` for a shipping cost.

A lone separator followed by exactly three digits (``1.299``) is ambiguous: it is read as a
thousands separator (1299; prices with three decimals are rare) and reported. Deciding per value,
not by a vote over the column, keeps every result independent of how a big feed is batched.
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


def _text(value: pl.Expr, shipping: bool) -> pl.Expr:
    text = value.str.replace_all(_SPACES, " ").str.strip_chars()
    if not shipping:
        return text
    # Google text feeds: country:region:service:price, the price last; of several
    # comma-separated groups ("FR:::4.90 EUR,DE:::6.90 EUR") the first one.
    first_group = text.str.extract(r"^(.*?)(?:,\s*[A-Za-z]{2}:.*)?$", 1)
    text = (
        pl.when(text.str.contains(":")).then(first_group.str.extract(r":([^:]*)$", 1).str.strip_chars()).otherwise(text)
    )
    return pl.when(text.str.contains(_FREE)).then(pl.lit("0")).otherwise(text)


def with_parsed_price(frame: pl.DataFrame, column: str, target: str, *, shipping: bool = False) -> pl.DataFrame:
    """Add ``target``: a struct {amount, text, currency, status, ambiguous, decimals,
    currency_token} parsed from ``column``.

    The work runs in stages over materialised columns: one polars expression holding every
    step would repeat shared sub-expressions and cost a hundred times more."""
    t = f"__tmp_{target}_"

    def c(name: str) -> pl.Expr:
        return pl.col(t + name)

    f = frame.with_columns(_text(pl.col(column), shipping).str.extract_groups(_SHAPE).alias(t + "parts"))
    f = f.with_columns(pl.col(t + "parts").struct.field(k).alias(t + k) for k in ("pre", "sign", "num", "post"))
    f = f.with_columns(
        c("num").str.replace_all(r"[ ']", "").str.extract_groups(_NUMBER).alias(t + "groups"),
        _currency_code(c("pre")).alias(t + "pre_code"),
        _currency_code(c("post")).alias(t + "post_code"),
    )
    f = f.with_columns(
        pl.col(t + "groups").struct.field("i").fill_null("0").alias(t + "i"),
        pl.col(t + "groups").struct.field("s").alias(t + "s"),
        pl.col(t + "groups").struct.field("f").alias(t + "f"),
    )
    i, sep, frac = c("i"), c("s"), c("f")
    f = f.with_columns(
        i.str.contains(r"[.,]").alias(t + "inner"),
        i.str.replace_all(r"\d", "").alias(t + "seps"),
        i.str.replace_all(r"[.,]", "").alias(t + "digits"),
        frac.str.len_chars().alias(t + "flen"),
    )
    inner, seps, digits, flen = c("inner"), c("seps"), c("digits"), c("flen")
    # A lone separator before exactly three digits (1.299, 2,499) could be a decimal mark or a
    # thousands separator: it is read as thousands (prices with three decimals are rare) and reported.
    ambiguous = sep.is_not_null() & ~inner & (flen == 3) & (i != "0")
    grouped = i.str.contains(r"^\d{1,3}(?:[.,]\d{3})+$")
    only_points, only_commas = seps.str.contains(r"^\.+$"), seps.str.contains(r"^,+$")
    inner_all_other = pl.when(sep == ",").then(only_points).otherwise(only_commas)
    inner_all_same = pl.when(sep == ",").then(only_commas).otherwise(only_points)
    decimal_text = digits + "." + frac
    thousands_text = digits + frac
    f = f.with_columns(
        ambiguous.alias(t + "ambiguous"),
        pl.when(c("num").is_null())
        .then(None)
        .when(sep.is_null())
        .then(pl.when(i.str.contains(r"^\d+$")).then(i))
        .when(ambiguous)
        .then(thousands_text)
        .when(~inner)
        .then(decimal_text)
        .when(grouped & inner_all_other)
        .then(decimal_text)
        .when(grouped & inner_all_same & (flen == 3))
        .then(thousands_text)
        .alias(t + "number"),
        pl.when(c("sign").is_in(["-", "−"])).then(pl.lit(-1.0)).otherwise(pl.lit(1.0)).alias(t + "sign_value"),
        pl.coalesce(c("pre_code"), c("post_code")).alias(t + "currency"),
    )
    number, pre, post, currency = c("number"), c("pre_code"), c("post_code"), c("currency")
    f = f.with_columns(
        (number.cast(pl.Float64, strict=False) * c("sign_value")).alias(t + "amount"),
        number.str.extract(r"\.(\d+)$", 1).alias(t + "fraction"),
        number.str.extract(r"^(\d+)", 1).str.strip_chars_start("0").alias(t + "integer"),
    )
    amount, fraction, integer = c("amount"), c("fraction"), c("integer")
    status = (
        pl.when(pl.col(column).is_null())
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
    f = f.with_columns(status.alias(t + "status"))
    usable = c("status").is_in(["ok", "bad-currency", "both-currencies"])
    plain = (
        pl.when(c("sign_value") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + pl.when(integer == "").then(pl.lit("0")).otherwise(integer)
        + "."
        + fraction.fill_null("").str.pad_end(2, "0")
    )
    result = pl.struct(
        pl.when(usable).then(amount).alias(AMOUNT),
        pl.when(usable & amount.is_not_null()).then(plain).alias(TEXT),
        pl.when(~currency.is_in(["?", "!"])).then(currency).alias(CURRENCY),
        c("status").alias(STATUS),
        (c("ambiguous") & amount.is_not_null()).alias("ambiguous"),
        fraction.str.len_chars().alias("decimals"),
        pl.coalesce(c("post"), c("pre")).alias("currency_token"),
    )
    f = f.with_columns(result.alias(target))
    return f.drop([name for name in f.columns if name.startswith(t)])


def parse_prices(values: pl.Series, *, shipping: bool = False) -> pl.DataFrame:
    """Parse a Series of price strings; one row per value with the struct's fields as columns."""
    frame = pl.DataFrame({"value": values.cast(pl.String)})
    return with_parsed_price(frame, "value", "p", shipping=shipping).select(pl.col("p").struct.unnest())


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """One parsed-price struct column per price field (``__<field>__p``). Prices repeat across
    a catalogue (a million products hold a few thousand distinct prices): each distinct value
    is parsed once and joined back."""
    for spec in ctx.fields_of(*PRICE_KINDS):
        target = helper(spec.name, "p")
        distinct = frame.select(pl.col(spec.name).unique().drop_nulls())
        parsed = with_parsed_price(distinct, spec.name, target, shipping=spec.name == "shipping_cost")
        # Joined on the key column alone: a join of the whole frame would copy every column.
        joined = frame.select(spec.name).join(parsed, on=spec.name, how="left", maintain_order="left")
        frame = frame.with_columns(joined.get_column(target))
    return frame


def resolve(ctx: Context) -> list[pl.Expr]:
    """Second stage: the currency each price is in: its own, else the one its column's name gives
    (``Price (EUR)``), else the product's price's (a bare shipping cost next to "39.90 EUR"), else
    the feed's currency column, else the default."""
    column = _currency_code(pl.col("currency")) if "currency" in ctx.present else pl.lit(None, dtype=pl.String)
    column = pl.when(~column.is_in(["?", "!"])).then(column)
    default = pl.lit(ctx.currency, dtype=pl.String)
    exprs = [column.alias(helper("currency", "code"))]
    main = pl.col(helper("price", "p")).struct.field(CURRENCY) if "price" in ctx.present else pl.lit(None, pl.String)
    if "price" in ctx.header_currencies:
        main = pl.coalesce(main, pl.lit(ctx.header_currencies["price"], dtype=pl.String))
    for spec in ctx.fields_of(*PRICE_KINDS):
        own = pl.col(helper(spec.name, "p")).struct.field(CURRENCY)
        named = pl.lit(ctx.header_currencies.get(spec.name), dtype=pl.String)
        exprs.append(pl.coalesce(own, named, main, column, default).alias(helper(spec.name, CURRENCY)))
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
                # A free shipping cost needs no currency; a price without one cannot be listed.
                "price-missing-currency",
                name,
                (status == "ok") & pl.col(helper(name, CURRENCY)).is_null() & (amount != 0),
                invalidates=False,  # the amount is fine; the feed lacks a currency setting
                blocks_listing=name == "price",
            ),
        ]
        if name == "price":  # a zero regular price is how many exports say "no discount"
            out.append(Rule("price-zero", name, amount == 0))
        # The feed's currency: its currency column, else the product's price.
        own = p.struct.field(CURRENCY)
        if "currency" in ctx.present:
            reference, label = pl.col(helper("currency", "code")), pl.col("currency")
        elif name != "price" and "price" in ctx.present:
            reference = pl.col(helper("price", "p")).struct.field(CURRENCY)
            label = reference
        else:
            continue
        shown = pl.col(name) + " with currency " + label
        out.append(Rule("price-currency-mismatch", name, own != reference, value=shown, invalidates=False))
    if {"price", "regular_price"} <= ctx.present:
        price = pl.col(helper("price", "p")).struct.field(AMOUNT)
        regular = pl.col(helper("regular_price", "p")).struct.field(AMOUNT)
        shown = pl.col("regular_price") + " < " + pl.col("price")
        below = (regular < price) & (regular != 0)
        out.append(Rule("regular-price-below-price", "regular_price", below, value=shown, invalidates=False))
    if "currency" in ctx.present:
        out.append(Rule("currency-unknown", "currency", pl.col(helper("currency", "code")).is_null()))
    return out
