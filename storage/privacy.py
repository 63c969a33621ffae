"""Everything stored about one person, for the right of access (GDPR Art. 15, `/mydata`).

Rows are written out column by column from the models, so a column added later appears in the
export without anyone remembering to add it here; only the choice of tables is by hand, and
`tests/storage/test_privacy_storage.py` fails when a table with a user or participant reference
is not covered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    and_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.tandems import NoteScope
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
    TandemNote,
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
    roles = [NoteScope.BOTH, *(NoteScope(p.role) for p in participants)]
    found["tandem_notes"] = await rows(
        TandemNote,
        or_(
            TandemNote.author_id == user_id,
            and_(TandemNote.tandem_id.in_(tandem_ids), TandemNote.scope.in_(roles)),
        ),
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
