"""When a program event (or a survey) takes place: shown in the program's zone, and read from
what a coordinator types."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from core.when import NonexistentTime, local_to_utc, parse_when

if TYPE_CHECKING:
    from bot.context import Ctx
    from storage.models import Program

MAX_AHEAD = dt.timedelta(days=400)  # a program runs about a year


MAX_LENGTH = dt.timedelta(days=7)  # an event's end: a workshop week at most


def when_text(
    t: Translator, starts_at: dt.datetime, zone: ZoneInfo, ends_at: dt.datetime | None = None
) -> str:
    """The start, or the range when there is an end (the end's day only if it is another)."""
    start = starts_at.astimezone(zone)
    if ends_at is None:
        return t.plain("event.when", day=t.day(start), time=t.time(start))
    end = ends_at.astimezone(zone)
    if end.date() == start.date():
        return t.plain("event.when_until", day=t.day(start), time=t.time(start), end=t.time(end))
    return t.plain(
        "event.when_range",
        day=t.day(start),
        time=t.time(start),
        end_day=t.day(end),
        end=t.time(end),
    )


def parse_start(
    ctx: Ctx, program: Program, raw: str, *, after: dt.datetime | None = None
) -> dt.datetime | None:
    """The start (or, `after` the start, the end: a time alone is on the start's day) as UTC, or
    None after telling the coordinator what is wrong with the input."""
    zone = ctx.services.zone_of(program)
    when = parse_when(raw[:200], (after or ctx.now).astimezone(zone).date()) if raw else None
    if when is None:
        ctx.reply(ctx.t("ek.end.unreadable" if after else "ek.when.unreadable"))
        return None
    if when.time is None:
        ctx.reply(ctx.t("ek.when.no_time"))
        return None
    try:
        starts_at = local_to_utc(when.day, when.time, zone)
    except NonexistentTime:
        ctx.reply(ctx.t("ek.when.nonexistent"))
        return None
    if after is not None and not after < starts_at <= after + MAX_LENGTH:
        ctx.reply(ctx.t("ek.end.order", start=when_text(ctx.t, after, zone)))
        return None
    if starts_at <= ctx.now:
        ctx.reply(ctx.t("ek.when.past"))
        return None
    if starts_at - ctx.now > MAX_AHEAD:
        ctx.reply(ctx.t("ek.when.too_far"))
        return None
    return starts_at
