"""The normalised catalogue: canonical field names, clean values, one String column per field.

Valid values are written in the canonical form (amounts as plain decimals with a point and
their currency's ISO 4217 decimals, vocabularies in Google's English values, GTINs as digits); a
value a check found invalid is kept as the merchant wrote it (trimmed), so nothing is lost:
``--drop-invalid`` is how to leave such records out. Line ends become ``\\n`` and characters XML
1.0 forbids are removed from every value, in both outputs alike.

Every amount keeps its own currency, nothing is relabelled: ``currency`` is the row's currency
(the price's, else the currency column's); another amount in a different currency gets its own
column ``<field>_currency`` (``regular_price_currency``, ``shipping_cost_currency``) right after it,
filled where it differs. A shipping value in Google's form gives ``shipping_country`` and
``shipping_service`` after ``shipping_cost``; a sale price that is not today's price (outside its
window) is kept as ``sale_price`` after ``regular_price``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from feedcheck.checks import price as price_checks
from feedcheck.checks.base import MULTI_SEP, Context, columns_matching, helper
from feedcheck.checks.vocabulary import VOCABULARIES
from feedcheck.map.columns import fold
from feedcheck.profile import FieldSpec

# XML 1.0 allows tab, LF, CR and everything from U+0020 except U+FFFE/U+FFFF. U+001F separates the
# values of multi-valued fields and is removed from single-valued ones.
FORBIDDEN_MULTI = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1e\\ufffe\\uffff]"
FORBIDDEN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"
EXTRA_PREFIX = "extra_"


def _dirty(multi: bool) -> str:
    """Values the cleaning would change: a CR, a forbidden character, a space at either end,
    nothing at all; for a multi-valued field, also an empty value or spaces around one."""
    forbidden = FORBIDDEN_MULTI if multi else FORBIDDEN
    pattern = f"\\r|{forbidden}|^\\s|\\s$|^$"
    return pattern + (
        f"|\\s{MULTI_SEP}|{MULTI_SEP}\\s|{MULTI_SEP}{MULTI_SEP}|^{MULTI_SEP}|{MULTI_SEP}$" if multi else ""
    )


@dataclass
class Normalised:
    frame: pl.DataFrame  # one String column per written field, profile order, extras last
    multi: set[str]  # columns whose values are joined with MULTI_SEP
    characters_removed: dict[str, int]  # column -> values that lost forbidden characters
    order: list[str]  # every column the batch could write, filled or not, in output order


def _value(spec: FieldSpec) -> pl.Expr:
    raw = pl.col(spec.name)
    if spec.kind == "price":
        return _amount(spec.name)
    if spec.kind in VOCABULARIES:
        return pl.coalesce(pl.col(helper(spec.name, "canonical")), raw)
    if spec.kind == "gtin":
        return pl.col(helper(spec.name, "normalised"))
    return raw


def _amount(name: str) -> pl.Expr:
    """A readable amount as a plain decimal; a currency alone (``EUR`` in a sale or regular
    price) as nothing; anything else as written."""
    status = pl.col(helper(name, price_checks.STATUS))
    return (
        pl.when(status == "ok")
        .then(pl.col(helper(name, price_checks.TEXT)))
        .when((status == "currency-only") & (name != "price"))
        .then(None)
        .otherwise(pl.col(name))
    )


def _currency(ctx: Context) -> pl.Expr | None:
    """The row's currency: the price's, else the feed's currency column (as an ISO code when it is one)."""
    column = None
    if "currency" in ctx.present:
        column = pl.coalesce(pl.col(helper("currency", "code")), pl.col("currency"))
    if "price" in ctx.present:
        resolved = pl.col(helper("price", price_checks.CURRENCY))
        return resolved if column is None else pl.coalesce(resolved, column)
    return column


def _own_currency(name: str, row: pl.Expr | None, written: pl.Expr) -> pl.Expr:
    """``<name>_currency``: the amount's currency where it is not the row's (and the amount is written)."""
    own = pl.col(helper(name, price_checks.CURRENCY))
    differs = own.is_not_null() if row is None else own.is_not_null() & (row.is_null() | (own != row))
    return pl.when(differs & written.is_not_null()).then(own).alias(f"{name}_currency")


def _after(name: str, ctx: Context, row: pl.Expr | None) -> list[pl.Expr]:
    """The columns written right after the amount field ``name``."""
    out: list[pl.Expr] = []
    if name != "price":
        out.append(_own_currency(name, row, _amount(name)))
    if name == "shipping_cost":
        for key in ("country", "service"):
            given = pl.col(f"shipping_{key}") if f"shipping_{key}" in ctx.present else None
            found = pl.col(helper(name, key))
            out.append((found if given is None else pl.coalesce(found, given)).alias(f"shipping_{key}"))
    if name == "regular_price" and price_checks.SALE in ctx.present:
        sale = price_checks.SALE
        later = pl.col(helper(sale, price_checks.OUTSIDE))
        written = pl.when(later).then(_amount(sale))
        out += [written.alias(sale), _own_currency(sale, row, written)]
    return out


