"""A round as the solvers see it: sorted inputs, pins applied, capacities left; and the result
with the reasons for every pair and for every mentee who stayed alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.matching.encoding import BoolArray, IntArray, _any_common
from core.matching.model import Constraints, MatchResult, Pair, Person, Reason, Unmatched, Weights
from core.matching.rules import _FORMAT_NAMES, _FORMAT_TABLE, _hard_violations
from core.matching.scoring import _Prepared, score_pair


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
            return (Reason("only_excluded_companies", self._companies_left(left, before)),)
        left &= ~excluded
        before = int(left.sum())
        one = np.array([e], dtype=np.int64)
        left &= _any_common(p.mentee_languages, one, p.mentor_languages, p._every_mentor)
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
                return (Reason("only_doubtful_companies", self._companies_left(left, before)),)
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

    def _companies_left(self, left: BoolArray, before: int) -> tuple[tuple[str, str], ...]:
        """When every mentor still left works for a company a rule removes, the reason names
        those companies (so the coordinator sees which decision to revisit) and how many
        mentors they are."""
        names = sorted({self.mentors[i].company.strip() for i in np.flatnonzero(left)})
        return (("companies", ", ".join(names)), ("mentors", str(before)))
