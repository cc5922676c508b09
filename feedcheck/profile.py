"""Profiles: which canonical fields a feed should have, at which tier, under which names.

A profile is a TOML file (see ``schemas/default.toml``); the bundled ones are found by name,
any other by path.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from feedcheck.errors import UsageError


class Tier(StrEnum):
    mandatory = "mandatory"
    strongly_recommended = "strongly_recommended"
    useful = "useful"


Kind = Literal[
    "id",
    "identifier_exists",
    "text",
    "title",
    "description",
    "url",
    "price",
    "gtin",
    "availability",
    "condition",
    "gender",
    "age_group",
    "date",
    "date_range",
    "integer",
    "category",
    "currency",
    "enum_text",
]


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$", description="a safe CSV header and XML element name")
    tier: Tier
    kind: Kind = "text"
    multi: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""


class UrlRules(BaseModel):
    """Limits a publisher puts on URLs (Google: 1-2,000 ASCII characters, RFC 3986)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: tuple[str, ...] = Field(default=(), description="the URL fields these limits apply to")
    max_length: int | None = Field(default=None, gt=0, description="characters at most (url-too-long)")
    ascii_only: bool = Field(default=False, description="only ASCII characters (url-not-ascii)")
    source: str = ""


class ImageRules(BaseModel):
    """The image formats a publisher accepts, by file extension (image-format-unsupported)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: tuple[str, ...] = Field(default=(), description="the image URL fields this applies to")
    formats: tuple[str, ...] = Field(default=(), description="accepted extensions, lower case; empty: any")
    source: str = ""


class VocabularyRule(BaseModel):
    """The canonical values of a vocabulary a publisher accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    values: tuple[str, ...]
    source: str = ""


class ProfileRules(BaseModel):
    """Which publisher-specific rules apply: data in the profile's ``[rules]`` table, so that a
    rule is a property of the profile, never a test of its name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urls: UrlRules = UrlRules()
    images: ImageRules = ImageRules()
    # field kind -> the canonical values the publisher accepts (Google's age_group has no teen)
    vocabularies: dict[str, VocabularyRule] = Field(default_factory=dict)

    def __hash__(self) -> int:  # a profile is a cache key (the column matcher): hash what it says
        return hash(self.model_dump_json())


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    fields: tuple[FieldSpec, ...]
    sale_price_aliases: tuple[str, ...] = Field(default=())
    rules: ProfileRules = ProfileRules()

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def by_tier(self, tier: Tier) -> list[FieldSpec]:
        return [f for f in self.fields if f.tier == tier]


def bundled_profiles() -> list[str]:
    folder = resources.files("feedcheck.schemas")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _parse(data: bytes, origin: str) -> Profile:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"The profile {origin} is not valid TOML: {exc}") from None
    head = doc.get("profile", {})
    fields = [{"name": name, **spec} for name, spec in doc.get("fields", {}).items()]
    try:
        return Profile(
            name=head.get("name", origin),
            description=head.get("description", ""),
            fields=tuple(FieldSpec(**f) for f in fields),
            sale_price_aliases=tuple(doc.get("sale_price", {}).get("aliases", ())),
            rules=ProfileRules(**doc.get("rules", {})),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UsageError(f"The profile {origin} is invalid at {where}: {first['msg']}.") from None
    except TypeError as exc:
        raise UsageError(f"The profile {origin} is invalid: {exc}.") from None


@lru_cache(maxsize=32)
def _load_bundled(name: str) -> Profile:
    return _parse(resources.files("feedcheck.schemas").joinpath(f"{name}.toml").read_bytes(), name)


def load_profile(profile: str | Path | Profile | None = None) -> Profile:
    """A bundled profile by name ("default", "google"), a TOML file by path, or a Profile."""
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return _load_bundled("default")
    text = str(profile)
    if text in bundled_profiles():
        return _load_bundled(text)
    path = Path(text)
    if path.is_file():
        return _parse(path.read_bytes(), str(path))
    raise UsageError(f"Unknown profile {text!r}: use one of {', '.join(bundled_profiles())} or a path to a TOML file.")
