"""Tandems from the participants' side: the introduction, /tandem, concerns, the first meeting;
and the coordinators' list of tandems with dissolving.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx, Services
from bot.i18n import Safe, Translator
from bot.messenger import Outcome
from core.address import Case
from core.profile import DEFAULT_TOPICS, clean_text
from core.programs import parse_date
from core.tandems import TandemStatus
from handlers import meetings
from handlers.callbacks import as_int, pack
from handlers.guard import coordinated, require_coordinator, visible_programs
from handlers.keyboards import button, column
from handlers.views import agreement
from handlers.views.address import introduced_as, who
from handlers.views.fit import Part, escaped, fit_message
from storage import dialogs, housekeeping, programs, users
from storage import meetings as meeting_store
from storage import tandems as store
from storage.models import Participant, Program, Tandem

log = logging.getLogger(__name__)

CONCERN_FLOW = "concern"
DISSOLVE_FLOW = "dissolve"
MAX_NOTE = 1000
STARTERS = 3
TIME = re.compile(r"^(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:\s*uhr)?$", re.IGNORECASE)


def parse_datetime(raw: str, zone: ZoneInfo) -> dt.datetime | None:
    """`11.03.2027 18:00` (or a date alone, meaning 09:00) in the program's zone, as UTC."""
    parts = raw.strip().split()
    if not parts or len(parts) > 3:
        return None
    day = parse_date(parts[0])
    if day is None:
        return None
    hour, minute = 9, 0
    if len(parts) > 1:
        match = TIME.match(" ".join(parts[1:]))
        if match is None:
            return None
        hour, minute = int(match["h"]), int(match["m"])
        if hour > 23 or minute > 59:
            return None
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return local.astimezone(dt.UTC)


def starters(t: Translator, mine: list[str], theirs: list[str]) -> list[str]:
    """Two or three conversation starters: shared topics first, then the other topics of both."""
    shared = [topic for topic in mine if topic in theirs]
    rest = [topic for topic in [*theirs, *mine] if topic not in shared]
    chosen = list(dict.fromkeys([*shared, *rest]))[:STARTERS]
    lines = []
    for topic in chosen:
        key = f"starter.{DEFAULT_TOPICS.index(topic)}" if topic in DEFAULT_TOPICS else ""
        lines.append(t(key) if key and t.has(key) else t("starter.generic", topic=topic))
    return lines


def _contact(partner: Participant) -> str:
    """A link that opens the partner's chat, plus the @username where there is one."""
    user = partner.user
    link = f'<a href="tg://user?id={partner.user_id}">{_escape(partner.name)}</a>'
    if user is not None and user.username:
        return f"{link} (@{_escape(user.username)})"
    return link


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def introduction(t: Translator, tandem: Tandem, me: Participant, partner: Participant) -> str:
    ideas = starters(t, list(me.topics), list(partner.topics))
    # The text speaks to `me` about `partner`: a mentee hears about their mentor and vice versa.
    key = "intro.to_mentee" if partner.id == tandem.mentor_id else "intro.to_mentor"
    return t(
        key,
        who=introduced_as(t, partner),
        company=partner.company,
        position=partner.position,
        industry=partner.industry,
        topics=", ".join(partner.topics),
        goals=partner.goals,
        contact=Safe(_contact(partner)),
        starters=Safe("\n".join(t("intro.starter", text=Safe(s)) for s in ideas)),
    )


def tandem_keyboard(t: Translator, tandem: Tandem) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t.plain("intro.propose"), pack("me", "n", tandem.id))],
            [button(t.plain("intro.concern"), pack("tn", "c", tandem.id))],
        ]
    )


