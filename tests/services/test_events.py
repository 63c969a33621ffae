"""Program events as use cases: creating with invitations and reminders in one transaction,
answering, cancelling, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.events import Answer, EventKind, EventStatus
from services import conversation, events
from services.errors import Stale
from services.events import Draft, Reply
from services.unit import UnitOfWork
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, EventRsvp, ProgramEvent, Reminder, User
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit

START = NOW + dt.timedelta(days=30)
MARIA, EMIL, PAUSED, OUTSIDER = 3001, 3002, 3003, 3004


async def seed_cohort(db: Database) -> tuple[int, int]:
    """A program with two active participants and a paused one, and another program with an
    outsider; returns both programs' ids."""
    program_id = await seed_program(db, NOW)
    other = await seed_program(db, NOW, name="Braunschweig 2027")
    await seed_participant(db, program_id, MARIA, "Maria Mentor", NOW, role="mentor")
    await seed_participant(db, program_id, EMIL, "Emil Mentee", NOW)
    await seed_participant(db, program_id, PAUSED, "Paula Pause", NOW, status="paused")
    await seed_participant(db, other, OUTSIDER, "Otto Outsider", NOW)
    return program_id, other


async def draft_event(
    db: Database,
    program_id: int,
    starts_at: dt.datetime = START,
    *,
    ends_at: dt.datetime | None = None,
    capacity: str = "-",
    **actor: object,
) -> None:
    """The "new event" dialog walked up to its summary."""

    async def walk(uow: UnitOfWork) -> None:
        await events.begin(uow, program_id)
        await events.choose_kind(uow, EventKind.KICKOFF)
        loaded = await conversation.load(uow, events.FLOW, Draft)
        assert loaded is not None and loaded[0] == "title"
        draft = loaded[1]
        assert await events.name(uow, draft, "  Auftakt \n in   Salzgitter ") == (
            "Auftakt in Salzgitter"
        )
        await events.set_start(uow, draft, starts_at)
        await events.set_end(uow, draft, ends_at)
        assert await events.locate(uow, draft, "Rathaus")
        assert await events.limit(uow, draft, capacity)

    await run(db, COORDINATOR, walk, coordinator=True, **actor)


async def create_event(
    db: Database, program_id: int, *, ends_at: dt.datetime | None = None, capacity: str = "-"
) -> int:
    await draft_event(db, program_id, ends_at=ends_at, capacity=capacity)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        created = await events.create(uow)
        planned = list(uow.planned)
    assert created.card is not None
    assert planned, "the timers for the invitations are armed after the commit"
    return created.card.event.id


