"""Text that is not UTF-8: the single-byte encoding is told by its letters, reported with its
confidence, and when it cannot be told the report says so instead of inventing characters."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main
from feedcheck.read.sniff import detect_single_byte
from tests.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
CASES = CORPUS.parent / "cases" / "mapping"

# (text, the code page it is written in, the name the report gives it)
SAMPLES = [
    ("1;Łyżka stołowa\n2;Czajnik elektryczny\n3;Ręcznik kąpielowy żółty\n", "cp1250", "windows-1250"),
    ("1;Dětská čepice Ťapka\n2;Žlutý ručník\n", "cp1250", "windows-1250"),
    ("1;Dětská čepice Ťapka\n2;Žlutý ručník, šálek\n", "iso8859_2", "iso-8859-2"),
    ("1;Ľadová káva, štýlový pohár\n2;Kuchynský nôž\n", "iso8859_2", "iso-8859-2"),
    ("1;Fierbător electric, oţel inoxidabil\n2;Cană de cafea\n", "cp1250", "windows-1250"),
    ("1;Чайник электрический\n2;Кофеварка капельная\n", "cp1251", "windows-1251"),
    ("1;Чайник електричний, нержавіюча сталь\n2;Кавоварка їжак\n", "cp1251", "windows-1251"),
    ("1;Théière en fonte à l'ancienne\n2;Crème brûlée, façon maison\n", "cp1252", "windows-1252"),
    ("1;Größe: Müsli-Schüssel\n2;Wasserkocher, weiß\n", "cp1252", "windows-1252"),
    ("1;Cafetera eléctrica\n2;Tostadora, diseño español ¡oferta!\n", "cp1252", "windows-1252"),
    ("1;Vattenkokare i rostfritt stål\n2;Kaffebryggare för 10 koppar\n", "cp1252", "windows-1252"),
]


@pytest.mark.parametrize(("text", "codec", "name"), SAMPLES, ids=[s[2] + ":" + s[0][2:14] for s in SAMPLES])
def test_single_byte_encodings_are_told_apart(text: str, codec: str, name: str) -> None:
    decoded, info = detect_single_byte(("id;title\n" + text).encode(codec))
    assert (info.encoding, decoded) == (name, "id;title\n" + text)
    assert info.confidence is not None and info.confidence >= 0.5


def test_an_even_tie_reads_as_windows_1252_at_half_confidence() -> None:
    # é and č are both Czech letters: a French "Crème" could be a Czech "Crčme".
    decoded, info = detect_single_byte("id;title\n1;Café Crème\n".encode("cp1252"))
    assert (info.encoding, info.confidence, decoded) == ("windows-1252", 0.5, "id;title\n1;Café Crème\n")


def test_bytes_no_code_page_reads_become_replacement_characters_and_are_reported() -> None:
    data = b"id;title;link;image_link;price\n1;Caf\x81 noir;https://x.fr/1;https://x.fr/1.jpg;4 EUR\n"
    data += b"2;Th\x90 vert;https://x.fr/2;https://x.fr/2.jpg;5 EUR\n"
    report = feedcheck.validate(data)
    assert (report.source.encoding, report.source.encoding_confidence) == ("windows-1252", 0.0)
    uncertain = next(i for i in report.issues if i.code == "encoding-uncertain")
    assert (uncertain.count, [e.line for e in uncertain.examples]) == (2, [2, 3])
    assert not [i for i in report.issues if i.code == "text-control-characters"]


def test_encoding_uncertain_page_shows_what_feedcheck_prints(tmp_path: Path) -> None:
    data = b"id;title;link;image_link;price\n1;Caf\x81 noir;https://x.fr/1;https://x.fr/1.jpg;4 EUR\n"
    data += b"2;Th\x90 vert;https://x.fr/2;https://x.fr/2.jpg;5 EUR\n"
    (tmp_path / "feed.csv").write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "feed.csv")])
    page = (ROOT / "docs" / "issues" / "encoding-uncertain.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(.*?)```", page, re.S)
    assert shown is not None
    for line in shown.group(1).splitlines():
        assert line in result.output.splitlines(), result.output


def test_mostly_utf8_with_a_stray_byte_stays_utf8() -> None:
    data = "id;title\n1;Théière\n2;Crème\n3;Caf".encode() + b"\xe9\n"
    report = feedcheck.validate(data)
    assert report.source.encoding == "utf-8"
    assert report.source.encoding_confidence == 0.75  # three valid sequences (é è, è), one stray byte
    assert [i.code for i in report.issues if i.code.startswith("encoding")] == ["encoding-invalid-bytes"]


def test_forced_encoding_has_no_confidence() -> None:
    report = feedcheck.validate("id;title\n1;Łyżka\n".encode("cp1250"), encoding="cp1250")
    assert (report.source.encoding, report.source.encoding_confidence) == ("cp1250", None)


@pytest.mark.skipif(not CASES.is_dir(), reason=f"the shared cases are not at {CASES}")
@pytest.mark.parametrize("name", ["cp1250_polish_l_stroke.csv", "cp1250_t_caron.csv"])
def test_shared_cp1250_cases_read_right(name: str) -> None:
    expected = tomllib.loads((CASES / "expected.toml").read_text(encoding="utf-8"))[name]
    report = feedcheck.validate(CASES / name)
    assert report.items == expected["items"]
    assert report.source.encoding == expected["encoding"]
    out = io.BytesIO()
    feedcheck.convert(CASES / name, csv=out)
    header, row = out.getvalue().decode("utf-8").splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=False))
    for field, value in expected["values"].items():
        assert values[field] == value
    for code in expected.get("no_codes", []):
        assert code not in {i.code for i in report.issues}