async def introduce(services: Services, tandem_ids: list[int]) -> None:
    """Send both introductions of each tandem that is due; report who could not be reached."""
    for tandem_id in tandem_ids:
        async with services.db.session() as session:
            if not await store.claim_introduction(session, tandem_id, services.clock.now()):
                continue
            tandem = await store.get_tandem(session, tandem_id)
            assert tandem is not None
            pairs = ((tandem.mentor, tandem.mentee), (tandem.mentee, tandem.mentor))
            program = await programs.get(session, tandem.program_id)
            coordinators = sorted(await services.coordinator_ids(session, tandem.program_id))
            coordinator_users = {c: await users.get(session, c) for c in coordinators}
        unreachable = []
        for me, partner in pairs:
            if me.user_id is None:  # erased (/deleteme) before the introduction
                continue
            t = services.translator_for(me.user)
            _, outcome = await services.messenger.deliver(
                me.user_id, introduction(t, tandem, me, partner), tandem_keyboard(t, tandem)
            )
            if outcome is not Outcome.SENT:
                unreachable.append((me, outcome))
                continue
            await services.messenger.send(me.user_id, *agreement.message(t, program, tandem))
        for me, outcome in unreachable:
            log.warning("introduction of tandem %s to %s: %s", tandem_id, me.user_id, outcome)
            for coordinator_id, coordinator in coordinator_users.items():
                t = services.translator_for(coordinator)
                await services.messenger.send(
                    coordinator_id,
                    t(
                        f"intro.undelivered.{outcome.value}",
                        name=who(t, me, Case.BARE),
                        program=program.name if program else "",
                    ),
                )


async def introduce_due(services: Services) -> None:
    async with services.db.session() as session:
        due = await store.due_introductions(session, services.clock.now())
    if due:
        await introduce(services, due)


# --- /tandem and the buttons under an introduction -------------------------------------------


async def tandem_command(ctx: Ctx) -> None:
    tandems = await store.tandems_of_user(ctx.session, ctx.user_id)
    shown = [t for t in tandems if t.introduced_at is not None]
    if not shown:
        waiting = [t for t in tandems if t.introduced_at is None and t.intro_due_at is not None]
        if waiting:
            program = await programs.get(ctx.session, waiting[0].program_id)
            zone = ctx.services.zone_of(program)
            when = waiting[0].intro_due_at
            assert when is not None
            ctx.reply(ctx.t("tandem.later", when=when.astimezone(zone).strftime("%d.%m.%Y %H:%M")))
        else:
            ctx.reply(ctx.t("tandem.none"))
        return
    for tandem in shown:
        me, partner = meetings.partners(tandem, ctx.user_id)
        ctx.reply(introduction(ctx.t, tandem, me, partner), tandem_keyboard(ctx.t, tandem))


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action = parts[0]
    tandem = await meetings.own_tandem(ctx, as_int(parts[1]) if len(parts) == 2 else None)
    if tandem is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if action == "m":  # the button under introductions sent before meetings could be scheduled
        await meetings.start_proposal(ctx, tandem, mode="new")
        return
    if action != "c":
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=CONCERN_FLOW,
        step="text",
        data={"tandem": tandem.id},
        now=ctx.now,
    )
    ctx.reply(ctx.t("concern.ask", limit=MAX_NOTE))


async def on_text(ctx: Ctx, flow: str, data: dict[str, Any], text: str | None) -> None:
    if flow == DISSOLVE_FLOW:  # a coordinator's dialog, about someone else's tandem
        await _dissolve_text(ctx, data, text)
        return
    tandem = await meetings.own_tandem(ctx, int(data["tandem"]))
    if tandem is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("tandem.none"))
        return
    note = clean_text(text or "")
    if not note or note.startswith("/") or len(note) > MAX_NOTE:
        ctx.reply(
            ctx.t(
                "error.too_long" if len(note) > MAX_NOTE else "error.empty",
                limit=MAX_NOTE,
                length=len(note),
            )
        )
        return
    await dialogs.clear(ctx.session, ctx.user_id)
    me, partner = meetings.partners(tandem, ctx.user_id)
    program = await programs.get(ctx.session, tandem.program_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="concern", now=ctx.now, tandem=tandem.id
    )
    for coordinator_id in sorted(
        await ctx.services.coordinator_ids(ctx.session, tandem.program_id)
    ):
        t = ctx.for_user(await users.get(ctx.session, coordinator_id))
        ctx.send_to(
            coordinator_id,
            t(
                "concern.to_coordinators",
                name=who(t, me, Case.BARE),
                partner=who(t, partner, Case.BARE),
                program=program.name if program else "",
                note=note,
            ),
            column([button(t.plain("td.open"), pack("td", "v", tandem.id))]),
        )
    ctx.reply(ctx.t("concern.sent"))


