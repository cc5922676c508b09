"""Shipping written as text: Google's ``country:region:service:price[:times]``, a header naming its
own order (``shipping(country:price:service)``), several groups (Google ``,``, Meta ``;``), and
words for free delivery.

The facts (the default order, the sub-attribute names, the free words) live in
``schemas/values/shipping.toml`` with their sources. Every rule here is per item: a function of the
value and of the header of the column it came from (one fact per feed).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

import polars as pl


@cache
def _data() -> dict[str, Any]:
    text = resources.files("feedcheck.schemas").joinpath("values/shipping.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


DEFAULT_ORDER: tuple[str, ...] = tuple(_data()["google"]["order"])
SUB_ATTRIBUTES: frozenset[str] = frozenset(_data()["google"]["sub_attributes"])
FREE_WORDS: tuple[str, ...] = tuple(_data()["free"]["words"])

_HEADER = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9]{0,5}:)?shipping\s*\(([^()]*)\)\s*$", re.IGNORECASE)
_GROUP_SEP = "\x1e"  # stands for the separators between groups while splitting


def header_order(column: str | None) -> tuple[str, ...] | None:
    """The sub-attribute order a header names, ``shipping(country:price:service)`` ->
    ``("country", "price", "service")``; None when the header names none (or names no price, or
    a name Google does not define)."""
    if column is None:
        return None
    match = _HEADER.match(column)
    if match is None:
        return None
    names = tuple(part.strip().lower() for part in match.group(1).split(":"))
    if "price" not in names or not set(names) <= SUB_ATTRIBUTES:
        return None
    return names


def free_pattern() -> str:
    """A whole value that says delivery is free (``Free``, ``gratuit``), or a bare zero."""
    words = "|".join(re.escape(w) for w in FREE_WORDS)
    return rf"(?i)^(?:{words}|0\s*€?)$"


def split(text: pl.Expr, order: tuple[str, ...] | None) -> pl.Expr:
    """A struct ``{price, country, service, groups}`` from a shipping value.

    A value without a colon is an amount as it is (``4.90 EUR``: price is the value, one group).
    Otherwise the first group is read (``groups`` counts them): by the header's ``order`` when it
    names one; else by Google's order when the group has four parts or more
    (``FR::Colissimo:4.90 EUR:1:3``: price is the fourth), and the last part is the price when it
    has fewer (``FR::9 EUR``). ``country`` is kept when it is two letters (upper-cased),
    ``service`` when it is not empty."""
    grouped = text.str.contains(":")
    # Groups: Meta's ';', or Google's ',' when a country code and a colon follow (a decimal comma never has).
    marked = text.str.replace_all(";", _GROUP_SEP, literal=True).str.replace_all(
        r",\s*([A-Za-z]{2}:|:)", _GROUP_SEP + "${1}"
    )
    groups = marked.str.split(_GROUP_SEP)
    filled = groups.list.eval(pl.element().str.strip_chars().str.len_chars() > 0).list.sum()
    first = groups.list.eval(pl.element().filter(pl.element().str.strip_chars().str.len_chars() > 0)).list.first()
    parts = first.str.split(":")
    count = parts.list.len()

    def part(index: int) -> pl.Expr:
        return parts.list.get(index, null_on_oob=True).str.strip_chars()

    last = parts.list.last().str.strip_chars()
    if order is not None:
        at = order.index("price")
        price = pl.when(count > at).then(part(at)).otherwise(last)
        country = part(order.index("country")) if "country" in order else pl.lit(None, dtype=pl.String)
        service = part(order.index("service")) if "service" in order else pl.lit(None, dtype=pl.String)
    else:
        at = DEFAULT_ORDER.index("price")
        price = pl.when(count > at).then(part(at)).otherwise(last)
        country = pl.when(count >= 2).then(part(DEFAULT_ORDER.index("country")))
        service = pl.when(count > at).then(part(DEFAULT_ORDER.index("service")))
    country = pl.when(country.str.contains(r"^[A-Za-z]{2}$")).then(country.str.to_uppercase())
    service = pl.when(service.str.len_chars() > 0).then(service)
    return pl.struct(
        pl.when(grouped).then(price).otherwise(text).alias("price"),
        pl.when(grouped).then(country).alias("country"),
        pl.when(grouped).then(service).alias("service"),
        pl.when(grouped).then(filled.cast(pl.Int32)).otherwise(pl.lit(1, dtype=pl.Int32)).alias("groups"),
    )


__all__ = ["DEFAULT_ORDER", "FREE_WORDS", "SUB_ATTRIBUTES", "free_pattern", "header_order", "split"]
