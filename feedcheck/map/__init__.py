"""A stage of the pipeline (see docs/README.md)."""
