"""Announcements as use cases: writing, the audience's count, sending now or later, cancelling,
trying again, and refusal of everyone who may not send to the program."""

from __future__ import annotations

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.broadcasts import Attachment, AttachmentKind, Audience, DeliveryState
from handlers import broadcasts as handler
from services import broadcasts, conversation
from services.broadcasts import (
    ALL_PROGRAMS,
    BroadcastState,
    Confirmation,
    Scheduled,
    WhenProblem,
)
from services.errors import Refused, Stale
from storage.db import Database
from storage.models import AuditEntry, Broadcast, Delivery, Dialog
from tests.seeding import seed_broadcast, seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

BERLIN = ZoneInfo("Europe/Berlin")
TEXT = "<b>Stammtisch</b> am Freitag"


async def seed(db: Database) -> tuple[int, int]:
    """Two programs: three active participants (a mentor) and one pending in the first, one
    in the second."""
    program = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Anderes Programm")
    await seed_participant(db, program, 2000, "Maria Mentor", NOW, role="mentor")
    await seed_participant(db, program, 2001, "Emil Mentee", NOW)
    await seed_participant(db, program, 2002, "Alma Alone", NOW)
    await seed_participant(db, program, 2003, "Paul Pending", NOW, status="pending")
    await seed_participant(db, other, 2100, "Otto Other", NOW)
    return program, other


async def compose(
    db: Database, program_id: int, audience: Audience = Audience.ALL, **actor: object
) -> Confirmation:
    """Program, text and audience, as three updates; up to the confirmation."""
    actor = actor or {"coordinator": True}
    await run(db, COORDINATOR, lambda uow: broadcasts.choose_program(uow, program_id), **actor)
    async with unit(db, COORDINATOR, **actor) as uow:  # type: ignore[arg-type]
        loaded = await conversation.load(uow, broadcasts.FLOW, BroadcastState)
        assert loaded is not None and loaded[0] == "text"
        assert await broadcasts.write(uow, loaded[1], TEXT, "Stammtisch am Freitag")
    return await run(
        db, COORDINATOR, lambda uow: broadcasts.choose_audience(uow, audience, None), **actor
    )


async def dialog_of(db: Database) -> Dialog | None:
    async with db.session() as session:
        return await session.get(Dialog, COORDINATOR)


def test_the_handler_names_the_flow_the_service_stores() -> None:
    assert handler.FLOW == broadcasts.FLOW


async def test_sent_now_to_the_audience_of_the_program(db: Database) -> None:
    program, _ = await seed(db)
    confirmation = await compose(db, program, Audience.MENTEES)
    assert confirmation.count == 2 and confirmation.program is not None
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await broadcasts.send_now(uow) == 2
        started = list(uow.broadcasts)
    async with db.session() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
        recipients = sorted((await session.scalars(select(Delivery.user_id))).all())
        audited = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "broadcast"))
        ).one()
    assert started == [broadcast.id]  # the sender starts after the commit
    assert broadcast.status == "sending" and broadcast.text == TEXT
    assert broadcast.started_at is not None
    assert recipients == [2001, 2002]
    assert audited.detail == {"broadcast": broadcast.id, "recipients": 2, "paid": False}
    assert await dialog_of(db) is None
    with pytest.raises(Stale):  # the confirmation pressed again
        await run(db, COORDINATOR, broadcasts.send_now, coordinator=True)


async def test_all_programs_only_for_a_coordinator_of_all(db: Database) -> None:
    program, other = await seed(db)
    choice = await run(db, COORDINATOR, broadcasts.choice, coordinator=True)
    assert {p.id for p in choice.programs} == {program, other} and choice.all_programs
    confirmation = await compose(db, ALL_PROGRAMS)
    assert confirmation.program is None and confirmation.count == 4  # each person once

    scoped: dict[str, object] = {"coordinator": True, "scope": frozenset({other})}
    choice = await run(db, COORDINATOR, broadcasts.choice, **scoped)
    assert [p.id for p in choice.programs] == [other] and not choice.all_programs
    for target in (ALL_PROGRAMS, program, 2**31 - 1):
        with pytest.raises(Stale):
            await run(
                db, COORDINATOR, partial(broadcasts.choose_program, program_id=target), **scoped
            )
    with pytest.raises(Refused):
        await run(db, 2001, broadcasts.choice)


