"""GTIN / EAN / UPC / ISBN: digits, length, GS1 check digit, restricted and coupon prefixes.

Several codes in one cell (``3276420884255|3661699067629``) are each checked; an item counts
once per issue, the example shows the first offending code.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper

_SCIENTIFIC = r"^\d(?:[.,]\d+)?[eE]\+?\d+$"
_SPLIT_CODES = "[,;|\x1f]"  # between several codes in one cell (or repeated XML elements)


def normalise(value: pl.Expr) -> pl.Expr:
    """Strip the spaces and dashes GS1 allows printers to add."""
    return value.str.replace_all(r"[\s\-\u00a0]", "")


def gs1_check_digit_ok(digits: pl.Expr) -> pl.Expr:
    """True when the last digit is the GS1 mod-10 check of the others (any GTIN length)."""
    padded = digits.str.pad_start(18, "0")
    total: pl.Expr = pl.lit(0, dtype=pl.Int32)
    for position in range(17):  # weights 3,1,3,1... counted from the digit left of the check
        weight = 3 if (17 - position) % 2 == 1 else 1
        total = total + padded.str.slice(position, 1).cast(pl.Int32, strict=False) * weight
    check = (10 - total % 10) % 10
    return padded.str.slice(17, 1).cast(pl.Int32, strict=False) == check


def with_check_digit(body: pl.Expr) -> pl.Expr:
    """``body`` (digits) followed by its GS1 check digit."""
    padded = body.str.pad_start(17, "0")
    total: pl.Expr = pl.lit(0, dtype=pl.Int32)
    for position in range(17):
        weight = 3 if (17 - position) % 2 == 1 else 1
        total = total + padded.str.slice(position, 1).cast(pl.Int32, strict=False) * weight
    return body + ((10 - total % 10) % 10).cast(pl.String)


def normalised_code(code: pl.Expr, problem: pl.Expr) -> pl.Expr:
    """The form publishers expect: a lost leading zero restored, ISBN-10 as ISBN-13."""
    return (
        pl.when(problem == "gtin-lost-leading-zero")
        .then("0" + code)
        .when(problem == "gtin-isbn10")
        .then(with_check_digit("978" + code.str.slice(0, 9)))
        .otherwise(code)
    )


def isbn10_ok(code: pl.Expr) -> pl.Expr:
    """ISBN-10: weights 10..1, the last digit may be X (10); the sum is a multiple of 11."""
    total: pl.Expr = pl.lit(0, dtype=pl.Int32)
    for position in range(9):
        total = total + code.str.slice(position, 1).cast(pl.Int32, strict=False) * (10 - position)
    last = code.str.slice(9, 1)
    last_value = pl.when(last.str.to_uppercase() == "X").then(pl.lit(10)).otherwise(last.cast(pl.Int32, strict=False))
    return (total + last_value) % 11 == 0


def _classify(code: pl.Expr) -> pl.Expr:
    """The problem with one code, or null when it is a valid GTIN."""
    digits_only = code.str.contains(r"^\d+$")
    length = code.str.len_chars()
    isbn10 = (length == 10) & code.str.contains(r"^\d{9}[\dXx]$")
    # The GS1 prefix is read on the 13-digit form; a GTIN-14 starts with a packaging indicator.
    prefix = pl.when(length == 14).then(code.str.slice(1, 2)).otherwise(code.str.pad_start(13, "0").str.slice(0, 2))
    first = prefix.str.slice(0, 1)
    return (
        pl.when(code.str.contains(_SCIENTIFIC))
        .then(pl.lit("gtin-scientific-notation"))
        .when(isbn10 & isbn10_ok(code))
        .then(pl.lit("gtin-isbn10"))
        .when(~digits_only)
        .then(pl.lit("gtin-not-digits"))
        .when((length == 11) & gs1_check_digit_ok(code))
        .then(pl.lit("gtin-lost-leading-zero"))
        .when(~length.is_in([8, 12, 13, 14]))
        .then(pl.lit("gtin-bad-length"))
        .when(code.str.contains(r"^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$"))
        .then(pl.lit("gtin-placeholder"))
        .when(~gs1_check_digit_ok(code))
        .then(pl.lit("gtin-bad-check-digit"))
        .when((length > 8) & prefix.is_in(["05", "98", "99"]))
        .then(pl.lit("gtin-coupon-prefix"))
        .when((length > 8) & (prefix.is_in(["02", "04"]) | (first == "2")))
        .then(pl.lit("gtin-restricted-prefix"))
    )


def _codes(value: pl.Expr) -> pl.Expr:
    # A cell in scientific notation is one mangled code, whatever its decimal comma.
    value = (
        pl.when(value.str.strip_chars().str.contains(_SCIENTIFIC))
        .then(value.str.replace_all(",", "."))
        .otherwise(value)
    )
    return (
        value.str.replace_all(_SPLIT_CODES, "|")
        .str.split("|")
        .list.eval(normalise(pl.element()))
        .list.eval(pl.element().filter(pl.element().str.len_chars() > 0))
    )


def derive(ctx: Context) -> list[pl.Expr]:
    """Per GTIN field: the list of codes in the cell, and the problem of each (null when valid)."""
    exprs: list[pl.Expr] = []
    for spec in ctx.fields_of("gtin"):
        codes = _codes(pl.col(spec.name))
        exprs.append(codes.alias(helper(spec.name, "codes")))
        exprs.append(codes.list.eval(_classify(pl.element())).alias(helper(spec.name, "problems")))
        normal = codes.list.eval(normalised_code(pl.element(), _classify(pl.element())))
        exprs.append(normal.alias(helper(spec.name, "normalised")))
    return exprs


_CODES = (
    "gtin-scientific-notation",
    "gtin-placeholder",
    "gtin-not-digits",
    "gtin-bad-length",
    "gtin-lost-leading-zero",
    "gtin-bad-check-digit",
    "gtin-coupon-prefix",
    "gtin-restricted-prefix",
    "gtin-isbn10",
)
_KEEPS_VALUE = {"gtin-lost-leading-zero", "gtin-restricted-prefix", "gtin-isbn10"}


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("gtin"):
        codes = pl.col(helper(spec.name, "codes"))
        problems = pl.col(helper(spec.name, "problems"))
        for code in _CODES:
            hit = problems.list.eval(pl.element() == code).list.any()
            first = codes.list.gather(problems.list.eval((pl.element() == code).arg_true())).list.first()
            out.append(Rule(code, spec.name, hit, value=first, invalidates=code not in _KEEPS_VALUE))
    return out
