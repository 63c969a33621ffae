"""The repositories, on SQLite and on PostgreSQL.

Writes happen in one unit of work and are checked from another session, so what is asserted is
what was committed.

`db` is overridden here for speed: copying the PostgreSQL template for each of these tests costs
about 0.35 s apiece (half a minute for the module), so this module migrates one database per
backend (copied from the same session templates as tests/conftest.py) and empties every table
before each test. Each test still gets its own `Database` (engine and pool) and empty tables at
the newest migration (only id sequences carry on, and no test relies on absolute ids); delete the
override to go back to one database per test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from core.profile import DEFAULT_TOPICS
from core.programs import INVITE_ALPHABET, INVITE_CODE_LENGTH, ParticipantStatus, ProgramStatus
from storage import dialogs, housekeeping, participants, programs, users
from storage import programs as programs_module
from storage.db import Database
from storage.models import (
    AuditEntry,
    Base,
    Coordinator,
    Participant,
    ProcessedUpdate,
    Program,
    User,
)
from tests.conftest import BACKENDS, fresh_database_url

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
BIG_ID = 8_123_456_789  # Telegram ids no longer fit 32 bits


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per backend for this module (see the module docstring)."""
    directory = tmp_path_factory.mktemp("repositories")
    yield from fresh_database_url(request, request.param, directory, "tandem_r")


@pytest.fixture
async def db(module_database_url: str) -> AsyncIterator[Database]:
    """A fresh `Database` on an emptied database: no row of an earlier test is visible."""
    database = Database(module_database_url)
    try:
        async with database.engine.begin() as conn:
            # DELETE, not TRUNCATE: on a handful of rows it is several times faster.
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))
        yield database
    finally:
        await database.dispose()


DRAFT: dict[str, Any] = {
    "role": "mentee",
    "name": "Jürgen Groß",
    "company": "<Müller & Söhne>",
    "industry": "Bahntechnik",
    "position": "Teamleitung Vertrieb",
    "topics": ["Feedback", "Führung und Führungsrolle"],
    "topics_done": True,
    "goals": "Erstens\nZweitens",
    "meeting_format": "both",
}


async def add_user(
    session: AsyncSession, user_id: int, username: str | None = None, now: dt.datetime = NOW
) -> User:
    return await users.upsert(
        session,
        user_id=user_id,
        identity=users.Identity(f"User {user_id}", username=username),
        now=now,
    )


async def add_program(
    session: AsyncSession,
    name: str = "Cross-Mentoring 2027",
    starts_on: dt.date = dt.date(2027, 3, 11),
    status: ProgramStatus | None = None,
) -> Program:
    program = await programs.create(
        session,
        name=name,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=364),
        timezone="Europe/Berlin",
        created_by=1,
        now=NOW,
    )
    if status is not None:
        program.status = status
        await session.flush()
    return program


async def add_participant(
    session: AsyncSession,
    program_id: int,
    user_id: int,
    *,
    now: dt.datetime = NOW,
    status: str | None = None,
    **draft: Any,
) -> Participant:
    if await users.get(session, user_id) is None:
        await add_user(session, user_id)
    participant = await participants.create_from_draft(
        session,
        program_id=program_id,
        user_id=user_id,
        draft={**DRAFT, **draft},
        consent_at=now - dt.timedelta(minutes=5),
        now=now,
    )
    if status is not None:
        changed = await participants.set_status(
            session, participant, status, expected=participant.status, decided_by=1, now=now
        )
        assert changed
    return participant


