"""The program team corrects a participant's profile (a company's spelling, a position) from the
participant's card; the participant is told what changed.

The same validation as the participant's own /profile (`core.profile.parse_text`), and a
company goes through the same "Meinten Sie …?" question (services/company_choice.py), so that a
corrected company links the directory's employer: one employer under any spelling. Only the
plain text fields are offered; the role, topics, goals and the form of address stay the
participant's own. The audit row names the registration and the field, not the values (the
profile holds them; an old value in the log would outlive the person's erasure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.profile import FIELDS_BY_NAME, InvalidInput, parse_text
from services import company_choice, conversation, programs
from services.company_choice import Offer, Question
from services.conversation import State
from services.errors import Refused, Stale
from services.programs import ParticipantCard
from services.unit import UnitOfWork
from storage import participants

if TYPE_CHECKING:
    from storage.models import User

FLOW = "ppedit"
FIELDS = ("name", "company", "industry", "position")


class EditState(State):
    """Which registration is corrected; the field is the dialog's step."""

    participant_id: int
    company_choice: Question | None = None


@dataclass(frozen=True)
class Asked:
    """The field is asked for (again, with `error` when the last answer could not be taken)."""

    card: ParticipantCard
    field: str
    error: InvalidInput | None = None

    @property
    def limit(self) -> int:
        return FIELDS_BY_NAME[self.field].max_length

    @property
    def current(self) -> str | None:
        value: str | None = getattr(self.card.participant, self.field)
        return value


@dataclass(frozen=True)
class Offered:
    """A typed company that is probably a known one: "Meinten Sie …?"."""

    card: ParticipantCard
    offer: Offer


@dataclass(frozen=True)
class Edited:
    """The field stored (`changed` False: the value was the same, nothing stored or told);
    `tell` is the participant when they can be reached."""

    card: ParticipantCard
    field: str
    value: str
    changed: bool
    tell: User | None = None


async def choices(uow: UnitOfWork, participant_id: int) -> ParticipantCard:
    """ "Angaben bearbeiten": the fields to choose from, on the participant's card."""
    return await programs.participant_card(uow, participant_id)


async def begin(uow: UnitOfWork, participant_id: int, field: str) -> Asked:
    card = await programs.participant_card(uow, participant_id)
    if field not in FIELDS:
        raise Stale(f"ppedit: field {field}")
    await conversation.save(uow, FLOW, field, EditState(participant_id=participant_id))
    return Asked(card, field)


async def _reached(uow: UnitOfWork, state: EditState) -> ParticipantCard:
    """The participant, re-checked on every step (role, program, not erased); else the dialog
    ends."""
    try:
        return await programs.participant_card(uow, state.participant_id)
    except (Stale, Refused):
        await conversation.clear(uow)
        raise


async def typed(
    uow: UnitOfWork, step: str, state: EditState, text: str | None
) -> Asked | Offered | Edited:
    card = await _reached(uow, state)
    if step not in FIELDS:
        await conversation.clear(uow)
        raise Stale(f"ppedit: step {step}")
    try:
        value = parse_text(FIELDS_BY_NAME[step], text)
    except InvalidInput as error:
        return Asked(card, step, error)
    if step == "company" and value != card.participant.company:
        found = await company_choice.look_up(uow, value)
        if found.question is not None:
            state.company_choice = found.question
            await conversation.save(uow, FLOW, step, state)
            return Offered(card, await company_choice.offer(uow, found.question))
        return await _store(uow, card, step, value, found.company_id)
    return await _store(uow, card, step, value)


async def pick_company(uow: UnitOfWork, participant_id: int, company_id: int | None) -> Edited:
    """A press on "Meinten Sie …?" about this participant: a company offered in this very
    question, or the spelling as typed (None). Anything else (forged, merged away since, an
    older question's keyboard) is stale; the dialog stays open."""
    loaded = await conversation.load(uow, FLOW, EditState)
    state = loaded[1] if loaded is not None else None
    if loaded is None or loaded[0] != "company" or state is None or state.company_choice is None:
        raise Stale("ppedit: no company question", edit=True)
    if state.participant_id != participant_id:
        raise Stale("ppedit: another participant's question", edit=True)
    card = await _reached(uow, state)
    assert state.company_choice is not None
    chosen = await company_choice.answer(uow, state.company_choice, company_id)
    if chosen is None:
        raise Stale("ppedit: company not offered", alert=True)
    return await _store(uow, card, "company", chosen.name, chosen.company_id)


async def _store(
    uow: UnitOfWork, card: ParticipantCard, field: str, value: str, company_id: int | None = None
) -> Edited:
    await conversation.clear(uow)
    participant = card.participant
    if getattr(participant, field) == value and (company_id is None or field != "company"):
        return Edited(card, field, value, changed=False)
    await participants.update_field(
        uow.session, participant, field, value, uow.now, company_id=company_id
    )
    uow.audit("participant_edited", participant=participant.id, field=field)
    card = await programs.participant_card(uow, participant.id)
    contact = card.contact
    tell = contact if contact is not None and contact.reachable else None
    return Edited(card, field, value, changed=True, tell=tell)
