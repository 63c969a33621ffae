"""Matching proposals: the engine's result as JSON, the coordinators' working copy, and its
approval into tandems (`storage.tandems` keeps them from then on).

Every state change that two coordinators could race on is a conditional UPDATE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.tandems import ProposalStatus, TandemStatus
from storage.db import added
from storage.models import MatchProposal, Participant, Tandem
from storage.rounds import Doubt

if (
    TYPE_CHECKING
):  # The engine (numpy) is imported when used: not on the way to a bot's first answer.
    from core.matching import MatchResult, Reason

# --- results as JSON --------------------------------------------------------------------------


def _reason_json(reason: Reason) -> dict[str, Any]:
    return {"code": reason.code, "params": dict(reason.params)}


def result_to_json(
    result: MatchResult, mentors: int, mentees: int, doubts: Iterable[Doubt] = ()
) -> dict[str, Any]:
    return {
        "pairs": [
            {
                "mentor": p.mentor_id,
                "mentee": p.mentee_id,
                "score": round(p.score, 1),
                "pinned": p.pinned,
                "reasons": [_reason_json(r) for r in p.reasons],
            }
            for p in result.pairs
        ],
        "unmatched": [
            {"mentee": u.mentee_id, "reasons": [_reason_json(r) for r in u.reasons]}
            for u in result.unmatched
        ],
        "problems": [_reason_json(r) for r in result.problems],
        "total": round(result.total_score, 1),
        "mentors": mentors,
        "mentees": mentees,
        # Probable spellings of one employer, for the coordinator to merge or keep apart.
        "warnings": [d.to_json() for d in doubts],
    }


def pairs_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(result.get("pairs") or [])


# --- proposals --------------------------------------------------------------------------------


async def current_proposal(session: AsyncSession, program_id: int) -> MatchProposal | None:
    query = (
        select(MatchProposal)
        .where(MatchProposal.program_id == program_id, MatchProposal.status == ProposalStatus.DRAFT)
        .order_by(MatchProposal.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def get_proposal(session: AsyncSession, proposal_id: int) -> MatchProposal | None:
    return await session.get(MatchProposal, proposal_id)


async def new_proposal(
    session: AsyncSession, program_id: int, *, by: int, now: dt.datetime
) -> MatchProposal:
    proposal = MatchProposal(
        program_id=program_id,
        status=ProposalStatus.DRAFT,
        version=0,
        pins=[],
        exclusions=[],
        result={},
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    return await added(session, proposal)


def _update_draft(proposal: MatchProposal, expected_version: int) -> Update:
    """An UPDATE of the draft that matches only while nobody changed it since `expected_version`
    was read: of two coordinators racing, the second changes nothing."""
    return (
        update(MatchProposal)
        .where(
            MatchProposal.id == proposal.id,
            MatchProposal.version == expected_version,
            MatchProposal.status == ProposalStatus.DRAFT,
        )
        .execution_options(synchronize_session=False)
    )


async def save_proposal(
    session: AsyncSession,
    proposal: MatchProposal,
    *,
    expected_version: int,
    pins: list[list[int]],
    exclusions: list[list[int]],
    result: dict[str, Any],
    now: dt.datetime,
) -> bool:
    """Store a new state only if nobody changed the proposal since `expected_version` was read."""
    outcome = await session.execute(
        _update_draft(proposal, expected_version).values(
            pins=pins,
            exclusions=exclusions,
            result=result,
            version=expected_version + 1,
            updated_at=now,
        )
    )
    await session.refresh(proposal)
    return bool(getattr(outcome, "rowcount", 0))


async def approve(
    session: AsyncSession,
    proposal: MatchProposal,
    *,
    expected_version: int,
    by: int,
    intro_due_at: dt.datetime | None,
    now: dt.datetime,
) -> list[Tandem] | None:
    """Turn the proposal into tandems, once: the second of two racing approvals gets None."""
    outcome = await session.execute(
        _update_draft(proposal, expected_version).values(
            status=ProposalStatus.APPROVED, approved_by=by, approved_at=now, updated_at=now
        )
    )
    if not getattr(outcome, "rowcount", 0):
        return None
    await session.refresh(proposal)
    tandems = [
        Tandem(
            program_id=proposal.program_id,
            mentor_id=pair["mentor"],
            mentee_id=pair["mentee"],
            status=TandemStatus.ACTIVE,
            proposal_id=proposal.id,
            score=float(pair["score"]),
            reasons=list(pair["reasons"]),
            created_at=now,
            intro_due_at=intro_due_at,
        )
        for pair in pairs_of(proposal.result)
    ]
    session.add_all(tandems)
    await session.flush()
    return tandems


async def discard(session: AsyncSession, proposal: MatchProposal, now: dt.datetime) -> None:
    await session.execute(
        update(MatchProposal)
        .where(MatchProposal.id == proposal.id, MatchProposal.status == ProposalStatus.DRAFT)
        .values(status=ProposalStatus.DISCARDED, updated_at=now)
    )


async def participants_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Participant]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Participant).where(Participant.id.in_(ids)).options(selectinload(Participant.user))
    )
    return {p.id: p for p in rows.all()}
