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
    assert lines[2:4] == [
        "  Mandatory   5/5 present: id 100%, title 100%, link 100%, image_link 100%,",
        "              price 100%",
    ]


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
    assert result.exit_code == 1  # written, and the feed has an error (B's empty title): exit like validate
    lines = result.output.splitlines()
    assert lines[0] == f"{feed}: wrote 1 of 2 products to {tmp_path / 'o.csv'}"
    assert "  dropped item 2 (line 3 id B): title: empty" in lines
    assert lines[-1] == f"  the feed has 1 error(s): run 'feedcheck validate {feed}' for the details"
    assert (tmp_path / "o.csv").read_text().splitlines()[1:] == ["A,Lampe,https://x.fr/a,https://x.fr/a.jpg,10.00,EUR"]


def test_convert_needs_an_output(fixtures: Path) -> None:
    result = CliRunner().invoke(main, ["convert", str(fixtures / "sample_feed.csv")])
    assert result.exit_code == 2
    assert (
        "Say where to write: --csv OUT.csv, --xml OUT.xml, --google-xml OUT.xml or --google-tsv OUT.tsv."
        in result.output
    )


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


def test_in_json_mode_errors_go_to_stderr_as_json(tmp_path: Path, fixtures: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    proc = run("validate", str(empty), "--format", "json")
    assert (proc.returncode, proc.stdout) == (3, "")
    assert json.loads(proc.stderr) == {
        "file": str(empty),
        "error": "cannot use this file: The file is empty.",
        "exit_code": 3,
    }
    assert proc.stderr.count("\n") == 1
    usage = run("validate", str(fixtures / "sample_feed.csv"), "--format", "json", "--currency", "euro")
    assert (usage.returncode, usage.stdout) == (2, "")
    assert json.loads(usage.stderr) == {
        "error": "currency must be an ISO 4217 code such as EUR, got 'euro'.",
        "exit_code": 2,
    }
    converted = run("convert", str(empty), "--csv", str(tmp_path / "o.csv"), "--format", "json")
    assert (converted.returncode, json.loads(converted.stderr)["exit_code"]) == (3, 3)


def test_two_files_in_one_call_give_a_summary_line_each_and_the_worst_exit(fixtures: Path, tmp_path: Path) -> None:
    good, bad = fixtures / "sample_feed.csv", fixtures / "codes" / "price-zero.csv"
    proc = run("validate", str(good), str(bad))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{good}: VALID — 5 items, 0 error(s), 2 warning(s), 27 info",
        f"{bad}: INVALID — 5 items, 1 error(s), 0 warning(s), 29 info",
    ]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    proc = run("validate", str(good), str(empty), str(bad))
    assert proc.returncode == 3
    assert len(proc.stdout.splitlines()) == 2  # the others still ran
    assert proc.stderr == f"feedcheck: {empty}: cannot use this file: The file is empty.\n"


def test_several_files_in_json_give_a_list(fixtures: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    good = fixtures / "sample_feed.csv"
    proc = run("validate", str(good), str(empty), "--format", "json")
    assert proc.returncode == 3
    first, second = json.loads(proc.stdout)
    assert (first["items"], first["source"]["name"]) == (5, str(good))
    assert second == {"file": str(empty), "error": f"{empty}: cannot use this file: The file is empty.", "exit_code": 3}
    assert json.loads(proc.stderr) == second


def test_a_path_that_does_not_exist_is_a_usage_error_before_anything_runs(fixtures: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(fixtures / "sample_feed.csv"), "nosuch.csv"])
    assert result.exit_code == 2
    assert "Error: Invalid value for 'FILE': File 'nosuch.csv' does not exist." in result.output
    assert "VALID" not in result.output


def test_progress_shows_on_a_terminal_only_and_never_on_stdout(fixtures: Path) -> None:
    import io

    import feedcheck
    from feedcheck.report.progress import TerminalProgress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()
    bar = TerminalProgress("reading", stream=screen, delay=0.0)
    report = feedcheck.validate(fixtures / "codes" / "field-several-values.xml", progress=bar)
    assert report.items == 5
    size = (fixtures / "codes" / "field-several-values.xml").stat().st_size
    assert screen.getvalue().startswith("\rreading: 100% [####################] ")
    assert f"{size:,} bytes of {size:,} bytes, checking…" in screen.getvalue()
    bar.close()
    assert screen.getvalue().endswith("\r")
    piped = io.StringIO()  # not a terminal: nothing drawn
    quiet = TerminalProgress("reading", stream=piped, delay=0.0)
    quiet(10, 100)
    assert piped.getvalue() == ""
    late = TerminalProgress("reading", stream=Tty(), delay=60.0)  # a quick run draws nothing
    late(10, 100)
    assert late.stream.getvalue() == ""


def test_validate_calls_progress_with_bytes_read_and_the_total(fixtures: Path) -> None:
    import feedcheck

    seen: list[tuple[int, int | None]] = []
    feed = fixtures / "sample_feed.csv"
    feedcheck.validate(feed, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (feed.stat().st_size, feed.stat().st_size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    seen.clear()
    feedcheck.validate(gzip.compress(feed.read_bytes()), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][1] is not None and seen[-1][0] == seen[-1][1]  # bytes as sent, compressed


def test_today_option_decides_the_sale_windows(tmp_path: Path) -> None:
    feed = tmp_path / "sale.csv"
    feed.write_text(
        "id,title,link,image_link,price,sale_price,sale_price_effective_date\n"
        "S-1,Kettle,https://x.fr/1,https://x.fr/1.jpg,19.99 EUR,14.99 EUR,2026-11-01/2026-11-30\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    inside = CliRunner().invoke(main, ["convert", str(feed), "--csv", str(out), "--today", "2026-11-29"])
    assert inside.exit_code == 0, inside.output
    assert out.read_text(encoding="utf-8").splitlines()[1].split(",")[4:6] == ["14.99", "19.99"]
    after = CliRunner().invoke(main, ["validate", str(feed), "--today", "2026-12-01", "--format", "json"])
    outside = [i for i in json.loads(after.output)["issues"] if i["code"] == "sale-price-outside-window"]
    assert outside[0]["message"].endswith("on 2026-12-01: the regular price is used")
    wrong = CliRunner().invoke(main, ["validate", str(feed), "--today", "29/11/2026"])
    assert wrong.exit_code == 2
    assert "--today" in wrong.output
