"""/stats and /export for coordinators: a program's figures in one message, and its data as
files (four CSV files, one Excel workbook, a chart of meetings per month).

The figures come aggregated from `storage.reports`; the at-risk rule, the tables and the CSV
format are `core.stats`, the workbook and the chart `core.export`. Names are user text: they
reach the message only through the translator's escaping or `html.escape`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe, Translator
from core.export import chart_png, xlsx_bytes
from core.programs import ParticipantStatus
from core.reminders import Policy
from core.stats import (
    FEEDBACK_COLUMNS,
    LOW_RATING,
    MEETING_COLUMNS,
    PARTICIPANT_COLUMNS,
    TANDEM_COLUMNS,
    AtRisk,
    Cell,
    FeedbackRow,
    MeetingRow,
    MeetingState,
    Month,
    ParticipantRow,
    ProgramStats,
    Table,
    TandemRow,
    at_risk,
    clip,
    csv_bytes,
    format_decimal,
    meeting_state,
    month_axis,
    per_month,
    slug,
)
from core.surveys import SurveyStatus
from handlers.callbacks import as_int, pack
from handlers.guard import coordinated, require_coordinator, visible_programs
from handlers.keyboards import button, column
from handlers.views.fit import Part, fit_message
from handlers.views.survey_results import results_messages, results_table, texts_table
from storage import reports as store
from storage import surveys
from storage.models import Program, Survey
from storage.surveys import Answered

PREFIX = "rp"
STATS, EXPORT = "s", "e"
# Statuses in the order a coordinator reads them.
STATUS_ORDER = (
    ParticipantStatus.ACTIVE,
    ParticipantStatus.PENDING,
    ParticipantStatus.PAUSED,
    ParticipantStatus.LEFT,
    ParticipantStatus.REJECTED,
)
CSV_DATETIME = {"de": "%d.%m.%Y %H:%M", "en": "%Y-%m-%d %H:%M"}
XLSX_DATETIME = {"de": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
DECIMAL = {"de": ",", "en": "."}


async def stats_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "stats"):
        return
    await _choose_program(ctx, STATS)


async def export_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "export"):
        return
    await _choose_program(ctx, EXPORT)


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "rp:" + ":".join(parts)):
        return
    action = parts[0]
    target = as_int(parts[1]) if len(parts) == 2 else None
    program = await coordinated(ctx, target)
    if program is None or action not in (STATS, EXPORT):
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if action == STATS:
        await _stats(ctx, program, edit=True)
    else:
        ctx.edit(None)  # the chooser's (or the statistics') button has done its job
        await _export(ctx, program)


async def _choose_program(ctx: Ctx, action: str) -> None:
    """One program: straight to it; several: a button each."""
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    if len(items) == 1:
        if action == STATS:
            await _stats(ctx, items[0], edit=False)
        else:
            await _export(ctx, items[0])
        return
    ctx.reply(
        ctx.t("rp.choose_stats") if action == STATS else ctx.t("rp.choose_export"),
        column([button(p.name, pack(PREFIX, action, p.id)) for p in items]),
    )


# --- /stats ------------------------------------------------------------------------------------


async def _stats(ctx: Ctx, program: Program, *, edit: bool) -> None:
    figures = await store.program_stats(ctx.session, program.id, ctx.now)
    quiet_days = Policy.from_settings(program.settings).nudge_after_days
    risky = at_risk(figures.tandems, quiet_after_days=quiet_days, now=ctx.now)
    zone = ctx.services.zone_of(program)
    text = stats_text(ctx.t, ctx.lang, program, figures, risky, quiet_days, zone, ctx.now)
    markup = _export_button(ctx, program)
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)
    # Each survey that has gone out: its results per question and role, as messages of their own.
    for survey, answered in await _surveys(ctx, program):
        reach = await surveys.reach(ctx.session, survey.id)
        for part in results_messages(ctx.t, ctx.lang, survey, program, answered, reach):
            ctx.reply(part)


async def _surveys(ctx: Ctx, program: Program) -> list[tuple[Survey, list[Answered]]]:
    return [
        (survey, await surveys.completed(ctx.session, survey.id))
        for survey in await surveys.for_program(ctx.session, program.id)
        if survey.status != SurveyStatus.DRAFT.value
    ]


def _export_button(ctx: Ctx, program: Program) -> InlineKeyboardMarkup:
    return column([button(ctx.t.plain("rp.export_button"), pack(PREFIX, EXPORT, program.id))])


def _statuses(t: Translator, figures: ProgramStats, role: str) -> str:
    counts = {s: n for (r, s), n in figures.participants.items() if r == role and n}
    known = [s for s in STATUS_ORDER if s in counts]
    parts = [f"{t.plain(f'status.{status}')} {counts[status]}" for status in known]
    return f"({', '.join(parts)})" if parts else ""


def _risk_line(t: Translator, lang: str, item: AtRisk) -> str:
    reasons = []
    if item.quiet_days is not None:
        reasons.append(t("rp.why_quiet", days=item.quiet_days))
    if item.low_rating is not None:
        reasons.append(
            t("rp.why_rating", average=format_decimal(item.low_rating, DECIMAL.get(lang, ",")))
        )
    return t(
        "rp.risk_item",
        mentor=clip(item.tandem.mentor),
        mentee=clip(item.tandem.mentee),
        why=Safe(", ".join(reasons)),
    )


def stats_text(
    t: Translator,
    lang: str,
    program: Program,
    figures: ProgramStats,
    risky: Sequence[AtRisk],
    quiet_days: int,
    zone: ZoneInfo,
    now: dt.datetime,
) -> str:
    """The statistics message: the at-risk tandems and the unreachable people share what the
    figures leave of one message (`handlers.views.fit`)."""
    decimal = DECIMAL.get(lang, ",")
    mentors = sum(n for (role, _), n in figures.participants.items() if role == "mentor")
    mentees = sum(n for (role, _), n in figures.participants.items() if role == "mentee")
    lines = [
        t("rp.title", program=program.name, when=now.astimezone(zone).strftime("%d.%m.%Y %H:%M")),
        "",
        t("rp.participants", total=sum(figures.participants.values())),
        t("rp.mentors", count=mentors, statuses=_statuses(t, figures, "mentor")),
        t("rp.mentees", count=mentees, statuses=_statuses(t, figures, "mentee")),
        "",
        t("rp.tandems", active=figures.tandems_active, dissolved=figures.tandems_dissolved),
        t("rp.agreement", both=figures.agreement_both, open=figures.agreement_open),
    ]
    if figures.tandems_waiting:
        lines.append(t("rp.waiting", count=figures.tandems_waiting))
    lines += [
        "",
        t(
            "rp.meetings",
            held=figures.meetings_held,
            planned=figures.meetings_planned,
            not_held=figures.meetings_not_held,
        ),
    ]
    if figures.meetings_disputed:
        lines.append(t("rp.meetings_disputed", count=figures.meetings_disputed))
    if figures.average_rating is None:
        lines.append(t("rp.feedback_unrated", answers=figures.feedback_answers))
    else:
        lines.append(
            t(
                "rp.feedback",
                answers=figures.feedback_answers,
                average=format_decimal(figures.average_rating, decimal),
                ratings=figures.ratings,
            )
        )
    threshold = f"{LOW_RATING:g}".replace(".", decimal)
    lines.append("")
    if quiet_days > 0:
        lines.append(t("rp.risk", count=len(risky), days=quiet_days, threshold=threshold))
    else:  # nudges are off for this program: only the ratings can tell
        lines.append(t("rp.risk_rating_only", count=len(risky), threshold=threshold))
    risk_part = Part(
        [_risk_line(t, lang, item) for item in risky],
        lambda rest: t("rp.more", count=rest),
        sep="\n",
        empty="",
    )
    names_part = Part(
        [html.escape(clip(name), quote=False) for name in figures.unreachable],
        lambda rest: t("rp.more", count=rest),
    )

    def render(lists: Sequence[Safe]) -> str:
        text = lines + ([lists[0]] if risky else []) + [""]
        if figures.unreachable:
            text.append(t("rp.unreachable", count=len(figures.unreachable), names=lists[1]))
        else:
            text.append(t("rp.unreachable_none"))
        return "\n".join(text)

    return fit_message(render, [risk_part, names_part])


# --- /export -----------------------------------------------------------------------------------


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


async def _chart_data(ctx: Ctx, program: Program) -> tuple[list[tuple[str, list[int]]], list[str]]:
    """Held meetings per month for every current program (and this one): the series and the
    month labels. This program comes first and always has a line."""
    others = [p for p in await visible_programs(ctx) if p.id != program.id]
    everyone = [program, *others]
    zones = {p.id: ctx.services.zone_of(p) for p in everyone}
    times = await store.held_meeting_times(ctx.session, [p.id for p in everyone], ctx.now)
    counts = per_month(times, zones, ctx.services.settings.zone)
    months = month_axis(counts)
    empty: Counter[Month] = Counter()
    series = [
        (p.name, [counts.get(p.id, empty)[m] for m in months])
        for p in everyone
        if p.id == program.id or p.id in counts
    ]
    labels = [f"{ctx.t.plain(f'rp.month.{month}')} {year}" for year, month in months]
    return series, labels


async def _export(ctx: Ctx, program: Program) -> None:
    zone = ctx.services.zone_of(program)
    t = ctx.t
    tables = [
        participants_table(t, await store.participant_rows(ctx.session, program.id), zone),
        tandems_table(t, await store.tandem_rows(ctx.session, program.id, ctx.now), zone),
        meetings_table(t, await store.meeting_rows(ctx.session, program.id), zone, ctx.now),
        feedback_table(t, await store.feedback_rows(ctx.session, program.id), zone),
    ]
    sent_surveys = await _surveys(ctx, program)
    if sent_surveys:
        tables.append(results_table(t, ctx.lang, sent_surveys))
        tables.append(texts_table(t, sent_surveys))
    series, labels = await _chart_data(ctx, program)
    decimal = DECIMAL.get(ctx.lang, ",")
    csv_format = CSV_DATETIME.get(ctx.lang, CSV_DATETIME["de"])
    xlsx_format = XLSX_DATETIME.get(ctx.lang, XLSX_DATETIME["de"])
    chart_title, axis, empty = (
        t.plain("rp.chart_title"),
        t.plain("rp.chart_axis"),
        t.plain("rp.chart_empty"),
    )

    def build() -> list[tuple[str, bytes]]:
        # CPU work (tens to a few hundred milliseconds): off the event loop.
        files = [
            (
                f"{table.name}.csv",
                csv_bytes(table, decimal=decimal, datetime_format=csv_format),
            )
            for table in tables
        ]
        name = slug(program.name, f"program-{program.id}")
        files.append((f"tandem-{name}.xlsx", xlsx_bytes(tables, datetime_format=xlsx_format)))
        png = chart_png(series, labels, title=chart_title, axis=axis, empty=empty)
        files.append(("meetings-per-month.png", png))
        return files

    files = await asyncio.to_thread(build)
    ctx.reply(ctx.t("rp.export_ready", program=program.name))
    for filename, content in files:
        ctx.send_document(ctx.user_id, filename, content)
