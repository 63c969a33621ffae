"""The partners' feedback on meetings: one row per partner and meeting, the "does the tandem
fit?" question that belongs to the tandem, and the meeting's outcome combined from both answers.

Kept apart from `storage.meetings` (proposing, confirming, moving and counting meetings): the
feedback is the partners' answers after a meeting, and of it only the combined outcome flows
back into the meeting row, where `storage.meetings._met` reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.meetings import MeetingStatus, Outcome, combined_outcome
from storage.models import Meeting, MeetingFeedback


async def fit_asked(session: AsyncSession, tandem_id: int, participant_id: int) -> bool:
    """Whether this partner was asked (or answered) "does the tandem fit?" for this tandem."""
    return await _feedback_in_tandem(
        session,
        tandem_id,
        participant_id,
        or_(MeetingFeedback.fit_asked_at.is_not(None), MeetingFeedback.fits.is_not(None)),
    )


async def fit_answered(session: AsyncSession, tandem_id: int, participant_id: int) -> bool:
    return await _feedback_in_tandem(
        session, tandem_id, participant_id, MeetingFeedback.fits.is_not(None)
    )


async def _feedback_in_tandem(
    session: AsyncSession, tandem_id: int, participant_id: int, condition: Any
) -> bool:
    """Whether this partner gave any feedback on a meeting of this tandem matching `condition`:
    the fit question belongs to the tandem, not to one meeting."""
    found = await session.scalar(
        select(
            exists().where(
                MeetingFeedback.participant_id == participant_id,
                MeetingFeedback.meeting_id == Meeting.id,
                Meeting.tandem_id == tandem_id,
                condition,
            )
        )
    )
    return bool(found)


async def feedback_of(
    session: AsyncSession, meeting_id: int, participant_id: int
) -> MeetingFeedback | None:
    found: MeetingFeedback | None = await session.scalar(
        select(MeetingFeedback).where(
            MeetingFeedback.meeting_id == meeting_id,
            MeetingFeedback.participant_id == participant_id,
        )
    )
    return found


async def feedback_row(
    session: AsyncSession, meeting_id: int, participant_id: int, now: dt.datetime
) -> MeetingFeedback:
    row = await feedback_of(session, meeting_id, participant_id)
    if row is None:
        row = MeetingFeedback(meeting_id=meeting_id, participant_id=participant_id, created_at=now)
        session.add(row)
        await session.flush()
    return row


async def record_outcome(session: AsyncSession, meeting: Meeting) -> None:
    """The meeting's outcome from both partners' answers as stored now
    (`core.meetings.combined_outcome`): one partner alone cannot make a meeting count that
    the other says did not happen. A recorded meeting's recorder said "held" by recording it."""
    answers = list(
        (
            await session.scalars(
                select(MeetingFeedback.took_place).where(MeetingFeedback.meeting_id == meeting.id)
            )
        ).all()
    )
    if meeting.status == MeetingStatus.LOGGED:
        answers.append(Outcome.HELD)
    combined = combined_outcome(answers)
    meeting.outcome = combined
    await session.flush()
