"""Feedback after a meeting as use cases: whether it took place (once, disputes when the
partners disagree), rating and note, the fit question once per partner, and a meeting recorded
afterwards that counts only once the partner confirms it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.meetings import MeetingStatus, Outcome
from services import conversation, feedback, meeting_log
from services import meetings as meeting_cases
from services.errors import Stale
from services.feedback import Answered, NoteState, Verified
from services.meeting_log import Logged, LogState, Recording
from services.proposal_state import Problem
from services.unit import UnitOfWork
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, Meeting, MeetingFeedback
from tests.services.conftest import (
    COORDINATOR,
    NOW,
    Pair,
    answered_stale,
    dissolve,
    run,
    seed_pair,
)
from tests.services.test_meetings import START, confirmed, meeting_row, propose

AFTER = START + dt.timedelta(hours=2)  # the meeting is over


async def test_an_answer_stands_and_contradicting_answers_dispute(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    held = await run(
        db, pair.mentee, lambda uow: feedback.took_place(uow, meeting_id, Outcome.HELD), now=AFTER
    )
    assert isinstance(held, Answered) and held.outcome is Outcome.HELD
    with pytest.raises(Stale) as again:
        await run(
            db,
            pair.mentee,
            lambda uow: feedback.took_place(uow, meeting_id, Outcome.CANCELLED),
            now=AFTER,
        )
    assert (again.value.key, again.value.edit) == ("fb.already", True)
    with pytest.raises(Stale):  # nobody answers "disputed" themselves
        await run(
            db,
            pair.mentor,
            lambda uow: feedback.took_place(uow, meeting_id, Outcome.DISPUTED),
            now=AFTER,
        )
    await run(
        db,
        pair.mentor,
        lambda uow: feedback.took_place(uow, meeting_id, Outcome.POSTPONED),
        now=AFTER,
    )
    assert (await meeting_row(db, meeting_id)).outcome == Outcome.DISPUTED


async def test_feedback_is_about_own_meetings_that_began(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_pair(db, program_id=pair.program_id, base=3000)
    meeting_id = await confirmed(db, pair)
    for user, when in ((pair.mentee, NOW), (other.mentee, AFTER), (4242, AFTER)):
        with pytest.raises(Stale):
            await run(
                db,
                user,
                lambda uow: feedback.took_place(uow, meeting_id, Outcome.HELD),
                now=when,
            )
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: feedback.rate(uow, 2**31 - 1, 3), now=AFTER)
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: feedback.rate(uow, meeting_id, 6), now=AFTER)
    async with db.session() as session:
        assert (await session.scalars(select(MeetingFeedback))).all() == []


async def rate_and_note(db: Database, user: int, meeting_id: int, note: str) -> feedback.Noted:
    await run(db, user, lambda uow: feedback.rate(uow, meeting_id, 4), now=AFTER)

    async def write(uow: UnitOfWork) -> feedback.Noted:
        loaded = await conversation.load(uow, feedback.NOTE_FLOW, NoteState)
        assert loaded is not None and loaded[1].meeting == meeting_id
        return await feedback.note(uow, loaded[1], note)

    return await run(db, user, write, now=AFTER)


async def test_rating_then_the_note_then_the_fit_question_once_per_partner(db: Database) -> None:
    pair = await seed_pair(db)
    first = await confirmed(db, pair)
    second = await confirmed(db, pair, START + dt.timedelta(minutes=90))
    bad = await rate_and_note(db, pair.mentee, first, "/start")
    assert bad.problem == Problem("fb.comment_bad", limit=500, length=6)
    async with db.session() as session:
        assert await dialogs.get(session, pair.mentee) is not None  # asked again
    noted = await rate_and_note(db, pair.mentee, first, "Sehr hilfreich.")
    assert noted.problem is None and noted.ask_fit
    async with db.session() as session:
        row = (await session.scalars(select(MeetingFeedback))).one()
        assert (row.took_place, row.rating, row.comment) == ("held", 4, "Sehr hilfreich.")
        assert await dialogs.get(session, pair.mentee) is None
    # The next meeting's feedback does not ask again: the question belongs to the tandem.
    await run(db, pair.mentee, lambda uow: feedback.rate(uow, second, 5), now=AFTER)
    found, ask_fit = await run(
        db, pair.mentee, lambda uow: feedback.skip_note(uow, second), now=AFTER
    )
    assert not ask_fit and found.meeting.id == second
    # The partner is asked on their own.
    _, partner_asked = await run(
        db, pair.mentor, lambda uow: feedback.skip_note(uow, first), now=AFTER
    )
    assert partner_asked


async def test_does_not_fit_goes_to_the_coordinators_and_is_answered_once(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    await run(db, pair.mentee, lambda uow: feedback.skip_note(uow, meeting_id), now=AFTER)
    told = await run(
        db,
        pair.mentee,
        lambda uow: feedback.fits(uow, meeting_id, False),
        now=AFTER,
    )
    assert [user_id for user_id, _ in told.coordinators] == [COORDINATOR]
    assert told.parties.me.user_id == pair.mentee
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: feedback.fits(uow, meeting_id, True), now=AFTER)
    rematch = await run(
        db,
        pair.mentee,
        lambda uow: feedback.rematch(uow, meeting_id, True),
        now=AFTER,
    )
    assert [user_id for user_id, _ in rematch.coordinators] == [COORDINATOR]
    with pytest.raises(Stale):
        await run(
            db,
            pair.mentee,
            lambda uow: feedback.rematch(uow, meeting_id, False),
            now=AFTER,
        )
    # "Fits" tells nobody, and a rematch without a "does not fit" is refused.
    fits = await run(db, pair.mentor, lambda uow: feedback.fits(uow, meeting_id, True), now=AFTER)
    assert fits.coordinators == []
    with pytest.raises(Stale):
        await run(
            db,
            pair.mentor,
            lambda uow: feedback.rematch(uow, meeting_id, True),
            now=AFTER,
        )
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("fit") == 2


async def log(db: Database, pair: Pair, text: str, *, now: dt.datetime = AFTER) -> Recording:
    await run(db, pair.mentee, lambda uow: meeting_log.begin(uow, pair.tandem_id), now=now)

    async def typed(uow: UnitOfWork) -> Recording:
        loaded = await conversation.load(uow, meeting_log.LOG_FLOW, LogState)
        assert loaded is not None
        return await meeting_log.answer(uow, loaded[1], text)

    return await run(db, pair.mentee, typed, now=now)


async def test_a_recorded_meeting_counts_once_the_partner_confirms(db: Database) -> None:
    pair = await seed_pair(db)
    summary = await log(db, pair, "gestern")
    assert summary.problem is None and summary.state.timed is False
    logged = await run(db, pair.mentee, lambda uow: meeting_log.confirm(uow, True), now=AFTER)
    assert isinstance(logged, Logged) and logged.day == dt.date(2027, 3, 11)
    meeting_id = logged.parties.meeting.id
    with pytest.raises(Stale) as own:  # the recorder does not confirm their own record
        await run(db, pair.mentee, lambda uow: feedback.verify(uow, meeting_id, True), now=AFTER)
    assert own.value.key == "fb.verify_decided"
    # The partner's "held" to the took-place question is the confirmation.
    verified = await run(
        db, pair.mentor, lambda uow: feedback.took_place(uow, meeting_id, Outcome.HELD), now=AFTER
    )
    assert isinstance(verified, Verified) and verified.held
    assert verified.parties.partner.user_id == pair.mentee
    meeting = await meeting_row(db, meeting_id)
    assert meeting.status == MeetingStatus.LOGGED and meeting.confirmed_at == AFTER
    with pytest.raises(Stale):  # decided once
        await run(db, pair.mentor, lambda uow: feedback.verify(uow, meeting_id, False), now=AFTER)


async def test_a_rejected_record_frees_its_day_and_one_day_is_recorded_once(db: Database) -> None:
    pair = await seed_pair(db)
    await log(db, pair, "gestern")
    first = await run(db, pair.mentee, lambda uow: meeting_log.confirm(uow, True), now=AFTER)
    assert isinstance(first, Logged)
    taken = await log(db, pair, "gestern")
    assert taken.problem == Problem("fb.log_taken", date=dt.date(2027, 3, 11))
    rejected = await run(
        db,
        pair.mentor,
        lambda uow: feedback.verify(uow, first.parties.meeting.id, False),
        now=AFTER,
    )
    assert not rejected.held
    assert (await log(db, pair, "gestern")).problem is None
    async with db.session() as session:
        statuses = (await session.scalars(select(Meeting.status))).all()
    assert statuses == [MeetingStatus.DECLINED]


async def test_a_record_outside_the_tandems_lifetime_or_unreadable_is_refused(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    assert (await log(db, pair, "01.03.2027")).problem == Problem(
        "fb.log_before_tandem", since=NOW.date()
    )
    assert (await log(db, pair, "morgen")).problem == Problem("fb.log_not_yet")
    assert (await log(db, pair, "blau")).problem == Problem("fb.log_bad")
    with pytest.raises(Stale):  # no summary to confirm
        await run(db, pair.mentee, lambda uow: meeting_log.confirm(uow, True), now=AFTER)
    with pytest.raises(Stale):
        await run(db, 4242, lambda uow: meeting_log.begin(uow, pair.tandem_id), now=AFTER)


async def test_a_discarded_record_stores_nothing_and_an_offer_lists_open_meetings(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    await log(db, pair, "heute")
    assert await run(db, pair.mentee, lambda uow: meeting_log.confirm(uow, False)) is None
    meeting_id = await confirmed(db, pair)
    await propose(db, pair, START + dt.timedelta(days=1))  # not yet: not offered

    async def offer(uow: UnitOfWork) -> list[int]:
        tandem = await meeting_cases.pressed_tandem(uow, pair.tandem_id)
        return [m.id for m in (await feedback.offer(uow, tandem)).open]

    assert await run(db, pair.mentor, offer, now=AFTER) == [meeting_id]
    await run(
        db, pair.mentor, lambda uow: feedback.took_place(uow, meeting_id, Outcome.HELD), now=AFTER
    )
    assert await run(db, pair.mentor, offer, now=AFTER) == []
    assert await run(db, pair.mentee, offer, now=AFTER) == [meeting_id]


async def test_a_note_or_record_after_the_tandem_ended_ends_the_dialog(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await confirmed(db, pair)
    await run(db, pair.mentee, lambda uow: feedback.rate(uow, meeting_id, 4), now=AFTER)

    async def note(uow: UnitOfWork) -> feedback.Noted:
        loaded = await conversation.load(uow, feedback.NOTE_FLOW, NoteState)
        assert loaded is not None
        return await feedback.note(uow, loaded[1], "Schön war es")

    async def record(uow: UnitOfWork) -> Recording:
        loaded = await conversation.load(uow, meeting_log.LOG_FLOW, LogState)
        assert loaded is not None
        return await meeting_log.answer(uow, loaded[1], "gestern")

    await run(db, pair.mentor, lambda uow: meeting_log.begin(uow, pair.tandem_id), now=AFTER)
    async with db.session() as session:  # the mentee is asked for a note, the mentor for a day
        assert await dialogs.get(session, pair.mentee) is not None
        assert await dialogs.get(session, pair.mentor) is not None
    await dissolve(db, pair.tandem_id)
    for user, typed in ((pair.mentee, note), (pair.mentor, record)):
        assert (await answered_stale(db, user, typed)).key == "tandem.none"
        async with db.session() as session:
            assert await dialogs.get(session, user) is None
    async with db.session() as session:
        comments = (await session.scalars(select(MeetingFeedback.comment))).all()
        assert comments == [None]
        assert (await session.scalars(select(Meeting))).one().id == meeting_id


def test_the_handlers_register_the_flows_the_use_cases_store() -> None:
    from bot.dialogs import FLOWS
    from handlers import feedback as feedback_flow
    from handlers import meetings as meetings_flow
    from services import proposal, proposal_state

    assert feedback_flow.NOTE_FLOW == feedback.NOTE_FLOW
    assert feedback_flow.LOG_FLOW == meeting_log.LOG_FLOW
    assert meetings_flow.FLOW == proposal.FLOW
    assert FLOWS[proposal.FLOW].state is proposal_state.MeetState
    assert FLOWS[feedback.NOTE_FLOW].state is NoteState
    assert FLOWS[meeting_log.LOG_FLOW].state is LogState
