"""Enumerated fields: availability, condition, gender, age_group, identifier_exists.

Values are folded (case, accents, apostrophes, ``_``/``-``/``.``/spaces, a schema.org prefix) and
looked up in the vocabularies of ``schemas/values/vocabularies.toml``: every way of writing each
canonical value in the lexicon's languages (en fr de it es nl pt pl cs da sv), schema.org's
enumeration members and the codes of feed formats, each language block with its source. The
canonical value is derived for the writers; a value that is unknown, or that the profile does
not accept (``[rules.vocabularies]``: Google's age_group has no ``teen``), is reported. Per item.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

from feedcheck.checks.base import Context, Rule, helper

# field kind -> issue code for a value that is not in the vocabulary
CODES = {
    "availability": "availability-unknown",
    "condition": "condition-unknown",
    "gender": "gender-unknown",
    "age_group": "age-group-unknown",
    "identifier_exists": "identifier-exists-invalid",
}


def fold_value(value: pl.Expr) -> pl.Expr:
    """``En_Stock``, ``https://schema.org/InStock``, ``épuisé`` -> ``en stock``, ``instock``, ``epuise``."""
    folded = value.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
    folded = folded.str.replace(r"^(?:https?://)?(?:www\.)?schema\.org/", "").str.replace_all(r"['’`´]", "")
    return folded.str.replace_all(r"[\s_\-.]+", " ").str.strip_chars()


@cache
def _data() -> dict[str, Any]:
    text = resources.files("feedcheck.schemas").joinpath("values/vocabularies.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def vocabulary(kind: str) -> dict[str, str]:
    """Folded word -> canonical value, for one field kind. Raises ``ValueError`` when a folded
    word stands for two canonical values (the data file is then wrong)."""
    words: list[str] = []
    values: list[str] = []
    for canonical, languages in _data()[kind].items():
        if canonical == "sources":
            continue
        for entries in languages.values():
            words += entries
            values += [canonical] * len(entries)
    folded = pl.DataFrame({"word": words}).select(fold_value(pl.col("word"))).to_series().to_list()
    out: dict[str, str] = {}
    for word, value in zip(folded, values, strict=True):
        if out.setdefault(word, value) != value:
            raise ValueError(f"vocabularies.toml: {word!r} stands for both {out[word]!r} and {value!r} ({kind})")
    return out


VOCABULARIES = tuple(CODES)


def derive(ctx: Context) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for kind in VOCABULARIES:
        for spec in ctx.fields_of(kind):
            words = vocabulary(kind)
            canonical = fold_value(pl.col(spec.name)).replace_strict(words, default=None, return_dtype=pl.String)
            exprs.append(canonical.alias(helper(spec.name, "canonical")))
    return exprs


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for kind, code in CODES.items():
        accepted = ctx.profile.rules.vocabularies.get(kind)
        for spec in ctx.fields_of(kind):
            canonical = pl.col(helper(spec.name, "canonical"))
            unknown = canonical.is_null()
            if accepted is not None:
                unknown = unknown | ~canonical.is_in(list(accepted.values))
            out.append(Rule(code, spec.name, pl.col(spec.name).is_not_null() & unknown))
    return out
