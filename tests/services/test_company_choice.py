"""The "Meinten Sie …?" question: what a typed name means, and which answers count."""

from __future__ import annotations

from services import company_choice
from services.company_choice import Question
from storage import companies
from storage.db import Database
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import NOW, unit


async def test_a_known_name_a_probable_one_and_a_new_one(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    async with unit(db, 5001) as uow:
        known = await company_choice.look_up(uow, "volkswagen ag")
        assert known.company_id is not None and known.question is None
        asked = await company_choice.look_up(uow, "Volkswagen AG, Werk Salzgitter")
        assert asked.company_id is None and asked.question is not None
        assert asked.question.ids == [known.company_id]
        new = await company_choice.look_up(uow, "Borsig")
        assert new.company_id is None and new.question is None


async def test_only_a_company_offered_and_still_known_is_an_answer(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, 6001, "Vera Alt", NOW, company="Volkswagen AG")
    await seed_participant(db, program_id, 6002, "Bert Bau", NOW, company="VW Werk Salzgitter")
    async with unit(db, 5001) as uow:
        vw = await companies.find(uow.session, "Volkswagen AG")
        branch = await companies.find(uow.session, "VW Werk Salzgitter")
        assert vw is not None and branch is not None
        question = Question(typed="VW Salzgiter", ids=[branch.id])
        assert await company_choice.answer(uow, question, vw.id) is None  # not offered
        assert await company_choice.answer(uow, question, 2**31 - 1) is None
        own = await company_choice.answer(uow, question, None)
        assert own is not None and (own.name, own.company_id) == ("VW Salzgiter", None)
        chosen = await company_choice.answer(uow, question, branch.id)
        assert chosen is not None and chosen.company_id == branch.id
        assert await companies.merge(uow.session, branch.id, vw.id, NOW)
        gone = await company_choice.offer(uow, question)
        assert gone.companies == [] and gone.typed == "VW Salzgiter"
        assert await company_choice.answer(uow, question, branch.id) is None
