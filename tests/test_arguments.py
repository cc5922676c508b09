"""Caller mistakes: every argument of every public function, fed wrong values, raises
UsageError naming the argument; never "a bug in feedcheck", never a raw OSError or TypeError.

The parameters are enumerated from the signatures: a parameter added without wrong values
here fails ``test_every_parameter_has_wrong_values``."""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import feedcheck

FEED = b"id,title,link,image_link,price\nP1,Kettle,https://s.example/p/1,https://s.example/1.jpg,39.90 EUR\n"

WRONG: dict[str, list[object]] = {
    "source": [5, None, ["feed.csv"], FEED.decode(), "x" * 5_000, "feed\x00.csv", io.StringIO(FEED.decode())],
    "profile": [5, b"default", ["default"], "no-such-profile", "x" * 5_000],
    "format": ["json", "CSV", 5, b"csv"],
    "encoding": ["rot13", "base64", "no-such-codec", 5, b"utf-8"],
    "delimiter": [5, ";;", '"', "\n", "\r", "€", b";", ""],
    "item_element": [5, "", "   ", b"item"],
    "mapping": ["Prix TTC=price", 5, {"Prix TTC": 5}, {5: "price"}, [5], [b"a=price"], ["no equals sign"]],
    "currency": ["euro", "EU", 5, b"EUR"],
    "limits": [{"max_bytes": 5}, 5, "Limits()", feedcheck.Limits],
    "workers": ["2", 2.5, 0, -1, True, None],
    "csv": [5, "", "out\x00.csv", io.StringIO(), b"out.csv"],
    "xml": [5, "", io.StringIO()],
    "drop_invalid": ["yes", 1, None],
    "keep_extra": ["yes", 1, None],
    "raw_cells": ["yes", 1, None],
    "google_xml": [5, "", io.StringIO()],
    "google_tsv": [5, "", io.StringIO()],
    "header_line": [0, -1, "3", 2.5, True],
    "sheet": [5, "", b"Sheet1"],
    "issue_rows": ["yes", 5],
    "progress": ["yes", 5],
    "today": ["2026-11-29", 5, "29/11/2026"],
    "batch_size": [0, -1, "5", 2.5, True],
    "dialect": ["no-such-format", "", 5, b"heureka", ["shopify"], "Heureka.cz"],
    # Limits
    "max_bytes": [0, -1, "5", 2.5, True, None],
    "max_decompressed_bytes": [0, "5", 2.5],
    "max_compression_ratio": [0, 1.5, "100"],
    "max_items": [0, -5, "10", 10.0],
    "max_columns": [0, "2000"],
    "max_field_chars": [0, 1e6],
    "max_cells": [0, "1", 1.5],
    "max_record_bytes": [0, "1", 1.5],
    "partial": [1, "yes", None],
}


def call_validate(**wrong: object) -> object:
    source = wrong.pop("source", FEED)
    return feedcheck.validate(source, **wrong)  # type: ignore[arg-type]


def call_convert(**wrong: object) -> object:
    source = wrong.pop("source", FEED)
    arguments: dict[str, Any] = {"csv": io.BytesIO(), **wrong}
    return feedcheck.convert(source, **arguments)


def call_limits(**wrong: object) -> object:
    return feedcheck.Limits(**wrong)  # type: ignore[arg-type]


def call_load_profile(**wrong: object) -> object:
    return feedcheck.load_profile(**wrong)  # type: ignore[arg-type]


FUNCTIONS: dict[str, tuple[Callable[..., object], list[str]]] = {
    "validate": (call_validate, list(inspect.signature(feedcheck.validate).parameters)),
    "convert": (call_convert, list(inspect.signature(feedcheck.convert).parameters)),
    "load_profile": (call_load_profile, list(inspect.signature(feedcheck.load_profile).parameters)),
    "Limits": (call_limits, list(feedcheck.Limits.model_fields)),
}
CASES = [
    pytest.param(function, name, value, id=f"{function}-{name}-{value!r}"[:80])
    for function, (_, names) in FUNCTIONS.items()
    for name in names
    for value in WRONG.get(name, [])
]


def test_every_parameter_has_wrong_values() -> None:
    for _, names in FUNCTIONS.values():
        assert set(names) <= set(WRONG)


@pytest.mark.parametrize(("function", "name", "value"), CASES)
def test_a_wrong_argument_raises_usage_error_naming_it(function: str, name: str, value: object) -> None:
    call, _ = FUNCTIONS[function]
    with pytest.raises(feedcheck.UsageError) as caught:
        call(**{name: value})
    message = str(caught.value)
    assert name in message.lower()
    assert "bug" not in message
    assert "\n" not in message


def test_limits_take_keyword_arguments_only() -> None:
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.Limits(5)  # type: ignore[misc]
    assert str(caught.value) == "Limits takes keyword arguments only, such as Limits(max_bytes=...)."


def test_a_misspelt_limit_is_named() -> None:
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.Limits(max_byte=5)  # type: ignore[call-arg]
    assert str(caught.value).startswith("Limits has no argument 'max_byte'; its arguments are max_bytes, ")


def test_a_profile_with_no_field_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('[profile]\nname = "empty"\n', encoding="utf-8")
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.validate(FEED, profile=empty)
    assert str(caught.value) == (
        f"The profile {empty} has no field: add a [fields.NAME] table for each field it expects."
    )
    with pytest.raises(ValueError, match="at least 1 item"):
        feedcheck.Profile(name="empty", fields=())


def test_a_feed_passed_as_text_is_named_as_such() -> None:
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.validate(FEED.decode())
    assert str(caught.value) == (
        "source is a str of 97 characters that is no file path: pass a path, or the feed itself as bytes "
        "(text.encode('utf-8'))."
    )


def test_the_messages_quoted_in_the_docs() -> None:
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.validate(FEED, workers="2")  # type: ignore[arg-type]
    assert str(caught.value) == "workers must be a whole number of 1 or more, got '2'."
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.validate(FEED, encoding="nosuch")
    assert str(caught.value) == (
        "encoding must be the name of a text encoding such as utf-8, cp1252 or latin-1, got 'nosuch'."
    )
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.Limits(max_bytes=0)
    assert str(caught.value) == "Limits: max_bytes should be greater than 0, got 0."


def test_the_currency_message_quoted_in_the_docs() -> None:
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.validate(FEED, currency="euro")
    assert str(caught.value) == "currency must be an ISO 4217 code such as EUR, got 'euro'."
