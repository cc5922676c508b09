"""The examples in the docs run, and print what the docs say they print."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_upload_handler_example_prints_what_the_page_shows() -> None:
    page = (ROOT / "docs" / "upload-handler.md").read_text(encoding="utf-8")
    section = page[page.index("## An upload endpoint") :]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    shown = re.findall(r"```text\n(.*?)```", section, re.S)[-1]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown


def console_examples(page: str, heading: str) -> tuple[str, bytes, list[str]]:
    """The section's input file (named in the line before its ```csv block) and its console lines."""
    section = page[page.index(heading) :]
    name = re.search(r"`([\w.-]+)`:\n\n```csv\n", section)
    assert name is not None, heading
    data = re.search(r"```csv\n(.*?)```", section, re.S)
    console = re.search(r"```console\n(.*?)```", section, re.S)
    assert data is not None and console is not None, heading
    return name.group(1), data.group(1).encode("utf-8"), console.group(1).splitlines()


@pytest.mark.parametrize("heading", ["### The summary", "### Google's formats"])
def test_cli_convert_examples_print_what_the_page_shows(
    heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `$ command` of the block is run in a folder holding the page's input file; the lines
    after it are what it printed (feedcheck's output, `echo $?`, `cat FILE`)."""
    name, data, lines = console_examples((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"), heading)
    (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    code, expected, printed = 0, [], []
    for line in [*lines, "$ end"]:
        if not line.startswith("$ "):
            expected.append(line)
            continue
        assert printed == expected
        command, expected = shlex.split(line[2:]), []
        if command[0] == "feedcheck":
            result = CliRunner().invoke(main, command[1:])
            code, printed = result.exit_code, result.output.splitlines()
        elif command == ["echo", "$?"]:
            printed = [str(code)]
        elif command[0] == "cat":
            printed = (tmp_path / command[1]).read_text(encoding="utf-8").splitlines()
        else:
            printed = []
