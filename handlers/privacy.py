"""A participant's control over their data and what the bot does with them: /mydata,
/deleteme, /pause and /resume.

/mydata sends everything stored about the user as one JSON file (storage.privacy), in the
private chat only. /deleteme erases it after a confirmation (storage.privacy.erase): tandems
end, the partner and the coordinators are told, anonymous counts stay and nothing else names or
points at the person (see "Erasure" in docs/architecture.md); afterwards /start begins from
scratch. The notices sent here name the person once more: like every notice, their text is
dropped when they are sent.

Pausing skips reminders and nudges while it lasts (core.reminders.PAUSABLE); they are not
postponed, since a reminder for a meeting that has passed would only confuse. Invitations to
program events and surveys and the coordinators' announcements still arrive.
"""

from __future__ import annotations

import json

from bot.context import Ctx
from bot.i18n import Safe
from core.address import Case
from handlers.callbacks import pack
from handlers.keyboards import button, rows
from handlers.views.address import who
from storage import housekeeping, privacy, programs, users

PREFIX = "dm"


async def deleteme_command(ctx: Ctx) -> None:
    if ctx.user is None:
        ctx.reply(ctx.t("privacy.nothing_stored"))
        return
    ctx.reply(
        ctx.t("privacy.delete_confirm"),
        rows(
            [button(ctx.t.plain("privacy.delete_yes"), pack(PREFIX, "y"))],
            [button(ctx.t.plain("privacy.delete_no"), pack(PREFIX, "n"))],
        ),
    )


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    """`dm:y` erases, `dm:n` keeps everything. Only ever about the pressing user's own data."""
    if parts == ["n"]:
        ctx.answer()
        ctx.edit(ctx.t("privacy.delete_kept"))
        return
    if parts != ["y"]:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    if ctx.user is None:  # a second press: already erased
        ctx.answer()
        ctx.edit(ctx.t("privacy.deleted"))
        return
    departures = await privacy.erase(ctx.session, ctx.user_id, ctx.now)
    housekeeping.audit(
        ctx.session, user_id=None, action="erased", now=ctx.now, registrations=len(departures)
    )
    for departure in departures:
        coordinators = sorted(await ctx.services.coordinator_ids(ctx.session, departure.program_id))
        program = await programs.get(ctx.session, departure.program_id)
        program_name = program.name if program else ""
        for partner in departure.partners:
            if partner.user_id is None:
                continue
            t = ctx.for_user(await users.get(ctx.session, partner.user_id))
            ctx.send_to(
                partner.user_id,
                t(
                    "privacy.partner_left",
                    partner=who(t, departure, Case.START),
                    program=program_name,
                ),
            )
        for coordinator_id in coordinators:
            t = ctx.for_user(await users.get(ctx.session, coordinator_id))
            ended = Safe(", ".join(who(t, p, Case.BARE) for p in departure.partners))
            ctx.send_to(
                coordinator_id,
                t(
                    "privacy.coordinator_notice",
                    name=who(t, departure, Case.BARE),
                    program=program_name,
                )
                + ("\n" + t("privacy.coordinator_ended", partners=ended) if ended else ""),
            )
    ctx.answer()
    ctx.edit(ctx.t("privacy.deleted"))


async def mydata_command(ctx: Ctx) -> None:
    data = await privacy.personal_data(ctx.session, ctx.user_id)
    if not data:
        ctx.reply(ctx.t("privacy.nothing_stored"))
        return
    content = json.dumps(
        {"generated_at": ctx.now.isoformat(), "user_id": ctx.user_id, "data": data},
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    ).encode()
    housekeeping.audit(ctx.session, user_id=ctx.user_id, action="data_exported", now=ctx.now)
    ctx.send_document(ctx.user_id, "tandem-data.json", content, ctx.t("privacy.mydata"))


async def pause_command(ctx: Ctx) -> None:
    if ctx.user is None:
        ctx.reply(ctx.t("privacy.not_registered"))
        return
    if not await users.set_paused(ctx.session, ctx.user_id, ctx.now):
        ctx.reply(ctx.t("privacy.already_paused"))
        return
    housekeeping.audit(ctx.session, user_id=ctx.user_id, action="paused", now=ctx.now)
    ctx.reply(ctx.t("privacy.paused"))


async def resume_command(ctx: Ctx) -> None:
    if ctx.user is None:
        ctx.reply(ctx.t("privacy.not_registered"))
        return
    if not await users.set_paused(ctx.session, ctx.user_id, None):
        ctx.reply(ctx.t("privacy.not_paused"))
        return
    housekeeping.audit(ctx.session, user_id=ctx.user_id, action="resumed", now=ctx.now)
    ctx.reply(ctx.t("privacy.resumed"))
