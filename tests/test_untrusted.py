"""Hostile uploads: each attack is refused or reported, fast, in bounded memory, offline.

Every attack runs in a fresh Python process (``ATTACK_RUNNER``), which prints what
``feedcheck.validate`` answered, how long it took and the process's peak memory. Anything but a
report or a ``FeedError`` makes the child fail with its traceback. A socket listening on
127.0.0.1 stands in for an internal service: the external entities and DTDs point at it, and
the test asserts that nobody connected. A secret file stands in for /etc/passwd: its content must
appear nowhere in the answer.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import random
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import feedcheck

SECONDS = 10  # generous: the slowest attack takes well under a second here
PEAK_MB = 400  # the child's peak RSS; importing polars and lxml takes about 120 MB
SECRET = "TOPSECRET-4471-do-not-leak"

ATTACK_RUNNER = """
import json, resource, sys, time
import feedcheck
path, limits = sys.argv[1], json.loads(sys.argv[2])
start = time.perf_counter()
try:
    report = feedcheck.validate(path, limits=feedcheck.Limits(**limits))
    answer = {"kind": "Report", "items": report.items, "text": report.model_dump_json(),
              "codes": sorted({i.code for i in report.issues})}
except feedcheck.FeedError as err:
    answer = {"kind": type(err).__name__, "text": str(err)}
answer["seconds"] = time.perf_counter() - start
answer["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(answer))
"""

ITEM = (
    "<item><g:id>{n}</g:id><title>Kettle {n}</title><link>https://shop.example/p/{n}</link>"
    "<g:image_link>https://cdn.example/{n}.jpg</g:image_link><g:price>39.90 EUR</g:price></item>"
)


def rss(doctype: str = "", body: str = "", items: int = 2) -> str:
    records = "".join(ITEM.format(n=n) for n in range(1, items + 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n'
        f'<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>{body}{records}</channel></rss>\n'
    )


@pytest.fixture
def listener() -> Iterator[tuple[int, Callable[[], int]]]:
    """A TCP port on 127.0.0.1 and a function counting the connections made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    accepted: list[socket.socket] = []

    def connections() -> int:
        while True:
            try:
                conn, _ = server.accept()
            except BlockingIOError:
                return len(accepted)
            accepted.append(conn)

    yield server.getsockname()[1], connections
    for conn in accepted:
        conn.close()
    server.close()


def attack(path: Path, **limits: object) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", ATTACK_RUNNER, str(path), json.dumps(limits)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "no_proxy": "*"},
    )
    assert done.returncode == 0, f"validate raised something else than a FeedError:\n{done.stderr}"
    answer: dict[str, object] = json.loads(done.stdout)
    assert float(answer["seconds"]) < SECONDS, answer  # type: ignore[arg-type]
    assert float(answer["peak_mb"]) < PEAK_MB, answer  # type: ignore[arg-type]
    assert SECRET not in str(answer["text"])
    return answer


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


# ---- XML: entities, DTDs, network ----------------------------------------------------------------------


def test_xxe_reading_a_local_file_is_refused(tmp_path: Path) -> None:
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file(tmp_path)}">]>'
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(doctype).replace("<title>Kettle 1</title>", "<title>&xxe;</title>"), encoding="utf-8")
    answer = attack(feed)
    assert answer["kind"] == "UnsafeInputError"
    assert "declares entities" in str(answer["text"])


def test_xxe_calling_an_internal_url_is_refused_without_connecting(tmp_path: Path, listener: tuple) -> None:
    port, connections = listener
    feed = tmp_path / "feed.xml"
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/admin">]>'
    feed.write_text(rss(doctype).replace("<title>Kettle 1</title>", "<title>&xxe;</title>"), encoding="utf-8")
    assert attack(feed)["kind"] == "UnsafeInputError"
    assert connections() == 0


def test_xxe_in_utf16_is_refused_too(tmp_path: Path) -> None:
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file(tmp_path)}">]>'
    text = rss(doctype).replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("Kettle 1<", "&xxe;<")
    feed = tmp_path / "feed.xml"
    feed.write_bytes(text.encode("utf-16"))
    assert attack(feed)["kind"] == "UnsafeInputError"


