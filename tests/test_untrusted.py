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

SECONDS = 10  # generous: the slowest of these attacks takes well under a second here
PEAK_MB = 400  # the child's peak RSS; importing polars and lxml takes about 120 MB
# The second round of attacks (issue 14) is held to what the issue asks: 20 s and 800 MB each.
SECONDS_14, PEAK_MB_14 = 20, 800
SECRET = "TOPSECRET-4471-do-not-leak"

ATTACK_RUNNER = """
import io, json, resource, sys, time
import feedcheck


def peak_mb():
    # VmHWM is this process's own peak: ru_maxrss also counts what the parent held when it started us.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ShortReads(io.RawIOBase):
    # A raw stream giving at most 100 bytes per read, as a socket or a pipe may.
    def __init__(self, data):
        self.data = memoryview(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), 100, len(self.data))
        buffer[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


path, options = sys.argv[1], json.loads(sys.argv[2])
limits = options.pop("limits", {})
if not options.pop("raw_limits", False):
    limits = feedcheck.Limits(**limits)
source = {"path": lambda: path, "short-reads": lambda: ShortReads(open(path, "rb").read()),
          "text": lambda: open(path, encoding="utf-8").read()}[options.pop("mode", "path")]()
start = time.perf_counter()
try:
    report = feedcheck.validate(source, limits=limits, **options)
    answer = {"kind": "Report", "items": report.items, "text": report.model_dump_json(),
              "codes": sorted({i.code for i in report.issues})}
except (feedcheck.FeedError, feedcheck.UsageError) as err:
    answer = {"kind": type(err).__name__, "text": str(err)}
answer["seconds"] = time.perf_counter() - start
answer["peak_mb"] = peak_mb()
answer["children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # a split XML's 2nd reader
print(json.dumps(answer))
"""

# Every attack's answer, time and peak memory, printed as a table when the module ends.
TABLE: list[tuple[str, str, float, float, float]] = []

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


def attack(
    path: Path,
    *,
    options: dict[str, object] | None = None,
    seconds: float = SECONDS,
    peak_mb: float = PEAK_MB,
    **limits: object,
) -> dict[str, object]:
    """validate(path, limits=Limits(**limits), **options) in a fresh process: a report, a
    refusal or a caller mistake named, within ``seconds`` and ``peak_mb`` (the process, and the
    second reader of a split XML if one was started)."""
    arguments = {"limits": limits, **(options or {})}
    done = subprocess.run(
        [sys.executable, "-c", ATTACK_RUNNER, str(path), json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "no_proxy": "*"},
    )
    assert done.returncode == 0, f"validate raised something else than a FeedError:\n{done.stderr}"
    answer: dict[str, object] = json.loads(done.stdout)
    name = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]
    took, peak, second = (float(answer[k]) for k in ("seconds", "peak_mb", "children_mb"))  # type: ignore[arg-type]
    TABLE.append((name, str(answer["kind"]), took, peak, second))
    assert took < seconds, answer
    assert peak < peak_mb, answer
    assert second < peak_mb, answer
    assert SECRET not in str(answer["text"])
    return answer


@pytest.fixture(scope="module", autouse=True)
def table(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print every attack's answer, time and peak memory once the module's tests have run."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not TABLE:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(f"{'attack':<75} {'answer':<27} {'seconds':>7} {'peak MB':>7} {'2nd MB':>6}")
        for name, kind, took, peak, second in TABLE:
            reporter.write_line(f"{name[:75]:<75} {kind:<27} {took:>7.2f} {peak:>7.0f} {second:>6.0f}")


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


# ---- second round (issue 14): costs that grow with the input, memory, archives, streams, names -----------


def records(n: int, start: int = 1) -> bytes:
    return b"".join(CSV_LINE.replace(b"P1,", b"P%d," % i) for i in range(start, start + n))


def test_a_33_mb_xml_with_unclosed_pis_in_a_cdata_the_head_cuts_is_read_in_two_halves(tmp_path: Path) -> None:
    """Under the command's default workers=2, the planner's regex rescanned the head once per '<?':
    minutes. The record element lies past the first MiB; the file is read, all of it."""
    header = "<description><![CDATA[" + "<?" * 700_000 + "]]></description>\n"
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(body=header, items=200_000).replace("</item>", "</item>\n"), encoding="utf-8")
    assert feed.stat().st_size > 33_000_000
    answer = attack(feed, options={"workers": 2}, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 200_000)


