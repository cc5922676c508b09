"""Match the merchant's column names to the profile's canonical fields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from feedcheck.errors import UsageError
from feedcheck.profile import Profile

_NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,5}:(?=\S)")
_SEPARATORS = re.compile(r"[\W_]+")


def fold(name: str) -> str:
    """The form names are compared in: no namespace prefix, accents, case or separators;
    letters of every script are kept (``Стоимость`` folds to ``стоимость``, not to nothing).

    >>> fold("g:Prix TTC"), fold("shipping/price"), fold("Référence_interne")
    ('prix_ttc', 'shipping_price', 'reference_interne')
    """
    name = _NAMESPACE.sub("", name.strip()).replace("/", " ").replace("@", " ")
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub("_", ascii_only.lower()).strip("_")


@dataclass
class ColumnMapping:
    """Which source column feeds each canonical field (absent when none)."""

    columns: dict[str, list[str]] = field(default_factory=dict)  # field -> source columns, best first
    forced: set[str] = field(default_factory=set)  # fields the caller mapped by hand
    sale_price: str | None = None  # the Google-style discounted price column, when present
    unmapped: list[str] = field(default_factory=list)


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """``["Prix TTC=price"]`` -> ``{"Prix TTC": "price"}``."""
    forced: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise UsageError(f"A mapping is written COLUMN=FIELD, got {option!r}.")
        forced[column.strip()] = target.strip()
    return forced


def map_columns(columns: list[str], profile: Profile, forced: Mapping[str, str] | None = None) -> ColumnMapping:
    result = ColumnMapping()
    used: set[str] = set()
    folded = {column: fold(column) for column in columns}
    field_names = {f.name for f in profile.fields} | {"sale_price"}
    for column, target in (forced or {}).items():
        if target not in field_names:
            raise UsageError(f"The mapping names an unknown field {target!r}; see 'feedcheck fields'.")
        key = fold(column)
        match = column if column in folded else next((c for c in columns if key and folded[c] == key), None)
        if match is None:
            raise UsageError(f"The mapping names a column {column!r} that the feed does not have.")
        if target == "sale_price":
            result.sale_price = match
        else:
            result.columns[target] = [match]
            result.forced.add(target)
        used.add(match)
    for spec in profile.fields:
        if spec.name in result.columns:
            continue
        # The canonical name is tried first, unless the profile lists it among the aliases
        # to give a more specific name priority (PRICE_VAT before PRICE).
        names = [fold(a) for a in spec.aliases]
        if fold(spec.name) not in names:
            names.insert(0, fold(spec.name))
        matches = [c for key in names for c in columns if folded[c] == key and c not in used]
        if matches:
            # Every matching column feeds the field, best first: where the first is empty the
            # next one is used (PRODUCTNAME then PRODUCT, "URL image grande" then "moyenne").
            result.columns[spec.name] = list(dict.fromkeys(matches))
            used.update(matches)
    if result.sale_price is None:
        keys = [fold(a) for a in ("sale_price", *profile.sale_price_aliases)]
        for key in keys:
            match = next((c for c in columns if folded[c] == key and c not in used), None)
            if match is not None:
                result.sale_price = match
                used.add(match)
                break
    result.unmapped = [c for c in columns if c not in used]
    return result
