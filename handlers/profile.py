"""/profile: a participant sees their registration and changes any field of it."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe
from core.profile import (
    FIELDS_BY_NAME,
    FieldKind,
    InvalidInput,
    parse_choice,
    parse_typed,
    toggle_topic,
)
from core.programs import ParticipantStatus
from handlers import company_choice
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column
from handlers.views import fields
from storage import dialogs, participants, programs
from storage.models import Dialog, Participant

FLOW = "profile"
PREFIX = "pf"


def _editable(participant: Participant, field: str) -> bool:
    """The role decides the matching and the tandem: only a registration not yet approved
    may change it (found by the fuzz test: a mentor in a tandem became a mentee)."""
    return field != "role" or participant.status == ParticipantStatus.PENDING


def _keyboard(ctx: Ctx, participant: Participant) -> InlineKeyboardMarkup:
    return column(
        [
            button(
                ctx.t.plain("profile.edit_field", label=fields.field_label(ctx.t, f)),
                pack(PREFIX, "e", f),
            )
            for f in FIELDS_BY_NAME
            if _editable(participant, f)
        ],
        per_row=2,
    )


async def _render(ctx: Ctx, participant: Participant) -> str:
    program = await programs.get(ctx.session, participant.program_id)
    values = fields.values_of(participant)
    return ctx.t(
        "profile.show",
        program=program.name if program else "",
        status=Safe(ctx.t(f"status.{participant.status}")),
        profile=Safe(fields.render_profile(ctx.t, values)),
    )


async def show(ctx: Ctx) -> None:
    participant = await participants.current_of_user(ctx.session, ctx.user_id)
    if participant is None:
        ctx.reply(ctx.t("profile.none"))
        return
    ctx.reply(await _render(ctx, participant), _keyboard(ctx, participant))


async def _participant(ctx: Ctx, dialog: Dialog | None) -> Participant | None:
    """The participant being edited, re-checked to belong to this user on every step."""
    if dialog is None or dialog.flow != FLOW:
        return None
    participant = await participants.get(ctx.session, int(dialog.data["participant_id"]))
    if participant is None or participant.user_id != ctx.user_id:
        return None
    return participant


async def _topics(ctx: Ctx, participant: Participant) -> list[str]:
    program = await programs.get(ctx.session, participant.program_id)
    return programs.topics_of(program) if program else []


async def _prompt(ctx: Ctx, dialog: Dialog, participant: Participant) -> None:
    if dialog.step == "company" and dialog.data.get(company_choice.CHOICE):
        await company_choice.ask(ctx, PREFIX, dict(dialog.data[company_choice.CHOICE]))
        return
    values = fields.values_of(participant)
    if dialog.step == "topics":
        values["topics"] = dialog.data.get("topics", participant.topics)
    text, markup = fields.prompt(
        ctx.t, PREFIX, dialog.step, values, await _topics(ctx, participant)
    )
    ctx.reply(ctx.t("profile.editing") + "\n\n" + text, markup)


async def _store(
    ctx: Ctx, participant: Participant, field: str, value: Any, company_id: int | None = None
) -> None:
    await dialogs.clear(ctx.session, ctx.user_id)
    if not _editable(participant, field):  # approved while the dialog was open
        ctx.reply(ctx.t("profile.role_locked"))
        return
    await participants.update_field(
        ctx.session, participant, field, value, ctx.now, company_id=company_id
    )
    ctx.reply(ctx.t("profile.saved"))
    ctx.reply(await _render(ctx, participant), _keyboard(ctx, participant))


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    participant = await _participant(ctx, dialog)
    if participant is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("profile.none"))
        return
    spec = FIELDS_BY_NAME[dialog.step]
    topics = list(dialog.data.get("topics") or [])
    try:
        value = parse_typed(spec, text, topics)
    except InvalidInput as error:
        ctx.reply(fields.error_text(ctx.t, error))
        await _prompt(ctx, dialog, participant)
        return
    if spec.kind is FieldKind.TOPICS:  # typed topics join the working copy until "done"
        data = dict(dialog.data)
        data["topics"] = value
        dialog = await dialogs.save(
            ctx.session, ctx.user_id, flow=FLOW, step="topics", data=data, now=ctx.now
        )
        ctx.reply(ctx.t("field.topics.added"))
        await _prompt(ctx, dialog, participant)
        return
    if dialog.step == "company":
        await _on_company(ctx, dialog, participant, str(value))
        return
    await _store(ctx, participant, dialog.step, value)


async def _on_company(ctx: Ctx, dialog: Dialog, participant: Participant, typed: str) -> None:
    """The same question as at registration ("Meinten Sie …?"), so that a changed company
    links the directory's employer instead of starting a look-alike; typed text while the
    question is open is a new answer."""
    found = await company_choice.look_up(ctx, typed)
    if found.choice is None:
        await _store(ctx, participant, "company", typed, found.company_id)
        return
    data = {**dialog.data, company_choice.CHOICE: found.choice}
    dialog = await dialogs.save(
        ctx.session, ctx.user_id, flow=FLOW, step="company", data=data, now=ctx.now
    )
    await _prompt(ctx, dialog, participant)


async def _on_company_choice(
    ctx: Ctx, dialog: Dialog, participant: Participant, company_id: int | None
) -> None:
    choice = dialog.data.get(company_choice.CHOICE)
    if dialog.step != "company" or not choice:
        raise InvalidInput("error.stale_button")
    chosen = await company_choice.answer(ctx, choice, company_id)
    if chosen is None:  # forged, or merged away since: say so and ask again
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        ctx.edit(None)
        await _on_company(ctx, dialog, participant, str(choice["typed"]))
        return
    ctx.edit(fields.answered(ctx.t, "company", chosen.name))
    await _store(ctx, participant, "company", chosen.name, chosen.company_id)


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action, args = parts[0], parts[1:]
    if action == "e" and len(args) == 1 and args[0] in FIELDS_BY_NAME:
        participant = await participants.current_of_user(ctx.session, ctx.user_id)
        if participant is None:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        if not _editable(participant, args[0]):
            ctx.answer(ctx.t.plain("profile.role_locked"), alert=True)
            return
        data: dict[str, Any] = {"participant_id": participant.id}
        if args[0] == "topics":
            data["topics"] = list(participant.topics)
        started = await dialogs.save(
            ctx.session, ctx.user_id, flow=FLOW, step=args[0], data=data, now=ctx.now
        )
        await _prompt(ctx, started, participant)
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    participant = await _participant(ctx, dialog)
    if dialog is None or participant is None:
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(None)
        return
    try:
        if action == "v" and len(args) == 2 and dialog.step == args[0]:
            value = parse_choice(FIELDS_BY_NAME[args[0]], args[1])
            ctx.edit(fields.answered(ctx.t, args[0], value))
            await _store(ctx, participant, args[0], value)
        elif action == "t" and len(args) == 2 and dialog.step == "topics":
            program_topics = await _topics(ctx, participant)
            selected = list(dialog.data.get("topics") or [])
            topic = fields.topic_from_callback(program_topics, selected, args[0], args[1])
            data = dict(dialog.data)
            data["topics"] = toggle_topic(selected, topic)
            await dialogs.save(
                ctx.session, ctx.user_id, flow=FLOW, step="topics", data=data, now=ctx.now
            )
            ctx.edit(None, fields.topics_keyboard(ctx.t, PREFIX, program_topics, data["topics"]))
        elif action == "co" and len(args) == 1 and (company_id := as_int(args[0])) is not None:
            await _on_company_choice(ctx, dialog, participant, company_id)
        elif action == "cn" and not args:
            await _on_company_choice(ctx, dialog, participant, None)
        elif action == "td" and dialog.step == "topics":
            selected = list(dialog.data.get("topics") or [])
            if not selected:
                raise InvalidInput("error.no_topics")
            ctx.edit(fields.answered(ctx.t, "topics", selected))
            await _store(ctx, participant, "topics", selected)
        else:
            raise InvalidInput("error.stale_button")
    except InvalidInput as error:
        ctx.answer(ctx.t.plain(error.key, **error.params), alert=error.key != "error.stale_button")
