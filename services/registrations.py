"""Registrations decided beyond a single press: every pending one approved at once, and a
rejection confirmed, with a reason the person reads if the coordinator gives one.

Approving all goes through `programs.apply`, the rules of one press: each status change is
conditional on "pending", so one decided by another coordinator meanwhile is skipped (and
counted), and everyone approved is told and invited to the upcoming events and surveys. The
confirmation names how many were pending and the newest of them (`upto`): a registration that
arrives after the coordinator confirmed is not approved unseen.

Where a rejection's reason lives (asked for with the works council in mind): only in the
message to the person. It is not stored with the registration, and the audit row says that a
reason was given, not which. Until it is sent the message is a notice row of the durable
schedule (bot/outbox.py); a sent notice keeps no text (storage/reminders.py), and erasing the
person deletes the notices to them not sent yet (storage/erasure.py). The coordinator's dialog
holds the participant's id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.profile import clean_text
from core.programs import ParticipantStatus
from services import conversation, programs
from services.access import pressed_program, require_coordinator
from services.conversation import State
from services.errors import Stale
from services.programs import Decision, ParticipantCard, ProgramCard, Verdict
from services.unit import UnitOfWork
from storage import participants

if TYPE_CHECKING:
    from storage.models import Participant, Program, User

REJECT_FLOW = "reject"
MAX_REASON = 500
NO_REASON = "-"


# --- approving every pending registration ------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """What the confirmation names: how many are pending, and the newest of them."""

    program: Program
    count: int
    upto: int  # the highest registration id among them (0: none)


@dataclass(frozen=True)
class ApprovedAll:
    approved: int
    skipped: int  # pending when confirmed, decided by someone else meanwhile
    told: list[tuple[Participant, User]]  # those approved who can be reached
    card: ProgramCard


async def _pending(uow: UnitOfWork, program: Program) -> list[Participant]:
    found = await participants.list_in_program(uow.session, program.id, ParticipantStatus.PENDING)
    return [p for p in found if p.user_id is not None]


async def pending(uow: UnitOfWork, program_id: int) -> Pending:
    """The confirmation: how many registrations a press on "approve all" would approve."""
    require_coordinator(uow, "approve_all")
    program = await pressed_program(uow, program_id)
    found = await _pending(uow, program)
    if not found:  # an older card's button: decided meanwhile
        raise Stale("approve_all: none pending", key="pp.approve_all.none", alert=True)
    return Pending(program, len(found), max((p.id for p in found), default=0))


async def approve_all(uow: UnitOfWork, program_id: int, upto: int, seen: int) -> ApprovedAll:
    """Approve the registrations pending up to `upto` (those the coordinator was shown, `seen`
    of them), one by one under the rules of a single approval, in one unit of work."""
    require_coordinator(uow, "approve_all")
    program = await pressed_program(uow, program_id)
    approved, told = 0, []
    for participant in await _pending(uow, program):
        if participant.id > upto:
            continue  # arrived after the confirmation: not approved unseen
        decision = await programs.apply(uow, participant, program, ParticipantStatus.ACTIVE)
        if decision.verdict == Verdict.DONE:
            approved += 1
            if decision.tell is not None:
                told.append((participant, decision.tell))
    skipped = max(0, seen - approved)
    uow.audit("approve_all", program=program.id, approved=approved, skipped=skipped)
    return ApprovedAll(approved, skipped, told, await programs.card(uow, program.id))


# --- rejecting with a reason -----------------------------------------------------------------


class RejectState(State):
    """The reason for rejecting this registration, asked for after the button."""

    participant_id: int


@dataclass(frozen=True)
class Rejected:
    decision: Decision
    reason: str | None  # None: rejected without one


def reason_of(text: str | None) -> str | None:
    """The reason typed, cleaned; "" for "-" (none); None when it cannot be taken (empty, a
    command, longer than MAX_REASON)."""
    reason = clean_text(text or "")
    if reason == NO_REASON:
        return ""
    if not reason or reason.startswith("/") or len(reason) > MAX_REASON:
        return None
    return reason


async def to_confirm(uow: UnitOfWork, participant_id: int) -> ParticipantCard | None:
    """A press on "Ablehnen": the card to ask about when rejecting is possible; None lets the
    decision say why not (already rejected, decided meanwhile)."""
    card = await programs.participant_card(uow, participant_id)
    return card if ParticipantStatus.REJECTED in card.transitions else None


async def ask_reason(uow: UnitOfWork, participant_id: int) -> ParticipantCard:
    """ "Mit Begründung ablehnen": the reason is asked for next; only while rejecting is
    possible (the participant is pending)."""
    card = await to_confirm(uow, participant_id)
    if card is None:
        raise Stale("reject: not pending", key="pp.reject.decided", alert=True)
    await conversation.save(uow, REJECT_FLOW, "reason", RejectState(participant_id=participant_id))
    return card


async def reject(uow: UnitOfWork, state: RejectState, reason: str) -> Rejected:
    """Reject with the reason from `reason_of` ("" for none). The dialog ends first, so that a
    registration gone meanwhile (Stale) or a role revoked (Refused) leaves no dialog behind."""
    await conversation.clear(uow)
    decision = await programs.decide(
        uow, state.participant_id, ParticipantStatus.REJECTED, with_reason=bool(reason)
    )
    return Rejected(decision, reason or None)
