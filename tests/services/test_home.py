"""A partner's home as a use case: the partner, the next meeting, open proposals, meetings held
against the certificate's minimum, the agreement and the next events; only one's own tandems."""

from __future__ import annotations

import datetime as dt

import pytest

from core.certificates import DEFAULT_MIN_MEETINGS
from core.events import Answer
from services import home
from services import meetings as meeting_cases
from services.errors import Stale
from services.meetings import Where
from services.unit import UnitOfWork
from storage import events
from storage.db import Database
from storage.models import Program, Tandem
from tests.services.conftest import NOW, Pair, dissolve, run, seed_pair

START = NOW + dt.timedelta(days=2)
HOUR = dt.timedelta(hours=1)
LINK = "https://meet.example.org/tandem"


async def propose(
    db: Database, pair: Pair, by: int, where: Where, start: dt.datetime = START
) -> int:
    async def case(uow: UnitOfWork) -> int:
        tandem = await meeting_cases.pressed_tandem(uow, pair.tandem_id)
        made = await meeting_cases.propose(uow, tandem, start, start + HOUR, where, None)
        return made.meeting.id

    return await run(db, by, case)


async def only(db: Database, user_id: int, now: dt.datetime = NOW) -> home.Home:
    found = await run(db, user_id, home.mine, now=now)
    assert len(found.homes) == 1
    return found.homes[0]


async def test_a_new_tandem_has_nothing_yet_but_the_partner(db: Database) -> None:
    pair = await seed_pair(db)
    mine = await only(db, pair.mentee)
    assert mine.partner.user_id == pair.mentor and mine.me.user_id == pair.mentee
    assert mine.partner.company == "Alstom"
    assert mine.program is not None and mine.program.id == pair.program_id
    assert mine.next_meeting is None and mine.proposals == ()
    assert (mine.held, mine.minimum) == (0, DEFAULT_MIN_MEETINGS)
    assert (mine.i_agreed, mine.partner_agreed) == (False, False)
    assert mine.events == ()


async def test_a_proposal_from_the_partner_waits_for_my_answer(db: Database) -> None:
    pair = await seed_pair(db)
    meeting_id = await propose(db, pair, pair.mentor, Where(False, "Café", None))
    mentee = await only(db, pair.mentee)
    assert [(p.meeting.id, p.mine) for p in mentee.proposals] == [(meeting_id, False)]
    assert [p.meeting.id for p in mentee.theirs] == [meeting_id] and mentee.ours == ()
    assert mentee.next_meeting is None  # proposed is not agreed
    mentor = await only(db, pair.mentor)
    assert [p.meeting.id for p in mentor.ours] == [meeting_id] and mentor.theirs == ()


async def test_the_next_confirmed_meeting_online_with_its_link(db: Database) -> None:
    pair = await seed_pair(db)
    later = await propose(db, pair, pair.mentee, Where(True, None, LINK), START + 7 * 24 * HOUR)
    await run(db, pair.mentor, lambda uow: meeting_cases.accept(uow, later, 0))
    sooner = await propose(db, pair, pair.mentee, Where(True, None, LINK))
    await run(db, pair.mentor, lambda uow: meeting_cases.accept(uow, sooner, 0))
    mine = await only(db, pair.mentee)
    assert mine.next_meeting is not None and mine.next_meeting.id == sooner
    assert (mine.next_meeting.online, mine.next_meeting.link) == (True, LINK)
    assert mine.proposals == ()
    # During the meeting it is still the next one (the link to join); after it, the later one.
    during = await only(db, pair.mentee, START + HOUR / 2)
    assert during.next_meeting is not None and during.next_meeting.id == sooner
    after = await only(db, pair.mentee, START + 2 * HOUR)
    assert after.next_meeting is not None and after.next_meeting.id == later


async def test_meetings_held_count_as_for_the_certificate(db: Database) -> None:
    pair = await seed_pair(db)
    async with db.session() as session:
        program = await session.get(Program, pair.program_id)
        assert program is not None
        program.settings = {**(program.settings or {}), "min_meetings": 2}
    held = await propose(db, pair, pair.mentee, Where(False, "Café", None))
    await run(db, pair.mentor, lambda uow: meeting_cases.accept(uow, held, 0))
    open_one = await propose(db, pair, pair.mentee, Where(False, "Café", None), START + 24 * HOUR)
    after = START + 2 * HOUR
    mine = await only(db, pair.mentee, after)
    assert (mine.held, mine.minimum) == (1, 2)  # the unanswered proposal does not count
    assert [p.meeting.id for p in mine.ours] == [open_one]
    assert (await only(db, pair.mentee, START - HOUR)).held == 0  # not before it began
    # A mentor's second tandem in the program counts too, as the certificate does.
    second = await seed_pair(db, program_id=pair.program_id, base=3000)
    async with db.session() as session:
        tandem = await session.get(Tandem, second.tandem_id)
        mentor_tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None and mentor_tandem is not None
        tandem.mentor_id = mentor_tandem.mentor_id
    found = await run(db, pair.mentor, home.mine, now=after)
    assert len(found.homes) == 2 and {h.held for h in found.homes} == {1}
    assert {h.partner.user_id for h in found.homes} == {pair.mentee, second.mentee}


async def test_the_agreement_and_the_next_events(db: Database) -> None:
    pair = await seed_pair(db)
    async with db.session() as session:
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None
        tandem.mentor_agreed_at = NOW
        made = []
        for day in (20, 10, 30, 40):  # four planned; the three soonest are shown
            event = await events.create(
                session,
                program_id=pair.program_id,
                kind="kickoff",
                title=f"Event {day}",
                starts_at=NOW + dt.timedelta(days=day),
                place=None,
                created_by=None,
                now=NOW,
            )
            made.append(event)
        mentee_row = tandem.mentee_id
        await session.flush()
        await events.set_answer(session, made[1].id, mentee_row, Answer.YES, NOW)
    mentee = await only(db, pair.mentee)
    assert (mentee.i_agreed, mentee.partner_agreed) == (False, True)
    mentor = await only(db, pair.mentor)
    assert (mentor.i_agreed, mentor.partner_agreed) == (True, False)
    assert [(i.event.title, i.answer) for i in mentee.events] == [
        ("Event 10", Answer.YES),
        ("Event 20", None),
        ("Event 30", None),
    ]
    assert [i.answer for i in mentor.events] == [None, None, None]


async def test_someone_elses_tandem_is_not_visible(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_pair(db, base=3000)
    found = await run(db, other.mentee, home.mine)
    assert [h.tandem.id for h in found.homes] == [other.tandem_id]
    assert await run(db, 4242, home.mine) == home.Homes(())
    with pytest.raises(Stale):
        await run(db, other.mentee, lambda uow: home.introduction(uow, pair.tandem_id))
    side = await run(db, pair.mentee, lambda uow: home.introduction(uow, pair.tandem_id))
    assert side.partner.user_id == pair.mentor
    await dissolve(db, pair.tandem_id)
    assert (await run(db, pair.mentee, home.mine)).homes == ()
    with pytest.raises(Stale):
        await run(db, pair.mentee, lambda uow: home.introduction(uow, pair.tandem_id))
