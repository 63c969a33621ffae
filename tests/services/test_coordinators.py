"""The coordinator role as use cases: granted by id or @username, revoked, the operator's list
left alone, and who hears about a program."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services import coordinators
from services.coordinators import RoleOutcome
from services.errors import Refused
from storage import users
from storage.db import Database
from storage.models import AuditEntry, Coordinator
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run

ALL = {"coordinator": True}
OPERATOR = frozenset({COORDINATOR, 7777})  # 7777 never wrote to the bot


async def add_user(db: Database, user_id: int, name: str, username: str | None = None) -> None:
    async with db.session() as session:
        await users.upsert(
            session,
            user_id=user_id,
            identity=users.Identity(name, "Muster", username),
            now=NOW,
        )


async def grants(db: Database) -> list[tuple[int, int | None]]:
    async with db.session() as session:
        rows = await session.execute(select(Coordinator.user_id, Coordinator.program_id))
        return sorted((user_id, program_id) for user_id, program_id in rows.all())


async def test_the_role_is_granted_by_id_or_username_once(db: Database) -> None:
    await add_user(db, 5000, "Sina", username="Sina_K")

    async def make(typed: str | None) -> coordinators.RoleChange:
        return await run(
            db,
            COORDINATOR,
            lambda u: coordinators.make_coordinator(u, typed),
            **ALL,
            configured=OPERATOR,
        )

    assert (await make(None)).outcome == RoleOutcome.USAGE
    for typed in ("@nobody", "12345", "sina", "²"):
        unknown = await make(typed)
        assert (unknown.outcome, unknown.name) == (RoleOutcome.UNKNOWN, typed)
    done = await make("@sina_k")
    assert (done.outcome, done.name, done.user_id) == (RoleOutcome.GRANTED, "Sina Muster", 5000)
    assert done.all_programs and done.tell is not None and done.program is None
    assert (await make("5000")).outcome == RoleOutcome.ALREADY
    assert await grants(db) == [(5000, None)]
    await add_user(db, COORDINATOR, "Juliane")
    operator = await make(str(COORDINATOR))
    assert operator.outcome == RoleOutcome.ALREADY and await grants(db) == [(5000, None)]


async def test_only_a_coordinator_of_all_programs_grants_and_revokes(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await add_user(db, 5000, "Sina")
    for use_case in (coordinators.make_coordinator, coordinators.revoke_coordinator):
        with pytest.raises(Refused) as participant:
            await run(db, 5000, lambda u: use_case(u, "5000"), configured=OPERATOR)  # noqa: B023
        assert not participant.value.all_programs
        with pytest.raises(Refused) as scoped:
            await run(
                db,
                COORDINATOR,
                lambda u: use_case(u, "5000"),  # noqa: B023
                coordinator=True,
                scope=frozenset({program_id}),
                configured=OPERATOR,
            )
        assert scoped.value.all_programs
    assert await grants(db) == []


async def test_revoking_takes_every_grant_but_not_the_operators_list(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await add_user(db, 5000, "Sina")
    await add_user(db, 5001, "Tom")
    async with db.session() as session:
        for program in (program_id, None):
            await users.grant_coordinator(
                session, 5000, granted_by=COORDINATOR, now=NOW, program_id=program
            )

    async def revoke(typed: str | None) -> coordinators.RoleChange:
        return await run(
            db,
            COORDINATOR,
            lambda u: coordinators.revoke_coordinator(u, typed),
            **ALL,
            configured=OPERATOR,
        )

    never_wrote = await revoke("7777")
    assert (never_wrote.outcome, never_wrote.name) == (RoleOutcome.CONFIGURED, "7777")
    assert (await revoke(None)).outcome == RoleOutcome.USAGE
    assert (await revoke("@tom")).outcome == RoleOutcome.UNKNOWN
    assert (await revoke("5001")).outcome == RoleOutcome.NOT_COORDINATOR
    revoked = await revoke("5000")
    assert (revoked.outcome, revoked.user_id) == (RoleOutcome.REVOKED, 5000)
    assert await grants(db) == []
    async with db.session() as session:
        audited = (await session.scalars(select(AuditEntry.action))).all()
    assert audited.count("coordinator_revoked") == 1


async def test_news_of_a_program_reaches_its_coordinators_only(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Anderes")
    for user_id, name in ((5000, "Eigen"), (5001, "Fremd"), (5002, "Alle"), (5003, "Blockiert")):
        await add_user(db, user_id, name)
    async with db.session() as session:
        for user_id, program in ((5000, program_id), (5001, other), (5002, None), (5003, None)):
            await users.grant_coordinator(
                session, user_id, granted_by=None, now=NOW, program_id=program
            )
        await users.set_reachable(session, 5003, False)
    reached = await run(
        db, 1, lambda u: coordinators.reachable(u, program_id), configured=frozenset({7777})
    )
    assert [user_id for user_id, _ in reached] == [5000, 5002, 7777]
    assert reached[-1][1] is None  # on the operator's list, never wrote: tried anyway
