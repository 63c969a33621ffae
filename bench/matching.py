"""Benchmark: the matching engine on random but realistic cohorts, optimum against greedy.

    python -m bench.matching [--sizes 18,500,5000] [--seed 1] [--repeat 3] [--exact] [--no-memory]

Each size N is a cohort of N mentors (capacity 1) and N mentees: ~40 companies in ~15
industries, the 12 default topics, German for everybody and English for some, mixed meeting
formats, locations for most people, a few excluded company pairs and earlier tandems. The engine
is pure Python + numpy/scipy, so no database or bot is involved.

Columns: ``path`` is how ``core.matching.match`` solved it (``dense``: the full matrix, below
the threshold; ``certified``: the candidate graph with its optimality certificate; ``fallback``:
the certificate failed and the full matrix was solved after all). ``seconds`` is the median of
``--repeat`` timed runs (time.perf_counter, without tracing); ``peak MB`` is the tracemalloc peak
of one more, traced run (numpy reports its buffers to tracemalloc, so every matrix is included).
With ``--exact`` the same is measured for ``match(..., exact=True)``, SciPy's dense
``linear_sum_assignment`` on the full mentee x slot matrix (``scipy s``, ``scipy peak MB``),
``time/scipy`` is the ratio of the medians and ``same optimum`` says whether both have the same
number of tandems and total score. The greedy columns are the best-remaining-pair-first baseline
(one run; ``--no-greedy`` skips it, it sorts the whole matrix). ``max RSS MB`` is the process's
resident peak so far (resource.getrusage), hence cumulative over the sizes, smallest first.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import numpy as np
import scipy

from bench.common import format_table
from core.companies import normalize_company
from core.matching import Constraints, MatchResult, Person, greedy, match, solver
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
class Timed:
    """One method on one cohort: median seconds over the runs, tracemalloc peak, the result."""

    seconds: float
    peak_mb: float
    result: MatchResult
    fell_back: bool = False

    @classmethod
    def measure(cls, solve: Callable[[], MatchResult], repeat: int, memory: bool) -> Timed:
        times = []
        fallbacks = 0
        original = solver._solve_dense

        def counted(*args: Any, **kwargs: Any) -> dict[int, int]:
            nonlocal fallbacks
            fallbacks += 1
            return original(*args, **kwargs)

        with patch.object(solver, "_solve_dense", counted):
            for _ in range(repeat):
                gc.collect()
                start = time.perf_counter()
                result = solve()
                times.append(time.perf_counter() - start)
        peak = float("nan")
        if memory:
            gc.collect()
            tracemalloc.start()
            traced = solve()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert traced == result, "match is not deterministic"
        return cls(statistics.median(times), peak, result, fallbacks > 0)


@dataclass(frozen=True)
class Row:
    mentees: int
    mentors: int
    engine: Timed
    path: str
    rss_mb: float
    scipy: Timed | None
    greedy: Timed | None

    def cells(self) -> list[str]:
        def mb(value: float) -> str:
            return "-" if np.isnan(value) else f"{value:.0f}"

        engine, dense, baseline = self.engine, self.scipy, self.greedy
        same = "-"
        if dense is not None:
            same = "yes" if (
                engine.result.matched == dense.result.matched
                and abs(engine.result.total_score - dense.result.total_score) < 1e-6
            ) else "NO"  # fmt: skip
        return [
            str(self.mentees),
            str(self.mentors),
            self.path,
            f"{engine.seconds:.3f}",
            mb(engine.peak_mb),
            str(engine.result.matched),
            f"{engine.result.total_score:.4f}",
            "-" if dense is None else f"{dense.seconds:.3f}",
            "-" if dense is None else mb(dense.peak_mb),
            "-" if dense is None else f"{engine.seconds / dense.seconds:.2f}",
            same,
            "-" if baseline is None else str(baseline.result.matched),
            "-" if baseline is None else f"{baseline.result.total_score:.1f}",
            f"{self.rss_mb:.0f}",
        ]


HEADERS = (
    "mentees", "mentors", "path", "seconds", "peak MB", "matched", "total score",
    "scipy s", "scipy peak MB", "time/scipy", "same optimum", "greedy matched", "greedy score",
    "max RSS MB",
)  # fmt: skip


def max_rss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def run(size: int, seed: int, repeat: int, memory: bool, dense: bool, with_greedy: bool) -> Row:
    mentors, mentees, constraints = cohort(size, seed)
    engine = Timed.measure(lambda: match(mentors, mentees, constraints), repeat, memory)
    if size * size <= solver._DENSE_CELLS:
        path = "dense"
    else:
        path = "fallback" if engine.fell_back else "certified"
    full = None
    if dense:
        full = Timed.measure(
            lambda: match(mentors, mentees, constraints, exact=True), repeat, memory
        )
    baseline = None
    if with_greedy:
        baseline = Timed.measure(lambda: greedy(mentors, mentees, constraints), 1, False)
    return Row(size, size, engine, path, max_rss_mb(), full, baseline)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="18,500,5000", help="comma-separated cohort sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per size (median)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--no-greedy", action="store_true", help="skip the greedy baseline")
    parser.add_argument(
        "--exact",
        action="store_true",
        help="also solve the full matrix with SciPy's dense linear_sum_assignment",
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"{os.cpu_count()} CPUs, seed {args.seed}, {args.repeat} timed runs per size (median)",
        flush=True,
    )
    # Imports (scipy.optimize, scipy.sparse) outside the timed runs.
    small = cohort(60, args.seed)
    match(*small, exact=True)
    with patch.object(solver, "_DENSE_CELLS", 0):
        match(*small)
    rows = []
    for size in sizes:
        row = run(size, args.seed, args.repeat, not args.no_memory, args.exact, not args.no_greedy)
        rows.append(row)
        print(f"  {size} x {size} done: " + "  ".join(row.cells()), file=sys.stderr, flush=True)
    print(format_table(HEADERS, [row.cells() for row in rows]))


if __name__ == "__main__":
    main()
