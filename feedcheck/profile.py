"""Profiles: which canonical fields a feed should have, at which tier, under which names.

A profile is a TOML file (see ``schemas/default.toml``); the bundled ones are found by name,
any other by path.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from feedcheck.errors import UsageError, wrong_argument


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

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="a safe CSV header and XML element name; it starts with a letter, never with the "
        "underscore that feedcheck's own columns start with",
    )
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
    fields: tuple[FieldSpec, ...] = Field(min_length=1, description="at least one field")
    sale_price_aliases: tuple[str, ...] = Field(default=())
    rules: ProfileRules = ProfileRules()

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def by_tier(self, tier: Tier) -> list[FieldSpec]:
        return [f for f in self.fields if f.tier == tier]


def bundled_profiles() -> list[str]:
    folder = resources.files("feedcheck.schemas")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _table(doc: dict[str, object], key: str, origin: str) -> dict[str, object]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"The profile {origin} is invalid at {key}: it must be a table ([{key}]).")
    return value


def _parse(data: bytes, origin: str) -> Profile:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"The profile {origin} is not valid TOML: {exc}") from None
    head, specs, sale = _table(doc, "profile", origin), _table(doc, "fields", origin), _table(doc, "sale_price", origin)
    if not specs:
        raise UsageError(f"The profile {origin} has no field: add a [fields.NAME] table for each field it expects.")
    names = list(specs)
    fields = [{"name": name, **spec} if isinstance(spec, dict) else spec for name, spec in specs.items()]
    try:
        return Profile.model_validate(
            {
                "name": head.get("name", origin),
                "description": head.get("description", ""),
                "fields": fields,
                "sale_price_aliases": sale.get("aliases", ()),
                "rules": _table(doc, "rules", origin),
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        parts = [str(part) for part in first["loc"]]
        if parts[:1] == ["fields"] and len(parts) > 1 and parts[1].isdigit():
            parts[1] = names[int(parts[1])]  # fields.1.name -> fields.__item__.name
        if parts[:1] in (["name"], ["description"]):
            parts.insert(0, "profile")
        where = ".".join(parts)
        raise UsageError(f"The profile {origin} is invalid at {where}: {first['msg']}.") from None


@lru_cache(maxsize=32)
def _load_bundled(name: str) -> Profile:
    return _parse(resources.files("feedcheck.schemas").joinpath(f"{name}.toml").read_bytes(), name)


def load_profile(profile: str | Path | Profile | None = None) -> Profile:
    """A bundled profile by name ("default", "google"), a TOML file by path, or a Profile.

    Raises :class:`~feedcheck.UsageError` naming ``profile`` for anything else, an unknown name,
    a file that is not valid TOML or breaks the profile format (the place is named:
    ``fields.price.tier``), and a profile with no field."""
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return _load_bundled("default")
    if not isinstance(profile, str | PathLike):
        raise wrong_argument("profile", "a bundled profile name, a path to a TOML file or a feedcheck.Profile", profile)
    text = str(profile)
    if text in bundled_profiles():
        return _load_bundled(text)
    path = Path(text)
    try:
        is_file = "\x00" not in text and path.is_file()
    except (OSError, ValueError):  # a name too long for the system
        is_file = False
    if is_file:
        return _parse(path.read_bytes(), str(path))
    raise UsageError(
        f"Unknown profile {text[:200]!r}: use one of {', '.join(bundled_profiles())} or a path to a TOML file."
    )
