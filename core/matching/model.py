"""What the engine takes and gives: people, the round's rules and weights, pairs with reasons."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from core.companies import normalize_company
from core.profile import MeetingFormat

# The ways of meeting (`core.profile.MeetingFormat`), as the plain strings `Person` carries.
IN_PERSON = MeetingFormat.IN_PERSON.value
ONLINE = MeetingFormat.ONLINE.value
BOTH = MeetingFormat.BOTH.value
EARTH_RADIUS_KM = 6371.0088


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
