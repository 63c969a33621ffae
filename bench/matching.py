"""Benchmark: the matching engine on random but realistic cohorts, optimum against greedy.

    python -m bench.matching [--sizes 18,500,5000] [--seed 1] [--no-memory]

Each size N is a cohort of N mentors (capacity 1) and N mentees: ~40 companies in ~15
industries, the 12 default topics, German for everybody and English for some, mixed meeting
formats, locations for most people, a few excluded company pairs and earlier tandems. The engine
is pure Python + numpy/scipy, so no database or bot is involved.

Columns: ``seconds`` is one timed run of ``core.matching.match`` (time.perf_counter, without
tracing); ``peak MB`` is the tracemalloc peak of a second, traced run (numpy reports its buffers
to tracemalloc, so the cost matrix is included); ``max RSS MB`` is the process' resident peak so
far (resource.getrusage), hence cumulative over the sizes, which run smallest first. The greedy
columns are the best-remaining-pair-first baseline on the same input. With ``--exact`` the
full-matrix solver (``match(..., exact=True)``) runs too, showing what the candidate graph used
above 4 M cells gives up; its RSS is included in ``max RSS MB``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy

from bench.common import format_table
from core.companies import normalize_company
from core.matching import Constraints, MatchResult, Person, greedy, match
from core.profile import DEFAULT_TOPICS

INDUSTRIES = (
    "Bahntechnik", "Bank", "Stahl", "Automobil", "Versicherung", "Wohnungswirtschaft", "IT",
    "Energie", "Logistik", "Gesundheit", "Öffentlicher Dienst", "Chemie", "Handel", "Bau",
    "Beratung",
)  # fmt: skip
REAL_COMPANIES = (
    "Alstom Transport Deutschland GmbH", "Braunschweigische Landessparkasse", "Salzgitter AG",
    "WIS GmbH", "Volkswagen AG", "MAN Energy Solutions SE", "Öffentliche Versicherung",
    "Stadt Salzgitter",
)  # fmt: skip
CITIES = (
    (52.15, 10.33), (52.27, 10.52), (52.42, 10.79), (52.37, 9.73), (52.16, 9.95),
    (51.54, 9.93), (52.52, 13.40), (53.55, 9.99),
)  # fmt: skip
MENTOR_POSITIONS = (
    "Geschäftsführer", "Vorstand", "Bereichsleiterin", "Head of Operations", "Abteilungsleiter",
    "Director Finance", "Werkleiter", "Abteilungsleiterin Personal", "Senior Consultant",
)  # fmt: skip
MENTEE_POSITIONS = (
    "Teamleiterin", "Teamleiter", "Gruppenleiter", "Projektleiterin", "Meister",
    "Team lead", "Sachbearbeiterin", "Referent", "Schichtleiter", "Nachwuchsführungskraft",
)  # fmt: skip


def cohort(size: int, seed: int) -> tuple[list[Person], list[Person], Constraints]:
    rng = random.Random(seed * 1_000_003 + size)
    companies = [*REAL_COMPANIES, *(f"Firma {i:02d} GmbH" for i in range(40 - len(REAL_COMPANIES)))]
    industry_of = {c: rng.choice(INDUSTRIES) for c in companies}
    rng.shuffle(companies)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(companies))]  # largest ~13 %

    def someone(pid: int, mentor: bool) -> Person:
        company = rng.choices(companies, weights)[0]
        extra = rng.random()
        languages = {"de"} if extra < 0.65 else {"de", "en"} if extra < 0.95 else {"en"}
        place = rng.choice(CITIES)
        return Person(
            id=pid,
            company=company,
            industry=industry_of[company],
            position=rng.choice(MENTOR_POSITIONS if mentor else MENTEE_POSITIONS),
            topics=frozenset(rng.sample(DEFAULT_TOPICS, rng.randint(2, 5))),
            meeting_format=rng.choices(("both", "in_person", "online"), (5, 3, 2))[0],
            languages=frozenset(languages),
            capacity=1,
            location=(
                (place[0] + rng.gauss(0, 0.1), place[1] + rng.gauss(0, 0.1))
                if rng.random() < 0.7
                else None
            ),
            name=f"{'Mentor' if mentor else 'Mentee'} {pid}",
        )

    mentors = [someone(1 + i, True) for i in range(size)]
    mentees = [someone(1_000_000 + i, False) for i in range(size)]
    keys = sorted({normalize_company(c) for c in companies})
    excluded = frozenset(frozenset(rng.sample(keys, 2)) for _ in range(3))
    previous = frozenset(
        (rng.choice(mentors).id, rng.choice(mentees).id) for _ in range(max(1, size // 100))
    )
    forbidden = frozenset(
        (rng.choice(mentors).id, rng.choice(mentees).id) for _ in range(max(1, size // 200))
    )
    return (
        mentors,
        mentees,
        Constraints(forbidden=forbidden, previous=previous, excluded_companies=excluded),
    )


@dataclass(frozen=True)
class Row:
    mentees: int
    mentors: int
    seconds: float
    peak_mb: float
    rss_mb: float
    result: MatchResult
    greedy: MatchResult
    greedy_seconds: float
    exact: MatchResult | None = None
    exact_seconds: float = float("nan")

    def cells(self) -> list[str]:
        return [
            str(self.mentees),
            str(self.mentors),
            f"{self.seconds:.3f}",
            "-" if np.isnan(self.peak_mb) else f"{self.peak_mb:.0f}",
            f"{self.rss_mb:.0f}",
            str(len(self.result.pairs)),
            f"{self.result.total_score:.1f}",
            f"{self.result.total_score / max(1, len(self.result.pairs)):.1f}",
            str(len(self.greedy.pairs)),
            f"{self.greedy.total_score:.1f}",
            f"{self.greedy_seconds:.3f}",
            "-" if self.exact is None else f"{self.exact.total_score:.1f}",
            "-" if self.exact is None else f"{self.exact_seconds:.3f}",
        ]


HEADERS = (
    "mentees", "mentors", "seconds", "peak MB", "max RSS MB", "matched", "total score",
    "avg score", "greedy matched", "greedy score", "greedy s", "exact score", "exact s",
)  # fmt: skip


def max_rss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def run(size: int, seed: int, memory: bool, exact: bool) -> Row:
    mentors, mentees, constraints = cohort(size, seed)
    start = time.perf_counter()
    result = match(mentors, mentees, constraints)
    seconds = time.perf_counter() - start
    peak = float("nan")
    if memory:
        tracemalloc.start()
        traced = match(mentors, mentees, constraints)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        assert traced == result, "match is not deterministic"
    start = time.perf_counter()
    baseline = greedy(mentors, mentees, constraints)
    greedy_seconds = time.perf_counter() - start
    full: MatchResult | None = None
    exact_seconds = float("nan")
    if exact:
        start = time.perf_counter()
        full = match(mentors, mentees, constraints, exact=True)
        exact_seconds = time.perf_counter() - start
    rss = max_rss_mb()
    return Row(
        size, size, seconds, peak, rss, result, baseline, greedy_seconds, full, exact_seconds
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="18,500,5000", help="comma-separated cohort sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument(
        "--exact", action="store_true", help="also solve the full matrix (slow above 2,000)"
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"{os.cpu_count()} CPUs, seed {args.seed}",
        flush=True,
    )
    rows = []
    for size in sizes:
        rows.append(run(size, args.seed, not args.no_memory, args.exact))
        print(f"  {size} x {size} done", file=sys.stderr, flush=True)
    print(format_table(HEADERS, [row.cells() for row in rows]))


if __name__ == "__main__":
    main()
