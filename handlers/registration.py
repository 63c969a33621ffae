"""Registration: consent, then the profile fields in order, a summary, and submission.

The use cases are in services/registration.py; here each press and each typed answer is turned
into one of them, and what came of it into messages (handlers/views/registration.py).
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from handlers.keyboards import reply_below
from handlers.views import fields, notify
from handlers.views import registration as view
from handlers.views.fields import input_alerts
from handlers.views.registration import (
    BackToSummary,
    Confirm,
    Consent,
    Decline,
    EditField,
    EditMenu,
)
from services import registration
from services.profile import Prompt
from services.registration import SUMMARY, Closed, Draft, Expired, Submitted

FLOW = "reg"  # services.registration.FLOW, spelled out where the dialog is declared
assert FLOW == registration.FLOW


def ask(ctx: Ctx, prompt: Prompt) -> None:
    """The prompt of the step the registration is at, after what made it so."""
    for note in fields.before(ctx.t, prompt):
        ctx.reply(note)
    ctx.reply(*view.step(ctx.t, prompt))


def _answered(ctx: Ctx, field: str, prompt: Prompt) -> None:
    """The prompt pressed turns into the question and its answer; the next step follows."""
    ctx.edit(fields.answered(ctx.t, field, prompt.values.get(field)))
    ask(ctx, prompt)


@on(Consent)
async def on_consent(ctx: Ctx, pressed: Consent) -> None:
    began = await registration.consent(ctx.uow, pressed.code)
    if began is None:
        # A forged or outdated button: the refusal names no program, and nothing is stored.
        ctx.answer(ctx.t.plain("reg.invitation_invalid"), alert=True)
        return
    if isinstance(began, Closed):
        ctx.edit(view.closed(ctx.t, began.program))
        return
    await ctx.remember_user(ctx.lang)  # consent: the act that allows storing the user
    months = ctx.services.settings.retention_months
    ctx.edit(view.privacy(ctx.t, began.program, months) + "\n\n" + ctx.t("reg.consent.given"))
    ctx.reply(ctx.t("reg.welcome", program=began.program.name))
    ask(ctx, began.prompt)


@on(Decline)
async def on_decline(ctx: Ctx, pressed: Decline) -> None:
    await registration.decline(ctx.uow)
    ctx.edit(ctx.t("reg.consent.declined"))


@dialog(FLOW, Draft)
async def on_text(ctx: Ctx, step: str, state: Draft, text: str | None) -> None:
    """Typed input in the middle of a registration."""
    if step == SUMMARY:
        ctx.reply(ctx.t("error.use_buttons"))
    ask(ctx, await registration.type_answer(ctx.uow, step, state, text))


@on(view.KINDS.choice)
@input_alerts
async def on_choice(ctx: Ctx, pressed: fields.Choice) -> None:
    _answered(ctx, pressed.field, await registration.choose(ctx.uow, pressed.field, pressed.value))


@on(view.KINDS.topic)
@input_alerts
async def on_topic(ctx: Ctx, pressed: fields.Topic) -> None:
    toggled = await registration.toggle(ctx.uow, pressed.index, pressed.check)
    keyboard = fields.topics_keyboard(ctx.t, view.KINDS, toggled.program_topics, toggled.selected)
    ctx.edit(None, keyboard)


@on(view.KINDS.done)
@input_alerts
async def on_topics_done(ctx: Ctx, pressed: fields.TopicsDone) -> None:
    _answered(ctx, "topics", await registration.done_topics(ctx.uow))


@on(view.KINDS.language)
@input_alerts
async def on_language(ctx: Ctx, pressed: fields.Language) -> None:
    selected = await registration.toggle_language(ctx.uow, pressed.code)
    ctx.edit(None, fields.languages_keyboard(ctx.t, view.KINDS, selected))


@on(view.KINDS.languages_done)
@input_alerts
async def on_languages_done(ctx: Ctx, pressed: fields.LanguagesDone) -> None:
    _answered(ctx, "languages", await registration.done_languages(ctx.uow))


@on(view.KINDS.skip)
async def on_skip(ctx: Ctx, pressed: fields.Skip) -> None:
    _answered(ctx, pressed.field, await registration.skip(ctx.uow, pressed.field))


async def _picked(ctx: Ctx, company_id: int | None) -> None:
    picked = await registration.pick_company(ctx.uow, company_id)
    fields.company_picked(ctx, picked.stale, picked.then.values["company"])
    ask(ctx, picked.then)


@on(view.KINDS.company)
async def on_company(ctx: Ctx, pressed: fields.Company) -> None:
    await _picked(ctx, pressed.company)


@on(view.KINDS.own)
async def on_own_spelling(ctx: Ctx, pressed: fields.OwnSpelling) -> None:
    await _picked(ctx, None)


@on(EditMenu)
async def on_edit_menu(ctx: Ctx, pressed: EditMenu) -> None:
    ctx.edit(None, view.edit_menu(ctx.t, await registration.at_summary(ctx.uow)))


@on(BackToSummary)
async def on_back(ctx: Ctx, pressed: BackToSummary) -> None:
    await registration.at_summary(ctx.uow)
    ctx.edit(None, view.summary_keyboard(ctx.t))


@on(EditField)
async def on_edit_field(ctx: Ctx, pressed: EditField) -> None:
    prompt = await registration.edit(ctx.uow, pressed.field)
    ctx.edit(None)
    ask(ctx, prompt)


@on(Confirm)
async def on_confirm(ctx: Ctx, pressed: Confirm) -> None:
    done = await registration.submit(ctx.uow)
    if isinstance(done, Prompt):
        ask(ctx, done)
    elif isinstance(done, Closed):
        ctx.edit(view.closed(ctx.t, done.program))
    elif isinstance(done, Expired):
        ctx.edit(ctx.t("reg.invitation_expired"))
    elif isinstance(done, Submitted):
        reply_below(ctx, ctx.t("reg.done", program=done.program.name))
        await notify.new_registration(ctx, done.program, done.participant)
    else:  # registered meanwhile
        ctx.edit(ctx.t("start.already.short"))
