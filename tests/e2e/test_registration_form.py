"""The registration form per program, end to end: a coordinator switches on the optional
questions; a mentor and a mentee answer them (buttons where there are buttons); the answers are
stored, shown, and the matching pairs by the languages spoken and the place."""

from __future__ import annotations

from sqlalchemy import select

from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Participant, Program
from tests.e2e.harness import CONSENT, SUBMIT, expect, next_with_buttons


async def switch_on_every_question(coordinator: FakeUser) -> None:
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    await coordinator.press("⚙️ Einstellungen", message=card)
    card = expect(await coordinator.wait_edit(card), "Zusätzliche Fragen bei der Anmeldung: keine")
    await coordinator.press("📝 Anmeldeformular", message=card)
    form = expect(await coordinator.wait_edit(card), "Anmeldeformular")
    for label in ("Ort", "Sprachen", "Mentees", "Profil-Link"):
        await coordinator.press(f"▫️ {label}", message=form)
        form = await coordinator.wait_edit(form)
    assert form.button_texts[:4] == ["✅ Ort", "✅ Sprachen", "✅ Mentees", "✅ Profil-Link"]
    await coordinator.press("✅ Sprachen", message=form)
    form = await coordinator.wait_edit(form)
    assert form.button_texts[1] == "▫️ Sprachen"  # off again, and on again
    await coordinator.press("▫️ Sprachen", message=form)
    form = await coordinator.wait_edit(form)
    await coordinator.press("« Zurück", message=form)
    expect(
        await coordinator.wait_edit(form),
        "Zusätzliche Fragen bei der Anmeldung: Ort, Sprachen, Mentees, Profil-Link",
    )


async def answer(user: FakeUser, data: str) -> BotMessage:
    """Presses a button of the next message that has buttons; returns the message after it."""
    await user.press(data, message=await next_with_buttons(user))
    return await user.next_message()


async def start(user: FakeUser, code: str, role: str, texts: tuple[str, ...], lang: str) -> None:
    await user.send(f"/start {code}")
    await user.press(CONSENT[lang], message=await user.next_message())
    await user.next_message()  # welcome
    await user.press(f"rg:v:role:{role}", message=await user.next_message())
    for value in texts:
        await user.next_message()
        await user.send(value)


async def test_optional_questions_are_asked_stored_and_used_by_the_matching(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await switch_on_every_question(coordinator)
    anna = api.add_user(1201, "Anna", username="anna", language_code="de")
    ben = api.add_user(1202, "Ben", username="ben", language_code="en-GB")

    # Anna, mentor, German interface.
    await start(anna, code, "mentor", ("Anna Schmidt", "Alstom", "Bahntechnik", "Leiterin"), "de")
    expect(await anna.next_message(), "arbeiten oder wohnen", "Postleitzahl")
    await anna.send("38226 Salzgitter")
    languages = expect(await anna.next_message(), "Sprachen")
    await anna.send("Deutsch")  # typed where buttons are expected
    expect(await anna.next_message(), "Schaltflächen")
    languages = await next_with_buttons(anna)
    await anna.press("rg:ld", message=languages)  # none chosen yet: refused in an alert
    await anna.press("Deutsch", message=languages)
    languages = await anna.wait_edit(languages)
    assert "✅ Deutsch" in languages.button_texts
    await anna.press("rg:ld", message=languages)
    topics = await anna.next_message()
    await anna.press("Feedback", message=topics)
    await anna.press("rg:td", message=topics)
    await anna.next_message()
    await anna.send("Erfahrung weitergeben.")
    capacity = await answer(anna, "rg:v:meeting_format:both")
    assert capacity.button_texts == ["1", "2", "3"]
    await anna.press("2", message=capacity)
    expect(await anna.next_message(), "Link zu Ihrem Profil", "https://")
    await anna.send("http://www.linkedin.com/in/anna")
    expect(await anna.next_message(), "https://")
    await anna.next_message()  # asked again
    await anna.send("https://www.linkedin.com/in/anna-schmidt")
    summary = await answer(anna, "rg:v:form_of_address:f")
    expect(summary, "Ort: 38226 Salzgitter", "Sprachen: Deutsch", "Mentees: 2", "linkedin")
    await anna.press(SUBMIT["de"], message=summary)
    expect(await anna.next_message(), "Vielen Dank")

    # Ben, mentee, English interface, speaks German; no capacity question, skips the link.
    await start(ben, code, "mentee", ("Ben Becker", "WIS", "Bank", "Team lead"), "en")
    expect(await ben.next_message(), "work or live")
    await ben.send("Wolfenbüttel")
    languages = await ben.next_message()
    await ben.press("rg:l:de", message=languages)
    await ben.press("rg:ld", message=await ben.wait_edit(languages))
    topics = await ben.next_message()
    await ben.press(topics.button_texts[0], message=topics)
    await ben.press("rg:td", message=topics)
    await ben.next_message()
    await ben.send("Learn to lead.")
    link = expect(await answer(ben, "rg:v:meeting_format:in_person"), "link to your profile")
    await ben.press("⏭ Skip", message=link)
    summary = await answer(ben, "rg:v:form_of_address:m")
    expect(summary, "Place: Wolfenbüttel", "Languages: Deutsch")
    assert "Mentees:" not in summary.text
    await ben.press(SUBMIT["en"], message=summary)
    expect(await ben.next_message(), "Thank you")

    async with db.session() as session:
        a = await session.scalar(select(Participant).where(Participant.user_id == 1201))
        b = await session.scalar(select(Participant).where(Participant.user_id == 1202))
        assert a is not None and b is not None
        assert (a.location, a.languages, a.capacity) == ("38226 Salzgitter", ["de"], 2)
        assert a.profile_url == "https://www.linkedin.com/in/anna-schmidt"
        assert (a.latitude, a.longitude) == (52.15, 10.33)
        assert (b.location, b.languages, b.capacity, b.profile_url) == (
            "Wolfenbüttel",
            ["de"],
            1,
            None,
        )
        assert b.latitude is not None
        program = await session.scalar(select(Program))
        assert program is not None and program.form_fields == [
            "location",
            "languages",
            "capacity",
            "profile_url",
        ]

    # The coordinators' review card shows the answers; both are approved and matched: the
    # English interface does not keep Ben from a German-speaking mentor.
    notes = [m for m in await coordinator.collect(timeout=0.3) if "Neue Anmeldung" in m.text]
    assert len(notes) == 2
    await coordinator.press("Details", message=notes[0])
    details = await coordinator.wait_edit(notes[0])
    expect(details, "Ort: 38226 Salzgitter", "Sprachen: Deutsch", "linkedin.com/in/anna-schmidt")
    await coordinator.press("✅ Freigeben / aktivieren", message=details)
    await coordinator.press("✅ Freigeben", message=notes[1])
    await anna.next_message()
    await ben.next_message()
    await coordinator.collect(timeout=0.2)
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "Anna Schmidt", "Ben Becker")
    assert "Sprache" not in proposal.text

    # Ben changes his languages in /profile.
    await ben.send("/profile")
    card = expect(await ben.next_message(), "Languages: Deutsch", "Place: Wolfenbüttel")
    await ben.press("pf:e:languages", message=card)
    ask = await next_with_buttons(ben)
    await ben.press("pf:l:en", message=ask)
    await ben.press("pf:ld", message=await ben.wait_edit(ask))
    expect(await ben.next_message(), "Saved")
    expect(await ben.next_message(), "Languages: Deutsch, English")
    async with db.session() as session:
        b = await session.scalar(select(Participant).where(Participant.user_id == 1202))
        assert b is not None and b.languages == ["de", "en"]
