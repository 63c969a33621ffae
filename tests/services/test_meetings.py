"""Meetings as use cases: the proposal dialog, accept, decline, another time, move, cancel, and
the rules that keep old buttons and other people's ids from changing anything."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.meetings import Act, MeetingStatus
from core.reminders import PROPOSAL_KINDS
from core.reminders import State as ReminderState
from services import conversation, proposal
from services import meetings as meeting_cases
from services.errors import Stale
from services.meetings import NotMoved, Where
from services.proposal import Draft, Moved, Proposed
from services.proposal_state import MeetState, Problem, Step
from services.unit import UnitOfWork
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, Meeting, Reminder
from tests.services.conftest import NOW, Pair, answered_stale, dissolve, run, seed_pair, unit

START = NOW + dt.timedelta(days=2)  # 2027-03-12 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


async def propose(db: Database, pair: Pair, start: dt.datetime = START) -> int:
    """A proposal by the mentee, as the dialog's last step makes it; its id."""

    async def case(uow: UnitOfWork) -> int:
        tandem = await meeting_cases.pressed_tandem(uow, pair.tandem_id)
        where = Where(False, "Café", None)
        made = await meeting_cases.propose(uow, tandem, start, start + HOUR, where, None)
        return made.meeting.id

    return await run(db, pair.mentee, case)


async def confirmed(db: Database, pair: Pair, start: dt.datetime = START) -> int:
    meeting_id = await propose(db, pair, start)
    await run(db, pair.mentor, lambda uow: meeting_cases.accept(uow, meeting_id, 0))
    return meeting_id


async def meeting_row(db: Database, meeting_id: int) -> Meeting:
    async with db.session() as session:
        found = await session.get(Meeting, meeting_id)
        assert found is not None
        return found


async def test_the_dialog_asks_each_missing_piece_and_sends_the_proposal(db: Database) -> None:
    pair = await seed_pair(db)

    async def begin(uow: UnitOfWork) -> Draft:
        return await proposal.begin(
            uow, await meeting_cases.pressed_tandem(uow, pair.tandem_id), "new"
        )

    assert (await run(db, pair.mentee, begin)).ask is Step.WHEN
    day = await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, START.date()))
    assert day.ask is Step.TIME and day.state.day == START.date()
    hour = await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(10, 0)))
    assert hour.ask is Step.DURATION and hour.state.start == START
    length = await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 90))
    assert length.ask is Step.PLACE
    online = await run(db, pair.mentee, lambda uow: proposal.pick_online(uow))
    assert online.ask is Step.LINK  # online, and the link not asked yet
    link = await run(db, pair.mentee, lambda uow: answer(uow, "link", "https://meet.example/x"))
    assert link.ask is Step.CONFIRM and link.state.link == "https://meet.example/x"
    sent = await run(db, pair.mentee, proposal.send)
    assert isinstance(sent, Proposed) and not sent.counter
    assert sent.parties.partner.user_id == pair.mentor
    meeting = await meeting_row(db, sent.parties.meeting.id)
    assert (meeting.status, meeting.online, meeting.link) == ("proposed", True, link.state.link)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(minutes=90)
    async with db.session() as session:
        assert await dialogs.get(session, pair.mentee) is None


async def answer(uow: UnitOfWork, step: str, text: str) -> Draft:
    loaded = await conversation.load(uow, proposal.FLOW, MeetState)
    assert loaded is not None and loaded[0] == step
    return await proposal.answer(uow, step, loaded[1], text)


async def test_typed_answers_are_checked_and_a_problem_keeps_the_step(db: Database) -> None:
    pair = await seed_pair(db)
    await run(db, pair.mentee, lambda uow: proposal.start_new(uow, pair.tandem_id))
    unreadable = await run(db, pair.mentee, lambda uow: answer(uow, "when", "irgendwann"))
    assert unreadable.ask is None and unreadable.problem is not None
    assert unreadable.problem.key == "meet.time.unreadable"
    past = await run(db, pair.mentee, lambda uow: answer(uow, "when", "09.03.2027 18:00"))
    assert past.problem is not None and past.problem.key == "meet.time.past"
    timed = await run(db, pair.mentee, lambda uow: answer(uow, "when", "12.03.2027 18:00"))
    assert timed.ask is Step.DURATION
    bad = await run(db, pair.mentee, lambda uow: answer(uow, "duration", "ewig"))
    assert bad.problem is not None and bad.problem.key == "meet.duration_bad"
    await run(db, pair.mentee, lambda uow: answer(uow, "duration", "60"))
    place = await run(db, pair.mentee, lambda uow: answer(uow, "place", "x" * 201))
    assert place.problem is not None and place.problem.values["length"] == 201
    summary = await run(db, pair.mentee, lambda uow: answer(uow, "place", "Café Central"))
    assert summary.ask is Step.CONFIRM and not summary.state.link_asked
    again = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "hallo?"))
    assert again.ask is None and again.problem == Problem("meet.summary_hint")


