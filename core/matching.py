"""The matching engine: which mentor for which mentee, and why.

Coordinators used to match by hand and remain responsible for the result, so the engine only
proposes: every pair carries the reasons behind its score, every unmatched mentee the reason why
nobody fitted, and pins/exclusions let a coordinator overrule it and ask again.

The optimisation is exact (maximum number of tandems first, then maximum total score) because a
greedy proposal leaves mentees without a mentor that a different arrangement would have placed,
and those are exactly the cases coordinators cannot easily spot by hand. Scores and feasibility are
computed with numpy over whole blocks of the mentee x mentor matrix so that large programmes stay
fast; reasons are only built for the pairs that end up in the result.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from core.companies import normalize_company
from core.seniority import seniority_level

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
WordArray = npt.NDArray[np.uint64]

IN_PERSON, ONLINE, BOTH = "in_person", "online", "both"
EARTH_RADIUS_KM = 6371.0088

# Numbers of mentee x mentor cells computed at once: big enough for numpy to be efficient, small
# enough that the temporaries stay in the tens of megabytes even for 5,000 x 5,000.
_BLOCK_CELLS = 1 << 21


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    company: str
    industry: str
    position: str
    topics: frozenset[str]
    meeting_format: str
    languages: frozenset[str]
    capacity: int = 1
    location: tuple[float, float] | None = None
    name: str = ""
    # The employer under the "different employers" rule: equal keys never form a tandem. The
    # company directory gives one key to a company's aliases and to every company of a corporate
    # group (`storage.companies.employer_key`); empty = the normalised company name, for callers
    # without a directory.
    employer: str = ""


def employer_of(person: Person) -> str:
    return person.employer or f"n:{normalize_company(person.company)}"


@dataclass(frozen=True)
class Constraints:
    """The hard rules of a round besides "different employers", language and capacity.

    ``excluded_companies`` are pairs of company names as typed (normalised here), applied to the
    name a person typed; ``excluded_employers`` are pairs of employer keys (see
    ``Person.employer``), which is how the bot passes a coordinator's exclusions, resolved through
    the company directory so that they hold for every alias and group member. ``doubtful`` are
    pairs of employer keys that are probably one employer under two spellings and that nobody has
    decided on yet: never paired until a coordinator merges them (then the employer rule applies)
    or keeps them apart (then they drop out of this set).
    """

    must: frozenset[tuple[int, int]] = frozenset()
    forbidden: frozenset[tuple[int, int]] = frozenset()
    previous: frozenset[tuple[int, int]] = frozenset()
    excluded_companies: frozenset[frozenset[str]] = frozenset()
    excluded_employers: frozenset[frozenset[str]] = frozenset()
    doubtful: frozenset[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class Weights:
    """Points per criterion; with the defaults a perfect pair scores 100.

    Each criterion contributes ``weight x fit`` with a fit between 0 and 1 (0.5 when it cannot
    be judged, e.g. an unknown position or location, so missing data neither helps nor hurts).
    ``far_penalty`` is subtracted on top when two people who want to meet in person live more
    than ``max_distance_km`` apart. ``format_hard`` turns an in-person/online clash from a lost
    ``format`` bonus into a rule that is never broken.
    """

    topics: float = 40.0
    industry: float = 20.0
    seniority: float = 20.0
    format: float = 10.0
    distance: float = 10.0
    max_distance_km: float = 200.0
    far_penalty: float = 30.0
    format_hard: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "format_hard" and not math.isfinite(value):
                raise ValueError(f"weight {f.name} must be a finite number, not {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """Stored settings outlive code versions: unknown keys and unusable values are skipped."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            raw = data[f.name]
            if f.name == "format_hard":
                if isinstance(raw, bool):
                    values[f.name] = raw
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                continue
            try:
                number = float(raw)
            except ValueError:
                continue
            if math.isfinite(number):
                values[f.name] = number
        return cls(**values)

    @property
    def score_bounds(self) -> tuple[float, float]:
        """Lowest and highest score any pair can get; they size the cardinality bonus."""
        parts = (self.topics, self.industry, self.seniority, self.format, self.distance)
        high = sum(max(0.0, p) for p in parts) + max(0.0, -self.far_penalty)
        low = sum(min(0.0, p) for p in parts) - max(0.0, self.far_penalty)
        return low, high


