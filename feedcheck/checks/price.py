"""Amounts: every real-world form read into a number and the ISO 4217 currency it is in.

Accepted: decimal comma or point, thousands separators (point, comma, space, no-break spaces,
apostrophe), the currency as a symbol, word or ISO code before or after the number
(``19,99 €``, ``EUR 19.99``, ``1 299,00 €``, ``50DKK``), words saying the amount includes tax
(``19,99 EUR TTC``), Google's shipping form (``FR::Colissimo:4.90 EUR:1:3``, see
:mod:`~feedcheck.checks.shipping`) and words for free delivery in a shipping cost.

Four stages:

1. **parse** (:func:`derive_frame`, per distinct value): status, the currency the value names
   itself (a symbol several currencies share, ``$ ¥ kr``, names none: it keeps its candidates),
   and the number read both ways when a lone separator precedes exactly three digits (``1.299``).
2. **the feed's currency** (:func:`feed_facts`, feed-level, decided once on the first
   :data:`~feedcheck.limits.SAMPLE_ITEMS` records): when every currency the sample names is the
   same one, amounts that name none take it; whether the feed names a currency at all.
3. **resolve** (per item): the currency of each amount, the first of: the value's own
   (``19.99 EUR``); the header's (``Price (EUR)``, ``ctx.header_currencies``); the amount's own
   currency column (``regular_price_currency``, as feedcheck writes it); the feed's ``currency``
   column; for an amount other than the price, the same product's price (``39.90 EUR`` beside a
   bare shipping cost); the feed's format (``ctx.dialect_currency``, reported once as
   ``currency-from-format``); the feed's one currency
   (stage 2); the caller's ``currency``.
   A shared symbol takes the first of these only when it is one of its candidates. The
   currency's ISO 4217 minor units then decide the number: ``19.990 KWD`` is 19.990 (three
   decimals), ``1.500 JPY`` is 1500 (none), ``1.299 EUR`` is read as 1299 and reported as
   ambiguous. The amount is written with the currency's decimals (``19.99``, ``1500``, ``19.990``).
4. **sale** (per item): a filled ``sale_price`` (Google's discounted price) is the canonical
   ``price`` when it holds an amount and its ``sale_price_effective_date`` window, if any, covers
   ``ctx.today``; the column mapped to ``price`` then becomes ``regular_price``. Otherwise the
   regular price stays ``price`` and a sale outside its window is reported.
"""

from __future__ import annotations

import re

import polars as pl

from feedcheck.checks import dates, shipping
from feedcheck.checks.base import Context, Rule, helper
from feedcheck.checks.currencies import ISO_4217, MINOR_UNITS, SHARED_SYMBOLS, SYMBOLS, TAX_WORDS
from feedcheck.limits import SAMPLE_ITEMS

_SPACES = r"[\u00a0\u202f\u2007\u2009\u200a\u2002\u2003]"
_SHAPE = (
    r"^(?P<pre>[^\d\s.,+\-−]+\.?)?\s*(?P<sign>[-+−])?\s*(?P<num>\d(?:[\d.,' ]*\d)?|[.,]\d+)"
    r"\s*(?P<post>[^\d\s.,][^\d]*)?$"
)
_NUMBER = r"^(?P<i>\d[\d.,]*?)?(?:(?P<s>[.,])(?P<f>\d+))?$"


def _tax_pattern() -> str:
    """Whole tax words (``TTC``, ``inkl. MwSt.``), case-insensitive, dots and spaces optional."""
    words = []
    for word in TAX_WORDS:
        escaped = re.escape(word.rstrip(".")).replace(r"\.", r"\.?").replace(r"\ ", r"\s*")
        words.append(escaped + r"\.?")
    return r"(?i)(?:^|\s)(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + r")(?:\s|$)"


_TAX = _tax_pattern()

