"""convert: both outputs hold the same records, round trip byte for byte, validate against the XSD."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import feedcheck
from feedcheck.checks import gtin, links
from tests.conftest import CORPUS, CORPUS_SKIP_REASON, FIXTURES

ROOT = Path(__file__).resolve().parents[1]
XSD = etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "feed.xsd")))


def both(source: object, **options: object) -> tuple[bytes, bytes, feedcheck.ConvertResult]:
    """The CSV and XML of ``source``; cells as they are (``raw_cells``) unless told otherwise, so
    that the two outputs hold the same values (tests/test_outputs.py tests the neutralised CSV)."""
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    options.setdefault("raw_cells", True)
    result = feedcheck.convert(source, csv=csv_out, xml=xml_out, **options)  # type: ignore[arg-type]
    return csv_out.getvalue(), xml_out.getvalue(), result


def csv_records(data: bytes) -> list[dict[str, str]]:
    if not data.strip():
        return []
    frame = pl.read_csv(data, infer_schema=False)
    return [{k: v for k, v in row.items() if v is not None} for row in frame.to_dicts()]


def xml_records(data: bytes) -> list[dict[str, str]]:
    if not data:  # nothing written
        return []
    root = etree.fromstring(data)
    records = []
    for product in root:
        record: dict[str, list[str]] = {}
        for child in product:
            record.setdefault(child.tag, []).append(child.text or "")
        records.append({k: ",".join(vs) for k, vs in record.items()})
    return records


def check_outputs(csv_bytes: bytes, xml_bytes: bytes, result: feedcheck.ConvertResult) -> None:
    assert XSD.validate(etree.fromstring(xml_bytes)), XSD.error_log
    from_csv, from_xml = csv_records(csv_bytes), xml_records(xml_bytes)
    assert len(from_csv) == len(from_xml) == result.written
    assert from_csv == from_xml
    assert result.written + len(result.dropped) == result.items


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.name != "MANIFEST.md")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_SKIP_REASON)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_feed_converts_and_round_trips(path: Path) -> None:
    csv_bytes, xml_bytes, result = both(path)
    assert result.written == result.items == feedcheck.validate(path).items
    check_outputs(csv_bytes, xml_bytes, result)
    csv_again, xml_from_csv, _ = both(csv_bytes)
    csv_from_xml, xml_again, _ = both(xml_bytes)
    assert xml_from_csv == xml_bytes
    assert csv_from_xml == csv_bytes
    assert (csv_again, xml_again) == (csv_bytes, xml_bytes)


@pytest.mark.parametrize("name", ["convert_awkward.csv", "sample_feed.csv"])
def test_golden_outputs(name: str) -> None:
    csv_bytes, xml_bytes, result = both(FIXTURES / name)
    stem = name.rsplit(".", 1)[0]
    assert csv_bytes == (FIXTURES / "golden" / f"{stem}.csv").read_bytes()
    assert xml_bytes == (FIXTURES / "golden" / f"{stem}.xml").read_bytes()
    check_outputs(csv_bytes, xml_bytes, result)


def test_awkward_values_are_written_safely() -> None:
    csv_bytes, xml_bytes, result = both(FIXTURES / "convert_awkward.csv")
    assert b"\x07" not in csv_bytes and b"\x07" not in xml_bytes
    assert result.characters_removed == {"title": 1}
    titles = [r["title"] for r in xml_records(xml_bytes)]
    assert 'Chaise "Louis"; chêne & noyer' in titles
    assert "Lampe 💡 à poser\nmultiligne" in titles


def test_drop_invalid_names_every_dropped_record() -> None:
    feed = (
        b"id;title;link;image_link;price\n"
        b"A;Lampe;https://x.fr/a;https://x.fr/a.jpg;10 EUR\n"
        b"B;;https://x.fr/b;https://x.fr/b.jpg;10 EUR\n"
        b"C;Table;x.fr/c;https://x.fr/c.jpg;dix euros\n"
        b"D;Chaise;https://x.fr/d;https://x.fr/d.jpg;12,50 EUR\n"
    )
    csv_bytes, xml_bytes, result = both(feed, drop_invalid=True)
    assert (result.items, result.written) == (4, 2)
    assert [(d.item, d.line, d.id, d.reasons) for d in result.dropped] == [
        (2, 3, "B", ["title: empty"]),
        (3, 4, "C", ["link: url-not-absolute", "price: price-unparseable"]),
    ]
    assert [r["id"] for r in csv_records(csv_bytes)] == ["A", "D"]
    check_outputs(csv_bytes, xml_bytes, result)


def test_without_drop_invalid_every_record_is_written_invalid_values_as_given() -> None:
    feed = b"id,title,link,image_link,price\nC,Table,x.fr/c,https://x.fr/c.jpg,dix euros\n"
    csv_bytes, _, result = both(feed)
    assert result.written == 1 and result.dropped == []
    assert csv_records(csv_bytes) == [
        {"id": "C", "title": "Table", "link": "x.fr/c", "image_link": "https://x.fr/c.jpg", "price": "dix euros"}
    ]


def test_keep_extra_keeps_unmapped_columns_under_safe_names() -> None:
    feed = b"id,title,Meta: _foo,Poids (kg)\n1,Lampe,bar,2\n"
    csv_bytes, xml_bytes, result = both(feed, keep_extra=True)
    assert result.fields == ["id", "title", "extra_meta_foo", "extra_poids_kg"]
    assert csv_records(csv_bytes) == [{"id": "1", "title": "Lampe", "extra_meta_foo": "bar", "extra_poids_kg": "2"}]
    assert XSD.validate(etree.fromstring(xml_bytes))
    _, _, plain = both(feed)
    assert plain.fields == ["id", "title"]


def test_one_output_alone(tmp_path: Path) -> None:
    result = feedcheck.convert(FIXTURES / "sample_feed.csv", xml=tmp_path / "out.xml")
    assert result.xml == str(tmp_path / "out.xml") and result.csv is None
    assert (tmp_path / "out.xml").read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n')


cell = st.text(alphabet=st.sampled_from([*list("abcXYZ éàç,;\"'&<>\n\t💡-/.|"), "\r", "\x07"]), min_size=0, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cell, cell, st.integers(0, 99999), cell), min_size=1, max_size=12))
def test_round_trip_on_generated_catalogues(rows: list[tuple[str, str, int, str]]) -> None:
    frame = pl.DataFrame(
        {
            "id": [f"P{i}" for i in range(len(rows))],
            "title": [r[0] for r in rows],
            "description": [r[1] for r in rows],
            "price": [f"{r[2] // 100},{r[2] % 100:02d} €" for r in rows],
            "color": [r[3] for r in rows],
            "additional_image_link": [f"https://x.fr/{i}.jpg,https://x.fr/{i},b.png" for i in range(len(rows))],
        }
    )
    source = io.BytesIO()
    frame.write_csv(source, separator=";")
    csv_bytes, xml_bytes, result = both(source.getvalue())
    assert result.written == len(rows)
    check_outputs(csv_bytes, xml_bytes, result)
    assert both(csv_bytes)[1] == xml_bytes
    assert both(xml_bytes)[0] == csv_bytes


@pytest.mark.parametrize("slice_codes", [1 << 20, 2])
def test_gtin_cells_of_several_codes_are_written_code_by_code_in_their_normal_form(
    slice_codes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ISBN-10 becomes its ISBN-13, a UPC that lost its leading zero gets it back, spaces and
    dashes go, every code is kept, separated by commas; whether the codes are classified all at
    once or two at a time."""
    monkeypatch.setattr(gtin, "SLICE_CODES", slice_codes)
    feed = (
        b"id,title,link,image_link,price,gtin\n"
        b"A,Book,https://s.example/a,https://s.example/a.jpg,9.90 EUR,0-306-40615-2|52742366609\n"
        b"B,Mug,https://s.example/b,https://s.example/b.jpg,9.90 EUR,4006381330015; 4006381330039\n"
        b"C,Cup,https://s.example/c,https://s.example/c.jpg,9.90 EUR,52742366609\n"
        b"D,Pot,https://s.example/d,https://s.example/d.jpg,9.90 EUR,\n"
    )
    out = io.BytesIO()
    feedcheck.convert(feed, csv=out)
    written = pl.read_csv(out.getvalue(), infer_schema=False)
    assert written.get_column("gtin").to_list() == [
        "9780306406157,052742366609",
        "4006381330015,4006381330039",
        "052742366609",
        None,
    ]


def test_multi_valued_urls_checked_a_few_at_a_time_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The URLs of a multi-valued field are checked in slices of rows (what is kept is per item):
    slices of two URLs report exactly what one slice does."""
    feed = (
        b"id,title,link,image_link,price,additional_image_link\n"
        b'A,Lamp,https://s.example/a,https://s.example/a.jpg,9.90 EUR,"https://s.example/1.jpg,https://s.example/2.png"\n'
        b'B,Mug,https://s.example/b,https://s.example/b.jpg,9.90 EUR,"javascript:alert(1),https://s.example/3.jpg"\n'
        b'C,Cup,https://s.example/c,https://s.example/c.jpg,9.90 EUR,"https://localhost/x.jpg"\n'
        b'D,Pot,https://s.example/d,https://s.example/d.jpg,9.90 EUR,"https://s.example/4.jpg,/img/5.jpg,x y.jpg"\n'
    )
    whole = feedcheck.validate(feed)
    monkeypatch.setattr(links, "SLICE_URLS", 2)
    sliced = feedcheck.validate(feed)
    assert sliced == whole
    assert {"url-unsafe-scheme", "url-local-host"} <= {i.code for i in sliced.issues}
