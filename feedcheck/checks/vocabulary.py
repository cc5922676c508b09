"""Enumerated fields: availability, condition, gender, age_group.

Values are folded (case, accents, ``_``/``-``/spaces, a schema.org URL prefix) and looked up in
the English, French and numeric vocabularies merchants use; the canonical value is derived for
the writers, and unknown values are reported with the value.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper

AVAILABILITY = {
    "in stock": "in_stock",
    "instock": "in_stock",
    "available": "in_stock",
    "en stock": "in_stock",
    "disponible": "in_stock",
    "dispo": "in_stock",
    "yes": "in_stock",
    "oui": "in_stock",
    "true": "in_stock",
    "1": "in_stock",
    "y": "in_stock",
    "auf lager": "in_stock",
    "lieferbar": "in_stock",
    "na stanie": "in_stock",
    "skladem": "in_stock",
    "w magazynie": "in_stock",
    "dostepny": "in_stock",
    "pa lager": "in_stock",
    "niedostepny": "out_of_stock",
    "ikke pa lager": "out_of_stock",
    "udsolgt": "out_of_stock",
    "em estoque": "in_stock",
    "sim": "in_stock",
    "in_stock": "in_stock",
    "limitedavailability": "in_stock",
    "instoreonly": "in_stock",
    "onlineonly": "in_stock",
    "soldout": "out_of_stock",
    "back order": "backorder",
    "out of stock": "out_of_stock",
    "outofstock": "out_of_stock",
    "sold out": "out_of_stock",
    "rupture": "out_of_stock",
    "rupture de stock": "out_of_stock",
    "en rupture de stock": "out_of_stock",
    "en rupture": "out_of_stock",
    "epuise": "out_of_stock",
    "indisponible": "out_of_stock",
    "non disponible": "out_of_stock",
    "no": "out_of_stock",
    "non": "out_of_stock",
    "false": "out_of_stock",
    "0": "out_of_stock",
    "n": "out_of_stock",
    "6": "out_of_stock",
    "nicht lieferbar": "out_of_stock",
    "fora de estoque": "out_of_stock",
    "nao": "out_of_stock",
    "brak": "out_of_stock",
    "preorder": "preorder",
    "pre order": "preorder",
    "precommande": "preorder",
    "en precommande": "preorder",
    "4": "preorder",
    "vorbestellung": "preorder",
    "backorder": "backorder",
    "onbackorder": "backorder",
    "on backorder": "backorder",
    "available for order": "backorder",
    "sur commande": "backorder",
    "disponible sur commande": "backorder",
    "2": "backorder",
    "5": "backorder",
    "limited availability": "in_stock",
    "discontinued": "out_of_stock",
    "retire": "out_of_stock",
    "plus disponible": "out_of_stock",
}
CONDITION = {
    "new": "new",
    "neuf": "new",
    "neu": "new",
    "nowy": "new",
    "novo": "new",
    "nuovo": "new",
    "nuevo": "new",
    "newcondition": "new",
    "1": "new",
    "brand new": "new",
    "used": "used",
    "occasion": "used",
    "d occasion": "used",
    "usage": "used",
    "gebraucht": "used",
    "usado": "used",
    "uzywany": "used",
    "usedcondition": "used",
    "2": "used",
    "bazar": "used",
    "refurbished": "refurbished",
    "reconditionne": "refurbished",
    "refurbishedcondition": "refurbished",
    "renove": "refurbished",
    "generalueberholt": "refurbished",
    "recondicionado": "refurbished",
    "damagedcondition": "used",
    "doccasion": "used",
    "generaluberholt": "refurbished",
    "bazaar": "used",
    "ny": "new",
    "brugt": "used",
}
GENDER = {
    "male": "male",
    "men": "male",
    "man": "male",
    "homme": "male",
    "hommes": "male",
    "m": "male",
    "masculin": "male",
    "herren": "male",
    "mens": "male",
    "garcon": "male",
    "boy": "male",
    "boys": "male",
    "female": "female",
    "women": "female",
    "woman": "female",
    "femme": "female",
    "femmes": "female",
    "f": "female",
    "feminin": "female",
    "damen": "female",
    "womens": "female",
    "fille": "female",
    "girl": "female",
    "girls": "female",
    "madchen": "female",
    "pige": "female",
    "kobieta": "female",
    "jungen": "male",
    "junge": "male",
    "dreng": "male",
    "mezczyzna": "male",
    "unisex": "unisex",
    "mixte": "unisex",
    "mixed": "unisex",
    "u": "unisex",
}
AGE_GROUP = {
    "newborn": "newborn",
    "nouveau ne": "newborn",
    "infant": "infant",
    "bebe": "infant",
    "baby": "infant",
    "toddler": "toddler",
    "kids": "kids",
    "kid": "kids",
    "child": "kids",
    "children": "kids",
    "enfant": "kids",
    "enfants": "kids",
    "junior": "kids",
    "adult": "adult",
    "adulte": "adult",
    "adults": "adult",
    "teen": "teen",
    "ado": "teen",
    "adolescent": "teen",
    "all ages": "all ages",
}

# Values of the lexicon's languages that the mapping cases and fixtures need (cases/mapping: German,
# Italian, Spanish and Dutch shop exports, a Zanox stock column of nee/yes; fixtures/mapping: a
# Swedish export), and the stock words of the lexicon's [values]; issue #13 brings the full
# vocabularies of every lexicon language.
AVAILABILITY.update(
    {
        "ausverkauft": "out_of_stock",
        "nicht auf lager": "out_of_stock",
        "disponibile": "in_stock",
        "esaurito": "out_of_stock",
        "non disponibile": "out_of_stock",
        "agotado": "out_of_stock",
        "sin stock": "out_of_stock",
        "op voorraad": "in_stock",
        "uitverkocht": "out_of_stock",
        "niet op voorraad": "out_of_stock",
        "ja": "in_stock",
        "nee": "out_of_stock",
        "nein": "out_of_stock",
        "si": "in_stock",
        "tak": "in_stock",
        "nie": "out_of_stock",
        "ano": "in_stock",
        "ne": "out_of_stock",
        "nej": "out_of_stock",
        "i lager": "in_stock",
        "finns i lager": "in_stock",
        "slut i lager": "out_of_stock",
        "ej i lager": "out_of_stock",
    }
)
GENDER.update({"weiblich": "female", "mannlich": "male"})
CONDITION.update(
    {
        "usato": "used",
        "ricondizionato": "refurbished",
        "reacondicionado": "refurbished",
        "nieuw": "new",
        "gebruikt": "used",
    }
)

# field kind -> (vocabulary, issue code)
VOCABULARIES = {
    "availability": (AVAILABILITY, "availability-unknown"),
    "condition": (CONDITION, "condition-unknown"),
    "gender": (GENDER, "gender-unknown"),
    "age_group": (AGE_GROUP, "age-group-unknown"),
}


def fold_value(value: pl.Expr) -> pl.Expr:
    """``En_Stock``, ``https://schema.org/InStock``, ``épuisé`` -> ``en stock``, ``instock``, ``epuise``."""
    folded = value.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
    folded = folded.str.replace(r"^https?://schema\.org/", "").str.replace_all(r"['’`´]", "")
    return folded.str.replace_all(r"[\s_\-.]+", " ").str.strip_chars()


def derive(ctx: Context) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for kind, (vocabulary, _) in VOCABULARIES.items():
        for spec in ctx.fields_of(kind):
            canonical = fold_value(pl.col(spec.name)).replace_strict(vocabulary, default=None, return_dtype=pl.String)
            exprs.append(canonical.alias(helper(spec.name, "canonical")))
    return exprs


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for kind, (_, code) in VOCABULARIES.items():
        for spec in ctx.fields_of(kind):
            unknown = pl.col(spec.name).is_not_null() & pl.col(helper(spec.name, "canonical")).is_null()
            out.append(Rule(code, spec.name, unknown))
    return out
