"""`tandem-bot`: run the bot, manage the database schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import collector, logs
from bot.settings import DatabaseSettings, Settings
from storage import migrate

log = logging.getLogger("tandem")


def _settings_error(exc: ValidationError) -> str:
    """Field names and reasons only: pydantic's own text would echo the (secret) input."""
    lines = ["Configuration error:"]
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            reason = "is required (set it in the environment or in a .env file)"
        lines.append(f"  {field}: {reason}")
    return "\n".join(lines)


def _load(cls: type[DatabaseSettings]) -> DatabaseSettings:
    try:
        return cls()
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        raise SystemExit(2) from None


UNREACHABLE = 4  # exit status when the database cannot be reached at start


def _unreachable(url: str, exc: BaseException) -> int:
    """One clear line, without a traceback and without the password in the URL."""
    where = make_url(url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", None) or exc)
    reason = text.splitlines()[0] if text else type(exc).__name__
    print(
        f"Cannot reach the database at {where}: {reason}\n"
        "Is it running, and are DATABASE_URL, the host and the credentials right?",
        file=sys.stderr,
    )
    return UNREACHABLE


DATABASE_DOWN = (OSError, TimeoutError, SQLAlchemyError)


def _run(args: argparse.Namespace) -> int:
    settings = _load(Settings)
    assert isinstance(settings, Settings)
    logs.configure(settings.log_level, settings.secrets)
    try:
        outdated = asyncio.run(migrate.pending(settings.database_url))
    except DATABASE_DOWN as exc:
        return _unreachable(settings.database_url, exc)
    if outdated:
        if args.no_migrate:
            print(
                "The database schema is not up to date. Run `tandem-bot db upgrade` first.",
                file=sys.stderr,
            )
            return 3
        log.info("applying database migrations")
        migrate.upgrade(settings.database_url)
    asyncio.run(_serve(settings))
    return 0


async def _serve(settings: Settings) -> None:
    with collector.paused():  # the import is most of a start's CPU (bot.collector)
        from bot.app import serve  # PTB and the handlers load only for `run`

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def _db(args: argparse.Namespace) -> int:
    settings = _load(DatabaseSettings)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _db_command(args, settings)
    except DATABASE_DOWN as exc:
        return _unreachable(settings.database_url, exc)


def _db_command(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    if args.db_command == "upgrade":
        migrate.upgrade(settings.database_url, args.revision)
    elif args.db_command == "downgrade":
        migrate.downgrade(settings.database_url, args.revision)
    elif args.db_command == "current":
        current = asyncio.run(migrate.current_revision(settings.database_url))
        head = migrate.head_revision(settings.database_url)
        print(f"current: {current or '(empty database)'}  head: {head}")
    elif args.db_command == "check":
        migrate.check(settings.database_url)
        print("models and migrations agree")
    return 0


DEMO_MISSING = 5  # exit status when the demo tooling is not there

DEMO_NEEDS = (
    "The demo is tooling that runs from a checkout of the Tandem repository (it is not in the "
    "installed package): clone the repository, then in its root run `scripts/run` without a "
    "token, or `pip install -e '.[fake]'` and `tandem-bot demo`."
)


def _demo(argv: list[str]) -> int:
    """The demo lives in the checkout (demo/, with fake_bot_api/), not in the wheel; with an
    editable install this package sits in that checkout, so the demo is found next to it."""
    root = Path(__file__).resolve().parents[1]
    if (root / "demo" / "__init__.py").is_file() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        from demo import main as demo_main
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        print(DEMO_NEEDS, file=sys.stderr)
        if missing.split(".")[0] not in ("demo", "fake_bot_api"):
            print(f"(missing: {missing}; `pip install -e '.[fake]'` installs it)", file=sys.stderr)
        return DEMO_MISSING
    return demo_main.main(argv)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="tandem-bot",
        description="Tandem: the Telegram assistant for cross-mentoring programs.",
        epilog="Configuration comes from the environment or a .env file; see README.md.",
    )
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="run the bot (long polling, or a webhook when TANDEM_WEBHOOK_URL is set)",
        description="Applies pending database migrations, then runs the bot until SIGINT/SIGTERM.",
    )
    run.add_argument(
        "--no-migrate",
        action="store_true",
        help="refuse to start on an outdated schema instead of migrating it",
    )
    run.set_defaults(handler=_run)
    demo = sub.add_parser(
        "demo",
        add_help=False,  # `tandem-bot demo --help` is the demo's own help
        help="try Tandem in a browser without Telegram (from a checkout; `demo --help`)",
    )
    demo.set_defaults(handler=lambda args: _demo([]))
    db = sub.add_parser("db", help="manage the database schema (Alembic)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations (default: up to the newest)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser("downgrade", help="revert migrations down to REVISION")
    down.add_argument("revision")
    db_sub.add_parser("current", help="show the schema revision of the database")
    db_sub.add_parser("check", help="fail if the models and the migrations disagree")
    db.set_defaults(handler=_db)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["demo"]:  # its options (and --help) belong to the demo
        return _demo(given[1:])
    args = parser().parse_args(given)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
