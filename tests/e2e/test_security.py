"""Every coordinator command, and a forged version of every coordinator callback, sent by a
participant: each is refused with a clear answer, audited, and changes nothing.

The callbacks are not listed by hand: they are read from the handlers' source (every
`pack(<coordinator prefix>, "<action>", ...)`), so a new coordinator button is covered the day
it is written. Their arguments point at objects that exist (program 1, the participants, the
tandem, a survey, a broadcast), so a missing check would act on something real.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot import buttons
from bot.app import AnyApplication
from bot.context import Ctx
from bot.router import COORDINATOR_ONLY_COMMANDS, coordinator_prefixes
from core.surveys import SurveyKind, default_questions
from fake_bot_api import FakeBotApi, FakeUser
from storage import surveys, users
from storage.db import Database
from storage.models import (
    AuditEntry,
    Broadcast,
    Certificate,
    Coordinator,
    Dialog,
    Participant,
    Program,
    Reminder,
    Survey,
    Tandem,
)
from tests.e2e.buttons import ID, callback_shapes
from tests.e2e.harness import answer_of, expect, refused_calls
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_program

NOW = dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)
REFUSED = "Das darf nur"


SHAPES = callback_shapes()
# The prefixes the router refuses to participants: the legacy ones, and those of typed buttons
# declared for coordinators (handlers/buttons.py).
COORDINATOR = coordinator_prefixes() | {
    kind.type.PREFIX for kind in buttons.REGISTRY.values() if kind.type.COORDINATOR
}
CALLBACKS = [shape for shape in SHAPES if shape[0] in COORDINATOR]
PARTICIPANT_CALLBACKS = [
    shape for shape in SHAPES if shape[0] is not ID and shape[0] not in COORDINATOR
]


def test_the_scan_sees_the_coordinator_buttons() -> None:
    prefixes = {parts[0] for parts in CALLBACKS}
    assert prefixes == COORDINATOR, "every coordinator prefix has buttons"
    assert len(CALLBACKS) > 60
    shapes = {parts[:2] for parts in CALLBACKS}
    assert {("pp", "s"), ("bc", "go"), ("sk", "sy"), ("ct", "iy"), ("mg", None)} <= shapes


async def seed_survey_and_broadcast(db: Database, program_id: int, by: int) -> int:
    """A draft survey and a scheduled broadcast in the program; returns the survey's id."""
    async with db.session() as session:
        survey = await surveys.create(
            session,
            program_id=program_id,
            kind=SurveyKind.MIDTERM,
            questions=default_questions(SurveyKind.MIDTERM),
            created_by=by,
            now=NOW,
        )
        session.add(
            Broadcast(
                program_id=program_id,
                audience="all",
                text="Hallo",
                status="scheduled",
                scheduled_at=NOW + dt.timedelta(days=1),
                created_by=by,
                created_at=NOW,
            )
        )
        await session.flush()
        return survey.id


TABLES = (Program, Participant, Tandem, Survey, Certificate, Broadcast, Reminder, Coordinator)


async def snapshot(db: Database) -> dict[str, object]:
    """Row counts and the state columns a refused action could have touched."""
    async with db.session() as session:
        counts: dict[str, object] = {
            t.__tablename__: await session.scalar(select(func.count()).select_from(t))
            for t in TABLES
        }
        counts["statuses"] = sorted(
            (p.id, p.status, p.capacity) for p in await session.scalars(select(Participant))
        )
        counts["programs"] = sorted(
            (p.id, p.status, str(p.settings)) for p in await session.scalars(select(Program))
        )
        counts["tandems"] = sorted((t.id, t.status) for t in await session.scalars(select(Tandem)))
        counts["surveys"] = sorted(
            (s.id, s.status, str(s.questions)) for s in await session.scalars(select(Survey))
        )
    return counts


async def refusals(db: Database, user_id: int) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.user_id == user_id, AuditEntry.action == "refused")
            )
            or 0
        )


