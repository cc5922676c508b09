"""The lexicon: which column names feed which canonical field, in many languages (``schemas/lexicon.toml``).

The data says, per field, the names merchants, shop systems and networks use, each under its
language (ISO 639-1) or the network or platform it comes from; the negative names (tax-excluded
and purchase prices, tax rates, weights and dimensions, tracked links, URL slugs) that must never
feed a field; and the small word lists names are read with (prefixes, stopwords, qualifiers,
units, XML value holders and blocked wrappers). Sources are in the file.

:class:`Index` joins the lexicon with a profile: the profile's own aliases first, then the
lexicon, the canonical name first unless a list places it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from feedcheck.map.names import bag, compact, fold, read_name
from feedcheck.profile import Profile

Kind = Literal["name", "alias", "lexicon"]
SALE_PRICE = "sale_price"  # not a profile field: the Google-style discounted price (the sale_price rule)


@dataclass(frozen=True, eq=False)
class Reader:
    """The word lists a name is read with (``[reading]`` of the lexicon)."""

    prefixes: tuple[str, ...] = ()
    stopwords: frozenset[str] = frozenset()
    qualifiers: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    numbers: dict[str, int] = field(default_factory=dict)
    value_holders: frozenset[str] = frozenset()
    blocked_wrappers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NegativeGroup:
    name: str
    why: str
    names: tuple[tuple[str, str], ...]  # (spelling, language)
    tokens: frozenset[str]


@dataclass(frozen=True, eq=False)
class Lexicon:
    fields: dict[str, tuple[tuple[str, str], ...]]  # field -> ((spelling, language or platform), ...) in order
    negatives: tuple[NegativeGroup, ...]
    reader: Reader
    sources: dict[str, str]  # language or platform -> where its names come from
    availability_words: frozenset[str] = frozenset()  # stock values that are a status, not a quantity

    def languages(self) -> list[str]:
        """Every language and platform that names some field: ISO codes first, then platforms."""
        seen = dict.fromkeys(lang for names in self.fields.values() for _, lang in names)
        return sorted(seen, key=lambda k: (not (len(k) == 2 and k.islower()), k.lower()))

    def names_of(self, name: str, language: str | None = None) -> list[tuple[str, str]]:
        return [(s, lang) for s, lang in self.fields.get(name, ()) if language in (None, lang)]


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"lexicon: {where} must be a list of strings")
    return tuple(value)


def parse_lexicon(data: bytes) -> Lexicon:
    """The lexicon from TOML bytes; ``ValueError`` when its shape is wrong (a bug in the data)."""
    doc = tomllib.loads(data.decode("utf-8"))
    reading = doc.get("reading", {})
    reader = Reader(
        prefixes=_strings(reading.get("prefixes", []), "reading.prefixes"),
        stopwords=frozenset(_strings(reading.get("stopwords", []), "reading.stopwords")),
        qualifiers=frozenset(_strings(reading.get("qualifiers", []), "reading.qualifiers")),
        units=frozenset(_strings(reading.get("units", []), "reading.units")),
        numbers={str(k): int(v) for k, v in reading.get("numbers", {}).items()},
        value_holders=frozenset(_strings(reading.get("value_holders", []), "reading.value_holders")),
        blocked_wrappers=frozenset(_strings(reading.get("blocked_wrappers", []), "reading.blocked_wrappers")),
    )
    fields: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, block in doc.get("fields", {}).items():
        fields[name] = tuple((s, lang) for lang, spellings in block.items() for s in _strings(spellings, name))
    negatives = []
    for name, block in doc.get("negative", {}).items():
        why = block.get("why")
        if not isinstance(why, str):
            raise ValueError(f"lexicon: negative.{name} needs a 'why'")
        names = tuple(
            (s, lang)
            for lang, spellings in block.items()
            if lang not in ("why", "tokens")
            for s in _strings(spellings, f"negative.{name}")
        )
        tokens = frozenset(_strings(block.get("tokens", []), f"negative.{name}.tokens"))
        negatives.append(NegativeGroup(name, why, names, tokens))
    sources = {str(k): str(v) for k, v in doc.get("sources", {}).items()}
    words = frozenset(w.casefold() for w in _strings(doc.get("values", {}).get("availability_words", []), "values"))
    return Lexicon(fields, tuple(negatives), reader, sources, words)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The bundled lexicon, ``schemas/lexicon.toml``."""
    return parse_lexicon(resources.files("feedcheck.schemas").joinpath("lexicon.toml").read_bytes())


@dataclass(frozen=True)
class Entry:
    """One name of one field, as compared."""

    field: str
    spelling: str
    kind: Kind  # "name" (the canonical name), "alias" (the profile's), "lexicon"
    languages: tuple[str, ...]  # where a lexicon name comes from: ("de",), ("Awin",), ("da", "no")
    order: int  # position among the field's names: earlier wins
    exact: str  # fold(spelling)
    compact: str
    bag: str
    pattern: tuple[str, ...] = ()  # for "deliveryCosts_*": the words a name must start with
    in_profile: bool = True  # False: the lexicon knows the field, the profile does not have it


