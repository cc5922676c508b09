"""Acceptance: the mapping cases of ../shared/cases/mapping (issue #11), as a user checks them.

``expected.toml`` says, for each small input beside it, how many items it holds, which column must
feed which field, which columns must feed none, what ``convert`` writes for items 1 and 2, which
codes must (not) be raised, the encoding and the currency of the prices. Every value asserted is
read back from what ``validate`` reports and ``convert`` writes, as a user would see them.

Cases that name a ``dialect`` (issue 12) must also name it in the report: the case's free wording
is the dialect's display name, ``report.source.dialect_name``.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

import feedcheck

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(os.environ.get("FEEDCHECK_CASES", ROOT.parent / "shared" / "cases")) / "mapping"
SKIP_REASON = (
    f"the shared mapping cases are not at {CASES} (they sit in ../shared/cases beside the checkout; "
    "set FEEDCHECK_CASES to run these acceptance tests elsewhere)"
)
EXPECTED: dict[str, dict[str, Any]] = (
    tomllib.loads((CASES / "expected.toml").read_text(encoding="utf-8")) if (CASES / "expected.toml").is_file() else {}
)


def _params() -> list[Any]:
    params = [pytest.param(name, case, id=name) for name, case in EXPECTED.items()]
    return params or [pytest.param("", {}, marks=pytest.mark.skip(reason=SKIP_REASON))]


def _converted(path: Path) -> list[dict[str, str]]:
    """The normalised CSV that convert writes, read back: one dict per written item."""
    out = io.BytesIO()
    feedcheck.convert(path, csv=out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


@pytest.mark.parametrize(("name", "case"), _params())
def test_mapping_case(name: str, case: dict[str, Any]) -> None:
    path = CASES / name
    report = feedcheck.validate(path)
    assert report.items == case["items"]
    fed = {f.field: f.column for f in report.fields if f.column}
    for field, column in case.get("fields", {}).items():
        assert fed.get(field) == column, (field, fed.get(field), report.mapping_text())
    feeding = {c for f in report.fields for c in ([f.column] if f.column else []) + f.fallbacks}
    for column in case.get("unmapped", []):
        assert column not in feeding and column in report.unmapped_columns, (column, report.mapping_text())
    codes = {i.code for i in report.issues}
    assert not codes & set(case.get("no_codes", [])), [i.model_dump() for i in report.issues]
    assert set(case.get("codes", [])) <= codes
    if "encoding" in case:
        assert report.source.encoding == case["encoding"]
    if "dialect" in case:
        assert report.source.dialect_name == case["dialect"], report.source
    if "currency" in case:
        assert "price-missing-currency" not in codes
    if {"values", "values_2", "currency"} & set(case):
        rows = _converted(path)
        for index, key in ((0, "values"), (1, "values_2")):
            for field, value in case.get(key, {}).items():
                assert rows[index].get(field) == value, (key, field, rows[index])
        if "currency" in case:
            assert {row.get("currency") for row in rows} == {case["currency"]}, rows


def test_the_cases_are_all_read() -> None:
    if not EXPECTED:
        pytest.skip(SKIP_REASON)
    assert len(EXPECTED) == 22
    assert sum("dialect" in case for case in EXPECTED.values()) == 7