def test_gtin_cells_of_one_digit_codes_cost_in_proportion_to_their_size(tmp_path: Path) -> None:
    """100,000 products whose GTIN cell lists 30 codes '1', and one cell of 999,999 characters:
    only the first 20 codes of a cell are classified; every cell is reported as too many codes."""
    feed = tmp_path / "gtin.csv"
    many = b'"' + b"1," * 29 + b'1"'
    with feed.open("wb") as out:
        out.write(b"id,title,link,image_link,price,gtin\n")
        for block in range(10):
            out.write(
                b"".join(
                    CSV_LINE.replace(b"P1,", b"P%d," % (block * 10_000 + i)).rstrip(b"\n") + b"," + many + b"\n"
                    for i in range(10_000)
                )
            )
        out.write(CSV_LINE.replace(b"P1,", b"Q1,").rstrip(b"\n") + b',"' + b"1," * 499_999 + b'1"\n')
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 100_001)
    too_many = next(i for i in json.loads(str(answer["text"]))["issues"] if i["code"] == "gtin-too-many-codes")
    assert too_many["count"] == 100_001


def test_100_mb_of_2000_mostly_empty_columns_is_read_in_bounded_batches(tmp_path: Path) -> None:
    """It took 3.2 GB when read whole: 52,428 rows of 2,000 columns are now read 2,000 rows at a
    time (4 million values), and every product is counted."""
    feed = tmp_path / "wide.csv"
    row = b"x" + b"," * 1_999 + b"\n"
    with feed.open("wb") as out:
        out.write(",".join(f"c{i}" for i in range(2_000)).encode() + b"\n")
        for _ in range(52):
            out.write(row * 1_000)
        out.write(row * 428)
    assert feed.stat().st_size > 100 << 20
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 52_428)


def test_one_stray_quote_costs_about_what_the_fast_path_does(tmp_path: Path) -> None:
    """60 MB of 40 columns, one quote out of place on line 2: Python's csv module reads the file
    a block of rows at a time, never the whole of it as Python strings."""
    feed = tmp_path / "quote.csv"
    header = ",".join(f"c{i}" for i in range(40)).encode() + b"\n"
    row = b",".join([b"value"] * 40) + b"\n"
    with feed.open("wb") as out:
        out.write(header + b'P0,ab"c' + row[8:])
        for _ in range(245):
            out.write(row * 1_000)
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 245_001)


def test_a_zip_with_a_bzip2_member_is_bounded_while_inflating(tmp_path: Path) -> None:
    """1 GiB of one CSV cell in a zip member compressed with bzip2 (about 800 bytes): zipfile
    inflated each block of input in one call (3 KB grew to 8.4 GB). Refused by the ratio cap."""
    feed = tmp_path / "bomb.zip"
    block = b"a" * (1 << 24)
    with zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_BZIP2) as archive, archive.open("feed.csv", "w") as member:
        member.write(b"id,title\n1,")
        for _ in range(64):
            member.write(block)
    assert feed.stat().st_size < 4_000
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert answer["kind"] == "LimitExceededError"
    assert "this looks like a decompression bomb" in str(answer["text"])


def test_a_zip_lying_about_its_compressed_size_is_still_measured(tmp_path: Path) -> None:
    """Its headers claim 4 GB of compressed data: the ratio was taken against that, and never
    fired. It is taken against the compressed bytes actually read."""
    feed = tmp_path / "liar.zip"
    with (
        zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("feed.csv", "w") as member,
    ):
        for chunk in _deflated_lines(256):
            member.write(chunk)
    data = bytearray(feed.read_bytes())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[local + 18 : local + 22] = data[central + 20 : central + 24] = (0xFFFFFFF0).to_bytes(4, "little")
    feed.write_bytes(bytes(data))
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert answer["kind"] == "LimitExceededError"
    assert "this looks like a decompression bomb" in str(answer["text"])


