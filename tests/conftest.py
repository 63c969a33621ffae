"""Databases for tests: every storage and end-to-end test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (`.ci/run` points it at the local server); without it the
PostgreSQL variants are skipped with that reason. Each test gets its own empty, migrated database:
migrations run once per session into a template, and each test copies the template (a file copy
for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL), which keeps the suite fast.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from storage import migrate
from storage.db import Database
from tests.databases import scratch_database

# Property and fuzz tests draw the same examples on every run by default, so that a red run is
# the change's doing and can be repeated; `HYPOTHESIS_PROFILE=explore` draws new ones each run
# (to hunt for bugs; a failure prints the seed to repeat it with --hypothesis-seed).
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgres"]
# CI sets this so that a missing PostgreSQL fails the run instead of silently skipping half of it.
REQUIRE_POSTGRES = os.environ.get("TANDEM_REQUIRE_POSTGRES") == "1"


def skip_without_postgres() -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        pytest.fail("TANDEM_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to a server to run it")


@contextmanager
def postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A scratch database on the test server (skipped without one)."""
    skip_without_postgres()
    with scratch_database(POSTGRES_URL, prefix, template) as url:
        yield url


def fresh_database_url(
    request: pytest.FixtureRequest, backend: str, directory: Path, prefix: str
) -> Iterator[str]:
    """A migrated database of the given backend, copied from the session's template."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = directory / "tandem.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    with postgres_database(prefix, request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    with postgres_database("tandem_tpl") as url:
        migrate.upgrade(url)
        yield str(make_url(url).database)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the newest migration, on each backend.

    Synchronous on purpose: Alembic runs its own event loop, which cannot nest in the test's.
    """
    yield from fresh_database_url(request, request.param, tmp_path, "tandem_t")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()
