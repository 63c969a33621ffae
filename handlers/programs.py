"""Coordinators: create programs, see them, review and decide on participants, grant the role."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe
from core.programs import (
    MAX_PROGRAM_NAME,
    TRANSITIONS,
    ParticipantStatus,
    ProgramStatus,
    can_transition,
    default_end,
    parse_date,
)
from core.reminders import Policy, plan_event, plan_survey
from core.surveys import SurveyStatus
from handlers import commands, notify
from handlers.callbacks import as_big_int, as_int, pack
from handlers.guard import (
    coordinated,
    pressed_program,
    require_all_programs,
    require_coordinator,
    visible_programs,
)
from handlers.keyboards import button, column, rows
from handlers.views.address import role_label
from storage import (
    dialogs,
    events,
    housekeeping,
    participants,
    programs,
    reminders,
    surveys,
    users,
)
from storage.models import Dialog, Participant, Program, User

FLOW = "newprogram"
PAGE_SIZE = 10
DURATIONS = (12, 9, 6)
MAX_CAPACITY = 3  # mentees per mentor; the button cycles 1 → 2 → 3 → 1


def invite_link(ctx: Ctx, program: Program) -> str:
    return f"https://t.me/{ctx.services.bot_username}?start={program.invite_code}"


def _fmt(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


# --- /newprogram ----------------------------------------------------------------------------


async def new_program(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "newprogram") or not require_all_programs(ctx, "newprogram"):
        return
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step="name", data={}, now=ctx.now)
    ctx.reply(ctx.t("np.ask_name", limit=MAX_PROGRAM_NAME))


def _today(ctx: Ctx) -> dt.date:
    return ctx.now.astimezone(ctx.services.settings.zone).date()


def _start_prompt(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    today = _today(ctx)
    return ctx.t("np.ask_start"), rows(
        [button(ctx.t.plain("np.today", date=_fmt(today)), pack("np", "s", today.isoformat()))]
    )


def _end_prompt(ctx: Ctx, start: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    return ctx.t("np.ask_end"), column(
        [
            button(
                ctx.t.plain("np.months", months=m, date=_fmt(default_end(start, m))),
                pack("np", "d", m),
            )
            for m in DURATIONS
        ]
    )


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "newprogram") or not require_all_programs(ctx, "newprogram"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    raw = " ".join((text or "").split())
    if dialog.step == "name":
        if not raw or raw.startswith("/") or len(raw) > MAX_PROGRAM_NAME:
            ctx.reply(ctx.t("np.bad_name", limit=MAX_PROGRAM_NAME))
            return
        await dialogs.save(
            ctx.session, ctx.user_id, flow=FLOW, step="start", data={"name": raw}, now=ctx.now
        )
        ctx.reply(*_start_prompt(ctx))
        return
    day = parse_date(raw)
    if dialog.step == "start":
        if day is None:
            ctx.reply(ctx.t("np.bad_date"))
            ctx.reply(*_start_prompt(ctx))
            return
        await _set_start(ctx, dialog, day)
        return
    start = dt.date.fromisoformat(dialog.data["starts_on"])
    if day is None or day <= start:
        ctx.reply(ctx.t("np.bad_end", start=_fmt(start)))
        ctx.reply(*_end_prompt(ctx, start))
        return
    await _create(ctx, dialog, day)


async def _set_start(ctx: Ctx, dialog: Dialog, day: dt.date) -> None:
    data = dict(dialog.data)
    data["starts_on"] = day.isoformat()
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step="end", data=data, now=ctx.now)
    ctx.reply(*_end_prompt(ctx, day))


async def _create(ctx: Ctx, dialog: Dialog, end: dt.date) -> None:
    program = await programs.create(
        ctx.session,
        name=dialog.data["name"],
        starts_on=dt.date.fromisoformat(dialog.data["starts_on"]),
        ends_on=end,
        timezone=ctx.services.settings.timezone,
        created_by=ctx.user_id,
        now=ctx.now,
    )
    await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="program_created", now=ctx.now, program=program.id
    )
    ctx.reply(ctx.t("np.created", program=program.name))
    text, markup = await _program_card(ctx, program)
    ctx.reply(text, markup)


async def on_np_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "newprogram") or not require_all_programs(ctx, "newprogram"):
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    action, args = parts[0], parts[1:]
    if dialog is None or dialog.flow != FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(None)
        return
    if action == "s" and dialog.step == "start" and len(args) == 1:
        try:
            day = dt.date.fromisoformat(args[0])
        except ValueError:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        ctx.edit(None)
        await _set_start(ctx, dialog, day)
    elif action == "d" and dialog.step == "end" and len(args) == 1:
        months = as_int(args[0])
        if months not in DURATIONS:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        start = dt.date.fromisoformat(dialog.data["starts_on"])
        ctx.edit(None)
        await _create(ctx, dialog, default_end(start, months))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


# --- /programs and a program's card -----------------------------------------------------------


async def list_programs(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "programs"):
        return
    text, markup = await _programs_list(ctx)
    ctx.reply(text, markup)


async def _programs_list(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup | None]:
    items = await visible_programs(ctx)
    if not items:
        return ctx.t("pg.none"), None
    buttons = []
    for program in items:
        counts = await programs.participant_counts(ctx.session, program.id)
        buttons.append(
            button(
                ctx.t.plain(
                    "pg.list_item",
                    program=program.name,
                    status=ctx.t.plain(f"pg.status.{program.status}"),
                    pending=counts.get(ParticipantStatus.PENDING, 0),
                ),
                pack("pg", "v", program.id),
            )
        )
    return ctx.t("pg.list"), column(buttons)


async def _program_card(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    counts = await programs.participant_counts(ctx.session, program.id)
    text = ctx.t(
        "pg.card",
        program=program.name,
        start=_fmt(program.starts_on),
        end=_fmt(program.ends_on),
        timezone=program.timezone,
        status=Safe(ctx.t(f"pg.status.{program.status}")),
        link=invite_link(ctx, program),
        code=program.invite_code,
        pending=counts.get(ParticipantStatus.PENDING, 0),
        active=counts.get(ParticipantStatus.ACTIVE, 0),
        paused=counts.get(ParticipantStatus.PAUSED, 0),
        left=counts.get(ParticipantStatus.LEFT, 0),
        rejected=counts.get(ParticipantStatus.REJECTED, 0),
    )
    status_buttons = [
        button(
            ctx.t.plain(f"pg.filter.{status}", count=counts.get(status, 0)),
            pack("pg", "l", program.id, status, 0),
        )
        for status in ParticipantStatus
    ]
    toggle = ProgramStatus.CLOSED if program.status == ProgramStatus.OPEN else ProgramStatus.OPEN
    markup = column(status_buttons, per_row=2).inline_keyboard
    return text, InlineKeyboardMarkup(
        [
            *markup,
            [button(ctx.t.plain(f"pg.set.{toggle}"), pack("pg", "s", program.id, toggle))],
            [
                button(ctx.t.plain("ps.open"), pack("ps", "v", program.id)),
                button(ctx.t.plain("ek.open"), pack("ek", "l", program.id)),
            ],
            [
                button(ctx.t.plain("sk.open"), pack("sk", "l", program.id)),
                button(ctx.t.plain("companies.open"), pack("cy", "l", 0)),
            ],
            [button(ctx.t.plain("pg.back_to_list"), pack("pg", "all"))],
        ]
    )


async def _participant_list(
    ctx: Ctx, program: Program, status: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    people = await participants.list_in_program(ctx.session, program.id, status)
    pages = max(1, (len(people) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    keyboard = [
        [
            button(
                ctx.t.plain(
                    "pp.list_item",
                    name=p.name,
                    role=role_label(ctx.t, p),
                    company=p.company,
                ),
                pack("pp", "v", p.id),
            )
        ]
        for p in shown
    ]
    nav = []
    if page > 0:
        nav.append(button("«", pack("pg", "l", program.id, status, page - 1)))
    if page < pages - 1:
        nav.append(button("»", pack("pg", "l", program.id, status, page + 1)))
    if nav:
        keyboard.append(nav)
    keyboard.append([button(ctx.t.plain("common.back"), pack("pg", "v", program.id))])
    text = ctx.t(
        "pg.participants",
        program=program.name,
        status=Safe(ctx.t(f"status.{status}")),
        count=len(people),
        page=page + 1,
        pages=pages,
    )
    if not people:
        text += "\n\n" + ctx.t("pg.participants.none")
    return text, InlineKeyboardMarkup(keyboard)


async def on_pg_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "pg:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    if action == "all":
        text, markup = await _programs_list(ctx)
        ctx.edit(text, markup)
        return
    program = await pressed_program(ctx, args[0] if args else None)
    if program is None:
        return
    if action == "v" and len(args) == 1:
        ctx.edit(*await _program_card(ctx, program))
    elif action == "l" and len(args) == 3 and args[1] in set(ParticipantStatus):
        page = as_int(args[2]) or 0
        ctx.edit(*await _participant_list(ctx, program, args[1], page))
    elif action == "s" and len(args) == 2 and args[1] in (ProgramStatus.OPEN, ProgramStatus.CLOSED):
        program.status = ProgramStatus(args[1])
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="program_status",
            now=ctx.now,
            program=program.id,
            status=args[1],
        )
        ctx.answer(ctx.t.plain(f"pg.status_set.{args[1]}"))
        ctx.edit(*await _program_card(ctx, program))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


# --- a participant's card and decisions -------------------------------------------------------


async def _invite_to_upcoming_events(ctx: Ctx, program: Program, user_id: int) -> None:
    """Someone approved after an event was announced gets its invitation and reminders too
    (planning is keyed per user, so re-approval plans nothing twice); the same for surveys."""
    policy = Policy.from_settings(program.settings)
    for event in await events.upcoming(ctx.session, program.id, ctx.now):
        planned = plan_event(
            event_id=event.id,
            starts_at=event.starts_at,
            user_ids=[user_id],
            policy=policy,
            now=ctx.now,
        )
        ctx.schedule(await reminders.plan(ctx.session, planned, now=ctx.now, event_id=event.id))
    # Likewise a survey that is out or about to go out: the newcomer is asked too.
    for survey in await surveys.for_program(ctx.session, program.id):
        if survey.status != SurveyStatus.SCHEDULED.value or survey.send_at is None:
            continue
        planned = plan_survey(
            survey_id=survey.id, send_at=max(survey.send_at, ctx.now), user_ids=[user_id]
        )
        ctx.schedule(await reminders.plan(ctx.session, planned, now=ctx.now, survey_id=survey.id))


async def _participant_card(
    ctx: Ctx, participant: Participant, program: Program
) -> tuple[str, InlineKeyboardMarkup]:
    assert participant.user_id is not None  # erased participants have no card
    user = await users.get(ctx.session, participant.user_id)
    contact = f"@{user.username}" if user and user.username else str(participant.user_id)
    text = ctx.t(
        "pp.card",
        program=program.name,
        status=Safe(ctx.t(f"status.{participant.status}")),
        contact=contact,
        registered=_fmt(participant.created_at.astimezone(ctx.services.settings.zone).date()),
        profile=Safe(notify.profile_block(ctx, participant)),
    )
    keyboard = [
        [button(ctx.t.plain(f"pp.to.{target}"), pack("pp", "s", participant.id, target))]
        for target in sorted(TRANSITIONS[ParticipantStatus(participant.status)])
    ]
    if participant.role == "mentor":
        keyboard.append(
            [
                button(
                    ctx.t.plain("pp.capacity", capacity=participant.capacity),
                    pack("pp", "cap", participant.id),
                )
            ]
        )
    if not await ctx.services.is_coordinator(ctx.session, participant.user_id):
        keyboard.append(
            [button(ctx.t.plain("pp.make_coordinator"), pack("pp", "co", participant.id))]
        )
    keyboard.append(
        [button(ctx.t.plain("common.back"), pack("pg", "l", program.id, participant.status, 0))]
    )
    return text, InlineKeyboardMarkup(keyboard)


async def on_pp_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "pp:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    participant_id = as_int(args[0]) if args else None
    participant = (
        await participants.get(ctx.session, participant_id) if participant_id is not None else None
    )
    program = await coordinated(ctx, participant.program_id) if participant else None
    if participant is None or program is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if participant.user_id is None:  # erased their data: nothing to decide or show
        ctx.answer(ctx.t.plain("pp.erased"), alert=True)
        return
    if action == "v" and len(args) == 1:
        ctx.edit(*await _participant_card(ctx, participant, program))
    elif action == "s" and len(args) == 2:
        target = args[1]
        if target == participant.status:
            ctx.answer(ctx.t.plain("pp.already", status=ctx.t.plain(f"status.{target}")))
            ctx.edit(*await _participant_card(ctx, participant, program))
            return
        if not can_transition(participant.status, target):
            # Another coordinator decided first, or the data was forged.
            ctx.answer(
                ctx.t.plain("pp.cannot", status=ctx.t.plain(f"status.{participant.status}")),
                alert=True,
            )
            ctx.edit(*await _participant_card(ctx, participant, program))
            return
        changed = await participants.set_status(
            ctx.session,
            participant,
            target,
            expected=participant.status,
            decided_by=ctx.user_id,
            now=ctx.now,
        )
        if not changed:
            ctx.answer(
                ctx.t.plain("pp.cannot", status=ctx.t.plain(f"status.{participant.status}")),
                alert=True,
            )
            ctx.edit(*await _participant_card(ctx, participant, program))
            return
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="participant_status",
            now=ctx.now,
            participant=participant.id,
            status=target,
        )
        if target == ParticipantStatus.ACTIVE:
            await _invite_to_upcoming_events(ctx, program, participant.user_id)
        ctx.answer(ctx.t.plain(f"pp.done.{target}"))
        ctx.edit(*await _participant_card(ctx, participant, program))
        await notify.status_changed(ctx, program, participant)
    elif action == "cap" and len(args) == 1 and participant.role == "mentor":
        participant.capacity = participant.capacity % MAX_CAPACITY + 1
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="capacity",
            now=ctx.now,
            participant=participant.id,
            capacity=participant.capacity,
        )
        ctx.edit(*await _participant_card(ctx, participant, program))
    elif action == "co" and len(args) == 1:
        ctx.edit(
            ctx.t(
                "pp.make_coordinator.confirm_program", name=participant.name, program=program.name
            ),
            rows(
                [button(ctx.t.plain("common.yes"), pack("pp", "coy", participant.id))],
                [button(ctx.t.plain("common.back"), pack("pp", "v", participant.id))],
            ),
        )
    elif action == "coy" and len(args) == 1:
        await _grant(ctx, participant.user_id, participant.name, program=program)
        ctx.edit(*await _participant_card(ctx, participant, program))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


# --- /makecoordinator -------------------------------------------------------------------------


async def _target_user(ctx: Ctx, usage: str) -> User | None:
    """The user named by the command's one argument (a Telegram id or @username), or None."""
    if len(ctx.args) != 1:
        ctx.reply(usage)
        return None
    target = ctx.args[0]
    user = None
    if (user_id := as_big_int(target)) is not None:
        user = await users.get(ctx.session, user_id)
    elif target.startswith("@"):
        user = await users.find_by_username(ctx.session, target)
    if user is None:
        ctx.reply(ctx.t("mc.unknown", who=target))
    return user


