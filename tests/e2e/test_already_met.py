"""'Wir haben uns schon getroffen' end to end: from a nudge and from the tandem's home a meeting
held outside the bot is recorded with two presses, the partner confirms it as for a typed record,
and it counts; a second press for the same day, a press after the tandem ended and a forged press
are answered."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from core.tandems import TandemStatus
from fake_bot_api import FakeBotApi
from storage.db import Database
from storage.models import Meeting, Tandem
from tests.e2e.harness import advance, answer_of, expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin
DAY = dt.timedelta(days=1)
MET = "🤝 Wir haben uns schon getroffen"
HOME = "🏠 Zu Ihrem Tandem"


async def test_from_a_nudge_two_presses_record_it_and_the_partner_confirms(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentee, mentor = pair.mentee, pair.mentor
    await advance(bot_at, clock, 35 * DAY)  # Monday 5 April, 11:00 in Berlin
    nudge = expect(await mentee.next_message(), "noch kein Treffen", "5 Wochen")
    mentor_nudge = expect(await mentor.next_message(), "noch kein Treffen")
    assert nudge.button_texts == ["📅 Treffen vorschlagen", MET]

    # Both open the days; the mentor is slower to choose one.
    await mentor.press(MET, message=mentor_nudge)
    mentor_days = expect(await mentor.next_message(), "An welchem Tag")
    await mentee.press(MET, message=nudge)
    days = expect(await mentee.next_message(), "An welchem Tag", "mit Maria <b>Mentor</b> & Co")
    assert days.button_texts == [
        "Heute, Mo. 05.04.",
        "Gestern, So. 04.04.",
        "Vorgestern, Sa. 03.04.",
        "Anderer Tag…",
    ]
    await mentee.press("Gestern, So. 04.04.", message=days)
    saved = expect(
        await mentee.wait_edit(days),
        "Eingetragen",
        "So., 4. April 2027",
        "wurde gebeten, es zu bestätigen",
    )
    assert saved.button_texts == [HOME]
    ask = expect(await mentor.next_message(), "Emil Mentee hat ein Treffen", "Stimmt das?")

    # The same day from the mentor's keyboard: already recorded, said plainly.
    await mentor.press("Gestern, So. 04.04.", message=mentor_days)
    expect(await mentor.next_message(), "schon ein Treffen eingetragen", "je Tag zählt eines")

    # Not counted before the partner confirms; counted after.
    await mentee.press(HOME, message=saved)
    expect(await mentee.next_message(), "0 von 6")
    await mentor.press("✅ Ja, stimmt", message=ask)
    expect(await mentor.wait_edit(ask), "zählt jetzt")
    expect(await mentee.next_message(), "hat das Treffen am", "bestätigt")
    await mentee.press(HOME, message=saved)
    expect(await mentee.next_message(), "1 von 6")
    async with db.session() as session:
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None and tandem.nudges == 0
        meetings = (await session.scalars(select(Meeting))).all()
    assert [(m.status, m.logged_on) for m in meetings] == [("logged", dt.date(2027, 4, 4))]

    # No pointless nudge in the following weeks.
    await advance(bot_at, clock, 20 * DAY)
    assert [m for m in await mentee.collect(0.3) if "Treffen" in m.text] == []


async def test_from_the_home_another_day_is_typed_and_a_stale_press_is_answered(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentee = pair.mentee
    await advance(bot_at, clock, 2 * DAY)  # Wednesday 3 March; the tandem began on Monday
    await mentee.send("/tandem")
    home = expect(await mentee.next_message(), "Ihr Tandem mit")
    await mentee.press(MET, message=home)
    days = expect(await mentee.next_message(), "An welchem Tag")
    assert days.button_texts == [
        "Heute, Mi. 03.03.",
        "Gestern, Di. 02.03.",
        "Vorgestern, Mo. 01.03.",
        "Anderer Tag…",
    ]
    # Another day: the typed dialog, as under /feedback.
    await mentee.press("Anderer Tag…", message=days)
    expect(await mentee.next_message(), "Wann haben Sie sich getroffen")
    await mentee.send("/cancel")
    await mentee.collect(0.3)

    # A forged day before the tandem began, then any press after the tandem ended.
    query = await mentee.press_data(f"fb:ad:{pair.tandem_id}:20270228", message=days)
    expect(await mentee.next_message(), "besteht erst seit dem")
    await answer_of(mentee, query)
    async with db.session() as session:
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None
        tandem.status = TandemStatus.DISSOLVED
    for press in ("Heute, Mi. 03.03.", "Anderer Tag…"):
        query = await mentee.press(press, message=days)
        answer = await answer_of(mentee, query)
        assert "nicht mehr aktuell" in str(answer.get("text")) and answer.get("show_alert")
    query = await mentee.press(MET, message=home)
    assert (await answer_of(mentee, query)).get("show_alert")
    assert await mentee.collect(0.3) == []
    async with db.session() as session:
        assert (await session.scalars(select(Meeting))).all() == []
