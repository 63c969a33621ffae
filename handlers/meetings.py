"""Meetings from the partners' side: propose (/meet), accept, decline, another time, move, cancel.

A proposal is a dialog (when, how long, where), kept in the database like every dialog. The
partner answers with buttons that carry the meeting's version, so a button from before a move
is refused instead of accepting a time nobody proposed any more. A confirmed meeting goes to
both partners as a calendar file and gets its reminders planned in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Translator
from core import ics
from core.address import Case
from core.meetings import (
    DAY_BUTTONS,
    DURATION_CHOICES,
    HOUR_BUTTONS,
    MAX_PLACE,
    Act,
    MeetingStatus,
    allowed,
    check_start,
    clean_link,
    is_fact,
)
from core.profile import clean_text
from core.reminders import Policy, plan_meeting
from core.tandems import TandemStatus
from core.when import NonexistentTime, local_to_utc, parse_duration, parse_time, parse_when
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column, rows
from handlers.views.address import who
from storage import dialogs, housekeeping, meetings, programs, reminders, tandems
from storage.models import Meeting, Participant, Program, Tandem

log = logging.getLogger(__name__)

FLOW = "meet"
PREFIX = "me"


# --- shared helpers -----------------------------------------------------------------------------


def partners(tandem: Tandem, user_id: int) -> tuple[Participant, Participant]:
    """(me, partner) for a user of the tandem."""
    if tandem.mentor.user_id == user_id:
        return tandem.mentor, tandem.mentee
    return tandem.mentee, tandem.mentor


def when_text(t: Translator, starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> str:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return t.plain(
        "meet.when",
        weekday=t.plain(f"weekday.{start.weekday()}"),
        date=start.strftime("%d.%m.%Y"),
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
    )


def where_text(t: Translator, online: bool, place: str | None, link: str | None) -> str:
    if online:
        return t.plain("meet.online_link", link=link) if link else t.plain("meet.online")
    return place or "–"


def describe(t: Translator, meeting: Meeting, zone: ZoneInfo) -> dict[str, str]:
    return {
        "when": when_text(t, meeting.starts_at, meeting.ends_at, zone),
        "where": where_text(t, meeting.online, meeting.place, meeting.link),
    }


def calendar_file(
    t: Translator,
    meeting: Meeting,
    partner: Participant,
    program: Program | None,
    zone: ZoneInfo,
    now: dt.datetime,
    *,
    cancelled: bool = False,
) -> tuple[str, bytes]:
    summary = t.plain("ics.summary", partner=partner.name)
    event = ics.CalendarEvent(
        uid=f"meeting-{meeting.id}@tandem",
        sequence=meeting.version + (1 if cancelled else 0),
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=summary,
        stamp=now,
        location=t.plain("meet.online") if meeting.online else meeting.place,
        description=t.plain("ics.description", program=program.name if program else ""),
        url=meeting.link if meeting.online and meeting.link else None,
        cancelled=cancelled,
    )
    return ics.filename(summary, meeting.starts_at.astimezone(zone)), ics.render(event)


def send_calendar(
    ctx: Ctx,
    meeting: Meeting,
    program: Program | None,
    zone: ZoneInfo,
    person: Participant,
    other: Participant,
    *,
    cancelled: bool = False,
) -> None:
    """The meeting (or its cancellation) as a calendar file, in the recipient's language."""
    t = ctx.for_user(person.user)
    caption = "meet.ics_cancel_caption" if cancelled else "meet.ics_caption"
    ctx.send_document(
        person.user_id,
        *calendar_file(t, meeting, other, program, zone, ctx.now, cancelled=cancelled),
        caption=t(caption),
    )


async def own_tandem(ctx: Ctx, tandem_id: int | None) -> Tandem | None:
    """The tandem if this user belongs to it and it is active and introduced; never another's."""
    tandem = await tandems.get_tandem(ctx.session, tandem_id) if tandem_id is not None else None
    if tandem is None or tandem.status != TandemStatus.ACTIVE or tandem.introduced_at is None:
        return None
    if ctx.user_id not in (tandem.mentor.user_id, tandem.mentee.user_id):
        housekeeping.audit(
            ctx.session, user_id=ctx.user_id, action="refused", now=ctx.now, what="tandem"
        )
        return None
    return tandem


