"""The report stage: the :class:`Report` model (a public contract) and its renderings.

``model`` holds the data; ``text`` renders it for people and depends on the model only. This
package puts the two together: :class:`Report` is the data with its rendering methods.
"""

from __future__ import annotations

from feedcheck.codes import Example, Issue
from feedcheck.read.source import Source
from feedcheck.report.html import render_report_html
from feedcheck.report.model import FieldMatch, FieldReport, Missing, ReportData
from feedcheck.report.text import render_mapping, render_text


class Report(ReportData):
    def to_text(self, *, width: int = 80, verbose: bool = False) -> str:
        """The text view for a support person (what ``feedcheck validate`` prints): no line
        wider than ``width`` columns; ``verbose`` lists the missing useful fields by name."""
        return render_text(self, width=width, verbose=verbose)

    def to_html(self) -> str:
        """The HTML page for a merchant (what ``feedcheck validate --format html`` writes): one
        self-contained file. With ``issue_rows`` kept, each issue lists up to 100 of its lines."""
        return render_report_html(self)

    def mapping_text(self) -> str:
        """Which column feeds each field, how it was matched, and why columns were left out
        (what ``feedcheck validate --show-mapping`` adds)."""
        return render_mapping(self)


def report_json_schema() -> dict[str, object]:
    """The JSON Schema of the report, as shipped in ``schemas/report.schema.json``."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://feedcheck.dev/schemas/report.schema.json"
    return schema


__all__ = [
    "Example",
    "FieldMatch",
    "FieldReport",
    "Issue",
    "Missing",
    "Report",
    "ReportData",
    "Source",
    "report_json_schema",
]
