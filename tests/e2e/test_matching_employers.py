"""The matching's defining rule through the chat: mentor and mentee from different employers.

An employer is the company directory's notion (aliases, merged names, corporate groups), not a
spelling: probable spellings of one employer are never paired silently, a swap or pin into a pair
of one employer is refused with the reason, and an approval re-checks the directory's state.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from fake_bot_api import FakeBotApi, FakeUser
from storage import companies, users
from storage.db import Database
from storage.models import (
    AuditEntry,
    Company,
    CompanyDistinction,
    CompanyGroup,
    MatchProposal,
    Participant,
    Tandem,
)
from tests.e2e.harness import answer_of, expect
from tests.e2e.test_matching import pairs_in, seed

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)

VW, VW_PLANT = "Volkswagen AG", "Volkswagen AG, Werk Salzgitter"
VOLKSWAGEN = [
    # Emil's wishes fit Maria best: without the rule they would be paired.
    ("Maria Mentor", "mentor", VW, "Automobil", "Bereichsleiterin",
     ["Kommunikation", "Feedback"], "both"),
    ("Emil Mentee", "mentee", VW_PLANT, "Fahrzeugbau", "Teamleiter",
     ["Kommunikation", "Feedback"], "both"),
    ("Ella Mentee", "mentee", "WIS", "Wirtschaftsförderung", "Projektleiterin",
     ["Netzwerken"], "both"),
]  # fmt: skip

SALZGITTER_GROUP = [
    # Peiner Träger is a Salzgitter AG subsidiary: no similar name, only the group tells.
    ("Mona Mentor", "mentor", "Salzgitter AG", "Stahl", "Geschäftsführerin",
     ["Konfliktmanagement"], "both"),
    ("Martin Mentor", "mentor", "Braunschweigische Landessparkasse", "Bank", "Abteilungsleiter",
     ["Netzwerken"], "both"),
    ("Fritz Mentee", "mentee", "Peiner Träger GmbH", "Maschinenbau", "Teamleiter",
     ["Konfliktmanagement"], "both"),
    ("Ella Mentee", "mentee", "WIS", "Wirtschaftsförderung", "Projektleiterin",
     ["Netzwerken"], "both"),
]  # fmt: skip


async def company_of(db: Database, participant_id: int) -> int | None:
    async with db.session() as session:
        participant = await session.get(Participant, participant_id)
        assert participant is not None
        return participant.company_id


async def group(db: Database, *names: str) -> None:
    """Put the directory's companies of these names into one corporate group."""
    async with db.session() as session:
        row = CompanyGroup(name="Salzgitter-Konzern", created_at=NOW)
        session.add(row)
        await session.flush()
        for name in names:
            company = await companies.find(session, name)
            assert company is not None
            company.group_id = row.id


async def proposal_row(db: Database) -> MatchProposal:
    async with db.session() as session:
        return (await session.scalars(select(MatchProposal))).one()


