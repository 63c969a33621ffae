"""Everything stored about one person, for the right of access (GDPR Art. 15, `/mydata`).

Rows are written out column by column from the models, so a column added later appears in the
export without anyone remembering to add it here; only the choice of tables is by hand, and
`tests/storage/test_privacy_storage.py` fails when a table with a user or participant reference
is not covered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.programs import ParticipantStatus
from core.reminders import State
from storage.matching import ACTIVE, DISSOLVED
from storage.meetings import Status
from storage.models import (
    AuditEntry,
    Base,
    Certificate,
    Coordinator,
    Delivery,
    Dialog,
    EventRsvp,
    Meeting,
    MeetingFeedback,
    Participant,
    Reminder,
    SurveyResponse,
    Tandem,
    User,
)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def as_dict(row: Base) -> dict[str, Any]:
    return {c.key: _value(getattr(row, c.key)) for c in row.__mapper__.column_attrs}


async def personal_data(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Table name -> the rows about the user. Tandems and meetings are the user's own tandems'
    (the partner's profile is not included; their name is, as it was shown in the chat)."""
    user = await session.get(User, user_id)
    if user is None:
        return {}
    found: dict[str, list[Base]] = {"users": [user]}

    async def rows(model: type[Base], *conditions: Any) -> list[Base]:
        query = select(model).where(*conditions)
        return list((await session.scalars(query)).all())

    participants = list(
        (await session.scalars(select(Participant).where(Participant.user_id == user_id))).all()
    )
    mine = [p.id for p in participants]
    found["participants"] = list(participants)
    found["coordinators"] = await rows(Coordinator, Coordinator.user_id == user_id)
    found["dialogs"] = await rows(Dialog, Dialog.user_id == user_id)
    tandems = list(
        (
            await session.scalars(
                select(Tandem).where(or_(Tandem.mentor_id.in_(mine), Tandem.mentee_id.in_(mine)))
            )
        ).all()
    )
    found["tandems"] = list(tandems)
    tandem_ids = [t.id for t in tandems]
    found["meetings"] = await rows(Meeting, Meeting.tandem_id.in_(tandem_ids))
    found["meeting_feedback"] = await rows(
        MeetingFeedback, MeetingFeedback.participant_id.in_(mine)
    )
    found["event_rsvps"] = await rows(EventRsvp, EventRsvp.participant_id.in_(mine))
    found["survey_responses"] = await rows(SurveyResponse, SurveyResponse.participant_id.in_(mine))
    found["certificates"] = await rows(Certificate, Certificate.participant_id.in_(mine))
    found["reminders"] = await rows(Reminder, Reminder.user_id == user_id)
    found["deliveries"] = await rows(Delivery, Delivery.user_id == user_id)
    found["audit_log"] = await rows(AuditEntry, AuditEntry.user_id == user_id)
    result = {name: [as_dict(r) for r in items] for name, items in found.items()}
    partners: dict[int, str] = {}
    for tandem in tandems:
        for side in ("mentor_id", "mentee_id"):
            other = getattr(tandem, side)
            if other not in mine:
                partner = await session.get(Participant, other)
                if partner is not None:
                    partners[other] = partner.name
    result["tandem_partners"] = [{"participant_id": k, "name": v} for k, v in partners.items()]
    return result


# --- erasure (GDPR Art. 17, /deleteme) ---------------------------------------------------------

ERASED_NAME = "–"  # what lists show for an erased participant: language-neutral, obviously empty
ERASED_REASON = "erased"  # a tandem's dissolve reason when a partner erased their data


@dataclass(frozen=True)
class Departure:
    """One erased registration, as it was: who is to be told what."""

    program_id: int
    name: str
    role: str
    partners: list[Participant]  # of the tandems that ended (still introduced ones only)
    form_of_address: str = "n"  # so that the partner reads "Ihre Mentorin Petra Schulz hat …"


async def erase(session: AsyncSession, user_id: int, now: dt.datetime) -> list[Departure]:
    """Erase a person's data in one transaction, keeping anonymous rows for the counts.

    Registrations stay as anonymous rows (no user, no profile, status "left"), so that the
    partner's tandem, its meetings and the program's figures keep their numbers; active
    tandems end and their upcoming meetings are cancelled; free text the person wrote
    (feedback notes, open survey answers) goes; everything addressed to them (reminders,
    deliveries, dialogs, roles) and the user row itself are deleted; the audit log keeps the
    actions without the person's id.
    """
    participants = list(
        (await session.scalars(select(Participant).where(Participant.user_id == user_id))).all()
    )
    mine = [p.id for p in participants]
    departures: list[Departure] = []
    for person in participants:
        tandems = (
            await session.scalars(
                select(Tandem).where(
                    or_(Tandem.mentor_id == person.id, Tandem.mentee_id == person.id),
                    Tandem.status == ACTIVE,
                )
            )
        ).all()
        partners: list[Participant] = []
        for tandem in tandems:
            await session.execute(
                update(Tandem)
                .where(Tandem.id == tandem.id, Tandem.status == ACTIVE)
                .values(status=DISSOLVED, dissolved_at=now, dissolve_reason=ERASED_REASON)
                .execution_options(synchronize_session=False)
            )
            upcoming = select(Meeting.id).where(
                Meeting.tandem_id == tandem.id,
                Meeting.status.in_((Status.PROPOSED.value, Status.CONFIRMED.value)),
                Meeting.starts_at > now,
            )
            meeting_ids = list((await session.scalars(upcoming)).all())
            if meeting_ids:
                await session.execute(
                    update(Meeting)
                    .where(Meeting.id.in_(meeting_ids))
                    .values(status=Status.CANCELLED.value, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            await session.execute(
                update(Reminder)
                .where(
                    Reminder.state == State.PENDING.value,
                    or_(Reminder.tandem_id == tandem.id, Reminder.meeting_id.in_(meeting_ids)),
                )
                .values(state=State.CANCELLED.value, done_at=now)
                .execution_options(synchronize_session=False)
            )
            other = tandem.mentee_id if tandem.mentor_id == person.id else tandem.mentor_id
            partner = await session.get(Participant, other)
            if partner is not None and tandem.introduced_at is not None:
                partners.append(partner)
        departures.append(
            Departure(person.program_id, person.name, person.role, partners, person.form_of_address)
        )
    if mine:
        await session.execute(
            update(Participant)
            .where(Participant.id.in_(mine))
            .values(
                user_id=None,
                erased_at=now,
                status=ParticipantStatus.LEFT,
                name=ERASED_NAME,
                company="",
                industry="",
                position="",
                topics=[],
                goals="",
                form_of_address="n",  # how they wished to be addressed is theirs too
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(MeetingFeedback)
            .where(MeetingFeedback.participant_id.in_(mine))
            .values(comment=None)
            .execution_options(synchronize_session=False)
        )
        responses = await session.scalars(
            select(SurveyResponse).where(SurveyResponse.participant_id.in_(mine))
        )
        for response in responses:
            # Numbers and choices stay for the figures; what they wrote in their words goes.
            response.answers = {k: v for k, v in response.answers.items() if not isinstance(v, str)}
    for model in (Reminder, Delivery, Dialog, Coordinator):
        await session.execute(delete(model).where(model.user_id == user_id))
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.user_id == user_id)
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(User).where(User.id == user_id))
    await session.flush()
    for person in participants:
        await session.refresh(person)
    return departures
