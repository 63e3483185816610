"""Indicators computed from de-identified data: one definition, run on DuckDB or Spark."""
