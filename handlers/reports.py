"""/stats and /export for coordinators: a program's figures in one message, and its data as
files (four CSV files, one Excel workbook, a chart of meetings per month).

What a coordinator may see and the data come from `services.reports`; the tables are
`handlers.views.report_tables`, the CSV format `core.export_tables`, the workbook and the chart
`core.export`. Names are user text: they
reach the message only through the translator's escaping or `html.escape`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.i18n import Safe, Translator
from core.export import chart_png, xlsx_bytes
from core.export_tables import csv_bytes, slug
from core.fit import Part, fit_message
from core.programs import ParticipantStatus
from core.stats import LOW_RATING, AtRisk, ProgramStats, clip, format_decimal
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.report_tables import (
    feedback_table,
    meetings_table,
    participants_table,
    tandems_table,
)
from handlers.views.survey_results import results_messages, results_table, texts_table
from services import reports
from services.errors import Stale

if TYPE_CHECKING:
    from storage.models import Program

PREFIX = "rp"
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


class _Report(Button):
    """Every `rp` press that names no program of the coordinator's, however it is malformed, is
    answered with an alert (the chooser stays as it was)."""

    @classmethod
    def unpack(cls, args: list[str]) -> Button:
        try:
            return super().unpack(args)
        except Stale as stale:
            raise Stale(stale.reason, alert=True) from None


@button(PREFIX, "s", coordinator=True)
class ShowStats(_Report):
    program: int


@button(PREFIX, "e", coordinator=True)
class ExportData(_Report):
    program: int


@button(PREFIX, coordinator=True)
class OtherReport(_Report):
    """Any other data under `rp` (forged, or from a version that had more): the whole prefix is
    the coordinators', so a participant is refused before anything is read."""


@button(PREFIX, "p", coordinator=True)
class ChooseStats(_Report):
    """Back from a program's statistics to the choice of programs (/stats)."""


@on(OtherReport)
async def on_other(ctx: Ctx, pressed: OtherReport) -> None:
    raise Stale("rp", alert=True)


async def stats_command(ctx: Ctx) -> None:
    await _choose_program(ctx, "stats")


@on(ChooseStats)
async def on_choose_stats(ctx: Ctx, _: ChooseStats) -> None:
    await _choose_program(ctx, "stats", edit=True)


async def export_command(ctx: Ctx) -> None:
    await _choose_program(ctx, "export")


@on(ShowStats)
async def on_stats(ctx: Ctx, pressed: ShowStats) -> None:
    _show_stats(ctx, await reports.stats(ctx.uow, pressed.program), edit=True)


@on(ExportData)
async def on_export(ctx: Ctx, pressed: ExportData) -> None:
    found = await reports.export(ctx.uow, pressed.program)
    ctx.edit(None)  # the chooser's (or the statistics') button has done its job
    await _send_export(ctx, found)


async def _choose_program(
    ctx: Ctx, what: Literal["stats", "export"], *, edit: bool = False
) -> None:
    """One program: straight to it; several: a button each (`edit`: back to that choice from
    a program's statistics)."""
    items = await reports.programs(ctx.uow, what)
    if not items:
        ctx.reply(ctx.t("pg.none"))
    elif len(items) > 1 or edit:
        kind = ShowStats if what == "stats" else ExportData
        (ctx.edit if edit else ctx.reply)(
            ctx.t("rp.choose_stats") if what == "stats" else ctx.t("rp.choose_export"),
            column([key(p.name, kind(p.id)) for p in items]),
        )
    elif what == "stats":
        _show_stats(ctx, await reports.stats(ctx.uow, items[0].id), edit=False)
    else:
        await _send_export(ctx, await reports.export(ctx.uow, items[0].id))


# --- /stats ------------------------------------------------------------------------------------


def _show_stats(ctx: Ctx, found: reports.Stats, *, edit: bool) -> None:
    program = found.program
    zone = ctx.services.zone_of(program)
    text = stats_text(
        ctx.t, ctx.lang, program, found.figures, found.risky, found.quiet_days, zone, ctx.now
    )
    export = [key(ctx.t.plain("rp.export_button"), ExportData(program.id))]
    # Shown in place of the choice of programs (`edit`): the way back to it.
    markup = column(
        [*export, key(ctx.t.plain("ek.other_program"), ChooseStats())] if edit else export
    )
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)
    # Each survey that has gone out: its results per question and role, as messages of their own.
    for results in found.surveys:
        for part in results_messages(
            ctx.t, ctx.lang, results.survey, program, results.answered, results.reach
        ):
            ctx.reply(part)


def _statuses(t: Translator, figures: ProgramStats, role: str) -> str:
    counts = {s: n for (r, s), n in figures.participants.items() if r == role and n}
    known = [s for s in STATUS_ORDER if s in counts]
    parts = [f"{t.plain(f'status.{status}')} {counts[status]}" for status in known]
    return f"({', '.join(parts)})" if parts else ""


def _risk_line(t: Translator, lang: str, item: AtRisk) -> str:
    reasons = []
    if item.quiet_days is not None:
        reasons.append(t("rp.why_quiet", count=item.quiet_days))
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
    figures leave of one message (`core.fit`)."""
    decimal = DECIMAL.get(lang, ",")
    mentors = sum(n for (role, _), n in figures.participants.items() if role == "mentor")
    mentees = sum(n for (role, _), n in figures.participants.items() if role == "mentee")
    lines = [
        t("rp.title", program=program.name, when=t.moment(now.astimezone(zone))),
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
    answers = Safe(t("rp.answers", count=figures.feedback_answers))
    if figures.average_rating is None:
        lines.append(t("rp.feedback_unrated", answers=answers))
    else:
        lines.append(
            t(
                "rp.feedback",
                answers=answers,
                average=format_decimal(figures.average_rating, decimal),
                ratings=Safe(t("rp.ratings", count=figures.ratings)),
            )
        )
    threshold = f"{LOW_RATING:g}".replace(".", decimal)
    lines.append("")
    if quiet_days > 0:
        lines.append(
            t(
                "rp.risk",
                count=len(risky),
                quiet=Safe(t("rp.why_quiet", count=quiet_days)),
                threshold=threshold,
            )
        )
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


async def _send_export(ctx: Ctx, found: reports.Export) -> None:
    program, t = found.program, ctx.t
    zone = ctx.services.zone_of(program)
    tables = [
        participants_table(t, found.participants, zone),
        tandems_table(t, found.tandems, zone),
        meetings_table(t, found.meetings, zone, ctx.now),
        feedback_table(t, found.feedback, zone),
    ]
    if found.surveys:
        tables.append(results_table(t, ctx.lang, found.surveys))
        tables.append(texts_table(t, found.surveys))
    series = found.chart.series
    labels = [f"{t.plain(f'rp.month.{month}')} {year}" for year, month in found.chart.months]
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
