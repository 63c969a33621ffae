"""A matching round as use cases: open, adjust, refuse what breaks a rule, approve."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import select

from core.tandems import ProposalStatus
from services import matching
from services.errors import Refused, Stale
from services.matching import Board, Closed, Pressed
from services.unit import UnitOfWork
from storage.db import Database
from storage.models import AuditEntry, MatchProposal, Program, Tandem
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run

LANGUAGE = "de"
T = TypeVar("T")


async def seed_round(db: Database) -> tuple[int, dict[str, int]]:
    """Two mentors and two mentees; mentee `a` works where mentor `B` does, so the only legal
    pairs are A-a and B-b (and A-b)."""
    program_id = await seed_program(db, NOW)
    ids = {
        "A": await seed_participant(db, program_id, 100, "Anna", NOW, role="mentor", company="X"),
        "B": await seed_participant(db, program_id, 101, "Bert", NOW, role="mentor", company="Y"),
        "a": await seed_participant(db, program_id, 102, "anja", NOW, company="Y"),
        "b": await seed_participant(db, program_id, 103, "bodo", NOW, company="Z"),
    }
    return program_id, ids


async def opened(db: Database, program_id: int) -> Board:
    async def use(uow: UnitOfWork) -> Board:
        program, board = await matching.open_round(uow, program_id, LANGUAGE)
        assert program.id == program_id and board is not None
        return board

    return await run(db, COORDINATOR, use, coordinator=True)


async def act(
    db: Database,
    board: Board,
    use: Callable[[UnitOfWork, Board], Awaitable[T]],
    **actor: object,
) -> T:
    """Press on the board's current version and run `use(uow, board)`."""

    async def press(uow: UnitOfWork) -> T:
        found = await matching.pressed(uow, board.proposal.id, board.proposal.version)
        assert isinstance(found, Pressed) and found.current
        return await use(uow, found.board)

    actor = actor or {"coordinator": True}
    return await run(db, COORDINATOR, press, **actor)


def mentor_of(board: Board) -> dict[int, int]:
    return board.mentor_of()


async def test_a_round_opens_once_and_pairs_only_legal_pairs(db: Database) -> None:
    program_id, ids = await seed_round(db)
    board = await opened(db, program_id)
    assert mentor_of(board) == {ids["a"]: ids["A"], ids["b"]: ids["B"]}
    assert set(board.people) == set(ids.values())
    again = await opened(db, program_id)
    assert again.proposal.id == board.proposal.id  # the draft, not a second one
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("match_started") == 1


async def test_a_program_without_mentees_keeps_no_draft(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, 100, "Anna", NOW, role="mentor")

    async def use(uow: UnitOfWork) -> Board | None:
        return (await matching.open_round(uow, program_id, LANGUAGE))[1]

    assert await run(db, COORDINATOR, use, coordinator=True) is None
    async with db.session() as session:
        statuses = (await session.scalars(select(MatchProposal.status))).all()
    assert statuses == [ProposalStatus.DISCARDED]


async def test_strangers_and_other_programs_coordinators_reach_no_round(db: Database) -> None:
    program_id, _ = await seed_round(db)
    other = await seed_program(db, NOW, name="Braunschweig")
    with pytest.raises(Refused):
        await run(db, 100, lambda uow: matching.programs_to_match(uow))
    with pytest.raises(Refused):
        await run(db, 100, lambda uow: matching.open_round(uow, program_id, LANGUAGE))
    foreign = {"coordinator": True, "scope": frozenset({other})}
    listed = await run(db, COORDINATOR, lambda uow: matching.programs_to_match(uow), **foreign)
    assert [p.id for p in listed] == [other]
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: matching.open_round(uow, program_id, LANGUAGE), **foreign
        )
    board = await opened(db, program_id)
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: matching.pressed(uow, board.proposal.id, 1), **foreign
        )
    with pytest.raises(Stale):
        await run(
            db, COORDINATOR, lambda uow: matching.pressed(uow, 2**31 - 1, 1), coordinator=True
        )
    with pytest.raises(Refused):
        await run(db, 100, lambda uow: matching.pressed(uow, board.proposal.id, 1))


async def test_an_old_rendering_and_a_closed_proposal_are_told_apart(db: Database) -> None:
    program_id, _ = await seed_round(db)
    board = await opened(db, program_id)
    version = board.proposal.version
    found = await run(
        db,
        COORDINATOR,
        lambda uow: matching.pressed(uow, board.proposal.id, version - 1),
        coordinator=True,
    )
    assert isinstance(found, Pressed) and not found.current
    await act(db, board, matching.discard)
    closed = await run(
        db,
        COORDINATOR,
        lambda uow: matching.pressed(uow, board.proposal.id, version),
        coordinator=True,
    )
    assert closed == Closed("discarded")
    assert (
        await run(
            db, COORDINATOR, lambda uow: matching.draft(uow, board.proposal.id), coordinator=True
        )
        is None
    )


