"""The catalogue of issue codes: one stable id, severity and one-line message each.

Every code here has a page ``docs/issues/<code>.md`` (what it checks, why publishers care, an
example, how to fix); a test keeps the two in step. Codes are never renamed or reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    family: str
    message: str  # str.format template; may use {field}, {column}, {count}, {detail}


_E, _W, _I = Severity.error, Severity.warning, Severity.info

CODES: dict[str, Code] = {
    c.code: c
    for c in (
        # reading: encoding and structure
        Code(
            "encoding-invalid-bytes",
            _W,
            "encoding",
            "{count} byte(s) are not valid {detail}; they were read as Windows-1252",
        ),
        Code("encoding-not-utf8", _I, "encoding", "The file is encoded in {detail}, not UTF-8"),
        Code("csv-empty-header", _W, "structure", "{count} header name(s) are empty (column {detail})"),
        Code("csv-duplicate-header", _W, "structure", "Header names appear more than once: {detail}"),
        Code("csv-ragged-row", _E, "structure", "{count} record(s) do not have as many fields as the header"),
        Code("csv-trailing-delimiter", _W, "structure", "{count} record(s) end with an extra, empty field"),
        Code(
            "csv-unbalanced-quotes",
            _E,
            "structure",
            "Quotes do not pair up; records from this line on may be merged or split",
        ),
        Code("csv-blank-line", _I, "structure", "{count} blank line(s) between records were skipped"),
        Code(
            "xml-not-well-formed",
            _E,
            "structure",
            "The XML breaks here ({detail}); no record after this point could be read",
        ),
        # fields: presence by tier
        Code("missing-mandatory-field", _E, "fields", "No column for mandatory field {field}"),
        Code("missing-recommended-field", _W, "fields", "No column for strongly recommended field {field}"),
        Code("missing-useful-field", _I, "fields", "No column for useful field {field}"),
        Code("empty-mandatory-value", _E, "fields", "{count} product(s) have no value for mandatory field {field}"),
        Code(
            "empty-recommended-value",
            _W,
            "fields",
            "{count} product(s) have no value for strongly recommended field {field}",
        ),
        Code("empty-useful-value", _I, "fields", "{count} product(s) have no value for useful field {field}"),
    )
}


def code(name: str) -> Code:
    return CODES[name]
