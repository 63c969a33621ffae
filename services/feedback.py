"""Feedback after a meeting: did it take place, how useful was it, a note for the program team,
and after the first meeting, privately, whether the tandem fits (once per partner and tandem).

Nothing here is ever shown to the partner. One partner alone cannot make a meeting count that
the other says did not happen: answers that contradict each other make it disputed, for a
coordinator to settle. A meeting recorded afterwards (services/meeting_log.py) counts once the
partner confirms it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.meetings import Outcome
from core.profile import clean_text
from core.reminders import Kind
from core.tandems import NoteKind
from services import conversation, tandem_notes
from services import meetings as meeting_cases
from services.access import coordinators, own_meeting, partners
from services.conversation import State
from services.errors import Stale
from services.meetings import Parties
from services.proposal_state import Problem
from services.unit import UnitOfWork
from storage import meeting_feedback, meetings, reminders, tandems

if TYPE_CHECKING:
    from storage.models import Meeting, MeetingFeedback, Participant, Program, Tandem, User

NOTE_FLOW = "fbnote"
MAX_COMMENT = 500
RATINGS = range(1, 6)


class NoteState(State):
    meeting: int


@dataclass(frozen=True)
class Offer:
    tandem: Tandem
    program: Program
    partner: Participant
    open: list[Meeting]  # past meetings still waiting for this partner's answer


async def offer(uow: UnitOfWork, tandem: Tandem) -> Offer:
    me, partner = partners(tandem, uow.user_id)
    open_ones = []
    for meeting in await meetings.recent_past(uow.session, tandem.id, uow.now):
        answer = await meeting_feedback.feedback_of(uow.session, meeting.id, me.id)
        if answer is None or answer.took_place is None:
            open_ones.append(meeting)
    return Offer(tandem, await meeting_cases.program_of(uow, tandem), partner, open_ones)


async def pressed_meeting(uow: UnitOfWork, meeting_id: int) -> Parties:
    """The user's own meeting that has begun: the only kind feedback is about."""
    meeting = await own_meeting(uow, meeting_id)
    if meeting is None or meeting.starts_at > uow.now:
        raise Stale("meeting", alert=True)
    return await meeting_cases.parties(uow, meeting)


async def _my_row(uow: UnitOfWork, found: Parties) -> MeetingFeedback:
    return await meeting_feedback.feedback_row(uow.session, found.meeting.id, found.me.id, uow.now)


def _already() -> Stale:
    """An answer stands once given: a second press only loses its keyboard."""
    return Stale("answered", key="fb.already", edit=True)


@dataclass(frozen=True)
class Answered:
    parties: Parties
    outcome: Outcome


@dataclass(frozen=True)
class Verified:
    """The partner of a recorded meeting decided it (held or not); the recorder is told."""

    parties: Parties  # me: who decided; partner: who recorded it
    held: bool


async def took_place(uow: UnitOfWork, meeting_id: int, outcome: Outcome) -> Answered | Verified:
    """A partner's answer whether the meeting took place; it stands once given. The partner of
    a recorded meeting answers the one question that decides it instead."""
    found = await pressed_meeting(uow, meeting_id)
    meeting = found.meeting
    if meetings.awaiting_verification(meeting) and meeting.proposed_by != uow.user_id:
        return await verify(uow, meeting_id, outcome is Outcome.HELD)
    row = await _my_row(uow, found)
    if row.took_place is not None or outcome is Outcome.DISPUTED:
        raise _already()
    row.took_place = outcome
    row.answered_at = uow.now
    await meeting_feedback.record_outcome(uow.session, meeting)
    await reminders.cancel(
        uow.session,
        now=uow.now,
        meeting_id=meeting.id,
        user_id=uow.user_id,
        kinds=[Kind.FEEDBACK.value, Kind.FEEDBACK_AGAIN.value],
    )
    if outcome is Outcome.HELD:
        await tandems.reset_nudges(uow.session, meeting.tandem_id)
    return Answered(found, outcome)


async def rate(uow: UnitOfWork, meeting_id: int, rating: int) -> Parties:
    """How useful it was (1-5); then the note is asked (a dialog)."""
    if rating not in RATINGS:
        raise Stale(f"rating {rating}")
    found = await pressed_meeting(uow, meeting_id)
    row = await _my_row(uow, found)
    if row.took_place is None:  # rated from an old button
        row.took_place = Outcome.HELD
        await meeting_feedback.record_outcome(uow.session, found.meeting)
    row.rating = rating
    row.answered_at = uow.now
    await conversation.save(uow, NOTE_FLOW, "text", NoteState(meeting=meeting_id))
    return found