async def test_an_answer_after_the_tandem_ended_ends_the_dialog(db: Database) -> None:
    pair = await seed_pair(db)
    await run(db, pair.mentee, lambda uow: proposal.start_new(uow, pair.tandem_id))
    await dissolve(db, pair.tandem_id)
    gone = await answered_stale(db, pair.mentee, lambda uow: answer(uow, "when", "morgen 10"))
    assert gone.key == "tandem.none"
    async with db.session() as session:
        assert await dialogs.get(session, pair.mentee) is None
        assert (await session.scalars(select(Meeting))).all() == []


async def test_a_dialog_stored_before_the_state_was_typed_carries_on(db: Database) -> None:
    pair = await seed_pair(db)
    old = {
        "tandem": pair.tandem_id,
        "mode": "new",
        "day": "2027-03-12",
        "start": "2027-03-12T09:00:00+00:00",
        "duration": 60,
        "online": True,
        "place": None,
    }
    async with db.session() as session:
        await dialogs.save(session, pair.mentee, flow="meet", step="link", data=old, now=NOW)
    draft = await run(db, pair.mentee, lambda uow: proposal.skip_link(uow))
    assert draft.ask is Step.CONFIRM and draft.state.start == START
    async with db.session() as session:
        stored = await dialogs.get(session, pair.mentee)
        assert stored is not None
        assert set(stored.data) == set(old) | {"link", "meeting", "version"}
    # A fresh online proposal stores no "link" until it is asked: the key's absence asks it.
    assert "link" not in MeetState(tandem=1, mode="new", online=True).model_dump(mode="json")


async def test_dialog_buttons_of_another_step_or_without_a_dialog_are_stale(db: Database) -> None:
    pair = await seed_pair(db)
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 60))
    with pytest.raises(Stale):
        await run(db, pair.mentee, proposal.stop)
    await run(db, pair.mentee, lambda uow: proposal.start_new(uow, pair.tandem_id))
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 60))  # wrong step
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(9)))  # no day
    with pytest.raises(Stale):
        await run(db, pair.mentee, proposal.send)
    await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, START.date()))
    await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(11)))
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 61))  # not a choice
    await run(db, pair.mentee, proposal.stop)
    async with db.session() as session:
        assert await dialogs.get(session, pair.mentee) is None


async def test_a_time_that_passed_while_the_dialog_sat_is_asked_again(db: Database) -> None:
    pair = await seed_pair(db)
    soon = NOW + HOUR
    await run(db, pair.mentee, lambda uow: proposal.start_new(uow, pair.tandem_id))
    await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, soon.date()))
    await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(11)))
    await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 60))
    await run(db, pair.mentee, lambda uow: answer(uow, "place", "Kantine"))
    late = await run(db, pair.mentee, proposal.send, now=soon + HOUR)
    assert isinstance(late, Draft) and late.ask is Step.TIME
    assert late.problem is not None and late.problem.key == "meet.time.past"
    async with db.session() as session:
        assert (await session.scalars(select(Meeting))).all() == []


