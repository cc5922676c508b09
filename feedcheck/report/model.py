"""The report's data: a pydantic model whose JSON form is a public contract (``schemas/report.schema.json``).

Renderings (text, ...) live beside it and depend on it, never the reverse."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from feedcheck.codes import Issue, IssueRow, Severity
from feedcheck.map.columns import Method
from feedcheck.profile import Tier
from feedcheck.read.source import Source


class FieldMatch(BaseModel):
    method: Method = Field(
        description="forced by the caller; the feed's format (dialect) names this column; the field's own name; "
        "a profile alias; a lexicon name; the sampled values"
    )
    entry: str | None = Field(
        None, description="the profile alias or lexicon name the column name matched; the dialect's name"
    )
    languages: list[str] = Field(
        default=[], description="of the lexicon name: languages (ISO 639-1) or the networks / platforms it comes from"
    )
    steps: list[str] = Field(
        default=[],
        description="how the column name was read to match it: prefix, note, unit or currency set aside, "
        "words dropped, sibling number, XML wrapper",
    )
    evidence: str | None = Field(None, description="what the first sampled values showed, when they decided")
    note: str | None = Field(None, description="the text in parentheses or brackets of the column name")
    currency: str | None = Field(None, description="the ISO 4217 code the column name gives, e.g. EUR in 'Price (EUR)'")


class FieldReport(BaseModel):
    field: str
    tier: Tier
    column: str | None = Field(description="the source column that fed this field, null when none")
    fallbacks: list[str] = Field(
        default=[], description="further source columns used, in order, where `column` is empty for an item"
    )
    filled: int = Field(
        description="items with a usable value for this field: not empty, and no check found it invalid"
    )
    matched_by: str | None = Field(
        None,
        description='how `column` was chosen: "forced", "dialect (Heureka)" (the feed\'s format names it), "name", '
        '"profile alias", "lexicon (de)" (the language or platform of the name), "values"; null when no column',
    )
    match: FieldMatch | None = Field(None, description="the detail of `matched_by`")


class Missing(BaseModel):
    mandatory: list[str] = []
    strongly_recommended: list[str] = []
    useful: list[str] = []


# The report's data; feedcheck.report.Report adds its renderings (no docstring: it would enter the JSON Schema).
class ReportData(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    source: Source
    profile: str
    items: int
    valid: bool
    fields: list[FieldReport]
    missing: Missing
    issues: list[Issue]
    partial: bool = Field(
        False, description="only the first Limits.max_items records were checked (Limits.partial was set)"
    )
    columns: list[str] = Field(description="source columns in file order")
    unmapped_columns: list[str] = Field(description="source columns no canonical field took")
    unmapped_reasons: dict[str, str] = Field(
        default={},
        description="why some unmapped columns feed no field: a negative name (a tax-excluded or purchase "
        "price, a weight), what their values showed, a numbered column of a one-value field",
    )
    # Every affected line, when validate(..., issue_rows=True) asked for them; never in the JSON.
    issue_rows: SkipJsonSchema[list[IssueRow] | None] = Field(None, exclude=True)

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.error]
