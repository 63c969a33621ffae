"""The matching engine: which mentor for which mentee, and why.

Coordinators used to match by hand and remain responsible for the result, so the engine only
proposes: every pair carries the reasons behind its score, every unmatched mentee the reason why
nobody fitted, and pins/exclusions let a coordinator overrule it and ask again.

The optimisation is exact (maximum number of tandems first, then maximum total score) because a
greedy proposal leaves mentees without a mentor that a different arrangement would have placed,
and those are exactly the cases coordinators cannot easily spot by hand. Scores and feasibility are
computed with numpy over whole blocks of the mentee x mentor matrix so that large programmes stay
fast; reasons are only built for the pairs that end up in the result.

The engine is a package: `model` (what goes in and comes out), `rules` (the hard rules and the
normalisation), `scoring` (the soft score, for one pair and vectorised), `round` (pins, results,
explanations) and `solver` (the assignment and its optimality certificate). This module is its
public face; callers import from `core.matching`.
"""

from __future__ import annotations

from core.matching.model import (
    BOTH,
    IN_PERSON,
    ONLINE,
    Constraints,
    MatchResult,
    Pair,
    Person,
    Reason,
    Unmatched,
    Weights,
    employer_of,
)
from core.matching.rules import broken_pairs, hard_violations
from core.matching.scoring import score_pair
from core.matching.solver import greedy, match

__all__ = [
    "BOTH",
    "IN_PERSON",
    "ONLINE",
    "Constraints",
    "MatchResult",
    "Pair",
    "Person",
    "Reason",
    "Unmatched",
    "Weights",
    "broken_pairs",
    "employer_of",
    "greedy",
    "hard_violations",
    "match",
    "score_pair",
]
