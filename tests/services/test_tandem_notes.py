"""A tandem's notes as use cases (issue #13): concerns kept for the card, the program team's
message to one partner or both, the reply, and who may do what."""

from __future__ import annotations

import pytest

from core.tandems import MAX_TANDEM_NOTE, NoteKind, NoteScope, TandemStatus
from services import conversation, tandem_notes, tandems
from services.errors import Refused, Stale
from services.tandem_notes import REPLY_FLOW, WRITE_FLOW, ReplyState, WriteState
from services.unit import UnitOfWork
from storage.db import Database
from storage.models import Tandem
from storage.privacy import personal_data
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run, seed_pair

COORDINATING = {"coordinator": True}


async def _draft(db: Database, tandem_id: int, to: tandem_notes.Recipient, text: str) -> None:
    await run(db, COORDINATOR, lambda uow: tandem_notes.begin(uow, tandem_id, to), **COORDINATING)

    async def typed(uow: UnitOfWork) -> tandem_notes.Draft:
        loaded = await conversation.load(uow, WRITE_FLOW, WriteState)
        assert loaded is not None
        return await tandem_notes.draft(uow, loaded[1], text)

    draft = await run(db, COORDINATOR, typed, **COORDINATING)
    assert draft.problem is None


async def test_a_concern_is_kept_and_the_team_writes_and_the_partner_replies(db: Database) -> None:
    pair = await seed_pair(db)
    await run(db, pair.mentee, lambda uow: tandems.raise_concern(uow, pair.tandem_id, "<b>hm</b>"))
    card = await run(db, COORDINATOR, lambda uow: tandems.card(uow, pair.tandem_id), **COORDINATING)
    assert [(n.kind, n.author_role, n.text) for n in card.notes] == [
        (NoteKind.CONCERN, "mentee", "<b>hm</b>")
    ]

    await _draft(db, pair.tandem_id, "mentee", "  Wie geht es? ")
    sent = await run(
        db, COORDINATOR, lambda uow: tandem_notes.send(uow, pair.tandem_id), **COORDINATING
    )
    assert [p.user_id for p in sent.to] == [pair.mentee]
    assert (sent.note.scope, sent.note.text) == (NoteScope.MENTEE, "Wie geht es?")
    with pytest.raises(Stale):  # sent once: the preview's button is spent
        await run(
            db, COORDINATOR, lambda uow: tandem_notes.send(uow, pair.tandem_id), **COORDINATING
        )

    note_id = sent.note.id
    with pytest.raises(Stale):  # not to the mentor
        await run(db, pair.mentor, lambda uow: tandem_notes.begin_reply(uow, note_id))
    with pytest.raises(Stale):  # nor to a stranger
        await run(db, 4242, lambda uow: tandem_notes.begin_reply(uow, note_id))
    await run(db, pair.mentee, lambda uow: tandem_notes.begin_reply(uow, note_id))
    state = ReplyState(note=note_id)
    empty = await run(db, pair.mentee, lambda uow: tandem_notes.reply(uow, state, "/start"))
    assert empty.problem is not None and empty.problem.key == "error.empty"
    long = "x" * (MAX_TANDEM_NOTE + 1)
    too_long = await run(db, pair.mentee, lambda uow: tandem_notes.reply(uow, state, long))
    assert too_long.problem is not None and too_long.problem.key == "error.too_long"
    replied = await run(db, pair.mentee, lambda uow: tandem_notes.reply(uow, state, "Gut."))
    assert replied.problem is None and [c for c, _ in replied.coordinators] == [COORDINATOR]
    assert await run(db, pair.mentee, conversation.current) is None

    card = await run(db, COORDINATOR, lambda uow: tandems.card(uow, pair.tandem_id), **COORDINATING)
    assert [n.kind for n in card.notes] == [NoteKind.CONCERN, NoteKind.TEAM, NoteKind.REPLY]

    # The right of access: the mentee's notes and the team's message to her; not to the mentor.
    async with db.session() as session:
        theirs = await personal_data(session, pair.mentee)
        partners = await personal_data(session, pair.mentor)
    assert [n["kind"] for n in theirs["tandem_notes"]] == ["concern", "team", "reply"]
    assert partners["tandem_notes"] == []


async def test_to_both_reaches_both_and_only_while_the_tandem_is_active(db: Database) -> None:
    pair = await seed_pair(db)
    await _draft(db, pair.tandem_id, "both", "Hallo")
    sent = await run(
        db, COORDINATOR, lambda uow: tandem_notes.send(uow, pair.tandem_id), **COORDINATING
    )
    assert {p.user_id for p in sent.to} == {pair.mentor, pair.mentee}
    await run(db, pair.mentor, lambda uow: tandem_notes.begin_reply(uow, sent.note.id))
    assert await run(db, pair.mentor, conversation.current) == (REPLY_FLOW, "text")
    async with db.session() as session:
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None
        tandem.status = TandemStatus.DISSOLVED
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: tandem_notes.begin(uow, pair.tandem_id, "both"),
            **COORDINATING,
        )  # fmt: skip
    with pytest.raises(Stale):  # nor does a draft begun before
        await run(
            db, COORDINATOR,
            lambda uow: tandem_notes.draft(uow, WriteState(tandem=pair.tandem_id, to="both"), "x"),
            **COORDINATING,
        )  # fmt: skip
    with pytest.raises(Stale):  # the reply to a dissolved tandem ends the dialog
        await run(
            db, pair.mentor, lambda uow: tandem_notes.reply(uow, ReplyState(note=sent.note.id), "x")
        )


async def test_only_the_programs_coordinators_write(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_program(db, NOW, name="Braunschweig")
    foreign = {"coordinator": True, "scope": frozenset({other})}
    with pytest.raises(Refused):
        await run(db, pair.mentor, lambda uow: tandem_notes.recipients_for(uow, pair.tandem_id))
    with pytest.raises(Refused):
        await run(db, pair.mentor, lambda uow: tandem_notes.begin(uow, pair.tandem_id, "mentor"))
    with pytest.raises(Refused):
        await run(db, pair.mentor, lambda uow: tandem_notes.send(uow, pair.tandem_id))
    with pytest.raises(Stale):
        await run(
            db, 7777, lambda uow: tandem_notes.begin(uow, pair.tandem_id, "mentor"), **foreign
        )
    with pytest.raises(Stale):  # no draft
        await run(
            db, COORDINATOR, lambda uow: tandem_notes.send(uow, pair.tandem_id), **COORDINATING
        )
    with pytest.raises(Stale):  # a team note that does not exist
        await run(db, pair.mentee, lambda uow: tandem_notes.begin_reply(uow, 999))