async def own_meeting(ctx: Ctx, meeting_id: int | None) -> Meeting | None:
    meeting = await meetings.get(ctx.session, meeting_id) if meeting_id is not None else None
    if meeting is None or await own_tandem(ctx, meeting.tandem_id) is None:
        return None
    return meeting


async def plan_reminders(ctx: Ctx, meeting: Meeting, program: Program | None) -> None:
    tandem = meeting.tandem
    planned = plan_meeting(
        meeting_id=meeting.id,
        version=meeting.version,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        user_ids=tuple(p.user_id for p in (tandem.mentor, tandem.mentee) if p.user_id is not None),
        policy=Policy.from_settings(program.settings if program else None),
        now=ctx.now,
    )
    rows_ = await reminders.plan(
        ctx.session, planned, now=ctx.now, tandem_id=tandem.id, meeting_id=meeting.id
    )
    ctx.schedule(rows_)


# --- /meet ------------------------------------------------------------------------------------


async def one_tandem(ctx: Ctx, question: str, data_prefix: tuple[str, str]) -> Tandem | None:
    """The user's introduced tandem; with several (a mentor with two mentees) the user is asked
    to pick one with buttons carrying `data_prefix` and None is returned, as with none."""
    mine = [t for t in await tandems.tandems_of_user(ctx.session, ctx.user_id) if t.introduced_at]
    if not mine:
        ctx.reply(ctx.t("tandem.none"))
        return None
    if len(mine) > 1:
        ctx.reply(
            question,
            column(
                [button(partners(t, ctx.user_id)[1].name, pack(*data_prefix, t.id)) for t in mine]
            ),
        )
        return None
    return mine[0]


async def meet_command(ctx: Ctx) -> None:
    tandem = await one_tandem(ctx, ctx.t("meet.choose_tandem"), (PREFIX, "t"))
    if tandem is not None:
        await show_tandem_meetings(ctx, tandem)


async def show_tandem_meetings(ctx: Ctx, tandem: Tandem) -> None:
    """Upcoming meetings with their buttons, or straight into a new proposal."""
    upcoming = await meetings.upcoming(ctx.session, tandem.id, ctx.now)
    if not upcoming:
        await start_proposal(ctx, tandem, mode="new")
        return
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    _, partner = partners(tandem, ctx.user_id)
    for meeting in upcoming:
        key = (
            "meet.upcoming_confirmed"
            if meeting.status == MeetingStatus.CONFIRMED
            else "meet.pending"
        )
        ctx.reply(
            ctx.t(key, partner=who(ctx.t, partner, Case.DATIVE), **describe(ctx.t, meeting, zone)),
            meeting_buttons(ctx.t, meeting, ctx.user_id, ctx.now),
        )
    ctx.reply(
        ctx.t("meet.another"),
        column([button(ctx.t.plain("meet.new_button"), pack(PREFIX, "n", tandem.id))]),
    )


def meeting_buttons(
    t: Translator, meeting: Meeting, user_id: int | None, now: dt.datetime
) -> InlineKeyboardMarkup | None:
    if user_id is None:
        return None
    fact = is_fact(meeting.starts_at, meeting.outcome, now)
    acts = [
        act
        for act in (Act.ACCEPT, Act.DECLINE, Act.OTHER_TIME, Act.MOVE, Act.CANCEL)
        if allowed(
            act, status=meeting.status, proposed_by=meeting.proposed_by, user_id=user_id, fact=fact
        )
    ]
    if not acts:
        return None
    return column(
        [
            button(
                t.plain(f"meet.act.{act.value}"),
                pack(PREFIX, act.value, meeting.id, meeting.version),
            )
            for act in acts
        ],
        per_row=2,
    )