# Helper columns per amount field (``helper(field, name)``), all of them per item.
PARSED = "p"  # struct of the parse, per distinct value (fields below)
STATUS = "status"  # ok, unparseable, bad-currency, both-currencies, currency-only
CURRENCY = "currency"  # String: the ISO code the amount is in, after resolution (null: unknown)
AMOUNT = "amount"  # Float64: the amount (null unless status is ok)
TEXT = "text"  # String: the amount as written out, with the currency's decimals ("19.990", "1500")
AMBIGUOUS = "ambiguous"  # Boolean: "1.299 EUR", read as 1299
TOO_MANY = "too_many"  # Boolean: more decimals than the currency has, not all zeros
SHARED = "shared"  # String: candidates of a shared symbol no other source settled ("USD CAD ..."), else null
INFERRED = "inferred"  # Boolean: the currency is the feed's one currency, nothing closer named one
FROM_FORMAT = "from_format"  # Boolean: the currency is the one the feed's format implies (ctx.dialect_currency)
RESOLVED = (STATUS, CURRENCY, AMOUNT, TEXT, AMBIGUOUS, TOO_MANY, SHARED, INFERRED, FROM_FORMAT)
SALE = "sale_price"  # the canonical name of Google's discounted price, when a column feeds it
ACTIVE = "active"  # helper(SALE, ACTIVE): the sale price is today's price
OUTSIDE = "outside"  # helper(SALE, OUTSIDE): a sale price outside its window

PRICE_KINDS = ("price",)
_MARKS = ("?", "!")  # _currency_code: an unknown currency-like token, a token that is no currency


def _currency_code(token: pl.Expr) -> pl.Expr:
    """Symbol, word or code -> ISO code; null for none; ``"?"`` for an unknown currency-like
    token; ``"!"`` for a token that is no currency at all (``O €`` in ``19,9O €``, ``€/kg``);
    ``"~USD CAD ..."`` for a symbol several currencies share."""
    raw = token.str.strip_chars().str.strip_chars(" .")
    lowered = token.str.strip_chars().str.to_lowercase()
    by_symbol = lowered.replace_strict(SYMBOLS, default=None, return_dtype=pl.String)
    shared = lowered.replace_strict(
        {k: "~" + " ".join(v) for k, v in SHARED_SYMBOLS.items()}, default=None, return_dtype=pl.String
    )
    upper = raw.str.to_uppercase()
    iso = pl.when(upper.is_in(list(ISO_4217))).then(upper)
    unknown = pl.when(raw.str.contains(r"^[^\s\d/]{1,5}$")).then(pl.lit("?")).otherwise(pl.lit("!"))
    return (
        pl.when(token.is_null() | (raw.str.len_chars() == 0))
        .then(None)
        .otherwise(pl.coalesce(by_symbol, shared, iso, unknown))
    )


def _code_of(value: pl.Expr) -> pl.Expr:
    """The ISO code a currency value names (``€``, ``eur``, ``Euro``), null for anything else."""
    code = _currency_code(value)
    return pl.when(_is_code(code)).then(code)


def _is_code(code: pl.Expr) -> pl.Expr:
    return code.is_not_null() & ~code.is_in(list(_MARKS)) & ~code.str.starts_with("~")


def _settles(candidates: pl.Expr, code: pl.Expr) -> pl.Expr:
    """Whether ``code`` is one of a shared symbol's space-separated ``candidates``."""
    return (" " + candidates + " ").str.contains(" " + code + " ", literal=True).fill_null(False)


