"""/match: the coordinators' matching round, from proposal to approved tandems.

The proposal is a stored working copy (survives restarts). Every button carries the proposal's
version; a press on an older rendering (another coordinator changed it meanwhile) is refused and
the current state shown. Pins, exclusions and swaps become engine constraints and the engine
runs again, so the coordinators adjust a proposal instead of trusting a black box.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe, Translator
from core.matching import Reason, match
from core.programs import ProgramStatus
from core.tandems import ProposalStatus
from handlers import tandem
from handlers.callbacks import as_int, pack
from handlers.guard import (
    coordinated,
    pressed_program,
    require_all_programs,
    require_coordinator,
    visible_programs,
)
from handlers.keyboards import button, column
from handlers.views.fit import fit_lines
from storage import companies, dialogs, housekeeping, rounds
from storage import proposals as store
from storage.models import MatchProposal, Participant, Program

PAGE_SIZE = 6
# Probable-spelling warnings with their own merge/keep-apart buttons; the rest follow once these
# are decided (each decision recomputes the proposal).
WARNING_BUTTONS = 5
# The weights a coordinator tunes in the chat, in steps; the rest stay at their defaults.
TUNABLE = ("topics", "industry", "seniority", "format", "distance")
WEIGHT_STEP = 5.0
WEIGHT_MAX = 100.0
REVEAL_FLOW = "reveal"
EXCLUDE_FLOW = "exclude"
MAX_COMPANY = 200


# --- entry --------------------------------------------------------------------------------


async def match_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "match"):
        return
    items = [p for p in await visible_programs(ctx) if p.status != ProgramStatus.ARCHIVED]
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    if len(items) == 1:
        text, markup = await _open(ctx, items[0])
        ctx.reply(text, markup)
        return
    ctx.reply(
        ctx.t("mt.choose_program"),
        column([button(p.name, pack("mg", p.id)) for p in items]),
    )


async def on_program_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "mg"):
        return
    program = await pressed_program(ctx, parts[0] if len(parts) == 1 else None)
    if program is not None:
        ctx.edit(*await _open(ctx, program))


async def _open(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup | None]:
    """Show the program's draft proposal, or compute a new one."""
    proposal = await store.current_proposal(ctx.session, program.id)
    if proposal is None:
        proposal = await store.new_proposal(ctx.session, program.id, by=ctx.user_id, now=ctx.now)
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="match_started",
            now=ctx.now,
            program=program.id,
        )
        await _recompute(ctx, program, proposal, proposal.pins, proposal.exclusions)
    if not proposal.result.get("mentees"):
        await store.discard(ctx.session, proposal, ctx.now)
        return ctx.t("mt.nobody", program=program.name), None
    return await render(ctx, program, proposal, 0)


async def _recompute(
    ctx: Ctx,
    program: Program,
    proposal: MatchProposal,
    pins: list[list[int]],
    exclusions: list[list[int]],
) -> bool:
    """Run the engine against the directory's current state and store its answer (and the
    probable-spelling warnings, which are recomputed here too and so vanish with their cause)."""
    rnd = await _round(ctx, program, pins, exclusions)
    # The engine is CPU work (seconds for thousands); keep the event loop answering meanwhile.
    result = await asyncio.to_thread(match, rnd.mentors, rnd.mentees, rnd.constraints, rnd.weights)
    return await store.save_proposal(
        ctx.session,
        proposal,
        expected_version=proposal.version,
        pins=pins,
        exclusions=exclusions,
        result=store.result_to_json(
            result, len(rnd.mentors), len(rnd.mentees), rnd.doubts.values()
        ),
        now=ctx.now,
    )


async def _round(
    ctx: Ctx, program: Program, pins: list[list[int]], exclusions: list[list[int]]
) -> rounds.Round:
    return await rounds.prepare(
        ctx.session, program, pins, exclusions, ctx.services.settings.default_language
    )