# --- coordinators: /tandems, dissolve ---------------------------------------------------------


async def tandems_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "tandems"):
        return
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    ctx.reply(
        ctx.t("td.choose_program"),
        column([button(p.name, pack("td", "l", p.id)) for p in items]),
    )


def list_text(t: Translator, program: Program, count: int, unconfirmed: Sequence[Tandem]) -> str:
    """The program's tandem list; the pairs whose agreement is still open, as many as fit."""
    head = t("td.list", program=program.name, count=count)
    if not unconfirmed:
        return head
    pairs = escaped([f"{x.mentor.name} / {x.mentee.name}" for x in unconfirmed])
    return fit_message(
        lambda names: head + "\n\n" + t("td.unconfirmed", count=len(unconfirmed), names=names[0]),
        [Part(pairs, lambda rest: t("rp.more", count=rest))],
    )


async def on_coordinator_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "td:" + ":".join(parts)):
        return
    action = parts[0]
    target = as_int(parts[1]) if len(parts) == 2 else None
    if target is None:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    if action == "l":
        program = await coordinated(ctx, target)
        if program is None:
            ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
            return
        tandems = await store.tandems_in_program(ctx.session, program.id)
        rows: list[list[InlineKeyboardButton]] = [
            [
                button(
                    ("" if t.mentor_agreed_at and t.mentee_agreed_at else "⏳ ")
                    + ctx.t.plain("td.item", mentor=t.mentor.name, mentee=t.mentee.name),
                    pack("td", "v", t.id),
                )
            ]
            for t in tandems[:90]
        ]
        unconfirmed = [
            t
            for t in tandems
            if t.introduced_at and not (t.mentor_agreed_at and t.mentee_agreed_at)
        ]
        text = list_text(ctx.t, program, len(tandems), unconfirmed)
        ctx.edit(text, InlineKeyboardMarkup(rows) if rows else None)
        return
    if action == "c":
        await _settle_meeting(ctx, target)
        return
    tandem = await store.get_tandem(ctx.session, target)
    if tandem is None or await coordinated(ctx, tandem.program_id) is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if action == "v":
        ctx.edit(*await _tandem_card(ctx, tandem))
    elif action == "x" and tandem.status == TandemStatus.ACTIVE:
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=DISSOLVE_FLOW,
            step="reason",
            data={"tandem": tandem.id},
            now=ctx.now,
        )
        ctx.reply(ctx.t("td.dissolve_ask", **_pair(ctx, tandem)))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


def _pair(ctx: Ctx, tandem: Tandem) -> dict[str, Safe]:
    """Both partners for the program team, each with the role noun of their form of address."""
    return {
        "mentor": who(ctx.t, tandem.mentor, Case.BARE),
        "mentee": who(ctx.t, tandem.mentee, Case.BARE),
    }


def _agreed(ctx: Ctx, when: dt.datetime | None) -> str:
    if when is None:
        return ctx.t.plain("td.agreement_open")
    return "✅ " + when.astimezone(ctx.services.settings.zone).strftime("%d.%m.%Y")


