"""GTIN / EAN / UPC / ISBN: digits, length, GS1 check digit, restricted and coupon prefixes.

Several codes in one cell (``3276420884255|3661699067629``) are each checked; an item counts
once per issue, the example shows the first offending code.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from feedcheck.checks.base import Context, Rule, helper, on_rows
from feedcheck.checks.duplicates import Duplicates

_SCIENTIFIC = r"^\d(?:[.,]\d+)?[eE]\+?\d+$"
_SPLIT_CODES = "[,;|\x1f]"  # between several codes in one cell (or repeated XML elements)

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
# A code's problem, one byte per code rather than a string: several codes per item make a long column.
PROBLEM = pl.Enum(_CODES)


def _problem(name: str) -> pl.Expr:
    return pl.lit(name, dtype=PROBLEM)


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
        .then(_problem("gtin-placeholder"))
        .when(~gs1_check_digit_ok(code))
        .then(_problem("gtin-bad-check-digit"))
        .when((length > 8) & prefix.is_in(["05", "98", "99"]))
        .then(_problem("gtin-coupon-prefix"))
        .when((length > 8) & (prefix.is_in(["02", "04"]) | (first == "2")))
        .then(_problem("gtin-restricted-prefix"))
    )


def _classify(code: pl.Expr) -> pl.Expr:
    """The problem with one code, or null when it is a valid GTIN."""
    length = code.str.len_chars()
    isbn10 = (length == 10) & code.str.contains(r"^\d{9}[\dXx]$")
    return (
        pl.when(code.str.contains(_SCIENTIFIC))
        .then(_problem("gtin-scientific-notation"))
        .when(isbn10 & isbn10_ok(code))
        .then(_problem("gtin-isbn10"))
        .when(~code.str.contains(r"^\d+$"))
        .then(_problem("gtin-not-digits"))
        .when((length == 11) & gs1_check_digit_ok(code))
        .then(_problem("gtin-lost-leading-zero"))
        .when(~length.is_in([8, 12, 13, 14]))
        .then(_problem("gtin-bad-length"))
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
    if not len(rows):
        return problems.to_series()
    # The full chain once per distinct code: an adversarial cell repeats one code many times.
    others = frame[rows]
    distinct = others.unique().with_columns(_classify(code).alias("problem"))
    found = others.join(distinct, on="code", how="left", maintain_order="left").get_column("problem")
    return problems.to_series().scatter(rows, found)


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def _per_code(field: str, code: pl.Expr, problem: pl.Expr) -> list[pl.Expr]:
    """Per problem: whether the item has it, and its first code that does."""
    out: list[pl.Expr] = []
    for name in _CODES:
        hit = (problem == name).fill_null(False)
        out += [hit.alias(helper(field, name)), pl.when(hit).then(code).alias(helper(field, name + ":code"))]
    return out


SLICE_CODES = 1 << 18  # codes classified at a time: what is held per code is bounded by a slice


def _several_codes(frame: pl.DataFrame, name: str, cell: pl.Expr) -> list[pl.Series]:
    """The helper columns of a field whose cells may hold several codes.

    Per item rule: each cell's first :data:`MAX_CODES` codes are classified as one flat column,
    so that the cost of a cell stays in proportion to its size whatever it holds (a cell of
    ``1,1,1...`` cost 43 times its size); the flat column is made and classified
    :data:`SLICE_CODES` codes at a time, so that what is kept is per item, not per code. The
    codes past the first :data:`MAX_CODES` are counted (``gtin-too-many-codes``) and written as
    they are, after the others."""
    separated = frame.select(cell.str.replace_all(_SPLIT_CODES, "|").alias("cell"))
    count = separated.select(pl.col("cell").str.count_matches("|", literal=True) + 1).to_series()
    over = (count > MAX_CODES).fill_null(False)
    # Only the cells holding too many codes go through the regular expression that cuts them.
    firsts = rf"^((?:[^|]*\|){{0,{MAX_CODES - 1}}}[^|]*)"
    cut = on_rows(separated, over.arg_true(), [pl.col("cell").str.extract(firsts, 1)], separated)
    rest = pl.select(
        pl.when(pl.lit(over))
        .then(pl.lit(separated.to_series()).str.slice(pl.lit(cut.to_series()).str.len_chars() + 1))
        .str.replace_all("|", ",", literal=True)
    ).to_series()
    del separated
    held = np.cumsum(count.fill_null(1).clip(upper_bound=MAX_CODES).to_numpy())
    bounds = [0, *np.searchsorted(held, np.arange(SLICE_CODES, int(held[-1]), SLICE_CODES)).tolist(), len(held)]
    parts = [_classified(cut.slice(a, b - a).to_series(), name) for a, b in itertools.pairwise(bounds) if b > a]
    columns = pl.concat(parts) if len(parts) > 1 else parts[0]
    joined = pl.select(
        pl.concat_str(
            pl.lit(columns.get_column("normal")).replace("", None), pl.lit(rest), separator=",", ignore_nulls=True
        )
    ).to_series()
    return [
        *columns.drop("normal").get_columns(),
        joined.alias(helper(name, "normalised")),
        over.alias(helper(name, "too-many-codes")),
        count.alias(helper(name, "count")),
    ]


def _classified(cells: pl.Series, name: str) -> pl.DataFrame:
    """For cells of codes separated by ``|``: per problem, whether any of a cell's codes has it
    and the first that does (found from the offsets of the flat column of codes, without a row
    number or a group per code), and the codes in their normal form joined with commas."""
    height = len(cells)
    lists = pl.select(normalise(pl.lit(cells)).str.split("|")).to_series()
    counts = lists.list.len().fill_null(0).to_numpy().clip(min=1)  # explode keeps one row per empty item
    ends = np.cumsum(counts)
    starts = ends - counts
    codes = pl.select(pl.lit(lists.explode()).replace("", None)).to_series().alias("code")
    problems = classify(codes)
    out: list[pl.Series] = []
    changed = np.zeros(height, dtype=bool)  # items with a code written in another form
    running = np.zeros(len(codes) + 1, dtype=np.int64)
    for problem in _CODES:
        hit = (problems == problem).fill_null(False).to_numpy()
        np.cumsum(hit, out=running[1:])
        anywhere = (running[ends] - running[starts]) > 0
        if problem in _REWRITTEN:
            changed |= anywhere
        out.append(pl.Series(helper(name, problem), anywhere))
        first = pl.repeat(None, height, dtype=pl.String, eager=True).alias(helper(name, problem + ":code"))
        positions = np.flatnonzero(hit)
        if positions.size:
            rows = np.searchsorted(ends, positions, side="right")
            rows, firsts_at = np.unique(rows, return_index=True)
            first = first.scatter(rows, codes.gather(positions[firsts_at]))
        out.append(first)
    non_empty = pl.element().filter(pl.element().str.len_bytes() > 0)
    joined = lists.list.eval(non_empty).list.join(",")
    if changed.any():  # the few items with a lost leading zero or an ISBN-10: joined code by code
        owner = np.repeat(np.arange(height, dtype=np.uint32), counts)
        mine = changed[owner]
        normal = (
            pl.DataFrame({"row": owner[mine], "code": codes.filter(mine), "problem": problems.filter(mine)})
            .group_by("row", maintain_order=True)
            .agg(normalised_code(pl.col("code"), pl.col("problem")).drop_nulls().str.join(",").alias("normal"))
        )
        joined = joined.scatter(normal.get_column("row"), normal.get_column("normal"))
    # The codes that name a product (valid, or with a problem that keeps the value), in their
    # normal form: the keys gtin-duplicate compares (``keys``, comma-separated).
    owner = np.repeat(np.arange(height, dtype=np.uint32), counts)
    usable = pl.DataFrame({"row": owner, "code": codes, "problem": problems}).filter(
        pl.col("code").is_not_null() & _usable(pl.col("problem"))
    )
    keys = (
        usable.group_by("row", maintain_order=True).agg(
            normalised_code(pl.col("code"), pl.col("problem")).str.join(",").alias("keys")
        )
        if usable.height
        else pl.DataFrame(schema={"row": pl.UInt32, "keys": pl.String})
    )
    key_column = pl.repeat(None, height, dtype=pl.String, eager=True).scatter(
        keys.get_column("row"), keys.get_column("keys")
    )
    return pl.DataFrame([*out, joined.alias("normal"), key_column.alias(helper(name, "keys"))])


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
                pl.lit(False).alias(helper(spec.name, "too-many-codes")),
                pl.lit(None, dtype=pl.UInt32).alias(helper(spec.name, "count")),
            )
            frame = frame.hstack(single.get_columns())
            continue
        frame = frame.hstack(_several_codes(frame, spec.name, cell))
    return frame


MAX_CODES = 20  # codes of one cell that are checked; the others are counted and written as they are
_KEEPS_VALUE = {"gtin-lost-leading-zero", "gtin-restricted-prefix", "gtin-isbn10"}
_REWRITTEN = {"gtin-lost-leading-zero", "gtin-isbn10"}  # problems whose code normalised_code rewrites


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("gtin"):
        for code in _CODES:
            hit, first = pl.col(helper(spec.name, code)), pl.col(helper(spec.name, code + ":code"))
            out.append(Rule(code, spec.name, hit, value=first, invalidates=code not in _KEEPS_VALUE))
        shown = pl.col(helper(spec.name, "count")).cast(pl.String) + " codes"
        too_many = pl.col(helper(spec.name, "too-many-codes"))
        out.append(Rule("gtin-too-many-codes", spec.name, too_many, value=shown, invalidates=False))
    return out


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
