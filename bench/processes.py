"""Benchmark: one, two and four bot processes on one PostgreSQL database.

    python -m bench.processes [--processes 1,2,4] [--users N] [--postgres-url URL]

Each process is the real Application with its own Bot API stand-in (a stand-in has one update
queue per bot, and Telegram hands a bot's updates to one receiver, so this stands for a load
balancer spreading webhook calls) and its own N users, who all register at once (13 updates each,
as `bench.registration`); all processes share one PostgreSQL database, its leadership lock
included. The processes start together at an agreed moment; the figure is all their updates over
the time from that moment until the last one finished. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence


async def _child(url: str, index: int, users: int, start_at: float) -> dict[str, float]:
    from bench.common import LatencyRecorder, bench_world
    from bench.registration import FIRST_USER_ID, profile_for, register_timed
    from tests.e2e.harness import create_program

    recorder = LatencyRecorder()
    async with bench_world(url) as world:
        # One bot's update ids are unique across the receivers; separate stand-ins would all
        # count from 1, and the shared redelivery check would drop the others' updates.
        world.api._next_update_id = 1 + index * 10_000_000
        # One coordinator (the same id everywhere) creates a program per process, one process
        # after the other: their dialogs share a row in the shared database.
        await asyncio.sleep(index * 2.5)
        code = await create_program(world.coordinator)
        await world.api.wait_idle()
        first = FIRST_USER_ID + index * 100_000
        people = [
            world.api.add_user(
                first + i, f"Person{i}", username=f"p{index}_{i}", language_code="de"
            )
            for i in range(users)
        ]
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu = time.process_time()
        async with asyncio.TaskGroup() as group:
            for i, person in enumerate(people):
                group.create_task(register_timed(person, code, profile_for(i), recorder))
        finished = time.time()
        cpu = time.process_time() - cpu
    summary = recorder.summary()
    return {
        "updates": len(recorder),
        "finished": finished,
        "cpu": cpu,
        "p50": summary.p50,
        "p95": summary.p95,
    }


def run(url: str, processes: int, users: int) -> dict[str, float]:
    # every process started and its program created by then
    start_at = time.time() + 12.0 + 2.5 * processes
    children = [
        subprocess.Popen(  # noqa: S603 - this Python, this module
            [
                sys.executable,
                "-m",
                "bench.processes",
                "--child",
                url,
                str(index),
                str(users),
                repr(start_at),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(processes)
    ]
    results = []
    for child in children:
        out, _ = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"a bot process failed ({child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    updates = sum(r["updates"] for r in results)
    seconds = max(r["finished"] for r in results) - start_at
    return {
        "processes": processes,
        "updates": updates,
        "seconds": seconds,
        "per_second": updates / seconds,
        "cpu_ms": 1000 * sum(r["cpu"] for r in results) / updates,
        "p50_ms": 1000 * max(r["p50"] for r in results),
        "p95_ms": 1000 * max(r["p95"] for r in results),
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        url, index, users, start_at = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
        print(json.dumps(asyncio.run(_child(url, index, users, start_at))), flush=True)
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.processes", description=__doc__)
    parser.add_argument("--processes", default="1,2,4", help="counts to run (default 1,2,4)")
    parser.add_argument("--users", type=int, default=40, help="registering users per process")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    from bench.common import format_table, fresh_database

    rows = []
    for count in [int(part) for part in args.processes.split(",")]:
        with fresh_database("postgres", args.postgres_url) as url:
            r = run(url, count, args.users)
        rows.append(
            [
                str(count),
                str(int(r["updates"])),
                f"{r['seconds']:.2f}",
                f"{r['per_second']:.1f}",
                f"{r['cpu_ms']:.1f}",
                f"{r['p50_ms']:.0f}",
                f"{r['p95_ms']:.0f}",
            ]
        )
        print(rows[-1], flush=True)
    print(f"\n{os.cpu_count()} CPUs, {args.users} registering users per process")
    headers = ("processes", "updates", "seconds", "updates/s", "CPU ms/update", "p50 ms", "p95 ms")
    print(format_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
