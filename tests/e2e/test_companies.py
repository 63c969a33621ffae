"""The company directory through the chat: one employer under any spelling.

Registration offers the known companies that a typed name probably means ("Meinten Sie …?"),
coordinators of all programs merge names, add aliases and group companies in /companies, and
company-pair exclusions are listed with a way to lift each one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import companies, rounds, users
from storage.db import Database
from storage.models import Company, CompanyExclusion, Participant, Program
from tests.e2e.harness import (
    CONSENT,
    ROLE_LABEL,
    SUBMIT,
    Profile,
    answer_of,
    expect,
    register,
)

DID_YOU_MEAN = "Meinten Sie"
KEEP = "➕ Nein, meine Schreibweise übernehmen"
INDUSTRY = "Branche"
REFUSED = "Das darf nur"


async def start_until_company(user: FakeUser, code: str, name: str) -> None:
    """Consent, role, name: the bot now asks for the company."""
    await user.send(f"/start {code}")
    await user.press(CONSENT["de"], message=await user.next_message())
    await user.next_message()  # welcome
    await user.press(ROLE_LABEL["de"]["mentee"], message=await user.next_message())
    await user.next_message()  # name
    await user.send(name)
    expect(await user.next_message(), "Unternehmen")


async def finish_after_company(user: FakeUser) -> BotMessage:
    """Industry prompt already shown: the remaining steps and the submission."""
    await user.send("Autoindustrie")
    await user.next_message()  # position
    await user.send("Teamleitung")
    topics = await user.next_message()
    await user.press("Feedback", message=topics)
    await user.press("rg:td", message=topics)
    await user.next_message()  # goals
    await user.send("Wachsen.")
    await user.press("Persönlich oder online", message=await user.next_message())
    await user.press("Neutral / keine Angabe", message=await user.next_message())
    summary = await user.next_message()
    await user.press(SUBMIT["de"], message=summary)
    return expect(await user.next_message(), "Vielen Dank")


async def participant(db: Database, user_id: int) -> Participant:
    async with db.session() as session:
        row = await session.scalar(select(Participant).where(Participant.user_id == user_id))
        assert row is not None
        return row


async def open_company(coordinator: FakeUser, name: str) -> BotMessage:
    await coordinator.send("/companies")
    directory = await coordinator.next_message()
    await coordinator.press(name, message=directory)
    return await coordinator.wait_edit(directory)


async def test_registration_offers_the_known_company_and_links_it(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    ben = api.add_user(2002, "Ben")
    await start_until_company(ben, code, "Ben Becker")

    await ben.send("Volkswagen AG, Werk Salzgitter")
    question = expect(await ben.next_message(), DID_YOU_MEAN, "Volkswagen AG, Werk Salzgitter")
    assert question.button_texts == ["Volkswagen AG", KEEP]
    forged = await ben.press_data("rg:co:999999", message=question)
    assert "nicht mehr aktuell" in (await answer_of(ben, forged))["text"]
    asked_again = await ben.next_message()  # the question once more, nothing decided
    assert asked_again.button_texts == ["Volkswagen AG", KEEP]

    chosen = asked_again.find_button("Volkswagen AG")
    assert chosen is not None and chosen.callback_data is not None
    await ben.press("Volkswagen AG", message=asked_again)
    expect(await ben.next_message(), INDUSTRY)
    stale = await ben.press_data(chosen.callback_data, message=asked_again)  # pressed twice
    assert "nicht mehr aktuell" in (await answer_of(ben, stale))["text"]
    await finish_after_company(ben)

    vera, ben_row = await participant(db, 2001), await participant(db, 2002)
    assert ben_row.company_id == vera.company_id is not None
    assert ben_row.company == "Volkswagen AG"
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Company)) == 1


async def test_typing_again_at_the_question_is_a_new_answer(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    ben = api.add_user(2002, "Ben")
    await start_until_company(ben, code, "Ben Becker")
    await ben.send("Volkswagen Werk Salzgitter")
    expect(await ben.next_message(), DID_YOU_MEAN)
    await ben.send("Peiner Träger GmbH")  # not like anything known: taken as typed
    expect(await ben.next_message(), INDUSTRY)
    await finish_after_company(ben)
    ben_row = await participant(db, 2002)
    async with db.session() as session:
        company = await session.get(Company, ben_row.company_id)
        assert company is not None and company.name == "Peiner Träger GmbH"


async def test_own_spelling_is_a_new_company_that_the_coordinator_merges(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    await coordinator.collect(timeout=0.3)
    card = expect(await open_company(coordinator, "Volkswagen AG"), "noch nicht geprüft")
    await coordinator.press("✅ Geprüft", message=card)
    card = expect(await coordinator.wait_edit(card), "(geprüft)")
    assert "✅ Geprüft" not in card.button_texts

    ben = api.add_user(2002, "Ben")
    await start_until_company(ben, code, "Ben Becker")
    await ben.send("Volkswagen AG, Werk Salzgitter")
    await ben.press(KEEP, message=await ben.next_message())
    expect(await ben.next_message(), INDUSTRY)
    await finish_after_company(ben)
    vera, ben_row = await participant(db, 2001), await participant(db, 2002)
    assert ben_row.company_id != vera.company_id
    assert ben_row.company == "Volkswagen AG, Werk Salzgitter"
    await coordinator.collect(timeout=0.3)  # the registration notices

    # The new, unreviewed name is listed first; the coordinator merges it into Volkswagen.
    await coordinator.send("/companies")
    directory = expect(await coordinator.next_message(), "Unternehmensverzeichnis")
    assert directory.text.index("🆕 Volkswagen AG, Werk Salzgitter") < directory.text.index(
        "Volkswagen AG ·"
    )
    await coordinator.press("Volkswagen AG, Werk Salzgitter", message=directory)
    card = expect(await coordinator.wait_edit(directory), "noch nicht geprüft", "1 Anmeldung")
    await coordinator.press("🔀 Zusammenführen mit …", message=card)
    pick = expect(await coordinator.next_message(), "derselbe Arbeitgeber")
    await coordinator.press("Volkswagen AG", message=pick)
    confirm = expect(await coordinator.wait_edit(pick), "zusammenführen?")
    await coordinator.press("🔀 Ja, zusammenführen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "ist jetzt ein weiterer Name")
    merged = expect(await coordinator.next_message(), "Volkswagen AG", "2 Anmeldungen")
    assert "Auch: Volkswagen AG, Werk Salzgitter" in merged.text

    ben_row = await participant(db, 2002)
    assert ben_row.company_id == vera.company_id
    assert ben_row.company == "Volkswagen AG, Werk Salzgitter"  # what Ben typed stays
    async with db.session() as session:
        rows = (await session.scalars(select(Company))).all()
        assert [c.name for c in rows] == ["Volkswagen AG"]
        assert companies.employer_key(rows[0], "") == f"c:{vera.company_id}"
    assert await ben.collect() == []  # nobody bothers Ben about it


async def test_an_alias_links_a_later_registration_directly(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    await coordinator.collect(timeout=0.3)
    card = await open_company(coordinator, "Volkswagen AG")
    await coordinator.press("➕ Weiteren Namen hinzufügen", message=card)
    expect(await coordinator.next_message(), "Welchen weiteren Namen")
    await coordinator.send("VW")
    expect(await coordinator.next_message(), "„VW“ ist jetzt ein weiterer Name")
    expect(await coordinator.next_message(), "Auch: VW")

    ben = api.add_user(2002, "Ben")
    await start_until_company(ben, code, "Ben Becker")
    await ben.send("VW")
    expect(await ben.next_message(), INDUSTRY)  # no question: the alias is known
    await finish_after_company(ben)
    assert (await participant(db, 2002)).company_id == (await participant(db, 2001)).company_id


async def test_the_directory_opens_from_the_program_card(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    await coordinator.collect(timeout=0.3)
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    card = expect(await coordinator.wait_edit(listing), code)
    await coordinator.press("🏢 Unternehmen", message=card)
    # A message of its own: the card stays above it, the way back (tests/e2e/test_navigation).
    expect(await coordinator.next_message(), "Unternehmensverzeichnis", "Volkswagen AG")
    assert coordinator.chat[-2].text == card.text


async def test_two_companies_put_into_one_group_share_an_employer(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Salzgitter AG"))
    await register(api.add_user(2002, "Pia"), code, Profile(company="Peiner Träger GmbH"))
    await coordinator.collect(timeout=0.3)

    card = await open_company(coordinator, "Salzgitter AG")
    await coordinator.press("🏭 Unternehmensgruppe …", message=card)
    groups = await coordinator.wait_edit(card)
    await coordinator.press("➕ Neue Unternehmensgruppe", message=groups)
    expect(await coordinator.next_message(), "neue Unternehmensgruppe")
    await coordinator.send("Salzgitter-Konzern")
    expect(await coordinator.next_message(), "gehört jetzt zur Unternehmensgruppe")
    expect(await coordinator.next_message(), "Unternehmensgruppe: Salzgitter-Konzern")

    card = await open_company(coordinator, "Peiner Träger GmbH")
    await coordinator.press("🏭 Unternehmensgruppe …", message=card)
    groups = await coordinator.wait_edit(card)
    await coordinator.press("Salzgitter-Konzern", message=groups)
    expect(await coordinator.wait_edit(groups), "Unternehmensgruppe: Salzgitter-Konzern")

    vera, pia = await participant(db, 2001), await participant(db, 2002)
    async with db.session() as session:
        found = await companies.by_ids(session, [vera.company_id, pia.company_id])
        keys = {companies.employer_key(c, "") for c in found.values()}
        assert len(found) == 2 and len(keys) == 1 and keys.pop().startswith("g:")


async def test_company_pair_exclusions_are_listed_and_lifted(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    await coordinator.collect(timeout=0.3)
    async with db.session() as session:
        program_id = await session.scalar(select(Program.id).where(Program.invite_code == code))
        assert program_id is not None
        await rounds.add_company_exclusion(
            session, program_id, "VOLKSWAGEN", "Alstom GmbH", by=coordinator.id, now=_now()
        )

    await coordinator.send("/companies")
    directory = await coordinator.next_message()
    await coordinator.press("🚫 Ausgeschlossene Unternehmenspaare", message=directory)
    listing = expect(await coordinator.wait_edit(directory), "alstom ↔ Volkswagen AG")
    await coordinator.press("Aufheben: alstom ↔ Volkswagen AG", message=listing)
    expect(await coordinator.wait_edit(listing), "keine Unternehmenspaare")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CompanyExclusion)) == 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def test_participants_and_coordinators_of_one_program_cannot_change_the_directory(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    vera = api.add_user(2001, "Vera")
    await register(vera, code, Profile(company="Volkswagen AG"))
    await register(api.add_user(2002, "Ben"), code, Profile(company="Volkswagen Werk Salzgitter"))
    await coordinator.collect(timeout=0.3)
    async with db.session() as session:
        ids = sorted((await session.scalars(select(Company.id))).all())
        program_id = await session.scalar(select(Program.id).where(Program.invite_code == code))
        await users.upsert(session, user_id=2003, identity=users.Identity("Sina"), now=_now())
        await users.grant_coordinator(
            session, 2003, granted_by=None, now=_now(), program_id=program_id
        )
    assert len(ids) == 2

    await vera.send("/companies")
    expect(await vera.next_message(), REFUSED)
    query = await vera.press_data(f"cy:my:{ids[1]}:{ids[0]}")
    answer = await answer_of(vera, query)
    assert answer["show_alert"] and REFUSED in answer["text"]

    sina = api.add_user(2003, "Sina")
    await sina.send("/companies")
    directory = expect(await sina.next_message(), "Unternehmensverzeichnis")
    await sina.press("Volkswagen AG", message=directory)
    card = expect(await sina.wait_edit(directory), "ändern darf es nur")
    assert "🔀 Zusammenführen mit …" not in card.button_texts
    for data in (f"cy:my:{ids[1]}:{ids[0]}", f"cy:a:{ids[0]}", f"cy:gn:{ids[0]}", f"cy:r:{ids[0]}"):
        query = await sina.press_data(data)
        assert "alle Programme koordiniert" in (await answer_of(sina, query))["text"]
    async with db.session() as session:
        assert sorted((await session.scalars(select(Company.id))).all()) == ids
        assert all(c.reviewed_at is None for c in await session.scalars(select(Company)))


async def test_profile_offers_the_known_company_and_links_it(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    ben = api.add_user(2002, "Ben")
    await register(ben, code, Profile(name="Ben Becker", company="Peiner Träger GmbH"))
    await ben.send("/profile")
    shown = expect(await ben.next_message(), "Ihr Profil", "Peiner Träger GmbH")
    await ben.press("✏️ Unternehmen", message=shown)
    expect(await ben.next_message(), "Unternehmen", "Bisher: Peiner Träger GmbH")

    await ben.send("Volkswagen AG, Werk Salzgitter")
    question = expect(await ben.next_message(), DID_YOU_MEAN, "Volkswagen AG, Werk Salzgitter")
    assert question.button_texts == ["Volkswagen AG", KEEP]
    forged = await ben.press_data("pf:co:999999", message=question)
    assert "nicht mehr aktuell" in (await answer_of(ben, forged))["text"]
    asked_again = await ben.next_message()  # the question once more, nothing stored
    assert asked_again.button_texts == ["Volkswagen AG", KEEP]
    assert (await participant(db, 2002)).company == "Peiner Träger GmbH"

    chosen = asked_again.find_button("Volkswagen AG")
    assert chosen is not None and chosen.callback_data is not None
    await ben.press("Volkswagen AG", message=asked_again)
    expect(await ben.next_message(), "Gespeichert")
    expect(await ben.next_message(), "Ihr Profil", "Volkswagen AG")
    stale = await ben.press_data(chosen.callback_data, message=asked_again)  # pressed twice
    assert "nicht mehr aktuell" in (await answer_of(ben, stale))["text"]

    vera, ben_row = await participant(db, 2001), await participant(db, 2002)
    assert ben_row.company_id == vera.company_id is not None
    assert ben_row.company == "Volkswagen AG"
    async with db.session() as session:
        names = set((await session.scalars(select(Company.name))).all())
    assert "Volkswagen AG, Werk Salzgitter" not in names


async def test_profile_keeps_the_own_spelling_as_a_new_company(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    await register(api.add_user(2001, "Vera"), code, Profile(company="Volkswagen AG"))
    ben = api.add_user(2002, "Ben")
    await register(ben, code, Profile(name="Ben Becker", company="Peiner Träger GmbH"))
    await ben.send("/profile")
    await ben.press("✏️ Unternehmen", message=await ben.next_message())
    await ben.next_message()
    await ben.send("Volkswagen Financial Services")
    question = expect(await ben.next_message(), DID_YOU_MEAN)
    await ben.press(KEEP, message=question)
    expect(await ben.next_message(), "Gespeichert")
    vera, ben_row = await participant(db, 2001), await participant(db, 2002)
    assert ben_row.company == "Volkswagen Financial Services"
    assert ben_row.company_id is not None and ben_row.company_id != vera.company_id


async def test_a_merge_without_candidates_asks_for_a_name_and_leads_back(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    """Found by the deep fuzz: with no similar company the question came with an empty
    keyboard, which Telegram refuses, so the coordinator saw nothing. It has a way back now,
    and going back ends the question: a name typed later is not taken as the merge target."""
    await register(api.add_user(2001, "Vera"), code, Profile(company="Qwertz Logistik"))
    await coordinator.collect(timeout=0.3)
    card = expect(await open_company(coordinator, "Qwertz Logistik"), "noch nicht geprüft")
    await coordinator.press("🔀 Zusammenführen mit …", message=card)
    ask = expect(await coordinator.next_message(), "derselbe Arbeitgeber", "Schreiben Sie")
    assert ask.button_texts == ["« Zurück"]
    await coordinator.press("« Zurück", message=ask)
    expect(await coordinator.wait_edit(ask), "Qwertz Logistik", "noch nicht geprüft")
    await coordinator.send("Volkswagen AG")
    expect(await coordinator.next_message(), "nicht sicher")  # no dialog takes it any more
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Company)) == 1
