"""A program's settings as use cases: typed values checked and stored, defaults restored, and
nobody but the program's coordinators reaching them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import program_settings as handler
from services import conversation, program_settings
from services.errors import Stale
from services.program_settings import Setting, SettingsState
from services.program_values import Invalid, Saved
from storage.db import Database
from storage.models import AuditEntry, Dialog, Program
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run, unit


async def settings_of(db: Database, program_id: int) -> dict[str, object]:
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        return dict(program.settings)


async def type_value(
    db: Database, program_id: int, setting: Setting, text: str, **actor: object
) -> Saved | Invalid[Setting] | None:
    """Open the setting's prompt, then type `text` into it, as two updates."""
    await run(db, COORDINATOR, lambda uow: program_settings.edit(uow, program_id, setting), **actor)
    return await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.submit(uow, setting.value, program_id, text),
        **actor,
    )


async def dialog_of(db: Database) -> Dialog | None:
    async with db.session() as session:
        return await session.get(Dialog, COORDINATOR)


def test_the_handler_names_the_flow_the_service_stores() -> None:
    assert handler.FLOW == program_settings.FLOW


async def test_values_are_checked_stored_and_audited(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    saved = await type_value(db, program_id, Setting.BEFORE_MEETING, "2h", coordinator=True)
    assert isinstance(saved, Saved) and saved.program.id == program_id
    reminders = (await settings_of(db, program_id))["reminders"]
    assert isinstance(reminders, dict) and reminders["before_meeting"] == [120]
    assert await dialog_of(db) is None

    saved = await type_value(db, program_id, Setting.NUDGE_WEEKS, "3", coordinator=True)
    assert isinstance(saved, Saved)
    reminders = (await settings_of(db, program_id))["reminders"]
    assert isinstance(reminders, dict)
    assert reminders["nudge_after_days"] == 21 and reminders["before_meeting"] == [120]

    saved = await type_value(db, program_id, Setting.FEEDBACK_DELAY, "1 Tag", coordinator=True)
    assert isinstance(saved, Saved)
    saved = await type_value(
        db, program_id, Setting.SIGNER_NAME, "  Dr.  Ada\nLovelace ", coordinator=True
    )
    assert isinstance(saved, Saved)
    settings = await settings_of(db, program_id)
    assert settings["signer_name"] == "Dr. Ada Lovelace"
    reminders = settings["reminders"]
    assert isinstance(reminders, dict) and reminders["feedback_delay"] == 24 * 60
    async with db.session() as session:
        audited = (
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "program_settings")
            )
        ).all()
    assert [d["setting"] for d in audited] == ["bm", "nw", "fd", "sn"]


@pytest.mark.parametrize(
    ("setting", "text", "problem", "length"),
    [
        (Setting.BEFORE_MEETING, "bald mal", "bad", 0),
        (Setting.BEFORE_MEETING, "10 Tage", "bad", 0),
        (Setting.BEFORE_MEETING, "1h, 2h, 3h, 4h, 5h", "bad", 0),
        (Setting.BEFORE_EVENT, "61 Tage", "bad", 0),
        (Setting.FEEDBACK_DELAY, "3 Tage", "bad", 0),
        (Setting.NUDGE_WEEKS, "0", "bad", 0),
        (Setting.NUDGE_WEEKS, "27", "bad", 0),
        (Setting.AGREEMENT, "x" * 2001, "too_long", 2001),
        (Setting.AGREEMENT, "   ", "empty", 0),
        (Setting.ORGANISATIONS, "", "empty", 0),
        (Setting.SIGNER_FUNCTION, "y" * 200, "too_long", 200),
    ],
)
async def test_a_value_that_does_not_fit_keeps_the_dialog_open(
    db: Database, setting: Setting, text: str, problem: str, length: int
) -> None:
    program_id = await seed_program(db, NOW)
    result = await type_value(db, program_id, setting, text, coordinator=True)
    assert isinstance(result, Invalid)
    assert (result.asked, result.problem, result.length) == (setting, problem, length)
    assert set(await settings_of(db, program_id)) == {"topics"}  # as created
    dialog = await dialog_of(db)
    assert dialog is not None and dialog.step == setting.value


async def test_a_dash_or_the_reset_button_restores_the_default(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await type_value(db, program_id, Setting.AGREEMENT, "<b>Vertraulich</b>", coordinator=True)
    await type_value(db, program_id, Setting.BEFORE_EVENT, "7 Tage", coordinator=True)
    assert (await settings_of(db, program_id))["agreement"] == "<b>Vertraulich</b>"
    saved = await type_value(db, program_id, Setting.AGREEMENT, "-", coordinator=True)
    assert isinstance(saved, Saved) and "agreement" not in await settings_of(db, program_id)

    # The reset button on an open prompt: the default back, the dialog closed.
    await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.edit(uow, program_id, Setting.BEFORE_EVENT),
        coordinator=True,
    )
    program = await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.reset(uow, program_id, Setting.BEFORE_EVENT),
        coordinator=True,
    )
    assert program is not None
    reminders = (await settings_of(db, program_id))["reminders"]
    assert isinstance(reminders, dict) and reminders["before_event"] == [20160, 2880]
    assert await dialog_of(db) is None


async def test_showing_the_card_closes_the_prompt(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.edit(uow, program_id, Setting.NUDGE_WEEKS),
        coordinator=True,
    )
    shown = await run(
        db, COORDINATOR, lambda uow: program_settings.show(uow, program_id), coordinator=True
    )
    assert shown.id == program_id and await dialog_of(db) is None


async def test_another_programs_coordinator_a_participant_and_a_forged_id_reach_nothing(
    db: Database,
) -> None:
    program_id = await seed_program(db, NOW)
    own = await seed_program(db, NOW, "Eigenes Programm")
    actors: tuple[dict[str, object], ...] = ({"coordinator": True, "scope": frozenset({own})}, {})
    for actor in actors:
        for use_case in (
            lambda uow: program_settings.show(uow, program_id),
            lambda uow: program_settings.edit(uow, program_id, Setting.AGREEMENT),
            lambda uow: program_settings.reset(uow, program_id, Setting.AGREEMENT),
        ):
            with pytest.raises(Stale):
                await run(db, COORDINATOR, use_case, **actor)
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: program_settings.show(uow, 2**31 - 1), coordinator=True
        )
    assert await dialog_of(db) is None

    # A dialog naming another program (written before the role was narrowed) is closed.
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        await conversation.save(uow, program_settings.FLOW, "ag", SettingsState(program_id=1))
    result = await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.submit(uow, "ag", program_id, "Neu"),
        coordinator=True,
        scope=frozenset({own}),
    )
    assert result is None and await dialog_of(db) is None
    assert "agreement" not in await settings_of(db, program_id)
    async with db.session() as session:
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
    # The dialog's reach for the foreign program (a unit that raised was rolled back here; the
    # router commits its audit rows).
    assert len(refused) == 1


async def test_an_unknown_step_closes_the_dialog(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        await conversation.save(
            uow, program_settings.FLOW, "zz", SettingsState(program_id=program_id)
        )
    result = await run(
        db,
        COORDINATOR,
        lambda uow: program_settings.submit(uow, "zz", program_id, "3"),
        coordinator=True,
    )
    assert result is None and await dialog_of(db) is None
