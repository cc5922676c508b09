"""The command as support staff run it: exit codes, stderr, output shape."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedcheck.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedcheck.cli", *args], capture_output=True, text=True, timeout=120)


def test_valid_sample_exits_0_and_reads_like_a_summary(fixtures: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(fixtures / "sample_feed.csv")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("VALID — 5 items, profile default")
    assert lines[1] == "  detected: CSV, delimiter ';', utf-8 with BOM"
    assert lines[2].startswith("  Mandatory   5/5 present: id 100%, title 100%, link 100%, image_link 100%, price 100%")


def test_json_output_is_the_report(fixtures: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(fixtures / "sample_feed.csv"), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["items"] == 5
    assert data["source"]["delimiter"] == ";"
    columns = {f["field"]: f["column"] for f in data["fields"]}
    assert columns["id"] == "Référence"
    assert columns["price"] == "Prix TTC"
    assert columns["regular_price"] == "Prix barré"


def test_missing_mandatory_field_exits_1(tmp_path: Path) -> None:
    feed = tmp_path / "f.csv"
    feed.write_text("id,title,link,image_link\n1,A,https://x.fr/a,https://x.fr/a.jpg\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(feed)])
    assert result.exit_code == 1
    assert "              MISSING: price" in result.output.splitlines()
    assert "INVALID" in result.output.splitlines()[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "This is a PNG image, not a CSV or XML feed."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "This is a PDF document, not a CSV or XML feed."),
        (b"   \n\n  ", "The file holds only blank space, no feed."),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "This is a web page (HTML), not a feed"),
    ],
)
def test_files_that_are_no_feed_exit_3_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    feed = tmp_path / "upload.bin"
    feed.write_bytes(content)
    proc = run("validate", str(feed))
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("feedcheck: cannot use this file: ")
    assert message in proc.stderr


def test_usage_errors_exit_2(fixtures: Path) -> None:
    sample = str(fixtures / "sample_feed.csv")
    assert CliRunner().invoke(main, ["validate", sample, "--profile", "nope"]).exit_code == 2
    assert CliRunner().invoke(main, ["validate", sample, "--map", "Nope=price"]).exit_code == 2
    assert CliRunner().invoke(main, ["validate", sample, "--map", "Prix TTC=nofield"]).exit_code == 2
    assert CliRunner().invoke(main, ["validate", sample, "--delimiter", ";;"]).exit_code == 2
    wrong = CliRunner().invoke(main, ["validate", sample, "--encoding", "nosuch"])
    assert wrong.exit_code == 2
    assert (
        "Error: encoding must be the name of a text encoding such as utf-8, cp1252 or latin-1, got 'nosuch'."
        in wrong.output
    )
    assert CliRunner().invoke(main, ["validate"]).exit_code == 2


def test_map_forces_a_column(tmp_path: Path) -> None:
    feed = tmp_path / "f.csv"
    feed.write_text("Code;Libelle;Montant\nA1;Lampe;12,50\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(feed), "--format", "json", "--map", "Montant=price"])
    data = json.loads(result.output)
    columns = {f["field"]: f["column"] for f in data["fields"]}
    assert columns["price"] == "Montant"
    assert "Montant" not in data["unmapped_columns"]


def test_gzip_from_stdin(fixtures: Path) -> None:
    data = gzip.compress((fixtures / "sample_feed.csv").read_bytes())
    result = CliRunner().invoke(main, ["validate", "-", "--format", "json"], input=data)
    assert result.exit_code == 0
    assert json.loads(result.output)["source"]["compression"] == "gzip"


def test_fields_lists_tiers_and_aliases() -> None:
    result = CliRunner().invoke(main, ["fields"])
    assert result.exit_code == 0
    assert "mandatory:" in result.output
    assert "strongly recommended:" in result.output
    id_line = next(line for line in result.output.splitlines() if line.strip().startswith("id "))
    assert "sku" in id_line


def test_convert_writes_both_files_and_a_json_summary(fixtures: Path, tmp_path: Path) -> None:
    out_csv, out_xml = tmp_path / "out.csv", tmp_path / "out.xml"
    result = CliRunner().invoke(
        main,
        [
            "convert",
            str(fixtures / "sample_feed.csv"),
            "--csv",
            str(out_csv),
            "--xml",
            str(out_xml),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["items"], summary["written"], summary["dropped"]) == (5, 5, [])
    assert out_csv.read_bytes() == (fixtures / "golden" / "sample_feed.csv").read_bytes()
    assert out_xml.read_bytes() == (fixtures / "golden" / "sample_feed.xml").read_bytes()


def test_convert_text_summary_names_dropped_records(tmp_path: Path) -> None:
    feed = tmp_path / "f.csv"
    feed.write_text(
        "id;title;link;image_link;price\n"
        "A;Lampe;https://x.fr/a;https://x.fr/a.jpg;10 EUR\n"
        "B;;https://x.fr/b;https://x.fr/b.jpg;10 EUR\n"
    )
    result = CliRunner().invoke(main, ["convert", str(feed), "--csv", str(tmp_path / "o.csv"), "--drop-invalid"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{feed}: wrote 1 of 2 products to {tmp_path / 'o.csv'}"
    assert "  dropped item 2 (line 3 id B): title: empty" in lines


def test_convert_needs_an_output(fixtures: Path) -> None:
    result = CliRunner().invoke(main, ["convert", str(fixtures / "sample_feed.csv")])
    assert result.exit_code == 2
    assert "Say where to write: --csv OUT.csv, --xml OUT.xml, or both." in result.output


def test_encoding_option_overrides_a_wrong_xml_declaration(tmp_path: Path) -> None:
    feed = tmp_path / "latin.xml"
    feed.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<products><product><id>1</id><title>Caf\xe9</title></product>'
        b"<product><id>2</id><title>Th\xe9</title></product></products>\n"
    )
    refused = run("validate", str(feed))
    assert refused.returncode == 3
    assert "not well-formed at line 2" in refused.stderr
    result = CliRunner().invoke(main, ["validate", str(feed), "--encoding", "latin-1", "--format", "json"])
    data = json.loads(result.output)
    assert (data["items"], data["source"]["encoding"]) == (2, "latin-1")
    assert CliRunner().invoke(main, ["validate", str(feed), "--encoding", "nope"]).exit_code == 2


def test_convert_to_standard_output_keeps_the_summary_on_stderr(fixtures: Path) -> None:
    proc = run("convert", str(fixtures / "sample_feed.csv"), "--xml", "-")
    assert proc.returncode == 0
    assert proc.stdout == (fixtures / "golden" / "sample_feed.xml").read_text(encoding="utf-8")
    assert proc.stderr.startswith(f"{fixtures / 'sample_feed.csv'}: wrote 5 of 5 products to standard output\n")
    assert run("convert", str(fixtures / "sample_feed.csv"), "--xml", "-", "--csv", "-").returncode == 2


def test_item_limit_refuses_with_exit_3_or_checks_the_first_items_with_partial(fixtures: Path) -> None:
    feed = str(fixtures / "sample_feed.csv")
    refused = run("validate", feed, "--max-items", "3")
    assert (refused.returncode, refused.stdout) == (3, "")
    assert refused.stderr == "feedcheck: cannot use this file: The feed has over 3 records, the limit.\n"
    partial = CliRunner().invoke(main, ["validate", feed, "--max-items", "3", "--partial", "--format", "json"])
    data = json.loads(partial.output)
    assert (data["items"], data["partial"]) == (3, True)
    assert [i["count"] for i in data["issues"] if i["code"] == "feed-partial"] == [3]


def test_byte_limit_refuses_with_exit_3(fixtures: Path) -> None:
    result = run("validate", str(fixtures / "sample_feed.csv"), "--max-bytes", "100")
    assert result.returncode == 3
    assert result.stderr.startswith("feedcheck: cannot use this file: The feed is ")
    assert result.stderr.endswith(" bytes, over the limit of 100 bytes.\n")


def test_an_internal_error_exits_4_with_one_line(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(sys.modules["feedcheck.validate"], "build_canonical", broken)
    result = CliRunner().invoke(main, ["validate", str(fixtures / "sample_feed.csv")])
    assert result.exit_code == 4
    assert result.output == (
        "feedcheck: feedcheck failed on this file (KeyError: 'oops'); this is a bug in feedcheck, please report it.\n"
    )