async def start_proposal(
    ctx: Ctx, tandem: Tandem, *, mode: str, meeting: Meeting | None = None
) -> None:
    data: dict[str, Any] = {"tandem": tandem.id, "mode": mode}
    if meeting is not None:
        # Another time for the same meeting: only the time is asked again.
        data.update(
            meeting=meeting.id,
            version=meeting.version,
            duration=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
            online=meeting.online,
            place=meeting.place,
            link=meeting.link,
        )
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step="when", data=data, now=ctx.now)
    await _ask_when(ctx, tandem)


async def _ask_when(ctx: Ctx, tandem: Tandem) -> None:
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    today = ctx.now.astimezone(zone).date()
    days = [today + dt.timedelta(days=i) for i in range(1, DAY_BUTTONS + 1)]
    ctx.reply(
        ctx.t("meet.ask_when"),
        column(
            [
                button(
                    ctx.t.plain(
                        "meet.day_button",
                        weekday=ctx.t.plain(f"weekday.{d.weekday()}"),
                        date=d.strftime("%d.%m."),
                    ),
                    pack(PREFIX, "day", d.strftime("%Y%m%d")),
                )
                for d in days
            ],
            per_row=4,
        ),
    )


def _ask_time(ctx: Ctx, day: dt.date) -> None:
    ctx.reply(
        ctx.t(
            "meet.ask_time",
            weekday=ctx.t.plain(f"weekday.{day.weekday()}"),
            date=day.strftime("%d.%m.%Y"),
        ),
        column(
            [button(f"{h:02d}:00", pack(PREFIX, "h", f"{h:02d}00")) for h in HOUR_BUTTONS],
            per_row=4,
        ),
    )


def _ask_duration(ctx: Ctx) -> None:
    ctx.reply(
        ctx.t("meet.ask_duration"),
        column(
            [
                button(ctx.t.plain(f"meet.duration.{m}"), pack(PREFIX, "dur", m))
                for m in DURATION_CHOICES
            ],
            per_row=4,
        ),
    )


def _ask_place(ctx: Ctx) -> None:
    ctx.reply(
        ctx.t("meet.ask_place", limit=MAX_PLACE),
        column([button(ctx.t.plain("meet.online_button"), pack(PREFIX, "on"))]),
    )


def _ask_link(ctx: Ctx) -> None:
    ctx.reply(
        ctx.t("meet.ask_link"),
        column([button(ctx.t.plain("meet.no_link"), pack(PREFIX, "nolink"))]),
    )


async def _summary(ctx: Ctx, data: dict[str, Any], tandem: Tandem) -> None:
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    start = dt.datetime.fromisoformat(data["start"])
    end = start + dt.timedelta(minutes=int(data["duration"]))
    _, partner = partners(tandem, ctx.user_id)
    send_key = "meet.send_move" if data["mode"] == "move" else "meet.send"
    ctx.reply(
        ctx.t(
            "meet.summary",
            partner=who(ctx.t, partner, Case.ACCUSATIVE),
            when=when_text(ctx.t, start, end, zone),
            where=where_text(ctx.t, bool(data.get("online")), data.get("place"), data.get("link")),
        ),
        rows(
            [button(ctx.t.plain(send_key), pack(PREFIX, "send"))],
            [button(ctx.t.plain("meet.discard"), pack(PREFIX, "stop"))],
        ),
    )


async def _advance(ctx: Ctx, data: dict[str, Any], tandem: Tandem) -> None:
    """Ask for the next missing piece; another time for a meeting keeps duration and place."""
    if data.get("start") is None:
        step = "time" if data.get("day") else "when"
        await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step=step, data=data, now=ctx.now)
        if step == "time":
            _ask_time(ctx, dt.date.fromisoformat(data["day"]))
        else:
            await _ask_when(ctx, tandem)
        return
    if data.get("duration") is None:
        step = "duration"
    elif data.get("online") is None:
        step = "place"
    elif data.get("online") and "link" not in data:
        step = "link"
    else:
        step = "confirm"
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step=step, data=data, now=ctx.now)
    if step == "duration":
        _ask_duration(ctx)
    elif step == "place":
        _ask_place(ctx)
    elif step == "link":
        _ask_link(ctx)
    else:
        await _summary(ctx, data, tandem)


