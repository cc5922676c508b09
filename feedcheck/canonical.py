"""From the merchant's columns to the canonical frame: one String column per mapped field."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from feedcheck.checks.base import ITEM, LINE
from feedcheck.load import Table
from feedcheck.mapping import Mapping_
from feedcheck.profile import Profile


@dataclass
class Canonical:
    frame: pl.DataFrame  # ITEM, LINE and one column per mapped canonical field
    columns: dict[str, str]  # canonical field -> source column (the primary one)
    fallbacks: dict[str, str]  # canonical field -> column used where the primary is empty


def _clean(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    return pl.when(value.str.len_bytes() > 0).then(value)


def build_canonical(table: Table, mapping: Mapping_, profile: Profile) -> Canonical:
    """Select and rename the mapped columns, trimmed, with empty strings as null.

    The Google rule of DESIGN.md: where a ``sale_price`` column is filled it is the price
    the buyer pays, and the column mapped to ``price`` (or ``regular_price``) becomes the
    regular price for that item."""
    columns = dict(mapping.columns)
    fallbacks: dict[str, str] = {}
    exprs: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ITEM), pl.col(LINE)]
    sale = mapping.sale_price
    for spec in profile.fields:
        if spec.name in ("price", "regular_price") and sale is not None:
            continue
        column = columns.get(spec.name)
        if column is not None:
            exprs.append(_clean(column).alias(spec.name))
    if sale is not None:
        base = columns.get("price") or columns.get("regular_price")
        regular_own = columns.get("regular_price") if columns.get("price") else None
        sale_value = _clean(sale)
        if base is None:
            exprs.append(sale_value.alias("price"))
            columns["price"] = sale
        else:
            exprs.append(pl.coalesce(sale_value, _clean(base)).alias("price"))
            regular = pl.when(sale_value.is_not_null()).then(_clean(base))
            own = _clean(regular_own) if regular_own is not None else pl.lit(None, dtype=pl.String)
            exprs.append(regular.otherwise(own).alias("regular_price"))
            columns["price"] = sale
            fallbacks["price"] = base
            columns["regular_price"] = base
            if regular_own is not None:
                fallbacks["regular_price"] = regular_own
    frame = table.frame.select(exprs)
    return Canonical(frame, columns, fallbacks)