def assert_utc(value: dt.datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == dt.timedelta(0)


# --- users ------------------------------------------------------------------------------------


async def test_upsert_creates_a_user(db: Database) -> None:
    async with db.session() as session:
        created = await users.upsert(
            session,
            user_id=BIG_ID,
            identity=users.Identity("Jürgen", "Groß", "juergen_g"),
            language="de",
            now=NOW,
        )
        assert created.id == BIG_ID
    async with db.session() as session:
        user = await users.get(session, BIG_ID)
        assert user is not None
        assert (user.first_name, user.last_name, user.username, user.language) == (
            "Jürgen",
            "Groß",
            "juergen_g",
            "de",
        )
        assert user.reachable is True
        assert user.created_at == user.updated_at == NOW
        assert_utc(user.created_at)
        assert await users.get(session, BIG_ID + 1) is None


async def test_keep_language_stores_a_language_only_where_none_is(db: Database) -> None:
    """A coordinator's first update stores the language they are answered in; a second one,
    or one with another Telegram language, changes nothing, and a /language choice stays."""
    async with db.session() as session:
        kept = await users.keep_language(
            session, 7, users.Identity("Jo", None, "jo"), "en", now=NOW
        )
        assert (kept.language, kept.first_name, kept.reachable) == ("en", "Jo", True)
    async with db.session() as session:
        again = await users.keep_language(session, 7, users.Identity("Jo"), "de", now=LATER)
        assert again.language == "en"
        await users.upsert(session, user_id=8, identity=users.Identity("Al"), now=NOW)
    async with db.session() as session:
        filled = await users.keep_language(session, 8, users.Identity("Al"), "de", now=LATER)
        assert (filled.language, filled.created_at, filled.updated_at) == ("de", NOW, LATER)
        assert await session.scalar(select(func.count()).select_from(User)) == 2


async def test_upsert_updates_an_existing_user(db: Database) -> None:
    async with db.session() as session:
        await users.upsert(
            session, user_id=5, identity=users.Identity("A", "B", "ab"), language="en", now=NOW
        )
        await users.set_reachable(session, 5, False)
    async with db.session() as session:
        await users.upsert(session, user_id=5, identity=users.Identity("C"), now=LATER)
    async with db.session() as session:
        user = await users.get(session, 5)
        assert user is not None
        assert (user.first_name, user.last_name, user.username) == ("C", None, None)
        assert user.language == "en"  # kept when not given
        assert user.reachable is True  # they talk to us again
        assert (user.created_at, user.updated_at) == (NOW, LATER)
        assert await session.scalar(select(func.count()).select_from(User)) == 1
    async with db.session() as session:
        await users.upsert(
            session,
            user_id=5,
            identity=users.Identity("C"),
            language="de",
            now=NOW,
        )
    async with db.session() as session:
        user = await users.get(session, 5)
        assert user is not None and user.language == "de"


async def test_refresh_identity_never_creates(db: Database) -> None:
    async with db.session() as session:
        await users.refresh_identity(
            session, 77, identity=users.Identity("X", username="x"), now=NOW
        )
    async with db.session() as session:
        assert await users.get(session, 77) is None
        assert await session.scalar(select(func.count()).select_from(User)) == 0


async def test_refresh_identity_updates_changed_names_and_reachability(db: Database) -> None:
    async with db.session() as session:
        await users.upsert(
            session, user_id=7, identity=users.Identity("Anna", "Alt", "anna"), now=NOW
        )
        await add_user(session, 8)
    async with db.session() as session:
        await users.set_reachable(session, 7, False)
        await users.refresh_identity(
            session, 7, identity=users.Identity("Anna", username="anna_neu"), now=LATER
        )
    async with db.session() as session:
        user = await users.get(session, 7)
        assert user is not None
        assert (user.first_name, user.last_name, user.username) == ("Anna", None, "anna_neu")
        assert user.reachable is True
        assert user.updated_at == LATER
        other = await users.get(session, 8)
        assert other is not None and other.updated_at == NOW  # only the one user


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": "Anne"},
        {"last_name": None},
        {"last_name": "Neu"},
        {"username": None},
        {"username": "Anna"},  # a case change is a change
    ],
)
async def test_refresh_identity_notices_each_field(db: Database, change: dict[str, Any]) -> None:
    before = users.Identity("Anna", "Alt", "anna")
    after = replace(before, **change)
    async with db.session() as session:
        await users.upsert(session, user_id=7, identity=before, now=NOW)
    async with db.session() as session:
        await users.refresh_identity(session, 7, after, now=LATER)
    async with db.session() as session:
        user = await users.get(session, 7)
        assert user is not None
        assert users.Identity(user.first_name, user.last_name, user.username) == after
        assert user.updated_at == LATER


async def test_refresh_identity_without_change_does_not_touch_the_row(db: Database) -> None:
    async with db.session() as session:
        await users.upsert(session, user_id=7, identity=users.Identity("A"), now=NOW)
    async with db.session() as session:
        await users.refresh_identity(session, 7, identity=users.Identity("A"), now=LATER)
    async with db.session() as session:
        user = await users.get(session, 7)
        assert user is not None and user.updated_at == NOW


async def test_set_reachable(db: Database) -> None:
    async with db.session() as session:
        await add_user(session, 3)
        await add_user(session, 4)
    async with db.session() as session:
        await users.set_reachable(session, 3, False)
    async with db.session() as session:
        assert (await users.get(session, 3)).reachable is False  # type: ignore[union-attr]
        assert (await users.get(session, 4)).reachable is True  # type: ignore[union-attr]
        await users.set_reachable(session, 3, True)
        await users.set_reachable(session, 999, False)  # unknown: nothing happens
    async with db.session() as session:
        assert (await users.get(session, 3)).reachable is True  # type: ignore[union-attr]
        assert await users.get(session, 999) is None


@pytest.mark.parametrize("query", ["AnnaM", "annam", "ANNAM", "@AnnaM", "@annam"])
async def test_find_by_username_ignores_case_and_at(db: Database, query: str) -> None:
    async with db.session() as session:
        await add_user(session, 1, username="AnnaM")
        await add_user(session, 2, username="Bernd")
        await add_user(session, 3, username=None)
    async with db.session() as session:
        found = await users.find_by_username(session, query)
        assert found is not None and found.id == 1