async def test_a_participant_is_refused_every_coordinator_action(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    survey_id = await seed_survey_and_broadcast(db, pair.program_id, coordinator.id)
    user = pair.mentee
    before = await snapshot(db)

    # Commands.
    for name in sorted(COORDINATOR_ONLY_COMMANDS):
        await user.send(f"/{name}")
        expect(await user.next_message(), REFUSED)
    assert await refusals(db, user.id) == len(COORDINATOR_ONLY_COMMANDS)

    # Buttons, with arguments that name real objects.
    ids = {
        "program": pair.program_id,
        "participant": pair.mentor_participant,
        "tandem": pair.tandem_id,
        "survey": survey_id,
    }
    pressed = 0
    for shape in CALLBACKS:
        for value in sorted(set(ids.values())):
            data = ":".join(str(value) if part is ID else part for part in shape)
            query = await user.press_data(data)
            answer = await answer_of(user, query)
            assert answer["show_alert"] and REFUSED in answer["text"], (data, answer)
            pressed += 1
    assert await refusals(db, user.id) == len(COORDINATOR_ONLY_COMMANDS) + pressed

    # Nothing changed, nobody else heard anything, and no dialog was opened.
    assert await snapshot(db) == before
    for other in (pair.mentor, coordinator):
        assert await other.collect() == []
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Dialog)) == 0
    assert [c for c in api.calls if c.status >= 400] == []


async def test_a_coordinator_dialog_left_open_after_revocation_is_closed(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    """A coordinator starts a dialog, loses the role, then types: refused, the dialog gone."""
    pair = await seed_pair(db, api, NOW)
    async with db.session() as session:
        session.add(
            Dialog(
                user_id=pair.mentor.id,
                flow="broadcast",
                step="text",
                data={"program_id": pair.program_id},
                updated_at=NOW,
            )
        )
    await pair.mentor.send("Alle herhören")
    expect(await pair.mentor.next_message(), REFUSED)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Dialog)) == 0
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_the_check_is_made_once_in_the_router(
    monkeypatch: pytest.MonkeyPatch,
    api: FakeBotApi,
    db: Database,
    coordinator: FakeUser,
    bot_at: AnyApplication,
) -> None:
    """With every coordinator handler replaced by a spy, a participant's presses never reach
    one (the router refused them), while a coordinator's do."""
    reached: list[list[str]] = []

    async def spy(ctx: Ctx, rest: list[str]) -> None:
        reached.append(rest)
        ctx.answer()

    async def typed_spy(ctx: Ctx, pressed: buttons.Button) -> None:
        await spy(ctx, pressed.pack().split(":")[1:])

    for key, kind in list(buttons.REGISTRY.items()):
        if kind.type.COORDINATOR:
            monkeypatch.setitem(buttons.REGISTRY, key, buttons.Kind(kind.type, typed_spy))
    pair = await seed_pair(db, api, NOW)
    await pair.mentee.send("/help")
    await pair.mentee.next_message()
    for shape in CALLBACKS:
        data = ":".join("1" if part is ID else part for part in shape)
        query = await pair.mentee.press_data(data)
        assert REFUSED in (await answer_of(pair.mentee, query))["text"]
    assert reached == []

    await coordinator.send("/help")
    await coordinator.next_message()
    query = await coordinator.press_data("ct:v:1")
    await answer_of(coordinator, query)
    assert reached == [["v", "1"]]


