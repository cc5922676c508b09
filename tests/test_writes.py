"""Writes that never destroy, compressed outputs, and convert's honest exit codes.

Every refusal leaves the input byte-identical and writes nothing; a failure in the middle of a
write leaves the previous output as it was and no temporary file behind.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import IO, Any

import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main
from feedcheck.write import canonical, targets
from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample_feed.csv"  # five valid products
GOLDEN_CSV = (FIXTURES / "golden" / "sample_feed.csv").read_bytes()
GOLDEN_XML = (FIXTURES / "golden" / "sample_feed.xml").read_bytes()
OPTIONS = {"csv": "--csv", "xml": "--xml", "google_xml": "--google-xml", "google_tsv": "--google-tsv"}
BAD = (  # two products, the second with no title: a feed with an error
    b"id;title;link;image_link;price\n"
    b"A;Lampe;https://x.fr/a;https://x.fr/a.jpg;10 EUR\n"
    b"B;;https://x.fr/b;https://x.fr/b.jpg;10 EUR\n"
)


def plain_outputs() -> dict[str, bytes]:
    outs = {name: io.BytesIO() for name in OPTIONS}
    feedcheck.convert(SAMPLE, **outs)  # type: ignore[arg-type]
    return {name: out.getvalue() for name, out in outs.items()}


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def run(*args: str, stdin: IO[bytes] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedcheck.cli", *args], capture_output=True, text=True, stdin=stdin, timeout=120
    )


# ---- compression, chosen by the extension -----------------------------------------------------------


def decompress(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)
    if path.suffix == ".bz2":
        return bz2.decompress(data)
    if path.suffix == ".xz":
        return lzma.decompress(data)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [path.name[: -len(".zip")]]
        return archive.read(archive.namelist()[0])


@pytest.mark.parametrize("suffix", [".gz", ".zip", ".bz2", ".xz", ".GZ"])
def test_every_output_is_compressed_by_its_extension(tmp_path: Path, suffix: str) -> None:
    plain = plain_outputs()
    paths = {name: tmp_path / f"out-{name}.{'xml' if 'xml' in name else 'csv'}{suffix}" for name in OPTIONS}
    result = feedcheck.convert(SAMPLE, **paths)  # type: ignore[arg-type]
    assert result.csv == str(paths["csv"]) and result.google_tsv == str(paths["google_tsv"])
    for name, path in paths.items():
        if suffix == ".GZ":
            assert gzip.decompress(path.read_bytes()) == plain[name]
        else:
            assert decompress(path) == plain[name], name
        # feedcheck reads its own compressed outputs back: the same five products.
        assert feedcheck.validate(path).items == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())


def test_gzip_output_names_the_inner_file_and_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    feedcheck.convert(SAMPLE, csv=first)
    feedcheck.convert(SAMPLE, csv=second)
    assert first.read_bytes()[10:16] == b"a.csv\x00"  # the FNAME field, not the temporary name
    assert gzip.decompress(first.read_bytes()) == GOLDEN_CSV
    assert first.read_bytes()[16:] == second.read_bytes()[16:]  # mtime 0: same data, same bytes


def test_a_stream_target_is_written_plainly_and_left_open() -> None:
    out = io.BytesIO()
    out.write(b"kept:")
    feedcheck.convert(SAMPLE, csv=out)
    assert not out.closed
    assert out.getvalue() == b"kept:" + GOLDEN_CSV


# ---- refusals: an output that is the input, two outputs on one file ---------------------------------


def refused(tmp_path: Path, args: list[str], message: str, stdin: IO[bytes] | None = None) -> None:
    before = listing(tmp_path)
    result = run("convert", *args, stdin=stdin)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert listing(tmp_path) == before  # the input byte-identical, nothing written


def test_an_output_on_the_input_is_refused_also_through_links(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_bytes(SAMPLE.read_bytes())
    (tmp_path / "link.csv").symlink_to(feed)
    os.link(feed, tmp_path / "hard.csv")
    itself = "names the input feed itself ({}); writing it would destroy the feed. Write the output to another file."
    refused(tmp_path, [str(feed), "--csv", str(feed)], "--csv " + itself.format(feed))
    refused(tmp_path, [str(feed), "--xml", str(tmp_path / "link.csv")], "--xml " + itself.format(tmp_path / "link.csv"))
    refused(tmp_path, [str(tmp_path / "link.csv"), "--google-tsv", str(feed)], "--google-tsv " + itself.format(feed))
    hard = tmp_path / "hard.csv"
    refused(tmp_path, [str(feed), "--google-xml", str(hard)], "--google-xml " + itself.format(hard))
    spelled = f"{tmp_path}/../{tmp_path.name}/feed.csv"
    refused(tmp_path, [str(feed), "--csv", spelled], "--csv " + itself.format(spelled))
    with feed.open("rb") as stdin:  # standard input redirected from the feed
        refused(tmp_path, ["-", "--csv", str(hard)], "--csv " + itself.format(hard), stdin=stdin)


def test_two_outputs_on_one_file_are_refused(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "out.txt"
    same = "name the same output ({}); give each its own file."
    refused(tmp_path, [str(feed), "--csv", str(out), "--xml", str(out)], "--csv and --xml " + same.format(out))
    out.write_bytes(b"yesterday's feed")
    (tmp_path / "alias.txt").symlink_to(out)
    alias = tmp_path / "alias.txt"
    refused(
        tmp_path,
        [str(feed), "--google-xml", str(out), "--google-tsv", str(alias)],
        "--google-xml and --google-tsv " + same.format(alias),
    )


def test_the_library_refuses_the_same_cases_with_usage_error(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_bytes(SAMPLE.read_bytes())
    with pytest.raises(feedcheck.UsageError, match="--csv names the input feed itself"):
        feedcheck.convert(feed, csv=str(feed))
    stream = io.BytesIO()
    with pytest.raises(feedcheck.UsageError, match="--csv and --google-tsv name the same output"):
        feedcheck.convert(feed, csv=stream, google_tsv=stream)
    with pytest.raises(feedcheck.UsageError, match="--xml names a directory"):
        feedcheck.convert(feed, xml=tmp_path)
    assert feed.read_bytes() == SAMPLE.read_bytes()
    assert stream.getvalue() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.csv"]


# ---- failures in the middle of a write ---------------------------------------------------------------


def test_a_writer_failing_after_some_batches_leaves_the_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_out, xml_out = tmp_path / "out.csv", tmp_path / "out.xml.gz"
    csv_out.write_bytes(b"yesterday's csv")
    xml_out.write_bytes(b"yesterday's xml")
    calls = []
    real = canonical.csv_columns

    def failing(frame: Any, multi: set[str]) -> Any:
        calls.append(frame.height)
        if len(calls) == 3:
            raise RuntimeError("simulated failure in the third batch")
        return real(frame, multi)

    monkeypatch.setattr(canonical, "BATCH", 1)
    monkeypatch.setattr(canonical, "csv_columns", failing)
    with pytest.raises(feedcheck.InternalError, match="simulated failure in the third batch"):
        feedcheck.convert(SAMPLE, xml=xml_out, csv=csv_out)
    assert calls == [1, 1, 1]  # two records were written to the temporary file, then it failed
    assert listing(tmp_path) == {"out.csv": b"yesterday's csv", "out.xml.gz": b"yesterday's xml"}


class FullDisk(io.RawIOBase):
    """A file that takes ``room`` bytes, then fails like a full disk."""

    def __init__(self, inner: IO[bytes], room: int) -> None:
        self.inner, self.room = inner, room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.inner.write(data)

    def fileno(self) -> int:
        return self.inner.fileno()

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()
        super().close()


def test_a_full_disk_leaves_the_previous_output_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"yesterday's csv")
    real = os.fdopen
    monkeypatch.setattr(targets.os, "fdopen", lambda fd, mode: FullDisk(real(fd, mode), room=100))
    result = CliRunner().invoke(main, ["convert", str(SAMPLE), "--csv", str(out)])
    assert result.exit_code == 3
    assert result.output == "feedcheck: cannot read or write a file: [Errno 28] No space left on device\n"
    assert listing(tmp_path) == {"out.csv": b"yesterday's csv"}


def test_an_interrupt_while_writing_removes_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.xml"

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(canonical, "write_records", interrupted)
    with pytest.raises(KeyboardInterrupt):
        feedcheck.convert(SAMPLE, xml=out, csv=tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_an_unusable_feed_writes_nothing_and_leaves_the_outputs(tmp_path: Path) -> None:
    feed, out = tmp_path / "feed.csv", tmp_path / "out.csv"
    feed.write_bytes(b"%PDF-1.7 not a feed")
    out.write_bytes(b"yesterday's csv")
    result = run("convert", str(feed), "--csv", str(out), "--google-xml", str(tmp_path / "g.xml"))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == "feedcheck: cannot use this file: This is a PDF document, not a CSV or XML feed.\n"
    assert listing(tmp_path) == {"feed.csv": b"%PDF-1.7 not a feed", "out.csv": b"yesterday's csv"}


def test_a_missing_directory_fails_before_the_feed_is_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["convert", str(SAMPLE), "--csv", str(tmp_path / "no" / "out.csv")])
    assert result.exit_code == 3
    assert result.output.startswith("feedcheck: cannot read or write a file: [Errno 2] No such file or directory")


def test_new_files_get_the_usual_mode_and_replaced_files_keep_theirs(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        fresh, kept = tmp_path / "fresh.csv", tmp_path / "kept.csv"
        kept.write_bytes(b"old")
        kept.chmod(0o640)
        feedcheck.convert(SAMPLE, csv=fresh, xml=kept)
        assert (fresh.stat().st_mode & 0o777, kept.stat().st_mode & 0o777) == (0o644, 0o640)
        assert kept.read_bytes() == GOLDEN_XML
    finally:
        os.umask(mask)


# ---- exit codes and the summary ------------------------------------------------------------------------


def test_convert_exits_0_for_a_valid_feed_and_1_for_a_feed_with_errors_after_writing(tmp_path: Path) -> None:
    ok = CliRunner().invoke(main, ["convert", str(SAMPLE), "--csv", str(tmp_path / "ok.csv"), "--format", "json"])
    assert ok.exit_code == 0
    summary = json.loads(ok.output)
    # No error; two warnings: BX-1004 has no description, BX-1003 to BX-1005 no EAN.
    assert (summary["valid"], summary["errors"], summary["warnings"], summary["written"]) == (True, 0, 2, 5)
    feed = tmp_path / "bad.csv"
    feed.write_bytes(BAD)
    bad = CliRunner().invoke(main, ["convert", str(feed), "--csv", str(tmp_path / "bad-out.csv"), "--format", "json"])
    assert bad.exit_code == 1
    summary = json.loads(bad.output)
    # B has no title: empty-mandatory-value (error); no description, brand ...: warnings.
    assert (summary["valid"], summary["errors"], summary["written"], summary["dropped"]) == (False, 1, 2, [])
    assert summary["warnings"] == sum(1 for i in feedcheck.validate(feed).issues if i.severity == "warning")
    assert (tmp_path / "bad-out.csv").read_bytes().count(b"\n") == 3  # written before exiting 1


def test_when_drop_invalid_leaves_nothing_no_file_is_written_or_changed(tmp_path: Path) -> None:
    feed, kept, fresh = tmp_path / "feed.csv", tmp_path / "kept.csv", tmp_path / "fresh.xml"
    feed.write_bytes(b"id;title;link\nA;Lampe;https://x.fr/a\nB;Table;https://x.fr/b\n")  # no image_link, no price
    kept.write_bytes(b"yesterday's csv")
    result = CliRunner().invoke(main, ["convert", str(feed), "--csv", str(kept), "--xml", str(fresh), "--drop-invalid"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        f"{feed}: wrote nothing: --drop-invalid left out all 2 products; no output file was created or changed",
        "  dropped item 1 (line 2 id A): image_link: no column; price: no column",
        "  dropped item 2 (line 3 id B): image_link: no column; price: no column",
    ]
    assert listing(tmp_path) == {"feed.csv": feed.read_bytes(), "kept.csv": b"yesterday's csv"}
    stream = io.BytesIO()
    library = feedcheck.convert(feed, csv=stream, google_xml=fresh, drop_invalid=True)
    assert (library.items, library.written, len(library.dropped)) == (2, 0, 2)
    assert (library.csv, library.google_xml, stream.getvalue()) == (None, None, b"")
    assert not fresh.exists()


def test_a_feed_without_products_writes_nothing(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_bytes(b"id,title,link,image_link,price\n")
    result = CliRunner().invoke(main, ["convert", str(feed), "--google-tsv", str(tmp_path / "out.tsv")])
    assert result.exit_code == 1  # feed-empty is an error
    assert result.output.splitlines()[0] == (
        f"{feed}: wrote nothing: the feed holds no product; no output file was created or changed"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.csv"]


def test_a_target_that_is_a_link_becomes_a_file_and_the_linked_file_is_untouched(tmp_path: Path) -> None:
    elsewhere, link = tmp_path / "elsewhere.csv", tmp_path / "out.csv"
    elsewhere.write_bytes(b"someone else's file")
    link.symlink_to(elsewhere)
    feedcheck.convert(SAMPLE, csv=link)
    assert not link.is_symlink() and link.read_bytes() == GOLDEN_CSV
    assert elsewhere.read_bytes() == b"someone else's file"


def test_a_read_only_output_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename could replace a file its owner made read-only (only the folder's permission
    counts): it is refused like open() would refuse it. os.access is patched because the tests may
    run as root, for whom every file is writable."""
    out = tmp_path / "out.csv"
    out.write_bytes(b"read-only csv")
    out.chmod(0o444)
    real = os.access
    monkeypatch.setattr(targets.os, "access", lambda p, mode: False if Path(p) == out else real(p, mode))
    result = CliRunner().invoke(main, ["convert", str(SAMPLE), "--csv", str(out)])
    assert result.exit_code == 3
    assert result.output == f"feedcheck: cannot read or write a file: [Errno 13] Permission denied: '{out}'\n"
    assert listing(tmp_path) == {"out.csv": b"read-only csv"}


def test_a_symbolic_link_loop_as_target_is_replaced_like_any_link(tmp_path: Path) -> None:
    """Resolving a link loop raises in Python: that must not become an InternalError."""
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    feedcheck.convert(SAMPLE, csv=loop)
    assert not loop.is_symlink() and loop.read_bytes() == GOLDEN_CSV