@pytest.mark.parametrize("query", ["anna", "AnnaM2", "@", "", "%", "Anna_", "@@AnnaX"])
async def test_find_by_username_misses(db: Database, query: str) -> None:
    async with db.session() as session:
        await add_user(session, 1, username="AnnaM")
        await add_user(session, 3, username=None)
    async with db.session() as session:
        assert await users.find_by_username(session, query) is None


async def test_grant_coordinator_is_idempotent(db: Database) -> None:
    async with db.session() as session:
        await add_user(session, 10)
        await add_user(session, 11)
        await add_user(session, 12)
        assert await users.coordinator_ids(session) == set()
        assert await users.grant_coordinator(session, 10, granted_by=None, now=NOW) is True
    async with db.session() as session:
        assert await users.grant_coordinator(session, 10, granted_by=11, now=LATER) is False
        assert await users.grant_coordinator(session, 11, granted_by=10, now=LATER) is True
    async with db.session() as session:
        assert await users.coordinator_ids(session) == {10, 11}
        assert await users.is_coordinator(session, 10)
        assert not await users.is_coordinator(session, 12)
        rows = (await session.scalars(select(Coordinator).order_by(Coordinator.user_id))).all()
        assert [(c.user_id, c.program_id, c.granted_by) for c in rows] == [
            (10, None, None),
            (11, None, 10),
        ]
        assert_utc(rows[0].created_at)
    async with db.session() as session:
        await users.revoke_coordinator(session, 10)
    async with db.session() as session:
        assert await users.coordinator_ids(session) == {11}


async def test_a_program_scoped_role_counts_once(db: Database) -> None:
    async with db.session() as session:
        await add_user(session, 10)
        program = await add_program(session)
        session.add(Coordinator(user_id=10, program_id=program.id, created_at=NOW))
        await users.grant_coordinator(session, 10, granted_by=None, now=NOW)
    async with db.session() as session:
        assert await users.coordinator_ids(session) == {10}


# --- programs ---------------------------------------------------------------------------------


async def test_create_program(db: Database) -> None:
    async with db.session() as session:
        created = await add_program(session, name="Cross-Mentoring Salzgitter 2027")
        program_id = created.id
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        assert program.name == "Cross-Mentoring Salzgitter 2027"
        assert program.status == ProgramStatus.OPEN
        assert (program.starts_on, program.ends_on) == (dt.date(2027, 3, 11), dt.date(2028, 3, 9))
        assert program.timezone == "Europe/Berlin"
        assert program.created_by == 1
        assert program.created_at == NOW
        assert program.settings == {"topics": list(DEFAULT_TOPICS)}
        assert programs.topics_of(program) == list(DEFAULT_TOPICS)
        assert len(program.invite_code) == INVITE_CODE_LENGTH
        assert set(program.invite_code) <= set(INVITE_ALPHABET)


async def test_invite_codes_are_unique(db: Database) -> None:
    async with db.session() as session:
        created = [await add_program(session, name=f"P{i}") for i in range(40)]
    assert len({p.invite_code for p in created}) == 40
    async with db.session() as session:
        codes = (await session.scalars(select(Program.invite_code))).all()
        assert len(codes) == len(set(codes)) == 40


async def test_create_retries_after_an_invite_code_collision(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["TAKEN234", "TAKEN234", "TAKEN234", "FRESH567"])
    monkeypatch.setattr(programs_module, "new_invite_code", lambda: next(codes))
    async with db.session() as session:
        first = await add_program(session, name="Erster")
        second = await add_program(session, name="Zweiter")
        assert (first.invite_code, second.invite_code) == ("TAKEN234", "FRESH567")
    async with db.session() as session:
        rows = (await session.execute(select(Program.name, Program.invite_code))).all()
        assert sorted(rows) == [("Erster", "TAKEN234"), ("Zweiter", "FRESH567")]