async def _set_start(
    ctx: Ctx, data: dict[str, Any], tandem: Tandem, day: dt.date, time: dt.time
) -> bool:
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    try:
        start = local_to_utc(day, time, zone)
    except NonexistentTime:
        ctx.reply(ctx.t("meet.time.nonexistent"))
        return False
    problem = check_start(start, ctx.now)
    if problem is not None:
        ctx.reply(ctx.t(f"meet.time.{problem.value}"))
        return False
    data["day"] = day.isoformat()
    data["start"] = start.isoformat()
    return True


async def on_text(ctx: Ctx, step: str, data: dict[str, Any], text: str | None) -> None:
    tandem = await own_tandem(ctx, int(data["tandem"]))
    if tandem is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("tandem.none"))
        return
    raw = clean_text(text or "")
    if step in ("when", "time"):
        program = await programs.get(ctx.session, tandem.program_id)
        today = ctx.now.astimezone(ctx.services.zone_of(program)).date()
        if step == "time" and (time := parse_time(raw)) is not None:
            when = None
            day = dt.date.fromisoformat(data["day"])
        else:
            when = parse_when(raw[:200], today) if raw else None
            if when is None:
                ctx.reply(ctx.t("meet.time.unreadable"))
                return
            day, time = when.day, when.time
        if time is None:
            data["day"] = day.isoformat()
            data["start"] = None
        elif not await _set_start(ctx, data, tandem, day, time):
            return
        await _advance(ctx, data, tandem)
    elif step == "duration":
        minutes = parse_duration(raw)
        if minutes is None:
            ctx.reply(ctx.t("meet.duration_bad"))
            return
        data["duration"] = minutes
        await _advance(ctx, data, tandem)
    elif step == "place":
        if not raw or raw.startswith("/") or len(raw) > MAX_PLACE:
            ctx.reply(ctx.t("meet.place_bad", limit=MAX_PLACE, length=len(raw)))
            return
        online_words = {"online", "video", "digital", "teams", "zoom"}
        if raw.lower() in online_words:
            data.update(online=True, place=None)
        else:
            data.update(online=False, place=raw)
        await _advance(ctx, data, tandem)
    elif step == "link":
        link = clean_link(raw)
        if link is None:
            ctx.reply(ctx.t("meet.link_bad"))
            return
        data["link"] = link
        await _advance(ctx, data, tandem)
    else:  # confirm: only the buttons act
        await _summary(ctx, data, tandem)


# --- buttons ------------------------------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action, args = parts[0], parts[1:]
    if action in ("day", "h", "dur", "on", "nolink", "send", "stop"):
        await _dialog_button(ctx, action, args)
    elif action in ("t", "n") and len(args) == 1:
        tandem = await own_tandem(ctx, as_int(args[0]))
        if tandem is None:
            ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        elif action == "t":
            await show_tandem_meetings(ctx, tandem)
        else:
            await start_proposal(ctx, tandem, mode="new")
    elif action in {a.value for a in Act} | {"X"} and len(args) == 2:
        await _meeting_button(ctx, action, as_int(args[0]), as_int(args[1]))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _dialog_button(ctx: Ctx, action: str, args: list[str]) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None or dialog.flow != FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    data = dict(dialog.data)
    if action == "stop":
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(ctx.t("cancel.meet"))
        return
    tandem = await own_tandem(ctx, int(data["tandem"]))
    if tandem is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    expected = {
        "day": ("when", "time"),  # a day can be picked again while the hour is asked
        "h": ("time",),
        "dur": ("duration",),
        "on": ("place",),
        "nolink": ("link",),
    }
    if action in expected and dialog.step not in expected[action]:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    if action == "day" and len(args) == 1:
        try:
            day = dt.datetime.strptime(args[0], "%Y%m%d").date()
        except ValueError:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        data.update(day=day.isoformat(), start=None)
    elif action == "h" and len(args) == 1 and data.get("day"):
        try:
            time = dt.datetime.strptime(args[0], "%H%M").time()
        except ValueError:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        if not await _set_start(ctx, data, tandem, dt.date.fromisoformat(data["day"]), time):
            return
    elif action == "dur" and len(args) == 1 and as_int(args[0]) in DURATION_CHOICES:
        data["duration"] = as_int(args[0])
    elif action == "on":
        data.update(online=True, place=None)
    elif action == "nolink":
        data["link"] = None
    elif action == "send" and dialog.step == "confirm":
        await _send(ctx, data, tandem)
        return
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    ctx.edit(None)  # the keyboard is used up; the next prompt follows
    await _advance(ctx, data, tandem)


