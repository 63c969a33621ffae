"""A tandem for the program team: the list of a program's tandems and the card of one, with
the buttons that settle a recorded meeting and dissolve the tandem.

The card's button (`td:v`) is also sent with a partner's concern, a fit warning and the
at-risk report (handlers/feedback.py, handlers/scheduled_messages.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, get_args
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button
from bot.i18n import Safe, Translator
from core.address import Case
from core.fit import Part, escaped, fit_message
from core.tandems import TandemStatus
from handlers.keyboards import button as keyed
from handlers.keyboards import column
from handlers.views import tandem_notes as notes_view
from handlers.views.address import who
from services.tandem_notes import Recipient

if TYPE_CHECKING:
    from services.tandems import Card, Listing
    from storage.models import Program, Tandem

LISTED = 90  # tandem buttons under the list
SETTLE_BUTTONS = 8


class _Buttons(Button, prefix="td", coordinator=True):
    """The tandem card's buttons: `td:<action>:...`, the coordinators' alone."""


class _OnTandem(_Buttons, prefix="td", coordinator=True):
    """A press on one tandem: `td:<action>:<tandem>`."""

    tandem: int


class ListTandems(_Buttons, action="l"):
    program: int


class ShowTandem(_OnTandem, action="v"): ...


class ChooseProgram(_Buttons, action="p"):
    """Back from a program's tandem list to the choice of programs (/tandems)."""


class SettleMeeting(_Buttons, action="c"):
    meeting: int


class DissolveTandem(_OnTandem, action="x"): ...


class WriteToTandem(_OnTandem, action="w"):
    """ "Write to this tandem": whom to is asked next (services/tandem_notes.py)."""


class WriteTo(_Buttons, action="wt"):
    tandem: int
    to: Recipient


class SendNote(_OnTandem, action="ws"):
    """The preview's "send" (the text is in the coordinator's dialog)."""


class DiscardNote(_OnTandem, action="wx"): ...


def choose_recipient(t: Translator, tandem: Tandem) -> tuple[str, InlineKeyboardMarkup]:
    choices = [WriteTo(tandem.id, to) for to in get_args(Recipient)]
    return notes_view.choose_recipient(t, tandem, choices, ShowTandem(tandem.id))


def preview(t: Translator, tandem: Tandem, to: str, text: str) -> tuple[str, InlineKeyboardMarkup]:
    return notes_view.preview(t, tandem, to, text, SendNote(tandem.id), DiscardNote(tandem.id))


def open_button(t: Translator, tandem_id: int) -> InlineKeyboardMarkup:
    """The card's button, under a message about the tandem to the program team."""
    return column([keyed(t.plain("td.open"), ShowTandem(tandem_id))])


def answer_buttons(t: Translator, tandem_id: int, role: str) -> InlineKeyboardMarkup:
    """Under what a partner (`role`) wrote to the program team: answer them at once, the way
    the card's "write to this tandem" does, or open the card."""
    to: Recipient = "mentor" if role == "mentor" else "mentee"
    return column(
        [
            keyed(t.plain("tn.answer"), WriteTo(tandem_id, to)),
            keyed(t.plain("td.open"), ShowTandem(tandem_id)),
        ]
    )


def pair(t: Translator, tandem: Tandem) -> dict[str, Safe]:
    """Both partners for the program team, each with the role noun of their form of address."""
    return {
        "mentor": who(t, tandem.mentor, Case.BARE),
        "mentee": who(t, tandem.mentee, Case.BARE),
    }


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


def listing(t: Translator, found: Listing) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = [
        [
            keyed(
                ("" if x.mentor_agreed_at and x.mentee_agreed_at else "⏳ ")
                + t.plain("td.item", mentor=x.mentor.name, mentee=x.mentee.name),
                ShowTandem(x.id),
            )
        ]
        for x in found.tandems[:LISTED]
    ]
    rows.append([keyed(t.plain("ek.other_program"), ChooseProgram())])
    text = list_text(t, found.program, len(found.tandems), found.unconfirmed)
    return text, InlineKeyboardMarkup(rows)


def _agreed(t: Translator, zone: ZoneInfo, when: dt.datetime | None) -> str:
    if when is None:
        return t.plain("td.agreement_open")
    return "✅ " + t.date(when.astimezone(zone))


def card(t: Translator, zone: ZoneInfo, found: Card) -> tuple[str, InlineKeyboardMarkup | None]:
    tandem = found.tandem

    def day(when: dt.datetime | None) -> str:
        return t.date(when.astimezone(zone)) if when else "–"

    names = pair(t, tandem)
    text = t(
        "td.card",
        **names,
        mentor_company=tandem.mentor.company,
        mentee_company=tandem.mentee.company,
        status=Safe(t(f"td.status.{tandem.status}")),
        since=t.date(tandem.created_at.astimezone(zone)),
        introduced=(
            t.moment(tandem.introduced_at.astimezone(zone)) if tandem.introduced_at else "–"
        ),
        reason=tandem.dissolve_reason or "–",
        agreement=Safe(
            t(
                "td.agreement",
                **names,
                mentor_agreed=_agreed(t, zone, tandem.mentor_agreed_at),
                mentee_agreed=_agreed(t, zone, tandem.mentee_agreed_at),
            )
        ),
        meetings=Safe(
            t(
                "td.meetings",
                held=found.held,
                last=day(found.last),
                next=day(found.upcoming),
                nudges=tandem.nudges,
            )
        ),
    )
    # Recorded meetings nobody confirmed yet and disputed ones: they do not count until a
    # partner or a coordinator settles them, so the coordinators see them here.
    recorders = {
        person.user_id: names[role]
        for role, person in (("mentor", tandem.mentor), ("mentee", tandem.mentee))
        if person.user_id is not None
    }
    by_recorder: dict[int | None, list[str]] = {}
    for m in found.pending:  # who recorded it: the other one is to confirm
        recorder = m.proposed_by if m.proposed_by in recorders else None
        by_recorder.setdefault(recorder, []).append(day(m.starts_at))
    for recorder, dates in by_recorder.items():
        if recorder is None:  # the recorder's data is erased
            text += "\n" + t("td.logged_pending_anonymous", dates=", ".join(dates))
        else:
            text += "\n" + t(
                "td.logged_pending", recorder=recorders[recorder], dates=", ".join(dates)
            )
    if found.disputed:
        text += "\n" + t(
            "td.disputed", **names, dates=", ".join(day(m.starts_at) for m in found.disputed)
        )
    buttons = [
        keyed(t.plain("td.confirm_meeting", date=day(m.starts_at)), SettleMeeting(m.id))
        for m in (found.pending + found.disputed)[:SETTLE_BUTTONS]
    ]
    if found.notes:
        text += "\n\n" + notes_view.on_card(t, zone, tandem, found.notes)
    if tandem.status == TandemStatus.ACTIVE and tandem.introduced_at is not None:
        buttons.append(keyed(t.plain("td.write"), WriteToTandem(tandem.id)))
    if tandem.status == TandemStatus.ACTIVE:
        buttons.append(keyed(t.plain("td.dissolve"), DissolveTandem(tandem.id)))
    buttons.append(keyed(t.plain("common.back"), ListTandems(tandem.program_id)))
    return text, column(buttons)