def with_parsed_price(frame: pl.DataFrame, column: str, target: str, *, shipping_order: object = None) -> pl.DataFrame:
    """Add ``target``: a struct {status, own, shared, negative, whole, decimal, ambiguous,
    currency_token, country, service, groups} parsed from ``column``.

    ``own`` is the ISO code the value names (null when none, or only a shared symbol, whose
    candidates are in ``shared``); ``whole`` is the number read with a lone ``.``/``,`` before three
    digits as a thousands separator (``"1299"``), ``decimal`` read as a decimal mark (``"1.299"``),
    the same string when the value is not ``ambiguous``. ``shipping_order`` (a shipping cost only:
    ``False`` for Google's default order, else the header's order) reads the value as Google's
    ``country:region:service:price`` form first (``country``, ``service``, ``groups``).

    The work runs in stages over materialised columns: one polars expression holding every
    step would repeat shared sub-expressions and cost a hundred times more."""
    t = f"__tmp_{target}_"

    def c(name: str) -> pl.Expr:
        return pl.col(t + name)

    text = pl.col(column).str.replace_all(_SPACES, " ").str.strip_chars()
    f = frame.with_columns(text.alias(t + "text"))
    if shipping_order is not None:
        order = shipping_order if isinstance(shipping_order, tuple) else None
        f = f.with_columns(shipping.split(c("text"), order).alias(t + "ship"))
        f = f.with_columns(
            c("ship").struct.field("price").alias(t + "text"),
            *(c("ship").struct.field(k).alias(t + k) for k in ("country", "service", "groups")),
        )
        free = c("text").str.contains(shipping.free_pattern())
        f = f.with_columns(pl.when(free).then(pl.lit("0")).otherwise(c("text")).alias(t + "text"))
    else:
        f = f.with_columns(
            pl.lit(None, dtype=pl.String).alias(t + "country"),
            pl.lit(None, dtype=pl.String).alias(t + "service"),
            pl.lit(1, dtype=pl.Int32).alias(t + "groups"),
        )
    # Words saying the amount includes tax ("19,99 EUR TTC") say nothing about the amount.
    f = f.with_columns(c("text").str.replace_all(_TAX, " ").str.strip_chars().alias(t + "text"))
    f = f.with_columns(
        c("text").str.extract_groups(_SHAPE).alias(t + "parts"),
        _currency_code(c("text")).alias(t + "alone"),
    )
    f = f.with_columns(pl.col(t + "parts").struct.field(k).alias(t + k) for k in ("pre", "sign", "num", "post"))
    f = f.with_columns(
        c("num").str.replace_all(r"[ ']", "").str.extract_groups(_NUMBER).alias(t + "groups_n"),
        _currency_code(c("pre")).alias(t + "pre_code"),
        _currency_code(c("post")).alias(t + "post_code"),
    )
    f = f.with_columns(
        pl.col(t + "groups_n").struct.field("i").fill_null("0").alias(t + "i"),
        pl.col(t + "groups_n").struct.field("s").alias(t + "s"),
        pl.col(t + "groups_n").struct.field("f").alias(t + "f"),
    )
    i, sep, frac = c("i"), c("s"), c("f")
    f = f.with_columns(
        i.str.contains(r"[.,]").alias(t + "inner"),
        i.str.replace_all(r"\d", "").alias(t + "seps"),
        i.str.replace_all(r"[.,]", "").alias(t + "digits"),
        frac.str.len_chars().alias(t + "flen"),
    )
    inner, seps, digits, flen = c("inner"), c("seps"), c("digits"), c("flen")
    # A lone separator before exactly three digits (1.299, 2,499) is a decimal mark or a thousands
    # separator: the currency decides later (three decimals for KWD, none for JPY); both readings kept.
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
        .alias(t + "whole"),
        c("sign").is_in(["-", "−"]).fill_null(False).alias(t + "negative"),
    )
    f = f.with_columns(pl.when(c("ambiguous")).then(decimal_text).otherwise(c("whole")).alias(t + "decimal"))
    pre, post, whole = c("pre_code"), c("post_code"), c("whole")
    # One token named: its code. Two: the same one, or a shared symbol and a code it allows ("$ 5 USD").
    pre_shared, post_shared = pre.str.starts_with("~"), post.str.starts_with("~")
    agreed = (
        pl.when(pre.is_null())
        .then(post)
        .when(post.is_null())
        .then(pre)
        .when(pre == post)
        .then(pre)
        .when(pre_shared & _is_code(post) & _settles(pre.str.slice(1), post))
        .then(post)
        .when(post_shared & _is_code(pre) & _settles(post.str.slice(1), pre))
        .then(pre)
    )
    f = f.with_columns(agreed.alias(t + "agreed"))
    agreed_code = c("agreed")
    both = pre.is_not_null() & post.is_not_null()
    status = (
        pl.when(pl.col(column).is_null())
        .then(None)
        .when(_is_code(c("alone")) & c("num").is_null())
        .then(pl.lit("currency-only"))  # "EUR" alone: an export's empty amount
        .when(whole.is_null() | (pre == "!") | (post == "!"))
        .then(pl.lit("unparseable"))
        .when(both & ((pre == "?") | (post == "?")))
        .then(pl.lit("unparseable"))  # a word around the amount: "ab 19,99 €", "Prix: 19,99 €"
        .when(both & agreed_code.is_null())
        .then(pl.lit("both-currencies"))
        .when(agreed_code == "?")
        .then(pl.lit("bad-currency"))
        .otherwise(pl.lit("ok"))
    )
    f = f.with_columns(status.alias(t + "status"))
    result = pl.struct(
        c("status").alias(STATUS),
        pl.when(_is_code(agreed_code)).then(agreed_code).alias("own"),
        pl.when(agreed_code.str.starts_with("~")).then(agreed_code.str.slice(1)).alias("shared"),
        c("negative").alias("negative"),
        whole.alias("whole"),
        c("decimal").alias("decimal"),
        (c("ambiguous") & whole.is_not_null()).alias("ambiguous"),
        pl.coalesce(c("post"), c("pre")).alias("currency_token"),
        c("country").alias("country"),
        c("service").alias("service"),
        c("groups").alias("groups"),
    )
    f = f.with_columns(result.alias(target))
    return f.drop([name for name in f.columns if name.startswith(t)])


