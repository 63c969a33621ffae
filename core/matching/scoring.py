"""How well a mentor fits a mentee: the soft score with its breakdown into reasons for one pair
(`score_pair`, what coordinators read), and the same score and the hard rules computed with numpy
over whole blocks of the mentee x mentor matrix (`_Prepared.block`, what the solver reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from core.matching.encoding import (
    BoolArray,
    FloatArray,
    IntArray,
    _any_common,
    _bitsets,
    _common_count,
    _haversine,
    _PairTable,
    _Side,
)
from core.matching.model import Constraints, Person, Reason, Weights
from core.matching.rules import (
    _FORMAT_NAMES,
    _FORMAT_TABLE,
    _SENIORITY_TABLE,
    _distance_fit,
    _effective_format,
    _excluded_keys,
    _format_params,
    _haversine_km,
    _industry_key,
    _level,
    _topic_keys,
)

# Numbers of mentee x mentor cells computed at once: big enough for numpy's per-call cost to vanish,
# small enough that the temporaries (1 MB each) stay in the CPU cache, which makes scoring about
# twice as fast as blocks of 2 M cells.
_BLOCK_CELLS = 1 << 17
# Distinct values of a mentee attribute up to which blocks read its lookups from precomputed rows
# over all mentors (``_Prepared._row_tables``; at most this many rows of 8 bytes per mentor).
_ROW_TABLES = 64


# --- one pair -------------------------------------------------------------------------------------


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
        n_mentors = len(mentors)
        self._blocked_keys = np.unique(
            np.array([e * n_mentors + m for e, ms in self.blocked.items() for m in ms], np.int64)
        )
        self._every_mentor = np.arange(n_mentors, dtype=np.int64)
        self._format_table = _FORMAT_TABLE.astype(np.int8)
        levels, formats = np.divmod(np.arange(3 * len(_SENIORITY_TABLE)), 3)
        self._level_format = weights.seniority * _SENIORITY_TABLE[levels[:, None], levels[None, :]]
        self._level_format += weights.format * (
            _FORMAT_TABLE[formats[:, None], formats[None, :]] >= 0
        )
        # Topics: shared count x factor + constant per mentee (0.5 x weight without wishes).
        wanted = self.mentees.topic_count
        self._topic_factor = np.where(wanted > 0, weights.topics / np.maximum(wanted, 1.0), 0.0)
        self._topic_constant = np.where(wanted > 0, 0.0, 0.5 * weights.topics)
        self._rows = self._row_tables()

    def _row_tables(self) -> dict[str, tuple[IntArray, npt.NDArray[Any]]]:
        """For blocks: each per-pair lookup that depends on a mentee attribute with few distinct
        values, precomputed as one row over all mentors per value, so that a block gathers whole
        rows instead of looking up every cell. The rows hold exactly what ``_score`` computes
        cell by cell, so blocks and single cells agree to the bit."""
        m, e = self.mentors, self.mentees
        every = self._every_mentor[None, :]
        lookups: dict[str, tuple[npt.NDArray[Any], Callable[[Any], npt.NDArray[Any]]]] = {
            "format": (e.format, lambda es: self._format_table[m.format[every], es[:, None]]),
            "level_format": (
                e.level_format,
                lambda es: self._level_format[m.level_format[every], es[:, None]],
            ),
            "industry": (
                e.industry,
                lambda es: _industry_points(m.industry[every], es[:, None], self.weights),
            ),
            "languages": (
                self.mentee_languages,
                lambda words: _any_common(
                    words, np.arange(len(words))[:, None], self.mentor_languages, every
                ),
            ),
        }
        if self.excluded_names.active or self.excluded_employers.active:
            codes = np.stack((e.excluded_name, e.excluded), axis=1)
            lookups["excluded"] = (
                codes,
                lambda c: self._excluded_codes(c[:, 0:1], c[:, 1:2], every),
            )
        if self.doubtful.active:
            lookups["doubtful"] = (
                e.doubtful,
                lambda es: self.doubtful.table[es[:, None], m.doubtful[every]],
            )
        tables: dict[str, tuple[IntArray, npt.NDArray[Any]]] = {}
        for name, (keys, build) in lookups.items():
            values, inverse = np.unique(keys, axis=0, return_inverse=True)
            if len(values) <= _ROW_TABLES:
                tables[name] = (inverse.ravel().astype(np.int64), build(values))
        return tables

    def other_employer(self, rows: IntArray) -> BoolArray:
        m, e = self.mentors, self.mentees
        other: BoolArray = m.company[None, :] != e.company[rows, None]
        other &= m.name[None, :] != e.name[rows, None]
        return other

    def excluded(self, rows: IntArray) -> BoolArray:
        """Cells whose companies a coordinator excluded, by typed name or by employer."""
        return self._excluded(rows[:, None], self._every_mentor[None, :])

    def _excluded(self, es: IntArray, ms: IntArray) -> BoolArray:
        return self._excluded_codes(self.mentees.excluded_name[es], self.mentees.excluded[es], ms)

    def _excluded_codes(self, name: IntArray, employer: IntArray, ms: IntArray) -> BoolArray:
        """Whether mentees with these excluded-pair codes may not meet mentors ``ms``."""
        m = self.mentors
        out = np.zeros(np.broadcast_shapes(name.shape, ms.shape), dtype=np.bool_)
        if self.excluded_names.active:
            out |= self.excluded_names.table[name, m.excluded_name[ms]]
        if self.excluded_employers.active:
            out |= self.excluded_employers.table[employer, m.excluded[ms]]
        return out

    def block(self, rows: IntArray) -> tuple[FloatArray, BoolArray]:
        """Scores and feasibility of the mentees at ``rows`` x all mentors."""
        score, feasible = self._score(rows[:, None], self._every_mentor[None, :], rows)
        for k, r in enumerate(rows.tolist()):
            cols = self.blocked.get(r)
            if cols:
                feasible[k, cols] = False
        return score, feasible

    def cells(self, es: IntArray, ms: IntArray) -> tuple[FloatArray, BoolArray]:
        """Scores and feasibility of single cells (mentee ``es[i]``, mentor ``ms[i]``)."""
        score, feasible = self._score(es, ms)
        if len(self._blocked_keys):
            feasible &= ~np.isin(es * len(self.mentors.people) + ms, self._blocked_keys)
        return score, feasible

    def _pair(self, name: str, rows: IntArray | None) -> npt.NDArray[Any] | None:
        """The block of a row table (see ``_row_tables``), None for single cells or without one."""
        if rows is None or name not in self._rows:
            return None
        inverse, table = self._rows[name]
        out: npt.NDArray[Any] = table[inverse[rows]]
        return out

    def _score(
        self, es: IntArray, ms: IntArray, rows: IntArray | None = None
    ) -> tuple[FloatArray, BoolArray]:
        """Scores and feasibility (without blocked pairs) of the cells ``es`` x ``ms``: mentee
        and mentor indices that broadcast, a column and a row for a block (then ``rows`` is the
        block's mentees, to read the row tables) or two flat arrays."""
        w = self.weights
        m, e = self.mentors, self.mentees

        feasible: BoolArray = m.company[ms] != e.company[es]
        feasible &= m.name[ms] != e.name[es]
        if self.excluded_names.active or self.excluded_employers.active:
            excluded = self._pair("excluded", rows)
            feasible &= ~(self._excluded(es, ms) if excluded is None else excluded)
        if self.doubtful.active:
            doubtful = self._pair("doubtful", rows)
            if doubtful is None:
                doubtful = self.doubtful.table[e.doubtful[es], m.doubtful[ms]]
            feasible &= ~doubtful
        common = self._pair("languages", rows)
        if common is None:
            common = _any_common(self.mentee_languages, es, self.mentor_languages, ms)
        feasible &= common
        effective = self._pair("format", rows)
        if effective is None:
            effective = self._format_table[m.format[ms], e.format[es]]
        if w.format_hard:
            feasible &= effective >= 0

        score: FloatArray = _common_count(self.mentee_topics, es, self.mentor_topics, ms)
        score = score * self._topic_factor[es]
        score += self._topic_constant[es]
        industry = self._pair("industry", rows)
        if industry is None:
            industry = _industry_points(m.industry[ms], e.industry[es], w)
        score += industry
        # Seniority and format together, from one small table over (level, format) pairs.
        level_format = self._pair("level_format", rows)
        if level_format is None:
            level_format = self._level_format[m.level_format[ms], e.level_format[es]]
        score += level_format

        score += w.distance * 0.5
        relevant = e.has_location[es] & m.has_location[ms]
        relevant &= (effective == 0) | (effective == 2)
        if w.max_distance_km > 0 and relevant.any():
            # Distances only where they count (about a third of the cells in real cohorts).
            shape = relevant.shape
            km = _haversine(
                e, np.broadcast_to(es, shape)[relevant], m, np.broadcast_to(ms, shape)[relevant]
            )
            near = km <= w.max_distance_km
            change = w.distance * np.where(near, 1.0 - km / w.max_distance_km, 0.0)
            change -= w.distance * 0.5
            far = ~near
            far &= effective[relevant] == 0
            change -= w.far_penalty * far
            score[relevant] += change
        return score, feasible


def _industry_points(ind_m: IntArray, ind_e: IntArray, w: Weights) -> FloatArray:
    unknown = (ind_m < 0) | (ind_e < 0)
    points: FloatArray = np.where(
        unknown, 0.5 * w.industry, np.where(ind_m != ind_e, w.industry, 0.0)
    )
    return points


def _blocks(rows: int, cols: int) -> Iterable[tuple[int, int]]:
    step = max(1, _BLOCK_CELLS // max(1, cols))
    for start in range(0, rows, step):
        yield start, min(rows, start + step)
