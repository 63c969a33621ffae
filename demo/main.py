"""`tandem-bot demo` / `python -m demo`: start everything and serve the page until Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import tempfile
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from demo.web import serve
from demo.world import Demo


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="tandem-bot demo",
        description="Try Tandem in a browser without Telegram: a local Bot API stand-in, the "
        "real bot on a fresh SQLite file, a seeded cohort and a Telegram-like page.",
    )
    add_arguments(root)
    return root


def add_arguments(root: argparse.ArgumentParser) -> None:
    root.add_argument("--port", type=int, default=8080, help="port of the page (default 8080)")
    root.add_argument(
        "--host",
        default="127.0.0.1",
        help="address of the page (default 127.0.0.1: only this computer can open it)",
    )
    root.add_argument(
        "--no-seed", action="store_true", help="start empty, without the seeded cohort"
    )
    root.add_argument(
        "--database",
        type=Path,
        help="SQLite file (replaced at every start; default: a temporary file)",
    )
    root.add_argument("--open", action="store_true", help="open the page in the web browser")


async def _run(args: argparse.Namespace, database: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Demo(database, seed=not args.no_seed) as demo:
        runner = await serve(demo, args.host, args.port)
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
        url = f"http://{host}:{args.port}/"
        print(f"Tandem demo: open {url} in your browser (Ctrl+C stops it).", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"Warning: the page listens on {args.host}; everybody who can reach it can act "
                "as every person of the demo.",
                flush=True,
            )
        if args.open:
            webbrowser.open(url)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.database is not None:
        asyncio.run(_run(args, args.database))
        return 0
    with tempfile.TemporaryDirectory(prefix="tandem-demo-") as folder:
        asyncio.run(_run(args, Path(folder) / "demo.sqlite3"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(parser().parse_args(argv))
