"""Alembic, driven from code so that the installed console script finds its migrations.

Alembic is imported only when a migration runs or is inspected: the check at every start
(`pending`) reads the version table and the revision ids without it (0.4 s and 10 MB less before
the bot's first answer).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import create_engine, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The two assignments every revision file starts with (`revision: str = "0001"`).
_REVISION = re.compile(r'^(down_)?revision(?:: [^=]+)? = (None|"[^"]+")', re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    from alembic import command

    command.check(alembic_config(url))


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def head_of_files() -> str | None:
    """The newest revision read from the files' `revision`/`down_revision` lines; None unless
    there is exactly one head (then ask Alembic). tests/storage/test_migrations.py checks that
    it agrees with Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            if value != "None":
                (parents if down else revisions).add(value.strip('"'))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


async def current_revision(url: str) -> str | None:
    """The database's revision, read as Alembic keeps it (None: not migrated at all)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def _current(sync_conn: Connection) -> str | None:
                if not inspect(sync_conn).has_table("alembic_version"):
                    return None
                rows = sync_conn.execute(text("SELECT version_num FROM alembic_version")).all()
                return str(rows[0][0]) if len(rows) == 1 else None

            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


async def pending(url: str) -> bool:
    """True when the database is behind the newest migration."""
    return await current_revision(url) != (head_of_files() or head_revision(url))