def test_entities_behind_a_long_comment_are_refused(tmp_path: Path) -> None:
    doctype = "<!-- < " + "padding " * 300_000 + "-->" + '<!DOCTYPE rss [<!ENTITY a "aaaa">]>'
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(doctype), encoding="utf-8")
    assert attack(feed)["kind"] == "UnsafeInputError"


def test_external_dtd_is_not_loaded_and_the_feed_is_read(tmp_path: Path, listener: tuple) -> None:
    """RSS 0.91 feeds name Netscape's DTD: harmless once nothing is fetched."""
    port, connections = listener
    feed = tmp_path / "feed.xml"
    doctype = f'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://127.0.0.1:{port}/rss.dtd">'
    feed.write_text(rss(doctype), encoding="utf-8")
    answer = attack(feed)
    assert answer["kind"] == "Report"
    assert answer["items"] == 2
    assert connections() == 0


def test_parameter_entities_are_refused_without_connecting(tmp_path: Path, listener: tuple) -> None:
    port, connections = listener
    feed = tmp_path / "feed.xml"
    doctype = f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %remote;]>'
    feed.write_text(rss(doctype), encoding="utf-8")
    assert attack(feed)["kind"] == "UnsafeInputError"
    assert connections() == 0


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]  # fmt: skip
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(f"<!DOCTYPE rss [{''.join(entities)}]>").replace("Kettle 1<", "&lol9;<"), encoding="utf-8")
    assert attack(feed)["kind"] == "UnsafeInputError"


def test_quadratic_blowup_is_refused(tmp_path: Path) -> None:
    doctype = f'<!DOCTYPE rss [<!ENTITY big "{"x" * 50_000}">]>'
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(doctype).replace("Kettle 1<", "&big;" * 50_000 + "<"), encoding="utf-8")
    assert attack(feed)["kind"] == "UnsafeInputError"


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """libxml2 stops at 256 levels (no huge_tree): the record never ends, nothing can be read."""
    feed = tmp_path / "feed.xml"
    deep = "<a>" * 100_000 + "x" + "</a>" * 100_000
    feed.write_text(rss(body=f"<item><g:id>0</g:id>{deep}</item>"), encoding="utf-8")
    answer = attack(feed)
    assert answer["kind"] == "MalformedFeedError"
    assert "depth" in str(answer["text"]).lower()


