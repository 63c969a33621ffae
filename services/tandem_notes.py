"""A tandem's notes (issue #13): what a partner tells the program team (a concern, a private
"does not fit") stays with the tandem and shows on its card; a coordinator writes to one partner
or both through the bot, and a partner's reply reaches the program team and is kept there too.

A reply goes to all coordinators of the program (`services.access.coordinators`), not only to
the one who wrote: the conversation belongs to the program team, the writer may be away or have
lost the role, and every coordinator reads the whole conversation on the tandem's card.

A coordinator reaches a tandem only through a program they coordinate; a partner replies only
to a message the team sent them, in their own active tandem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.profile import clean_text
from core.tandems import MAX_TANDEM_NOTE, NoteKind, NoteScope, TandemStatus
from services import conversation
from services.access import coordinated, coordinators, own_tandem, partners, require_coordinator
from services.conversation import State
from services.errors import Stale
from services.proposal_state import Problem
from services.unit import UnitOfWork
from storage import notes, programs
from storage import tandems as tandem_store

if TYPE_CHECKING:
    from storage.models import Participant, Program, Tandem, TandemNote, User

WRITE_FLOW = "tdnote"
REPLY_FLOW = "tdreply"
TEAM = "team"  # the author role of the program team's messages
ON_CARD = 5  # the newest notes on the tandem's card

Recipient = Literal["mentor", "mentee", "both"]


class WriteState(State):
    """A coordinator's message to a tandem: to whom, then (at the preview) the text."""

    tandem: int
    to: Recipient
    text: str | None = None


class ReplyState(State):
    """A partner's reply to the program team's message `note`."""

    note: int


def _checked(text: str | None) -> tuple[str, Problem | None]:
    written = clean_text(text or "")
    if not written or written.startswith("/"):
        return written, Problem("error.empty")
    if len(written) > MAX_TANDEM_NOTE:
        return written, Problem("error.too_long", limit=MAX_TANDEM_NOTE, length=len(written))
    return written, None


async def from_partner(
    uow: UnitOfWork, tandem_id: int, me: Participant, kind: NoteKind, text: str | None
) -> None:
    """Keep a partner's concern or "does not fit" (no text) with the tandem, for its card."""
    await notes.add(
        uow.session,
        tandem_id=tandem_id,
        author_id=uow.user_id,
        author_role=me.role,
        kind=kind,
        scope=NoteScope.TEAM,
        text=text,
        now=uow.now,
    )


async def on_card(uow: UnitOfWork, tandem_id: int) -> list[TandemNote]:
    return await notes.latest(uow.session, tandem_id, ON_CARD)


# --- the program team writes -----------------------------------------------------------------


async def _writable(uow: UnitOfWork, tandem_id: int, what: str) -> Tandem:
    """The active, introduced tandem of a program this coordinator coordinates."""
    require_coordinator(uow, what)
    tandem = await tandem_store.get_tandem(uow.session, tandem_id)
    if tandem is None or await coordinated(uow, tandem.program_id) is None:
        raise Stale("tandem", alert=True)
    if tandem.status != TandemStatus.ACTIVE or tandem.introduced_at is None:
        raise Stale("tandem not reachable", key="tn.not_reachable", alert=True)
    return tandem


async def recipients_for(uow: UnitOfWork, tandem_id: int) -> Tandem:
    """The card's "write to this tandem": whom to write to is asked next."""
    return await _writable(uow, tandem_id, "td:w")


async def begin(uow: UnitOfWork, tandem_id: int, to: Recipient) -> Tandem:
    """The recipient chosen: the text is asked (a dialog)."""
    tandem = await _writable(uow, tandem_id, "td:wt")
    await conversation.save(uow, WRITE_FLOW, "text", WriteState(tandem=tandem.id, to=to))
    return tandem


@dataclass(frozen=True)
class Draft:
    tandem: Tandem
    to: Recipient
    text: str
    problem: Problem | None = None