def parse_prices(values: pl.Series, *, shipping_cost: bool = False) -> pl.DataFrame:
    """Read a Series of amounts on their own (no header, column or feed to say a currency): one
    row per value with ``status``, ``currency`` (the one the value names), ``amount``, ``text``
    (with that currency's decimals), ``ambiguous``, ``too_many``, ``shared``, ``country``,
    ``service`` and ``groups``."""
    name = "value"
    order: object = False if shipping_cost else None
    frame = pl.DataFrame({name: values.cast(pl.String)})
    frame = with_parsed_price(frame, name, helper(name, PARSED), shipping_order=order)
    p = pl.col(helper(name, PARSED))
    frame = frame.with_columns(
        p.struct.field(STATUS).alias(helper(name, STATUS)),
        pl.when(p.struct.field(STATUS).is_in(["ok", "unparseable", "currency-only"]))
        .then(p.struct.field("own"))
        .alias(helper(name, CURRENCY)),
    )
    frame = frame.with_columns(_resolved_number(name)).with_columns(_written(name))
    return frame.select(
        *(pl.col(helper(name, k)).alias(k) for k in (STATUS, CURRENCY, AMOUNT, TEXT, AMBIGUOUS, TOO_MANY)),
        *(p.struct.field(k) for k in ("shared", "country", "service", "groups")),
    )


def amount_fields(ctx: Context) -> list[str]:
    """The amount fields that have a column: the profile's price fields, and ``sale_price``."""
    names = [spec.name for spec in ctx.fields_of(*PRICE_KINDS)]
    return [*names, SALE] if SALE in ctx.present else names


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def _shipping_order(ctx: Context, name: str) -> object:
    if name != "shipping_cost":
        return None
    return shipping.header_order(ctx.columns.get(name)) or False


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Parse every amount field, decide the feed's currency on the first records, resolve each
    amount's currency and number, and apply the sale rule.

    Amounts repeat across a catalogue (a million products hold a few thousand distinct prices):
    each distinct value is parsed once, each distinct (value, currency context) resolved once, and
    only the results are joined back, one compact column each (:data:`RESOLVED`, ``own``,
    ``groups``; ``country`` and ``service`` for a shipping cost)."""
    names = amount_fields(ctx)
    parsed = {name: _parse_distinct(frame, ctx, name) for name in names}
    if "currency" in ctx.present:
        column = _code_of(pl.col("currency"))
        # A currency column that says something unreadable on a row ("kr", "Dollars") stops the search.
        unreadable = pl.col("currency").is_not_null() & column.is_null()
        frame = _by_distinct(frame, ["currency"], [column.alias(_CODE), unreadable.alias(_UNREADABLE)])
    for name in names:
        if f"{name}_currency" in ctx.present:
            given = _code_of(pl.col(f"{name}_currency")).alias(helper(name, "given"))
            frame = _by_distinct(frame, [f"{name}_currency"], [given])
    if "price" in parsed:
        own = parsed["price"].select("price", pl.col(helper("price", PARSED)).struct.field("own").alias(_PRICE_OWN))
        frame = frame.with_columns(
            frame.select("price").join(own, on="price", how="left", maintain_order="left").get_column(_PRICE_OWN)
        )
    if not ctx.facts_decided:  # a frame checked on its own: it is its own sample
        feed_facts(frame.head(SAMPLE_ITEMS), ctx, parsed)
    for name in names:
        keys = [name, *_context(ctx, name)]
        distinct = frame.select(keys).unique().join(parsed[name], on=name, how="left", nulls_equal=False)
        distinct = distinct.with_columns(_resolve(ctx, name))
        distinct = distinct.with_columns(_resolved_number(name)).with_columns(_written(name))
        p = pl.col(helper(name, PARSED))
        kept = [helper(name, k) for k in RESOLVED]
        extra = [
            p.struct.field("own").alias(helper(name, "own")),
            p.struct.field("groups").alias(helper(name, "groups")),
        ]
        if name == "shipping_cost":
            extra += [p.struct.field(k).alias(helper(name, k)) for k in ("country", "service")]
        results = distinct.select(*keys, *kept, *extra)
        joined = frame.select(keys).join(results, on=keys, how="left", maintain_order="left", nulls_equal=True)
        frame = frame.with_columns(joined.drop(keys))
    return apply_sale(frame, ctx)


_PRICE_OWN = helper("price", "own")  # the currency the price names, beside every amount of its product
_CODE = helper("currency", "code")  # the currency column's ISO code (null: empty or no currency)
_UNREADABLE = helper("currency", "unreadable")  # the currency column holds something that is no currency


def _parse_distinct(frame: pl.DataFrame, ctx: Context, name: str) -> pl.DataFrame:
    """The parse of each distinct value of ``name``: columns ``name`` and ``__<name>__p``."""
    distinct = frame.select(pl.col(name).unique().drop_nulls())
    return with_parsed_price(distinct, name, helper(name, PARSED), shipping_order=_shipping_order(ctx, name))


def _context(ctx: Context, name: str) -> list[str]:
    """The columns, besides the value, that an amount's currency may come from on its row."""
    out = []
    if f"{name}_currency" in ctx.present:
        out.append(helper(name, "given"))
    if "currency" in ctx.present:
        out += [_CODE, _UNREADABLE]
    if name != "price" and "price" in ctx.present:
        out.append(_PRICE_OWN)
    return out