async def test_a_role_narrowed_mid_dialog_stops_the_sending(db: Database) -> None:
    program, other = await seed(db)
    await compose(db, program)
    with pytest.raises(Stale) as raised:
        await run(db, COORDINATOR, broadcasts.send_now, coordinator=True, scope=frozenset({other}))
    assert raised.value.alert
    async with db.session() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_buttons_out_of_step_are_stale(db: Database) -> None:
    program, _ = await seed(db)
    for use_case in (broadcasts.send_now, broadcasts.later, broadcasts.discard):
        with pytest.raises(Stale):  # no dialog at all
            await run(db, COORDINATOR, use_case, coordinator=True)
    await run(
        db, COORDINATOR, lambda uow: broadcasts.choose_program(uow, program), coordinator=True
    )
    with pytest.raises(Stale):  # an audience before the text
        await run(
            db,
            COORDINATOR,
            lambda uow: broadcasts.choose_audience(uow, Audience.ALL, None),
            coordinator=True,
        )
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        state = BroadcastState(program=program)
        assert not await broadcasts.write(uow, state, "   ", "   ")
        assert not await broadcasts.write(uow, state, "/help", "/help")
        assert await broadcasts.write(uow, state, TEXT, TEXT)
    for days in (None, 0, 366):
        quiet = partial(broadcasts.choose_audience, audience=Audience.QUIET, days=days)
        with pytest.raises(Stale):  # the quiet audience needs its days
            await run(db, COORDINATOR, quiet, coordinator=True)
    with pytest.raises(Stale):  # "send now" before the audience
        await run(db, COORDINATOR, broadcasts.send_now, coordinator=True)
    await run(db, COORDINATOR, broadcasts.discard, coordinator=True)
    assert await dialog_of(db) is None


async def test_scheduled_at_a_time_of_the_programs_zone_and_cancelled(db: Database) -> None:
    program, other = await seed(db)
    await compose(db, program, Audience.ALL)
    await run(db, COORDINATOR, broadcasts.later, coordinator=True)

    async def when(text: str) -> Scheduled | WhenProblem | None:
        loaded = await run(
            db,
            COORDINATOR,
            lambda uow: conversation.load(uow, broadcasts.FLOW, BroadcastState),
            coordinator=True,
        )
        assert loaded is not None and loaded[0] == "when"
        async with unit(db, COORDINATOR, coordinator=True) as uow:
            result = await broadcasts.schedule(uow, loaded[1], text, ZoneInfo("UTC"))
            planned = list(uow.planned)
        assert bool(planned) == isinstance(result, Scheduled)
        return result

    assert await when("irgendwann") is WhenProblem.UNREADABLE
    assert await when("heute 9 Uhr") is WhenProblem.PAST  # 10:00 in Berlin already
    assert await when("01.01.2030 9 Uhr") is WhenProblem.TOO_FAR
    assert await when("28.03.2027 2:30") is WhenProblem.NONEXISTENT  # the clocks go forward
    scheduled = await when("morgen 9 Uhr")
    assert isinstance(scheduled, Scheduled)
    assert scheduled.at == dt.datetime(2027, 3, 11, 9, 0, tzinfo=BERLIN)
    assert await dialog_of(db) is None
    choice = await run(db, COORDINATOR, broadcasts.choice, coordinator=True)
    assert [b.id for b in choice.scheduled] == [scheduled.broadcast_id]
    async with db.session() as session:
        assert (await session.scalars(select(Delivery))).all() == []  # filled at its time

    # Not by a coordinator of another program; then by this one, once.
    broadcast_id = scheduled.broadcast_id
    scoped: dict[str, object] = {"coordinator": True, "scope": frozenset({other})}
    choice = await run(db, COORDINATOR, broadcasts.choice, **scoped)
    assert choice.scheduled == []
    cancel = lambda uow: broadcasts.cancel_scheduled(uow, broadcast_id)  # noqa: E731
    assert not await run(db, COORDINATOR, cancel, **scoped)
    assert await run(db, COORDINATOR, cancel, coordinator=True)
    assert not await run(db, COORDINATOR, cancel, coordinator=True)
    async with db.session() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None and broadcast.status == "cancelled"
        assert not await broadcasts.start_scheduled(session, broadcast_id, NOW)


