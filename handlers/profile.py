"""/profile: a participant sees their registration and changes any field of it.

The use cases are in services/profile.py; the field prompts are registration's
(handlers/views/fields.py), with buttons of this flow's prefix.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.dialogs import dialog
from bot.i18n import Safe
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views import fields
from handlers.views.contact import with_contact
from handlers.views.fields import input_alerts
from services import profile
from services.profile import Card, Editing, Prompt, Saved

FLOW = "profile"  # services.profile.FLOW, spelled out where the dialog is declared
PREFIX = "pf"
assert FLOW == profile.FLOW


@button(PREFIX, "e")
class EditProfileField(Button):
    field: str


KINDS = fields.field_buttons(PREFIX, __name__)


def _keyboard(ctx: Ctx, card: Card) -> InlineKeyboardMarkup:
    return column(
        [
            key(
                ctx.t.plain("profile.edit_field", label=fields.field_label(ctx.t, f)),
                EditProfileField(f),
            )
            for f in card.editable
        ],
        per_row=2,
    )


def _show(ctx: Ctx, card: Card) -> None:
    participant = card.participant
    text = ctx.t(
        "profile.show",
        program=card.program.name if card.program else "",
        status=Safe(ctx.t(f"status.{participant.status}")),
        profile=Safe(fields.render_profile(ctx.t, fields.values_of(participant, card.editable))),
    )
    ctx.reply(text, _keyboard(ctx, card))


async def show(ctx: Ctx) -> None:
    card = await profile.card(ctx.uow)
    if card is None:
        ctx.reply(ctx.t("profile.none"))
        return
    _show(ctx, card)


def _ask(ctx: Ctx, prompt: Prompt) -> None:
    for note in fields.before(ctx.t, prompt):
        ctx.reply(note)
    if prompt.offer is not None:
        ctx.reply(*fields.question(ctx.t, KINDS, prompt.offer))
        return
    text, markup = fields.prompt(ctx.t, KINDS, prompt.step, prompt.values, prompt.program_topics)
    ctx.reply(ctx.t("profile.editing") + "\n\n" + text, markup)


def _saved(ctx: Ctx, saved: Saved) -> None:
    if saved.card is None:  # approved while the dialog was open
        ctx.reply(with_contact(ctx.t, ctx.t("profile.role_locked"), saved.program))
        return
    ctx.reply(ctx.t("profile.saved"))
    _show(ctx, saved.card)


def _answered(ctx: Ctx, saved: Saved) -> None:
    """The prompt pressed turns into the question and its answer; the card follows."""
    ctx.edit(fields.answered(ctx.t, saved.field, saved.value))
    _saved(ctx, saved)


def _then(ctx: Ctx, then: Prompt | Saved) -> None:
    if isinstance(then, Prompt):
        _ask(ctx, then)
    else:
        _saved(ctx, then)


@on(EditProfileField)
@input_alerts
async def on_edit(ctx: Ctx, pressed: EditProfileField) -> None:
    _ask(ctx, await profile.begin(ctx.uow, pressed.field))


@dialog(FLOW, Editing)
async def on_text(ctx: Ctx, step: str, state: Editing, text: str | None) -> None:
    _then(ctx, await profile.type_answer(ctx.uow, step, state, text))


@on(KINDS.choice)
@input_alerts
async def on_choice(ctx: Ctx, pressed: fields.Choice) -> None:
    _answered(ctx, await profile.choose(ctx.uow, pressed.field, pressed.value))


@on(KINDS.topic)
@input_alerts
async def on_topic(ctx: Ctx, pressed: fields.Topic) -> None:
    toggled = await profile.toggle(ctx.uow, pressed.index, pressed.check)
    ctx.edit(None, fields.topics_keyboard(ctx.t, KINDS, toggled.program_topics, toggled.selected))


@on(KINDS.done)
@input_alerts
async def on_topics_done(ctx: Ctx, pressed: fields.TopicsDone) -> None:
    _answered(ctx, await profile.done_topics(ctx.uow))


@on(KINDS.language)
@input_alerts
async def on_language(ctx: Ctx, pressed: fields.Language) -> None:
    selected = await profile.toggle_language(ctx.uow, pressed.code)
    ctx.edit(None, fields.languages_keyboard(ctx.t, KINDS, selected))


@on(KINDS.languages_done)
@input_alerts
async def on_languages_done(ctx: Ctx, pressed: fields.LanguagesDone) -> None:
    _answered(ctx, await profile.done_languages(ctx.uow))


@on(KINDS.skip)
async def on_skip(ctx: Ctx, pressed: fields.Skip) -> None:
    _answered(ctx, await profile.skip(ctx.uow, pressed.field))  # the value: None


async def _picked(ctx: Ctx, company_id: int | None) -> None:
    picked = await profile.pick_company(ctx.uow, company_id)
    saved = picked.then.value if isinstance(picked.then, Saved) else None
    fields.company_picked(ctx, picked.stale, saved)
    _then(ctx, picked.then)


@on(KINDS.company)
async def on_company(ctx: Ctx, pressed: fields.Company) -> None:
    await _picked(ctx, pressed.company)


@on(KINDS.own)
async def on_own_spelling(ctx: Ctx, pressed: fields.OwnSpelling) -> None:
    await _picked(ctx, None)
