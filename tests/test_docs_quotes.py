"""Docs cannot drift: every command, output, message and code example quoted in the docs for people
(README.md, docs/README.md, docs/cli.md, docs/library.md, docs/upload-handler.md, docs/dialects.md)
is produced here.

- ```console blocks: each ``$ command`` is run (in a copy of ``docs/examples/`` beside
  ``fixtures/``) and its output compared line by line; a line ``...`` stands for any lines, a line
  ending in ``...`` for any line starting with what comes before.
- ```python blocks followed by a ```text block are run and print exactly that text; signature
  blocks (``feedcheck.validate(...) -> ...``) list exactly the function's parameters.
- every message quoted after ``feedcheck:`` or ``Error:`` is in :data:`MESSAGES`, with an input
  that makes the command print it.
"""

from __future__ import annotations

import inspect
import io
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedcheck
from feedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/README.md", "docs/cli.md", "docs/library.md", "docs/upload-handler.md", "docs/dialects.md"]


def read(page: str) -> str:
    return (ROOT / page).read_text(encoding="utf-8")


def console_blocks() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(page, [(command, expected output lines), ...]) of every ```console block: the commands
    of a block run one after the other in the same folder (a later one may read what an earlier
    one wrote)."""
    found = []
    for page in PAGES:
        for block in re.findall(r"```console\n(.*?)```", read(page), re.S):
            sessions: list[tuple[str, list[str]]] = []
            for line in block.splitlines():
                if line.startswith("$ "):
                    sessions.append((line[2:], []))
                else:
                    sessions[-1][1].append(line)
            found.append((page, sessions))
    return found


def fits(candidate: str, line: str) -> bool:
    if line.endswith("..."):
        return candidate.startswith(line[:-3].rstrip())
    return candidate == line


def agrees(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected`` with its elisions filled in (a ``...`` line is any
    number of lines, tried shortest first)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() in ("...", "…"):
        return any(agrees(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and fits(actual[0], head) and agrees(rest, actual[1:])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for example in (ROOT / "docs" / "examples").iterdir():
        shutil.copy(example, tmp_path / example.name)
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    return tmp_path


_LAST_EXIT: list[int] = [0]


def run_command(command: str) -> list[str]:
    args = shlex.split(command)
    if args[0] == "cat":
        return Path(args[1]).read_text(encoding="utf-8").splitlines()
    if args == ["echo", "$?"]:
        return [str(_LAST_EXIT[0])]
    assert args[0] == "feedcheck", command
    result = CliRunner().invoke(main, args[1:], prog_name="feedcheck")
    _LAST_EXIT[0] = result.exit_code
    return result.output.splitlines()


BLOCKS = console_blocks()


def test_the_docs_show_commands() -> None:
    assert {page for page, _ in BLOCKS} >= {"docs/cli.md"}
    assert sum(len(sessions) for _, sessions in BLOCKS) >= 15


@pytest.mark.parametrize(("page", "sessions"), BLOCKS, ids=[f"{p}: {' && '.join(c for c, _ in s)}" for p, s in BLOCKS])
def test_each_console_session_prints_what_the_page_shows(
    page: str, sessions: list[tuple[str, list[str]]], workdir: Path
) -> None:
    for command, expected in sessions:
        actual = run_command(command)
        shown = ["the page shows:", *expected, "", f"$ {command} printed:", *actual]
        assert agrees(expected, actual), "\n".join(shown)


def test_the_elision_matcher_can_fail() -> None:
    assert agrees(["a", "...", "d"], ["a", "b", "c", "d"])
    assert agrees(["a", "b, ..."], ["a", "b, c, d"])
    assert not agrees(["a", "d"], ["a", "b", "d"])
    assert not agrees(["a"], ["a", "b"])
    assert not agrees(["a", "...", "e"], ["a", "b"])


def python_examples(page: str) -> list[tuple[str, str]]:
    """(code, printed) for each ```python block directly followed by a ```text block."""
    return re.findall(r"```python\n((?:(?!```).)*?)```\s*\n```text\n(.*?)```", read(page), re.S)


EXAMPLES = [(page, code, printed) for page in ("docs/library.md",) for code, printed in python_examples(page)]


@pytest.mark.parametrize(
    ("page", "code", "printed"), EXAMPLES, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(EXAMPLES)]
)
def test_each_python_example_prints_what_the_page_shows(page: str, code: str, printed: str, workdir: Path) -> None:
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed


@pytest.mark.parametrize("name", ["validate", "convert", "fetch"])
def test_signatures_in_the_library_page_list_every_parameter(name: str) -> None:
    page = read("docs/library.md")
    match = re.search(rf"```python\nfeedcheck\.{name}\((.*?)\) -> ", page, re.S)
    assert match, f"docs/library.md shows no signature of feedcheck.{name}"
    shown = [p.strip().split("=")[0] for p in match.group(1).split(",") if p.strip() and p.strip() != "*"]
    real = list(inspect.signature(getattr(feedcheck, name)).parameters)
    assert shown == real


# Every refusal or usage message quoted in the docs, and an input that makes the command print it.
# (file name, content) is written to the working folder; the command is run with that file.
MESSAGES: dict[str, tuple[list[str], tuple[str, bytes] | None]] = {
    "feedcheck: cannot use this file: The file is empty.": (["validate", "empty.csv"], ("empty.csv", b"")),
    "feedcheck: cannot use this file: This is a web page (HTML), not a feed: check the feed address.": (
        ["validate", "page.html"],
        ("page.html", b"<!DOCTYPE html><html><body>Login</body></html>"),
    ),
    "feedcheck: cannot use this file: This is a PNG image, not a CSV or XML feed.": (
        ["validate", "logo.png"],
        ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    ),
    "feedcheck: cannot use this file: The zip archive holds 2 files (feed.csv, a.xml); "
    "it must hold exactly one feed.": (["validate", "two.zip"], ("two.zip", b"zip:feed.csv,a.xml")),
    "feedcheck: cannot use this file: The XML declares entities in a DOCTYPE; feedcheck refuses them for safety. "
    "Remove the DOCTYPE block and send the feed again.": (
        ["validate", "xxe.xml"],
        ("xxe.xml", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'),
    ),
    "feedcheck: cannot use this file: The XML is not well-formed at line 2: Premature end of data in tag product "
    "line 2, line 2, column 30.": (
        ["validate", "cut.xml"],
        ("cut.xml", b'<?xml version="1.0"?>\n<products><product><id>1</id>'),
    ),
    "feedcheck: cannot use this file: The feed is 1,398 bytes, over the limit of 1,000 bytes.": (
        ["validate", "fixtures/sample_feed.csv", "--max-bytes", "1000"],
        None,
    ),
    "feedcheck: cannot use this file: The feed has over 3 records, the limit.": (
        ["validate", "fixtures/sample_feed.csv", "--max-items", "3"],
        None,
    ),
    "feedcheck: cannot fetch this address: The address answered 404 Not Found: check the feed address.": (
        ["validate", "http://127.0.0.1:{port}/nothing.csv"],
        None,
    ),
    "Error: Invalid value for 'FILE': File 'nosuch.csv' does not exist.": (["validate", "nosuch.csv"], None),
    "Error: encoding must be the name of a text encoding such as utf-8, cp1252 or latin-1, got 'nosuch'.": (
        ["validate", "export.csv", "--encoding", "nosuch"],
        None,
    ),
    "Error: The feed has no element <artikel> near its start.": (
        ["validate", "catalogue.xml", "--item-element", "artikel"],
        None,
    ),
    "Error: The header line 2 starts no record: the file's records start on lines 1 to 5.": (
        ["validate", "quoted.csv", "--header-line", "2"],
        ("quoted.csv", b'"id\n",title\n1,a\n2,b\n3,c\n'),
    ),
    "Error: The mapping names a column 'Prix' that the feed does not have.": (
        ["validate", "export.csv", "--map", "Prix=price"],
        None,
    ),
    "Error: The mapping names an unknown field 'prix'; see 'feedcheck fields'.": (
        ["validate", "export.csv", "--map", "Prix public=prix"],
        None,
    ),
    "Error: Unknown issue code 'price-unparsable'. Did you mean price-unparseable?": (
        ["explain", "price-unparsable"],
        None,
    ),
    "feedcheck: cannot use this file: logo.png (the new version): This is a PNG image, not a CSV or XML feed.": (
        ["diff", "fixtures/sample_feed.csv", "logo.png"],
        ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(32)),
    ),
    "Error: The workbook has no sheet 'Produits'; its sheets: 'Sheet'.": (
        ["validate", "book.xlsx", "--sheet", "Produits"],
        ("book.xlsx", b"xlsx"),
    ),
}


def quoted_messages() -> set[str]:
    found: set[str] = set()
    for page in PAGES:
        text = read(page)
        for block in re.findall(r"```text\n(.*?)```", text, re.S):
            found.update(line for line in block.splitlines() if line.startswith("feedcheck: "))
        found.update(m for m in re.findall(r"`((?:feedcheck|Error): [^`]+)`", text) if "..." not in m)
    return found


def test_every_quoted_message_has_an_input_here() -> None:
    assert quoted_messages() - set(MESSAGES) == set()


def _write(name: str, content: bytes, where: Path) -> None:
    import io
    import zipfile

    if content.startswith(b"zip:"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for member in content[4:].decode().split(","):
                archive.writestr(member, "id,title\n1,Lamp\n")
        content = out.getvalue()
    elif content == b"xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(["id", "title"])
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    (where / name).write_bytes(content)


@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_each_quoted_message_is_what_the_command_prints(message: str, workdir: Path) -> None:
    args, file = MESSAGES[message]
    if file is not None:
        _write(*file, workdir)
    if "{port}" in " ".join(args):
        pytest.importorskip("tests.test_fetch")
        import threading
        from http.server import ThreadingHTTPServer

        from tests.test_fetch import Handler

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        args = [a.replace("{port}", str(httpd.server_address[1])) for a in args]
        try:
            result = CliRunner().invoke(main, args, prog_name="feedcheck")
        finally:
            httpd.shutdown()
            httpd.server_close()
    else:
        result = CliRunner().invoke(main, args, prog_name="feedcheck")
    assert message in result.output.splitlines(), result.output
    assert result.exit_code == (2 if message.startswith("Error: ") else 3)


def _refusal(call: Callable[[], object]) -> str:
    try:
        call()
    except (feedcheck.FeedError, feedcheck.UsageError) as exc:
        return str(exc)
    raise AssertionError("no refusal")


def _fetch_404() -> object:
    from tests.test_fetch import Handler

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        return feedcheck.fetch(f"http://127.0.0.1:{httpd.server_address[1]}/nothing.csv")
    finally:
        httpd.shutdown()
        httpd.server_close()


SAMPLE = ROOT / "fixtures" / "sample_feed.csv"
# A CSV passed as text (97 characters) where a path or bytes is expected.
FEED_TEXT = "id,title,link,image_link,price\nP1,Kettle,https://s.example/p/1,https://s.example/1.jpg,39.90 EUR\n"
# Messages the library page quotes (`...` sentences, SomeError("...")), and a call that raises each.
LIBRARY_MESSAGES: dict[str, Callable[[], object]] = {
    "currency must be an ISO 4217 code such as EUR, got 'euro'.": lambda: feedcheck.validate(SAMPLE, currency="euro"),
    "source is a text stream: feedcheck reads binary streams, open the file with 'rb'.": lambda: feedcheck.validate(
        io.StringIO("id\n")
    ),
    "There is no file at ...": lambda: feedcheck.validate("nosuch.csv"),
    "There is no file at https:/...": lambda: feedcheck.validate("https://shop.example/feed.xml"),
    "The address answered 404 Not Found: check the feed address.": _fetch_404,
    "workers must be a whole number of 1 or more, got '2'.": lambda: feedcheck.validate(SAMPLE, workers="2"),  # type: ignore[arg-type]
    "Limits: max_bytes should be greater than 0, got 0.": lambda: feedcheck.Limits(max_bytes=0),
    "source is a str of 97 characters that is no file path: pass a path, or the feed itself as bytes "
    "(text.encode('utf-8')).": lambda: feedcheck.validate(FEED_TEXT),
    "--csv names the input feed itself (feed.csv); writing it would destroy the feed. "
    "Write the output to another file.": lambda: _in_a_folder(lambda: feedcheck.convert("feed.csv", csv="feed.csv")),
}


def _in_a_folder(call: Callable[[], object]) -> object:
    """``call`` run in a fresh folder holding the sample feed as ``feed.csv``."""
    import os
    import tempfile

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(SAMPLE, Path(folder) / "feed.csv")
        os.chdir(folder)
        try:
            return call()
        finally:
            os.chdir(here)


def library_quotes() -> set[str]:
    found: set[str] = set()
    for page in PAGES:
        text = read(page)
        found.update(
            m for m in re.findall(r"`([^`]{25,}[.?])`", text) if " " in m and not m.startswith(("feedcheck", "Error:"))
        )
        found.update(re.findall(r'[A-Z]\w*Error\("([^"]+)"\)', text))
    return found


NOT_MESSAGES = {
    "Référence;Nom du produit;Description;...",  # a header row, quoted in docs/cli.md
    # a line of convert's summary, shown whole by the "Google's formats" session of docs/cli.md
    "left out of the Google files: ...",
}


def test_every_message_the_library_page_quotes_has_a_call_here() -> None:
    assert library_quotes() - set(LIBRARY_MESSAGES) - NOT_MESSAGES == set()


@pytest.mark.parametrize("message", sorted(LIBRARY_MESSAGES))
def test_each_library_message_is_what_the_library_raises(message: str) -> None:
    said = _refusal(LIBRARY_MESSAGES[message])
    if message.endswith("..."):
        assert said.startswith(message[:-3]), said
    else:
        assert said == message


def shaped(shown: object, real: object) -> bool:
    """Whether ``real`` has the shape the page shows: objects with the same keys, lists with a
    ``"..."`` element standing for any elements there, the same values everywhere else."""
    if isinstance(shown, dict):
        return (
            isinstance(real, dict)
            and set(shown) == set(real)
            and all(shaped(value, real[key]) for key, value in shown.items())
        )
    if isinstance(shown, list):
        if not isinstance(real, list):
            return False
        if not shown:
            return not real
        head, rest = shown[0], shown[1:]
        if head == "...":
            return any(shaped(rest, real[skip:]) for skip in range(len(real) + 1))
        return bool(real) and shaped(head, real[0]) and shaped(rest, real[1:])
    return shown == real


def test_the_json_report_on_the_library_page_is_real(workdir: Path) -> None:
    import json

    block = re.search(r"```json\n(.*?)```", read("docs/library.md"), re.S)
    assert block
    shown = json.loads(block.group(1))
    real = json.loads(feedcheck.validate("shop.csv").model_dump_json())
    assert shaped(shown, real), json.dumps(real, indent=1, ensure_ascii=False)[:3000]
    assert not shaped({**shown, "items": 5}, real)
