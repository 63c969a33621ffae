"""The typed SQLAlchemy models, one module per aggregate.

Everything is re-exported here so that `from storage.models import X` names any model, and so that
importing this package registers every table on `Base.metadata`: Alembic's env compares the
migrations with that metadata and must see all of it.
"""

from __future__ import annotations

from storage.models.base import NAMING_CONVENTION, Base, EnumText, UtcDateTime
from storage.models.certificates import Certificate
from storage.models.companies import (
    Company,
    CompanyAlias,
    CompanyDistinction,
    CompanyExclusion,
    CompanyGroup,
)
from storage.models.events import EventRsvp, ProgramEvent
from storage.models.housekeeping import AuditEntry, Dialog, ProcessedUpdate
from storage.models.matching import MatchProposal, Tandem
from storage.models.meetings import Meeting, MeetingFeedback
from storage.models.notes import TandemNote
from storage.models.outbox import FINISHED_WITHOUT_PAYLOAD, Broadcast, Delivery, Reminder
from storage.models.programs import Participant, Program
from storage.models.surveys import Survey, SurveyResponse
from storage.models.users import Coordinator, User

__all__ = [
    "FINISHED_WITHOUT_PAYLOAD",
    "NAMING_CONVENTION",
    "AuditEntry",
    "Base",
    "Broadcast",
    "Certificate",
    "Company",
    "CompanyAlias",
    "CompanyDistinction",
    "CompanyExclusion",
    "CompanyGroup",
    "Coordinator",
    "Delivery",
    "Dialog",
    "EnumText",
    "EventRsvp",
    "MatchProposal",
    "Meeting",
    "MeetingFeedback",
    "Participant",
    "ProcessedUpdate",
    "Program",
    "ProgramEvent",
    "Reminder",
    "Survey",
    "SurveyResponse",
    "Tandem",
    "TandemNote",
    "User",
    "UtcDateTime",
]
