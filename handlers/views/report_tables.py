"""The export's tables (/export): one per sheet and CSV file, with translated headers and labels,
times in the program's zone. Cells stay typed (numbers, times) so the workbook can format them;
the CSV and workbook bytes are made from these by `core.export_tables` and `core.export`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from core.export_tables import (
    FEEDBACK_COLUMNS,
    MEETING_COLUMNS,
    PARTICIPANT_COLUMNS,
    TANDEM_COLUMNS,
    Cell,
    FeedbackRow,
    MeetingRow,
    ParticipantRow,
    Table,
    TandemRow,
)
from core.stats import MeetingState, meeting_state
from handlers.views.fields import language_names


def _local(when: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return when.astimezone(zone) if when is not None else None


def _yes_no(t: Translator, flag: bool | None) -> str | None:
    if flag is None:
        return None
    return t.plain("rp.yes" if flag else "rp.no")


def _header(t: Translator, columns: Sequence[str]) -> list[str]:
    return [t.plain(f"rp.col.{column}") for column in columns]


def _state_label(t: Translator, state: MeetingState | None) -> str | None:
    return t.plain(f"rp.state.{state.value}") if state is not None else None


def _meeting_format(t: Translator, value: str) -> str:
    return t.plain(
        "choice.meeting_format.online"
        if value == "online"
        else "choice.meeting_format.in_person"
        if value == "in_person"
        else "choice.meeting_format.both"
    )


def participants_table(t: Translator, rows: Sequence[ParticipantRow], zone: ZoneInfo) -> Table:
    body: list[list[Cell]] = []
    for p in rows:
        status = p.status
        body.append(
            [
                p.id,
                p.name,
                t.plain(f"choice.role.{p.role}"),
                t.plain(f"status.{status}"),
                p.company,
                p.industry,
                p.position,
                ", ".join(p.topics),
                p.goals,
                _meeting_format(t, p.meeting_format),
                f"@{p.username}" if p.username else None,
                _yes_no(t, p.reachable),
                _local(p.registered_at, zone),
                p.location,
                language_names(t, list(p.languages)) or None,
                p.capacity,
                p.profile_url,
            ]
        )
    return Table(
        "participants", t.plain("rp.sheet_participants"), _header(t, PARTICIPANT_COLUMNS), body
    )


def tandems_table(t: Translator, rows: Sequence[TandemRow], zone: ZoneInfo) -> Table:
    body: list[list[Cell]] = [
        [
            tandem.id,
            tandem.mentor,
            tandem.mentor_company,
            tandem.mentee,
            tandem.mentee_company,
            t.plain(f"td.status.{tandem.status}"),
            _local(tandem.created_at, zone),
            _local(tandem.introduced_at, zone),
            _local(tandem.mentor_agreed_at, zone),
            _local(tandem.mentee_agreed_at, zone),
            tandem.meetings_held,
            _local(tandem.last_meeting, zone),
            _local(tandem.next_meeting, zone),
            tandem.average_rating,
            _local(tandem.dissolved_at, zone),
            tandem.dissolve_reason,
        ]
        for tandem in rows
    ]
    return Table("tandems", t.plain("rp.sheet_tandems"), _header(t, TANDEM_COLUMNS), body)


def meetings_table(
    t: Translator, rows: Sequence[MeetingRow], zone: ZoneInfo, now: dt.datetime
) -> Table:
    body: list[list[Cell]] = [
        [
            m.id,
            m.tandem_id,
            m.mentor,
            m.mentee,
            _local(m.starts_at, zone),
            _local(m.ends_at, zone),
            _yes_no(t, m.online),
            _state_label(
                t, meeting_state(m.status, m.outcome, m.starts_at, now, verified=m.verified)
            ),
        ]
        for m in rows
    ]
    return Table("meetings", t.plain("rp.sheet_meetings"), _header(t, MEETING_COLUMNS), body)


def _took_place(t: Translator, value: str | None) -> str | None:
    if value is None:
        return None
    if value in {s.value for s in MeetingState}:
        return _state_label(t, MeetingState(value))
    return value


def feedback_table(t: Translator, rows: Sequence[FeedbackRow], zone: ZoneInfo) -> Table:
    body: list[list[Cell]] = [
        [
            p.meeting_id,
            _local(p.meeting_starts_at, zone),
            p.tandem_id,
            p.participant,
            t.plain(f"choice.role.{p.role}"),
            _took_place(t, p.took_place),
            p.rating,
            p.note,
            _yes_no(t, p.fits),
            _yes_no(t, p.rematch),
            _local(p.answered_at, zone),
        ]
        for p in rows
    ]
    return Table("feedback", t.plain("rp.sheet_feedback"), _header(t, FEEDBACK_COLUMNS), body)