async def test_the_audience_of_its_time_gets_a_scheduled_one(db: Database) -> None:
    program, _ = await seed(db)
    await compose(db, program, Audience.ALL)
    await run(db, COORDINATOR, broadcasts.later, coordinator=True)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        loaded = await conversation.load(uow, broadcasts.FLOW, BroadcastState)
        assert loaded is not None
        scheduled = await broadcasts.schedule(uow, loaded[1], "morgen 9 Uhr", BERLIN)
    assert isinstance(scheduled, Scheduled)
    await seed_participant(db, program, 2004, "Lena Late", NOW)
    async with db.session() as session:
        assert await broadcasts.start_scheduled(session, scheduled.broadcast_id, NOW)
    async with db.session() as session:
        assert not await broadcasts.start_scheduled(session, scheduled.broadcast_id, NOW)
        recipients = sorted((await session.scalars(select(Delivery.user_id))).all())
    assert recipients == [2000, 2001, 2002, 2004]


async def test_retry_and_resend_only_what_is_left_and_only_ones_own(db: Database) -> None:
    program, other = await seed(db)
    broadcast_id = await seed_broadcast(db, program, TEXT, NOW)
    async with db.session() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.user_id))).all()
        rows[0].state = DeliveryState.FAILED
        rows[1].state = DeliveryState.INTERRUPTED
        rows[2].state = DeliveryState.SENT
    scoped: dict[str, object] = {"coordinator": True, "scope": frozenset({other})}
    for use_case in (broadcasts.retry, broadcasts.resend_interrupted):
        again = partial(use_case, broadcast_id=broadcast_id)
        assert await run(db, COORDINATOR, again, **scoped) == 0
        assert await run(db, 2001, again) == 0  # a participant
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await broadcasts.retry(uow, broadcast_id) == 1
        assert uow.broadcasts == [broadcast_id]
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await broadcasts.resend_interrupted(uow, broadcast_id) == 1
        assert await broadcasts.resend_interrupted(uow, 2**31 - 1) == 0
        assert uow.broadcasts == [broadcast_id]
    async with db.session() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.user_id))).all()
    assert [(r.state, r.resent) for r in rows] == [
        ("pending", False),
        ("pending", True),
        ("sent", False),
    ]


async def test_a_file_goes_with_it_and_back_keeps_text_and_file(db: Database) -> None:
    """A document with the text, a photo added (replacing it) once the text is there, back to
    the audience from the confirmation: text and file stay, and go into the broadcast."""
    program, _ = await seed(db)
    await run(
        db, COORDINATOR, lambda uow: broadcasts.choose_program(uow, program), coordinator=True
    )
    handbook = Attachment(AttachmentKind.DOCUMENT, "BQACdoc", "Handbuch.pdf")
    picture = Attachment(AttachmentKind.PHOTO, "AgACpic")

    async def write(html: str, raw: str, attachment: Attachment | None) -> bool:
        async with unit(db, COORDINATOR, coordinator=True) as uow:
            loaded = await conversation.load(uow, broadcasts.FLOW, BroadcastState)
            assert loaded is not None
            return await broadcasts.write(uow, loaded[1], html, raw, attachment)

    assert not await write("", "", None)  # neither text nor file
    assert await write("", "", handbook)  # a file alone
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        loaded = await conversation.load(uow, broadcasts.FLOW, BroadcastState)
        assert loaded is not None and loaded[0] == "audience"
        assert loaded[1].attachment == handbook
    assert await write(TEXT, "Stammtisch am Freitag", picture)  # a captioned photo instead
    assert await write("", "", handbook)  # the file again, without a caption: the text stays
    with pytest.raises(Stale):  # back from where there is nothing to go back from
        await run(db, COORDINATOR, broadcasts.back, coordinator=True)
    await run(
        db,
        COORDINATOR,
        lambda uow: broadcasts.choose_audience(uow, Audience.MENTORS, None),
        coordinator=True,
    )
    await run(db, COORDINATOR, broadcasts.later, coordinator=True)  # asked for the time
    state = await run(db, COORDINATOR, broadcasts.back, coordinator=True)
    assert (state.text, state.attachment) == (TEXT, handbook)
    with pytest.raises(Stale):  # back at the audience: the time's question is gone
        await run(db, COORDINATOR, broadcasts.later, coordinator=True)
    confirmation = await run(
        db,
        COORDINATOR,
        lambda uow: broadcasts.choose_audience(uow, Audience.MENTEES, None),
        coordinator=True,
    )
    assert confirmation.count == 2
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await broadcasts.send_now(uow) == 2
    async with db.session() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
    assert (broadcast.text, broadcast.file_kind, broadcast.file_id, broadcast.file_name) == (
        TEXT,
        AttachmentKind.DOCUMENT,
        "BQACdoc",
        "Handbuch.pdf",
    )
    assert broadcast.audience is Audience.MENTEES
