"""The package as pip installs it from a wheel, not from the checkout: typed, with its data."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, installed (without its dependencies) into a folder."""
    work = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work), str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = work.glob("feedcheck-*.whl")
    target = work / "site"
    done = subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], capture_output=True)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(wheel) as archive:
        (target / "wheel-names.txt").write_text("\n".join(archive.namelist()), encoding="utf-8")
    return target


def test_the_installed_package_is_marked_typed(installed: Path) -> None:
    assert (installed / "feedcheck" / "py.typed").is_file()
    assert "feedcheck/py.typed" in (installed / "wheel-names.txt").read_text(encoding="utf-8").splitlines()


def test_the_installed_package_carries_its_data(installed: Path) -> None:
    names = set((installed / "wheel-names.txt").read_text(encoding="utf-8").splitlines())
    assert {"feedcheck/schemas/default.toml", "feedcheck/schemas/report.schema.json"} <= names
    assert "feedcheck/issue_docs/price-zero.md" in names


def test_the_installed_command_checks_the_sample_feed(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "sample_feed.csv").write_bytes((ROOT / "fixtures" / "sample_feed.csv").read_bytes())
    # -S: no .pth file runs, so the checkout's editable install cannot shadow the wheel's copy.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), sysconfig.get_paths()["purelib"]])}
    done = subprocess.run(
        [sys.executable, "-S", "-m", "feedcheck.cli", "validate", "fixtures/sample_feed.csv"],
        cwd=tmp_path,  # not the checkout: python -m puts the working folder first on the path
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("fixtures/sample_feed.csv: VALID — 5 items, profile default\n")
    explained = subprocess.run(
        [sys.executable, "-S", "-c", "import feedcheck; print(feedcheck.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert explained.stdout.strip() == str(installed / "feedcheck" / "__init__.py")