async def _send(ctx: Ctx, data: dict[str, Any], tandem: Tandem) -> None:
    start = dt.datetime.fromisoformat(data["start"])
    problem = check_start(start, ctx.now)
    if problem is not None:  # the dialog sat until the time had passed
        ctx.reply(ctx.t(f"meet.time.{problem.value}"))
        data["start"] = None
        await _advance(ctx, data, tandem)
        return
    end = start + dt.timedelta(minutes=int(data["duration"]))
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    me, partner = partners(tandem, ctx.user_id)
    await dialogs.clear(ctx.session, ctx.user_id)
    ctx.edit(None)
    if data["mode"] == "move":
        meeting = await meetings.get(ctx.session, int(data["meeting"]))
        if meeting is None or meeting.version != data.get("version"):
            ctx.reply(ctx.t("meet.changed"))
            return
        if not await meetings.move(ctx.session, meeting, starts_at=start, ends_at=end, now=ctx.now):
            fact = is_fact(meeting.starts_at, meeting.outcome, ctx.now)
            ctx.reply(ctx.t("meet.already_held" if fact else "meet.changed"))
            return
        await reminders.cancel(ctx.session, meeting_id=meeting.id, now=ctx.now)
        await plan_reminders(ctx, meeting, program)
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="meeting_moved",
            now=ctx.now,
            meeting=meeting.id,
        )
        for person, other in ((me, partner), (partner, me)):
            t = ctx.for_user(person.user)
            key = "meet.moved_by_you" if person is me else "meet.moved"
            case = Case.DATIVE if person is me else Case.START
            ctx.send_to(
                person.user_id,
                t(key, partner=who(t, other, case), **describe(t, meeting, zone)),
                meeting_buttons(t, meeting, person.user_id, ctx.now) if person is partner else None,
            )
            send_calendar(ctx, meeting, program, zone, person, other)
        return
    meeting = await meetings.propose(
        ctx.session,
        tandem_id=tandem.id,
        starts_at=start,
        ends_at=end,
        online=bool(data.get("online")),
        place=data.get("place"),
        link=data.get("link"),
        proposed_by=ctx.user_id,
        now=ctx.now,
        replaces=data.get("meeting"),
    )
    await ctx.session.refresh(meeting, ["tandem"])
    t = ctx.for_user(partner.user)
    key = "meet.counter_to_partner" if data["mode"] == "counter" else "meet.proposal"
    ctx.send_to(
        partner.user_id,
        t(key, name=who(t, me, Case.START), **describe(t, meeting, zone)),
        meeting_buttons(t, meeting, partner.user_id, ctx.now),
    )
    ctx.reply(
        ctx.t(
            "meet.proposal_sent",
            partner=who(ctx.t, partner, Case.ACCUSATIVE),
            **describe(ctx.t, meeting, zone),
        )
    )