async def test_accept_confirms_plans_reminders_and_refuses_the_proposer(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await propose(db, pair)
    with pytest.raises(Stale) as own:
        await run(db, pair.mentee, lambda uow: meeting_cases.accept(uow, meeting_id, 0))
    assert own.value.key == "meet.changed_alert"
    async with unit(db, pair.mentor) as uow:
        found = await meeting_cases.accept(uow, meeting_id, 0)
        planned = list(uow.planned)
    assert found.partner.user_id == pair.mentee and found.me.user_id == pair.mentor
    assert planned  # armed by the caller after the commit
    async with db.session() as session:
        query = select(Reminder.id).where(Reminder.kind.notin_(PROPOSAL_KINDS))
        rows = (await session.scalars(query)).all()
        asked = (
            await session.scalars(select(Reminder.state).where(Reminder.kind.in_(PROPOSAL_KINDS)))
        ).all()
    assert sorted(rows) == sorted(rid for rid, _ in planned)
    assert asked == ["cancelled", "cancelled"]  # the proposal was answered
    assert (await meeting_row(db, meeting_id)).status == MeetingStatus.CONFIRMED
    with pytest.raises(Stale):  # accepted already: the button is used up
        await run(db, pair.mentor, lambda uow: meeting_cases.accept(uow, meeting_id, 0))


async def test_strangers_old_versions_and_forged_ids_change_nothing(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_pair(db, program_id=pair.program_id, base=3000)
    meeting_id = await propose(db, pair)
    for user, meeting, version in (
        (4242, meeting_id, 0),  # a stranger
        (other.mentor, meeting_id, 0),  # someone from another tandem
        (pair.mentor, meeting_id, 1),  # a version that never was
        (pair.mentor, 2**31 - 1, 0),  # a forged id
    ):
        for case in (meeting_cases.accept, meeting_cases.decline, meeting_cases.cancel):
            async with unit(db, user) as uow:  # committed: the refusal's audit row stays
                with pytest.raises(Stale):
                    await case(uow, meeting, version)
    assert (await meeting_row(db, meeting_id)).status == MeetingStatus.PROPOSED
    async with db.session() as session:
        refused = (
            await session.scalars(select(AuditEntry.user_id).where(AuditEntry.action == "refused"))
        ).all()
    assert set(refused) == {4242, other.mentor}


async def test_decline_and_another_time(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await propose(db, pair)
    draft = await run(
        db, pair.mentor, lambda uow: proposal.reconsider(uow, meeting_id, 0, Act.OTHER_TIME)
    )
    assert draft.ask is Step.WHEN and draft.state.mode == "counter"
    assert (draft.state.meeting, draft.state.duration, draft.state.place) == (
        meeting_id,
        60,
        "Café",
    )
    declined = await run(db, pair.mentor, lambda uow: meeting_cases.decline(uow, meeting_id, 0))
    assert declined.partner.user_id == pair.mentee
    assert (await meeting_row(db, meeting_id)).status == MeetingStatus.DECLINED


async def test_a_move_makes_a_new_version_and_an_old_button_is_refused(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    draft = await run(
        db, pair.mentee, lambda uow: proposal.reconsider(uow, meeting_id, 0, Act.MOVE)
    )
    assert draft.state.mode == "move" and draft.state.link_asked  # kept from the meeting
    later = START + dt.timedelta(days=1)
    await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, later.date()))
    summary = await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(10)))
    assert summary.ask is Step.CONFIRM
    async with unit(db, pair.mentee) as uow:
        moved = await proposal.send(uow)
        assert uow.planned
    assert isinstance(moved, Moved)
    meeting = await meeting_row(db, meeting_id)
    assert (meeting.version, meeting.starts_at) == (1, later)
    with pytest.raises(Stale) as old:
        await run(db, pair.mentor, lambda uow: meeting_cases.cancel(uow, meeting_id, 0))
    assert old.value.key == "meet.changed_alert"
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "meeting_moved" in actions


async def test_a_move_of_a_meeting_changed_meanwhile_is_not_made(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    await run(db, pair.mentee, lambda uow: proposal.reconsider(uow, meeting_id, 0, Act.MOVE))
    await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, START.date()))
    await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(15)))
    await run(db, pair.mentor, lambda uow: meeting_cases.cancel(uow, meeting_id, 0))
    sent = await run(db, pair.mentee, proposal.send)
    assert sent == NotMoved(held=False)


