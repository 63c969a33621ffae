"""A matching proposal on screen: the pairs page by page, one pair, a swap, the weights, and the
buttons that act on it.

Every proposal button starts with the proposal and the version it was rendered from
(`mt:<proposal>:<version>:<action>:...`), so a press on an older rendering is noticed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core.fit import fit_lines
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.fields import topic_names
from services.matching import TUNABLE, Board, Broken

if TYPE_CHECKING:
    from core.matching import Reason
    from storage.models import Participant

PAGE_SIZE = 6
# Probable-spelling warnings with their own merge/keep-apart buttons; the rest follow once these
# are decided (each decision recomputes the proposal).
WARNING_BUTTONS = 5
SWAP_BUTTONS = 40
FORMAT_PARAMS = ("format", "mentor", "mentee")


# --- the buttons ----------------------------------------------------------------------------


@button("mg", coordinator=True)
class OpenRound(Button):
    """A program chosen for /match."""

    program: int


class OnProposal(Button, prefix="mt", coordinator=True, head=2):
    """What every proposal button starts with."""

    proposal: int
    version: int


class OnMentee(OnProposal, prefix="mt", coordinator=True, head=2):
    """A press on one mentee of the proposal."""

    mentee: int


class OnPairOf(OnProposal, prefix="mt", coordinator=True, head=2):
    """A press on two participants the engine thinks may be one person."""

    source: int
    target: int


class OnWeight(OnProposal, prefix="mt", coordinator=True, head=2):
    """A press on one of the tunable weights (its index in `TUNABLE`)."""

    weight: int


class Page(OnProposal, action="p"):
    page: int


class ShowPair(OnMentee, action="d"): ...


class ChooseSwap(OnMentee, action="sw"): ...


class Pin(OnMentee, action="pin"): ...


class Exclude(OnMentee, action="ex"): ...


class Swap(OnMentee, action="sw2"):
    other: int


class Merge(OnPairOf, action="mg"): ...


class KeepApart(OnPairOf, action="ka"): ...


class Rerun(OnProposal, action="rr"): ...


class Weights(OnProposal, action="w"): ...


class WeightUp(OnWeight, action="wu"): ...


class WeightDown(OnWeight, action="wd"): ...


class FormatHard(OnProposal, action="wf"): ...


class Approve(OnProposal, action="ok"): ...


class RevealNow(OnProposal, action="now"): ...


class RevealLater(OnProposal, action="later"): ...


class ExcludeCompanies(OnProposal, action="xc"): ...


class Discard(OnProposal, action="dx"): ...


# --- texts ----------------------------------------------------------------------------------


def reason_text(t: Translator, reason: dict[str, Any]) -> str:
    """A reason from the engine in the reader's language; unknown codes still show their facts."""
    code = str(reason["code"])
    key = f"reason.{code}"
    params = {k: str(v) for k, v in dict(reason.get("params") or {}).items()}
    if "format" in code:  # meeting formats arrive as codes: show them as the profile does
        for name in FORMAT_PARAMS:
            if name in params and t.has(f"choice.meeting_format.{params[name]}"):
                params[name] = t.plain(f"choice.meeting_format.{params[name]}")
    if "topics" in params:  # shared topics, joined by the engine: each in the reader's language
        params["topics"] = topic_names(t, params["topics"].split(", "))
    if "rules" in params:
        params["rules"] = ", ".join(
            t.plain(f"rule.{rule}") if t.has(f"rule.{rule}") else rule
            for rule in params["rules"].split(", ")
        )
    if t.has(key):
        counted: dict[str, object] = dict(params)
        if params.get("mentors", "").isdigit():  # how many mentors: chooses the plural form
            counted["count"] = int(params["mentors"])
        try:
            return t(key, **counted)
        except (KeyError, TypeError):
            pass
    details = ", ".join(f"{k}: {v}" for k, v in params.items())
    return t("reason.other", code=str(reason["code"]), details=details)


def _reason_json(reason: Reason) -> dict[str, Any]:
    return {"code": reason.code, "params": dict(reason.params)}


def fit(t: Translator, blocks: list[str]) -> str:
    """The header, then as many blocks (pairs, problems, unmatched mentees) as fit into one
    message, then how many were left out. Every pair stays reachable through its button."""
    return fit_lines(blocks[0], blocks[1:], lambda rest: t("mt.more", count=rest), sep="\n\n")