async def test_probable_spellings_warn_and_merge_makes_them_one_employer(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    seeded = await seed(db, api, VOLKSWAGEN)
    await coordinator.send("/match")
    proposal = expect(
        await coordinator.next_message(),
        f"„{VW_PLANT}“ und „{VW}“ sind vielleicht derselbe Arbeitgeber",
    )
    # Never paired silently: until a coordinator decides, the engine keeps them apart.
    assert pairs_in(proposal) == [("Maria Mentor", "Ella Mentee")]
    expect(proposal, "Emil Mentee", "vielleicht beim selben Arbeitgeber")
    assert {"🔗 Zusammenführen (1)", "↔️ Getrennt halten (1)"} <= set(proposal.button_texts)

    await coordinator.press("🔗 Zusammenführen (1)", message=proposal)
    merged = await coordinator.wait_edit(proposal)
    assert "vielleicht derselbe Arbeitgeber" not in merged.text
    assert "Zusammenführen (1)" not in " ".join(merged.button_texts)
    assert pairs_in(merged) == [("Maria Mentor", "Ella Mentee")]
    # Now one employer: the hard rule, named as such.
    expect(merged, "Emil Mentee", "keine Mentorin und kein Mentor außerhalb")
    maria, emil = seeded.ids["Maria Mentor"], seeded.ids["Emil Mentee"]
    assert await company_of(db, emil) == await company_of(db, maria)
    async with db.session() as session:
        assert [c.name for c in (await session.scalars(select(Company))).all()].count(VW) == 1
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "company_merged" in actions


async def test_keep_apart_removes_the_warning_and_allows_the_pair(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    seeded = await seed(db, api, VOLKSWAGEN)
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "vielleicht derselbe Arbeitgeber")
    await coordinator.press("↔️ Getrennt halten (1)", message=proposal)
    apart = await coordinator.wait_edit(proposal)
    assert "vielleicht derselbe Arbeitgeber" not in apart.text
    assert not any("Getrennt halten" in b for b in apart.button_texts)
    # Decided: two employers, so the best pair is allowed now.
    assert ("Maria Mentor", "Emil Mentee") in pairs_in(apart)
    async with db.session() as session:
        (distinction,) = (await session.scalars(select(CompanyDistinction))).all()
    ids = {
        await company_of(db, seeded.ids["Maria Mentor"]),
        await company_of(db, seeded.ids["Emil Mentee"]),
    }
    assert {distinction.company_a, distinction.company_b} == ids

    # A forged decision on companies the proposal does not warn about is refused.
    stored = await proposal_row(db)
    forged = f"mt:{stored.id}:{stored.version}:mg:{distinction.company_a}:{distinction.company_b}"
    query = await coordinator.press_data(forged, message=apart)
    assert "nicht mehr aktuell" in (await answer_of(coordinator, query)).get("text", "")
    assert (await proposal_row(db)).version == stored.version
    async with db.session() as session:
        assert len((await session.scalars(select(Company))).all()) == 3  # nothing merged


async def test_a_corporate_group_is_one_employer_and_a_swap_into_it_is_refused(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed(db, api, SALZGITTER_GROUP)
    await group(db, "Salzgitter AG", "Peiner Träger GmbH")
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "2 von 2 Mentees")
    assert sorted(pairs_in(proposal)) == [
        ("Martin Mentor", "Fritz Mentee"),
        ("Mona Mentor", "Ella Mentee"),
    ]
    version = (await proposal_row(db)).version

    # Swapping the mentees would pair Mona (Salzgitter AG) with Fritz (Peiner Träger).
    pair_button = next(b for b in proposal.button_texts if "Ella Mentee" in b)
    await coordinator.press(pair_button, message=proposal)
    detail = await coordinator.wait_edit(proposal)
    await coordinator.press("🔁 Mentee tauschen mit …", message=detail)
    choose = await coordinator.wait_edit(detail)
    await coordinator.press("Martin Mentor ↔ Fritz Mentee", message=choose)
    back = await coordinator.wait_edit(choose)  # the unchanged proposal again
    assert sorted(pairs_in(back)) == [
        ("Martin Mentor", "Fritz Mentee"),
        ("Mona Mentor", "Ella Mentee"),
    ]
    expect(
        await coordinator.next_message(),
        "Nicht geändert",
        "Mona Mentor",
        "Fritz Mentee",
        "gleicher Arbeitgeber: Salzgitter AG / Peiner Träger GmbH",
    )
    stored = await proposal_row(db)
    assert stored.version == version and stored.pins == []


async def test_a_directory_change_after_the_proposal_blocks_pin_and_approval(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    await seed(db, api, SALZGITTER_GROUP[:1] + SALZGITTER_GROUP[2:3])
    await coordinator.send("/match")
    proposal = expect(await coordinator.next_message(), "1 von 1 Mentee zugeordnet")
    assert pairs_in(proposal) == [("Mona Mentor", "Fritz Mentee")]
    # Meanwhile (e.g. on /companies) Peiner Träger is put into the Salzgitter group.
    await group(db, "Salzgitter AG", "Peiner Träger GmbH")

    await coordinator.press(proposal.button_texts[0], message=proposal)
    detail = await coordinator.wait_edit(proposal)
    await coordinator.press("📌 Paar festhalten", message=detail)
    back = await coordinator.wait_edit(detail)  # the unchanged proposal again
    assert pairs_in(back) == [("Mona Mentor", "Fritz Mentee")] and "📌" not in back.text
    expect(await coordinator.next_message(), "Nicht geändert", "gleicher Arbeitgeber")
    assert (await proposal_row(db)).pins == []

    await coordinator.press("✅ Alle übernehmen", message=back)
    ask = await coordinator.wait_edit(back)
    await coordinator.press("Jetzt vorstellen", message=ask)
    expect(
        await coordinator.next_message(),
        "Nicht freigegeben",
        "Mona Mentor",
        "Fritz Mentee",
        "gleicher Arbeitgeber",
    )
    recomputed = expect(await coordinator.next_message(), "0 von 1 Mentee zugeordnet")
    assert pairs_in(recomputed) == []
    async with db.session() as session:
        assert (await session.scalars(select(Tandem))).all() == []
        assert (await session.scalars(select(MatchProposal.status))).one() == "draft"


async def test_only_a_coordinator_of_all_programs_changes_the_directory(
    api: FakeBotApi, coordinator: FakeUser, db: Database, bot_at: object
) -> None:
    """The directory serves every program: a coordinator of one program sees the warning and the
    rule holds, but merging or keeping apart is not theirs (a forged button changes nothing)."""
    seeded = await seed(db, api, VOLKSWAGEN)
    local = api.add_user(9002, "Linda", username="linda")
    async with db.session() as session:
        await users.upsert(
            session, user_id=9002, identity=users.Identity("Linda", username="linda"), now=NOW
        )
        await users.grant_coordinator(
            session, 9002, granted_by=9001, now=NOW, program_id=seeded.program_id
        )
    await local.send("/match")
    proposal = expect(await local.next_message(), "vielleicht derselbe Arbeitgeber")
    assert not any("Zusammenführen" in b for b in proposal.button_texts)
    assert pairs_in(proposal) == [("Maria Mentor", "Ella Mentee")]
    stored = await proposal_row(db)
    (warning,) = stored.result["warnings"]
    forged = f"mt:{stored.id}:{stored.version}:mg:{warning['source']}:{warning['target']}"
    query = await local.press_data(forged, message=proposal)
    assert "alle Programme koordiniert" in (await answer_of(local, query)).get("text", "")
    async with db.session() as session:
        assert len((await session.scalars(select(Company))).all()) == 3
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
        assert [r.user_id for r in refused] == [9002]
