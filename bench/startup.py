"""Benchmark: start to first answer, and CPU per update, of Tandem beside a bare PTB echo bot.

    python -m bench.startup [--backend sqlite|postgres|both] [--updates N] [--repeat R] [--source]

Each measurement runs in a fresh Python process (so imports count), on a database migrated
beforehand (as `tandem-bot run` finds it): the clock starts just before the process is spawned
and stops when the first answer to a user's /help is visible at the Bot API stand-in, which runs
in the same process; "CPU s to it" is the process's CPU time up to then (steadier than the wall
time on a shared machine). Then N users (distinct, concurrent) each send /help, and the
process's CPU time per update is reported; the registration step's CPU per update comes from
`bench.registration` (13 updates per user). The checkout is byte-compiled first, as the
installed wheel is (`--source` measures without). Tandem's child imports the bot as
`tandem-bot run` does (the garbage collector paused, bot/collector.py). The echo bot is PTB's
Application with one MessageHandler that answers every text with the same text, on the same
stand-in. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

# Nothing of Tandem at the top: the echo bot's process must not import it.
BACKENDS = ("sqlite", "postgres")

FIRST_USER = 300_000
ECHO_TOKEN = "123456789:AAH-echo-bench-token_0123456789"


async def _child(kind: str, url: str, t0: float, updates: int) -> dict[str, Any]:
    async with _bot(kind, url) as api:
        ready = time.time() - t0
        users = [api.add_user(FIRST_USER + i, f"P{i}", language_code="de") for i in range(updates)]
        await users[0].send("/help")
        await users[0].next_message(30)
        first = time.time() - t0
        first_cpu = time.process_time()  # the process's CPU from its start to the answer
        cpu, wall = time.process_time(), time.perf_counter()

        async def one(user: Any) -> None:
            await user.send("/help")
            await user.next_message(60)

        await asyncio.gather(*(one(u) for u in users[1:]))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = updates - 1
    return {
        "ready_s": ready,
        "first_answer_s": first,
        "first_answer_cpu_s": first_cpu,
        "cpu_ms_per_update": cpu * 1000 / n,
        "updates_per_s": n / wall,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not the parent's from
    before the exec)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@asynccontextmanager
async def _bot(kind: str, url: str) -> AsyncIterator[Any]:
    """The stand-in with the bot polling it; yields the stand-in."""
    if kind == "tandem":
        from bot import collector

        with collector.paused():  # as `tandem-bot run` imports the bot (bot/cli.py)
            from bench.common import bench_world  # imports bot.app

        async with bench_world(url) as world:
            yield world.api
        return
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    from fake_bot_api import FakeBotApi

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    async with FakeBotApi(token=ECHO_TOKEN, bot_username="EchoBot") as api:
        app = Application.builder().token(api.token).base_url(api.base_url)
        built = app.concurrent_updates(64).build()
        built.add_handler(MessageHandler(filters.TEXT, echo))
        async with built:
            await built.start()
            assert built.updater is not None
            await built.updater.start_polling(poll_interval=0, timeout=1)
            try:
                yield api
            finally:
                await built.updater.stop()
                await built.stop()


PACKAGES = ("bot", "handlers", "core", "services", "storage", "fake_bot_api", "bench", "tests")


def byte_compile() -> None:
    """Every module of this checkout compiled to `__pycache__` first, as `pip install` does for
    the wheel in the Docker image: no row then pays for compiling source that a deployment never
    compiles (a checkout run with PYTHONDONTWRITEBYTECODE=1 would, at every start). The
    libraries in the virtualenv were compiled when pip installed them."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)


def measure(kind: str, url: str, updates: int) -> dict[str, Any]:
    t0 = time.time()
    done = subprocess.run(  # noqa: S603 - this Python, this module
        [sys.executable, "-m", "bench.startup", "--child", kind, url, repr(t0), str(updates)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def registration_cpu(url: str, backend: str, users: int) -> float:
    from bench.registration import run_registration

    outcome = asyncio.run(run_registration(url, backend, users=users, concurrency=64, timeout=60.0))
    if outcome.problems:
        raise RuntimeError("; ".join(outcome.problems))
    return outcome.result.cpu_ms_per_update


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        kind, url, t0, updates = argv[1], argv[2], float(argv[3]), int(argv[4])
        print(json.dumps(asyncio.run(_child(kind, url, t0, updates))), flush=True)
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--updates", type=int, default=200, help="/help updates (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="processes per row (median)")
    parser.add_argument("--users", type=int, default=20, help="registering users (default 20)")
    parser.add_argument(
        "--source", action="store_true", help="do not byte-compile first (see byte_compile)"
    )
    args = parser.parse_args(argv)
    if not args.source:
        byte_compile()
    from bench.common import format_table, fresh_database

    backends: tuple[Any, ...] = BACKENDS if args.backend == "both" else (args.backend,)
    rows: list[list[str]] = []
    for backend in backends:
        for kind in ("echo", "tandem"):
            runs = []
            for _ in range(args.repeat):
                with fresh_database(backend) as url:
                    runs.append(measure(kind, url, args.updates))
            registration = "-"
            if kind == "tandem":
                with fresh_database(backend) as url:
                    registration = f"{registration_cpu(url, backend, args.users):.1f}"

            def median(key: str, runs: list[dict[str, Any]] = runs) -> float:
                values = sorted(r[key] for r in runs)
                return float(values[len(values) // 2])

            rows.append(
                [
                    f"{kind} ({backend})",
                    f"{median('ready_s'):.2f}",
                    f"{median('first_answer_s'):.2f}",
                    f"{median('first_answer_cpu_s'):.2f}",
                    f"{median('peak_rss_mb'):.0f}",
                    f"{median('cpu_ms_per_update'):.1f}",
                    f"{median('updates_per_s'):.0f}",
                    registration,
                ]
            )
            print(rows[-1], flush=True)
    headers = (
        "bot", "polling s", "first answer s", "CPU s to it", "peak RSS MB", "CPU ms/help", "help/s",
        "CPU ms/registration step",
    )  # fmt: skip
    print()
    print(format_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
