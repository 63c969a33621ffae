"""The hard rules of a pair (employers, exclusions, language, format, coordinator decisions) and
the normalisation both the rules and the scores read people through.

These rules are never broken: the solver only sees cells they allow (`scoring._Prepared.block`
applies the same rules to whole blocks), and a stored proposal is checked against them again
before it becomes tandems (`broken_pairs`).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from core.companies import normalize_company
from core.matching.model import (
    BOTH,
    EARTH_RADIUS_KM,
    IN_PERSON,
    ONLINE,
    Constraints,
    Person,
    Reason,
    Weights,
    employer_of,
)
from core.seniority import seniority_level

# --- normalisation --------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _norm_text(value: str) -> str:
    # Cached: explaining the pairs of a large round normalises the same few texts many times.
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _format_code(value: str) -> int:
    """0 in person, 1 online, 2 either (also for anything unrecognised: do not exclude on typos)."""
    value = _norm_text(value)
    if value == IN_PERSON:
        return 0
    if value == ONLINE:
        return 1
    return 2


_FORMAT_NAMES = (IN_PERSON, ONLINE, BOTH)
# Effective way of meeting for (mentor format, mentee format); -1 = they want opposite things.
_FORMAT_TABLE = np.array([[0, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.int64)


def _seniority_fit(mentor: int, mentee: int) -> float:
    """0 = unknown. A gap of two levels is ideal; a peer is still useful, a junior mentor is not."""
    if mentor == 0 or mentee == 0:
        return 0.5
    gap = mentor - mentee
    if gap >= 2:
        return 1.0
    if gap == 1:
        return 0.8
    if gap == 0:
        return 0.3
    return 0.0


_SENIORITY_TABLE = np.array(
    [[_seniority_fit(m, e) for e in range(6)] for m in range(6)], dtype=np.float64
)


def _level(position: str) -> int:
    level = seniority_level(position)
    return 0 if level is None else int(level)


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _distance_fit(effective: int, km: float | None, weights: Weights) -> tuple[float, bool]:
    """(fit, too far). Distance only matters when the two could meet in person at all."""
    if km is None or effective not in (0, 2) or weights.max_distance_km <= 0:
        return 0.5, False
    if km <= weights.max_distance_km:
        return 1.0 - km / weights.max_distance_km, False
    return 0.0, effective == 0


@lru_cache(maxsize=1 << 14)
def _topic_keys(topics: frozenset[str]) -> Mapping[str, str]:
    """Normalised key -> first spelling, so "führung" and "Führung " count as one topic.

    Cached (people share topic sets), hence read-only.
    """
    keys: dict[str, str] = {}
    for topic in sorted(topics):
        key = _norm_text(topic)
        if key:
            keys.setdefault(key, topic.strip())
    return MappingProxyType(keys)


def _languages(person: Person) -> frozenset[str]:
    return frozenset(k for k in (_norm_text(x) for x in person.languages) if k)


def _industry_key(industry: str) -> str:
    return _norm_text(industry)


# --- one pair -------------------------------------------------------------------------------------


def hard_violations(mentor: Person, mentee: Person, constraints: Constraints) -> tuple[Reason, ...]:
    """Every rule the pair would break; empty = the pair is allowed (capacity aside)."""
    return _hard_violations(mentor, mentee, constraints, format_hard=False)


def _hard_violations(
    mentor: Person, mentee: Person, constraints: Constraints, *, format_hard: bool
) -> tuple[Reason, ...]:
    found: list[Reason] = []
    a, b = normalize_company(mentor.company), normalize_company(mentee.company)
    employers = frozenset({employer_of(mentor), employer_of(mentee)})
    companies = (("mentor", mentor.company.strip()), ("mentee", mentee.company.strip()))
    if a == b:
        found.append(Reason("same_company", (("company", mentee.company.strip()),)))
    elif len(employers) == 1:
        found.append(Reason("same_employer", companies))
    elif (
        frozenset({a, b}) in _excluded_keys(constraints.excluded_companies)
        or employers in constraints.excluded_employers
    ):
        found.append(Reason("excluded_companies", companies))
    elif employers in constraints.doubtful:
        found.append(Reason("probably_same_employer", companies))
    if not _languages(mentor) & _languages(mentee):
        found.append(
            Reason(
                "language_mismatch",
                (
                    ("mentor", ", ".join(sorted(mentor.languages))),
                    ("mentee", ", ".join(sorted(mentee.languages))),
                ),
            )
        )
    if format_hard and _effective_format(mentor, mentee) < 0:
        found.append(Reason("incompatible_format", _format_params(mentor, mentee)))
    key = (mentor.id, mentee.id)
    if key in constraints.forbidden:
        found.append(Reason("forbidden"))
    if key in constraints.previous:
        found.append(Reason("previous"))
    return tuple(found)


def broken_pairs(
    mentors: Sequence[Person],
    mentees: Sequence[Person],
    pairs: Iterable[tuple[int, int]],
    constraints: Constraints,
    weights: Weights,
) -> list[tuple[int, int, tuple[Reason, ...]]]:
    """The pairs (mentor id, mentee id) that today's people and rules no longer allow.

    A stored proposal was computed against the directory and the pool of its time; a merge, a new
    corporate group, an exclusion or a participant leaving since then can make one of its pairs
    illegal. Checked before a proposal becomes tandems and before a swap or pin is accepted.
    """
    by_mentor = {p.id: p for p in mentors}
    by_mentee = {p.id: p for p in mentees}
    load: dict[int, int] = {}
    broken: list[tuple[int, int, tuple[Reason, ...]]] = []
    for mentor_id, mentee_id in pairs:
        mentor, mentee = by_mentor.get(mentor_id), by_mentee.get(mentee_id)
        if mentor is None or mentee is None:
            broken.append((mentor_id, mentee_id, (Reason("not_available"),)))
            continue
        reasons = list(
            _hard_violations(mentor, mentee, constraints, format_hard=weights.format_hard)
        )
        load[mentor_id] = load.get(mentor_id, 0) + 1
        if load[mentor_id] > mentor.capacity:
            reasons.append(Reason("over_capacity", (("capacity", str(mentor.capacity)),)))
        if reasons:
            broken.append((mentor_id, mentee_id, tuple(reasons)))
    return broken


@lru_cache(maxsize=64)
def _excluded_keys(excluded: frozenset[frozenset[str]]) -> frozenset[frozenset[str]]:
    """Accept exclusions as typed, not only pre-normalised; single names are ignored."""
    keys = (frozenset(normalize_company(c) for c in pair) for pair in excluded)
    return frozenset(k for k in keys if len(k) == 2)


def _effective_format(mentor: Person, mentee: Person) -> int:
    return int(
        _FORMAT_TABLE[_format_code(mentor.meeting_format), _format_code(mentee.meeting_format)]
    )


def _format_params(mentor: Person, mentee: Person) -> tuple[tuple[str, str], ...]:
    return (
        ("mentor", _FORMAT_NAMES[_format_code(mentor.meeting_format)]),
        ("mentee", _FORMAT_NAMES[_format_code(mentee.meeting_format)]),
    )
