"""Both sides of a round as integer arrays and bitsets, and the per-cell helpers on them, which
``scoring._Prepared`` combines into scores of whole blocks of the mentee x mentor matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from core.companies import normalize_company
from core.matching.model import EARTH_RADIUS_KM, Person, employer_of
from core.matching.rules import (
    _format_code,
    _industry_key,
    _languages,
    _level,
    _topic_keys,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
WordArray = npt.NDArray[np.uint64]


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
        self.level_format = self.level * 3 + self.format
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
        self.cos_lat = np.cos(self.lat)
        self.half_sin = (np.sin(self.lat / 2), np.sin(self.lon / 2))
        self.half_cos = (np.cos(self.lat / 2), np.cos(self.lon / 2))
        self.index = {p.id: i for i, p in enumerate(people)}


def _any_common(a: WordArray, ia: IntArray, b: WordArray, ib: IntArray) -> BoolArray:
    """Whether the bitsets ``a[ia]`` and ``b[ib]`` (indices that broadcast) share a bit."""
    out: BoolArray = (a[ia, 0] & b[ib, 0]) != 0
    for word in range(1, a.shape[1]):
        out |= (a[ia, word] & b[ib, word]) != 0
    return out


def _common_count(a: WordArray, ia: IntArray, b: WordArray, ib: IntArray) -> npt.NDArray[Any]:
    """How many bits the bitsets share (small integers; floats only with several words)."""
    out: npt.NDArray[Any] = np.bitwise_count(a[ia, 0] & b[ib, 0])
    if a.shape[1] == 1:
        return out
    total: FloatArray = out.astype(np.float64)
    for word in range(1, a.shape[1]):
        total += np.bitwise_count(a[ia, word] & b[ib, word])
    return total


def _haversine(e: _Side, es: IntArray, m: _Side, ms: IntArray) -> FloatArray:
    """Great-circle distance in km, with the differences' half-angle sines taken apart
    (sin(x - y) = sin x cos y - cos x sin y) so that no sine is evaluated per cell."""
    lat = e.half_sin[0][es] * m.half_cos[0][ms] - e.half_cos[0][es] * m.half_sin[0][ms]
    lon = e.half_sin[1][es] * m.half_cos[1][ms] - e.half_cos[1][es] * m.half_sin[1][ms]
    with np.errstate(invalid="ignore"):
        h = lat * lat + (e.cos_lat[es] * m.cos_lat[ms]) * (lon * lon)
        result: FloatArray = (2 * EARTH_RADIUS_KM) * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return result
