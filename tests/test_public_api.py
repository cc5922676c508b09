import json
from pathlib import Path

import feedcheck
from feedcheck.report import report_json_schema

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_pinned() -> None:
    assert feedcheck.__all__ == [
        "CODES",
        "ConvertResult",
        "Dropped",
        "Example",
        "FeedDiff",
        "FeedError",
        "FieldReport",
        "FieldSpec",
        "InternalError",
        "Issue",
        "LimitExceededError",
        "Limits",
        "MalformedFeedError",
        "Missing",
        "NotAFeedError",
        "Profile",
        "Report",
        "Severity",
        "Source",
        "SourceTypeError",
        "Tier",
        "UndecodableError",
        "UnsafeInputError",
        "UnsupportedCompressionError",
        "UsageError",
        "__version__",
        "convert",
        "diff",
        "fetch",
        "load_profile",
        "validate",
    ]
    for name in feedcheck.__all__:
        assert hasattr(feedcheck, name)


def test_every_refusal_is_a_feed_error() -> None:
    for name in (
        "NotAFeedError",
        "LimitExceededError",
        "UnsafeInputError",
        "UndecodableError",
        "MalformedFeedError",
        "UnsupportedCompressionError",
        "InternalError",
    ):
        assert issubclass(getattr(feedcheck, name), feedcheck.FeedError)


def test_shipped_json_schema_matches_the_model() -> None:
    shipped = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    assert shipped == report_json_schema(), (
        "schemas/report.schema.json is stale: regenerate it with "
        'python -c "import json; from feedcheck.report import report_json_schema as s; '
        'print(json.dumps(s(), indent=2, ensure_ascii=False))" > schemas/report.schema.json'
    )


def test_report_json_has_the_contract_keys(fixtures: Path) -> None:
    report = feedcheck.validate(fixtures / "sample_feed.csv")
    data = json.loads(report.model_dump_json())
    assert {"source", "profile", "items", "valid", "fields", "missing", "issues"} <= set(data)
    assert set(data["source"]) >= {"format", "encoding", "delimiter", "item_element", "compression"}
    assert set(data["missing"]) == {"mandatory", "strongly_recommended", "useful"}
    field = data["fields"][0]
    assert set(field) >= {"field", "tier", "column", "filled"}
