"""The report: the model and its text view (see model and text)."""

from feedcheck.report.model import Example, FieldReport, Issue, Missing, Report, Source, report_json_schema

__all__ = ["Example", "FieldReport", "Issue", "Missing", "Report", "Source", "report_json_schema"]