async def draft(uow: UnitOfWork, state: WriteState, text: str | None) -> Draft:
    """The typed text, kept in the dialog for the preview; nothing is sent yet. A tandem
    dissolved meanwhile ends the dialog."""
    try:
        tandem = await _writable(uow, state.tandem, "tdnote")
    except Stale:
        await conversation.clear(uow)
        raise
    written, problem = _checked(text)
    if problem is None:
        state.text = written
        await conversation.save(uow, WRITE_FLOW, "confirm", state)
    return Draft(tandem, state.to, written, problem)


@dataclass(frozen=True)
class Sent:
    tandem: Tandem
    note: TandemNote
    to: list[Participant]  # the partners it goes to (those who still have a chat)
    program: Program | None = None


async def send(uow: UnitOfWork, tandem_id: int) -> Sent:
    """The preview's "send": stored with the tandem, for the partners it goes to."""
    require_coordinator(uow, "td:ws")
    loaded = await conversation.load(uow, WRITE_FLOW, WriteState)
    if loaded is None or loaded[1].text is None or loaded[1].tandem != tandem_id:
        raise Stale("no tandem message draft", edit=True)
    state, text = loaded[1], loaded[1].text
    await conversation.clear(uow)
    tandem = await _writable(uow, state.tandem, "td:ws")
    scope = NoteScope(state.to)
    note = await notes.add(
        uow.session,
        tandem_id=tandem.id,
        author_id=uow.user_id,
        author_role=TEAM,
        kind=NoteKind.TEAM,
        scope=scope,
        text=text,
        now=uow.now,
    )
    uow.audit("tandem_note", tandem=tandem.id, to=scope.value)
    to = [p for p in (tandem.mentor, tandem.mentee) if scope.reaches(p.role) and p.user_id]
    return Sent(tandem, note, to, await programs.get(uow.session, tandem.program_id))


async def discard(uow: UnitOfWork) -> None:
    require_coordinator(uow, "td:wx")
    await conversation.clear(uow)


# --- a partner replies -----------------------------------------------------------------------


async def _answerable(uow: UnitOfWork, note_id: int) -> tuple[TandemNote, Tandem]:
    """The team's message to this partner, in their own active tandem; else the press is
    stale (a forged id, another tandem's message, a dissolved tandem)."""
    note = await notes.get(uow.session, note_id)
    if note is None or note.kind is not NoteKind.TEAM:
        raise Stale("tandem note", alert=True)
    tandem = await own_tandem(uow, note.tandem_id)
    if tandem is None or not note.scope.reaches(partners(tandem, uow.user_id)[0].role):
        raise Stale("tandem note", alert=True)
    return note, tandem


async def begin_reply(uow: UnitOfWork, note_id: int) -> None:
    note, _ = await _answerable(uow, note_id)
    await conversation.save(uow, REPLY_FLOW, "text", ReplyState(note=note.id))


@dataclass(frozen=True)
class Replied:
    tandem: Tandem
    me: Participant
    partner: Participant
    text: str
    problem: Problem | None = None
    program: Program | None = None
    coordinators: tuple[tuple[int, User | None], ...] = ()


async def reply(uow: UnitOfWork, state: ReplyState, text: str | None) -> Replied:
    """The partner's reply, kept with the tandem, for all coordinators of the program."""
    try:
        _, tandem = await _answerable(uow, state.note)
    except Stale:
        await conversation.clear(uow)
        raise Stale("tandem", key="tandem.none") from None
    me, partner = partners(tandem, uow.user_id)
    written, problem = _checked(text)
    if problem is not None:
        return Replied(tandem, me, partner, written, problem)
    await conversation.clear(uow)
    await notes.add(
        uow.session,
        tandem_id=tandem.id,
        author_id=uow.user_id,
        author_role=me.role,
        kind=NoteKind.REPLY,
        scope=NoteScope.TEAM,
        text=written,
        now=uow.now,
    )
    uow.audit("tandem_reply", tandem=tandem.id)
    program = await programs.get(uow.session, tandem.program_id)
    told = tuple(await coordinators(uow, tandem.program_id))
    return Replied(tandem, me, partner, written, None, program, told)
