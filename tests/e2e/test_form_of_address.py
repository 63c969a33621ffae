"""Wherever the bot writes about a person to someone else, it uses their form of address.

A partner reads "Ihre Mentorin Petra Schulz", "Ihr Mentee Jonas Weber"; the program team reads
"Mentorin Petra Schulz"; nobody reads a slash form ("Mentor/in") about a known person.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Participant
from tests.e2e.harness import advance, expect
from tests.e2e.tandems import Pair, seed_pair
from tests.e2e.test_meeting_facts import log_meeting

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday
DAY = dt.timedelta(days=1)


async def petra_and_jonas(db: Database, api: FakeBotApi) -> Pair:
    """A female mentor and a male mentee, as chosen at registration."""
    pair = await seed_pair(db, api, NOW, mentor_name="Petra Schulz", mentee_name="Jonas Weber")
    async with db.session() as session:
        for participant_id, form in (
            (pair.mentor_participant, "f"),
            (pair.mentee_participant, "m"),
        ):
            await session.execute(
                update(Participant)
                .where(Participant.id == participant_id)
                .values(form_of_address=form)
            )
    return pair


async def tandem_card(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await coordinator.press(choose.button_texts[0], message=choose)
    listing = await coordinator.wait_edit(choose)
    await coordinator.press(listing.button_texts[0], message=listing)
    return await coordinator.wait_edit(listing)


def no_slash_forms(message: BotMessage) -> None:
    for slash in ("Mentor/in", "Mentorin/Mentor", "Mentor:in", "Mentor*in"):
        assert slash not in message.text, message.text


async def test_a_recorded_meeting_names_both_partners_in_their_form_of_address(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await petra_and_jonas(db, api)
    await advance(bot_at, clock, 9 * DAY)  # Wednesday, 10 March

    summary = await log_meeting(pair.mentor, "gestern")
    expect(
        summary,
        "Treffen mit Ihrem Mentee Jonas Weber am Di., 9. März 2027 nachtragen?",
        "Ihr Mentee Jonas Weber wird dann gebeten",
    )
    await pair.mentor.press("✅ Eintragen", message=summary)
    expect(await pair.mentor.wait_edit(summary), "Ihr Mentee Jonas Weber wurde gebeten")
    await pair.mentor.next_message()  # "Eingetragen", how helpful was it
    ask = expect(
        await pair.mentee.next_message(),
        "Ihre Mentorin Petra Schulz hat ein Treffen mit Ihnen am 09.03.2027 nachgetragen",
    )

    # The program team sees who recorded it and who is still to confirm it.
    card = await tandem_card(coordinator)
    expect(
        card,
        "Mentorin Petra Schulz (Alstom) ↔ Mentee Jonas Weber (WIS)",
        "Vereinbarung: Mentorin Petra Schulz ⏳ offen · Mentee Jonas Weber ⏳ offen",
        "Nachgetragen von Mentorin Petra Schulz, noch nicht bestätigt: 09.03.2027",
    )
    no_slash_forms(card)

    await pair.mentee.press("✅ Ja, stimmt", message=ask)
    await pair.mentee.wait_edit(ask)
    expect(
        await pair.mentor.next_message(),
        "Ihr Mentee Jonas Weber hat das Treffen am 09.03.2027 bestätigt.",
    )

    # She leaves: he reads it about his mentor, the program team about both.
    await pair.mentor.send("/deleteme")
    await pair.mentor.press("🗑 Ja, endgültig löschen", message=await pair.mentor.next_message())
    await pair.mentor.collect(0.2)
    expect(
        await pair.mentee.next_message(), "Ihre Mentorin Petra Schulz hat die Teilnahme am Programm"
    )
    notice = expect(
        await coordinator.next_message(),
        "Mentorin Petra Schulz (",
        "Beendetes Tandem mit: Mentee Jonas Weber",
    )
    no_slash_forms(notice)


async def test_a_rejected_recording_tells_the_recorder_in_the_form_of_address(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await petra_and_jonas(db, api)
    await advance(bot_at, clock, 9 * DAY)
    summary = await log_meeting(pair.mentee, "8.3.")
    expect(summary, "Treffen mit Ihrer Mentorin Petra Schulz am", "Ihre Mentorin Petra Schulz wird")
    await pair.mentee.press("✅ Eintragen", message=summary)
    expect(await pair.mentee.next_message(), "📝 Eingetragen")  # before the partner's answer
    ask = expect(await pair.mentor.next_message(), "Ihr Mentee Jonas Weber hat ein Treffen")
    card = await tandem_card(coordinator)
    expect(card, "Nachgetragen von Mentee Jonas Weber, noch nicht bestätigt: 08.03.2027")
    await pair.mentor.press("❌ Nein", message=ask)
    await pair.mentor.wait_edit(ask)
    expect(
        await pair.mentee.next_message(),
        "Ihre Mentorin Petra Schulz hat das Treffen am 08.03.2027 nicht bestätigt",
    )