@dataclass(frozen=True)
class Reason:
    """A machine-readable explanation; the bot renders it from its translation catalog."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str:
        for name, value in self.params:
            if name == key:
                return value
        raise KeyError(key)


@dataclass(frozen=True)
class Pair:
    mentor_id: int
    mentee_id: int
    score: float
    reasons: tuple[Reason, ...]
    pinned: bool = False


@dataclass(frozen=True)
class Unmatched:
    mentee_id: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class MatchResult:
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: float
    problems: tuple[Reason, ...] = ()

    @property
    def matched(self) -> int:
        return len(self.pairs)


# --- normalisation --------------------------------------------------------------------------------


def _norm_text(value: str) -> str:
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


def _topic_keys(topics: Iterable[str]) -> dict[str, str]:
    """Normalised key -> first spelling, so "führung" and "Führung " count as one topic."""
    keys: dict[str, str] = {}
    for topic in sorted(topics):
        key = _norm_text(topic)
        if key:
            keys.setdefault(key, topic.strip())
    return keys


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


def score_pair(
    mentor: Person, mentee: Person, weights: Weights
) -> tuple[float, tuple[Reason, ...]]:
    """The soft score (about 0-100 with default weights) and its readable breakdown.

    Must agree with the vectorised scoring in ``_Prepared.block``; a test checks that it does.
    """
    reasons: list[Reason] = []

    ind_a, ind_b = _industry_key(mentor.industry), _industry_key(mentee.industry)
    if not ind_a or not ind_b:
        industry_fit = 0.5
    elif ind_a != ind_b:
        industry_fit = 1.0
        reasons.append(
            Reason(
                "different_industries",
                (("mentor", mentor.industry.strip()), ("mentee", mentee.industry.strip())),
            )
        )
    else:
        industry_fit = 0.0
        reasons.append(Reason("same_industry", (("industry", mentee.industry.strip()),)))

    wanted = _topic_keys(mentee.topics)
    offered = _topic_keys(mentor.topics)
    shared = [wanted[k] for k in wanted if k in offered]
    if not wanted:
        topic_fit = 0.5
    else:
        topic_fit = len(shared) / len(wanted)
        if shared:
            reasons.append(
                Reason(
                    "shared_topics",
                    (
                        ("topics", ", ".join(shared)),
                        ("count", str(len(shared))),
                        ("of", str(len(wanted))),
                    ),
                )
            )
        else:
            reasons.append(Reason("no_shared_topics", (("of", str(len(wanted))),)))

    lm, le = _level(mentor.position), _level(mentee.position)
    seniority_fit = float(_SENIORITY_TABLE[lm, le])
    if lm and le:
        code = "mentor_senior" if lm > le else "same_level" if lm == le else "mentor_junior"
        reasons.append(
            Reason(code, (("mentor", mentor.position.strip()), ("mentee", mentee.position.strip())))
        )

    effective = _effective_format(mentor, mentee)
    if effective < 0:
        format_fit = 0.0
        reasons.append(Reason("format_mismatch", _format_params(mentor, mentee)))
    else:
        format_fit = 1.0
        reasons.append(Reason("format_match", (("format", _FORMAT_NAMES[effective]),)))

    km: float | None = None
    if mentor.location is not None and mentee.location is not None:
        km = _haversine_km(mentor.location, mentee.location)
    distance_fit, too_far = _distance_fit(effective, km, weights)
    if km is not None and effective in (0, 2):
        if too_far:
            reasons.append(
                Reason(
                    "too_far",
                    (("km", f"{km:.0f}"), ("max_km", f"{weights.max_distance_km:.0f}")),
                )
            )
        else:
            reasons.append(Reason("distance", (("km", f"{km:.0f}"),)))

    score = (
        weights.topics * topic_fit
        + weights.industry * industry_fit
        + weights.seniority * seniority_fit
        + weights.format * format_fit
        + weights.distance * distance_fit
        - (weights.far_penalty if too_far else 0.0)
    )
    return score, tuple(reasons)


# --- many pairs at once ---------------------------------------------------------------------------


def _bitsets(sets: Sequence[frozenset[str]], vocabulary: Mapping[str, int]) -> WordArray:
    """Sets as rows of 64-bit words, so intersections are a bitwise AND and a popcount."""
    words = max(1, -(-len(vocabulary) // 64))
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            bit = vocabulary.get(item)
            if bit is not None:
                out[row, bit >> 6] |= np.uint64(1 << (bit & 63))
    return out


def _codes(keys: Sequence[str], vocabulary: dict[str, int]) -> IntArray:
    return np.array([vocabulary.setdefault(k, len(vocabulary)) for k in keys], dtype=np.int64)


class _PairTable:
    """Pairs of keys (employers, company names) as a symmetric boolean table over small codes.

    Only keys that occur in some pair get a code; every other key shares one extra code whose row
    and column stay False. ``active`` is False without pairs, so the common round pays nothing.
    """

    def __init__(self, pairs: Iterable[frozenset[str]]) -> None:
        usable = [p for p in pairs if len(p) == 2]
        involved = sorted({k for pair in usable for k in pair})
        self.code = {k: i for i, k in enumerate(involved)}
        self.table = np.zeros((len(involved) + 1, len(involved) + 1), dtype=np.bool_)
        for pair in usable:
            a, b = (self.code[k] for k in pair)
            self.table[a, b] = self.table[b, a] = True
        self.active = bool(usable)

    def codes(self, keys: Sequence[str]) -> IntArray:
        other = len(self.code)
        return np.array([self.code.get(k, other) for k in keys], dtype=np.int64)


class _Side:
    """One side (mentors or mentees) as integer arrays."""

    def __init__(
        self,
        people: Sequence[Person],
        employers: dict[str, int],
        names_seen: dict[str, int],
        industries: dict[str, int],
        tables: tuple[_PairTable, _PairTable, _PairTable],
    ) -> None:
        n = len(people)
        self.people = people
        employer_keys = [employer_of(p) for p in people]
        name_keys = [normalize_company(p.company) for p in people]
        # Same employer: the same key, or (for safety, whatever the keys say) the same name.
        self.company = _codes(employer_keys, employers)
        self.name = _codes(name_keys, names_seen)
        names, excluded, doubtful = tables
        self.excluded_name = names.codes(name_keys)
        self.excluded = excluded.codes(employer_keys)
        self.doubtful = doubtful.codes(employer_keys)
        industry_keys = [_industry_key(p.industry) for p in people]
        self.industry = np.array(
            [industries.setdefault(k, len(industries)) if k else -1 for k in industry_keys],
            dtype=np.int64,
        )
        self.level = np.array([_level(p.position) for p in people], dtype=np.int64)
        self.format = np.array([_format_code(p.meeting_format) for p in people], dtype=np.int64)
        self.languages = [_languages(p) for p in people]
        self.topics = [frozenset(_topic_keys(p.topics)) for p in people]
        self.topic_count = np.array([len(t) for t in self.topics], dtype=np.float64)
        lat = np.full(n, np.nan)
        lon = np.full(n, np.nan)
        for i, p in enumerate(people):
            if p.location is not None:
                lat[i], lon[i] = p.location
        self.has_location = ~np.isnan(lat)
        self.lat = np.radians(lat)
        self.lon = np.radians(lon)
        self.index = {p.id: i for i, p in enumerate(people)}


class _Prepared:
    """Both sides encoded once; ``block`` scores any range of mentees against all mentors."""

    def __init__(
        self,
        mentors: Sequence[Person],
        mentees: Sequence[Person],
        constraints: Constraints,
        weights: Weights,
    ) -> None:
        self.weights = weights
        self.constraints = constraints
        self.excluded_names = _PairTable(_excluded_keys(constraints.excluded_companies))
        self.excluded_employers = _PairTable(constraints.excluded_employers)
        self.doubtful = _PairTable(constraints.doubtful)
        tables = (self.excluded_names, self.excluded_employers, self.doubtful)
        employers: dict[str, int] = {}
        names: dict[str, int] = {}
        industries: dict[str, int] = {}
        self.mentors = _Side(mentors, employers, names, industries, tables)
        self.mentees = _Side(mentees, employers, names, industries, tables)

        languages = {k: i for i, k in enumerate(sorted(set().union(*self.mentors.languages)))}
        self.mentor_languages = _bitsets(self.mentors.languages, languages)
        self.mentee_languages = _bitsets(self.mentees.languages, languages)
        # Only topics that both sides mention can be shared; the rest (typed one-offs) need no bit.
        common = set().union(*self.mentors.topics) & set().union(*self.mentees.topics)
        topics = {k: i for i, k in enumerate(sorted(common))}
        self.mentor_topics = _bitsets(self.mentors.topics, topics)
        self.mentee_topics = _bitsets(self.mentees.topics, topics)

        self.blocked: dict[int, list[int]] = {}
        for mentor_id, mentee_id in sorted(constraints.forbidden | constraints.previous):
            m = self.mentors.index.get(mentor_id)
            e = self.mentees.index.get(mentee_id)
            if m is not None and e is not None:
                self.blocked.setdefault(e, []).append(m)

    def other_employer(self, rows: IntArray) -> BoolArray:
        m, e = self.mentors, self.mentees
        other: BoolArray = m.company[None, :] != e.company[rows, None]
        other &= m.name[None, :] != e.name[rows, None]
        return other

    def excluded(self, rows: IntArray) -> BoolArray:
        """Cells whose companies a coordinator excluded, by typed name or by employer."""
        m, e = self.mentors, self.mentees
        out = np.zeros((len(rows), len(m.people)), dtype=np.bool_)
        if self.excluded_names.active:
            out |= self.excluded_names.table[e.excluded_name[rows, None], m.excluded_name[None, :]]
        if self.excluded_employers.active:
            out |= self.excluded_employers.table[e.excluded[rows, None], m.excluded[None, :]]
        return out

    def block(self, rows: IntArray) -> tuple[FloatArray, BoolArray]:
        """Scores and feasibility of the mentees at ``rows`` x all mentors."""
        w = self.weights
        m, e = self.mentors, self.mentees

        feasible = self.other_employer(rows)
        feasible &= ~self.excluded(rows)
        if self.doubtful.active:
            feasible &= ~self.doubtful.table[e.doubtful[rows, None], m.doubtful[None, :]]
        feasible &= _any_common(self.mentee_languages[rows], self.mentor_languages)
        effective = _FORMAT_TABLE[m.format[None, :], e.format[rows, None]]
        if w.format_hard:
            feasible &= effective >= 0
        for k, r in enumerate(rows.tolist()):
            cols = self.blocked.get(r)
            if cols:
                feasible[k, cols] = False

        shared = _common_count(self.mentee_topics[rows], self.mentor_topics)
        wanted = e.topic_count[rows, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            topic_fit = np.where(wanted > 0, shared / np.maximum(wanted, 1.0), 0.5)
        score = w.topics * topic_fit

        ind_m, ind_e = m.industry[None, :], e.industry[rows, None]
        industry_fit = np.where((ind_m < 0) | (ind_e < 0), 0.5, np.where(ind_m != ind_e, 1.0, 0.0))
        score += w.industry * industry_fit
        score += w.seniority * _SENIORITY_TABLE[m.level[None, :], e.level[rows, None]]
        score += w.format * (effective >= 0)

        both_known = e.has_location[rows, None] & m.has_location[None, :]
        could_meet = (effective == 0) | (effective == 2)
        relevant = both_known & could_meet
        if w.max_distance_km > 0 and relevant.any():
            km = _haversine_matrix(e.lat[rows], e.lon[rows], m.lat, m.lon)
            near = relevant & (km <= w.max_distance_km)
            distance_fit = np.where(
                near, 1.0 - km / w.max_distance_km, np.where(relevant, 0.0, 0.5)
            )
            score += w.distance * distance_fit
            too_far = relevant & ~near & (effective == 0)
            score -= w.far_penalty * too_far
        else:
            score += w.distance * 0.5
        return score, feasible


def _any_common(a: WordArray, b: WordArray) -> BoolArray:
    out = np.zeros((a.shape[0], b.shape[0]), dtype=np.bool_)
    for word in range(a.shape[1]):
        out |= (a[:, word, None] & b[None, :, word]) != 0
    return out


def _common_count(a: WordArray, b: WordArray) -> FloatArray:
    out = np.zeros((a.shape[0], b.shape[0]), dtype=np.float64)
    for word in range(a.shape[1]):
        out += np.bitwise_count(a[:, word, None] & b[None, :, word])
    return out


def _haversine_matrix(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    with np.errstate(invalid="ignore"):
        h = (
            np.sin((lat2[None, :] - lat1[:, None]) / 2) ** 2
            + np.cos(lat1[:, None])
            * np.cos(lat2[None, :])
            * np.sin((lon2[None, :] - lon1[:, None]) / 2) ** 2
        )
        result: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def _blocks(rows: int, cols: int) -> Iterable[tuple[int, int]]:
    step = max(1, _BLOCK_CELLS // max(1, cols))
    for start in range(0, rows, step):
        yield start, min(rows, start + step)


# --- the round --------------------------------------------------------------------------------


@dataclass
class _Round:
    """What both algorithms share: sorted inputs, pins applied, capacities left."""

    mentors: list[Person]
    mentees: list[Person]
    constraints: Constraints
    weights: Weights
    prepared: _Prepared = field(init=False)
    pinned: dict[int, int] = field(default_factory=dict)  # mentee index -> mentor index
    free_capacity: IntArray = field(init=False)
    problems: list[Reason] = field(default_factory=list)

    def __post_init__(self) -> None:
        for side, people in (("mentor", self.mentors), ("mentee", self.mentees)):
            ids = [p.id for p in people]
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {side} ids")
        self.mentors = sorted(self.mentors, key=lambda p: p.id)
        self.mentees = sorted(self.mentees, key=lambda p: p.id)
        self.prepared = _Prepared(self.mentors, self.mentees, self.constraints, self.weights)
        self.free_capacity = np.array([max(0, p.capacity) for p in self.mentors], dtype=np.int64)
        self._apply_pins()

    def _apply_pins(self) -> None:
        mentor_index = self.prepared.mentors.index
        mentee_index = self.prepared.mentees.index
        for mentor_id, mentee_id in sorted(self.constraints.must):
            ids = (("mentor", str(mentor_id)), ("mentee", str(mentee_id)))
            m = mentor_index.get(mentor_id)
            e = mentee_index.get(mentee_id)
            if m is None or e is None:
                code = "pin_unknown_mentor" if m is None else "pin_unknown_mentee"
                self.problems.append(Reason(code, ids))
                continue
            mentor, mentee = self.mentors[m], self.mentees[e]
            names = (("mentor_name", mentor.name), ("mentee_name", mentee.name))
            if e in self.pinned:
                self.problems.append(Reason("pin_mentee_twice", ids + names))
                continue
            broken = _hard_violations(
                mentor, mentee, self.constraints, format_hard=self.weights.format_hard
            )
            if broken:
                rules = ", ".join(r.code for r in broken)
                self.problems.append(Reason("pin_rejected", (*ids, *names, ("rules", rules))))
                continue
            if self.free_capacity[m] <= 0:
                capacity = (("capacity", str(mentor.capacity)),)
                self.problems.append(Reason("pin_over_capacity", ids + names + capacity))
                continue
            self.pinned[e] = m
            self.free_capacity[m] -= 1

    def free_mentees(self) -> IntArray:
        return np.array(
            [i for i in range(len(self.mentees)) if i not in self.pinned], dtype=np.int64
        )

    def result(self, chosen: Mapping[int, int]) -> MatchResult:
        """Pairs with their reasons, and why every other mentee stayed alone."""
        pairs: list[Pair] = []
        for e, m in sorted({**chosen, **self.pinned}.items()):
            mentor, mentee = self.mentors[m], self.mentees[e]
            score, reasons = score_pair(mentor, mentee, self.weights)
            pairs.append(Pair(mentor.id, mentee.id, score, reasons, pinned=e in self.pinned))
        matched = set(chosen) | set(self.pinned)
        unmatched = [
            Unmatched(self.mentees[e].id, self._why_unmatched(e))
            for e in range(len(self.mentees))
            if e not in matched
        ]
        return MatchResult(
            pairs=tuple(pairs),
            unmatched=tuple(unmatched),
            total_score=float(sum(p.score for p in pairs)),
            problems=tuple(self.problems),
        )

    def _why_unmatched(self, e: int) -> tuple[Reason, ...]:
        """Apply the hard rules one after the other and name the one that removes the last mentor.

        The order (company, exclusions, language, format, coordinator decisions) goes from the
        facts a coordinator cannot change to the ones they can, so the reason points at what would
        have to change for this mentee.
        """
        p = self.prepared
        m_side, e_side = p.mentors, p.mentees
        if not self.mentors:
            return (Reason("no_mentors"),)
        mentee = self.mentees[e]
        left = p.other_employer(np.array([e], dtype=np.int64))[0]
        if not left.any():
            return (Reason("no_mentor_other_company", (("company", mentee.company.strip()),)),)
        before = int(left.sum())
        excluded = p.excluded(np.array([e], dtype=np.int64))[0]
        if not (left & ~excluded).any():
            names = sorted({self.mentors[i].company.strip() for i in np.flatnonzero(left)})
            return (
                Reason(
                    "only_excluded_companies",
                    (("companies", ", ".join(names)), ("mentors", str(before))),
                ),
            )
        left &= ~excluded
        before = int(left.sum())
        left &= _any_common(p.mentee_languages[e : e + 1], p.mentor_languages)[0]
        if not left.any():
            languages = ", ".join(sorted(mentee.languages)) or "-"
            return (
                Reason("no_shared_language", (("languages", languages), ("mentors", str(before)))),
            )
        if self.weights.format_hard:
            before = int(left.sum())
            left &= _FORMAT_TABLE[m_side.format, e_side.format[e]] >= 0
            if not left.any():
                fmt = _FORMAT_NAMES[int(e_side.format[e])]
                return (Reason("no_format_match", (("format", fmt), ("mentors", str(before)))),)
        if p.doubtful.active:
            before = int(left.sum())
            doubtful = p.doubtful.table[e_side.doubtful[e], m_side.doubtful]
            if not (left & ~doubtful).any():
                names = sorted({self.mentors[i].company.strip() for i in np.flatnonzero(left)})
                return (
                    Reason(
                        "only_doubtful_companies",
                        (("companies", ", ".join(names)), ("mentors", str(before))),
                    ),
                )
            left &= ~doubtful
        key_ids = [(self.mentors[i].id, mentee.id) for i in np.flatnonzero(left)]
        forbidden = sum(k in self.constraints.forbidden for k in key_ids)
        previous = sum(
            k in self.constraints.previous and k not in self.constraints.forbidden for k in key_ids
        )
        if forbidden + previous == len(key_ids):
            reasons = []
            if forbidden:
                reasons.append(Reason("only_forbidden", (("mentors", str(forbidden)),)))
            if previous:
                reasons.append(Reason("only_previous", (("mentors", str(previous)),)))
            return tuple(reasons)
        allowed = len(key_ids) - forbidden - previous
        return (Reason("all_taken", (("mentors", str(allowed)),)),)


# Above this many mentee x slot cells the exact dense solver gets slow (about 1 s at 2,000 x 2,000,
# 15 s at 5,000 x 5,000), so large rounds use certified column generation instead (see ``match``).
_DENSE_CELLS = 4_000_000
_CANDIDATES = 32
# Column generation: rounds before giving up for the dense solver, cells added per mentee whose
# row still holds an improving cell, and the numerical tolerances of the optimality proof (scores
# are about 0-100; a total can be off by at most the number of mentees times the tolerance). Both
# grow with the rounding unit of BIG for very large rounds.
_CERTIFY_ROUNDS = 30
_ADD_PER_ROW = 32
_SLACK = 1e-9
_TOLERANCE = 1e-7


def match(
    mentors: Sequence[Person],
    mentees: Sequence[Person],
    constraints: Constraints = Constraints(),
    weights: Weights = Weights(),
    *,
    exact: bool | None = None,
) -> MatchResult:
    """The proposal: as many tandems as the rules allow, and among those the best total score.

    Solved as an assignment problem over mentor slots (one column per unit of free capacity).
    Every allowed cell is worth ``BIG + score`` and every forbidden cell 0, with ``BIG`` larger
    than any difference of total scores, so one more tandem always beats any score gain; the
    cells worth 0 that the solver has to fill are dropped afterwards.

    ``exact=None`` solves the full matrix up to ``_DENSE_CELLS`` cells. Larger rounds start from
    a sparse graph (for every mentee its ``_CANDIDATES`` best mentors, for every mentor its best
    mentees), solve it exactly and prove the result optimal for the full matrix with LP dual
    prices, adding the cells the prices point at until the proof holds (column generation, see
    ``_solve_candidates``); the result is the same optimum as the dense solve. Should the proof
    not succeed within ``_CERTIFY_ROUNDS`` rounds, the full matrix is solved after all.
    ``exact=True`` always uses the full matrix.
    """
    state = _Round(list(mentors), list(mentees), constraints, weights)
    free = state.free_mentees()
    slot_mentor = np.repeat(np.arange(len(state.mentors), dtype=np.int64), state.free_capacity)
    if len(free) == 0 or len(slot_mentor) == 0:
        return state.result({})
    low, high = weights.score_bounds
    big = min(len(free), len(slot_mentor)) * (high - low) + abs(low) + abs(high) + 1.0
    if exact is False or (exact is None and len(free) * len(slot_mentor) > _DENSE_CELLS):
        chosen = _solve_candidates(state, free, big)
        if chosen is not None:
            return state.result(chosen)
    return state.result(_solve_dense(state, free, slot_mentor, big))


def _solve_dense(
    state: _Round, free: IntArray, slot_mentor: IntArray, big: float
) -> dict[int, int]:
    # Costs (the solver minimises): -(BIG + score) where allowed, 0 where not.
    cost = np.zeros((len(free), len(slot_mentor)), dtype=np.float64)
    for start, stop in _blocks(len(free), len(state.mentors)):
        score, feasible = state.prepared.block(free[start:stop])
        block = np.where(feasible, -(big + score), 0.0)
        cost[start:stop] = block[:, slot_mentor]

    # Rows and columns without any allowed cell only slow the solver down.
    allowed = cost < 0
    rows = np.flatnonzero(allowed.any(axis=1))
    cols = np.flatnonzero(allowed.any(axis=0))
    del allowed
    if len(rows) == 0:
        return {}
    if len(rows) < cost.shape[0] or len(cols) < cost.shape[1]:
        cost = cost[np.ix_(rows, cols)]
    # Imported here: scipy.optimize costs 1.5 s at start-up, and most processes never match.
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(cost)
    keep = cost[r, c] < 0
    return {
        int(free[rows[i]]): int(slot_mentor[cols[j]]) for i, j in zip(r[keep], c[keep], strict=True)
    }


def _solve_candidates(state: _Round, free: IntArray, big: float) -> dict[int, int] | None:
    """Optimal on the full matrix, proved by LP duality; None if that could not be shown.

    Column generation: solve the candidate graph exactly, derive dual prices that prove the
    solution optimal on that graph (``_duals``), then price every allowed cell of the full matrix
    against them. A cell worth more than its mentee's and its mentor's prices together could
    improve the solution, so such cells join the graph and it is solved again; when no cell is
    left, the prices certify that no assignment of the full matrix is better.
    """
    capacity = state.free_capacity
    n_free, n_mentors = len(free), len(state.mentors)
    scores = np.empty((n_free, n_mentors), dtype=np.float64)
    for start, stop in _blocks(n_free, n_mentors):
        score, feasible = state.prepared.block(free[start:stop])
        feasible &= (capacity > 0)[None, :]
        scores[start:stop] = np.where(feasible, score, -np.inf)
    usable = np.isfinite(scores)
    row_ok, col_ok = usable.any(axis=1), usable.any(axis=0)
    del usable
    # At least this many mentees stay alone in any assignment.
    spare = n_free - min(int(row_ok.sum()), int(capacity[col_ok].sum()))

    picked: list[IntArray] = []
    k = min(_CANDIDATES, n_mentors)
    for start, stop in _blocks(n_free, n_mentors):
        part = scores[start:stop]
        top = np.argpartition(-part, k - 1, axis=1)[:, :k] if k < n_mentors else None
        cols = top if top is not None else np.broadcast_to(np.arange(n_mentors), part.shape)
        rows = np.arange(start, stop)[:, None]
        picked.append((rows * n_mentors + cols).ravel())
    step = max(1, _BLOCK_CELLS // max(1, n_free))
    for start in range(0, n_mentors, step):
        stop = min(n_mentors, start + step)
        part = scores[:, start:stop]
        k_col = min(n_free, _CANDIDATES + int(capacity[start:stop].max(initial=0)))
        if k_col < n_free:
            top = np.argpartition(-part, k_col - 1, axis=0)[:k_col]
        else:
            top = np.broadcast_to(np.arange(n_free)[:, None], part.shape)
        picked.append((top * n_mentors + np.arange(start, stop)[None, :]).ravel())
    in_graph = np.zeros(n_free * n_mentors, dtype=np.bool_)
    for part_cells in picked:
        in_graph[part_cells] = True
    del picked
    in_graph &= np.isfinite(scores).ravel()

    slack = max(_SLACK, 8 * float(np.spacing(big)))
    tolerance = max(_TOLERANCE, 1024 * float(np.spacing(big)))
    duals: tuple[FloatArray, FloatArray] | None = None
    for _ in range(_CERTIFY_ROUNDS):
        e_idx, m_idx = np.divmod(np.flatnonzero(in_graph), n_mentors)
        weight = scores[e_idx, m_idx]
        assigned = _solve_sparse(e_idx, m_idx, weight, capacity, n_free, spare, big)
        # The cells only grow, so later optima leave at most as many mentees alone.
        spare = int((assigned < 0).sum())
        duals = _duals(e_idx, m_idx, weight + big, assigned, capacity, duals, slack)
        if duals is None:
            return None
        missing = _violations(scores, big, duals, tolerance)
        if len(missing) == 0:
            return {int(free[e]): int(assigned[e]) for e in np.flatnonzero(assigned >= 0)}
        if in_graph[missing].all():  # only rounding noise left to price: cannot prove it
            return None
        in_graph[missing] = True
    return None


def _solve_sparse(
    e_idx: IntArray, m_idx: IntArray, weight: FloatArray, capacity: IntArray, n_free: int,
    spare: int, big: float,
) -> IntArray:  # fmt: skip
    """The best assignment on the given cells: mentor index per free mentee, -1 if none."""
    # One column per slot; an edge to a mentor becomes an edge to each of their slots.
    first_slot = np.concatenate(([0], np.cumsum(capacity)))
    copies = capacity[m_idx]
    e_rep = np.repeat(e_idx, copies)
    offsets = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies)
    s_rep = np.repeat(first_slot[m_idx], copies) + offsets
    w_rep = np.repeat(weight, copies)
    n_slots = int(first_slot[-1])
    # Columns for staying alone make a full matching exist. At most ``spare`` mentees stay alone
    # in the optimum (if the cells allow as many tandems as the full matrix), so that many shared
    # columns open to every mentee suffice and keep the graph small; if the cells fall short (the
    # solver finds no full matching), every mentee gets a private column instead. Costs are
    # shifted by 2*BIG per row (every row is matched exactly once): big - score for a tandem,
    # 2*BIG for staying alone; all positive, so no edge is mistaken for a missing one.
    if spare * n_free <= len(e_rep):
        alone_rows = np.repeat(np.arange(n_free), spare)
        alone_cols = n_slots + np.tile(np.arange(spare), n_free)
        try:
            return _full_matching(
                (e_rep, s_rep, big - w_rep), (alone_rows, alone_cols, spare), n_free, capacity, big
            )
        except ValueError:
            pass
    alone = np.arange(n_free)
    return _full_matching(
        (e_rep, s_rep, big - w_rep), (alone, n_slots + alone, n_free), n_free, capacity, big
    )


def _full_matching(
    tandems: tuple[IntArray, IntArray, FloatArray],
    alone: tuple[IntArray, IntArray, int],
    n_free: int,
    capacity: IntArray,
    big: float,
) -> IntArray:
    """Mentor per mentee (-1: alone) of the cheapest full matching; ValueError if there is none.

    ``tandems`` are (mentee, slot, cost) edges, ``alone`` (mentee, column, count) edges to the
    ``count`` columns after the slots that stand for staying alone.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    rows, slots, cost = tandems
    alone_rows, alone_cols, n_alone = alone
    n_mentors = len(capacity)
    n_slots = int(capacity.sum())
    graph = csr_matrix(
        (
            np.concatenate((cost, np.full(len(alone_rows), 2 * big))),
            (np.concatenate((rows, alone_rows)), np.concatenate((slots, alone_cols))),
        ),
        shape=(n_free, n_slots + n_alone),
    )
    rows_matched, cols_matched = min_weight_full_bipartite_matching(graph)
    real = cols_matched < n_slots
    slot_owner = np.repeat(np.arange(n_mentors, dtype=np.int64), capacity)
    assigned = np.full(n_free, -1, dtype=np.int64)
    assigned[rows_matched[real]] = slot_owner[cols_matched[real]]
    return assigned


