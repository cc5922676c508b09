"""feedcheck: check merchant product catalogues for the fields publishers need.

The public API is exactly what ``__all__`` lists; everything else is private and may change.
"""

from feedcheck.codes import CODES, Example, Issue, Severity
from feedcheck.convert import ConvertResult, Dropped, convert
from feedcheck.diff import diff
from feedcheck.errors import (
    FeedError,
    InternalError,
    LimitExceededError,
    MalformedFeedError,
    NotAFeedError,
    SourceTypeError,
    UndecodableError,
    UnsafeInputError,
    UnsupportedCompressionError,
    UsageError,
)
from feedcheck.limits import Limits
from feedcheck.profile import FieldSpec, Profile, Tier, load_profile
from feedcheck.read.fetch import fetch
from feedcheck.read.source import Source
from feedcheck.report import FieldReport, Missing, Report
from feedcheck.report.diff import FeedDiff
from feedcheck.validate import validate

__version__ = "0.1.0"

__all__ = [
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
