"""The report queries on SQLite and PostgreSQL: the figures of /stats, the export rows, and a
fixed number of queries however many tandems a program has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, update

from core.stats import at_risk
from storage import exports
from storage import reports as store
from storage.db import Database
from storage.models import Meeting, MeetingFeedback, Tandem, User
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
INJECTION = '=HYPERLINK("https://evil.example/?a=1&b=2","Klick")'
NOTE = "+49 Gutes Treffen; danach Kaffee\nZweite Zeile mit Umlauten: äöüß"


@dataclass
class Cohort:
    """A program with a tandem that met (A), a quiet one (B), a low-rated one (C), a dissolved
    one (D) and one not introduced yet (E); plus another program that must not count."""

    program: int
    other: int
    tandems: dict[str, int]
    people: dict[str, int]  # name -> user id
    meetings: dict[str, int]


async def seed_cohort(db: Database, now: dt.datetime = NOW) -> Cohort:
    program = await seed_program(db, now - 90 * DAY)
    other = await seed_program(db, now - 90 * DAY, "Anderes Programm")
    people: dict[str, int] = {}
    ids: dict[str, int] = {}

    async def person(
        key: str, user_id: int, name: str, role: str, status: str = "active", where: int = program
    ) -> None:
        people[key] = user_id
        ids[key] = await seed_participant(
            db, where, user_id, name, now - 85 * DAY, role=role, status=status
        )

    await person("maria", 2000, "Maria <b>Mentor</b> & Co", "mentor")
    await person("emil", 2001, "Emil Mentee", "mentee")
    await person("quentin", 2100, "Quentin <Quiet> & Co", "mentor")
    await person("hyper", 2101, INJECTION, "mentee")
    await person("lotte", 2200, "Lotte Low", "mentor")
    await person("leo", 2201, "Leo Low & Sohn", "mentee")
    await person("dora", 2300, "Dora Dissolved", "mentor")
    await person("dirk", 2301, "Dirk Dissolved", "mentee", status="left")
    await person("wanda", 2400, "Wanda Waiting", "mentor")
    await person("willi", 2401, "Willi Waiting", "mentee")
    await person("alma", 2500, "Alma Alone", "mentee")
    await person("paul", 2501, "Paul Pending", "mentee", status="pending")
    await person("rita", 2502, "Rita Rejected", "mentor", status="rejected")
    await person("otto", 2600, "Otto Other", "mentor", where=other)
    await person("olga", 2601, "Olga Other", "mentee", where=other)

    introduced = now - 80 * DAY
    tandems: dict[str, int] = {}
    meetings: dict[str, int] = {}
    async with db.session() as session:

        def tandem(key: str, mentor: str, mentee: str, **values: Any) -> Tandem:
            row = Tandem(
                program_id=values.pop("program_id", program),
                mentor_id=ids[mentor],
                mentee_id=ids[mentee],
                status=values.pop("status", "active"),
                created_at=now - 82 * DAY,
                introduced_at=values.pop("introduced_at", introduced),
                **values,
            )
            session.add(row)
            return row

        rows = {
            "A": tandem("A", "maria", "emil", mentor_agreed_at=introduced, mentee_agreed_at=now),
            "B": tandem("B", "quentin", "hyper", mentor_agreed_at=introduced),
            "C": tandem("C", "lotte", "leo", introduced_at=now - 40 * DAY),
            "D": tandem(
                "D",
                "dora",
                "dirk",
                status="dissolved",
                dissolved_at=now - 60 * DAY,
                dissolve_reason="=Chemie passt nicht",
            ),
            "E": tandem("E", "wanda", "willi", introduced_at=None),
            "O": tandem("O", "otto", "olga", program_id=other),
        }
        await session.flush()
        tandems = {key: row.id for key, row in rows.items()}

        def meeting(
            key: str,
            tandem_key: str,
            starts: dt.datetime,
            status: str = "confirmed",
            outcome: str | None = None,
            confirmed: bool = True,
        ) -> Meeting:
            row = Meeting(
                tandem_id=tandems[tandem_key],
                status=status,
                starts_at=starts,
                ends_at=starts + 2 * HOUR,
                online=key == "m1",
                proposed_by=2001,
                version=0,
                outcome=outcome,
                created_at=starts - 7 * DAY,
                updated_at=starts - 7 * DAY,
                confirmed_at=starts - 6 * DAY if confirmed else None,
            )
            session.add(row)
            return row

        m = {
            "m1": meeting("m1", "A", now - 10 * DAY, outcome="held"),  # held
            "m2": meeting("m2", "A", now + 5 * DAY),  # planned
            "m3": meeting("m3", "A", now - 20 * DAY, status="cancelled"),  # not held
            "m4": meeting("m4", "A", now + 3 * DAY, status="proposed", confirmed=False),
            "m5": meeting("m5", "B", now - 50 * DAY, status="logged", outcome="held"),  # held
            "m6": meeting("m6", "B", now - 30 * DAY, outcome="postponed"),  # not held
            "m7": meeting("m7", "C", now - 7 * DAY),  # held (no outcome yet counts)
            "m8": meeting("m8", "D", now - 70 * DAY, outcome="held"),  # held
            "m9": meeting("m9", "C", now - 3 * DAY, status="cancelled", confirmed=False),
            "m10": meeting("m10", "C", now + 9 * DAY, status="declined", confirmed=False),
            "mo": meeting("mo", "O", now - 15 * DAY, outcome="held"),  # the other program
        }
        await session.flush()
        meetings = {key: row.id for key, row in m.items()}

        def feedback(
            meeting_key: str, who: str, answered: bool = True, **values: Any
        ) -> MeetingFeedback:
            starts = m[meeting_key].starts_at
            row = MeetingFeedback(
                meeting_id=meetings[meeting_key],
                participant_id=ids[who],
                created_at=starts + 3 * HOUR,
                answered_at=starts + 4 * HOUR if answered else None,
                **values,
            )
            session.add(row)
            return row

        feedback("m1", "maria", took_place="held", rating=5)
        feedback("m1", "emil", took_place="held", rating=4, comment=NOTE, fits=True)
        feedback("m5", "hyper", took_place="held", rating=4, fits=False, rematch_requested=True)
        feedback("m5", "quentin", answered=False)  # asked, never answered
        feedback("m6", "quentin", took_place="postponed")
        feedback("m7", "lotte", took_place="held", rating=2)
        feedback("m7", "leo", took_place="held", rating=1)
        feedback("m8", "dora", took_place="held", rating=3)
        feedback("mo", "olga", took_place="held", rating=1)  # the other program
        await session.execute(
            update(User)
            .where(User.id.in_([people["leo"], people["paul"], people["rita"], people["otto"]]))
            .values(reachable=False)
        )
    return Cohort(program, other, tandems, people, meetings)


async def test_program_stats(db: Database) -> None:
    cohort = await seed_cohort(db)
    async with db.session() as session:
        stats = await store.program_stats(session, cohort.program, NOW)
    assert dict(stats.participants) == {
        ("mentor", "active"): 5,
        ("mentor", "rejected"): 1,
        ("mentee", "active"): 5,
        ("mentee", "left"): 1,
        ("mentee", "pending"): 1,
    }
    assert (stats.tandems_active, stats.tandems_dissolved) == (4, 1)
    assert (stats.agreement_both, stats.agreement_open, stats.tandems_waiting) == (1, 2, 1)
    assert (stats.meetings_held, stats.meetings_planned, stats.meetings_not_held) == (4, 1, 2)
    assert (stats.feedback_answers, stats.ratings) == (7, 6)
    assert stats.average_rating is not None
    assert abs(stats.average_rating - 19 / 6) < 1e-9
    assert stats.unreachable == ["Leo Low & Sohn", "Paul Pending"]

    health = {h.tandem_id: h for h in stats.tandems}
    assert set(health) == {cohort.tandems[k] for k in "ABCE"}
    a, b, c = (health[cohort.tandems[k]] for k in "ABC")
    assert a.last_met == NOW - 10 * DAY and a.average_rating == 4.5
    assert b.last_met == NOW - 50 * DAY and b.average_rating == 4.0
    assert c.last_met == NOW - 7 * DAY and c.average_rating == 1.5
    assert health[cohort.tandems["E"]].introduced_at is None
    risky = at_risk(stats.tandems, quiet_after_days=35, now=NOW)
    assert [(r.tandem.tandem_id, r.quiet_days, r.low_rating) for r in risky] == [
        (cohort.tandems["B"], 50, None),
        (cohort.tandems["C"], None, 1.5),
    ]


async def test_an_empty_program(db: Database) -> None:
    program = await seed_program(db, NOW)
    async with db.session() as session:
        stats = await store.program_stats(session, program, NOW)
        assert await exports.participant_rows(session, program) == []
        assert await exports.tandem_rows(session, program, NOW) == []
        assert await exports.meeting_rows(session, program) == []
        assert await exports.feedback_rows(session, program) == []
        assert await exports.held_meeting_times(session, [], NOW) == []
    assert stats.participants == {}
    assert (stats.tandems_active, stats.meetings_held, stats.feedback_answers) == (0, 0, 0)
    assert stats.average_rating is None and stats.tandems == [] and stats.unreachable == []


async def test_export_rows(db: Database) -> None:
    cohort = await seed_cohort(db)
    async with db.session() as session:
        participants = await exports.participant_rows(session, cohort.program)
        tandems = await exports.tandem_rows(session, cohort.program, NOW)
        meetings = await exports.meeting_rows(session, cohort.program)
        feedback = await exports.feedback_rows(session, cohort.program)
        times = await exports.held_meeting_times(session, [cohort.program, cohort.other], NOW)

    assert len(participants) == 13
    assert [p.role for p in participants[:6]] == ["mentor"] * 6  # mentors first, then by name
    by_name = {p.name: p for p in participants}
    assert by_name["Leo Low & Sohn"].reachable is False
    assert by_name["Emil Mentee"].reachable is True
    assert by_name[INJECTION].username is None and by_name["Dirk Dissolved"].status == "left"

    rows = {t.id: t for t in tandems}
    assert len(rows) == 5
    a = rows[cohort.tandems["A"]]
    assert (a.meetings_held, a.last_meeting, a.next_meeting) == (1, NOW - 10 * DAY, NOW + 5 * DAY)
    assert a.average_rating == 4.5 and a.mentor == "Maria <b>Mentor</b> & Co"
    d = rows[cohort.tandems["D"]]
    assert d.status == "dissolved" and d.dissolve_reason == "=Chemie passt nicht"
    assert (d.meetings_held, d.average_rating) == (1, 3.0)
    e = rows[cohort.tandems["E"]]
    assert (e.meetings_held, e.last_meeting, e.next_meeting, e.average_rating) == (
        0,
        None,
        None,
        None,
    )

    keys = {v: k for k, v in cohort.meetings.items()}
    assert [keys[m.id] for m in meetings] == ["m8", "m5", "m6", "m3", "m1", "m7", "m2"]
    assert all(m.starts_at.tzinfo is not None for m in meetings)

    assert len(feedback) == 7  # answered rows only
    note = next(f for f in feedback if f.note)
    assert note.note == NOTE and note.fits is True and note.participant == "Emil Mentee"
    assert any(f.rematch is True and f.participant == INJECTION for f in feedback)
    assert {f.took_place for f in feedback} == {"held", "postponed"}

    assert sorted(times) == sorted(
        [
            (cohort.program, NOW - 70 * DAY),
            (cohort.program, NOW - 50 * DAY),
            (cohort.program, NOW - 10 * DAY),
            (cohort.program, NOW - 7 * DAY),
            (cohort.other, NOW - 15 * DAY),
        ]
    )


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def _queries(db: Database, program: int) -> int:
    with counting(db) as statements:
        async with db.session() as session:
            await store.program_stats(session, program, NOW)
            await exports.tandem_rows(session, program, NOW)
            await exports.meeting_rows(session, program)
            await exports.feedback_rows(session, program)
            await exports.participant_rows(session, program)
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


async def test_queries_do_not_grow_with_the_tandems(db: Database) -> None:
    small = await seed_program(db, NOW, "Klein")
    large = await seed_program(db, NOW, "Groß")
    for program, count, base in ((small, 2, 10_000), (large, 12, 20_000)):
        pairs = []
        for i in range(count):
            mentor = await seed_participant(db, program, base + 2 * i, f"M{i}", NOW, role="mentor")
            mentee = await seed_participant(db, program, base + 2 * i + 1, f"E{i}", NOW)
            pairs.append((mentor, mentee))
        async with db.session() as session:
            for mentor, mentee in pairs:
                row = Tandem(
                    program_id=program,
                    mentor_id=mentor,
                    mentee_id=mentee,
                    status="active",
                    created_at=NOW - 60 * DAY,
                    introduced_at=NOW - 60 * DAY,
                )
                session.add(row)
                await session.flush()
                session.add(
                    Meeting(
                        tandem_id=row.id,
                        status="confirmed",
                        starts_at=NOW - 5 * DAY,
                        ends_at=NOW - 5 * DAY + HOUR,
                        proposed_by=base,
                        version=0,
                        created_at=NOW - 9 * DAY,
                        updated_at=NOW - 9 * DAY,
                    )
                )
    assert await _queries(db, small) == await _queries(db, large) <= 12