def _duals(
    e_idx: IntArray,
    m_idx: IntArray,
    value: FloatArray,
    assigned: IntArray,
    capacity: IntArray,
    start: tuple[FloatArray, FloatArray] | None,
    slack: float,
) -> tuple[FloatArray, FloatArray] | None:
    """Prices u >= 0 per mentee and v >= 0 per mentor that prove ``assigned`` optimal on the cells.

    The conditions (u_e + v_m >= value on every cell, with equality on the chosen ones; u_e = 0
    for a mentee left alone, v_m = 0 for a mentor with a free slot) are difference constraints
    on the potentials u_e, -v_m and 0 for a root node: an arc x -> y of length c stands for
    p(y) <= p(x) + c. Any fixed point of Bellman-Ford relaxation satisfies them all; it exists
    exactly when there is no negative cycle, i.e. when ``assigned`` is optimal, which the exact
    solver guarantees up to rounding (else None). ``start`` (the previous round's prices) only
    speeds it up.
    """
    n_free, n_mentors = len(assigned), len(capacity)
    root = n_free + n_mentors
    mentor_node = n_free + m_idx
    chosen = assigned[e_idx] == m_idx
    load = np.bincount(assigned[assigned >= 0], minlength=n_mentors)
    alone = np.flatnonzero(assigned < 0)
    has_room = np.flatnonzero(load < capacity)
    every_mentee = np.arange(n_free, dtype=np.int64)
    every_mentor = n_free + np.arange(n_mentors, dtype=np.int64)
    # Arcs into mentors, then arcs into mentees and the root: relaxed alternately.
    to_mentors = _Arcs(
        np.concatenate((e_idx, np.full(n_mentors, root))),
        np.concatenate((mentor_node, every_mentor)),
        # u_e + v_m >= value - slack on every cell; v_m >= 0
        np.concatenate((slack - value, np.zeros(n_mentors))),
    )
    to_mentees = _Arcs(
        np.concatenate(
            (mentor_node[chosen], np.full(len(alone), root), every_mentee, n_free + has_room)
        ),
        np.concatenate((e_idx[chosen], alone, np.full(n_free, root), np.full(len(has_room), root))),
        # u_e + v_m <= value where chosen; u_e <= 0 when alone; u_e >= 0; v_m <= 0 with room
        np.concatenate((value[chosen], np.zeros(len(alone) + n_free + len(has_room)))),
    )
    potential = np.zeros(root + 1, dtype=np.float64)
    if start is not None:
        potential[:n_free], potential[n_free:root] = start[0], -start[1]
    for _ in range(root + 2):
        changed = to_mentors.relax(potential)
        changed |= to_mentees.relax(potential)
        if not changed:
            potential -= potential[root]
            return potential[:n_free], -potential[n_free:root]
    return None  # a negative cycle


