"""The report: a pydantic model whose JSON form is a public contract, and its text view."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from feedcheck.codes import Severity
from feedcheck.profile import Tier


class Source(BaseModel):
    """What was detected about the input (or forced by the caller)."""

    name: str | None = Field(None, description="file path, when read from a file")
    format: str = Field(description='"csv" or "xml"')
    encoding: str = Field(description="text encoding the feed was read with")
    bom: bool = Field(False, description="a byte-order mark opened the file")
    delimiter: str | None = Field(None, description="CSV delimiter")
    item_element: str | None = Field(None, description="XML record element, as a path from the root")
    compression: str | None = Field(None, description='"gzip", "zip", "bz2", "xz" or null')
    member: str | None = Field(None, description="the file read inside a zip archive")


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


class Example(BaseModel):
    item: int | None = Field(None, description="1-based record number")
    line: int | None = Field(None, description="1-based line where the record starts")
    id: str | None = Field(None, description="the record's id, when the feed has one")
    value: str | None = Field(None, description="the offending value")


class Issue(BaseModel):
    code: str
    severity: Severity
    field: str | None = None
    column: str | None = None
    count: int
    message: str
    examples: list[Example] = []


class Report(BaseModel):
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

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.error]

    def to_text(self) -> str:
        from feedcheck.report.text import render_text

        return render_text(self)


def report_json_schema() -> dict[str, object]:
    """The JSON Schema of the report, as shipped in ``schemas/report.schema.json``."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://feedcheck.dev/schemas/report.schema.json"
    return schema
