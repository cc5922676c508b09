"""The report's data: a pydantic model whose JSON form is a public contract (``schemas/report.schema.json``).

Renderings (text, ...) live beside it and depend on it, never the reverse."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from feedcheck.codes import Issue, IssueRow, Severity
from feedcheck.profile import Tier
from feedcheck.read.source import Source


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
    # Every affected line, when validate(..., issue_rows=True) asked for them; never in the JSON.
    issue_rows: SkipJsonSchema[list[IssueRow] | None] = Field(None, exclude=True)

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.error]