async def _refused(
    ctx: Ctx, broken: list[tuple[int, int, tuple[Reason, ...]]], *, approving: bool = False
) -> None:
    """Name every rule a requested pair breaks and both people, instead of working around it."""
    people = await store.participants_by_id(
        ctx.session, {b[0] for b in broken} | {b[1] for b in broken}
    )
    lines = [
        ctx.t(
            "mt.refused_pair",
            mentor=_who(people, mentor)["name"],
            mentee=_who(people, mentee)["name"],
            rules=Safe("; ".join(reason_text(ctx.t, _reason_json(r)) for r in reasons)),
        )
        for mentor, mentee, reasons in broken
    ]
    ctx.answer(ctx.t.plain("mt.refused_short"), alert=True)
    header = ctx.t("mt.approve_rechecked") if approving else ctx.t("mt.refused")
    ctx.reply(fit(ctx.t, [header, *lines]))


def _reason_json(reason: Reason) -> dict[str, Any]:
    return {"code": reason.code, "params": dict(reason.params)}


# --- rendering ----------------------------------------------------------------------------


FORMAT_PARAMS = ("format", "mentor", "mentee")


def reason_text(t: Translator, reason: dict[str, Any]) -> str:
    """A reason from the engine in the reader's language; unknown codes still show their facts."""
    code = str(reason["code"])
    key = f"reason.{code}"
    params = {k: str(v) for k, v in dict(reason.get("params") or {}).items()}
    if "format" in code:  # meeting formats arrive as codes: show them as the profile does
        for name in FORMAT_PARAMS:
            if name in params and t.has(f"choice.meeting_format.{params[name]}"):
                params[name] = t.plain(f"choice.meeting_format.{params[name]}")
    if "rules" in params:
        params["rules"] = ", ".join(
            t.plain(f"rule.{rule}") if t.has(f"rule.{rule}") else rule
            for rule in params["rules"].split(", ")
        )
    if t.has(key):
        try:
            return t(key, **params)
        except KeyError:
            pass
    details = ", ".join(f"{k}: {v}" for k, v in params.items())
    return t("reason.other", code=str(reason["code"]), details=details)


def fit(t: Translator, blocks: list[str]) -> str:
    """The header, then as many blocks (pairs, problems, unmatched mentees) as fit into one
    message, then how many were left out. Every pair stays reachable through its button."""
    return fit_lines(blocks[0], blocks[1:], lambda rest: t("mt.more", count=rest), sep="\n\n")


def _who(people: dict[int, Participant], participant_id: int) -> dict[str, str]:
    person = people.get(participant_id)
    if person is None:
        return {"name": "?", "company": "?"}
    return {"name": person.name, "company": person.company}