def _name(user: User) -> str:
    return " ".join(filter(None, [user.first_name, user.last_name]))


async def make_coordinator(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "makecoordinator") or not require_all_programs(
        ctx, "makecoordinator"
    ):
        return
    user = await _target_user(ctx, ctx.t("mc.usage"))
    if user is not None:
        await _grant(ctx, user.id, _name(user))


async def revoke_coordinator(ctx: Ctx) -> None:
    """Take the role back; coordinators from TANDEM_COORDINATORS stay (the operator's list)."""
    if not require_coordinator(ctx, "revokecoordinator") or not require_all_programs(
        ctx, "revokecoordinator"
    ):
        return
    configured = ctx.services.settings.coordinators
    if len(ctx.args) == 1 and as_big_int(ctx.args[0]) in configured:  # may never have written
        ctx.reply(ctx.t("rc.configured", name=ctx.args[0]))
        return
    user = await _target_user(ctx, ctx.t("rc.usage"))
    if user is None:
        return
    if user.id in configured:
        ctx.reply(ctx.t("rc.configured", name=_name(user)))
        return
    if not await users.is_coordinator(ctx.session, user.id):
        ctx.reply(ctx.t("rc.not_coordinator", name=_name(user)))
        return
    await users.revoke_coordinator(ctx.session, user.id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="coordinator_revoked", now=ctx.now, target=user.id
    )
    ctx.reply(ctx.t("rc.done", name=_name(user)))
    services, user_id = ctx.services, user.id
    ctx.after_commit.append(lambda: commands.clear_coordinator_commands(services, user_id))


async def _grant(ctx: Ctx, user_id: int, name: str, program: Program | None = None) -> None:
    """A role for all programs (/makecoordinator) or for one (from a participant's card); what
    is said names what was granted."""
    if user_id in ctx.services.settings.coordinators or not await users.grant_coordinator(
        ctx.session,
        user_id,
        granted_by=ctx.user_id,
        now=ctx.now,
        program_id=program.id if program is not None else None,
    ):
        ctx.reply(ctx.t("mc.already", name=name))
        return
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="coordinator_granted", now=ctx.now, target=user_id
    )
    target = await users.get(ctx.session, user_id)
    if program is None:
        ctx.reply(ctx.t("mc.done", name=name))
        told = ctx.for_user(target)("mc.you_are_coordinator")
    else:
        ctx.reply(ctx.t("mc.done_program", name=name, program=program.name))
        told = ctx.for_user(target)("mc.you_coordinate_program", program=program.name)
    if target is not None and target.reachable:
        ctx.send_to(user_id, told)
    all_programs = await ctx.services.scope_of(ctx.session, user_id) is None
    ctx.after_commit.append(
        lambda: commands.set_coordinator_commands(ctx.services, user_id, all_programs)
    )
