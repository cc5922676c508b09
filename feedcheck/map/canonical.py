"""From the merchant's columns to the canonical frame: one String column per mapped field.

The canonical frame's layout is defined here: :data:`ITEM` and ``LINE`` first, one column per
field, and the helper columns later stages derive (named by :func:`helper`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from feedcheck.map.columns import ColumnMapping, fold
from feedcheck.profile import Profile
from feedcheck.read.load import LINE, source_column
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
    conflicting: dict[str, list[str]] = field(default_factory=dict)  # field -> same-name columns compared
    companions: dict[str, str] = field(default_factory=dict)  # companion column (below) -> source column


def companion_names(profile: Profile) -> list[str]:
    """Columns that qualify a field rather than being one, as feedcheck's own outputs write them:
    ``<amount>_currency`` (``regular_price_currency``: that amount's currency), and
    ``shipping_country``, ``shipping_service``. Read back, they keep their meaning."""
    amounts = [spec.name for spec in profile.fields if spec.kind == "price"]
    return [*(f"{name}_currency" for name in [*amounts, "sale_price"]), "shipping_country", "shipping_service"]


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


def _all_filled(exprs: list[pl.Expr]) -> pl.Expr:
    """Every non-empty value of several columns, joined with MULTI_SEP (a multi-valued field fed by
    several columns: ``image-url-2``, ``image-url-3``)."""
    if len(exprs) == 1:
        return exprs[0]
    joined = pl.concat_str(exprs, separator=MULTI_SEP, ignore_nulls=True)
    return pl.when(joined.str.len_bytes() > 0).then(joined)


# Where a cell lists several URLs (Google: commas; Meta: , ; | or spaces; XML: repeated elements),
# the separator before each further http(s):// becomes MULTI_SEP.
_URL_LIST = r"[\s,;|\x1f]+(https?://)"


def _url_list(value: pl.Expr) -> pl.Expr:
    return value.str.replace_all(_URL_LIST, MULTI_SEP + "${1}")


def _conflict(columns: list[str], dirty: set[str]) -> tuple[pl.Expr, pl.Expr]:
    """Items where the first column and another column matched by the same name are both filled
    and differ, and what an example shows: ``'TITLE': Kettle | 'title': Kettle 1.7 l``."""
    values = [_clean(c, dirty) for c in columns]
    lead = values[0]
    differs = pl.any_horizontal([(lead != other).fill_null(False) for other in values[1:]])
    shown = pl.concat_str(
        [pl.lit(f"{c!r}: ") + v for c, v in zip(columns, values, strict=True)], separator=" | ", ignore_nulls=True
    )
    return differs, shown


def build_canonical(
    batch: pl.DataFrame, multi: set[str], mapping: ColumnMapping, profile: Profile, first_item: int = 1
) -> Canonical:
    """Select and rename the mapped columns of one batch (String columns as read, plus ``LINE``),
    trimmed, with empty strings as null; where a field has several source columns, the first
    non-empty one per item. ``multi`` names the source columns some record repeated (XML);
    ``first_item`` is the 1-based number of the batch's first record. A mapped column the batch
    does not hold (an XML element none of its records has) is null.

    A Google-style ``sale_price`` column becomes a column of its own (``sale_price``), beside
    ``price`` (the column mapped to ``price``, else to ``regular_price``) and ``regular_price``
    (the column mapped to ``regular_price`` when one is mapped to ``price`` too). Which of them
    the buyer pays today is decided per item later, once the sale price is read and its window
    known (``checks.price.apply_sale``). A profile without ``price`` and ``regular_price`` fields
    takes a filled sale price as the price."""
    columns = {name: list(cols) for name, cols in mapping.columns.items()}
    used = sorted(
        {c for cols in columns.values() for c in cols} | ({mapping.sale_price} if mapping.sale_price else set())
    )
    wanted = used + [c for c in mapping.unmapped if c not in used]
    held = set(batch.columns)
    absent = [c for c in wanted if c not in held]
    if absent:
        batch = batch.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
    dirty = columns_matching(batch, dict.fromkeys(used, _UNTRIMMED))
    exprs: list[pl.Expr] = [
        pl.int_range(first_item, first_item + pl.len(), dtype=pl.Int64).alias(ITEM),
        pl.col(LINE),
    ]
    several: set[str] = set()
    conflicting: dict[str, list[str]] = {}
    sale = mapping.sale_price
    images = mapping.image_list
    for spec in profile.fields:
        if spec.name in ("price", "regular_price") and sale is not None:
            continue
        if spec.name in columns:
            cols = columns[spec.name]
            if spec.multi:
                # Several columns of a multi-valued field (image-url-2, image-url-3) all count.
                parts = [_clean(c, dirty) for c in cols]
                if spec.kind == "url" and images is not None and cols[0] == images:
                    # The image list's first URL is image_link: the others are additional images.
                    parts[0] = _url_list(parts[0]).str.split(MULTI_SEP).list.slice(1).list.join(MULTI_SEP)
                    parts[0] = pl.when(parts[0].str.len_bytes() > 0).then(parts[0])
                value = _all_filled(parts)
            else:
                value = _first_filled(cols, dirty)
            if spec.name in mapping.peers and len(mapping.peers[spec.name]) > 1:
                conflicting[spec.name] = mapping.peers[spec.name]
                differs, shown = _conflict(mapping.peers[spec.name], dirty)
                exprs.append(differs.alias(helper(spec.name, "conflict")))
                exprs.append(shown.alias(helper(spec.name, "conflict_values")))
            if spec.kind == "url" and images is not None and not spec.multi and cols[0] == images:
                first = _url_list(_clean(images, dirty)).str.split(MULTI_SEP).list.first()
                value = pl.coalesce([first, *[_clean(c, dirty) for c in cols[1:]]]) if len(cols) > 1 else first
            elif spec.multi and spec.kind == "url":
                value = _url_list(value)
            elif spec.kind != "gtin" and not spec.multi and any(c in multi for c in columns[spec.name]):
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
        names = {spec.name for spec in profile.fields}
        if not base:
            exprs.append(sale_value.alias("price"))
            columns["price"] = [sale]
        elif not {"price", "regular_price"} <= names:
            exprs.append(pl.coalesce(sale_value, _first_filled(base, dirty)).alias("price"))
            columns["price"] = [sale, *base]
        else:
            nothing = pl.lit(None, dtype=pl.String)
            exprs.append(_first_filled(base, dirty).alias("price"))
            exprs.append((_first_filled(own_regular, dirty) if own_regular else nothing).alias("regular_price"))
            exprs.append(sale_value.alias("sale_price"))
            columns["price"] = [sale, *base]
            columns["regular_price"] = [*base, *own_regular]
            columns["sale_price"] = [sale]
    taken = {c for cols in columns.values() for c in cols} | {sale}
    fields = {spec.name for spec in profile.fields}
    companions: dict[str, str] = {}
    by_fold: dict[str, str] = {}  # folded name -> the first unmapped column of that name
    for c in mapping.unmapped:
        if c not in taken:
            by_fold.setdefault(fold(c), c)
    for name in companion_names(profile):
        source = by_fold.get(name)
        if source is not None and source in taken:
            source = None
        if source is not None and name not in fields:
            companions[name] = source
            taken.add(source)
            exprs.append(_clean(source, dirty | {source}).alias(name))
            columns[name] = [source]
    frame = batch.select(exprs)
    return Canonical(frame, columns, several, conflicting, companions)