# XML 1.0 (fifth edition) NameChar ranges beyond ASCII, https://www.w3.org/TR/xml/#NT-NameChar
_NAME_RANGES = (
    (0xB7, 0xB7),
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0x37D),
    (0x37F, 0x1FFF),
    (0x200C, 0x200D),
    (0x203F, 0x2040),
    (0x2070, 0x218F),
    (0x2C00, 0x2FEF),
    (0x3001, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFFD),
    (0x10000, 0xEFFFF),
)
EXTRA_NAME_MAX = 64  # characters; libxml2 refuses names over 50,000, readers want short ones


def _name_char(char: str) -> bool:
    code = ord(char)
    if char.isascii():
        return char.isalnum() or char in "_-."
    return any(low <= code <= high for low, high in _NAME_RANGES)


def xml_name(text: str) -> str:
    """``text`` with every character XML names cannot hold written ``_xHHHH_`` (the escape of
    ISO/IEC 9075 and .NET's ``XmlConvert.EncodeName``): ``❶`` -> ``_x2776_``. To be used after a
    prefix that starts a name (``extra_``); ``:`` is escaped too (it means a namespace)."""
    return "".join(c if _name_char(c) else f"_x{ord(c):04X}_" for c in text)


def extra_names(columns: list[str], taken: set[str]) -> dict[str, str]:
    """Names for source columns written as extras: ``Meta: _foo`` -> ``extra_meta_foo``.

    Each name is a valid XML 1.0 element name and CSV header: the folded column name, characters
    outside XML's name characters escaped (:func:`xml_name`), cut to :data:`EXTRA_NAME_MAX`
    characters, and made unique with ``_2``, ``_3`` ... (also after the cut)."""
    names: dict[str, str] = {}
    used = set(taken)
    for column in columns:
        base = (EXTRA_PREFIX + xml_name(fold(column) or "column"))[:EXTRA_NAME_MAX]
        name, n = base, 2
        while name in used:
            suffix = f"_{n}"
            name, n = base[: EXTRA_NAME_MAX - len(suffix)] + suffix, n + 1
        used.add(name)
        names[column] = name
    return names


def build_output(frame: pl.DataFrame, ctx: Context, extra: pl.DataFrame | None = None) -> Normalised:
    """Normalised String columns for every profile field that has at least one value in
    ``frame`` (one batch: :class:`~feedcheck.write.spill.Spill` gathers the batches)."""
    exprs: list[pl.Expr] = []
    multi: set[str] = set()
    row_currency = _currency(ctx)
    for spec in ctx.profile.fields:
        if spec.name == "currency":
            if row_currency is not None:
                exprs.append(row_currency.alias("currency"))
            continue
        if spec.name not in ctx.present:
            continue
        value = _value(spec)
        if spec.multi:
            # Both outputs write a comma inside one of several URLs as %2C, so that the CSV
            # (which separates them with commas) and the XML hold the very same values.
            value = value.str.replace_all(",", "%2C", literal=True)
            multi.add(spec.name)
        exprs.append(value.alias(spec.name))
        if spec.kind == "price":
            exprs += _after(spec.name, ctx, row_currency)
    if "currency" not in {s.name for s in ctx.profile.fields} and row_currency is not None:
        exprs.append(row_currency.alias("currency"))  # a custom profile without the field: prices still need it
    out = frame.select(exprs)
    if extra is not None and extra.width:
        out = out.hstack(extra)
    # Most columns come out of the canonical frame already trimmed, with no CR, no forbidden
    # character and no empty string: one pattern per column finds the others, and only those
    # are cleaned.
    dirty = columns_matching(out, {name: _dirty(name in multi) for name in out.columns})
    cleaned, removed = [], {}
    for name in out.columns:
        if name not in dirty:
            cleaned.append(pl.col(name))
            continue
        forbidden = FORBIDDEN_MULTI if name in multi else FORBIDDEN
        removed[name] = int(out.select(pl.col(name).str.contains(forbidden).sum()).item())
        value = pl.col(name).str.replace_all("\r\n?", "\n").str.replace_all(forbidden, "").str.strip_chars()
        if name in multi:  # each of several values trimmed, empty ones dropped
            value = value.str.replace_all(f"\\s*{MULTI_SEP}[\\s{MULTI_SEP}]*", MULTI_SEP).str.strip_chars(MULTI_SEP)
        cleaned.append(pl.when(value.str.len_bytes() > 0).then(value).alias(name))
    removed = {name: count for name, count in removed.items() if count}
    out = out.select(cleaned)
    # Fields no product fills are left out of both outputs alike.
    filled = out.select(pl.all().is_not_null().any()).row(0, named=True) if out.width else {}
    keep = [n for n in out.columns if filled.get(n)]
    return Normalised(out.select(keep), multi & set(keep), removed, out.columns)


__all__ = ["MULTI_SEP", "Normalised", "build_output", "extra_names", "xml_name"]
