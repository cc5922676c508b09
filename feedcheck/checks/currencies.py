"""ISO 4217 currency codes with their minor units, and the symbols, words and tax words merchants
write around an amount.

The facts live in ``schemas/values/currencies.toml`` (each block with its source); this module
reads them once and gives them the shapes the price rules use.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def _data() -> dict[str, Any]:
    text = resources.files("feedcheck.schemas").joinpath("values/currencies.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _iso() -> dict[str, Any]:
    iso: dict[str, Any] = _data()["iso_4217"]
    return iso


ISO_4217: frozenset[str] = frozenset(_iso()["codes"])
"""Active ISO 4217 codes (upper case)."""

MINOR_UNITS: dict[str, int] = {
    code: int(_iso()["minor_units"].get(code, _iso()["default_minor_units"])) for code in ISO_4217
}
"""Decimals of each currency: ``KWD`` 3, ``JPY`` 0, most 2 (ISO 4217 minor units)."""

SYMBOLS: dict[str, str] = dict(_data()["symbols"]["one"])
"""Lower-cased symbol or word -> the one ISO code it names (``€`` -> ``EUR``)."""

SHARED_SYMBOLS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _data()["symbols"]["several"].items()}
"""Lower-cased symbol -> the ISO codes that share it (``$``, ``¥``, ``kr``): never guessed."""

TAX_WORDS: tuple[str, ...] = tuple(_data()["tax_words"]["words"])
"""Words saying an amount includes VAT (``TTC``, ``inkl. MwSt.``), removed before parsing."""

__all__ = ["ISO_4217", "MINOR_UNITS", "SHARED_SYMBOLS", "SYMBOLS", "TAX_WORDS"]
