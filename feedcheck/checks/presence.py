"""Presence by tier: fields with no column, and products with an empty value."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import issue_from_mask, make_issue
from feedcheck.profile import Profile, Tier
from feedcheck.report import Issue

_MISSING = {
    Tier.mandatory: "missing-mandatory-field",
    Tier.strongly_recommended: "missing-recommended-field",
    Tier.useful: "missing-useful-field",
}
_EMPTY = {
    Tier.mandatory: "empty-mandatory-value",
    Tier.strongly_recommended: "empty-recommended-value",
    Tier.useful: "empty-useful-value",
}


def check_presence(frame: pl.DataFrame, profile: Profile, columns: dict[str, str], items: int) -> list[Issue]:
    issues: list[Issue] = []
    for spec in profile.fields:
        column = columns.get(spec.name)
        if column is None:
            issues.append(make_issue(_MISSING[spec.tier], items, field=spec.name))
            continue
        found = issue_from_mask(frame, pl.col(spec.name).is_null(), _EMPTY[spec.tier], field=spec.name, column=column)
        if found is not None:
            issues.append(found)
    return issues
