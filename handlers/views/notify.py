"""Messages to people other than the one who acted: the coordinators of a program about a new
registration (with the buttons to decide on it), a participant about a decision on theirs.

The participant buttons (`pp`) are declared here because this is where a coordinator first sees
them; the card they open lives in handlers/programs.py, and other flows (a survey's wish for a
new partner) link to it with `ParticipantButton`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.buttons import Button
from bot.context import Ctx
from core.programs import ParticipantStatus
from handlers.keyboards import button as key
from handlers.keyboards import rows
from handlers.views import fields
from handlers.views.address import role_label
from handlers.views.contact import with_contact
from services import coordinators

if TYPE_CHECKING:
    from bot.i18n import Translator
    from storage.models import Participant, Program, User


class _Buttons(Button, prefix="pp", coordinator=True):
    """The participant card's buttons: `pp:<action>:...`, the coordinators' alone."""


class _OnParticipant(_Buttons, prefix="pp", coordinator=True):
    """A press on one participant: `pp:<action>:<participant>`."""

    participant: int


class ParticipantButton(_OnParticipant, action="v"):
    """Open a participant's card."""


class SetStatus(_Buttons, action="s"):
    """Approve, reject, pause, ... (the target status)."""

    participant: int
    status: ParticipantStatus


class CycleCapacity(_OnParticipant, action="cap"): ...


class AskGrant(_OnParticipant, action="co"):
    """Make the participant a coordinator of the program: asks first."""


class Grant(_OnParticipant, action="coy"): ...


async def new_registration(ctx: Ctx, program: Program, participant: Participant) -> None:
    reached = await coordinators.reachable(ctx.uow, program.id)
    for coordinator_id, coordinator in reached:
        t = ctx.for_user(coordinator)
        text = t(
            "coord.new_registration",
            program=program.name,
            role=role_label(t, participant),
            name=participant.name,
            company=participant.company,
            industry=participant.industry,
            position=participant.position,
        )
        markup = rows(
            [
                key(t.plain("coord.approve"), SetStatus(participant.id, ParticipantStatus.ACTIVE)),
                key(t.plain("coord.reject"), SetStatus(participant.id, ParticipantStatus.REJECTED)),
            ],
            [key(t.plain("coord.details"), ParticipantButton(participant.id))],
        )
        ctx.send_to(coordinator_id, text, markup)


def status_changed(
    ctx: Ctx, program: Program, participant: Participant, user: User, reason: str | None = None
) -> None:
    """Tell the participant about a decision, for the statuses that have a notice; a rejection
    with the coordinator's reason, when one was given."""
    t = ctx.for_user(user)
    notice = f"participant.status.{participant.status}"
    if not t.has(notice):
        return
    text = t(notice, program=program.name)
    if reason:
        text += "\n\n" + t("participant.status.reason", reason=reason)
    if participant.status == ParticipantStatus.REJECTED:  # after the reason: whom to ask
        text = with_contact(t, text + "\n\n" + t("participant.rejected_questions"), program)
    ctx.send_to(participant.user_id, text)


def profile_block(t: Translator, participant: Participant) -> str:
    return fields.render_profile(t, fields.values_of(participant))