async def test_group_chats_get_a_pointer_to_the_private_chat_and_nothing_else(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    group = api.add_group(-100123, "Mentoring <Salzgitter> & Co")
    before = await snapshot(db)

    # Commands in a group: one line, no data, no buttons; plain text is ignored.
    for text in ("/tandem", "/profile", "/start", "/stats", "/mydata", "Hallo zusammen"):
        await pair.mentor.send(text, group=group)
    await coordinator.send("/tandems", group=group)
    # Six answers are due (not the plain text); waiting for them rather than for a quiet moment
    # keeps a loaded machine from counting too early, and the quiet after them shows no seventh.
    await api._wait_until(lambda: len(group.chat) >= 6, 20)
    await api.wait_idle(quiet=0.3)
    replies = group.chat
    assert len(replies) == 6
    for reply in replies:
        expect(reply, "nur im privaten Chat", "https://t.me/TandemTestBot")
        assert not reply.buttons
        assert "Mentor" not in reply.text and "Emil" not in reply.text
    assert await pair.mentor.collect() == [] and await coordinator.collect() == []

    # Added to another group: says so once and leaves.
    other = api.add_group(-100456, "Stammtisch")
    other.add_bot(by=pair.mentee)
    await api.wait_idle()
    assert [m.text for m in other.chat] == [replies[0].text] and other.left
    assert await snapshot(db) == before
    assert [c for c in api.calls if c.status >= 400] == []


async def test_a_coordinator_of_one_program_sees_and_touches_only_that_one(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    """Every coordinator button shape, forged with the ids of another program's objects, by a
    coordinator of one program: all refused, nothing changed, nobody told; lists show only
    their program, and news of the other program does not reach them."""
    other = await seed_pair(db, api, NOW, base=2000)  # program, participants, tandem: id 1
    own_program = await seed_program(db, NOW, "Mein Programm")
    await seed_pair(db, api, NOW, program_id=own_program, base=3000)
    assert other.program_id == 1 and other.tandem_id == 1 and other.mentor_participant == 1
    assert await seed_survey_and_broadcast(db, other.program_id, coordinator.id) == 1
    async with db.session() as session:
        await users.upsert(session, user_id=5555, identity=users.Identity("Sina"), now=NOW)
        await users.grant_coordinator(
            session, 5555, granted_by=None, now=NOW, program_id=own_program
        )
    sina = api.add_user(5555, "Sina")
    before = await snapshot(db)

    await sina.send("/programs")
    listing = await sina.next_message()
    assert any("Mein Programm" in label for label in listing.button_texts), listing.describe()
    assert "Salzgitter" not in listing.text + " ".join(listing.button_texts)
    for command in ("/stats", "/events", "/survey", "/tandems", "/certificates"):
        await sina.send(command)
        for message in await sina.collect(timeout=1.0):
            assert "Salzgitter" not in message.text + " ".join(message.button_texts), command
    for command in ("/newprogram", "/purge", "/makecoordinator 2000"):
        await sina.send(command)
        expect(await sina.next_message(), "alle Programme koordiniert")

    for shape in CALLBACKS:
        data = ":".join("1" if part is ID else part for part in shape)
        query = await sina.press_data(data)
        await answer_of(sina, query)
    await api.wait_idle()
    assert await snapshot(db) == before
    for person in (other.mentor, other.mentee, coordinator):
        assert await person.collect() == []

    # The other program's news goes to its coordinators, not to Sina.
    await other.mentee.send("/deleteme")
    await other.mentee.press("🗑 Ja, endgültig löschen", message=await other.mentee.next_message())
    expect(await coordinator.next_message(), "eigenen Daten gelöscht")
    assert [m for m in await sina.collect() if "gelöscht" in m.text] == []


# Ids no button of ours carries: beyond an SQL INTEGER (PostgreSQL refuses such a parameter
# instead of finding nothing), beyond 64 bits, a Unicode digit int() rejects, a sign, nothing.
HOSTILE_IDS = ("2147483648", "99999999999999999999", "\u00b2", "-1", "")


async def test_hostile_ids_in_any_button_get_a_clear_answer_on_both_databases(
    api: FakeBotApi,
    db: Database,
    coordinator: FakeUser,
    bot_at: AnyApplication,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every button shape, pressed by someone allowed to press it, with hostile ids in place
    of the real ones: each press is answered, none with "something went wrong"."""
    pair = await seed_pair(db, api, NOW)
    await seed_survey_and_broadcast(db, pair.program_id, coordinator.id)
    assert len(PARTICIPANT_CALLBACKS) > 30
    pressed = 0
    for user, shapes in ((coordinator, CALLBACKS), (pair.mentee, PARTICIPANT_CALLBACKS)):
        await user.send("/help")  # a message for the presses to hang on
        await user.next_message()
        for shape in shapes:
            if ID not in shape:
                continue
            for value in HOSTILE_IDS:
                data = ":".join(value if part is ID else part for part in shape)
                query = await user.press_data(data)
                answer = await answer_of(user, query)
                assert "schiefgegangen" not in (answer.get("text") or ""), (data, answer)
                pressed += 1
    assert pressed > 300
    await api.wait_idle(quiet=0.2)
    errors = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert errors == []
    assert refused_calls(api) == []
