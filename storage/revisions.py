"""The newest migration, from the file names alone (no SQLAlchemy, no Alembic): what a
store at the latest schema has in `alembic_version`."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"


def newest_revision() -> str:
    """The newest migration, from the file names alone: revision ids are the files'
    names (`0006_source_counts.py` is revision `0006_source_counts`), numbered in order
    (tests/test_schema_current.py keeps it so)."""
    return max(path.stem for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))