@dataclass
class _Arcs:
    """Arcs grouped by head, for vectorised relaxation p(head) <= p(tail) + length."""

    tails: IntArray
    heads: IntArray
    lengths: FloatArray

    def __post_init__(self) -> None:
        order = np.argsort(self.heads, kind="stable")
        self.tails, self.heads, self.lengths = (
            self.tails[order],
            self.heads[order],
            self.lengths[order],
        )
        first = np.ones(len(self.heads), dtype=np.bool_)
        first[1:] = self.heads[1:] != self.heads[:-1]
        self._starts = np.flatnonzero(first)
        self._targets = self.heads[self._starts]

    def relax(self, potential: FloatArray) -> bool:
        if len(self.tails) == 0:
            return False
        best = np.minimum.reduceat(potential[self.tails] + self.lengths, self._starts)
        better = best < potential[self._targets]
        if not better.any():
            return False
        potential[self._targets[better]] = best[better]
        return True


def _violations(
    scores: FloatArray, big: float, duals: tuple[FloatArray, FloatArray], tolerance: float
) -> IntArray:
    """Cells (flat indices) whose value exceeds their prices: the best few of each such mentee."""
    u, v = duals
    n_free, n_mentors = scores.shape
    found: list[IntArray] = []
    for start, stop in _blocks(n_free, n_mentors):
        reduced = scores[start:stop] + (big - u[start:stop, None]) - v[None, :]
        rows = np.flatnonzero((reduced > tolerance).any(axis=1))
        if len(rows) == 0:
            continue
        part = reduced[rows]
        k = min(_ADD_PER_ROW, n_mentors)
        top = np.argpartition(-part, k - 1, axis=1)[:, :k] if k < n_mentors else None
        cols = top if top is not None else np.broadcast_to(np.arange(n_mentors), part.shape)
        good = np.take_along_axis(part, cols, axis=1) > tolerance
        flat = (start + rows)[:, None] * n_mentors + cols
        found.append(flat[good])
    if not found:
        return np.empty(0, dtype=np.int64)
    return np.concatenate(found).astype(np.int64)