def _by_distinct(frame: pl.DataFrame, keys: list[str], exprs: list[pl.Expr]) -> pl.DataFrame:
    """``frame`` with ``exprs`` (functions of the ``keys`` columns alone) computed once per
    distinct combination of keys and joined back, on those columns only."""
    distinct = frame.select(keys).unique().with_columns(exprs)
    joined = frame.select(keys).join(distinct, on=keys, how="left", maintain_order="left", nulls_equal=True)
    return frame.with_columns(joined.drop(keys))


def _header_currency(ctx: Context, name: str) -> str | None:
    code = ctx.header_currencies.get(name)
    return code.upper() if code and code.upper() in ISO_4217 else None


def decide_feed_facts(sample: pl.DataFrame, ctx: Context) -> None:
    """:func:`feed_facts` on the canonical frame of the first :data:`SAMPLE_ITEMS` records,
    decided once for a feed checked batch by batch (so that no batch decides them again)."""
    sample = sample.head(SAMPLE_ITEMS)
    names = amount_fields(ctx)
    parsed = {name: _parse_distinct(sample, ctx, name) for name in names}
    if "currency" in ctx.present:
        sample = sample.with_columns(_code_of(pl.col("currency")).alias(_CODE))
    feed_facts(sample, ctx, parsed)


def feed_facts(sample: pl.DataFrame, ctx: Context, parsed: dict[str, pl.DataFrame]) -> None:
    """Feed-level facts, decided on the first :data:`SAMPLE_ITEMS` records (``sample``; ``parsed``
    holds each amount field's distinct values parsed), stored on ``ctx``: ``feed_currency``, the one
    currency the sample names when it names exactly one (amounts' own currencies, header
    currencies, the currency column); ``feed_names_currency``, whether the feed says its currency
    anywhere (those, a dialect's, or the caller's)."""
    named: set[str] = set()
    for name, values in parsed.items():
        own = sample.select(name).join(values, on=name, how="inner")
        named.update(own.select(pl.col(helper(name, PARSED)).struct.field("own").drop_nulls().unique()).to_series())
        header = _header_currency(ctx, name)
        if header is not None:
            named.add(header)
    if "currency" in ctx.present:
        named.update(sample.get_column(helper("currency", "code")).drop_nulls().unique().to_list())
    ctx.feed_currency = next(iter(named)) if len(named) == 1 else None
    ctx.feed_names_currency = bool(named) or ctx.dialect_currency is not None or ctx.currency is not None
    ctx.facts_decided = True


def _literal(code: str | None) -> pl.Expr:
    return pl.lit(code, dtype=pl.String)


def _own_column(ctx: Context, name: str) -> pl.Expr:
    """The amount's own currency column (``regular_price_currency``, as feedcheck writes it)."""
    if f"{name}_currency" not in ctx.present:
        return _literal(None)
    return pl.col(helper(name, "given"))


