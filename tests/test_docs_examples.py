"""The examples in the docs run, and print what the docs say they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_upload_handler_example_prints_what_the_page_shows() -> None:
    page = (ROOT / "docs" / "upload-handler.md").read_text(encoding="utf-8")
    section = page[page.index("## An upload endpoint") :]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    shown = re.findall(r"```text\n(.*?)```", section, re.S)[-1]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown


def _examples(page: str) -> list[tuple[int, str, str]]:
    """Each python block of a page followed by a text block: (line, code, the output shown)."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    blocks = [(m.start(), m.group(1), m.group(2)) for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S)]
    return [
        (text[:start].count("\n") + 1, code, blocks[i + 1][2])
        for i, (start, kind, code) in enumerate(blocks[:-1])
        if kind == "python" and blocks[i + 1][1] == "text"
    ]


LIBRARY_EXAMPLES = _examples("library.md")


@pytest.mark.parametrize(("line", "code", "shown"), LIBRARY_EXAMPLES, ids=[f"line {e[0]}" for e in LIBRARY_EXAMPLES])
def test_library_examples_print_what_the_page_shows(line: int, code: str, shown: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown, f"docs/library.md line {line}"


def _shown_in(shown: object, actual: object) -> bool:
    """``shown`` is part of ``actual``: lists trimmed with "..." hold their shown items in order."""
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(k in actual and _shown_in(v, actual[k]) for k, v in shown.items())
    if isinstance(shown, list) and isinstance(actual, list):
        items = [s for s in shown if s != "..."]
        if "..." not in shown:
            return len(items) == len(actual) and all(_shown_in(s, a) for s, a in zip(items, actual, strict=True))
        found = iter(actual)
        return all(any(_shown_in(s, a) for a in found) for s in items)
    return shown == actual


def test_the_json_report_of_the_library_page_is_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import feedcheck

    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    section = page[page.index("## The JSON report") :]
    feed = re.search(r"```csv\n(.*?)```", section, re.S)
    shown = re.search(r"```json\n(.*?)```", section, re.S)
    assert feed is not None and shown is not None
    (tmp_path / "shop.csv").write_text(feed.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    actual = json.loads(feedcheck.validate("shop.csv").model_dump_json())
    assert _shown_in(json.loads(shown.group(1)), actual), json.dumps(actual, indent=1)[:4000]


def _console_blocks(page: str) -> list[tuple[int, list[str], list[str]]]:
    """Console blocks of a page whose command runs on files of the checkout: (line, arguments, lines shown)."""
    import shlex

    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"```console\n\$ feedcheck (.*?)\n(.*?)```", text, re.S):
        args = shlex.split(match.group(1))
        files = [a for a in args if "/" in a or a.endswith((".csv", ".xml", ".gz", ".zip", ".tsv"))]
        if all((ROOT / f).is_file() for f in files):
            out.append((text[: match.start()].count("\n") + 1, args, match.group(2).splitlines()))
    return out


CLI_BLOCKS = _console_blocks("cli.md")


@pytest.mark.parametrize(("line", "args", "shown"), CLI_BLOCKS, ids=[f"line {b[0]}" for b in CLI_BLOCKS])
def test_cli_page_commands_print_what_the_page_shows(
    line: int, args: list[str], shown: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each shown line is printed, in order; `...` stands for lines left out, a line ending in `...`
    for the end of a long line."""
    from click.testing import CliRunner

    from feedcheck.cli import main

    monkeypatch.chdir(ROOT)
    printed = iter(CliRunner().invoke(main, args, prog_name="feedcheck").output.splitlines())
    for expected in shown:
        if expected.strip() == "...":
            continue
        head = expected[:-3] if expected.endswith("...") else None
        found = next((p for p in printed if (p.startswith(head) if head is not None else p == expected)), None)
        assert found is not None, f"docs/cli.md line {line}: {expected!r} is not printed (in this order)"
