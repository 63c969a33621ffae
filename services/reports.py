"""The coordinators' reports (/stats, /export) as use cases: a program's figures and its data.

A coordinator reaches only the programs they coordinate: the chooser lists those, and a pressed
program id of another program (or a forged one) is a stale press. The figures and rows come
aggregated from `storage.reports` (figures) and `storage.exports` (rows); the at-risk rule and
the per-month counts are `core.stats`. What comes back is data: the handler renders the
message, the tables and the files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.export_tables import FeedbackRow, MeetingRow, ParticipantRow, TandemRow
from core.reminders import Policy
from core.stats import AtRisk, Month, ProgramStats, at_risk, month_axis, per_month
from core.surveys import SurveyStatus
from services.access import pressed_program, require_coordinator, visible_programs
from services.unit import UnitOfWork
from storage import exports, surveys
from storage import reports as store

if TYPE_CHECKING:
    from storage.models import Program, Survey
    from storage.surveys import Answered, Reach


@dataclass(frozen=True)
class SurveyResults:
    """A survey that has gone out, with its completed responses and how far it reached."""

    survey: Survey
    answered: list[Answered]
    reach: Reach


@dataclass(frozen=True)
class Stats:
    program: Program
    figures: ProgramStats
    risky: list[AtRisk]
    quiet_days: int  # the program's nudge setting: 0 means only ratings mark a tandem at risk
    surveys: list[SurveyResults]


@dataclass(frozen=True)
class Chart:
    """Held meetings per month: one series per program (the exported one first, always), the
    months of the axis in order."""

    series: list[tuple[str, list[int]]]
    months: list[Month]


@dataclass(frozen=True)
class Export:
    program: Program
    participants: list[ParticipantRow]
    tandems: list[TandemRow]
    meetings: list[MeetingRow]
    feedback: list[FeedbackRow]
    surveys: list[tuple[Survey, list[Answered]]]
    chart: Chart


async def programs(uow: UnitOfWork, what: str) -> list[Program]:
    """The programs a coordinator may report on (the command's chooser; one goes straight on)."""
    require_coordinator(uow, what)
    return await visible_programs(uow)


async def stats(uow: UnitOfWork, program_id: int) -> Stats:
    require_coordinator(uow, "stats")
    program = await pressed_program(uow, program_id)
    figures = await store.program_stats(uow.session, program.id, uow.now)
    quiet_days = Policy.from_settings(program.settings).nudge_after_days
    risky = at_risk(figures.tandems, quiet_after_days=quiet_days, now=uow.now)
    results = [
        SurveyResults(survey, answered, await surveys.reach(uow.session, survey.id))
        for survey, answered in await _sent_surveys(uow, program)
    ]
    return Stats(program, figures, risky, quiet_days, results)


async def export(uow: UnitOfWork, program_id: int) -> Export:
    require_coordinator(uow, "export")
    program = await pressed_program(uow, program_id)
    session, now = uow.session, uow.now
    return Export(
        program,
        await exports.participant_rows(session, program.id),
        await exports.tandem_rows(session, program.id, now),
        await exports.meeting_rows(session, program.id),
        await exports.feedback_rows(session, program.id),
        await _sent_surveys(uow, program),
        await _chart(uow, program),
    )


async def _sent_surveys(uow: UnitOfWork, program: Program) -> list[tuple[Survey, list[Answered]]]:
    """Each survey that has gone out, with its completed responses (drafts have none)."""
    return [
        (survey, await surveys.completed(uow.session, survey.id))
        for survey in await surveys.for_program(uow.session, program.id)
        if survey.status != SurveyStatus.DRAFT.value
    ]


async def _chart(uow: UnitOfWork, program: Program) -> Chart:
    """This program beside every other current one the coordinator sees, so a cohort can be
    compared; months are counted in each program's own zone."""
    others = [p for p in await visible_programs(uow) if p.id != program.id]
    everyone = [program, *others]
    zones = {p.id: ZoneInfo(p.timezone) for p in everyone}
    times = await exports.held_meeting_times(uow.session, [p.id for p in everyone], uow.now)
    counts = per_month(times, zones, zones[program.id])
    months = month_axis(counts)
    empty: Counter[Month] = Counter()
    series = [
        (p.name, [counts.get(p.id, empty)[m] for m in months])
        for p in everyone
        if p.id == program.id or p.id in counts
    ]
    return Chart(series, months)