def greedy(
    mentors: Sequence[Person],
    mentees: Sequence[Person],
    constraints: Constraints = Constraints(),
    weights: Weights = Weights(),
) -> MatchResult:
    """The baseline a coordinator would do by hand: best remaining pair first.

    Kept to show what the optimisation buys (see bench/matching.py), not used by the bot.
    """
    state = _Round(list(mentors), list(mentees), constraints, weights)
    free = state.free_mentees()
    n_mentors = len(state.mentors)
    capacity = state.free_capacity.copy()
    if len(free) == 0 or capacity.sum() == 0:
        return state.result({})
    ranked = np.full((len(free), n_mentors), np.inf)
    for start, stop in _blocks(len(free), n_mentors):
        score, feasible = state.prepared.block(free[start:stop])
        ranked[start:stop] = np.where(feasible & (capacity > 0)[None, :], -score, np.inf)
    order = np.argsort(ranked, axis=None, kind="stable")
    flat = ranked.ravel()
    usable = int(np.searchsorted(flat[order], np.inf))
    del ranked, flat

    taken = np.zeros(len(free), dtype=np.bool_)
    chosen: dict[int, int] = {}
    left_to_place = min(len(free), int(capacity.sum()))
    chunk = 1 << 16
    for start in range(0, usable, chunk):
        cells = order[start : min(usable, start + chunk)]
        e_idx, m_idx = np.divmod(cells, n_mentors)
        # Most cells are dead by the time they come up; filter them in bulk, check the rest one
        # by one since taking a pair changes what is still possible within the chunk.
        alive = ~taken[e_idx] & (capacity[m_idx] > 0)
        for e, m in zip(e_idx[alive].tolist(), m_idx[alive].tolist(), strict=True):
            if taken[e] or capacity[m] <= 0:
                continue
            taken[e] = True
            capacity[m] -= 1
            chosen[int(free[e])] = m
            left_to_place -= 1
        if left_to_place == 0:
            break
    return state.result(chosen)