async def test_create_gives_up_when_every_code_is_taken(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.session() as session:
        await add_program(session, name="Erster")
        taken = (await session.scalars(select(Program.invite_code))).one()
    monkeypatch.setattr(programs_module, "new_invite_code", lambda: taken)
    with pytest.raises(RuntimeError, match="invite code"):
        async with db.session() as session:
            await add_program(session, name="Zweiter")
    async with db.session() as session:
        assert (await session.scalars(select(Program.name))).all() == ["Erster"]


async def test_by_invite_code(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.session() as session:
        program = await add_program(session)
        code = program.invite_code
        custom = await add_program(session, name="Custom")
        custom.invite_code = "Salzgitter-2027"  # a mixed-case code set by hand
    async with db.session() as session:
        found = await programs.by_invite_code(session, code)
        assert found is not None and found.id == program.id
        # Callers pass normalise_invite_code(...), which upper-cases.
        mixed = await programs.by_invite_code(session, "SALZGITTER-2027")
        assert mixed is not None and mixed.name == "Custom"
        assert await programs.by_invite_code(session, "NOSUCH23") is None
        assert await programs.by_invite_code(session, "") is None


async def test_list_all_and_open_programs(db: Database) -> None:
    async with db.session() as session:
        old = await add_program(session, "Alt", dt.date(2025, 3, 1), ProgramStatus.CLOSED)
        archived = await add_program(session, "Archiv", dt.date(2024, 3, 1), ProgramStatus.ARCHIVED)
        new_a = await add_program(session, "Neu A", dt.date(2027, 3, 1))
        new_b = await add_program(session, "Neu B", dt.date(2027, 3, 1))
        closed = await add_program(session, "Zu", dt.date(2026, 3, 1), ProgramStatus.CLOSED)
        ids = {p.name: p.id for p in (old, archived, new_a, new_b, closed)}
    async with db.session() as session:
        listed = await programs.list_all(session)
        # Newest start first; the same start: newest created first.
        assert [p.name for p in listed] == ["Neu B", "Neu A", "Zu", "Alt"]
        everything = await programs.list_all(session, include_archived=True)
        assert [p.name for p in everything] == ["Neu B", "Neu A", "Zu", "Alt", "Archiv"]
        opened = await programs.open_programs(session)
        assert [p.id for p in opened] == [ids["Neu A"], ids["Neu B"]]


async def test_list_all_empty(db: Database) -> None:
    async with db.session() as session:
        assert await programs.list_all(session) == []
        assert await programs.open_programs(session) == []


async def test_participant_counts(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        other = await add_program(session, "Andere")
        empty = await add_program(session, "Leer")
        statuses = [None, None, "active", "active", "active", "rejected"]
        for user_id, status in enumerate(statuses, start=100):
            await add_participant(session, program.id, user_id, status=status)
        await add_participant(session, other.id, 100, status="active")
    async with db.session() as session:
        counts = await programs.participant_counts(session, program.id)
        assert counts == {"pending": 2, "active": 3, "rejected": 1}
        assert counts.get(ParticipantStatus.ACTIVE) == 3  # the handlers look up with the enum
        assert await programs.participant_counts(session, other.id) == {"active": 1}
        assert await programs.participant_counts(session, empty.id) == {}


async def test_topics_of_a_program_with_its_own_list(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        program.settings = {"topics": ["Eins", "Zwei"], "reminders": [7, 1]}
        empty = await add_program(session, "Leer")
        empty.settings = {}
    async with db.session() as session:
        loaded = await programs.get(session, program.id)
        assert loaded is not None
        assert programs.topics_of(loaded) == ["Eins", "Zwei"]
        assert loaded.settings["reminders"] == [7, 1]
        loaded_empty = await programs.get(session, empty.id)
        assert loaded_empty is not None
        assert programs.topics_of(loaded_empty) == list(DEFAULT_TOPICS)


# --- participants -----------------------------------------------------------------------------


async def test_create_from_draft(db: Database) -> None:
    draft = {**DRAFT, "topics": ["Feedback"]}
    async with db.session() as session:
        program = await add_program(session)
        await add_user(session, BIG_ID)
        created = await participants.create_from_draft(
            session,
            program_id=program.id,
            user_id=BIG_ID,
            draft=draft,
            consent_at=NOW - dt.timedelta(minutes=5),
            now=NOW,
        )
        draft["topics"].append("changed later")  # the row has its own list
    async with db.session() as session:
        participant = await participants.get(session, created.id)
    assert participant is not None
    assert participant.program_id == program.id
    assert participant.user_id == BIG_ID
    assert participant.user is not None and participant.user.id == BIG_ID  # loaded with it
    assert participant.status == ParticipantStatus.PENDING
    for name in ("role", "name", "company", "industry", "position", "goals", "meeting_format"):
        assert getattr(participant, name) == DRAFT[name]
    assert participant.topics == ["Feedback"]
    assert participant.consent_at == NOW - dt.timedelta(minutes=5)
    assert participant.created_at == participant.updated_at == NOW
    assert participant.decided_by is None and participant.decided_at is None


async def test_one_registration_per_user_and_program(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        other = await add_program(session, "Andere")
        await add_participant(session, program.id, 5)
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await add_participant(session, program.id, 5, name="Zweiter Versuch")
    async with db.session() as session:
        await add_participant(session, other.id, 5)  # another program is fine
    async with db.session() as session:
        rows = (await session.scalars(select(Participant).order_by(Participant.id))).all()
        assert [(p.program_id, p.user_id, p.name) for p in rows] == [
            (program.id, 5, DRAFT["name"]),
            (other.id, 5, DRAFT["name"]),
        ]


async def test_participant_needs_a_known_user_and_program(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            program = await add_program(session)
            await participants.create_from_draft(
                session, program_id=program.id, user_id=404, draft=DRAFT, consent_at=NOW, now=NOW
            )


async def test_of_user_in_program(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        other = await add_program(session, "Andere")
        mine = await add_participant(session, program.id, 5)
        await add_participant(session, other.id, 6)
    async with db.session() as session:
        found = await participants.of_user_in_program(session, 5, program.id)
        assert found is not None and found.id == mine.id
        assert await participants.of_user_in_program(session, 5, other.id) is None
        assert await participants.of_user_in_program(session, 6, program.id) is None


async def test_current_of_user_picks_the_newest_live_registration(db: Database) -> None:
    async with db.session() as session:
        programs_ = [await add_program(session, f"P{i}") for i in range(5)]
        first = await add_participant(session, programs_[0].id, 5, now=NOW)
        await add_participant(
            session, programs_[1].id, 5, now=NOW + dt.timedelta(days=1), status="rejected"
        )
        await add_participant(
            session, programs_[2].id, 5, now=NOW + dt.timedelta(days=2), status="left"
        )
        paused = await add_participant(
            session, programs_[3].id, 5, now=NOW - dt.timedelta(days=1), status="paused"
        )
        await add_participant(session, programs_[4].id, 6, now=NOW + dt.timedelta(days=3))
    async with db.session() as session:
        current = await participants.current_of_user(session, 5)
    assert current is not None
    assert current.id == first.id  # newer ones are rejected or left; the paused one is older
    assert current.program.name == "P0"  # loaded with the participant, usable after the session
    async with db.session() as session:
        reloaded = await participants.get(session, current.id)
        assert reloaded is not None
        await participants.set_status(
            session, reloaded, "left", expected="pending", decided_by=1, now=LATER
        )
    async with db.session() as session:
        current = await participants.current_of_user(session, 5)
        assert current is not None and current.id == paused.id
        assert await participants.current_of_user(session, 404) is None


async def test_current_of_user_breaks_ties_by_id(db: Database) -> None:
    async with db.session() as session:
        a = await add_program(session, "A")
        b = await add_program(session, "B")
        await add_participant(session, a.id, 5, now=NOW)
        second = await add_participant(session, b.id, 5, now=NOW)
    async with db.session() as session:
        current = await participants.current_of_user(session, 5)
        assert current is not None and current.id == second.id


async def test_list_in_program_order_and_filter(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        other = await add_program(session, "Andere")
        times = [NOW + dt.timedelta(hours=h) for h in (2, 0, 1, 0)]
        statuses = ["active", None, "active", None]
        made = [
            await add_participant(session, program.id, 100 + i, now=t, status=s)
            for i, (t, s) in enumerate(zip(times, statuses, strict=True))
        ]
        await add_participant(session, other.id, 100)
    async with db.session() as session:
        everyone = await participants.list_in_program(session, program.id)
        # created_at, then id for the two created at the same time
        assert [p.id for p in everyone] == [made[1].id, made[3].id, made[2].id, made[0].id]
        active = await participants.list_in_program(session, program.id, "active")
        assert [p.id for p in active] == [made[2].id, made[0].id]
        pending = await participants.list_in_program(session, program.id, ParticipantStatus.PENDING)
        assert [p.id for p in pending] == [made[1].id, made[3].id]
        assert await participants.list_in_program(session, program.id, "left") == []


async def test_update_field(db: Database) -> None:
    topics = ["Netzwerken", "Kommunikation"]
    async with db.session() as session:
        program = await add_program(session)
        created = await add_participant(session, program.id, 5)
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        await participants.update_field(session, participant, "topics", topics, LATER)
        await participants.update_field(session, participant, "company", "Neue & Co", LATER)
        await participants.update_field(session, participant, "meeting_format", "online", LATER)
        topics.append("Nachträglich")  # the caller's list is not the stored one
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        assert participant.topics == ["Netzwerken", "Kommunikation"]
        assert participant.company == "Neue & Co"
        assert participant.meeting_format == "online"
        assert participant.updated_at == LATER
        assert participant.created_at == NOW


@pytest.mark.parametrize("field", ["status", "user_id", "program_id", "decided_by", "topics_done"])
async def test_update_field_refuses_what_is_not_a_profile_field(db: Database, field: str) -> None:
    async with db.session() as session:
        program = await add_program(session)
        participant = await add_participant(session, program.id, 5)
        with pytest.raises(ValueError, match="not an editable"):
            await participants.update_field(session, participant, field, 1, LATER)
    async with db.session() as session:
        stored = await participants.get(session, participant.id)
        assert stored is not None
        assert (stored.status, stored.user_id, stored.updated_at) == ("pending", 5, NOW)


async def test_set_status(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        created = await add_participant(session, program.id, 5)
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        changed = await participants.set_status(
            session,
            participant,
            ParticipantStatus.ACTIVE,
            expected=ParticipantStatus.PENDING,
            decided_by=BIG_ID,
            now=LATER,
        )
        assert changed is True
        assert participant.status == "active"  # the object reflects the row
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        assert participant.status == "active"
        assert participant.decided_by == BIG_ID
        assert participant.decided_at == LATER
        assert participant.updated_at == LATER
        assert participant.created_at == NOW
        assert_utc(participant.decided_at)


async def test_set_status_only_from_the_expected_status(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        created = await add_participant(session, program.id, 5, status="active")
        other = await add_participant(session, program.id, 6)
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        changed = await participants.set_status(
            session, participant, "rejected", expected="pending", decided_by=2, now=LATER
        )
        assert changed is False
        assert participant.status == "active"
    async with db.session() as session:
        participant = await participants.get(session, created.id)
        assert participant is not None
        assert (participant.status, participant.decided_by, participant.updated_at) == (
            "active",
            1,
            NOW,
        )
        untouched = await participants.get(session, other.id)
        assert untouched is not None and untouched.status == "pending"


async def test_two_coordinators_deciding_at_once_decide_once(db: Database) -> None:
    async with db.session() as setup:
        program = await add_program(setup)
        created = await add_participant(setup, program.id, 5)
    # Two processes, each with its own session (bypassing the in-process SQLite queue) ...
    async with db.sessionmaker() as first, db.sessionmaker() as second:
        # Both load the registration while it is pending ...
        seen_by_first = await participants.get(first, created.id)
        seen_by_second = await participants.get(second, created.id)
        assert seen_by_first is not None and seen_by_second is not None
        assert seen_by_first.status == seen_by_second.status == "pending"
        # ... the first approves and commits ...
        assert await participants.set_status(
            first, seen_by_first, "active", expected="pending", decided_by=101, now=NOW
        )
        await first.commit()
        # ... and the second, still believing it pending, rejects: nothing happens.
        assert not await participants.set_status(
            second, seen_by_second, "rejected", expected="pending", decided_by=102, now=LATER
        )
        assert seen_by_second.status == "active"
        await second.commit()
    async with db.session() as session:
        stored = await participants.get(session, created.id)
        assert stored is not None
        assert (stored.status, stored.decided_by, stored.decided_at) == ("active", 101, NOW)


# --- dialogs ----------------------------------------------------------------------------------

NESTED: dict[str, Any] = {
    "program_id": 3,
    "consent_at": NOW.isoformat(),
    "draft": {
        "name": "Jürgen Groß",
        "company": "<Müller & Söhne> \"Ä\" 'ß' €",
        "topics": ["Führung", ["verschachtelt", 1, 2.5]],
        "topics_done": True,
        "nothing": None,
    },
    "emoji": "🎉",
    "big": BIG_ID,
}


async def test_dialog_save_get_and_versions(db: Database) -> None:
    async with db.session() as session:
        assert await dialogs.get(session, BIG_ID) is None
        first = await dialogs.save(session, BIG_ID, flow="reg", step="role", data={}, now=NOW)
        assert first.version == 0
    async with db.session() as session:
        second = await dialogs.save(
            session, BIG_ID, flow="reg", step="name", data=NESTED, now=LATER
        )
        assert second.version == 1
    async with db.session() as session:
        third = await dialogs.save(
            session, BIG_ID, flow="profile", step="topics", data={"a": [1]}, now=LATER
        )
        assert third.version == 2
        fourth = await dialogs.save(
            session, BIG_ID, flow="profile", step="topics", data=NESTED, now=LATER
        )
        assert fourth.version == 3
    async with db.session() as session:
        dialog = await dialogs.get(session, BIG_ID)
        assert dialog is not None
        assert (dialog.flow, dialog.step, dialog.version) == ("profile", "topics", 3)
        assert dialog.data == NESTED
        assert dialog.updated_at == LATER
        assert_utc(dialog.updated_at)


async def test_dialog_data_round_trips(db: Database) -> None:
    async with db.session() as session:
        await dialogs.save(session, 1, flow="reg", step="name", data=NESTED, now=NOW)
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        assert dialog.data == NESTED
        assert dialog.data["draft"]["company"] == "<Müller & Söhne> \"Ä\" 'ß' €"
        assert dialog.data["draft"]["topics"][1] == ["verschachtelt", 1, 2.5]


async def test_dialog_update_with_a_changed_copy_is_stored(db: Database) -> None:
    async with db.session() as session:
        await dialogs.save(session, 1, flow="reg", step="topics", data=NESTED, now=NOW)
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        data = dict(dialog.data)  # how the handlers change a draft
        data["draft"] = {**data["draft"], "topics": ["Neu"]}
        await dialogs.save(session, 1, flow="reg", step="goals", data=data, now=LATER)
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        assert dialog.step == "goals"
        assert dialog.data["draft"]["topics"] == ["Neu"]
        assert dialog.data["draft"]["name"] == "Jürgen Groß"


async def test_dialog_update_after_changing_the_loaded_data_in_place(db: Database) -> None:
    async with db.session() as session:
        await dialogs.save(session, 1, flow="reg", step="name", data={"draft": {}}, now=NOW)
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        dialog.data["draft"]["name"] = "Anna"
        saved = await dialogs.save(
            session, 1, flow="reg", step="company", data=dialog.data, now=LATER
        )
        assert saved.version == 1
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        assert (dialog.step, dialog.version) == ("company", 1)
        assert dialog.data == {"draft": {"name": "Anna"}}


async def test_dialog_clear(db: Database) -> None:
    async with db.session() as session:
        await dialogs.save(session, 1, flow="reg", step="role", data={}, now=NOW)
        await dialogs.save(session, 2, flow="profile", step="name", data={"x": 1}, now=NOW)
    async with db.session() as session:
        assert await dialogs.clear(session, 1) is True
    async with db.session() as session:
        assert await dialogs.get(session, 1) is None
        other = await dialogs.get(session, 2)
        assert other is not None and other.data == {"x": 1}
        assert await dialogs.clear(session, 1) is False
    async with db.session() as session:
        restarted = await dialogs.save(session, 1, flow="reg", step="role", data={}, now=LATER)
        assert restarted.version == 0


async def test_a_failed_unit_of_work_leaves_the_dialog_as_it_was(db: Database) -> None:
    async with db.session() as session:
        await dialogs.save(session, 1, flow="reg", step="role", data={"a": 1}, now=NOW)
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await dialogs.save(session, 1, flow="reg", step="name", data={"a": 2}, now=LATER)
            raise RuntimeError("handler failed")
    async with db.session() as session:
        dialog = await dialogs.get(session, 1)
        assert dialog is not None
        assert (dialog.step, dialog.data, dialog.version) == ("role", {"a": 1}, 0)


# --- processed updates and the audit log ------------------------------------------------------


async def test_processed_updates(db: Database) -> None:
    async with db.session() as session:
        assert await housekeeping.claim(session, 1, NOW)
        assert await housekeeping.claim(session, 2**40, NOW)
    async with db.session() as session:
        assert not await housekeeping.claim(session, 1, LATER)
        assert not await housekeeping.claim(session, 2**40, LATER)
        assert await housekeeping.claim(session, 3, LATER)


async def test_a_redelivered_update_cannot_be_marked_twice(db: Database) -> None:
    """The claim's ON CONFLICT relies on the update id being the key."""
    async with db.session() as session:
        session.add(ProcessedUpdate(update_id=1, processed_at=NOW))
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            session.add(ProcessedUpdate(update_id=1, processed_at=LATER))


async def test_the_claim_rolls_back_with_the_update(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            assert await housekeeping.claim(session, 5, NOW)
            raise RuntimeError("handler failed")
    async with db.session() as session:
        assert await housekeeping.claim(session, 5, NOW)


async def test_claiming_an_update_is_the_redelivery_check(db: Database) -> None:
    """One INSERT … ON CONFLICT DO NOTHING: True the first time, False once that committed,
    True again when the transaction that claimed it rolled back (the update runs again)."""
    async with db.session() as session:
        assert await housekeeping.claim(session, 1, NOW)
    async with db.session() as session:
        assert not await housekeeping.claim(session, 1, LATER)
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            assert await housekeeping.claim(session, 2**40, NOW)
            raise RuntimeError("handler failed")
    async with db.session() as session:
        assert await housekeeping.claim(session, 2**40, NOW)
        assert (
            await session.scalar(
                select(ProcessedUpdate.processed_at).where(ProcessedUpdate.update_id == 1)
            )
            == NOW
        )


async def test_a_redelivery_waits_for_the_delivery_in_progress(db: Database) -> None:
    """Another process's redelivery of an update still being handled (PostgreSQL: two
    connections) waits for it, then is ignored if it committed, or handled if it rolled back."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite: nothing runs concurrently")
    for outcome, expected in (("rollback", True), ("commit", False)):
        update_id = 100 if outcome == "rollback" else 101
        first = db.sessionmaker()
        assert await housekeeping.claim(first, update_id, NOW)
        async with db.sessionmaker() as second:
            waiting = asyncio.create_task(housekeeping.claim(second, update_id, LATER))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # blocked on the first delivery's row
            await (first.rollback() if outcome == "rollback" else first.commit())
            await first.close()
            assert await waiting is expected
            await second.commit()


async def test_prune_processed(db: Database) -> None:
    async with db.session() as session:
        for update_id, hours in [(1, -48), (2, -25), (3, -24), (4, -1), (5, 0)]:
            await housekeeping.claim(session, update_id, NOW + dt.timedelta(hours=hours))
    async with db.session() as session:
        removed = await housekeeping.prune_processed(session, NOW - dt.timedelta(hours=24))
        assert removed == 2  # strictly older; the one at the cut-off stays
    async with db.session() as session:
        left = list(
            await session.scalars(
                select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id)
            )
        )
        assert left == [3, 4, 5]
        assert await housekeeping.prune_processed(session, NOW - dt.timedelta(hours=24)) == 0


async def test_prune_processed_compares_instants_not_wall_clocks(db: Database) -> None:
    async with db.session() as session:
        await housekeeping.claim(session, 1, dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC))
    async with db.session() as session:
        # 11:30 in Berlin (summer) is 09:30 UTC: earlier than the mark, nothing to prune.
        cutoff = dt.datetime(2026, 7, 1, 11, 30, tzinfo=BERLIN)
        assert await housekeeping.prune_processed(session, cutoff) == 0
    async with db.session() as session:
        cutoff = dt.datetime(2026, 7, 1, 12, 30, tzinfo=BERLIN)  # 10:30 UTC
        assert await housekeeping.prune_processed(session, cutoff) == 1


async def test_audit_entries(db: Database) -> None:
    async with db.session() as session:
        housekeeping.audit(
            session, user_id=BIG_ID, action="refused", now=NOW, what="newprogram", n=[1, "ä"]
        )
        housekeeping.audit(session, user_id=None, action="bad_callback", now=LATER)
    async with db.session() as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        assert [(r.user_id, r.action, r.detail, r.created_at) for r in rows] == [
            (BIG_ID, "refused", {"what": "newprogram", "n": [1, "ä"]}, NOW),
            (None, "bad_callback", {}, LATER),
        ]


# --- UtcDateTime ------------------------------------------------------------------------------

INSTANTS = [
    dt.datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=BERLIN),  # summer time, +02:00
    dt.datetime(2026, 1, 1, 0, 30, tzinfo=BERLIN),  # the day before in UTC
    dt.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=dt.UTC),  # just before the clocks change
    dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-9, minutes=-30))),
    dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=dt.UTC),  # past 32-bit Unix time
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda d: d.isoformat())
async def test_aware_datetimes_come_back_as_the_same_instant_in_utc(
    db: Database, instant: dt.datetime
) -> None:
    async with db.session() as session:
        await add_user(session, 1, now=instant)
        await housekeeping.claim(session, 1, instant)
    async with db.session() as session:
        user = await users.get(session, 1)
        assert user is not None
        for value in (
            user.created_at,
            await session.scalar(select(User.updated_at)),
            await session.scalar(select(ProcessedUpdate.processed_at)),
        ):
            assert_utc(value)
            assert value == instant
            assert value.replace(tzinfo=None) == instant.astimezone(dt.UTC).replace(tzinfo=None)


async def test_datetimes_order_by_instant(db: Database) -> None:
    # 12:00 in Berlin is before 11:30 UTC; a backend comparing local wall clocks would disagree.
    berlin_noon = dt.datetime(2026, 1, 15, 12, 0, tzinfo=BERLIN)  # 11:00 UTC
    utc_half_past = dt.datetime(2026, 1, 15, 11, 30, tzinfo=dt.UTC)
    async with db.session() as session:
        await housekeeping.claim(session, 1, utc_half_past)
        await housekeeping.claim(session, 2, berlin_noon)
    async with db.session() as session:
        order = (
            await session.scalars(
                select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.processed_at)
            )
        ).all()
        assert list(order) == [2, 1]


async def test_naive_datetimes_are_refused(db: Database) -> None:
    naive = dt.datetime(2026, 11, 23, 12, 0)
    with pytest.raises(StatementError, match="naive"):
        async with db.session() as session:
            await add_user(session, 1, now=naive)
    with pytest.raises(StatementError, match="naive"):
        async with db.session() as session:
            await housekeeping.prune_processed(session, naive)
    async with db.session() as session:
        assert await users.get(session, 1) is None


async def test_none_stays_none(db: Database) -> None:
    async with db.session() as session:
        program = await add_program(session)
        participant = await add_participant(session, program.id, 1)
    async with db.session() as session:
        decided_at = await session.scalar(
            select(Participant.decided_at).where(Participant.id == participant.id)
        )
        assert decided_at is None


# --- the unit of work -------------------------------------------------------------------------


async def test_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    async with db.session() as session:
        await add_user(session, 1)
    with pytest.raises(LookupError):
        async with db.session() as session:
            await add_user(session, 2)
            await users.set_reachable(session, 1, False)
            raise LookupError
    async with db.session() as session:
        ids = (await session.scalars(select(User.id).order_by(User.id))).all()
        assert list(ids) == [1]
        assert (await users.get(session, 1)).reachable is True  # type: ignore[union-attr]


async def test_many_users_keep_distinct_ids(db: Database) -> None:
    ids = [1, 2**31 - 1, 2**31, 2**40, 2**52]
    async with db.session() as session:
        for user_id in ids:
            await add_user(session, user_id, username=f"u{user_id}")
    async with db.session() as session:
        stored = (await session.scalars(select(User.id).order_by(User.id))).all()
        assert list(stored) == ids
        for user_id, query in itertools.product(ids[-2:], ["u", "@U"]):
            found = await users.find_by_username(session, f"{query}{user_id}")
            assert found is not None and found.id == user_id