async def test_creating_plans_invitations_and_reminders_in_one_go(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    async with db.session() as session:
        event = await session.get(ProgramEvent, event_id)
        assert event is not None and event.title == "Auftakt in Salzgitter"
        assert event.place == "Rathaus" and event.kind == EventKind.KICKOFF
        rows = (await session.scalars(select(Reminder).where(Reminder.event_id == event_id))).all()
        invited = {r.user_id for r in rows if r.kind == "event_invite"}
        assert invited == {MARIA, EMIL}, "active participants only"
        assert len(rows) > len(invited), "reminders before the event, too"
        assert await dialogs.get(session, COORDINATOR) is None
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "event_created" in actions


async def test_a_summary_that_waited_past_the_start_asks_the_time_again(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    await draft_event(db, program_id, starts_at=NOW + dt.timedelta(minutes=5))
    later = NOW + dt.timedelta(hours=1)
    created = await run(db, COORDINATOR, events.create, coordinator=True, now=later)
    assert created.card is None
    async with db.session() as session:
        assert (await session.scalars(select(ProgramEvent))).all() == []
        dialog = await dialogs.get(session, COORDINATOR)
        assert dialog is not None and dialog.step == "when"


async def test_a_draft_stored_by_the_previous_version_still_creates(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    async with db.session() as session:
        await dialogs.save(
            session,
            COORDINATOR,
            flow="event",
            step="confirm",
            data={
                "program_id": program_id,
                "kind": "workshop",
                "title": "Workshop",
                "starts_at": START.isoformat(),
                "place": None,
            },
            now=NOW,
        )
    created = await run(db, COORDINATOR, events.create, coordinator=True)
    assert created.card is not None
    assert created.card.event.starts_at == START and created.card.event.place is None


async def test_dialog_buttons_of_another_step_or_without_a_dialog_are_stale(
    db: Database,
) -> None:
    program_id, _ = await seed_cohort(db)
    with pytest.raises(Stale):  # no dialog at all
        await run(db, COORDINATOR, events.create, coordinator=True)
    await run(db, COORDINATOR, lambda uow: events.begin(uow, program_id), coordinator=True)
    with pytest.raises(Stale) as raised:  # the summary's button while the kind is asked
        await run(db, COORDINATOR, events.create, coordinator=True)
    assert raised.value.edit
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: events.take_default_title(uow, str), coordinator=True
        )


async def test_only_a_coordinator_of_the_program_starts_an_event(db: Database) -> None:
    program_id, other = await seed_cohort(db)
    for user, actor in (
        (MARIA, {}),  # a participant
        (COORDINATOR, {"coordinator": True, "scope": frozenset({other})}),  # of another program
    ):
        with pytest.raises(Stale):
            await run(db, user, lambda uow: events.begin(uow, program_id), **actor)
    with pytest.raises(Stale):  # a forged id
        await run(db, COORDINATOR, lambda uow: events.begin(uow, 2**31 - 1), coordinator=True)
    async with db.session() as session:
        assert await dialogs.get(session, COORDINATOR) is None
        assert await dialogs.get(session, MARIA) is None


async def test_a_draft_of_a_program_no_longer_coordinated_ends(db: Database) -> None:
    program_id, other = await seed_cohort(db)
    await draft_event(db, program_id)

    async def text(uow: UnitOfWork) -> object:
        loaded = await conversation.load(uow, events.FLOW, Draft)
        assert loaded is not None
        return await events.draft_program(uow, *loaded)

    scoped = {"coordinator": True, "scope": frozenset({other})}
    assert await run(db, COORDINATOR, text, **scoped) is None
    async with db.session() as session:
        assert await dialogs.get(session, COORDINATOR) is None


async def test_titles_and_places_are_one_line_within_their_limits(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    draft = Draft(program_id=program_id, kind=EventKind.NETWORK)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await events.name(uow, draft, "   ") is None
        assert await events.name(uow, draft, "x" * (events.MAX_TITLE + 1)) is None
        assert await events.name(uow, draft, "x" * events.MAX_TITLE) is not None
        assert not await events.locate(uow, draft, "y" * (events.MAX_PLACE + 1))
        assert await events.locate(uow, draft, " - ")
    assert draft.place is None, "a dash means no place"


async def test_answers_from_active_participants_only(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    yes = await run(db, MARIA, lambda uow: events.answer(uow, event_id, Answer.YES))
    assert yes.reply is Reply.RECORDED and yes.invitation.answer == Answer.YES
    no = await run(db, MARIA, lambda uow: events.answer(uow, event_id, Answer.NO))
    assert no.reply is Reply.RECORDED
    for stranger in (OUTSIDER, PAUSED, 4242):
        refused = await run(db, stranger, lambda uow: events.answer(uow, event_id, Answer.YES))
        assert refused.reply is Reply.NOT_INVITED
    with pytest.raises(Stale):
        await run(db, MARIA, lambda uow: events.answer(uow, 2**31 - 1, Answer.YES))
    async with db.session() as session:
        rows = (await session.scalars(select(EventRsvp))).all()
        assert [r.answer for r in rows] == [Answer.NO], "one row, the latest answer"
        refusals = await session.scalars(
            select(AuditEntry.user_id).where(AuditEntry.action == "refused")
        )
        assert sorted(r or 0 for r in refusals) == [PAUSED, OUTSIDER, 4242]
    invitations = await run(db, EMIL, events.my_invitations)
    assert [(i.event.id, i.answer) for i in invitations] == [(event_id, None)]
    assert await run(db, OUTSIDER, events.my_invitations) == []


async def test_the_first_yes_is_when_the_event_goes_into_the_calendar(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)

    async def say(given: Answer) -> bool:
        answered = await run(db, MARIA, lambda uow: events.answer(uow, event_id, given))
        return answered.accepted

    assert [await say(a) for a in (Answer.NO, Answer.YES, Answer.YES)] == [False, True, False]
    assert [await say(a) for a in (Answer.NO, Answer.YES)] == [False, True]


async def test_a_yes_taken_back_is_when_the_event_leaves_the_calendar(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)

    async def say(given: Answer) -> bool:
        answered = await run(db, MARIA, lambda uow: events.answer(uow, event_id, given))
        return answered.withdrawn

    answers = (Answer.NO, Answer.YES, Answer.NO, Answer.NO, Answer.YES, Answer.NO)
    assert [await say(a) for a in answers] == [False, False, True, False, False, True]


async def test_a_cancellation_names_who_had_accepted(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    await run(db, MARIA, lambda uow: events.answer(uow, event_id, Answer.YES))
    await run(db, EMIL, lambda uow: events.answer(uow, event_id, Answer.NO))
    cancelled = await run(
        db, COORDINATOR, lambda uow: events.cancel(uow, event_id), coordinator=True
    )
    assert sorted(p.user_id or 0 for p in cancelled.told) == [MARIA, EMIL]
    assert [p.user_id for p in cancelled.accepted] == [MARIA]


async def test_no_answer_once_the_event_has_begun_or_was_cancelled(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    started = START + dt.timedelta(minutes=1)
    over = await run(db, MARIA, lambda uow: events.answer(uow, event_id, Answer.YES), now=started)
    assert over.reply is Reply.OVER
    await run(db, COORDINATOR, lambda uow: events.cancel(uow, event_id), coordinator=True)
    cancelled = await run(db, MARIA, lambda uow: events.answer(uow, event_id, Answer.YES))
    assert cancelled.reply is Reply.CANCELLED
    async with db.session() as session:
        assert (await session.scalars(select(EventRsvp))).all() == []


async def test_cancelling_tells_the_reachable_and_drops_the_reminders(db: Database) -> None:
    program_id, other = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    async with db.session() as session:
        emil = await session.get(User, EMIL)
        assert emil is not None
        emil.reachable = False
    scoped = {"coordinator": True, "scope": frozenset({other})}
    for user, actor in ((MARIA, {}), (COORDINATOR, scoped)):
        with pytest.raises(Stale):
            await run(db, user, lambda uow: events.cancel(uow, event_id), **actor)
    cancelled = await run(
        db, COORDINATOR, lambda uow: events.cancel(uow, event_id), coordinator=True
    )
    assert cancelled.done and not cancelled.card.cancellable
    assert [p.user_id for p in cancelled.told] == [MARIA]
    again = await run(db, COORDINATOR, lambda uow: events.cancel(uow, event_id), coordinator=True)
    assert not again.done and again.told == []
    async with db.session() as session:
        event = await session.get(ProgramEvent, event_id)
        assert event is not None and event.status == EventStatus.CANCELLED
        states = await session.scalars(select(Reminder.state).where(Reminder.event_id == event_id))
        assert "pending" not in set(states)
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("event_cancelled") == 1


async def test_the_coordinators_listing_and_card(db: Database) -> None:
    program_id, other = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    await run(db, EMIL, lambda uow: events.answer(uow, event_id, Answer.YES))
    listing = await run(
        db, COORDINATOR, lambda uow: events.programs_listed(uow, open_single=True), coordinator=True
    )
    assert isinstance(listing, list), "two programs: a choice"
    scoped = {"coordinator": True, "scope": frozenset({program_id})}
    single = await run(
        db, COORDINATOR, lambda uow: events.programs_listed(uow, open_single=True), **scoped
    )
    assert isinstance(single, events.Listing) and [e.id for e in single.events] == [event_id]
    card = await run(db, COORDINATOR, lambda uow: events.card(uow, event_id), coordinator=True)
    assert [p.user_id for p in card.present.yes] == [EMIL]
    assert [p.user_id for p in card.present.open] == [MARIA]
    with pytest.raises(Stale):
        await run(
            db,
            COORDINATOR,
            lambda uow: events.card(uow, event_id),
            coordinator=True,
            scope=frozenset({other}),
        )
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: events.program_listing(uow, 2**31 - 1))