async def _meeting_button(
    ctx: Ctx, action: str, meeting_id: int | None, version: int | None
) -> None:
    meeting = await own_meeting(ctx, meeting_id)
    if meeting is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    act = Act.CANCEL if action == "X" else Act(action)
    if act in (Act.MOVE, Act.CANCEL) and not _still_changeable(ctx, meeting):
        return
    if meeting.version != version or not allowed(
        act, status=meeting.status, proposed_by=meeting.proposed_by, user_id=ctx.user_id
    ):
        ctx.answer(ctx.t.plain("meet.changed_alert"), alert=True)
        ctx.edit(None)
        return
    tandem = meeting.tandem
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    me, partner = partners(tandem, ctx.user_id)
    if act is Act.ACCEPT:
        if meeting.starts_at <= ctx.now:
            ctx.answer(ctx.t.plain("meet.too_late"), alert=True)
            return
        if not await meetings.confirm(ctx.session, meeting, ctx.now):
            ctx.answer(ctx.t.plain("meet.changed_alert"), alert=True)
            return
        await tandems.reset_nudges(ctx.session, tandem.id)
        await plan_reminders(ctx, meeting, program)
        ctx.edit(None)
        for person, other in ((me, partner), (partner, me)):
            t = ctx.for_user(person.user)
            ctx.send_to(
                person.user_id,
                t(
                    "meet.confirmed",
                    partner=who(t, other, Case.DATIVE),
                    **describe(t, meeting, zone),
                ),
                meeting_buttons(t, meeting, person.user_id, ctx.now),
            )
            send_calendar(ctx, meeting, program, zone, person, other)
    elif act is Act.DECLINE:
        if not await meetings.decline(ctx.session, meeting, ctx.now):
            ctx.answer(ctx.t.plain("meet.changed_alert"), alert=True)
            return
        ctx.edit(ctx.t("meet.you_declined", **describe(ctx.t, meeting, zone)))
        t = ctx.for_user(partner.user)
        ctx.send_to(
            partner.user_id,
            t("meet.declined", name=who(t, me, Case.START), **describe(t, meeting, zone)),
            column([button(t.plain("meet.new_button"), pack(PREFIX, "n", tandem.id))]),
        )
    elif act is Act.OTHER_TIME:
        ctx.edit(None)
        await start_proposal(ctx, tandem, mode="counter", meeting=meeting)
    elif act is Act.MOVE:
        ctx.edit(None)
        await start_proposal(ctx, tandem, mode="move", meeting=meeting)
    elif action == "x":  # ask first: a cancellation reaches the partner at once
        ctx.reply(
            ctx.t(
                "meet.cancel_confirm",
                partner=who(ctx.t, partner, Case.DATIVE),
                **describe(ctx.t, meeting, zone),
            ),
            rows(
                [
                    button(
                        ctx.t.plain("meet.cancel_yes"),
                        pack(PREFIX, "X", meeting.id, meeting.version),
                    )
                ]
            ),
        )
    else:
        was_confirmed = meeting.status == MeetingStatus.CONFIRMED
        if not await meetings.cancel(ctx.session, meeting, ctx.user_id, ctx.now):
            if _still_changeable(ctx, meeting):
                ctx.answer(ctx.t.plain("meet.changed_alert"), alert=True)
            return
        await reminders.cancel(ctx.session, meeting_id=meeting.id, now=ctx.now)
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="meeting_cancelled",
            now=ctx.now,
            meeting=meeting.id,
        )
        ctx.edit(ctx.t("meet.cancelled_by_you", **describe(ctx.t, meeting, zone)))
        t = ctx.for_user(partner.user)
        ctx.send_to(
            partner.user_id,
            t("meet.cancelled", name=who(t, me, Case.START), **describe(t, meeting, zone)),
            column([button(t.plain("meet.new_button"), pack(PREFIX, "n", tandem.id))]),
        )
        if was_confirmed:  # take it out of both calendars
            for person, other in ((me, partner), (partner, me)):
                send_calendar(ctx, meeting, program, zone, person, other, cancelled=True)


def _still_changeable(ctx: Ctx, meeting: Meeting) -> bool:
    """A meeting that began or was held is a fact: the partner is not told of a cancellation
    or a move, however old the button; the user is told why (False)."""
    if not is_fact(meeting.starts_at, meeting.outcome, ctx.now):
        return True
    agreed = meeting.status in (MeetingStatus.CONFIRMED, MeetingStatus.LOGGED)
    ctx.answer(ctx.t.plain("meet.already_held" if agreed else "meet.too_late"), alert=True)
    ctx.edit(None)
    return False