async def render(
    ctx: Ctx, program: Program, proposal: MatchProposal, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    result = proposal.result
    pairs = store.pairs_of(result)
    unmatched = list(result.get("unmatched") or [])
    ids = {p["mentor"] for p in pairs} | {p["mentee"] for p in pairs}
    ids |= {u["mentee"] for u in unmatched}
    people = await store.participants_by_id(ctx.session, ids)
    pages = max(1, (len(pairs) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    lines = [
        ctx.t(
            "mt.header",
            program=program.name,
            matched=len(pairs),
            mentees=result.get("mentees", 0),
            mentors=result.get("mentors", 0),
            total=f"{float(result.get('total', 0)):.0f}",
            page=page + 1,
            pages=pages,
        )
    ]
    warnings = _warnings(result)
    for number, warning in enumerate(warnings[:WARNING_BUTTONS], start=1):
        lines.append(
            ctx.t(
                "mt.doubt",
                number=number,
                source=warning["source_name"],
                target=warning["target_name"],
            )
        )
    if len(warnings) > WARNING_BUTTONS:
        lines.append(ctx.t("mt.doubt_more", count=len(warnings) - WARNING_BUTTONS))
    for problem in result.get("problems") or []:
        lines.append(ctx.t("mt.problem", text=Safe(reason_text(ctx.t, problem))))
    shown = pairs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for number, pair in enumerate(shown, start=page * PAGE_SIZE + 1):
        lines.append(_pair_block(ctx.t, people, pair, number))
    if unmatched and page == pages - 1:
        lines.append(ctx.t("mt.unmatched_header", count=len(unmatched)))
        for item in unmatched:
            who = _who(people, item["mentee"])
            why = "; ".join(reason_text(ctx.t, r) for r in item["reasons"]) or "–"
            lines.append(ctx.t("mt.unmatched_line", **who, why=Safe(why)))
    v = proposal.version
    keyboard: list[list[InlineKeyboardButton]] = [
        [
            button(
                ctx.t.plain("mt.doubt_merge", number=number),
                pack("mt", proposal.id, v, "mg", warning["source"], warning["target"]),
            ),
            button(
                ctx.t.plain("mt.doubt_apart", number=number),
                pack("mt", proposal.id, v, "ka", warning["source"], warning["target"]),
            ),
        ]
        for number, warning in enumerate(warnings[:WARNING_BUTTONS], start=1)
        # The directory serves every program: only a coordinator of all programs changes it.
        if ctx.coordinates(None)
    ]
    keyboard += [
        [
            button(
                ctx.t.plain(
                    "mt.pair_button",
                    number=number,
                    mentor=_who(people, pair["mentor"])["name"],
                    mentee=_who(people, pair["mentee"])["name"],
                    pin="📌 " if pair.get("pinned") else "",
                ),
                pack("mt", proposal.id, v, "d", pair["mentee"]),
            )
        ]
        for number, pair in enumerate(shown, start=page * PAGE_SIZE + 1)
    ]
    nav = []
    if page > 0:
        nav.append(button("«", pack("mt", proposal.id, v, "p", page - 1)))
    if page < pages - 1:
        nav.append(button("»", pack("mt", proposal.id, v, "p", page + 1)))
    if nav:
        keyboard.append(nav)
    actions = [button(ctx.t.plain("mt.rerun"), pack("mt", proposal.id, v, "rr"))]
    if pairs:  # a proposal without tandems has nothing to approve
        actions.append(button(ctx.t.plain("mt.approve"), pack("mt", proposal.id, v, "ok")))
    keyboard.append(actions)
    keyboard.append(
        [
            button(ctx.t.plain("mt.weights"), pack("mt", proposal.id, v, "w")),
            button(ctx.t.plain("mt.exclude_companies"), pack("mt", proposal.id, v, "xc")),
        ]
    )
    keyboard.append([button(ctx.t.plain("mt.discard"), pack("mt", proposal.id, v, "dx"))])
    return fit(ctx.t, lines), InlineKeyboardMarkup(keyboard)


def _warnings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in result.get("warnings") or [] if isinstance(w, dict)]


def _weights_view(
    ctx: Ctx, program: Program, proposal: MatchProposal
) -> tuple[str, InlineKeyboardMarkup]:
    weights = rounds.weights_of(program)
    v = proposal.version
    lines = [
        ctx.t(
            "mt.weight_line",
            label=ctx.t.plain(f"weight.{name}"),
            value=f"{getattr(weights, name):.0f}",
        )
        for name in TUNABLE
    ]
    rows = [
        [
            button(f"{ctx.t.plain(f'weight.{name}')} −", pack("mt", proposal.id, v, "wd", index)),
            button(f"{ctx.t.plain(f'weight.{name}')} +", pack("mt", proposal.id, v, "wu", index)),
        ]
        for index, name in enumerate(TUNABLE)
    ]
    hard = "on" if weights.format_hard else "off"
    rows.append([button(ctx.t.plain(f"mt.format_hard.{hard}"), pack("mt", proposal.id, v, "wf"))])
    rows.append([button(ctx.t.plain("common.back"), pack("mt", proposal.id, v, "p", 0))])
    text = ctx.t("mt.weights_text", program=program.name, lines=Safe("\n".join(lines)))
    return text, InlineKeyboardMarkup(rows)


async def _tune(ctx: Ctx, program: Program, action: str, args: list[int]) -> bool:
    """Change one weight of the program; False if the request makes no sense."""
    current = rounds.weights_of(program).to_dict()
    if action == "wf":
        current["format_hard"] = not current["format_hard"]
    elif len(args) == 1 and 0 <= args[0] < len(TUNABLE):
        name = TUNABLE[args[0]]
        step = WEIGHT_STEP if action == "wu" else -WEIGHT_STEP
        current[name] = min(WEIGHT_MAX, max(0.0, float(current[name]) + step))
    else:
        return False
    settings = dict(program.settings)
    settings["matching_weights"] = current
    program.settings = settings  # a new dict, so the JSON column is written
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="weights", now=ctx.now, program=program.id
    )
    return True


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


async def _pair_view(
    ctx: Ctx, proposal: MatchProposal, mentee_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    pairs = store.pairs_of(proposal.result)
    pair = next((p for p in pairs if p["mentee"] == mentee_id), None)
    if pair is None:
        return None
    people = await store.participants_by_id(ctx.session, {pair["mentor"], pair["mentee"]})
    number = pairs.index(pair) + 1
    v = proposal.version
    pin_label = "mt.unpin" if pair.get("pinned") else "mt.pin"
    return _pair_block(ctx.t, people, pair, number), InlineKeyboardMarkup(
        [
            [button(ctx.t.plain(pin_label), pack("mt", proposal.id, v, "pin", mentee_id))],
            [button(ctx.t.plain("mt.exclude"), pack("mt", proposal.id, v, "ex", mentee_id))],
            [button(ctx.t.plain("mt.swap"), pack("mt", proposal.id, v, "sw", mentee_id))],
            [
                button(
                    ctx.t.plain("common.back"), pack("mt", proposal.id, v, "p", number // PAGE_SIZE)
                )
            ],
        ]
    )


async def _swap_view(
    ctx: Ctx, proposal: MatchProposal, mentee_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    pairs = store.pairs_of(proposal.result)
    if not any(p["mentee"] == mentee_id for p in pairs):
        return None
    others = [p for p in pairs if p["mentee"] != mentee_id]
    people = await store.participants_by_id(
        ctx.session, {p["mentor"] for p in pairs} | {p["mentee"] for p in pairs}
    )
    v = proposal.version
    rows = [
        [
            button(
                ctx.t.plain(
                    "mt.swap_with",
                    mentor=_who(people, p["mentor"])["name"],
                    mentee=_who(people, p["mentee"])["name"],
                ),
                pack("mt", proposal.id, v, "sw2", mentee_id, p["mentee"]),
            )
        ]
        for p in others[:40]
    ]
    rows.append([button(ctx.t.plain("common.back"), pack("mt", proposal.id, v, "d", mentee_id))])
    mentee = _who(people, mentee_id)
    return ctx.t("mt.swap_choose", mentee=mentee["name"]), InlineKeyboardMarkup(rows)


# --- actions ------------------------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "mt:" + ":".join(parts)):
        return
    if len(parts) < 3:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    proposal_id, version = as_int(parts[0]), as_int(parts[1])
    action, args = parts[2], parts[3:]
    proposal = (
        await store.get_proposal(ctx.session, proposal_id) if proposal_id is not None else None
    )
    program = await coordinated(ctx, proposal.program_id) if proposal else None
    if proposal is None or program is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if proposal.status != ProposalStatus.DRAFT:
        ctx.answer(ctx.t.plain(f"mt.already.{proposal.status}"), alert=True)
        ctx.edit(None)
        return
    if version != proposal.version:
        ctx.answer(ctx.t.plain("mt.changed"), alert=True)
        ctx.edit(*await render(ctx, program, proposal, 0))
        return
    ids = [as_int(a) for a in args]
    if any(i is None for i in ids):
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    numbers = [i for i in ids if i is not None]
    await _act(ctx, program, proposal, action, numbers)


async def _act(
    ctx: Ctx, program: Program, proposal: MatchProposal, action: str, args: list[int]
) -> None:
    pairs = {p["mentee"]: p["mentor"] for p in store.pairs_of(proposal.result)}
    pins = [list(p) for p in proposal.pins]
    exclusions = [list(p) for p in proposal.exclusions]
    views = {"d": _pair_view, "sw": _swap_view}
    if action == "p" and len(args) == 1:
        ctx.edit(*await render(ctx, program, proposal, args[0]))
    elif action in views and len(args) == 1:
        view = await views[action](ctx, proposal, args[0])
        if view is None:
            ctx.answer(ctx.t.plain("error.stale_button"))
        else:
            ctx.edit(*view)
    elif action == "pin" and len(args) == 1 and args[0] in pairs:
        pair = [pairs[args[0]], args[0]]
        if pair in pins:
            pins.remove(pair)
        else:
            broken = (await _round(ctx, program, pins, exclusions)).broken([(pair[0], pair[1])])
            if broken:
                await _refused(ctx, broken)
                ctx.edit(*await render(ctx, program, proposal, 0))
                return
            pins.append(pair)
        await _change(ctx, program, proposal, pins, exclusions)
    elif action == "ex" and len(args) == 1 and args[0] in pairs:
        pair = [pairs[args[0]], args[0]]
        pins = [p for p in pins if p != pair]
        exclusions.append(pair)
        await _change(ctx, program, proposal, pins, exclusions)
    elif action == "sw2" and len(args) == 2 and args[0] in pairs and args[1] in pairs:
        a, b = args
        pins = [p for p in pins if p[1] not in (a, b)]
        wanted = [(pairs[a], b), (pairs[b], a)]
        broken = (await _round(ctx, program, pins, exclusions)).broken(wanted)
        if broken:
            await _refused(ctx, broken)
            ctx.edit(*await render(ctx, program, proposal, 0))
            return
        pins += [list(p) for p in wanted]
        await _change(ctx, program, proposal, pins, exclusions)
    elif action in ("mg", "ka") and len(args) == 2:
        await _decide(ctx, program, proposal, action, args[0], args[1])
    elif action == "rr":
        await _change(ctx, program, proposal, pins, exclusions)
    elif action == "w":
        ctx.edit(*_weights_view(ctx, program, proposal))
    elif action in ("wu", "wd", "wf") and await _tune(ctx, program, action, args):
        if await _recompute(ctx, program, proposal, pins, exclusions):
            ctx.answer(ctx.t.plain("mt.updated"))
        ctx.edit(*_weights_view(ctx, program, proposal))
    elif action in ("ok", "now", "later") and not pairs:
        _refuse_empty(ctx)
    elif action == "ok":
        ctx.edit(
            ctx.t("mt.reveal_ask", count=len(pairs)),
            column(
                [
                    button(
                        ctx.t.plain("mt.reveal_now"),
                        pack("mt", proposal.id, proposal.version, "now"),
                    ),
                    button(
                        ctx.t.plain("mt.reveal_later"),
                        pack("mt", proposal.id, proposal.version, "later"),
                    ),
                    button(
                        ctx.t.plain("common.back"),
                        pack("mt", proposal.id, proposal.version, "p", 0),
                    ),
                ]
            ),
        )
    elif action == "now":
        await approve(ctx, program, proposal, proposal.version, None)
    elif action == "later":
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=REVEAL_FLOW,
            step="when",
            data={"proposal": proposal.id, "version": proposal.version},
            now=ctx.now,
        )
        ctx.edit(None)
        ctx.reply(ctx.t("mt.reveal_when", zone=program.timezone))
    elif action == "xc":
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=EXCLUDE_FLOW,
            step="companies",
            data={"proposal": proposal.id, "program": program.id},
            now=ctx.now,
        )
        ctx.reply(ctx.t("mt.exclude_ask"))
    elif action == "dx":
        await store.discard(ctx.session, proposal, ctx.now)
        ctx.edit(ctx.t("mt.discarded"))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _decide(
    ctx: Ctx, program: Program, proposal: MatchProposal, action: str, source: int, target: int
) -> None:
    """Merge two probable spellings of one employer, or keep them apart; then recompute.

    Only a pair the proposal currently warns about can be decided here (the ids in the button
    are checked against the stored warnings); the directory screens decide any other pair.
    """
    if not require_all_programs(ctx, f"mt:{action}"):
        return
    if not any(
        (w.get("source"), w.get("target")) == (source, target) for w in _warnings(proposal.result)
    ):
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    if action == "mg":
        done = await companies.merge(ctx.session, source, target, ctx.now)
    else:
        done = await companies.keep_apart(ctx.session, source, target, ctx.now)
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="company_merged" if action == "mg" else "companies_kept_apart",
        now=ctx.now,
        program=program.id,
        source=source,
        target=target,
        done=done,
    )
    await _change(ctx, program, proposal, proposal.pins, proposal.exclusions)


async def _change(
    ctx: Ctx,
    program: Program,
    proposal: MatchProposal,
    pins: list[list[int]],
    exclusions: list[list[int]],
) -> None:
    if not await _recompute(ctx, program, proposal, pins, exclusions):
        ctx.answer(ctx.t.plain("mt.changed"), alert=True)
    else:
        ctx.answer(ctx.t.plain("mt.updated"))
    ctx.edit(*await render(ctx, program, proposal, 0))


def _refuse_empty(ctx: Ctx) -> None:
    """A forged or stale approve press on a proposal that forms no tandem."""
    ctx.answer(ctx.t.plain("mt.nothing_to_approve"), alert=True)


async def approve(
    ctx: Ctx,
    program: Program,
    proposal: MatchProposal,
    version: int,
    reveal_at: dt.datetime | None,
) -> None:
    if not store.pairs_of(proposal.result):  # every way to approve passes here
        _refuse_empty(ctx)
        if ctx.update.callback_query is None:
            ctx.reply(ctx.t("mt.nothing_to_approve"))
        return
    # The directory may have changed since the proposal was computed (a merge, a corporate
    # group, an exclusion, someone left): a pair that is illegal now never becomes a tandem.
    if proposal.version == version and proposal.status == ProposalStatus.DRAFT:
        pins, exclusions = list(proposal.pins), list(proposal.exclusions)
        rnd = await _round(ctx, program, pins, exclusions)
        pairs = [(p["mentor"], p["mentee"]) for p in store.pairs_of(proposal.result)]
        broken = rnd.broken(pairs)
        if broken:
            await _refused(ctx, broken, approving=True)
            await _recompute(ctx, program, proposal, pins, exclusions)
            ctx.edit(None)
            ctx.reply(*await render(ctx, program, proposal, 0))
            return
    tandems = await store.approve(
        ctx.session,
        proposal,
        expected_version=version,
        by=ctx.user_id,
        intro_due_at=reveal_at,
        now=ctx.now,
    )
    if tandems is None:
        ctx.answer(ctx.t.plain("mt.changed"), alert=True)
        ctx.reply(ctx.t("mt.approve_failed"))
        return
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="match_approved",
        now=ctx.now,
        proposal=proposal.id,
        tandems=len(tandems),
    )
    if reveal_at is None:
        ctx.edit(ctx.t("mt.approved_now", count=len(tandems), program=program.name))
        ids = [t.id for t in tandems]
        services = ctx.services
        ctx.after_commit.append(lambda: tandem.introduce(services, ids))
    else:
        when = reveal_at.astimezone(ZoneInfo(program.timezone)).strftime("%d.%m.%Y %H:%M")
        ctx.edit(None)
        ctx.reply(ctx.t("mt.approved_later", count=len(tandems), when=when))


