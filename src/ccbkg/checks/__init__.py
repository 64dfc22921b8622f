"""The checks, one module per stage, run in this order over the loaded project."""

STAGES = ("syntax", "lint", "reason", "shapes", "provenance")