async def _tandem_card(ctx: Ctx, tandem: Tandem) -> tuple[str, InlineKeyboardMarkup | None]:
    zone = ctx.services.settings.zone
    held, last, upcoming = await meeting_store.summary(ctx.session, tandem.id, ctx.now)

    def day(when: dt.datetime | None) -> str:
        return when.astimezone(zone).strftime("%d.%m.%Y") if when else "–"

    pair = _pair(ctx, tandem)
    text = ctx.t(
        "td.card",
        **pair,
        mentor_company=tandem.mentor.company,
        mentee_company=tandem.mentee.company,
        status=Safe(ctx.t(f"td.status.{tandem.status}")),
        since=tandem.created_at.astimezone(zone).strftime("%d.%m.%Y"),
        introduced=(
            tandem.introduced_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
            if tandem.introduced_at
            else "–"
        ),
        reason=tandem.dissolve_reason or "–",
        agreement=Safe(
            ctx.t(
                "td.agreement",
                **pair,
                mentor_agreed=_agreed(ctx, tandem.mentor_agreed_at),
                mentee_agreed=_agreed(ctx, tandem.mentee_agreed_at),
            )
        ),
        meetings=Safe(
            ctx.t(
                "td.meetings", held=held, last=day(last), next=day(upcoming), nudges=tandem.nudges
            )
        ),
    )
    # Recorded meetings nobody confirmed yet and disputed ones: they do not count until a
    # partner or a coordinator settles them, so the coordinators see them here.
    pending, disputed = await meeting_store.needing_attention(ctx.session, tandem.id, ctx.now)
    recorders = {
        person.user_id: pair[role]
        for role, person in (("mentor", tandem.mentor), ("mentee", tandem.mentee))
        if person.user_id is not None
    }
    by_recorder: dict[int | None, list[str]] = {}
    for m in pending:  # who recorded it: the other one is to confirm
        recorder = m.proposed_by if m.proposed_by in recorders else None
        by_recorder.setdefault(recorder, []).append(day(m.starts_at))
    for recorder, dates in by_recorder.items():
        if recorder is None:  # the recorder's data is erased
            text += "\n" + ctx.t("td.logged_pending_anonymous", dates=", ".join(dates))
        else:
            text += "\n" + ctx.t(
                "td.logged_pending", recorder=recorders[recorder], dates=", ".join(dates)
            )
    if disputed:
        text += "\n" + ctx.t(
            "td.disputed", **pair, dates=", ".join(day(m.starts_at) for m in disputed)
        )
    buttons = [
        button(ctx.t.plain("td.confirm_meeting", date=day(m.starts_at)), pack("td", "c", m.id))
        for m in (pending + disputed)[:8]
    ]
    if tandem.status == TandemStatus.ACTIVE:
        buttons.append(button(ctx.t.plain("td.dissolve"), pack("td", "x", tandem.id)))
    return text, column(buttons) if buttons else None


async def _settle_meeting(ctx: Ctx, meeting_id: int) -> None:
    """A coordinator counts a recorded meeting the partner has not confirmed, or a disputed
    one, as held."""
    meeting = await meeting_store.get(ctx.session, meeting_id)
    if meeting is None or await coordinated(ctx, meeting.tandem.program_id) is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if meeting_store.awaiting_verification(meeting):
        settled = await meeting_store.verify_logged(ctx.session, meeting, ctx.now)
    else:
        settled = await meeting_store.settle_held(ctx.session, meeting, ctx.now)
    if settled:
        await store.reset_nudges(ctx.session, meeting.tandem_id)
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="meeting_settled",
            now=ctx.now,
            meeting=meeting.id,
        )
    ctx.answer(ctx.t.plain("td.meeting_counted" if settled else "td.meeting_decided"))
    tandem = await store.get_tandem(ctx.session, meeting.tandem_id)
    if tandem is not None:
        ctx.edit(*await _tandem_card(ctx, tandem))


async def _dissolve_text(ctx: Ctx, data: dict[str, Any], text: str | None) -> None:
    if not require_coordinator(ctx, "dissolve"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    reason = clean_text(text or "")
    if not reason or reason.startswith("/") or len(reason) > MAX_NOTE:
        ctx.reply(ctx.t("td.dissolve_bad", limit=MAX_NOTE))
        return
    await dialogs.clear(ctx.session, ctx.user_id)
    tandem = await store.get_tandem(ctx.session, int(data["tandem"]))
    if tandem is not None and await coordinated(ctx, tandem.program_id) is None:
        tandem = None
    if tandem is None or not await store.dissolve(
        ctx.session, tandem, by=ctx.user_id, reason=reason, now=ctx.now
    ):
        ctx.reply(ctx.t("td.dissolve_gone"))
        return
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="tandem_dissolved", now=ctx.now, tandem=tandem.id
    )
    for person, partner in ((tandem.mentor, tandem.mentee), (tandem.mentee, tandem.mentor)):
        if tandem.introduced_at is None:
            continue  # they never learned of each other: nothing to tell
        t = ctx.for_user(person.user)
        ctx.send_to(
            person.user_id, t("td.dissolved_to_participant", partner=who(t, partner, Case.DATIVE))
        )
    ctx.reply(ctx.t("td.dissolved", **_pair(ctx, tandem)))