async def test_pin_exclude_and_a_refused_swap(db: Database) -> None:
    program_id, ids = await seed_round(db)
    board = await opened(db, program_id)
    pinned = await act(db, board, lambda uow, b: matching.toggle_pin(uow, b, ids["a"], LANGUAGE))
    assert pinned.saved and pinned.board.proposal.pins == [[ids["A"], ids["a"]]]
    unpinned = await act(
        db, pinned.board, lambda uow, b: matching.toggle_pin(uow, b, ids["a"], LANGUAGE)
    )
    assert unpinned.board.proposal.pins == []
    # Swapping would put anja with Bert, who works where she does: refused, nothing changed.
    swapped = await act(
        db, unpinned.board, lambda uow, b: matching.swap(uow, b, ids["a"], ids["b"], LANGUAGE)
    )
    assert not swapped.saved and len(swapped.refused) == 1
    refused = swapped.refused[0]
    assert refused.mentor is not None and refused.mentee is not None
    assert (refused.mentor.id, refused.mentee.id) == (ids["B"], ids["a"])
    assert refused.reasons
    assert swapped.board.proposal.version == unpinned.board.proposal.version
    excluded = await act(
        db, unpinned.board, lambda uow, b: matching.exclude(uow, b, ids["a"], LANGUAGE)
    )
    assert excluded.board.proposal.exclusions == [[ids["A"], ids["a"]]]
    assert ids["a"] not in mentor_of(excluded.board)
    with pytest.raises(Stale):  # not a mentee of this proposal
        await act(db, excluded.board, lambda uow, b: matching.toggle_pin(uow, b, 4242, LANGUAGE))


async def test_weights_move_in_steps_within_bounds(db: Database) -> None:
    program_id, _ = await seed_round(db)
    board = await opened(db, program_id)
    before = board.weights.topics
    tuned = await act(db, board, lambda uow, b: matching.tune(uow, b, 0, +1, LANGUAGE))
    assert tuned.saved and tuned.board.weights.topics == before + matching.WEIGHT_STEP
    hard = tuned.board.weights.format_hard
    flipped = await act(db, tuned.board, lambda uow, b: matching.tune(uow, b, None, 0, LANGUAGE))
    assert flipped.board.weights.format_hard is not hard
    with pytest.raises(Stale):
        await act(
            db,
            flipped.board,
            lambda uow, b: matching.tune(uow, b, len(matching.TUNABLE), 1, LANGUAGE),
        )
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        assert program.settings["matching_weights"]["topics"] == before + matching.WEIGHT_STEP


async def test_the_directory_is_decided_by_a_coordinator_of_all_programs_only(
    db: Database,
) -> None:
    program_id, _ = await seed_round(db)
    board = await opened(db, program_id)
    scoped = {"coordinator": True, "scope": frozenset({program_id})}
    with pytest.raises(Refused) as refused:
        await act(
            db,
            board,
            lambda uow, b: matching.decide(uow, b, 1, 2, merge=True, language=LANGUAGE),
            **scoped,
        )
    assert refused.value.all_programs
    with pytest.raises(Stale):  # no such warning in the proposal
        await act(
            db, board, lambda uow, b: matching.decide(uow, b, 1, 2, merge=False, language=LANGUAGE)
        )


async def test_approval_forms_tandems_once(db: Database) -> None:
    program_id, ids = await seed_round(db)
    board = await opened(db, program_id)
    version = board.proposal.version
    approval = await act(
        db, board, lambda uow, b: matching.approve(uow, b, version, None, LANGUAGE)
    )
    assert {(t.mentor_id, t.mentee_id) for t in approval.tandems} == {
        (ids["A"], ids["a"]),
        (ids["B"], ids["b"]),
    }

    closed = await run(
        db,
        COORDINATOR,
        lambda uow: matching.pressed(uow, board.proposal.id, version),
        coordinator=True,
    )
    assert closed == Closed("approved")
    async with db.session() as session:
        assert len((await session.scalars(select(Tandem))).all()) == 2


async def test_an_approval_of_an_older_version_forms_nothing(db: Database) -> None:
    program_id, _ = await seed_round(db)
    board = await opened(db, program_id)
    old = board.proposal.version - 1
    approval = await act(db, board, lambda uow, b: matching.approve(uow, b, old, None, LANGUAGE))
    assert approval.tandems == () and not approval.empty and not approval.refused
    async with db.session() as session:
        assert (await session.scalars(select(Tandem))).all() == []


async def test_approval_rechecks_the_rules_and_refuses_an_empty_proposal(db: Database) -> None:
    program_id, ids = await seed_round(db)
    board = await opened(db, program_id)
    # anja moves to Anna's company after the proposal was computed.
    async with db.session() as session:
        from storage.models import Participant

        anja = await session.get(Participant, ids["a"])
        assert anja is not None
        anja.company, anja.company_id = "X", None
    version = board.proposal.version
    approval = await act(
        db, board, lambda uow, b: matching.approve(uow, b, version, None, LANGUAGE)
    )
    assert approval.tandems == () and approval.refused
    assert approval.board.proposal.version == version + 1  # recomputed without the pair
    assert (ids["A"], ids["a"]) not in {(m, e) for e, m in mentor_of(approval.board).items()}
    empty = Board(board.program, board.proposal, {}, board.weights)
    empty.proposal.result = {}
    result = await run(
        db,
        COORDINATOR,
        lambda uow: matching.approve(uow, empty, version, None, LANGUAGE),
        coordinator=True,
    )
    assert result.empty


async def test_a_company_exclusion_is_added_once(db: Database) -> None:
    program_id, _ = await seed_round(db)
    board = await opened(db, program_id)
    added, after = await act(
        db, board, lambda uow, b: matching.exclude_companies(uow, b, "X", "Z", LANGUAGE)
    )
    assert added and after.proposal.version == board.proposal.version + 1
    again, _ = await act(
        db, after, lambda uow, b: matching.exclude_companies(uow, b, "X", "Z", LANGUAGE)
    )
    assert not again