async def test_cancel_withdraws_reminders_but_a_fact_stays(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    began = START + dt.timedelta(minutes=5)
    for case in (
        meeting_cases.cancel,
        lambda uow, m, v: meeting_cases.pressed(uow, m, v, Act.MOVE),
    ):
        with pytest.raises(Stale) as fact:
            await run(db, pair.mentee, lambda uow, c=case: c(uow, meeting_id, 0), now=began)  # type: ignore[misc]
        assert (fact.value.key, fact.value.edit) == ("meet.already_held", True)
    cancelled = await run(db, pair.mentee, lambda uow: meeting_cases.cancel(uow, meeting_id, 0))
    assert cancelled.was_confirmed and cancelled.parties.partner.user_id == pair.mentor
    assert (await meeting_row(db, meeting_id)).status == MeetingStatus.CANCELLED
    async with db.session() as session:
        pending = (
            await session.scalars(select(Reminder).where(Reminder.state == ReminderState.PENDING))
        ).all()
    assert pending == []


async def test_only_introduced_tandems_count_and_a_foreign_tandem_is_stale(db: Database) -> None:
    pair = await seed_pair(db)
    hidden = await seed_pair(db, program_id=pair.program_id, base=3000, introduced=False)
    mine = await run(db, pair.mentor, meeting_cases.introduced_tandems)
    assert [t.id for t in mine] == [pair.tandem_id]
    assert await run(db, hidden.mentor, meeting_cases.introduced_tandems) == []
    for user, tandem_id in ((hidden.mentor, hidden.tandem_id), (4242, pair.tandem_id)):
        with pytest.raises(Stale):
            await run(db, user, lambda uow, t=tandem_id: proposal.start_new(uow, t))  # type: ignore[misc]


async def _at_summary(db: Database, pair: Pair) -> Draft:
    """The mentee's dialog at the summary: START, 90 minutes, in a café."""
    await run(db, pair.mentee, lambda uow: proposal.start_new(uow, pair.tandem_id))
    await run(db, pair.mentee, lambda uow: answer(uow, "when", "12.03.2027 10:00"))
    await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 90))
    summary = await run(db, pair.mentee, lambda uow: answer(uow, "place", "Café Central"))
    assert summary.ask is Step.CONFIRM and summary.state.start == START
    return summary


async def test_each_piece_of_the_summary_changes_alone_and_returns_to_it(db: Database) -> None:
    pair = await seed_pair(db)
    await _at_summary(db, pair)
    # The day: the hour is kept.
    asked = await run(db, pair.mentee, lambda uow: proposal.change(uow, "when"))
    assert asked.ask is Step.WHEN
    day = await run(db, pair.mentee, lambda uow: proposal.pick_day(uow, dt.date(2027, 3, 15)))
    assert day.ask is Step.CONFIRM and day.state.start == START + 3 * DAY
    # The hour, on that day.
    asked = await run(db, pair.mentee, lambda uow: proposal.change(uow, "time"))
    assert asked.ask is Step.TIME
    hour = await run(db, pair.mentee, lambda uow: proposal.pick_hour(uow, dt.time(17, 0)))
    assert hour.ask is Step.CONFIRM and hour.state.start == START + 3 * DAY + 7 * HOUR
    # The duration and the place; the link only once it is online.
    await run(db, pair.mentee, lambda uow: proposal.change(uow, "duration"))
    length = await run(db, pair.mentee, lambda uow: proposal.pick_duration(uow, 180))
    assert length.ask is Step.CONFIRM and length.state.duration == 180
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.change(uow, "link"))
    await run(db, pair.mentee, lambda uow: proposal.change(uow, "place"))
    place = await run(db, pair.mentee, lambda uow: answer(uow, "place", "Rathaus"))
    assert place.ask is Step.CONFIRM and place.state.place == "Rathaus"
    assert (place.state.start, place.state.duration) == (START + 3 * DAY + 7 * HOUR, 180)
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: proposal.change(uow, "confirm"))


async def test_text_typed_at_the_summary_is_read_as_a_change(db: Database) -> None:
    pair = await seed_pair(db)
    await _at_summary(db, pair)
    at = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "Montag 18 Uhr"))
    assert at.ask is Step.CONFIRM and at.state.start == dt.datetime(2027, 3, 15, 17, tzinfo=dt.UTC)
    hour = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "17:30"))
    assert hour.state.start == dt.datetime(2027, 3, 15, 16, 30, tzinfo=dt.UTC)  # same day
    day = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "25.3."))
    assert day.state.start == dt.datetime(2027, 3, 25, 16, 30, tzinfo=dt.UTC)  # same hour
    past = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "1.3.2027 10:00"))
    assert past.ask is None and past.problem == Problem("meet.time.past")
    link = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "https://meet.example/t"))
    assert link.ask is Step.CONFIRM
    assert (link.state.online, link.state.place, link.state.link) == (
        True,
        None,
        "https://meet.example/t",
    )
    hint = await run(db, pair.mentee, lambda uow: answer(uow, "confirm", "Café Müller"))
    assert hint.ask is None and hint.problem == Problem("meet.summary_hint")
    sent = await run(db, pair.mentee, proposal.send)
    assert isinstance(sent, Proposed)
    meeting = await meeting_row(db, sent.parties.meeting.id)
    assert (meeting.starts_at, meeting.online, meeting.link) == (
        dt.datetime(2027, 3, 25, 16, 30, tzinfo=dt.UTC),
        True,
        "https://meet.example/t",
    )
