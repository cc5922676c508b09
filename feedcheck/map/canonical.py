"""From the merchant's columns to the canonical frame: one String column per mapped field.

The canonical frame's layout is defined here: :data:`ITEM` and ``LINE`` first, one column per
field, and the helper columns later stages derive (named by :func:`helper`)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from feedcheck.map.columns import ColumnMapping
from feedcheck.profile import Profile
from feedcheck.read.load import LINE, Table, source_column
from feedcheck.read.xml_reader import MULTI_SEP

ITEM = "__item__"  # 1-based record number, the first column of the canonical frame


def helper(field: str, name: str) -> str:
    """Name of a derived column: ``helper("price", "amount")`` -> ``__price__amount``."""
    return f"__{field}__{name}"


def columns_matching(frame: pl.DataFrame, patterns: dict[str, str]) -> set[str]:
    """The columns (keys of ``patterns``) where some value matches the column's pattern, in one
    pass over the frame: whether a column needs a costly step (trimming, cleaning, escaping)."""
    if not patterns:
        return set()
    found = frame.select(source_column(c).str.contains(p).any().fill_null(False).alias(c) for c, p in patterns.items())
    return {c for c, hit in found.row(0, named=True).items() if hit}


@dataclass
class Canonical:
    frame: pl.DataFrame  # ITEM, LINE and one column per mapped canonical field
    columns: dict[str, list[str]]  # canonical field -> source columns, the one used first leading
    several: set[str]  # single-valued fields some record gave several values (repeated XML elements)


# A value that trimming or emptiness would change: spaces at either end, or nothing at all.
_UNTRIMMED = r"^\s|\s$|^$"


def _clean(column: str, dirty: set[str]) -> pl.Expr:
    """The column trimmed, with empty values as null. Most columns need neither (the readers
    give null for an empty cell): those are taken as they are, without copying a string."""
    if column not in dirty:
        return source_column(column)
    value = source_column(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value)


def _first_filled(columns: list[str], dirty: set[str]) -> pl.Expr:
    exprs = [_clean(c, dirty) for c in columns]
    return exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)


def build_canonical(table: Table, mapping: ColumnMapping, profile: Profile) -> Canonical:
    """Select and rename the mapped columns, trimmed, with empty strings as null; where a field
    has several source columns, the first non-empty one per item.

    The Google rule of DESIGN.md: where a ``sale_price`` column is filled it is the price
    the buyer pays, and the column mapped to ``price`` (or ``regular_price``) becomes the
    regular price for that item."""
    columns = {name: list(cols) for name, cols in mapping.columns.items()}
    used = sorted(
        {c for cols in columns.values() for c in cols} | ({mapping.sale_price} if mapping.sale_price else set())
    )
    dirty = columns_matching(table.frame, dict.fromkeys(used, _UNTRIMMED))
    exprs: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ITEM), pl.col(LINE)]
    several: set[str] = set()
    sale = mapping.sale_price
    for spec in profile.fields:
        if spec.name in ("price", "regular_price") and sale is not None:
            continue
        if spec.name in columns:
            value = _first_filled(columns[spec.name], dirty)
            if spec.multi and spec.kind == "url":
                # A cell listing several URLs (Google: commas; Meta: , ; | or spaces) holds the
                # same values as repeated XML elements: split them the same way.
                value = value.str.replace_all(r"[\s,;|]+(https?://)", MULTI_SEP + "${1}")
            elif spec.kind != "gtin" and not spec.multi and any(c in table.multi for c in columns[spec.name]):
                # A repeated element for a one-value field (two <shipping>, six <product_type>):
                # the first value is used, and the report says so.
                several.add(spec.name)
                exprs.append(value.str.contains(MULTI_SEP, literal=True).alias(helper(spec.name, "several")))
                exprs.append(value.str.replace_all(MULTI_SEP, " | ", literal=True).alias(helper(spec.name, "all")))
                value = value.str.split(MULTI_SEP).list.first()
            exprs.append(value.alias(spec.name))
    if sale is not None:
        price_cols = columns.get("price", [])
        regular_cols = columns.get("regular_price", [])
        base = price_cols or regular_cols
        own_regular = regular_cols if price_cols else []
        sale_value = _clean(sale, dirty)
        if not base:
            exprs.append(sale_value.alias("price"))
            columns["price"] = [sale]
        else:
            exprs.append(pl.coalesce(sale_value, _first_filled(base, dirty)).alias("price"))
            own = _first_filled(own_regular, dirty) if own_regular else pl.lit(None, dtype=pl.String)
            regular = pl.when(sale_value.is_not_null()).then(_first_filled(base, dirty)).otherwise(own)
            exprs.append(regular.alias("regular_price"))
            columns["price"] = [sale, *base]
            columns["regular_price"] = [*base, *own_regular]
    frame = table.frame.select(exprs)
    return Canonical(frame, columns, several)
