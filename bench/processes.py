"""Benchmark: one, two and four bot processes on one PostgreSQL database.

    python -m bench.processes [--processes 1,2,4] [--users N] [--postgres-url URL]

Each process is the real Application with its own Bot API stand-in (a stand-in has one update
queue per bot, and Telegram hands a bot's updates to one receiver, so this stands for a load
balancer spreading webhook calls) and its own N users, who all register at once (13 updates each,
as `bench.registration`); all processes share one PostgreSQL database, its leadership lock
included. The processes start together at an agreed moment; the figure is all their updates over
the time from that moment until the last one finished. See docs/performance.md.

    python -m bench.processes --broadcast 3000 [--processes 1,2,4] [--interactive 3]

With `--broadcast N`: a broadcast to N participants while `--interactive` people use the bot,
sent by one, two or four processes of one bot sharing one PostgreSQL database and one Bot API
stand-in that enforces Telegram's limits for the whole bot (30 messages a second, about one a
second per chat; more is answered 429). The processes receive updates by webhook through a
round-robin balancer, as a deployment of several processes would. Measured: seconds until the
coordinator's report, messages a second, ratio to the floor N / 30 s (and with the replies
counted), 429s, lost and duplicated announcements, which processes claimed deliveries, and the
reply time of /help meanwhile.
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


WEBHOOK_SECRET = "bench-processes-secret"


async def _broadcast_child(url: str, base_url: str, hook_url: str, port: int) -> None:
    """One bot process: the production Application with the production pacer, receiving
    updates by webhook; says when it is up, runs until its standard input closes."""
    from bot.app import build_application, running
    from bot.context import services
    from bot.ratelimit import RateLimiter
    from bot.settings import Settings
    from tests.e2e.harness import COORDINATOR_ID, TOKEN

    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        database_url=url,
        coordinators=frozenset({COORDINATOR_ID}),
        webhook_url=hook_url,
        webhook_secret=WEBHOOK_SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    app = build_application(settings, limiter=RateLimiter())
    async with running(app, settings):
        svc = services(app)
        print(json.dumps({"ready": True}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        assert svc.broadcaster is not None
        print(json.dumps({"leading": svc.leading, "worker": svc.broadcaster.worker_id}), flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _broadcast_run(
    url: str, processes: int, recipients: int, blocked: int, interactive: int, every: float
) -> dict[str, float | str]:
    """One broadcast sent by `processes` bot processes against one rate-limiting stand-in."""
    import itertools
    import tempfile
    from collections import Counter

    import aiohttp
    from aiohttp import web
    from sqlalchemy import select, text

    from bench.broadcast import FIRST_ID, INTERACTIVE_ID, SEEN, TEXT, _seed
    from bench.common import LatencyRecorder, timed_send
    from bot.leader import CHANNEL
    from core.clock import SystemClock
    from fake_bot_api import FakeBotApi
    from fake_bot_api.user import NoMessageError
    from storage.db import Database
    from storage.models import Delivery
    from tests.e2e.harness import COORDINATOR_ID, TOKEN
    from tests.seeding import seed_broadcast

    async with FakeBotApi(token=TOKEN, bot_username="TandemBenchBot", flood_control=True) as api:
        coordinator = api.add_user(COORDINATOR_ID, "Juliane", "Stockhammer", username="js")
        db = Database(url)
        now = SystemClock().now()
        program_id = await _seed(db, now, recipients)
        users = [api.add_user(i, f"P{i}") for i in range(FIRST_ID, FIRST_ID + recipients)]
        for user in users[:blocked]:
            user.block()
        people = [api.add_user(INTERACTIVE_ID + i, f"I{i}") for i in range(interactive)]

        # The balancer in front of the processes: each webhook call goes to the next one.
        ports = [_free_port() for _ in range(processes)]
        turn = itertools.cycle(ports)
        http = aiohttp.ClientSession()

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            target = f"http://127.0.0.1:{next(turn)}{request.path}"
            try:
                async with http.post(target, data=body, headers=headers) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientError:  # not up yet, or stopping: the stand-in retries
                return web.Response(status=502)

        balancer = web.Application()
        balancer.router.add_post("/telegram", forward)
        runner = web.AppRunner(balancer, access_log=None)
        await runner.setup()
        hook_port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", hook_port).start()
        hook_url = f"http://127.0.0.1:{hook_port}/telegram"

        children = []
        logs = []
        for port in ports:
            log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - read and closed below
            logs.append(log)
            children.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.processes",
                    "--broadcast-child",
                    url,
                    api.base_url,
                    hook_url,
                    str(port),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=log,
                )
            )
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(child.stdout.readline(), 120)
            if not line:
                raise RuntimeError("a bot process did not start")
        await asyncio.sleep(1.0)  # every process has campaigned for leadership once
        broadcast_id = await seed_broadcast(db, program_id, TEXT, now)
        calls_before = len(api.calls)
        during = LatencyRecorder()
        stop = asyncio.Event()

        unanswered = 0

        async def use_the_bot(person: int) -> None:
            nonlocal unanswered
            await asyncio.sleep(person * every / 3.7)
            while not stop.is_set():
                try:
                    await timed_send(people[person], "/help", during, "help", timeout=30)
                except NoMessageError:  # its reply was given up (or is very late)
                    unanswered += 1
                await asyncio.sleep(every)

        started = time.perf_counter()
        async with db.session() as session:  # as a follower's /broadcast asks the leader
            await session.execute(
                text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": f"b:{broadcast_id}"}
            )
        helpers = [asyncio.create_task(use_the_bot(i)) for i in range(interactive)]
        while not [m for m in coordinator.chat if "Ankündigung versendet" in m.text]:
            await api.wait_change(1.0)
        seconds = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*helpers)
        await api.wait_idle()
        answers = Counter(call.status for call in api.calls[calls_before:])
        floods = Counter(call.method for call in api.calls[calls_before:] if call.status == 429)
        async with db.session() as session:
            rows = (
                await session.execute(
                    select(Delivery.state, Delivery.claimed_by).where(
                        Delivery.broadcast_id == broadcast_id
                    )
                )
            ).all()
        states = Counter(str(state) for state, _ in rows)
        claimers = Counter(by for _, by in rows)
        lost = duplicated = 0
        for index, user in enumerate(users):
            copies = sum(1 for m in user.chat if m.text == SEEN)
            expected = 0 if index < blocked else 1
            lost += copies < expected
            duplicated += copies > expected
        leaders = []
        for child in children:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(b"stop\n")
            await child.stdin.drain()
            leaders.append(json.loads(await asyncio.wait_for(child.stdout.readline(), 60)))
            child.stdin.close()
        for child in children:
            await asyncio.wait_for(child.wait(), 60)
        errors = 0
        for log in logs:
            log.seek(0)
            errors += sum(1 for line in log if " ERROR " in line or "Traceback" in line)
            log.close()
        await http.close()
        await runner.cleanup()
        await db.dispose()
    leading = [r["worker"] for r in leaders if r["leading"]]
    summary = during.summary()
    sent = states.get("sent", 0)
    floor = recipients / 30
    return {
        "processes": processes,
        "seconds": seconds,
        "floor": floor,
        "ratio": seconds / floor,
        "with_replies": seconds / (floor * (recipients + len(during)) / recipients),
        "per_second": sent / seconds,
        "floods": answers.get(429, 0),
        "flooded": ", ".join(f"{m} {n}" for m, n in floods.items()) or "-",
        "sent": sent,
        "lost": lost,
        "duplicated": duplicated,
        "claimers": len(claimers),
        "by_leader": sum(n for by, n in claimers.items() if by in leading),
        "replies": len(during),
        "unanswered": unanswered,
        "p50_ms": 1000 * summary.p50,
        "p95_ms": 1000 * summary.p95,
        "errors": errors,
    }


def _broadcast_main(args: argparse.Namespace) -> int:
    from bench.common import format_table, fresh_database

    rows = []
    failed = False
    for count in [int(part) for part in args.processes.split(",")]:
        with fresh_database("postgres", args.postgres_url) as url:
            r = asyncio.run(
                _broadcast_run(
                    url, count, args.broadcast, args.blocked, args.interactive, args.every
                )
            )
        failed |= bool(r["lost"] or r["duplicated"] or r["errors"] or r["unanswered"])
        rows.append(
            [
                str(count),
                f"{r['seconds']:.1f}",
                f"{r['floor']:.1f}",
                f"{r['ratio']:.3f}",
                f"{r['with_replies']:.3f}",
                f"{r['per_second']:.1f}",
                str(r["floods"]),
                str(r["sent"]),
                str(r["lost"]),
                str(r["duplicated"]),
                f"{r['by_leader']}/{r['claimers']}",
                f"{r['p50_ms']:.0f}/{r['p95_ms']:.0f} (n={r['replies']})",
                str(r["unanswered"]),
                str(r["errors"]),
            ]
        )
        print(rows[-1], f"429s: {r['flooded']}", flush=True)
    print(
        f"\n{os.cpu_count()} CPUs, broadcast to {args.broadcast:,} ({args.blocked} blocked), "
        f"{args.interactive} people sending /help every {args.every:g} s meanwhile"
    )
    headers = (
        "processes",
        "seconds",
        "floor s",
        "ratio",
        "+replies",
        "msg/s",
        "429s",
        "sent",
        "lost",
        "twice",
        "leader's/senders",
        "/help p50/p95 ms",
        "no reply",
        "errors",
    )
    print(format_table(headers, rows))
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        url, index, users, start_at = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
        print(json.dumps(asyncio.run(_child(url, index, users, start_at))), flush=True)
        return 0
    if argv[:1] == ["--broadcast-child"]:
        asyncio.run(_broadcast_child(argv[1], argv[2], argv[3], int(argv[4])))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.processes", description=__doc__)
    parser.add_argument("--processes", default="1,2,4", help="counts to run (default 1,2,4)")
    parser.add_argument("--users", type=int, default=40, help="registering users per process")
    parser.add_argument("--broadcast", type=int, default=0, help="recipients: a broadcast run")
    parser.add_argument("--blocked", type=int, default=20, help="recipients who blocked the bot")
    parser.add_argument("--interactive", type=int, default=3, help="people using the bot meanwhile")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between their /help")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    if args.broadcast:
        return _broadcast_main(args)
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
