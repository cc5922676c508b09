"""Reading a column name into the words that are compared with the lexicon.

What a merchant types as a header carries more than the field's name: an export prefix
(``Google Shopping / Condition``, ``Meta: color``), a namespace (``g:price``), a note in
parentheses or brackets (``SKU (required)``, ``Price (EUR)``, ``shipping(country:region:price)``),
a unit (``Weight kg``), a currency (``Prix TTC (€)``, ``price_eur``) and a sibling number
(``image-url-3``). :func:`read_name` sets those apart and keeps the words of the name itself,
split at camelCase and digits and folded (accents, case and the letters that do not decompose:
``ł ø æ œ ß``), so that ``productUrl``, ``Product URL`` and ``PRODUCT_URL`` read alike.

Names are compared three ways (see :mod:`feedcheck.map.columns`): :func:`fold` (the whole name,
as feedcheck has always compared aliases), :func:`compact` (the words run together: ``IMGURL`` =
``imgUrl`` = ``img url``) and :func:`bag` (the words as a set, small words left out:
``URL de la page produit`` = ``URL page produit``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,5}:(?=\S)")
_SEPARATORS = re.compile(r"[\W_]+")
_NOTE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_WORD = re.compile(r"[^\W_]+")
_SYMBOL = re.compile(r"[€$£¥₽₴₹₺₩]")
# Letters that NFKD does not take apart; the ligatures are spelled out so that Danish ``Mærke``
# and a typed ``Maerke`` read alike.
_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ß": "ss"}
)
# Currencies written in lower case at the end of a name (``price_eur``): only the common ones, so
# that an English word that happens to be an ISO code (``all``, ``top``, ``try``) is kept.
_LOWER_CURRENCIES = frozenset(
    [
        "eur",
        "usd",
        "gbp",
        "chf",
        "pln",
        "czk",
        "dkk",
        "sek",
        "nok",
        "huf",
        "ron",
        "bgn",
        "rub",
        "uah",
        "jpy",
        "cny",
        "aud",
        "cad",
        "brl",
        "mxn",
        "inr",
        "kzt",
    ]
)

CurrencyOf = Callable[[str], str | None]


def fold(name: str) -> str:
    """The whole name as aliases have always been compared: no namespace prefix, accents, case or
    separators; letters of every script are kept (``Стоимость`` folds to ``стоимость``).

    >>> fold("g:Prix TTC"), fold("shipping/price"), fold("Référence_interne")
    ('prix_ttc', 'shipping_price', 'reference_interne')
    """
    name = _NAMESPACE.sub("", name.strip()).replace("/", " ").replace("@", " ")
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub("_", ascii_only.lower()).strip("_")


def fold_word(word: str) -> str:
    """One word as compared: ``Größe`` -> ``grosse``, ``Mærke`` -> ``maerke``, ``Zdjęcie`` -> ``zdjecie``."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_LETTERS).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def split_camel(text: str) -> str:
    """A space at every camelCase, acronym and letter/digit boundary:
    ``TDProductId`` -> ``TD Product Id``, ``EAN13`` -> ``EAN 13``, ``imageUrls`` -> ``image Urls``."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if i:
            prev, nxt = text[i - 1], text[i + 1 : i + 2]
            if (
                (prev.islower() and ch.isupper())
                or (prev.isupper() and ch.isupper() and nxt.islower())
                or (prev.isalpha() and ch.isdigit())
                or (prev.isdigit() and ch.isalpha())
            ):
                out.append(" ")
        out.append(ch)
    return "".join(out)


def words(text: str) -> list[str]:
    """The folded words of ``text``: camelCase split, every run of other characters a separator."""
    return [fold_word(w) for w in _WORD.findall(split_camel(text))]


def compact(ws: Iterable[str]) -> str:
    return "".join(ws)


def bag(ws: Iterable[str], stopwords: frozenset[str]) -> str:
    return " ".join(sorted(w for w in ws if w not in stopwords))


@dataclass(frozen=True)
class Reading:
    """A column name as read: the words of the name itself, and what was set apart."""

    words: tuple[str, ...]
    notes: tuple[str, ...] = ()  # text of (...) and [...] groups, and units removed from the end
    currency: str | None = None  # ISO 4217 code the name names (in a note, a symbol or a last word)
    steps: tuple[str, ...] = field(default=())  # what was done, for the report ("note '(EUR)' set aside")

    @property
    def note(self) -> str | None:
        """The first parenthesised note (``country:region:price``), the column's declared detail."""
        return self.notes[0] if self.notes else None


def read_name(
    name: str,
    *,
    prefixes: Iterable[str] = (),
    units: frozenset[str] = frozenset(),
    currency_of: CurrencyOf | None = None,
) -> Reading:
    """Set apart the prefix, notes, units and currency of ``name`` and return its words.

    ``prefixes`` are export prefixes compared without case (``Google Shopping /``);
    ``currency_of`` turns a note, symbol or word into an ISO 4217 code, or None when it is none.

    >>> read_name("Price (EUR)", currency_of=lambda t: "EUR" if t.upper() == "EUR" else None).currency
    'EUR'
    >>> read_name("shipping(country:region:price)").notes
    ('country:region:price',)
    """
    steps: list[str] = []
    text = name.strip()
    for prefix in prefixes:
        if text.casefold().startswith(prefix.casefold()) and len(text) > len(prefix):
            text = text[len(prefix) :].strip()
            steps.append(f"prefix '{prefix}' removed")
            break
    namespace = _NAMESPACE.match(text)
    if namespace:
        text = text[namespace.end() :]
        steps.append(f"namespace '{namespace.group(0)}' removed")
    notes: list[str] = []
    currency: str | None = None
    for match in _NOTE.finditer(text):
        note = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if note:
            notes.append(note)
            if currency is None and currency_of is not None:
                currency = _currency_in(note, currency_of)
    if notes:
        text = _NOTE.sub(" ", text)
        steps.append("note " + ", ".join(f"'({n})'" for n in notes) + " set aside")
    for symbol in _SYMBOL.findall(text):
        if currency is None and currency_of is not None:
            currency = currency_of(symbol)
    text = _SYMBOL.sub(" ", text)
    raw = _WORD.findall(split_camel(text))
    folded = [fold_word(w) for w in raw]
    # Units and currencies written as the last words ("Weight kg", "Preis in EUR", "price_eur").
    while len(folded) > 1:
        last, original = folded[-1], raw[-1]
        code = None
        if currency_of is not None and _may_be_currency(original):
            code = currency_of(original)
        if code is not None:
            currency = currency or code
            steps.append(f"currency '{original}' set aside")
        elif last in units:
            notes.append(original)
            steps.append(f"unit '{original}' set aside")
        else:
            break
        folded.pop()
        raw.pop()
        if len(folded) > 1 and folded[-1] in ("in", "en", "em", "i"):
            folded.pop()
            raw.pop()
    return Reading(tuple(folded), tuple(notes), currency, tuple(steps))


def _currency_in(note: str, currency_of: CurrencyOf) -> str | None:
    """The one currency a note names (``EUR``, ``€``, ``EUR incl. VAT``), or None."""
    tokens = [*_SYMBOL.findall(note), *(w for w in _WORD.findall(note) if _may_be_currency(w))]
    found = {code for token in tokens if (code := currency_of(token))}
    return found.pop() if len(found) == 1 else None


def _may_be_currency(word: str) -> bool:
    """A word that may be a currency code: three letters, upper case or a common code."""
    return len(word) == 3 and word.isalpha() and (word.isupper() or word.casefold() in _LOWER_CURRENCIES)
