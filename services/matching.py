"""A coordinator's matching round: a stored draft proposal, adjusted until it is approved.

The proposal is a working copy that survives restarts. Every press names the version it was
rendered from, so a press on an older rendering (another coordinator changed it meanwhile) is
noticed. Pins, exclusions and swaps become engine constraints and the engine runs again, so the
coordinators adjust a proposal instead of trusting a black box; a pair that breaks a rule is
refused with the rule named, never worked around.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.programs import ProgramStatus
from core.tandems import ProposalStatus
from services.access import (
    coordinated,
    pressed_program,
    require_all_programs,
    require_coordinator,
    visible_programs,
)
from services.errors import Stale
from services.unit import UnitOfWork
from storage import companies, rounds
from storage import proposals as store

if (
    TYPE_CHECKING
):  # The engine (numpy) is imported when used: not on the way to a bot's first answer.
    from core.matching import Reason, Weights
    from storage.models import MatchProposal, Participant, Program, Tandem

# The weights a coordinator tunes in the chat, in steps; the rest stay at their defaults.
TUNABLE = ("topics", "industry", "seniority", "format", "distance")
WEIGHT_STEP = 5.0
WEIGHT_MAX = 100.0


@dataclass
class Board:
    """A draft proposal as the coordinators see it: its program, the people it names (every
    pair and every unmatched mentee) and the program's weights."""

    program: Program
    proposal: MatchProposal
    people: dict[int, Participant]
    weights: Weights

    @property
    def pairs(self) -> list[dict[str, Any]]:
        return store.pairs_of(self.proposal.result)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Probable spellings of one employer the engine kept apart, with their company ids."""
        return [w for w in self.proposal.result.get("warnings") or [] if isinstance(w, dict)]

    def mentor_of(self) -> dict[int, int]:
        return {p["mentee"]: p["mentor"] for p in self.pairs}


@dataclass(frozen=True)
class Broken:
    """A requested pair and the rules it breaks."""

    mentor: Participant | None
    mentee: Participant | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Change:
    """What a change did: `saved` False when another coordinator changed the proposal first;
    `refused` names the pairs a request would have made against the rules (nothing changed)."""

    board: Board
    saved: bool = False
    refused: tuple[Broken, ...] = ()


@dataclass(frozen=True)
class Pressed:
    """The board a press points at; `current` False when it was rendered from an older version."""

    board: Board
    current: bool


@dataclass(frozen=True)
class Closed:
    """The proposal was approved or discarded meanwhile: its keyboard is of no use any more."""

    status: str


async def _board(uow: UnitOfWork, program: Program, proposal: MatchProposal) -> Board:
    result = proposal.result
    ids = {p["mentor"] for p in store.pairs_of(result)} | {
        p["mentee"] for p in store.pairs_of(result)
    }
    ids |= {u["mentee"] for u in result.get("unmatched") or []}
    people = await store.participants_by_id(uow.session, ids)
    return Board(program, proposal, people, rounds.weights_of(program))


async def programs_to_match(uow: UnitOfWork) -> list[Program]:
    require_coordinator(uow, "match")
    return [p for p in await visible_programs(uow) if p.status != ProgramStatus.ARCHIVED]


async def open_round(
    uow: UnitOfWork, program_id: int, language: str
) -> tuple[Program, Board | None]:
    """The program a coordinator chose, and its round (see `open_program`)."""
    require_coordinator(uow, "mg")
    program = await pressed_program(uow, program_id)
    return program, await open_program(uow, program, language)


async def open_program(uow: UnitOfWork, program: Program, language: str) -> Board | None:
    """The program's draft proposal, or a new one computed now; None (and no draft kept) when
    the program has no mentee to match. `language` is the one a profile without its own has."""
    proposal = await store.current_proposal(uow.session, program.id)
    if proposal is None:
        proposal = await store.new_proposal(uow.session, program.id, by=uow.user_id, now=uow.now)
        uow.audit("match_started", program=program.id)
        await _recompute(uow, program, proposal, proposal.pins, proposal.exclusions, language)
    if not proposal.result.get("mentees"):
        await store.discard(uow.session, proposal, uow.now)
        return None
    return await _board(uow, program, proposal)


async def pressed(uow: UnitOfWork, proposal_id: int, version: int) -> Pressed | Closed:
    """The board a coordinator's press names; Stale if it is gone or another program's."""
    require_coordinator(uow, "mt")
    proposal = await store.get_proposal(uow.session, proposal_id)
    program = await coordinated(uow, proposal.program_id) if proposal else None
    if proposal is None or program is None:
        raise Stale("proposal", alert=True)
    if proposal.status != ProposalStatus.DRAFT:
        return Closed(str(proposal.status))
    return Pressed(await _board(uow, program, proposal), version == proposal.version)


async def draft(uow: UnitOfWork, proposal_id: int) -> Board | None:
    """The draft a dialog was started for, if it is still a draft of a coordinated program."""
    require_coordinator(uow, "mt")
    proposal = await store.get_proposal(uow.session, proposal_id)
    program = await coordinated(uow, proposal.program_id) if proposal else None
    if proposal is None or program is None or proposal.status != ProposalStatus.DRAFT:
        return None
    return await _board(uow, program, proposal)


async def _recompute(
    uow: UnitOfWork,
    program: Program,
    proposal: MatchProposal,
    pins: list[list[int]],
    exclusions: list[list[int]],
    language: str,
) -> bool:
    """Run the engine against the directory's current state and store its answer (and the
    probable-spelling warnings, which are recomputed here too and so vanish with their cause);
    False when another coordinator changed the proposal first."""
    rnd = await rounds.prepare(uow.session, program, pins, exclusions, language)
    # The engine is CPU work (seconds for thousands); keep the event loop answering meanwhile.
    from core.matching import match

    result = await asyncio.to_thread(match, rnd.mentors, rnd.mentees, rnd.constraints, rnd.weights)
    return await store.save_proposal(
        uow.session,
        proposal,
        expected_version=proposal.version,
        pins=pins,
        exclusions=exclusions,
        result=store.result_to_json(
            result, len(rnd.mentors), len(rnd.mentees), rnd.doubts.values()
        ),
        now=uow.now,
    )


async def _change(
    uow: UnitOfWork,
    board: Board,
    language: str,
    pins: list[list[int]] | None = None,
    exclusions: list[list[int]] | None = None,
) -> Change:
    pins = [list(p) for p in board.proposal.pins] if pins is None else pins
    if exclusions is None:
        exclusions = [list(p) for p in board.proposal.exclusions]
    saved = await _recompute(uow, board.program, board.proposal, pins, exclusions, language)
    return Change(await _board(uow, board.program, board.proposal), saved)


async def _broken(
    uow: UnitOfWork,
    board: Board,
    pins: list[list[int]],
    wanted: list[tuple[int, int]],
    language: str,
) -> tuple[Broken, ...]:
    exclusions = [list(p) for p in board.proposal.exclusions]
    rnd = await rounds.prepare(uow.session, board.program, pins, exclusions, language)
    found = rnd.broken(wanted)
    people = await store.participants_by_id(
        uow.session, {b[0] for b in found} | {b[1] for b in found}
    )
    return tuple(Broken(people.get(a), people.get(b), reasons) for a, b, reasons in found)


def _paired(board: Board, *mentees: int) -> dict[int, int]:
    pairs = board.mentor_of()
    if any(m not in pairs for m in mentees):
        raise Stale("not a pair of this proposal")
    return pairs


async def rerun(uow: UnitOfWork, board: Board, language: str) -> Change:
    return await _change(uow, board, language)


async def toggle_pin(uow: UnitOfWork, board: Board, mentee: int, language: str) -> Change:
    """Pin a proposed pair (it stays whatever else changes), or unpin it."""
    pair = [_paired(board, mentee)[mentee], mentee]
    pins = [list(p) for p in board.proposal.pins]
    if pair in pins:
        pins.remove(pair)
    else:
        refused = await _broken(uow, board, pins, [(pair[0], pair[1])], language)
        if refused:
            return Change(board, refused=refused)
        pins.append(pair)
    return await _change(uow, board, language, pins)


async def exclude(uow: UnitOfWork, board: Board, mentee: int, language: str) -> Change:
    """Never this pair in this round."""
    pair = [_paired(board, mentee)[mentee], mentee]
    pins = [list(p) for p in board.proposal.pins if list(p) != pair]
    exclusions = [list(p) for p in board.proposal.exclusions] + [pair]
    return await _change(uow, board, language, pins, exclusions)


async def swap(uow: UnitOfWork, board: Board, a: int, b: int, language: str) -> Change:
    """Exchange the mentors of two mentees, and pin both new pairs."""
    pairs = _paired(board, a, b)
    pins = [list(p) for p in board.proposal.pins if p[1] not in (a, b)]
    wanted = [(pairs[a], b), (pairs[b], a)]
    refused = await _broken(uow, board, pins, wanted, language)
    if refused:
        return Change(board, refused=refused)
    return await _change(uow, board, language, pins + [list(p) for p in wanted])


async def decide(
    uow: UnitOfWork, board: Board, source: int, target: int, *, merge: bool, language: str
) -> Change:
    """Merge two probable spellings of one employer, or keep them apart; then recompute.

    The directory serves every program, so only a coordinator of all programs changes it; and
    only a pair the proposal currently warns about is decided here (the ids in the button are
    checked against the stored warnings); the directory screens decide any other pair.
    """
    require_all_programs(uow, f"mt:{'mg' if merge else 'ka'}")
    if not any((w.get("source"), w.get("target")) == (source, target) for w in board.warnings):
        raise Stale("no such warning")
    if merge:
        done = await companies.merge(uow.session, source, target, uow.now)
    else:
        done = await companies.keep_apart(uow.session, source, target, uow.now)
    uow.audit(
        "company_merged" if merge else "companies_kept_apart",
        program=board.program.id,
        source=source,
        target=target,
        done=done,
    )
    return await _change(uow, board, language)


async def tune(
    uow: UnitOfWork, board: Board, weight: int | None, step: int, language: str
) -> Change:
    """Change one weight of the program by `step` steps (within 0..WEIGHT_MAX), or switch the
    format rule between hard and soft (`weight` None); then recompute."""
    current = board.weights.to_dict()
    if weight is None:
        current["format_hard"] = not current["format_hard"]
    elif 0 <= weight < len(TUNABLE):
        name = TUNABLE[weight]
        current[name] = min(WEIGHT_MAX, max(0.0, float(current[name]) + step * WEIGHT_STEP))
    else:
        raise Stale("no such weight")
    program = board.program
    settings = dict(program.settings)
    settings["matching_weights"] = current
    program.settings = settings  # a new dict, so the JSON column is written
    uow.audit("weights", program=program.id)
    return await _change(uow, board, language)


async def discard(uow: UnitOfWork, board: Board) -> None:
    await store.discard(uow.session, board.proposal, uow.now)


@dataclass(frozen=True)
class Approval:
    """How an approval ended: `tandems` formed; or nothing formed because the proposal is empty
    (`empty`), a pair became illegal since it was computed (`refused`, the proposal recomputed
    in `board`), or another coordinator approved or changed it first (neither)."""

    board: Board
    tandems: tuple[Tandem, ...] = ()
    empty: bool = False
    refused: tuple[Broken, ...] = ()


async def approve(
    uow: UnitOfWork, board: Board, version: int, reveal_at: dt.datetime | None, language: str
) -> Approval:
    """Turn the proposal into tandems, introduced now (the caller sends the introductions after
    the commit) or at `reveal_at`."""
    proposal = board.proposal
    if not board.pairs:  # every way to approve passes here
        return Approval(board, empty=True)
    # The directory may have changed since the proposal was computed (a merge, a corporate
    # group, an exclusion, someone left): a pair that is illegal now never becomes a tandem.
    if proposal.version == version and proposal.status == ProposalStatus.DRAFT:
        pins = [list(p) for p in proposal.pins]
        wanted = [(p["mentor"], p["mentee"]) for p in board.pairs]
        refused = await _broken(uow, board, pins, wanted, language)
        if refused:
            changed = await _change(uow, board, language)
            return Approval(changed.board, refused=refused)
    tandems = await store.approve(
        uow.session,
        proposal,
        expected_version=version,
        by=uow.user_id,
        intro_due_at=reveal_at,
        now=uow.now,
    )
    if tandems is None:
        return Approval(board)
    uow.audit("match_approved", proposal=proposal.id, tandems=len(tandems))
    return Approval(board, tuple(tandems))


async def exclude_companies(
    uow: UnitOfWork, board: Board, first: str, second: str, language: str
) -> tuple[bool, Board]:
    """Never pair people of these two companies in this program (from now on); whether the
    exclusion is new, and the proposal recomputed with it."""
    added = await rounds.add_company_exclusion(
        uow.session, board.program.id, first, second, by=uow.user_id, now=uow.now
    )
    changed = await _change(uow, board, language)
    return added, changed.board
