"""The quick schema check every command makes instead of asking Alembic.

`storage.db.upgrade` first compares the stored revision with the newest migration's
file name, importing Alembic only when there is work; these tests keep the naming
rule that makes that sound, and check both answers on each database.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage import make_engine, upgrade
from storage.db import MIGRATIONS, _alembic_config, newest_revision, schema_is_current

ROOT = Path(__file__).resolve().parent.parent


def test_each_migration_file_is_named_after_its_revision_in_order() -> None:
    script = ScriptDirectory.from_config(_alembic_config())
    files = sorted(p.stem for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    # Walking from the head down to the base gives the file names, newest first.
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == files[::-1]
    assert script.get_heads() == [newest_revision()]


def test_the_check_says_behind_until_upgraded(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert not schema_is_current(engine)  # no schema at all
        upgrade(engine, "0003_alerts")
        assert not schema_is_current(engine)  # an older revision
        upgrade(engine)
        assert schema_is_current(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0005_offers_and_dates'"))
        assert not schema_is_current(engine)
    finally:
        engine.dispose()


def test_a_current_store_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    code = (
        "import sys\n"
        "from storage import make_engine, upgrade\n"
        f"upgrade(make_engine({url!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