def _resolve(ctx: Context, name: str) -> list[pl.Expr]:
    """The currency of the amount ``name`` by the resolution order (module docstring)."""
    p = pl.col(helper(name, PARSED))
    own, shared, status = p.struct.field("own"), p.struct.field("shared"), p.struct.field(STATUS)
    column = pl.col(helper("currency", "code")) if "currency" in ctx.present else _literal(None)
    same_product = _literal(None)
    if name != "price" and "price" in ctx.present:
        same_product = pl.coalesce(pl.col(_PRICE_OWN), _literal(_header_currency(ctx, "price")))
    closer = [_literal(_header_currency(ctx, name)), _own_column(ctx, name), column, same_product]
    closer.append(_literal(ctx.dialect_currency))
    elsewhere = pl.coalesce(*closer, _literal(ctx.feed_currency), _literal(ctx.currency))
    if "currency" in ctx.present:
        # A currency column that says something unreadable on this row ("kr", "Dollars") stops the
        # search: the feed's or the caller's currency would contradict the row.
        elsewhere = pl.when(pl.col(_UNREADABLE)).then(pl.coalesce(closer[:2])).otherwise(elsewhere)
    settled = _settles(shared, elsewhere)
    usable = status.is_in(["ok", "unparseable", "currency-only"])
    currency = (
        pl.when(~usable)
        .then(None)
        .when(own.is_not_null())
        .then(own)
        .when(shared.is_not_null())
        .then(pl.when(settled).then(elsewhere))
        .otherwise(elsewhere)
    )
    inferred = (
        (status == "ok") & own.is_null() & pl.coalesce(*closer).is_null() & _literal(ctx.feed_currency).is_not_null()
    )
    inferred = inferred & (shared.is_null() | settled)
    # The format's currency (Heureka.cz: CZK) where nothing on the row named one.
    from_format = (status == "ok") & own.is_null() & pl.coalesce(*closer[:4]).is_null()
    from_format = from_format & _literal(ctx.dialect_currency).is_not_null() & (shared.is_null() | settled)
    return [
        status.alias(helper(name, STATUS)),
        currency.alias(helper(name, CURRENCY)),
        pl.when((status == "ok") & shared.is_not_null() & ~settled).then(shared).alias(helper(name, SHARED)),
        inferred.fill_null(False).alias(helper(name, INFERRED)),
        from_format.fill_null(False).alias(helper(name, FROM_FORMAT)),
    ]


def _resolved_number(name: str) -> pl.Expr:
    """The number as a plain decimal string, read by the currency's minor units."""
    p = pl.col(helper(name, PARSED))
    minor = pl.col(helper(name, CURRENCY)).replace_strict(MINOR_UNITS, default=None, return_dtype=pl.Int32)
    decimal = p.struct.field("ambiguous") & (minor >= 3).fill_null(False)
    number = pl.when(decimal).then(p.struct.field("decimal")).otherwise(p.struct.field("whole"))
    return pl.when(pl.col(helper(name, STATUS)) == "ok").then(number).alias(helper(name, "number"))


def _written(name: str) -> list[pl.Expr]:
    """Amount, text with the currency's decimals, and the warnings that depend on the currency."""
    p = pl.col(helper(name, PARSED))
    number = pl.col(helper(name, "number"))
    minor = pl.col(helper(name, CURRENCY)).replace_strict(MINOR_UNITS, default=None, return_dtype=pl.Int32)
    places = minor.fill_null(2)
    negative = p.struct.field("negative")
    sign = pl.when(negative).then(pl.lit("-")).otherwise(pl.lit(""))
    fraction = number.str.extract(r"\.(\d+)$", 1).fill_null("")
    integer = number.str.extract(r"^(\d+)", 1).str.strip_chars_start("0")
    integer = pl.when(integer == "").then(pl.lit("0")).otherwise(integer)
    beyond = fraction.str.slice(places)
    extra = beyond.str.contains(r"[1-9]")  # decimals past the currency's that are not zeros
    kept = pl.when(extra).then(fraction).otherwise(fraction.str.slice(0, places)).str.pad_end(places, "0")
    text = sign + integer + pl.when(kept.str.len_chars() > 0).then("." + kept).otherwise(pl.lit(""))
    # Read as thousands (1.299 EUR -> 1299): a warning unless the currency has no decimals at all.
    warned = p.struct.field("ambiguous") & ~minor.is_in([0, 3, 4]).fill_null(False)
    amount = number.cast(pl.Float64, strict=False) * pl.when(negative).then(pl.lit(-1.0)).otherwise(pl.lit(1.0))
    return [
        amount.alias(helper(name, AMOUNT)),
        pl.when(number.is_not_null()).then(text).alias(helper(name, TEXT)),
        (warned & number.is_not_null()).fill_null(False).alias(helper(name, AMBIGUOUS)),
        (extra & ~warned & number.is_not_null()).fill_null(False).alias(helper(name, TOO_MANY)),
    ]