@dataclass(frozen=True)
class Negative:
    group: NegativeGroup
    spelling: str
    exact: str
    compact: str
    bag: str


@dataclass
class Index:
    """Every name of every field of a profile, keyed by the three ways names are compared."""

    lexicon: Lexicon
    fields: list[str]  # profile fields in order, then sale_price, then lexicon-only fields
    exact: dict[str, list[Entry]] = field(default_factory=dict)
    compact: dict[str, list[Entry]] = field(default_factory=dict)
    bag: dict[str, list[Entry]] = field(default_factory=dict)
    patterns: list[Entry] = field(default_factory=list)
    negative_exact: dict[str, Negative] = field(default_factory=dict)
    negative_compact: dict[str, Negative] = field(default_factory=dict)
    negative_bag: dict[str, Negative] = field(default_factory=dict)
    veto: dict[str, NegativeGroup] = field(default_factory=dict)  # word -> its negative group
    rank: dict[str, int] = field(default_factory=dict)  # field -> its place in `fields`: earlier wins

    def __post_init__(self) -> None:
        self.rank = {name: i for i, name in enumerate(self.fields)}


def _entries(name: str, aliases: tuple[str, ...], lexicon: Lexicon, in_profile: bool) -> list[Entry]:
    """The names of one field in priority order: the profile's aliases, then the lexicon's; the
    canonical name first unless one of the lists places it. One entry per folded spelling."""
    reader = lexicon.reader
    listed: list[tuple[str, Kind, str | None]] = [(a, "alias", None) for a in aliases]
    listed += [(s, "lexicon", lang) for s, lang in lexicon.fields.get(name, ())]
    own = fold(name)

    def key_of(spelling: str) -> str:
        return fold(spelling) + ("*" if spelling.rstrip().endswith("*") else "")

    # The canonical name comes first, unless a list writes it as it is (PRICE_VAT before PRICE):
    # a name of another language that folds to it (Czech Materiál) does not move it.
    if all(s.strip() != name for s, _, _ in listed):
        listed.insert(0, (name, "name", None))
    merged: dict[str, list[str]] = {}
    firsts: dict[str, tuple[str, Kind]] = {}
    for spelling, kind, lang in listed:
        key = key_of(spelling)
        if key not in merged:
            merged[key] = []
            firsts[key] = (spelling, "name" if key == own else kind)
        if lang is not None and lang not in merged[key]:
            merged[key].append(lang)
    out = []
    for order, (key, langs) in enumerate(merged.items()):
        spelling, kind = firsts[key]
        pattern: tuple[str, ...] = ()
        text = spelling
        if text.rstrip().endswith("*"):
            text = text.rstrip()[:-1]
            pattern = tuple(w for w in read_name(text, prefixes=reader.prefixes).words if w not in reader.stopwords)
        ws = read_name(text, prefixes=reader.prefixes, units=reader.units).words
        out.append(
            Entry(
                field=name,
                spelling=spelling,
                kind=kind,
                languages=tuple(langs),
                order=order,
                exact="" if pattern else key,
                compact="" if pattern else compact(ws),
                bag="" if pattern else bag(ws, reader.stopwords),
                pattern=pattern,
                in_profile=in_profile,
            )
        )
    return out


@lru_cache(maxsize=32)
def build_index(profile: Profile, lexicon: Lexicon | None = None) -> Index:
    """The names of ``profile``'s fields (and of sale_price), with the lexicon's negatives."""
    lex = lexicon or load_lexicon()
    reader = lex.reader
    profile_fields = [f.name for f in profile.fields]
    extra = [n for n in lex.fields if n not in profile_fields and n != SALE_PRICE]
    index = Index(lex, [*profile_fields, SALE_PRICE, *extra])
    for spec in profile.fields:
        _add(index, _entries(spec.name, spec.aliases, lex, True))
    _add(index, _entries(SALE_PRICE, profile.sale_price_aliases, lex, True))
    for name in extra:
        _add(index, _entries(name, (), lex, False))
    for group in lex.negatives:
        for token in group.tokens:
            index.veto.setdefault(token, group)
        for spelling, _ in group.names:
            ws = read_name(spelling, prefixes=reader.prefixes, units=reader.units).words
            negative = Negative(group, spelling, fold(spelling), compact(ws), bag(ws, reader.stopwords))
            index.negative_exact.setdefault(negative.exact, negative)
            index.negative_compact.setdefault(negative.compact, negative)
            index.negative_bag.setdefault(negative.bag, negative)
    return index


def _add(index: Index, entries: list[Entry]) -> None:
    for entry in entries:
        if entry.pattern:
            index.patterns.append(entry)
            continue
        for table, key in ((index.exact, entry.exact), (index.compact, entry.compact), (index.bag, entry.bag)):
            if key:
                table.setdefault(key, []).append(entry)


__all__ = ["SALE_PRICE", "Entry", "Index", "Lexicon", "Negative", "NegativeGroup", "build_index", "load_lexicon"]
