"""Nothing lost, nothing misnamed: a merchant's column never collides with a column of
feedcheck's own, nor is read as a polars pattern, and a name made up for an empty or repeated
header never takes a name the header holds."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

import feedcheck
from feedcheck.read.load import LINE, ReadOptions, load

HEADER = "id,title,link,image_link,price"
RECORD = "P{n},Kettle {n},https://s.example/p/{n},https://s.example/{n}.jpg,39.90 EUR"

# Names of feedcheck's own columns (the line and item numbers, helper and temporary columns) and
# names polars would read as patterns.
AWKWARD = ["__line__", "__item__", "__price__p", "__gtin_row__", "__tmp___price__p_amount", "*", "^.*$", "^title$"]


@pytest.mark.parametrize("name", AWKWARD)
def test_a_column_named_like_an_internal_column_or_a_pattern_is_kept_under_its_name(name: str) -> None:
    feed = f"{HEADER},{name}\n" + "".join(RECORD.format(n=n) + f",x{n}\n" for n in (1, 2)) + RECORD.format(n=3) + ",\n"
    report = feedcheck.validate(feed.encode())
    assert report.items == 3
    assert report.columns == [*HEADER.split(","), name]
    assert {f.field: f.column for f in report.fields if f.column} == {
        "id": "id",
        "title": "title",
        "link": "link",
        "image_link": "image_link",
        "price": "price",
    }
    assert report.unmapped_columns == ([] if name == "^title$" else [name])
    out = io.BytesIO()
    result = feedcheck.convert(feed.encode(), csv=out, keep_extra=True)
    written = pl.read_csv(out.getvalue(), infer_schema=False)
    assert written.get_column("title").to_list() == ["Kettle 1", "Kettle 2", "Kettle 3"]
    if name != "^title$":  # a second title column: a fallback of title, not an extra
        assert written.get_column(result.fields[-1]).to_list() == ["x1", "x2", None]


def test_the_line_numbers_are_the_files_whatever_the_columns_are_called() -> None:
    feed = f"{HEADER},__line__\n\n" + RECORD.format(n=1) + ",77\n" + RECORD.format(n=2) + ",78\n"
    table = load(feed.encode(), ReadOptions())
    assert table.frame.get_column(LINE).to_list() == [3, 4]
    assert table.frame.get_column("__line__").to_list() == ["77", "78"]


def test_an_xml_element_named_like_the_line_column_is_a_field_like_any_other() -> None:
    feed = b"<r>\n<i><id>1</id><__line__>77</__line__></i>\n<i><id>2</id></i>\n</r>"
    table = load(feed, ReadOptions())
    assert table.columns == ["id", "__line__"]
    assert table.frame.get_column(LINE).to_list() == [2, 3]
    assert table.frame.get_column("__line__").to_list() == ["77", None]


@pytest.mark.parametrize(
    ("header", "names"),
    [
        ("a,a,a", ["a", "a (2)", "a (3)"]),
        ("a,a,a (2)", ["a", "a (3)", "a (2)"]),  # the merchant's own "a (2)" keeps its name
        ("a (2),a,a", ["a (2)", "a", "a (3)"]),
        (",b,column_1", ["column_1 (2)", "b", "column_1"]),
        (" x , x ,x", ["x", "x (2)", "x (3)"]),
    ],
)
def test_made_up_header_names_never_take_a_name_the_header_holds(header: str, names: list[str]) -> None:
    table = load(f"{header}\n1,2,3\n".encode(), ReadOptions())
    assert table.columns == names
    assert table.frame.row(0) == ("1", "2", "3", 2)


def test_a_profile_field_cannot_be_named_like_an_internal_column(tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text('[fields.id]\ntier = "mandatory"\n\n[fields.__item__]\ntier = "useful"\n', encoding="utf-8")
    with pytest.raises(feedcheck.UsageError) as caught:
        feedcheck.load_profile(profile)
    assert str(caught.value) == (
        f"The profile {profile} is invalid at fields.__item__.name: String should match pattern '^[a-z][a-z0-9_]*$'."
    )