def _name(person: Participant | None) -> str:
    return person.name if person is not None else "?"


def _who(people: dict[int, Participant], participant_id: int) -> dict[str, str]:
    person = people.get(participant_id)
    if person is None:
        return {"name": "?", "company": "?"}
    return {"name": person.name, "company": person.company}


def refused(t: Translator, broken: tuple[Broken, ...], *, approving: bool = False) -> str:
    """Every rule a requested pair breaks, with both people, instead of working around it."""
    lines = [
        t(
            "mt.refused_pair",
            mentor=_name(b.mentor),
            mentee=_name(b.mentee),
            rules=Safe("; ".join(reason_text(t, _reason_json(r)) for r in b.reasons)),
        )
        for b in broken
    ]
    header = t("mt.approve_rechecked") if approving else t("mt.refused")
    return fit(t, [header, *lines])


def _pair_block(
    t: Translator, people: dict[int, Participant], pair: dict[str, Any], number: int
) -> str:
    reasons = "; ".join(reason_text(t, r) for r in pair["reasons"]) or "–"
    mentor, mentee = _who(people, pair["mentor"]), _who(people, pair["mentee"])
    return t(
        "mt.pair",
        number=number,
        mentor=mentor["name"],
        mentor_company=mentor["company"],
        mentee=mentee["name"],
        mentee_company=mentee["company"],
        score=f"{float(pair['score']):.0f}",
        pin=" 📌" if pair.get("pinned") else "",
        reasons=Safe(reasons),
    )


# --- screens --------------------------------------------------------------------------------


def _lines(t: Translator, board: Board, page: int, pages: int) -> list[str]:
    result, pairs, people = board.proposal.result, board.pairs, board.people
    lines = [
        t(
            "mt.header",
            program=board.program.name,
            matched=len(pairs),
            mentees=Safe(t("mt.mentees", count=int(result.get("mentees", 0)))),
            mentors=Safe(t("mt.free_mentors", count=int(result.get("mentors", 0)))),
            total=f"{float(result.get('total', 0)):.0f}",
            page=page + 1,
            pages=pages,
        )
    ]
    warnings = board.warnings
    for number, warning in enumerate(warnings[:WARNING_BUTTONS], start=1):
        lines.append(
            t(
                "mt.doubt",
                number=number,
                source=warning["source_name"],
                target=warning["target_name"],
            )
        )
    if len(warnings) > WARNING_BUTTONS:
        lines.append(t("mt.doubt_more", count=len(warnings) - WARNING_BUTTONS))
    for problem in result.get("problems") or []:
        lines.append(t("mt.problem", text=Safe(reason_text(t, problem))))
    shown = pairs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for number, pair in enumerate(shown, start=page * PAGE_SIZE + 1):
        lines.append(_pair_block(t, people, pair, number))
    unmatched = list(result.get("unmatched") or [])
    if unmatched and page == pages - 1:
        lines.append(t("mt.unmatched_header", count=len(unmatched)))
        for item in unmatched:
            why = "; ".join(reason_text(t, r) for r in item["reasons"]) or "–"
            lines.append(t("mt.unmatched_line", **_who(people, item["mentee"]), why=Safe(why)))
    return lines


