"""A tandem's home, as /tandem and /start show it to a matched partner: who the partner is and how
to reach them, the next meeting, the proposals waiting for an answer, the meetings held against
the program's minimum for the certificate, the agreement, the program's next events, and the
buttons for what to do next. The buttons are the flows' own kinds (the meetings flow's
proposal and answers, the feedback flow's record, the agreement, the concern), so a press from
here is the same press as anywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core import ics
from core.address import Case
from core.certificates import eligible
from core.events import Answer
from handlers.keyboards import button as key
from handlers.views.address import who
from handlers.views.agreement import Agree
from handlers.views.feedback import AlreadyMet
from handlers.views.introduction import RaiseConcern, ShowIntroduction, contact
from handlers.views.meeting import NewMeeting, meeting_keys, where_text

if TYPE_CHECKING:
    from bot.context import Ctx
    from services.home import Home, Homes, Invitation
    from storage.models import Meeting


@button("hm")
class ShowHome(Button):
    """The home again (what /tandem shows), e.g. after recording a meeting."""


def home_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[key(t.plain("home.open"), ShowHome())]])


def _when(t: Translator, meeting: Meeting, zone: ZoneInfo) -> str:
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    return t.plain("home.when", day=t.day(start.date()), start=t.time(start), end=t.time(end))


def _agreement(t: Translator, home: Home) -> str:
    if home.i_agreed and home.partner_agreed:
        return t("home.agreement.both")
    if home.i_agreed:
        return t("home.agreement.partner", partner=who(t, home.partner, Case.DATIVE))
    return t("home.agreement.me" if home.partner_agreed else "home.agreement.neither")


def _event(t: Translator, invitation: Invitation, zone: ZoneInfo) -> str:
    given = invitation.answer
    if given == Answer.YES:
        answer = t.plain("home.event.yes")
    elif given == Answer.NO:
        answer = t.plain("home.event.no")
    else:
        answer = t.plain("home.event.none")
    return t(
        "home.event",
        title=invitation.event.title,
        when=t.moment(invitation.event.starts_at.astimezone(zone)),
        answer=answer,
    )


def text(t: Translator, home: Home, zone: ZoneInfo) -> str:
    partner = home.partner
    blocks = [
        t(
            "home.title",
            partner=who(t, partner, Case.DATIVE),
            program=home.program.name if home.program else "",
        ),
        "\n".join(
            [
                t("home.partner", position=partner.position, company=partner.company),
                t("home.contact", contact=Safe(contact(partner))),
            ]
        ),
    ]
    meeting = home.next_meeting
    if meeting is None:
        blocks.append(t("home.next_none"))
    else:
        where = where_text(t, meeting.online, meeting.place, meeting.link)
        blocks.append(t("home.next", when=_when(t, meeting, zone), where=where))
    if home.proposals:
        lines = [t("home.proposals")]
        for proposal in (*home.theirs, *home.ours):
            key_ = "home.proposal.mine" if proposal.mine else "home.proposal.theirs"
            lines.append(t(key_, when=_when(t, proposal.meeting, zone)))
        blocks.append("\n".join(lines))
    enough = eligible(home.held, home.minimum)
    held_key = "home.held_enough" if enough else "home.held"
    blocks.append("\n".join([t(held_key, held=home.held, count=home.minimum), _agreement(t, home)]))
    if home.events:
        lines = [t("home.events"), *(_event(t, e, zone) for e in home.events)]
        blocks.append("\n".join(lines))
    blocks.append(t("home.back"))
    return "\n\n".join(blocks)


def joinable(link: str | None) -> bool:
    """Whether Telegram takes the link for a URL button. It refuses some that a person may type
    (`http://localhost:8080`, a host without a dot, letters outside ASCII), and a refused button
    costs the whole message; such a link stays in the text, where it is always shown."""
    url = ics.usable_url(link)
    host = urlsplit(url).hostname if url else None
    return host is not None and "." in host.strip(".")


def keyboard(t: Translator, home: Home, user_id: int, now: dt.datetime) -> InlineKeyboardMarkup:
    """What to do next: join, answer the partner's proposal, propose, record, agree, then the
    introduction and the program team."""
    tandem_id = home.tandem.id
    rows: list[list[InlineKeyboardButton]] = []
    meeting = home.next_meeting
    if meeting is not None and meeting.online and joinable(meeting.link):
        rows.append([InlineKeyboardButton(t.plain("home.join"), url=meeting.link)])
    if home.theirs:
        answers = meeting_keys(t, home.theirs[0].meeting, user_id, now)
        rows += [answers[i : i + 2] for i in range(0, len(answers), 2)]
    rows.append([key(t.plain("meet.new_button"), NewMeeting(tandem_id))])
    rows.append([key(t.plain("fb.met_button"), AlreadyMet(tandem_id))])
    if not home.i_agreed:
        rows.append([key(t.plain("agreement.confirm"), Agree(tandem_id))])
    rows.append([key(t.plain("home.introduction"), ShowIntroduction(tandem_id))])
    rows.append([key(t.plain("home.concern"), RaiseConcern(tandem_id))])
    return InlineKeyboardMarkup(rows)


def waiting(ctx: Ctx, homes: Homes) -> str:
    """Before any introduction: when the tandem will be introduced, or that there is none yet."""
    tandem = homes.waiting
    if tandem is not None and tandem.intro_due_at is not None:
        zone = ctx.services.zone_of(homes.program)
        return ctx.t("tandem.later", when=ctx.t.moment(tandem.intro_due_at.astimezone(zone)))
    return ctx.t("tandem.none")


def show(ctx: Ctx, homes: Homes) -> bool:
    """One message per tandem (a mentor with two mentees gets two); False when there is none."""
    for home in homes.homes:
        zone = ctx.services.zone_of(home.program)
        ctx.reply(text(ctx.t, home, zone), keyboard(ctx.t, home, ctx.user_id, ctx.now))
    return bool(homes.homes)
