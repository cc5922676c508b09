"""GTIN / EAN / UPC / ISBN: digits, length, GS1 check digit, restricted and coupon prefixes; and
one GTIN on two products.

Several codes in one cell (``3276420884255|3661699067629``) are each checked; an item counts
once per issue, the example shows the first offending code. These rules are per item;
``gtin-duplicate`` is a feed-level collector (:class:`~feedcheck.checks.duplicates.Duplicates`)
over the valid codes, compared in their 14-digit form (``04006381333931`` is ``4006381333931``).
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper, on_rows
from feedcheck.checks.duplicates import Duplicates

_SCIENTIFIC = r"^\d(?:[.,]\d+)?[eE]\+?\d+$"
_SPLIT_CODES = "[,;|\x1f]"  # between several codes in one cell (or repeated XML elements)


def normalise(value: pl.Expr) -> pl.Expr:
    """Strip the spaces and dashes GS1 allows printers to add."""
    return value.str.replace_all(r"[\s\-\u00a0]", "")


def _gs1_check(body: pl.Expr) -> pl.Expr:
    """The GS1 mod-10 check digit of ``body`` (an integer of up to 17 digits): from the right,
    digits weigh 3, 1, 3, 1 ... Integer arithmetic over the whole column, no string slicing."""
    total: pl.Expr = pl.lit(0, dtype=pl.UInt64)
    for k in range(17):
        digit = (body // (10**k)) % 10
        total = total + digit * (3 if k % 2 == 0 else 1)
    return (10 - total % 10) % 10


def gs1_check_digit_ok(digits: pl.Expr) -> pl.Expr:
    """True when the last digit is the GS1 mod-10 check of the others (any GTIN length)."""
    number = digits.str.slice(0, 18).cast(pl.UInt64, strict=False)
    return _gs1_check(number // 10) == number % 10


def with_check_digit(body: pl.Expr) -> pl.Expr:
    """``body`` (digits) followed by its GS1 check digit."""
    return body + _gs1_check(body.cast(pl.UInt64, strict=False)).cast(pl.String)


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


_PLAIN = r"^(?:\d{8}|\d{12,14})$"  # digits, a GTIN length: only the last four problems apply


def _classify_plain(code: pl.Expr) -> pl.Expr:
    """The problem with a code of 8, 12, 13 or 14 digits, or null when it is a valid GTIN."""
    length = code.str.len_chars()
    # The GS1 prefix is read on the 13-digit form; a GTIN-14 starts with a packaging indicator.
    prefix = pl.when(length == 14).then(code.str.slice(1, 2)).otherwise(code.str.pad_start(13, "0").str.slice(0, 2))
    first = prefix.str.slice(0, 1)
    return (
        pl.when(code.str.contains(r"^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$"))
        .then(pl.lit("gtin-placeholder"))
        .when(~gs1_check_digit_ok(code))
        .then(pl.lit("gtin-bad-check-digit"))
        .when((length > 8) & prefix.is_in(["05", "98", "99"]))
        .then(pl.lit("gtin-coupon-prefix"))
        .when((length > 8) & (prefix.is_in(["02", "04"]) | (first == "2")))
        .then(pl.lit("gtin-restricted-prefix"))
    )


def _classify(code: pl.Expr) -> pl.Expr:
    """The problem with one code, or null when it is a valid GTIN."""
    length = code.str.len_chars()
    isbn10 = (length == 10) & code.str.contains(r"^\d{9}[\dXx]$")
    return (
        pl.when(code.str.contains(_SCIENTIFIC))
        .then(pl.lit("gtin-scientific-notation"))
        .when(isbn10 & isbn10_ok(code))
        .then(pl.lit("gtin-isbn10"))
        .when(~code.str.contains(r"^\d+$"))
        .then(pl.lit("gtin-not-digits"))
        .when((length == 11) & gs1_check_digit_ok(code))
        .then(pl.lit("gtin-lost-leading-zero"))
        .when(~length.is_in([8, 12, 13, 14]))
        .then(pl.lit("gtin-bad-length"))
        .otherwise(_classify_plain(code))
    )


def classify(codes: pl.Series) -> pl.Series:
    """The problem of every code (null when valid): the plain codes, nearly all of them, by the
    four rules that can apply to them; the full chain on the others only (a polars ``when``
    computes every branch for every row)."""
    frame = pl.DataFrame({"code": codes})
    code = pl.col("code")
    plain = frame.select(code.str.contains(_PLAIN).fill_null(False)).to_series()
    problems = frame.select(pl.when(pl.lit(plain)).then(_classify_plain(code)).alias("problem"))
    rows = frame.select(code.is_not_null() & ~pl.lit(plain)).to_series().arg_true()
    return on_rows(frame, rows, [_classify(code).alias("problem")], problems).to_series()


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def _per_code(field: str, code: pl.Expr, problem: pl.Expr) -> list[pl.Expr]:
    """Per problem: whether the item has it, and its first code that does."""
    out: list[pl.Expr] = []
    for name in _CODES:
        hit = (problem == name).fill_null(False)
        out += [hit.alias(helper(field, name)), pl.when(hit).then(code).alias(helper(field, name + ":code"))]
    return out


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Per GTIN field and problem, whether each item has it and the first code that does; and
    the codes as publishers expect them (``normalised``, comma-separated). The codes of all
    cells are classified as one flat column."""
    for spec in ctx.fields_of("gtin"):
        cell = pl.col(spec.name)
        # A cell in scientific notation is one mangled code, whatever its decimal comma.
        cell = (
            pl.when(cell.str.strip_chars().str.contains(_SCIENTIFIC))
            .then(cell.str.replace_all(",", "."))
            .otherwise(cell)
        )
        normal = helper(spec.name, "normalised")
        if not frame.select(cell.str.contains(_SPLIT_CODES).any()).item():
            # One code per cell (the usual case): classify the column as it is.
            code = normalise(cell)
            single = frame.select(pl.when(code.str.len_chars() > 0).then(code).alias("code"))
            single = single.with_columns(classify(single.get_column("code")))
            single = single.select(
                *_per_code(spec.name, pl.col("code"), pl.col("problem")),
                normalised_code(pl.col("code"), pl.col("problem")).alias(normal),
                pl.when(_usable(pl.col("problem")))
                .then(normalised_code(pl.col("code"), pl.col("problem")))
                .alias(helper(spec.name, "keys")),
            )
            frame = frame.hstack(single.get_columns())
            continue
        flat = frame.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            cell.str.replace_all(_SPLIT_CODES, "|").str.split("|").alias("code"),
        )
        flat = flat.explode("code").with_columns(normalise(pl.col("code")).alias("code"))
        flat = flat.filter(pl.col("code").str.len_chars() > 0)
        flat = flat.with_columns(classify(flat.get_column("code")))
        flat = flat.with_columns(normalised_code(pl.col("code"), pl.col("problem")).alias("normal"))
        per_code = _per_code(spec.name, pl.col("code"), pl.col("problem"))
        grouped = flat.group_by("row", maintain_order=True).agg(
            *[e.any() if i % 2 == 0 else e.drop_nulls().first() for i, e in enumerate(per_code)],
            pl.col("normal").str.join(",").alias(normal),
            pl.col("normal").filter(_usable(pl.col("problem"))).str.join(",").alias(helper(spec.name, "keys")),
        )
        frame = (
            frame.with_row_index("__gtin_row__")
            .join(grouped, left_on="__gtin_row__", right_on="row", how="left", maintain_order="left")
            .drop("__gtin_row__")
            .with_columns(pl.col(helper(spec.name, name)).fill_null(False) for name in _CODES)
        )
    return frame


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


def _usable(problem: pl.Expr) -> pl.Expr:
    """A code that names a product: valid, or with a problem that keeps its value."""
    return problem.is_null() | problem.is_in(list(_KEEPS_VALUE))


def collectors(ctx: Context) -> list[Duplicates]:
    """``gtin-duplicate``: items that share a valid GTIN (feed-level), compared in the 14-digit form."""
    return [
        Duplicates(
            "gtin-duplicate",
            spec.name,
            pl.col(helper(spec.name, "keys")),
            shown="key",
            several=True,
            compare=pl.col("key").str.pad_start(14, "0"),
        )
        for spec in ctx.fields_of("gtin")
    ]


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("gtin"):
        for code in _CODES:
            hit, first = pl.col(helper(spec.name, code)), pl.col(helper(spec.name, code + ":code"))
            out.append(Rule(code, spec.name, hit, value=first, invalidates=code not in _KEEPS_VALUE))
    return out
