"""Benchmark: N users register at the same time through the real Application.

    python -m bench.registration [--users N] [--backend sqlite|postgres|both] [--concurrency C]

A coordinator creates a program first (not timed). Then every simulated user walks the whole
registration at once with the others: deep link /start -> consent -> role -> name -> company ->
industry -> position -> two topics -> "done" -> goals -> format -> submit, i.e. 13 updates each.
Each action is timed until the bot's answer the user acts on next is visible (the next prompt; for
a topic toggle, the edited keyboard). Afterwards every user must have exactly one `participants`
row, no dialog may be left over and the coordinator must have one notification per user;
otherwise the run fails.

The Bot API stand-in runs in the same process and event loop as the bot (like the end-to-end
tests), so its cost is part of every number. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bench.common import (
    BACKENDS,
    DEFAULT_CONCURRENCY,
    Backend,
    LatencyRecorder,
    LogCapture,
    RunResult,
    Stopwatch,
    bench_world,
    capture_logs,
    failed_calls,
    fresh_database,
    maybe_profile,
    results_table,
    steps_table,
    timed_press,
    timed_send,
)
from fake_bot_api import FakeUser
from storage.db import Database
from storage.models import Dialog, Participant
from tests.e2e.harness import (
    ADDRESS_LABEL,
    CONSENT,
    FORMAT_LABEL,
    ROLE_LABEL,
    SUBMIT,
    Profile,
    create_program,
    expect,
)

FIRST_USER_ID = 200_000
COMPANIES = ("Alstom", "Salzgitter AG", "Volkswagen Financial Services", "Stadt Braunschweig")
FORMATS = ("in_person", "online", "both")
NEW_REGISTRATION = "Neue Anmeldung"  # the coordinator's notification (German catalog)


def profile_for(index: int) -> Profile:
    """A plausible, distinct profile per simulated user."""
    return Profile(
        role="mentor" if index % 2 == 0 else "mentee",
        name=f"Person {index:04d}",
        company=COMPANIES[index % len(COMPANIES)],
        industry="Industrie",
        position="Teamleitung",
        goals=f"Ziele von Person {index:04d}: voneinander lernen.",
        meeting_format=FORMATS[index % len(FORMATS)],
    )


async def register_timed(
    user: FakeUser,
    code: str,
    profile: Profile,
    recorder: LatencyRecorder,
    *,
    language: str = "de",
    timeout: float = 60.0,
) -> None:
    """The harness's `register` flow, with every update timed (labels name the step)."""
    privacy = await timed_send(user, f"/start {code}", recorder, "start", timeout=timeout)
    # consent: edit of the notice, welcome, role prompt -> wait for the prompt
    role = await timed_press(
        user, CONSENT[language], privacy, recorder, "consent", replies=2, timeout=timeout
    )
    prompt = await timed_press(
        user, ROLE_LABEL[language][profile.role], role, recorder, "role", timeout=timeout
    )
    for label, value in (
        ("name", profile.name),
        ("company", profile.company),
        ("industry", profile.industry),
        ("position", profile.position),
    ):
        prompt = await timed_send(user, value, recorder, label, timeout=timeout)
    topics = prompt
    for topic in profile.topics:
        await timed_press(user, topic, topics, recorder, "topic", replies=0, timeout=timeout)
    await timed_press(user, "rg:td", topics, recorder, "topics_done", timeout=timeout)
    fmt = await timed_send(user, profile.goals, recorder, "goals", timeout=timeout)
    address = await timed_press(
        user,
        FORMAT_LABEL[language][profile.meeting_format],
        fmt,
        recorder,
        "format",
        timeout=timeout,
    )
    summary = await timed_press(
        user,
        ADDRESS_LABEL[language][profile.form_of_address],
        address,
        recorder,
        "form_of_address",
        timeout=timeout,
    )
    expect(summary, profile.name, profile.company)
    done = await timed_press(user, SUBMIT[language], summary, recorder, "submit", timeout=timeout)
    expect(done, "Vielen Dank" if language == "de" else "Thank you")


async def check_participants(database_url: str, user_ids: Sequence[int]) -> list[str]:
    """Every user has exactly one participants row, nothing else is there, no dialog is left."""
    problems: list[str] = []
    db = Database(database_url)
    try:
        async with db.session() as session:
            rows = (
                await session.execute(
                    select(Participant.user_id, func.count()).group_by(Participant.user_id)
                )
            ).all()
            dialogs_left = await session.scalar(select(func.count()).select_from(Dialog))
    finally:
        await db.dispose()
    counts = {int(user_id): int(n) for user_id, n in rows}
    expected = set(user_ids)
    missing = sorted(expected - counts.keys())
    extra = sorted(counts.keys() - expected)
    doubles = sorted(uid for uid, n in counts.items() if n != 1)
    if missing:
        problems.append(f"{len(missing)} users have no participants row: {missing[:10]}")
    if doubles:
        problems.append(f"{len(doubles)} users have more than one row: {doubles[:10]}")
    if extra:
        problems.append(f"participants rows of unknown users: {extra[:10]}")
    if dialogs_left:
        problems.append(f"{dialogs_left} dialogs rows left after all registrations")
    return problems


