"""A tandem's conversation with the program team end to end (issue #13): a partner's concern
stays on the tandem's card; the coordinator writes to the mentee from the card (recipient,
text, preview, send); the mentee replies, the reply reaches the coordinator and the card shows
the whole conversation, escaped. Forged presses of the new buttons are refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import TandemNote
from tests.e2e.harness import answer_of, expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
CONCERN = "Wir finden keinen <b>Termin</b> & so"
MESSAGE = "Wie wäre es mit <i>Dienstag</i>? & gern"
REPLY = "Dienstag <b>passt</b> & danke"
FOLLOW_UP = "Dann bis Dienstag, 18 Uhr."
BACK = "« Zurück"


async def test_a_concern_is_answered_from_the_card_and_the_reply_comes_back(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentee, mentor = pair.mentee, pair.mentor

    # The mentee's concern reaches the coordinator, with the tandem's card.
    await mentee.send("/tandem")
    home = await mentee.next_message()
    await mentee.press("💬 Anliegen an die Programmleitung", message=home)
    expect(await mentee.next_message(), "Was beschäftigt Sie")
    await mentee.send(CONCERN)
    expect(await mentee.next_message(), "vertraulich bei der Programmleitung")
    notice = expect(await coordinator.next_message(), "Rückmeldung zu einem Tandem", CONCERN)
    assert notice.button_texts == ["↩️ Antworten", "Tandem öffnen"]
    await coordinator.press("Tandem öffnen", message=notice)
    card = expect(await coordinator.wait_edit(notice), "Rückmeldungen und Nachrichten", CONCERN)
    assert "Wir finden keinen &lt;b&gt;Termin&lt;/b&gt; &amp; so" in card.raw_text
    assert "Emil Mentee (Mentee): 💬" in card.text  # who wrote it, with the role

    # The coordinator writes to the mentee: recipient, text, preview, send.
    await coordinator.press("✉️ Nachricht an dieses Tandem", message=card)
    choice = expect(await coordinator.wait_edit(card), "Nachricht an das Tandem")
    assert choice.button_texts == [
        "An Maria <b>Mentor</b> & Co",
        "An Emil Mentee",
        "An beide",
        BACK,
    ]
    await coordinator.press("An Emil Mentee", message=choice)
    expect(await coordinator.next_message(), "Ihre Nachricht an", "höchstens 1000 Zeichen")
    await coordinator.send("x" * 1001)
    expect(await coordinator.next_message(), "zu lang", "1001")
    await coordinator.send(MESSAGE)
    preview = expect(await coordinator.next_message(), "Vorschau", MESSAGE)
    assert "&lt;i&gt;Dienstag&lt;/i&gt;" in preview.raw_text
    await coordinator.press("📨 Senden", message=preview)
    expect(await coordinator.wait_edit(preview), "Gesendet an")
    received = expect(await mentee.next_message(), "Nachricht der Programmleitung", MESSAGE)
    assert "&lt;i&gt;Dienstag&lt;/i&gt;" in received.raw_text
    assert await mentor.collect(timeout=0.3) == []  # to the mentee alone

    # Forged presses: the mentor cannot reply to a message sent to the mentee, the mentee
    # cannot press the coordinators' buttons.
    async with db.session() as session:
        [sent] = (await session.scalars(select(TandemNote).where(TandemNote.kind == "team"))).all()
    await mentor.send("/tandem")
    await mentor.next_message()
    query = await mentor.press_data(f"tn:r:{sent.id}")
    assert "nicht mehr aktuell" in (await answer_of(mentor, query))["text"]
    for data in (
        f"td:w:{pair.tandem_id}",
        f"td:wt:{pair.tandem_id}:both",
        f"td:ws:{pair.tandem_id}",
    ):
        query = await mentee.press_data(data)
        assert "Das darf nur" in (await answer_of(mentee, query))["text"]
    assert await mentor.collect(timeout=0.2) == [] and await mentee.collect(timeout=0.2) == []

    # The mentee replies; the reply reaches the coordinator and stays with the tandem.
    await mentee.press("↩️ Antworten", message=received)
    expect(await mentee.next_message(), "Ihre Antwort an die Programmleitung")
    await mentee.send(REPLY)
    expect(await mentee.next_message(), "Ihre Antwort ist bei der Programmleitung angekommen")
    answer = expect(await coordinator.next_message(), "Antwort aus einem Tandem", REPLY)
    assert "Dienstag &lt;b&gt;passt&lt;/b&gt; &amp; danke" in answer.raw_text

    # Answered straight from the reply: to the one who wrote it, nobody else.
    await coordinator.press("↩️ Antworten", message=answer)
    expect(await coordinator.next_message(), "Ihre Nachricht an Emil Mentee")
    await coordinator.send(FOLLOW_UP)
    preview = expect(await coordinator.next_message(), "Vorschau", FOLLOW_UP)
    await coordinator.press("📨 Senden", message=preview)
    expect(await coordinator.wait_edit(preview), "Gesendet an")
    expect(await mentee.next_message(), "Nachricht der Programmleitung", FOLLOW_UP)
    assert await mentor.collect(timeout=0.3) == []
    await coordinator.press("Tandem öffnen", message=answer)
    card = expect(
        await coordinator.wait_edit(answer), CONCERN, MESSAGE, REPLY, "Programmleitung an"
    )
    lines = card.text.splitlines()
    said = (CONCERN, MESSAGE, REPLY, FOLLOW_UP)
    order = [next(i for i, x in enumerate(lines) if s in x) for s in said]
    assert order == sorted(order)
    assert "Dienstag &lt;b&gt;passt&lt;/b&gt; &amp; danke" in card.raw_text