async def _ask_fit(uow: UnitOfWork, found: Parties) -> bool:
    """Whether to ask this partner now whether the tandem fits: after their first feedback,
    once per partner and tandem, whatever meetings follow or are recorded for earlier days."""
    row = await _my_row(uow, found)
    if await meeting_feedback.fit_asked(uow.session, found.meeting.tandem_id, found.me.id):
        return False
    row.fit_asked_at = uow.now
    return True


async def skip_note(uow: UnitOfWork, meeting_id: int) -> tuple[Parties, bool]:
    """No note: (the meeting, whether to ask the fit question now)."""
    found = await pressed_meeting(uow, meeting_id)
    await conversation.clear(uow)
    return found, await _ask_fit(uow, found)


@dataclass(frozen=True)
class Noted:
    parties: Parties
    problem: Problem | None  # the note cannot be taken; the dialog stays
    ask_fit: bool = False


async def note(uow: UnitOfWork, state: NoteState, text: str | None) -> Noted:
    """The note for the program team. If the meeting is no longer the user's (their tandem is
    gone) the dialog ends and the user is told they have no tandem (Stale)."""
    meeting = await own_meeting(uow, state.meeting)
    if meeting is None:
        await conversation.clear(uow)
        raise Stale("meeting", key="tandem.none")
    found = await meeting_cases.parties(uow, meeting)
    written = clean_text(text or "")
    if not written or written.startswith("/") or len(written) > MAX_COMMENT:
        key = "error.too_long" if len(written) > MAX_COMMENT else "fb.comment_bad"
        return Noted(found, Problem(key, limit=MAX_COMMENT, length=len(written)))
    row = await _my_row(uow, found)
    row.comment = written
    await conversation.clear(uow)
    return Noted(found, None, await _ask_fit(uow, found))


@dataclass(frozen=True)
class Told:
    """An answer the program's coordinators hear about (`coordinators`: id and user row)."""

    parties: Parties
    coordinators: list[tuple[int, User | None]]


async def fits(uow: UnitOfWork, meeting_id: int, fit: bool) -> Told:
    """The private answer whether the tandem fits; a "no" goes to the coordinators."""
    found = await pressed_meeting(uow, meeting_id)
    row = await _my_row(uow, found)
    if row.fits is not None or await meeting_feedback.fit_answered(
        uow.session, found.meeting.tandem_id, found.me.id
    ):
        raise _already()
    row.fits = fit
    uow.audit("fit", meeting=meeting_id, fits=fit)
    if not fit:  # kept with the tandem, for its card
        await tandem_notes.from_partner(
            uow, found.meeting.tandem_id, found.me, NoteKind.UNFIT, None
        )
    told = [] if fit else await coordinators(uow, found.program.id)
    return Told(found, told)


async def rematch(uow: UnitOfWork, meeting_id: int, wanted: bool) -> Told:
    """After a "does not fit": whether the partner wants another tandem; a yes goes to the
    coordinators."""
    found = await pressed_meeting(uow, meeting_id)
    row = await _my_row(uow, found)
    if row.fits is not False or row.rematch_requested is not None:
        raise _already()
    row.rematch_requested = wanted
    told = await coordinators(uow, found.program.id) if wanted else []
    return Told(found, told)


async def verify(uow: UnitOfWork, meeting_id: int, held: bool) -> Verified:
    """The partner of a recorded meeting confirms it (it counts from now on) or says it did not
    take place (it never counts); decided once, by them or a coordinator."""
    found = await pressed_meeting(uow, meeting_id)
    meeting = found.meeting
    if meeting.proposed_by == uow.user_id or not meetings.awaiting_verification(meeting):
        raise Stale("decided", key="fb.verify_decided", alert=True, edit=True)
    if held:
        if not await meetings.verify_logged(uow.session, meeting, uow.now):
            raise Stale("decided", key="fb.verify_decided", alert=True)
        row = await _my_row(uow, found)
        row.took_place = Outcome.HELD
        row.answered_at = uow.now
        await tandems.reset_nudges(uow.session, meeting.tandem_id)
    elif not await meetings.reject_logged(uow.session, meeting, uow.now):
        raise Stale("decided", key="fb.verify_decided", alert=True)
    uow.audit("meeting_verified" if held else "meeting_rejected", meeting=meeting.id)
    return Verified(found, held)
