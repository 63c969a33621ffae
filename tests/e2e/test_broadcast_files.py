"""Broadcasts with a file or picture: the handbook as a PDF with its caption to the tandems that
have not met yet (chosen after going back from another audience), a picture added to a text too
long for a caption (the text follows it), trying again with the picture, and a file sent where
nothing asked for one."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.app import AnyApplication
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Meeting
from tests.e2e.harness import expect
from tests.e2e.test_broadcasts import NOW, seed, wait_report

CAPTION = "Das Handbuch für Ihr erstes Treffen"
BOLD = [{"type": "bold", "offset": 4, "length": 8}]  # "Handbuch"
BACK = "↩️ Empfänger ändern"


async def start(coordinator: FakeUser) -> None:
    await coordinator.send("/broadcast")
    choose = expect(await coordinator.next_message(), "an welches Programm")
    await coordinator.press("Salzgitter 2027", message=choose)
    expect(await coordinator.next_message(), "Schreiben Sie die Ankündigung", "Datei")


def files_of(user: FakeUser) -> list[BotMessage]:
    return [m for m in user.chat if m.document is not None]


async def test_the_handbook_to_tandems_without_a_first_meeting(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    cohort = await seed(db, api)
    async with db.session() as session:  # only proposed, never held: still "not met"
        session.add(
            Meeting(
                tandem_id=cohort.quiet.tandem_id,
                status="proposed",
                starts_at=NOW - dt.timedelta(days=5),
                ends_at=NOW - dt.timedelta(days=5, hours=-1),
                online=True,
                proposed_by=cohort.quiet.mentor.id,
                version=0,
                created_at=NOW - dt.timedelta(days=6),
                updated_at=NOW - dt.timedelta(days=6),
            )
        )
    await start(coordinator)
    sent = await coordinator.send_document(
        "Handbuch.pdf", b"%PDF-1.7 handbook", caption=CAPTION, caption_entities=BOLD
    )
    file_id = sent["document"]["file_id"]
    expect(await coordinator.next_message(), "Vorschau")
    preview = await coordinator.next_message()  # the file with its caption, as it will arrive
    assert preview.document is not None and preview.document.kind == "document"
    assert preview.document.filename == "Handbuch.pdf" and preview.text == CAPTION
    assert preview.entities == [{"type": "bold", "offset": 4, "length": 8}]
    ask = expect(await coordinator.next_message(), "An wen")
    assert "Tandems ohne erstes Treffen" in ask.button_texts

    await coordinator.press("Alle Teilnehmenden", message=ask)
    confirm = expect(await coordinator.wait_edit(ask), "Alle Teilnehmenden", "5 Personen")
    await coordinator.press(BACK, message=confirm)
    again = expect(await coordinator.wait_edit(confirm), "An wen")
    await coordinator.press("Tandems ohne erstes Treffen", message=again)
    confirm = await coordinator.wait_edit(again)
    expect(confirm, "Tandems ohne erstes Treffen", "Das sind 2 Personen")
    await coordinator.press("📨 Jetzt senden", message=confirm)
    report = await wait_report(api, coordinator)
    expect(report, "Zugestellt: 2")

    for user in (cohort.quiet.mentor, cohort.quiet.mentee):
        [message] = user.chat
        assert message.document is not None and message.document.filename == "Handbuch.pdf"
        assert message.document.content == b"%PDF-1.7 handbook"
        assert message.text == CAPTION and message.entities[0]["type"] == "bold"
    for user in (cohort.met.mentor, cohort.met.mentee, cohort.alone, cohort.pending, cohort.other):
        assert user.chat == [], user.dump()
    calls = [c for c in api.calls_to("sendDocument") if c.params["chat_id"] != coordinator.id]
    assert sorted(c.params["chat_id"] for c in calls) == sorted(
        [cohort.quiet.mentor.id, cohort.quiet.mentee.id]
    )
    for call in calls:
        assert call.ok and call.params["document"] == file_id
        assert call.params["caption"] == "Das <b>Handbuch</b> für Ihr erstes Treffen"
        assert call.params["parse_mode"] == "HTML"
    assert not api.calls_to("sendMessage") or all(
        c.params["chat_id"] == coordinator.id for c in api.calls_to("sendMessage")
    )

    # A file where nothing asked for one: a clear word, not a crash; the same for a picture.
    await cohort.alone.send_document("Lebenslauf.pdf")
    expect(await cohort.alone.next_message(), "Dateien und Bilder nehme ich nur an")
    await coordinator.collect(0.1)
    await coordinator.send_photo()
    expect(await coordinator.next_message(), "Dateien und Bilder nehme ich nur an")


async def test_a_picture_with_a_long_text_and_a_retry(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    """The text first, then a picture to go with it: the text is longer than a caption may be,
    so it follows the picture as a message of its own (the preview says so and shows it). A
    mentee who blocked the bot gets both when the coordinator tries again."""
    cohort = await seed(db, api)
    long_text = "Agenda für den Kickoff. " + "Programmpunkt. " * 100  # ~1500 characters
    await start(coordinator)
    await coordinator.send(long_text)
    expect(await coordinator.next_message(), "Vorschau")
    assert (await coordinator.next_message()).text == long_text.strip()
    expect(await coordinator.next_message(), "An wen")
    sent = await coordinator.send_photo()
    largest = sent["photo"][-1]["file_id"]
    expect(await coordinator.next_message(), "Vorschau")
    picture = await coordinator.next_message()
    assert picture.document is not None and picture.document.kind == "photo"
    assert picture.text == ""
    assert (await coordinator.next_message()).text == long_text.strip()
    ask = expect(await coordinator.next_message(), "höchstens 1024 Zeichen", "An wen")

    cohort.met.mentee.block()
    await coordinator.press("Mentees", message=ask)
    confirm = expect(await coordinator.wait_edit(ask), "3 Personen")
    await coordinator.press("📨 Jetzt senden", message=confirm)
    report = await wait_report(api, coordinator)
    expect(report, "Zugestellt: 2", "Nicht erreichbar (Bot blockiert): 1")
    for user in (cohort.quiet.mentee, cohort.alone):
        photo, text = user.chat
        assert photo.document is not None and photo.document.kind == "photo" and not photo.text
        assert text.document is None and text.text == long_text.strip()
    photos = [c for c in api.calls_to("sendPhoto") if c.params["chat_id"] != coordinator.id]
    assert {c.params["photo"] for c in photos} == {largest}
    assert all("caption" not in c.params for c in photos)

    cohort.met.mentee.unblock()
    await coordinator.collect(0.1)
    await coordinator.press("🔁 Nicht zugestellte erneut senden", message=report)
    expect(await coordinator.next_message(), "Erneuter Versuch für 1 Person.")
    async with asyncio.timeout(10):
        while len(cohort.met.mentee.chat) < 2:
            await api.wait_change(0.5)
    await api.wait_idle()
    photo, text = cohort.met.mentee.chat
    assert photo.document is not None and photo.document.kind == "photo"
    assert text.text == long_text.strip()
    for user in (cohort.quiet.mentee, cohort.alone):
        assert len(user.chat) == 2  # nobody else got it twice