@dataclass
class Outcome:
    result: RunResult
    recorder: LatencyRecorder
    problems: list[str] = field(default_factory=list)
    failed_calls: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)


async def run_registration(
    database_url: str,
    backend: str,
    *,
    users: int,
    concurrency: int,
    timeout: float,
    flood_control: bool = False,
    profile: bool = False,
) -> Outcome:
    recorder = LatencyRecorder()
    reports: list[str] = []
    async with bench_world(
        database_url, max_concurrent_updates=concurrency, flood_control=flood_control
    ) as world:
        code = await create_program(world.coordinator)
        await world.api.wait_idle()
        people = [
            world.api.add_user(
                FIRST_USER_ID + i, f"Person{i}", username=f"p{i}", language_code="de"
            )
            for i in range(users)
        ]
        watch = Stopwatch()
        with maybe_profile(profile, reports), watch.running():
            async with asyncio.TaskGroup() as group:
                for index, person in enumerate(people):
                    group.create_task(
                        register_timed(person, code, profile_for(index), recorder, timeout=timeout)
                    )
        await world.api.wait_idle(timeout=max(timeout, 30.0))
        notifications = [m for m in world.coordinator.chat if NEW_REGISTRATION in m.text]
        refused = failed_calls(world.api)
    problems = await check_participants(database_url, [p.id for p in people])
    if len(notifications) != users:
        problems.append(
            f"the coordinator got {len(notifications)} registration notices, expected {users}"
        )
    result = RunResult(
        backend, users, len(recorder), watch.wall, recorder.summary(), cpu_seconds=watch.cpu
    )
    return Outcome(result, recorder, problems, refused, reports)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.registration",
        description="N users register at once through the real bot and the Bot API stand-in.",
    )
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument(
        "--backend", choices=[*BACKENDS, "both"], default="both", help="database (default both)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="the bot's max_concurrent_updates: updates handled at once across users "
        f"(default {DEFAULT_CONCURRENCY}, as in production)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a user waits for each answer"
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="PostgreSQL server to create the scratch database on (default: BENCH_DATABASE_URL, "
        "TEST_DATABASE_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per backend, each on a fresh database"
    )
    parser.add_argument("--steps", action="store_true", help="also print latency per step")
    parser.add_argument(
        "--flood-control", action="store_true", help="enable the stand-in's Telegram flood limits"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the timed phase and print the top"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.concurrency < 1 or args.repeat < 1:
        parser.error("--users, --concurrency and --repeat must be at least 1")
    return args


@contextmanager
def _report_logs_on_failure(logs: LogCapture, backend: str) -> Iterator[None]:
    """A user that got stuck raises out of the run; show what the bot logged before that."""
    try:
        yield
    except BaseException:
        if logs.records:
            print(f"[{backend}] the run failed; the bot logged:", file=sys.stderr)
            print(logs.report(), file=sys.stderr, flush=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    backends: tuple[Backend, ...] = BACKENDS if args.backend == "both" else (args.backend,)
    print(
        f"registration benchmark: {args.users} users, concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
        flush=True,
    )
    outcomes: list[Outcome] = []
    failed = False
    for backend in [b for b in backends for _ in range(args.repeat)]:
        with (
            fresh_database(backend, args.postgres_url) as url,
            capture_logs() as logs,
            _report_logs_on_failure(logs, backend),
        ):
            outcome = asyncio.run(
                run_registration(
                    url,
                    backend,
                    users=args.users,
                    concurrency=args.concurrency,
                    timeout=args.timeout,
                    flood_control=args.flood_control,
                    profile=args.profile,
                )
            )
        outcomes.append(outcome)
        done = outcome.result
        print(
            f"\n[{backend}] {done.updates} updates in {done.seconds:.2f}s; process CPU "
            f"{done.cpu_seconds:.2f}s = {done.cpu_ms_per_update:.1f} ms per update",
            flush=True,
        )
        if args.steps:
            print(steps_table(outcome.recorder))
        for report in outcome.profile:
            print(report)
        if logs.records:
            print(f"bot log: {len(logs.records)} warnings/errors ({len(logs.errors)} errors)")
            print(logs.report())
        if outcome.failed_calls:
            print(f"Bot API calls refused by the stand-in: {len(outcome.failed_calls)}")
            for line in sorted(set(outcome.failed_calls))[:10]:
                print(f"  {line}")
        if outcome.problems:
            failed = True
            print(f"FAILED on {backend}:", file=sys.stderr)
            for problem in outcome.problems:
                print(f"  {problem}", file=sys.stderr)
        if logs.errors or outcome.failed_calls:
            failed = True
    print()
    print(results_table([o.result for o in outcomes]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
