"""Bulk inserts: COPY on PostgreSQL, executemany elsewhere.

A first import writes tens of thousands of rows (models, aliases, price points,
listings). On PostgreSQL an executemany INSERT is one statement per row through the
pipeline; COPY sends them as one stream, several times faster. The rows are the same
dicts an `insert()` would take; values are bound as the columns' types bind them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

# Below this many rows a plain INSERT is as quick and simpler to read in a log.
COPY_AT_LEAST = 200


def insert_rows(session: Session, entity: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts of column values, all with the same keys) into `entity`'s table."""
    if not rows:
        return
    table = cast(Table, entity.__table__)
    columns = list(rows[0])
    same_keys = all(len(row) == len(columns) and all(c in row for c in columns) for row in rows)
    connection = session.connection()
    if (
        connection.dialect.name != "postgresql"
        or len(rows) < COPY_AT_LEAST
        or not same_keys
        or _python_defaults(table, columns)
    ):
        session.execute(insert(table), list(rows))
        return
    binders = [_binder(table.c[name].type, connection.dialect) for name in columns]
    raw = connection.connection.driver_connection
    statement = f'COPY "{table.name}" ({", ".join(f"{c!s}" for c in columns)}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([bind(row[name]) for bind, name in zip(binders, columns, strict=True)])


def _python_defaults(table: Table, given: list[str]) -> bool:
    """Whether a column left out has a default computed in Python (COPY would skip it)."""
    return any(column.default is not None and column.name not in given for column in table.columns)


def _binder(column_type: Any, dialect: Any) -> Any:
    process = column_type.bind_processor(dialect)

    def bind(value: Any) -> Any:
        if isinstance(value, Enum):
            value = value.value
        return process(value) if process is not None else value

    return bind