def _carried(name: str) -> list[str]:
    """The columns that move with an amount when the sale rule swaps it: the value and its helpers."""
    return [name, *(helper(name, k) for k in (*RESOLVED, "own", "groups"))]


def apply_sale(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Google's sale rule, per item (DESIGN.md, price semantics): where ``sale_price`` holds an
    amount and its window (``sale_price_effective_date``, if any) covers ``ctx.today``, the sale
    price becomes ``price`` and the price ``regular_price``; elsewhere the price stays. A window
    that cannot be read does not stop the sale (``date-range-invalid`` reports it)."""
    if SALE not in ctx.present:
        return frame
    has_amount = (pl.col(helper(SALE, STATUS)) == "ok") & pl.col(helper(SALE, AMOUNT)).is_not_null()
    window = pl.lit(True)
    if "sale_price_effective_date" in ctx.present:
        window = dates.window_covers(pl.col("sale_price_effective_date"), ctx.today)
    active = has_amount & window.fill_null(True)
    frame = frame.with_columns(
        active.fill_null(False).alias(helper(SALE, ACTIVE)),
        (has_amount & ~window.fill_null(True)).fill_null(False).alias(helper(SALE, OUTSIDE)),
    )
    on = pl.col(helper(SALE, ACTIVE))
    swapped = []
    for sale, price, regular in zip(_carried(SALE), _carried("price"), _carried("regular_price"), strict=True):
        swapped.append(pl.when(on).then(pl.col(sale)).otherwise(pl.col(price)).alias(price))
        swapped.append(pl.when(on).then(pl.col(price)).otherwise(pl.col(regular)).alias(regular))
    return frame.with_columns(swapped)


def _feed_rules(ctx: Context, names: list[str]) -> list[Rule]:
    """The feed's currency, reported once: the format's, or inferred, for amounts that named none;
    or never said."""
    out: list[Rule] = []
    if ctx.dialect_currency is not None:
        took = [pl.col(helper(n, FROM_FORMAT)) & _counted(n) for n in names]
        shown = pl.coalesce([pl.when(hit).then(pl.col(n)) for hit, n in zip(took, names, strict=True)])
        out.append(
            Rule(
                "currency-from-format",
                names[0],
                pl.any_horizontal(took),
                value=shown,
                invalidates=False,
                needs_value=False,
                detail=f"{ctx.dialect_currency}, the currency of the {ctx.dialect or 'feed'} format",
                feed_level=True,
            )
        )
    if ctx.feed_currency is not None:
        took = [pl.col(helper(n, INFERRED)) & _counted(n) for n in names]
        shown = pl.coalesce([pl.when(hit).then(pl.col(n)) for hit, n in zip(took, names, strict=True)])
        out.append(
            Rule(
                "currency-inferred",
                names[0],
                pl.any_horizontal(took),
                value=shown,
                invalidates=False,
                needs_value=False,
                detail=ctx.feed_currency,
                feed_level=True,
            )
        )
    if not ctx.feed_names_currency:
        # One feed-level finding instead of one per product: the fix is one setting.
        first = "price" if "price" in names else names[0]
        out.append(
            Rule(
                "feed-currency-missing",
                first,
                _lacks_currency(first),
                invalidates=False,
                blocks_listing=first == "price",
                feed_level=True,
            )
        )
    return out


def _first_candidates(shared: pl.Expr) -> pl.Expr:
    """``USD CAD AUD NZD MXN ...`` -> ``USD, CAD, AUD...``: enough to show why it is unclear."""
    listed = shared.str.split(" ")
    head = listed.list.head(3).list.join(", ")
    return head + pl.when(listed.list.len() > 3).then(pl.lit("...")).otherwise(pl.lit(""))


def _counted(name: str) -> pl.Expr:
    """Items where the amount ``name`` counts: everywhere, except a sale price that is the price."""
    if name == SALE:
        return ~pl.col(helper(SALE, ACTIVE))
    return pl.lit(True)


def _lacks_currency(name: str) -> pl.Expr:
    amount = pl.col(helper(name, AMOUNT))
    return (
        (pl.col(helper(name, STATUS)) == "ok")
        & pl.col(helper(name, CURRENCY)).is_null()
        & pl.col(helper(name, SHARED)).is_null()
        & (amount != 0)
        & _counted(name)
    )


def rules(ctx: Context) -> list[Rule]:
    names = amount_fields(ctx)
    out: list[Rule] = _feed_rules(ctx, names) if names else []
    for name in names:
        status, amount, counted = pl.col(helper(name, STATUS)), pl.col(helper(name, AMOUNT)), _counted(name)
        # An export's empty price written as its currency alone ("EUR"): no amount. For the price
        # that is unreadable; a sale or regular price holding only a currency is simply none.
        unreadable = (status == "unparseable") | ((status == "currency-only") & (name == "price"))
        shared = pl.col(helper(name, SHARED))
        out += [
            Rule("price-unparseable", name, unreadable & counted),
            Rule("price-unknown-currency", name, (status == "bad-currency") & counted, detail=name),
            Rule("price-conflicting-currencies", name, (status == "both-currencies") & counted),
            Rule("price-negative", name, (amount < 0) & counted),
            Rule("price-ambiguous-separator", name, pl.col(helper(name, AMBIGUOUS)) & counted, invalidates=False),
            Rule("price-too-many-decimals", name, pl.col(helper(name, TOO_MANY)) & counted, invalidates=False),
            Rule(
                "price-currency-ambiguous",
                name,
                shared.is_not_null() & counted,
                value=pl.col(name) + " (" + _first_candidates(shared) + "?)",
                invalidates=False,  # the amount is fine; which currency it is in is not said
                blocks_listing=name == "price",
            ),
        ]
        if ctx.feed_names_currency:
            out.append(
                Rule(
                    # A free shipping cost needs no currency; a price without one cannot be listed.
                    "price-missing-currency",
                    name,
                    _lacks_currency(name),
                    invalidates=False,  # the amount is fine; the feed lacks a currency setting
                    blocks_listing=name == "price",
                )
            )
        if name == "price":  # a zero regular price is how many exports say "no discount"
            out.append(Rule("price-zero", name, amount == 0))
        if name == "shipping_cost":
            groups = pl.col(helper(name, "groups"))
            out.append(Rule("shipping-several-groups", name, groups > 1, invalidates=False))
        # The product's currency: its currency column, else (for another amount) its price's own.
        own = pl.col(helper(name, "own"))
        columns: list[pl.Expr] = []
        if "currency" in ctx.present:
            columns.append(pl.col(helper("currency", "code")))
        if name != "price" and "price" in ctx.present:
            columns.append(pl.col(helper("price", "own")))
        if not columns:
            continue
        reference = label = pl.coalesce(columns)
        shown = pl.col(name) + " with currency " + label
        mismatch = (own != reference) & counted
        out.append(Rule("price-currency-mismatch", name, mismatch, value=shown, invalidates=False))
    if SALE in ctx.present:
        outside = pl.col(helper(SALE, OUTSIDE))
        shown = pl.col(SALE)
        if "sale_price_effective_date" in ctx.present:
            shown = shown + " (" + pl.col("sale_price_effective_date") + ")"
        out.append(
            Rule("sale-price-outside-window", SALE, outside, value=shown, invalidates=False, detail=str(ctx.today))
        )
    if {"price", "regular_price"} <= ctx.present:
        price = pl.col(helper("price", AMOUNT))
        regular = pl.col(helper("regular_price", AMOUNT))
        shown = pl.col("regular_price") + " < " + pl.col("price")
        # Amounts in two currencies are not compared (price-currency-mismatch says they differ).
        currencies = pl.col(helper("regular_price", CURRENCY)), pl.col(helper("price", CURRENCY))
        comparable = (currencies[0] == currencies[1]).fill_null(True)
        below = (regular < price) & (regular != 0) & comparable
        out.append(Rule("regular-price-below-price", "regular_price", below, value=shown, invalidates=False))
    if "currency" in ctx.present:
        out.append(Rule("currency-unknown", "currency", pl.col(helper("currency", "code")).is_null()))
    return out
