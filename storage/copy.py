"""Copy a whole store from one database to another (SQLite → PostgreSQL, to scale out).

Every table of the schema is copied, parents before children, ids kept; then
PostgreSQL's sequences are moved past the copied ids, so new rows do not collide.
The copy is one transaction on the target: it lands whole or not at all, and is
verified by counting each table's rows on both sides before it commits.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, Table, func, inspect, select, text

import storage
from storage.db import upgrade
from storage.tables import Base

BATCH = 2000
# Alembic's own bookkeeping: both sides are migrated to the same revision instead.
_SKIP = {"alembic_version"}


class CopyError(RuntimeError):
    """The copy cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's rows in the source and, after the copy, in the target."""

    table: str
    source_rows: int
    target_rows: int


def copy_store(
    source: Engine,
    target: Engine,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCopy]:
    """Copy every row of `source` into the empty `target`; return the counts per table."""
    if source.url == target.url:
        raise CopyError("the source and the target are the same database")
    upgrade(source)
    upgrade(target)
    with source.connect() as src, target.begin() as dst:
        _same_revision(src, dst)
        tables = _tables(src, dst)
        _require_empty(dst, tables)
        copied: list[TableCopy] = []
        for table in tables:
            count = 0
            for batch in _batches(src, table):
                dst.execute(table.insert(), batch)
                count += len(batch)
                if progress:
                    progress(table.name, count)
            copied.append(TableCopy(table.name, count, _count(dst, table)))
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst, tables)
        _verify(src, tables, copied)  # raising here rolls the whole copy back
    return copied


def _import_table_modules() -> None:
    """Every storage module, so that tables other areas define are on Base.metadata."""
    for module in pkgutil.iter_modules(storage.__path__, "storage."):
        if not module.name.startswith("storage.migrations"):
            importlib.import_module(module.name)


def _tables(src: Connection, dst: Connection) -> list[Table]:
    """Tables in dependency order, typed by our models where we have them.

    The target (migrated to head) says which tables exist; a table no pricebot
    model describes (a library's, e.g. slack-sdk's installation store) is copied
    with the column types reflected from the target.
    """
    _import_table_modules()
    reflected = MetaData()
    reflected.reflect(dst)
    names = [t.name for t in reflected.sorted_tables if t.name not in _SKIP]
    missing = set(inspect(src).get_table_names()) - set(names) - _SKIP
    if missing:
        raise CopyError(
            "the source has tables the target lacks: "
            + ", ".join(sorted(missing))
            + "; are both run by the same pricebot version?"
        )
    return [Base.metadata.tables.get(name, reflected.tables[name]) for name in names]


def _same_revision(src: Connection, dst: Connection) -> None:
    heads = [set(MigrationContext.configure(c).get_current_heads()) for c in (src, dst)]
    if heads[0] != heads[1]:
        raise CopyError(
            f"the source is at revision {sorted(heads[0])} and the target at {sorted(heads[1])}; "
            "upgrade pricebot where it runs older, then copy again"
        )


def _require_empty(dst: Connection, tables: list[Table]) -> None:
    filled = [t.name for t in tables if dst.execute(select(1).select_from(t).limit(1)).first()]
    if filled:
        where = dst.engine.url.render_as_string(hide_password=True)
        raise CopyError(
            f"the target {where} is not empty (rows in {', '.join(filled)}); "
            "copy into a new, empty database so nothing there is overwritten or mixed"
        )


def _batches(src: Connection, table: Table) -> Iterator[list[dict[str, object]]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = src.execution_options(stream_results=True).execute(select(table).order_by(*order))
    for chunk in result.mappings().partitions(BATCH):
        yield [dict(row) for row in chunk]


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(dst: Connection, tables: list[Table]) -> None:
    """Move each serial/identity sequence past the largest copied id."""
    quote = dst.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = dst.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            top = dst.execute(select(func.max(column))).scalar()
            # setval(seq, n, true): next is n + 1; setval(seq, 1, false): next is 1.
            dst.execute(
                text("SELECT setval(:seq, :value, :called)"),
                {"seq": sequence, "value": top or 1, "called": top is not None},
            )


def _verify(src: Connection, tables: list[Table], copied: list[TableCopy]) -> None:
    for table, done in zip(tables, copied, strict=True):
        now = _count(src, table)
        if done.target_rows != done.source_rows:
            raise CopyError(
                f"{table.name}: copied {done.source_rows} rows but the target has "
                f"{done.target_rows}; nothing was kept"
            )
        if now != done.source_rows:
            raise CopyError(
                f"{table.name} changed during the copy ({done.source_rows} → {now} rows); "
                "stop pricebot, then copy again; nothing was kept"
            )