def test_a_stream_giving_100_bytes_per_read_is_read_to_its_end(tmp_path: Path) -> None:
    """One read() gave the first 100 bytes: 19 of 5,000 products, reported as a normal feed."""
    feed = tmp_path / "feed.csv"
    feed.write_bytes(CSV_HEADER + records(5_000))
    answer = attack(feed, options={"mode": "short-reads"}, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 5_000)


@pytest.mark.parametrize("name", ["__line__", "__item__", "__price__p", "*", "^.*$"])
def test_a_column_named_like_an_internal_column_is_read_like_any_other(tmp_path: Path, name: str) -> None:
    """A column named __line__ made every run an InternalError."""
    feed = tmp_path / "feed.csv"
    feed.write_bytes(CSV_HEADER.rstrip(b"\n") + b"," + name.encode() + b"\n" + records(3).replace(b"\n", b",x\n"))
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 3)
    assert json.loads(str(answer["text"]))["unmapped_columns"] == [name]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"delimiter": 5}, "delimiter"),
        ({"encoding": "rot13"}, "encoding"),
        ({"workers": "2"}, "workers"),
        ({"workers": 2.5}, "workers"),
        ({"limits": {"max_bytes": 5}, "raw_limits": True}, "limits"),
        ({"mode": "text"}, "source"),
    ],
)
def test_a_caller_mistake_names_the_argument(tmp_path: Path, options: dict[str, object], named: str) -> None:
    """They came out as 'a bug in feedcheck', were accepted silently, or raised a raw OSError."""
    feed = tmp_path / "feed.csv"
    feed.write_bytes(CSV_HEADER + records(3))
    answer = attack(feed, options=options, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert answer["kind"] == "UsageError"
    assert str(answer["text"]).startswith(named)


def test_an_xml_record_of_48_mb_is_refused_before_its_end(tmp_path: Path) -> None:
    """libxml2 holds a record's tree until its end tag: 48 MB of tiny elements took 1.6 GB and 40 s."""
    feed = tmp_path / "feed.xml"
    feed.write_text(
        rss(items=3).replace("</channel>", "<item><g:id>4</g:id>" + "<a/>" * 12_000_000 + "</item></channel>")
    )
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert answer["kind"] == "LimitExceededError"
    assert "without closing a <item> record" in str(answer["text"])


def test_xml_records_each_bringing_a_field_of_their_own_are_read_in_bounded_batches(tmp_path: Path) -> None:
    """Every record adds a column: a batch holds records times fields, 16 bytes each even when
    empty. Batches shrink as the fields grow (4 million values at most, the default), and every
    product is counted."""
    feed = tmp_path / "feed.xml"
    body = "".join(f"<item><g:id>{n}</g:id><f{n % 1_999}>x</f{n % 1_999}></item>" for n in range(100_000))
    feed.write_text(rss(body=body, items=0), encoding="utf-8")
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["items"]) == ("Report", 100_000)


def test_a_flood_of_blank_lines_is_refused_while_it_is_scanned(tmp_path: Path) -> None:
    """200 MB of newlines after one record: a regular expression skipping blank lines held memory
    per line, and the scan kept 8 bytes per newline for each of three arrays."""
    feed = tmp_path / "blank.csv"
    with feed.open("wb") as out:
        out.write(CSV_HEADER + records(1))
        for _ in range(200):
            out.write(b"\n" * (1 << 20))
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["text"]) == ("LimitExceededError", "The feed has over 3,000,000 records, the limit.")


def test_a_header_of_a_million_columns_is_refused_before_its_names_are_read(tmp_path: Path) -> None:
    feed = tmp_path / "wide.csv"
    feed.write_bytes(b"c," * 999_999 + b"c\n" + CSV_LINE)
    answer = attack(feed, seconds=SECONDS_14, peak_mb=PEAK_MB_14)
    assert (answer["kind"], answer["text"]) == (
        "LimitExceededError",
        "The header has 1,000,000 columns, over the limit of 2,000.",
    )