def test_deep_nesting_after_good_records_reports_them_and_the_break(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    deep = "<a>" * 100_000 + "x" + "</a>" * 100_000
    feed.write_text(rss(items=3).replace("</channel>", f"<item><g:id>9</g:id>{deep}</item></channel>"))
    answer = attack(feed)
    assert answer["kind"] == "Report"
    assert answer["items"] == 3
    assert "xml-not-well-formed" in answer["codes"]  # type: ignore[operator]


# ---- compression ----------------------------------------------------------------------------------------

CSV_HEADER = b"id,title,link,image_link,price\n"
CSV_LINE = b"P1,Kettle,https://shop.example/p/1,https://cdn.example/1.jpg,39.90 EUR\n"


BLOCK = CSV_LINE * ((1 << 20) // len(CSV_LINE))  # 1 MiB of records


def _deflated_lines(megabytes: int) -> Iterator[bytes]:
    yield CSV_HEADER
    for _ in range(megabytes):
        yield BLOCK


def _streams(compress: Callable[[bytes], bytes], megabytes: int) -> bytes:
    """A multi-stream file (gzip members, bz2 streams, read back to back as one): the same
    compressed MiB repeated, cheap to build however big it expands."""
    return compress(CSV_HEADER + BLOCK) + compress(BLOCK) * (megabytes - 1)


def test_gzip_bomb_is_refused_after_a_few_megabytes(tmp_path: Path) -> None:
    """1 GiB of CSV lines in a 1 MB gzip: refused by the ratio cap, long before 2 GiB."""
    feed = tmp_path / "bomb.csv.gz"
    feed.write_bytes(_streams(gzip.compress, 1024))
    assert feed.stat().st_size < 5 << 20
    answer = attack(feed)
    assert answer["kind"] == "LimitExceededError"
    assert "decompression bomb" in str(answer["text"])


def test_gzip_over_the_decompressed_limit_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "big.csv.gz"
    feed.write_bytes(_streams(gzip.compress, 3))
    answer = attack(feed, max_decompressed_bytes=1 << 20)
    assert answer["kind"] == "LimitExceededError"
    assert "once decompressed" in str(answer["text"])


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("feed.csv", "w") as member,
    ):
        for chunk in _deflated_lines(64):
            member.write(chunk)
    assert attack(feed)["kind"] == "LimitExceededError"


def test_bz2_bomb_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "bomb.csv.bz2"
    feed.write_bytes(_streams(bz2.compress, 1024))
    assert attack(feed)["kind"] == "LimitExceededError"


def test_zip_with_several_members_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "two.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        archive.writestr("feed.csv", CSV_HEADER + CSV_LINE)
        archive.writestr("other.csv", CSV_HEADER + CSV_LINE)
    answer = attack(feed)
    assert answer["kind"] == "UnsupportedCompressionError"
    assert "feed.csv, other.csv" in str(answer["text"])


@pytest.mark.parametrize("name", ["../../evil.csv", "/etc/cron.d/evil.csv", "a/../../evil.csv", "..\\evil.csv"])
def test_zip_member_named_outside_the_archive_is_refused(tmp_path: Path, name: str) -> None:
    work = tmp_path / "in" / "deeper"
    work.mkdir(parents=True)
    feed = work / "evil.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name), CSV_HEADER + CSV_LINE)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    answer = attack(feed)
    assert answer["kind"] == "UnsafeInputError"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing extracted


def test_truncated_gzip_reads_what_it_can_or_says_it_is_damaged(tmp_path: Path) -> None:
    data = gzip.compress(CSV_HEADER + CSV_LINE * 20_000)
    feed = tmp_path / "cut.csv.gz"
    feed.write_bytes(data[: len(data) // 2])
    answer = attack(feed)
    assert answer["kind"] == "UnsupportedCompressionError"
    assert "damaged" in str(answer["text"])


# ---- not a feed at all ----------------------------------------------------------------------------------


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    feed = tmp_path / "noise.csv"
    feed.write_bytes(random.Random(7).randbytes(1 << 20))
    assert attack(feed)["kind"] == "NotAFeedError"


def test_empty_file_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "empty.csv"
    feed.write_bytes(b"")
    answer = attack(feed)
    assert answer["kind"] == "NotAFeedError"
    assert answer["text"] == "The file is empty."


# ---- awkward CSV: reported, with lines ------------------------------------------------------------------


def test_nul_bytes_in_csv_are_reported_with_their_line(tmp_path: Path) -> None:
    feed = tmp_path / "nul.csv"
    feed.write_bytes(CSV_HEADER + CSV_LINE + CSV_LINE.replace(b"P1,Kettle", b"P2,Ket\x00tle"))
    answer = attack(feed)
    assert answer["kind"] == "Report"
    assert answer["items"] == 2
    issues = json.loads(str(answer["text"]))["issues"]
    control = next(i for i in issues if i["code"] == "text-control-characters")
    assert [(e["line"], e["value"]) for e in control["examples"]] == [(3, "Ket\ufffdtle")]


def test_very_wide_csv_is_refused_with_the_count(tmp_path: Path) -> None:
    feed = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(10_000))
    feed.write_text(header + "\n" + ",".join("x" for _ in range(10_000)) + "\n", encoding="utf-8")
    answer = attack(feed)
    assert answer["kind"] == "LimitExceededError"
    assert answer["text"] == "The header has 10,000 columns, over the limit of 2,000."


def test_header_only_csv_is_an_empty_feed(tmp_path: Path) -> None:
    feed = tmp_path / "header.csv"
    feed.write_bytes(CSV_HEADER)
    answer = attack(feed)
    assert answer["kind"] == "Report"
    assert answer["items"] == 0
    assert "feed-empty" in answer["codes"]  # type: ignore[operator]


def test_a_huge_value_is_refused_with_its_column_and_line(tmp_path: Path) -> None:
    feed = tmp_path / "huge.csv"
    feed.write_bytes(CSV_HEADER + CSV_LINE + b"P2,Kettle,https://shop.example/p/2,x," + b"9" * 2_000_000 + b"\n")
    answer = attack(feed)
    assert answer["kind"] == "LimitExceededError"
    assert (
        answer["text"] == "A value of column 'price' (line 3) holds 2,000,000 characters, over the limit of 1,000,000."
    )


def test_item_limit_refuses_or_gives_a_partial_report(tmp_path: Path) -> None:
    feed = tmp_path / "many.csv"
    feed.write_bytes(CSV_HEADER + b"".join(CSV_LINE.replace(b"P1,", f"P{n},".encode()) for n in range(1, 11)))
    refused = attack(feed, max_items=4)
    assert (refused["kind"], refused["text"]) == ("LimitExceededError", "The feed has over 4 records, the limit.")
    partial = attack(feed, max_items=4, partial=True)
    assert partial["kind"] == "Report"
    assert partial["items"] == 4
    assert json.loads(str(partial["text"]))["partial"] is True
    assert "feed-partial" in partial["codes"]  # type: ignore[operator]


def test_xml_item_limit_partial_report_stops_reading(tmp_path: Path) -> None:
    feed = tmp_path / "many.xml"
    feed.write_text(rss(items=10), encoding="utf-8")
    partial = attack(feed, max_items=3, partial=True)
    assert (partial["kind"], partial["items"]) == ("Report", 3)
    assert attack(feed, max_items=3)["kind"] == "LimitExceededError"


def test_a_damaged_deflate_stream_in_a_zip_is_refused(tmp_path: Path) -> None:
    feed = tmp_path / "damaged.zip"
    with zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("feed.csv", CSV_HEADER + CSV_LINE * 5_000)
    data = bytearray(feed.read_bytes())
    start = data.index(b"feed.csv") + len("feed.csv")  # the local header; the deflate data follows
    for offset in range(start + 200, start + 400):
        data[offset] ^= 0x5A
    feed.write_bytes(bytes(data))
    assert attack(feed)["kind"] == "UnsupportedCompressionError"


def test_stray_undecodable_bytes_are_read_and_reported_with_their_line(tmp_path: Path) -> None:
    """A UTF-8 feed with one Latin-1 byte (0xE9 in P2's title): the byte is read as Windows-1252
    ("Café"), reported on line 3, and every record is kept."""
    feed = tmp_path / "stray.csv"
    feed.write_bytes(
        CSV_HEADER + "P1,Théière,".encode() + CSV_LINE[10:] + b"P2,Caf\xe9,https://s.example/p/2,x,1 EUR\n"
    )
    answer = attack(feed)
    assert (answer["kind"], answer["items"]) == ("Report", 2)
    report = json.loads(str(answer["text"]))
    assert report["source"]["encoding"] == "utf-8"
    stray = next(i for i in report["issues"] if i["code"] == "encoding-invalid-bytes")
    assert (stray["count"], [(e["line"], e["id"]) for e in stray["examples"]]) == (1, [(3, "P2")])
    out = io.BytesIO()
    feedcheck.convert(feed, csv=out)
    assert [line.split(",")[1] for line in out.getvalue().decode("utf-8").splitlines()[1:]] == ["Théière", "Café"]


def test_a_csv_starting_like_compressed_data_is_read_as_text() -> None:
    """A header beginning with "x^" starts like a zlib stream: polars would try to inflate it (an
    OSError, exit 4); it is read as the text it is, with no structural issue."""
    report = feedcheck.validate(b"x^id,title\nA-1,Mug\n")
    assert (report.items, report.columns) == (1, ["x^id", "title"])
    assert not [i.code for i in report.issues if i.code.startswith("csv-")]
