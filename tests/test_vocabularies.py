"""The vocabularies are data (schemas/values/vocabularies.toml): every word reads as its value,
no word stands for two values, and the docs pages list exactly what the data holds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

import feedcheck
from feedcheck.checks.vocabulary import CODES, fold_value, vocabulary

ROOT = Path(__file__).resolve().parents[1]
DATA = tomllib.loads((ROOT / "schemas" / "values" / "vocabularies.toml").read_text(encoding="utf-8"))
LANGUAGES = {"en", "fr", "de", "it", "es", "nl", "pt", "pl", "cs", "da", "sv", "schema_org", "codes"}
PAGES = {
    "availability": "availability-unknown",
    "condition": "condition-unknown",
    "gender": "gender-unknown",
    "age_group": "age-group-unknown",
}


@pytest.mark.parametrize("kind", sorted(CODES))
def test_every_block_names_its_source_and_a_known_language(kind: str) -> None:
    sources = DATA[kind]["sources"]
    for canonical, languages in DATA[kind].items():
        if canonical == "sources":
            continue
        assert set(languages) <= LANGUAGES, (kind, canonical)
        assert set(languages) <= set(sources), f"{kind}.{canonical}: a language block without a source"


@pytest.mark.parametrize("kind", sorted(CODES))
def test_every_word_reads_as_its_value(kind: str) -> None:
    words = vocabulary(kind)  # raises when a folded word stands for two values
    for canonical, languages in DATA[kind].items():
        if canonical == "sources":
            continue
        for entries in languages.values():
            folded = pl.DataFrame({"w": entries}).select(fold_value(pl.col("w"))).to_series().to_list()
            assert {words[f] for f in folded} == {canonical}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_the_docs_page_lists_every_word(kind: str) -> None:
    page = (ROOT / "docs" / "issues" / f"{PAGES[kind]}.md").read_text(encoding="utf-8")
    for canonical, languages in DATA[kind].items():
        if canonical == "sources":
            continue
        row = next(line for line in page.splitlines() if line.startswith(f"| {canonical.replace('_', ' ')} |"))
        for entries in languages.values():
            for word in entries:
                assert f"`{word}`" in row, (kind, canonical, word)


def test_folding_handles_schema_org_names_with_or_without_scheme() -> None:
    feed = (
        "id,title,link,image_link,price,availability\n"
        "1,A,https://x.fr/1,https://x.fr/1.jpg,1 EUR,schema.org/InStock\n"
        "2,B,https://x.fr/2,https://x.fr/2.jpg,1 EUR,https://schema.org/PreSale\n"
        "3,C,https://x.fr/3,https://x.fr/3.jpg,1 EUR,http://www.schema.org/SoldOut\n"
    )
    report = feedcheck.validate(feed.encode())
    assert not [i for i in report.issues if i.code == "availability-unknown"]
