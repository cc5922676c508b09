"""Match the merchant's column names to the profile's canonical fields.

Each column is matched on its own name (a cost per column, never per record), in tiers, the
first that finds something deciding:

1. ``exact``: the whole name folded (:func:`~feedcheck.map.names.fold`) equals a name of a field:
   the profile's aliases, the canonical name, the lexicon's names. This is how aliases have always
   been compared.
2. ``words``: the name read into words (prefix, notes, units and currency set apart, camelCase
   split) equals a name run together: ``productUrl`` = ``product_url``, ``Price (EUR)`` = ``price``.
3. ``word set``: the same words in another order, small words left out (``URL del producto``).
4. ``without qualifier``: without words that only say "product" (``Codice prodotto`` = ``Codice``).
5. ``pattern``: a lexicon name ending in ``*`` (``deliveryCosts_*``).
6. ``numbered``: a sibling number at the end set aside (``image-url-3``, ``Bild 1``): an image
   name numbered 2 or more feeds ``additional_image_link``; a number on a one-value field leaves
   the column unmapped, with the reason.
7. and 8., XML only: an attribute or leaf that holds the value of its element (``link@href``,
   ``images/image/location``), and the leaf of a wrapper element (``product_info/title``), where
   no element on the way names another field or is a block of name/value pairs.

A negative name (tax-excluded or purchase price, tax rate, weight, tracked link, URL slug) found at
a tier, or a negative word anywhere in the name, leaves the column unmapped with its reason; the
profile's own aliases and forced mappings still win over it.

Then the first :data:`~feedcheck.limits.SAMPLE_ITEMS` records confirm or veto the names
(:func:`_weigh`): the decisions depend on that fixed sample only, never on the batch size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import polars as pl

from feedcheck.errors import UsageError
from feedcheck.map.lexicon import SALE_PRICE, Entry, Index, Negative, build_index
from feedcheck.map.names import CurrencyOf, Reading, bag, compact, fold, read_name, words
from feedcheck.profile import Profile

EXACT, WORDS, WORD_SET, QUALIFIED, PATTERN, NUMBERED, HOLDER, LEAF = range(1, 9)
URL_PATTERN = r"^\s*https?://\S"
# No field name is longer: a longer column name (untrusted input) is not read at all.
MAX_NAME_CHARS = 256


Method = Literal["forced", "dialect", "name", "alias", "lexicon", "values"]


@dataclass(frozen=True)
class ColumnMatch:
    """How one source column came to feed one field."""

    field: str
    # forced; the feed's format (dialect); the field's own name; the profile's alias; a lexicon name; the values
    method: Method
    entry: str | None = None  # the alias or lexicon name the column matched; the dialect's name
    languages: tuple[str, ...] = ()  # of the lexicon name: ISO 639-1 codes or network / platform names
    tier: int = 0
    steps: tuple[str, ...] = ()  # how the name was read ("note '(EUR)' set aside", "inside 'product_info'")
    evidence: str | None = None  # what the sampled values showed, when they decided or confirmed
    note: str | None = None  # the first parenthesised note of the name
    currency: str | None = None  # the ISO 4217 code the name names
    words: str = ""  # the column name's own words, run together ("title" for TITLE, g:title, title (2))

    @property
    def label(self) -> str:
        """``forced``, ``dialect (Heureka)``, ``name``, ``profile alias``, ``lexicon (de)``, ``values``."""
        if self.method == "dialect":
            return f"dialect ({self.entry})"
        if self.method == "alias":
            return "profile alias"
        if self.method == "lexicon":
            return f"lexicon ({', '.join(self.languages)})" if self.languages else "lexicon"
        return self.method

    @property
    def key(self) -> tuple[str, str]:
        """Columns of a field with the same key have the same name once read: ``TITLE`` and
        ``title``, ``price`` and its repeated copy ``price (2)``."""
        return self.field, self.words


@dataclass
class ColumnMapping:
    """Which source columns feed each canonical field, and how each was chosen."""

    columns: dict[str, list[str]] = field(default_factory=dict)  # field -> source columns, best first
    forced: set[str] = field(default_factory=set)  # fields the caller mapped by hand
    preset: dict[str, str] = field(default_factory=dict)  # field -> the column the feed's format (dialect) names
    sale_price: str | None = None  # the Google-style discounted price column, when present
    unmapped: list[str] = field(default_factory=list)
    matches: dict[str, dict[str, ColumnMatch]] = field(default_factory=dict)  # field -> column -> how
    notes: dict[str, str] = field(default_factory=dict)  # field -> the parenthesised note of its first column
    currencies: dict[str, str] = field(default_factory=dict)  # field -> ISO 4217 code named in its first column
    image_list: str | None = None  # a column whose cells list images: first -> image_link, others -> additional
    reasons: dict[str, str] = field(default_factory=dict)  # unmapped column -> why it feeds no field
    peers: dict[str, list[str]] = field(default_factory=dict)  # field -> its first column and same-name columns


@dataclass(frozen=True)
class Preset:
    """What the feed's format (its dialect, :mod:`feedcheck.map.dialects`) says about columns: which
    feed which fields (``columns``: column -> fields), which feed none (``unmapped``: column -> why),
    and how the dialect read each (``steps``). Columns are named without regard to case; a column the
    feed does not have is passed over."""

    label: str  # the dialect's name, as matched_by says it: "dialect (Heureka)"
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unmapped: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """``["Prix TTC=price"]`` -> ``{"Prix TTC": "price"}``."""
    forced: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise UsageError(f"A mapping is written COLUMN=FIELD, got {option!r}.")
        forced[column.strip()] = target.strip()
    return forced


# ---- matching one name ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    entry: Entry
    tier: int
    steps: tuple[str, ...] = ()
    number: int | None = None


@dataclass(frozen=True)
class Refused:
    why: str


Outcome = Found | Refused | None


class Matcher:
    """Matches column names against an :class:`~feedcheck.map.lexicon.Index`; ``nested`` names
    are XML paths (``a/b@c``)."""

    def __init__(self, index: Index, *, nested: bool = False, currency_of: CurrencyOf | None = None) -> None:
        self.index = index
        self.reader = index.lexicon.reader
        self.nested = nested
        self.currency_of = currency_of

    def reading(self, name: str) -> Reading:
        return read_name(name, prefixes=self.reader.prefixes, units=self.reader.units, currency_of=self.currency_of)

    def match(self, column: str) -> Outcome:
        if len(column) > MAX_NAME_CHARS:
            return None
        if not self.nested:
            return self.match_name(column)
        found = self.match_name(column)
        if found is not None or (column.startswith("@") and "/" not in column):
            return found
        element, at, attribute = column.rpartition("@")
        if at:
            if compact(words(attribute)) not in self.reader.value_holders or not element:
                return None
            inner = self.match(element)
            if isinstance(inner, Found):
                return Found(inner.entry, max(inner.tier, HOLDER), (*inner.steps, f"value of <{element}>"))
            return inner
        segments = column.split("/")
        return self._leaf(segments) if len(segments) > 1 else None

    def match_name(self, text: str) -> Outcome:
        """Tiers 1 to 6 on one name (a CSV header, or a whole XML path)."""
        key = fold(text)
        found = self._pick(self.index.exact.get(key), self.index.negative_exact.get(key), EXACT, ())
        if found is not None:
            return found
        reading = self.reading(text)
        if not reading.words:
            return None
        noted = {w for note in reading.notes for w in words(note)}
        for word in (*reading.words, *sorted(noted)):
            group = self.index.veto.get(word)
            if group is None:
                continue
            # "Prix HT", "Image width", "Price (excl. VAT)": the rest names a field, the word vetoes
            # it. "Excluded destination" names nothing either way: no reason to give.
            rest = [w for w in reading.words if w != word]
            if not rest or self._match_words(rest, reading.steps) is not None:
                return Refused(f"{group.why} ('{word}' in the name)")
            return None
        return self._match_words(list(reading.words), reading.steps)

    def _match_words(self, ws: list[str], steps: tuple[str, ...], numbered: bool = True) -> Outcome:
        index, reader = self.index, self.reader
        key = compact(ws)
        found = self._pick(index.compact.get(key), index.negative_compact.get(key), WORDS, steps)
        if found is not None:
            return found
        key = bag(ws, reader.stopwords)
        found = self._pick(index.bag.get(key), index.negative_bag.get(key), WORD_SET, steps)
        if found is not None:
            return found
        bare = [w for w in ws if w not in reader.qualifiers]
        if bare and len(bare) < len(ws):
            dropped = (*steps, "words " + ", ".join(f"'{w}'" for w in ws if w in reader.qualifiers) + " dropped")
            for table, negatives, key in (
                (index.compact, index.negative_compact, compact(bare)),
                (index.bag, index.negative_bag, bag(bare, reader.stopwords)),
            ):
                found = self._pick(table.get(key), negatives.get(key), QUALIFIED, dropped)
                if found is not None:
                    return found
        significant = [w for w in ws if w not in reader.stopwords]
        for entry in index.patterns:
            size = len(entry.pattern)
            if len(significant) > size and tuple(significant[:size]) == entry.pattern:
                return Found(entry, PATTERN, (*steps, f"name pattern '{entry.spelling}'"))
        if numbered and len(ws) > 1:
            last = ws[-1]
            number = int(last) if last.isdigit() and len(last) <= 2 else reader.numbers.get(last)
            if number is not None:
                inner = self._match_words(ws[:-1], (*steps, f"sibling number {number} set aside"), numbered=False)
                if isinstance(inner, Found):
                    return Found(inner.entry, NUMBERED, inner.steps, number)
                return inner
        return None

    def _pick(
        self, entries: list[Entry] | None, negative: Negative | None, tier: int, steps: tuple[str, ...]
    ) -> Outcome:
        """The profile's own names first, then a negative name, then the lexicon's."""
        if entries:
            own = [e for e in entries if e.kind != "lexicon" and e.in_profile]
            if own:
                return Found(min(own, key=self._order), tier, steps)
        if negative is not None:
            return Refused(negative.group.why)
        if entries:
            return Found(min(entries, key=self._order), tier, steps)
        return None

    def _order(self, entry: Entry) -> tuple[int, int]:
        return self.index.rank[entry.field], entry.order

    def _blocked(self, segment: str) -> bool:
        return any(w in self.reader.blocked_wrappers for w in words(segment))

    def _leaf(self, segments: list[str]) -> Outcome:
        """Tier 8: the leaf of a wrapper, or the element a value-holding leaf belongs to."""
        naming = len(segments) - 1
        steps: tuple[str, ...] = ()
        outcome: Outcome = None
        leaf = words(segments[-1])
        if compact(leaf) in self.reader.value_holders or all(w in self.reader.qualifiers for w in leaf):
            # images/image/location, links/product: the nearest element that names a field says which.
            for above in range(naming - 1, -1, -1):
                if self._blocked(segments[above]):
                    break
                outcome = self.match_name(segments[above])
                if outcome is not None:
                    naming = above
                    steps = (f"value of <{segments[above]}>",)
                    break
        if outcome is None:
            outcome = self.match_name(segments[-1])
        if not isinstance(outcome, Found):
            return outcome
        for segment in segments[:naming]:
            if self._blocked(segment):
                return None
            other = self.match_name(segment)
            if other is None or (isinstance(other, Found) and other.entry.field == outcome.entry.field):
                continue
            return None
        wrapper = "/".join(segments[:naming])
        if wrapper:
            steps = (*steps, f"inside <{wrapper}>")
        return Found(outcome.entry, LEAF, (*outcome.steps, *steps))


@lru_cache(maxsize=32)
def _matcher(profile: Profile, nested: bool, currency_of: CurrencyOf | None) -> Matcher:
    return Matcher(build_index(profile), nested=nested, currency_of=currency_of)


# ---- the whole header -------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    column: str
    match: ColumnMatch
    order: tuple[int, int, int]  # tier, position among the field's names, position in the file


def map_columns(
    columns: list[str],
    profile: Profile,
    forced: Mapping[str, str] | None = None,
    *,
    sample: pl.DataFrame | None = None,
    nested: bool = False,
    currency_of: CurrencyOf | None = None,
    reserved: Collection[str] = (),
    preset: Preset | None = None,
) -> ColumnMapping:
    """Which columns feed which fields of ``profile``.

    ``forced`` maps column names (compared folded) to field names, or ``"sale_price"``; an unknown
    field or column is a :class:`~feedcheck.errors.UsageError`. ``sample`` holds the first
    :data:`~feedcheck.limits.SAMPLE_ITEMS` records (strings), whose values confirm or veto names;
    ``nested``: the names are XML paths; ``currency_of`` turns a currency written in a name
    (``EUR``, ``€``) into its ISO 4217 code; ``reserved`` names columns that never feed a field
    (feedcheck's own companion columns, ``regular_price_currency``); ``preset``, what the feed's
    format says (its dialect): those columns feed those fields before any name is matched, and a
    mapping the caller forces still wins over them. Cost: one pass over the names, one over the sample.
    """
    result = ColumnMapping()
    every = list(columns)
    if reserved:  # feedcheck's own companion columns (regular_price_currency) qualify a field: left unmapped
        keep = {fold(name) for name in reserved}
        columns = [c for c in columns if fold(c) not in keep]
    used: set[str] = set()
    matcher = _matcher(profile, nested, currency_of)
    specs = {f.name: f for f in profile.fields}
    folded = {column: fold(column) for column in columns}
    for column, target in (forced or {}).items():
        if target not in specs and target != SALE_PRICE:
            raise UsageError(f"The mapping names an unknown field {target!r}; see 'feedcheck fields'.")
        key = fold(column)
        match = column if column in folded else next((c for c in columns if key and folded[c] == key), None)
        if match is None:
            raise UsageError(f"The mapping names a column {column!r} that the feed does not have.")
        how = ColumnMatch(target, "forced")
        if target == SALE_PRICE:
            result.sale_price = match
        else:
            result.columns[target] = [match]
            result.forced.add(target)
        result.matches.setdefault(target, {})[match] = how
        used.add(match)
    preset_label = preset.label if preset is not None else ""
    if preset is not None:
        _apply_preset(preset, columns, specs, result, used)
    candidates: dict[str, list[_Candidate]] = {}
    for position, column in enumerate(columns):
        if column in used:
            continue
        outcome = matcher.match(column)
        if isinstance(outcome, Refused):
            result.reasons[column] = outcome.why
            continue
        if outcome is None:
            continue
        entry = outcome.entry
        name = entry.field
        if outcome.number is not None:
            if name == "image_link":
                name = "image_link" if outcome.number <= 1 else "additional_image_link"
            elif not (name in specs and specs[name].multi):
                result.reasons[column] = (
                    f"a numbered column ({outcome.number}) of {name}: only one column without a number feeds it"
                )
                continue
        if name not in specs and name != SALE_PRICE:
            result.reasons[column] = f"it would feed {name}, a field profile {profile.name} does not have"
            continue
        if name in result.preset:
            result.reasons[column] = f"{name} comes from {result.preset[name]!r} in this format ({preset_label})"
            continue
        if name in result.forced or (name == SALE_PRICE and result.sale_price is not None):
            result.reasons[column] = f"{name} is mapped by hand to another column"
            continue
        reading = matcher.reading(column)
        how = ColumnMatch(
            name,
            entry.kind,
            entry.spelling,
            entry.languages,
            outcome.tier,
            outcome.steps,
            note=reading.note,
            currency=reading.currency,
            words=compact(reading.words),
        )
        candidates.setdefault(name, []).append(_Candidate(column, how, (outcome.tier, entry.order, position)))
    for name, found in candidates.items():
        # All the columns of a multi-valued field are used, in the order of the file.
        multi = name in specs and specs[name].multi
        found.sort(key=lambda c: (c.order[2],) if multi else c.order)
    if sample is not None and sample.height:
        result.reasons.update(_weigh(candidates, sample, matcher, set(specs)))
    sales = candidates.pop(SALE_PRICE, [])
    if sales:
        result.sale_price = sales[0].column
        result.matches.setdefault(SALE_PRICE, {})[sales[0].column] = sales[0].match
        for other in sales[1:]:
            result.reasons[other.column] = f"the sale price comes from {sales[0].column!r}"
    for spec in profile.fields:
        chosen = candidates.get(spec.name)
        if not chosen or spec.name in result.forced or spec.name in result.preset:
            continue  # a value rule moved a column to a field the caller or the format already decided
        result.columns[spec.name] = [c.column for c in chosen]
        result.matches[spec.name] = {c.column: c.match for c in chosen}
        lead = chosen[0].match
        if lead.note:
            result.notes[spec.name] = lead.note
        if lead.currency:
            result.currencies[spec.name] = lead.currency
        same = [c.column for c in chosen[1:] if lead.words and c.match.key == lead.key]
        if same and not spec.multi:
            result.peers[spec.name] = [chosen[0].column, *same]
    image = result.columns.get("image_link")
    if image and "additional_image_link" in result.columns and result.columns["additional_image_link"][0] == image[0]:
        result.image_list = image[0]
    taken = {c for cols in result.columns.values() for c in cols} | {result.sale_price}
    result.unmapped = [c for c in every if c not in taken]
    return result


def _apply_preset(
    preset: Preset, columns: list[str], specs: Mapping[str, object], result: ColumnMapping, used: set[str]
) -> None:
    """The dialect's columns, after the caller's forced mapping: a column the caller mapped, or a field
    the caller forced, is left to the caller."""
    named: dict[str, str] = {}
    for column in columns:
        named.setdefault(column.strip().casefold(), column)
    for name, targets in preset.columns.items():
        found = named.get(name.strip().casefold())
        if found is None or found in used:
            continue
        column = found
        took = False
        for target in targets:
            if target in result.forced or target in result.preset or (target not in specs and target != SALE_PRICE):
                continue
            if target == SALE_PRICE:
                if result.sale_price is not None:
                    continue
                result.sale_price = column
            else:
                result.columns[target] = [column]
            result.preset[target] = column
            steps = tuple(preset.steps.get(name, ()))
            result.matches.setdefault(target, {})[column] = ColumnMatch(
                target, "dialect", preset.label, (preset.label,), steps=steps
            )
            took = True
        if took:
            used.add(column)
    for name, why in preset.unmapped.items():
        refused = named.get(name.strip().casefold())
        if refused is not None and refused not in used:
            result.reasons[refused] = why
            used.add(refused)


# ---- what the sampled values say ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stats:
    filled: int  # non-blank values
    urls: int  # values that are an http(s) URL
    words: int  # values that are a stock status word (yes, no, nee, in stock, ...)
    lists: int  # values that list two URLs or more


def _stats(sample: pl.DataFrame, columns: list[str], status_words: frozenset[str]) -> dict[str, _Stats]:
    """One pass over the sample for the named columns."""
    exprs: list[pl.Expr] = []
    for i, column in enumerate(columns):
        value = pl.col(column).str.strip_chars()
        exprs += [
            (value.str.len_bytes() > 0).sum().alias(f"f{i}"),
            value.str.contains(URL_PATTERN).sum().alias(f"u{i}"),
            value.str.to_lowercase().is_in(list(status_words)).sum().alias(f"w{i}"),
            (value.str.count_matches(r"https?://") > 1).sum().alias(f"l{i}"),
        ]
    row = sample.select(exprs).row(0, named=True) if exprs else {}
    return {column: _Stats(*(int(row[f"{k}{i}"] or 0) for k in "fuwl")) for i, column in enumerate(columns)}


def _weigh(
    candidates: dict[str, list[_Candidate]], sample: pl.DataFrame, matcher: Matcher, fields: set[str]
) -> dict[str, str]:
    """The value rules, each a decision on the fixed first sample (docs/library.md, "Values confirm
    or veto a name"):

    - an ``id`` column whose values are URLs loses to another id column whose values are not;
    - a ``stock_quantity`` column of stock words (yes/no, Y/N, ja/nee, in stock) feeds ``availability``;
    - a column with no value in the sample goes after the columns that have values;
    - an ``image_link`` column whose cells list several URLs also feeds ``additional_image_link``
      (the first URL is the image, the others are additional images).

    Returns the columns the values took away from every field, with the reason.
    """
    reasons: dict[str, str] = {}
    names = sorted({c.column for found in candidates.values() for c in found if c.match.method != "forced"})
    names = [n for n in names if n in sample.columns]
    stats = _stats(sample, names, matcher.index.lexicon.availability_words)
    empty = _Stats(0, 0, 0, 0)

    def of(column: str) -> _Stats:
        return stats.get(column, empty)

    ids = candidates.get("id", [])
    urls = [c for c in ids if of(c.column).filled and of(c.column).urls * 2 >= of(c.column).filled]
    plain = [c for c in ids if of(c.column).filled and c not in urls]
    if urls and plain:
        for lost in urls:
            s = of(lost.column)
            ids.remove(lost)
            reasons[lost.column] = (
                f"its values are web addresses ({s.urls} of {s.filled} sampled), not product ids; "
                f"{plain[0].column!r} feeds id"
            )
        winner = plain[0]
        winner_index = ids.index(winner)
        ids[winner_index] = _Candidate(
            winner.column,
            _with(winner.match, evidence=f"{urls[0].column!r} holds web addresses, not ids"),
            winner.order,
        )
    quantities = candidates.get("stock_quantity", [])
    for candidate in list(quantities):
        s = of(candidate.column)
        if s.filled and s.words == s.filled and "availability" in fields:
            quantities.remove(candidate)
            moved = _with(
                candidate.match,
                field="availability",
                method="values",
                evidence=f"{s.words} of {s.filled} sampled values are stock words (yes/no, in stock): a status, "
                "not a quantity",
            )
            found = candidates.setdefault("availability", [])
            found.append(_Candidate(candidate.column, moved, (99, 0, candidate.order[2])))
    for found in candidates.values():
        found.sort(key=lambda c: c.match.method != "forced" and not of(c.column).filled)  # stable: order kept
    for name in [n for n, found in candidates.items() if not found]:
        del candidates[name]
    images = candidates.get("image_link")
    if images and "additional_image_link" in fields:
        lead = images[0]
        s = of(lead.column)
        if s.lists:
            extra = _with(
                lead.match,
                field="additional_image_link",
                method="values",
                evidence=f"{s.lists} of {s.filled} sampled cells list several image URLs: the first is "
                "image_link, the others are additional images",
            )
            images[0] = _Candidate(lead.column, _with(lead.match, evidence=extra.evidence), lead.order)
            candidates.setdefault("additional_image_link", []).insert(0, _Candidate(lead.column, extra, (0, 0, 0)))
    return reasons


def _with(match: ColumnMatch, **changes: Any) -> ColumnMatch:
    return replace(match, **changes)


__all__ = ["ColumnMapping", "ColumnMatch", "Matcher", "Preset", "fold", "map_columns", "parse_map_options"]