def render(
    t: Translator, board: Board, page: int, *, directory: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the proposal; `directory`: the reader may merge companies (a coordinator of
    all programs: the directory serves every program)."""
    pairs, people = board.pairs, board.people
    pages = max(1, (len(pairs) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    at = (board.proposal.id, board.proposal.version)
    keyboard: list[list[InlineKeyboardButton]] = [
        [
            key(t.plain("mt.doubt_merge", number=n), Merge(*at, w["source"], w["target"])),
            key(t.plain("mt.doubt_apart", number=n), KeepApart(*at, w["source"], w["target"])),
        ]
        for n, w in enumerate(board.warnings[:WARNING_BUTTONS], start=1)
        if directory
    ]
    shown = pairs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    keyboard += [
        [
            key(
                t.plain(
                    "mt.pair_button",
                    number=number,
                    mentor=_who(people, pair["mentor"])["name"],
                    mentee=_who(people, pair["mentee"])["name"],
                    pin="📌 " if pair.get("pinned") else "",
                ),
                ShowPair(*at, pair["mentee"]),
            )
        ]
        for number, pair in enumerate(shown, start=page * PAGE_SIZE + 1)
    ]
    nav = []
    if page > 0:
        nav.append(key("«", Page(*at, page - 1)))
    if page < pages - 1:
        nav.append(key("»", Page(*at, page + 1)))
    if nav:
        keyboard.append(nav)
    actions = [key(t.plain("mt.rerun"), Rerun(*at))]
    if pairs:  # a proposal without tandems has nothing to approve
        actions.append(key(t.plain("mt.approve"), Approve(*at)))
    keyboard.append(actions)
    keyboard.append(
        [
            key(t.plain("mt.weights"), Weights(*at)),
            key(t.plain("mt.exclude_companies"), ExcludeCompanies(*at)),
        ]
    )
    keyboard.append([key(t.plain("mt.discard"), Discard(*at))])
    return fit(t, _lines(t, board, page, pages)), InlineKeyboardMarkup(keyboard)


def weights(t: Translator, board: Board) -> tuple[str, InlineKeyboardMarkup]:
    at = (board.proposal.id, board.proposal.version)
    lines = [
        t(
            "mt.weight_line",
            label=t.plain(f"weight.{name}"),
            value=f"{getattr(board.weights, name):.0f}",
        )
        for name in TUNABLE
    ]
    rows = [
        [
            key(f"{t.plain(f'weight.{name}')} −", WeightDown(*at, index)),
            key(f"{t.plain(f'weight.{name}')} +", WeightUp(*at, index)),
        ]
        for index, name in enumerate(TUNABLE)
    ]
    hard = "on" if board.weights.format_hard else "off"
    rows.append([key(t.plain(f"mt.format_hard.{hard}"), FormatHard(*at))])
    rows.append([key(t.plain("common.back"), Page(*at, 0))])
    text = t("mt.weights_text", program=board.program.name, lines=Safe("\n".join(lines)))
    return text, InlineKeyboardMarkup(rows)


def pair(t: Translator, board: Board, mentee: int) -> tuple[str, InlineKeyboardMarkup] | None:
    """One pair with what can be done to it; None if the proposal has no such pair."""
    pairs = board.pairs
    found = next((p for p in pairs if p["mentee"] == mentee), None)
    if found is None:
        return None
    number = pairs.index(found) + 1
    at = (board.proposal.id, board.proposal.version)
    pin_label = "mt.unpin" if found.get("pinned") else "mt.pin"
    return _pair_block(t, board.people, found, number), column(
        [
            key(t.plain(pin_label), Pin(*at, mentee)),
            key(t.plain("mt.exclude"), Exclude(*at, mentee)),
            key(t.plain("mt.swap"), ChooseSwap(*at, mentee)),
            key(t.plain("common.back"), Page(*at, number // PAGE_SIZE)),
        ]
    )


def swap(t: Translator, board: Board, mentee: int) -> tuple[str, InlineKeyboardMarkup] | None:
    """The other pairs to exchange mentors with; None if the proposal has no such pair."""
    pairs = board.pairs
    if not any(p["mentee"] == mentee for p in pairs):
        return None
    others = [p for p in pairs if p["mentee"] != mentee]
    at = (board.proposal.id, board.proposal.version)
    people = board.people
    options = [
        key(
            t.plain(
                "mt.swap_with",
                mentor=_who(people, p["mentor"])["name"],
                mentee=_who(people, p["mentee"])["name"],
            ),
            Swap(*at, mentee, p["mentee"]),
        )
        for p in others[:SWAP_BUTTONS]
    ]
    options.append(key(t.plain("common.back"), ShowPair(*at, mentee)))
    return t("mt.swap_choose", mentee=_who(people, mentee)["name"]), column(options)


def reveal_ask(t: Translator, board: Board) -> tuple[str, InlineKeyboardMarkup]:
    at = (board.proposal.id, board.proposal.version)
    return t("mt.reveal_ask", count=len(board.pairs)), column(
        [
            key(t.plain("mt.reveal_now"), RevealNow(*at)),
            key(t.plain("mt.reveal_later"), RevealLater(*at)),
            key(t.plain("common.back"), Page(*at, 0)),
        ]
    )
