"""Checks over the canonical frame, one module per family of rules.

Each check is a polars expression over whole columns; a finding becomes one
:class:`~feedcheck.report.Issue` aggregating every item it hits (count plus the first examples).
"""
