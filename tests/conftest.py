from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CORPUS = Path(os.environ.get("FEEDCHECK_CORPUS", ROOT.parent / "shared" / "corpus"))
CORPUS_SKIP_REASON = (
    f"the third-party corpus is not at {CORPUS} (it sits in ../shared/corpus beside the checkout in CI; "
    "set FEEDCHECK_CORPUS to run these acceptance tests elsewhere)"
)


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(CORPUS_SKIP_REASON)
    return path


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
