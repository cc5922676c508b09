"""The issue-code pages, shipped as package data so that ``feedcheck explain CODE`` works installed."""
