"""The button "We have already met": one press records one of the last few days by the typed
dialog's rules (within the tandem's lifetime, not in the future, one per day, counted once the
partner confirms), and a recorded meeting awaiting confirmation holds off the nudges."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.meetings import MeetingStatus
from core.reminders import Policy
from services import conversation, feedback, meeting_log, scheduled
from services.errors import Stale
from services.meeting_log import Logged, LogState
from services.proposal_state import Problem
from storage import certificates, dialogs
from storage.db import Database
from storage.models import AuditEntry, Meeting, MeetingFeedback
from tests.services.conftest import NOW, answered_stale, dissolve, run, seed_pair, unit

DAY = dt.timedelta(days=1)
FRIDAY = NOW + 2 * DAY  # 2027-03-12 10:00 in Berlin; the tandem was formed on Wednesday the 10th
WEDNESDAY, THURSDAY = dt.date(2027, 3, 10), dt.date(2027, 3, 11)


async def test_a_pressed_day_is_recorded_and_counts_once_the_partner_confirms(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    offer = await run(db, pair.mentee, lambda uow: meeting_log.quick_days(uow, pair.tandem_id))
    assert offer.days == (WEDNESDAY,)  # the days before the tandem are not offered
    offer = await run(
        db, pair.mentee, lambda uow: meeting_log.quick_days(uow, pair.tandem_id), now=FRIDAY
    )
    assert offer.today == FRIDAY.date() and offer.days == (FRIDAY.date(), THURSDAY, WEDNESDAY)
    assert offer.partner.user_id == pair.mentor

    logged = await run(
        db,
        pair.mentee,
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, THURSDAY),
        now=FRIDAY,
    )
    assert isinstance(logged, Logged) and logged.day == THURSDAY
    assert logged.parties.partner.user_id == pair.mentor
    meeting = logged.parties.meeting
    # Noon in Berlin, as the dialog records a day without a time; held in the recorder's view.
    assert meeting.starts_at == dt.datetime(2027, 3, 11, 11, 0, tzinfo=dt.UTC)
    assert meeting.status == MeetingStatus.LOGGED and meeting.proposed_by == pair.mentee
    async with db.session() as session:
        assert (await session.scalars(select(MeetingFeedback.took_place))).all() == ["held"]
        assert "meeting_logged" in (await session.scalars(select(AuditEntry.action))).all()
        held = await certificates.meetings_held(session, pair.program_id, FRIDAY)
    assert sum(held.values()) == 0  # not before the partner confirms

    # The day is no longer offered, and a second press for it says why.
    offer = await run(
        db, pair.mentor, lambda uow: meeting_log.quick_days(uow, pair.tandem_id), now=FRIDAY
    )
    assert offer.days == (FRIDAY.date(), WEDNESDAY)
    again = await run(
        db,
        pair.mentor,
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, THURSDAY),
        now=FRIDAY,
    )
    assert again == Problem("fb.met_taken", date=THURSDAY)

    verified = await run(
        db, pair.mentor, lambda uow: feedback.verify(uow, meeting.id, True), now=FRIDAY
    )
    assert verified.held
    async with db.session() as session:
        held = await certificates.meetings_held(session, pair.program_id, FRIDAY)
    assert sorted(held.values()) == [1, 1]


async def test_today_before_noon_is_now_and_days_outside_the_lifetime_are_refused(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    morning = dt.datetime(2027, 3, 12, 7, 30, 20, tzinfo=dt.UTC)  # 08:30 in Berlin
    today = await run(
        db,
        pair.mentee,
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, morning.date()),
        now=morning,
    )
    assert isinstance(today, Logged)
    assert today.parties.meeting.starts_at == morning.replace(second=0)
    for day, problem in (
        (dt.date(2027, 3, 9), Problem("fb.met_before_tandem", since=WEDNESDAY)),
        (dt.date(2027, 3, 13), Problem("fb.log_not_yet")),
    ):
        refused = await run(
            db,
            pair.mentee,
            lambda uow, day=day: meeting_log.record_day(uow, pair.tandem_id, day),  # type: ignore[misc]
            now=morning,
        )
        assert refused == problem
    async with db.session() as session:
        assert len((await session.scalars(select(Meeting))).all()) == 1


async def test_a_press_ends_an_open_dialog_for_a_day_and_a_gone_tandem_is_stale(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    await run(db, pair.mentee, lambda uow: meeting_log.begin(uow, pair.tandem_id), now=FRIDAY)
    await run(
        db,
        pair.mentee,
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, THURSDAY),
        now=FRIDAY,
    )
    async with unit(db, pair.mentee, now=FRIDAY) as uow:
        assert await conversation.load(uow, meeting_log.LOG_FLOW, LogState) is None
    with pytest.raises(Stale):  # not one's own tandem
        await run(db, 4242, lambda uow: meeting_log.quick_days(uow, pair.tandem_id), now=FRIDAY)
    await dissolve(db, pair.tandem_id)
    for use_case in (
        lambda uow: meeting_log.quick_days(uow, pair.tandem_id),
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, FRIDAY.date()),
    ):
        assert (await answered_stale(db, pair.mentee, use_case)).alert
    async with db.session() as session:
        assert len((await session.scalars(select(Meeting))).all()) == 1
        assert await dialogs.get(session, pair.mentee) is None


async def test_a_recorded_meeting_awaiting_confirmation_holds_off_the_nudges(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    policy = Policy()
    recorded = NOW + 10 * DAY
    await run(
        db,
        pair.mentee,
        lambda uow: meeting_log.record_day(uow, pair.tandem_id, recorded.date()),
        now=recorded,
    )
    quiet = NOW + (policy.nudge_after_days + 1) * DAY  # five weeks after the introduction
    async with unit(db, 0, now=quiet) as uow:
        await scheduled.sweep(uow)
        assert uow.planned == []  # five weeks after the introduction, but not after the record
    later = recorded + (policy.nudge_after_days + 1) * DAY  # never confirmed: nudged again
    async with unit(db, 0, now=later) as uow:
        await scheduled.sweep(uow)
        assert len(uow.planned) == 2
