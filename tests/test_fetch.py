"""Feeds by address: fetched only by the command or an explicit feedcheck.fetch(), from a local
HTTP server on 127.0.0.1 (plain, gzip, 404, slow, a redirect loop, over the byte limit)."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main
from feedcheck.errors import FetchError

FEED = (Path(__file__).resolve().parents[1] / "fixtures" / "sample_feed.csv").read_bytes()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/feed.csv":
            self._send(200, FEED, {"Content-Type": "text/csv"})
        elif path == "/feed-gzip.csv":
            assert "gzip" in self.headers.get("Accept-Encoding", "")
            self._send(200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
        elif path == "/moved":
            self._send(302, b"", {"Location": "/feed.csv"})
        elif path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif path == "/slow":
            time.sleep(3)
            self._send(200, FEED)
        elif path == "/big":  # no Content-Length: the limit must hold while downloading
            self.send_response(200)
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"x" * 10_000)
        elif path == "/announced-big":
            self.send_response(200)
            self.send_header("Content-Length", "5000000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
        else:
            self._send(404, b"<html>not here</html>")


class QuietServer(ThreadingHTTPServer):
    """A client that stops reading (feedcheck past max_bytes) breaks the server's pipe: that is
    the client's right, not a server error worth printing into the output under test."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fetch_returns_a_named_stream_that_validate_reads(server: str) -> None:
    stream = feedcheck.fetch(f"{server}/feed.csv")
    assert stream.read() == FEED
    stream.seek(0)
    report = feedcheck.validate(stream)
    assert (report.items, report.source.name, report.source.compression) == (5, f"{server}/feed.csv", None)


def test_a_gzip_transfer_is_decoded_and_redirects_are_followed(server: str) -> None:
    assert feedcheck.fetch(f"{server}/feed-gzip.csv").read() == FEED
    assert feedcheck.fetch(f"{server}/moved").read() == FEED


def test_progress_is_told_the_bytes_as_they_arrive(server: str) -> None:
    seen: list[tuple[int, int | None]] = []
    feedcheck.fetch(f"{server}/feed.csv", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(FEED), len(FEED))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nothing", "The address answered 404 Not Found: check the feed address."),
        ("/loop", "The address redirects more than 5 times."),
        ("/slow", "127.0.0.1:{port} did not answer within 0.5 seconds."),
    ],
)
def test_an_address_with_no_feed_is_a_fetch_error(server: str, path: str, message: str) -> None:
    with pytest.raises(FetchError) as refused:
        feedcheck.fetch(server + path, timeout=0.5)
    assert refused.value.message == message.format(port=server.rsplit(":", 1)[1])
    assert isinstance(refused.value, feedcheck.FeedError)


def test_the_byte_limit_holds_while_downloading(server: str) -> None:
    limits = feedcheck.Limits(max_bytes=100_000)
    with pytest.raises(feedcheck.LimitExceededError) as refused:
        feedcheck.fetch(f"{server}/big", limits=limits)
    assert refused.value.message == "The feed is larger than the limit of 100,000 bytes; split it or raise the limit."
    with pytest.raises(feedcheck.LimitExceededError) as announced:
        feedcheck.fetch(f"{server}/announced-big", limits=limits)
    assert announced.value.message == "The feed is 5,000,000 bytes, over the limit of 100,000 bytes."


def test_a_refused_connection_names_the_host() -> None:
    port = free_port()
    with pytest.raises(FetchError) as refused:
        feedcheck.fetch(f"http://127.0.0.1:{port}/feed.csv")
    assert refused.value.message == f"Could not connect to 127.0.0.1:{port} (connection refused)."


def test_only_http_and_https_are_fetched() -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/feed.csv"):
        with pytest.raises(feedcheck.UsageError, match="Only http and https addresses can be fetched"):
            feedcheck.fetch(url)


def test_validate_never_fetches_a_string_that_looks_like_an_address(server: str) -> None:
    with pytest.raises(feedcheck.NotAFeedError, match="There is no file at"):
        feedcheck.validate(f"{server}/feed.csv")


def test_the_command_validates_addresses_plain_and_gzip(server: str) -> None:
    result = CliRunner().invoke(main, ["validate", f"{server}/feed.csv"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{server}/feed.csv: VALID — 5 items, profile default\n")
    gz = CliRunner().invoke(main, ["validate", f"{server}/feed-gzip.csv", "--format", "json"])
    assert '"items": 5' in gz.output


def test_the_command_gives_one_line_and_exit_3_for_an_address_with_no_feed(server: str) -> None:
    for url, message in [
        (f"{server}/nothing", "The address answered 404 Not Found: check the feed address."),
        (f"http://127.0.0.1:{free_port()}/x.csv", "Could not connect to 127.0.0.1:"),
    ]:
        proc = subprocess.run(
            [sys.executable, "-m", "feedcheck.cli", "validate", url], capture_output=True, text=True, timeout=60
        )
        assert (proc.returncode, proc.stdout) == (3, "")
        assert proc.stderr.startswith(f"feedcheck: cannot fetch this address: {message}")
        assert proc.stderr.count("\n") == 1


def test_the_command_refuses_a_download_over_max_bytes(server: str) -> None:
    result = CliRunner().invoke(main, ["validate", f"{server}/big", "--max-bytes", "100000"])
    assert result.exit_code == 3
    assert result.output == (
        "feedcheck: cannot use this file: The feed is larger than the limit of 100,000 bytes; "
        "split it or raise the limit.\n"
    )


def test_convert_takes_an_address(server: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["convert", f"{server}/feed-gzip.csv", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    golden = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "sample_feed.csv"
    assert out.read_bytes() == golden.read_bytes()