# --- dialogs: reveal time, company exclusions -----------------------------------------------


async def on_text(ctx: Ctx, flow: str, data: dict[str, Any], text: str | None) -> None:
    if not require_coordinator(ctx, flow):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    proposal = await store.get_proposal(ctx.session, int(data["proposal"]))
    program = await coordinated(ctx, proposal.program_id) if proposal else None
    if proposal is None or program is None or proposal.status != ProposalStatus.DRAFT:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("mt.approve_failed"))
        return
    raw = " ".join((text or "").split())
    if flow == REVEAL_FLOW:
        when = tandem.parse_datetime(raw, ZoneInfo(program.timezone))
        if when is None or when <= ctx.now:
            ctx.reply(ctx.t("mt.reveal_bad", zone=program.timezone))
            return
        await dialogs.clear(ctx.session, ctx.user_id)
        await approve(ctx, program, proposal, int(data["version"]), when)
        return
    names = [part.strip() for part in raw.replace(";", "/").split("/") if part.strip()]
    if len(names) != 2 or any(len(n) > MAX_COMPANY for n in names):
        ctx.reply(ctx.t("mt.exclude_bad"))
        return
    await dialogs.clear(ctx.session, ctx.user_id)
    added = await rounds.add_company_exclusion(
        ctx.session, program.id, names[0], names[1], by=ctx.user_id, now=ctx.now
    )
    ctx.reply(ctx.t("mt.exclude_done" if added else "mt.exclude_known", a=names[0], b=names[1]))
    await _recompute(ctx, program, proposal, list(proposal.pins), list(proposal.exclusions))
    ctx.reply(*await render(ctx, program, proposal, 0))
