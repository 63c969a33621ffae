"""The introduction of a tandem's partners to each other: sent when the tandem is revealed and
shown again from the tandem's home (/tandem), with the buttons under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core.profile import DEFAULT_TOPICS
from handlers.keyboards import button as keyed
from handlers.keyboards import column
from handlers.views.address import chat_link, introduced_as
from handlers.views.fields import topic_name, topic_names
from handlers.views.meeting import NewMeeting

if TYPE_CHECKING:
    from storage.models import Participant, Tandem

STARTERS = 3


@button("tn", "c")
class RaiseConcern(Button):
    """A partner has a concern about their tandem, for the program team."""

    tandem: int


@button("tn", "i")
class ShowIntroduction(Button):
    """The introduction again, from the tandem's home."""

    tandem: int


@button("tn", "m")
class ProposeMeeting(Button):
    """The button under introductions sent before meetings could be scheduled (now `me:n`)."""

    tandem: int


def starters(t: Translator, mine: list[str], theirs: list[str], role: str) -> list[str]:
    """Two or three conversation starters: shared topics first, then the other topics of both.

    They are questions the reader can ask the partner, so they depend on the reader's role: a
    mentee asks about experience ("Was hat Sie in Ihrer ersten Führungsrolle überrascht?"), a
    mentor asks about where the mentee stands now, never as if the mentor were the new leader."""
    shared = [topic for topic in mine if topic in theirs]
    rest = [topic for topic in [*theirs, *mine] if topic not in shared]
    chosen = list(dict.fromkeys([*shared, *rest]))[:STARTERS]
    lines = []
    for topic in chosen:
        key = f"starter.{DEFAULT_TOPICS.index(topic)}.{role}" if topic in DEFAULT_TOPICS else ""
        generic = t("starter.generic", topic=topic_name(t, topic))
        lines.append(t(key) if key and t.has(key) else generic)
    return lines


def contact(partner: Participant) -> str:
    """A link that opens the partner's chat, plus the @username where there is one."""
    user = partner.user
    return chat_link(partner.user_id, partner.name, user.username if user is not None else None)


def introduction(t: Translator, tandem: Tandem, me: Participant, partner: Participant) -> str:
    ideas = starters(t, list(me.topics), list(partner.topics), me.role)
    # The text speaks to `me` about `partner`: a mentee hears about their mentor and vice versa.
    key = "intro.to_mentee" if partner.id == tandem.mentor_id else "intro.to_mentor"
    return t(
        key,
        who=introduced_as(t, partner),
        company=partner.company,
        position=partner.position,
        industry=partner.industry,
        topics=topic_names(t, list(partner.topics)),
        goals=partner.goals,
        contact=Safe(contact(partner)),
        starters=Safe("\n".join(t("intro.starter", text=Safe(s)) for s in ideas)),
    )


def keyboard(t: Translator, tandem: Tandem) -> InlineKeyboardMarkup:
    return column(
        [
            # The meetings flow's button (handlers/meetings.py), in its legacy spelling.
            keyed(t.plain("intro.propose"), NewMeeting(tandem.id)),
            keyed(t.plain("intro.concern"), RaiseConcern(tandem.id)),
        ]
    )
