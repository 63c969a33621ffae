"""Try the bot by hand: run the stand-in and chat with the bot from a terminal.

Start this, then start the bot with base_url pointing here (printed on startup). Lines you type
are sent as messages from a fake user; ``/press <button>`` presses an inline button.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from .models import BotMessage
from .server import DEFAULT_TOKEN, FakeBotApi
from .user import FakeUser

HELP = """\
Type a message and press Enter to send it as the user (e.g. /start).
  /press <text>   press an inline button (by its text or callback data)
  /buttons        show the buttons of the newest message with a keyboard
  /block, /unblock  block or unblock the bot
  /chat           show the whole chat
  /quit           stop
"""


def _render(message: BotMessage, prefix: str) -> str:
    lines = [f"{prefix} {line}" for line in (message.text or "").splitlines() or [""]]
    if message.document is not None:
        size = len(message.document.content)
        doc = message.document
        lines.insert(0, f"{prefix} [{doc.kind} {doc.filename}, {size} bytes]")
    for row in message.buttons:
        lines.append(f"{prefix}   " + "  ".join(f"[{b.text}]" for b in row))
    return "\n".join(lines)


async def _printer(api: FakeBotApi, user: FakeUser) -> None:
    seen_edits: dict[int, int] = {}
    seen_deleted: set[int] = set()
    shown_answers: set[str] = set()
    printed = 0
    while True:
        arrivals = api._arrivals.get(user.id, [])
        for message in arrivals[printed:]:
            print(_render(message, "bot>"), flush=True)
            seen_edits[message.message_id] = message.edits
        printed = len(arrivals)
        for message in arrivals:
            if message.edits != seen_edits.get(message.message_id, 0):
                seen_edits[message.message_id] = message.edits
                print(_render(message, f"bot (edited #{message.message_id})>"), flush=True)
            if message.deleted and message.message_id not in seen_deleted:
                seen_deleted.add(message.message_id)
                print(f"bot> (deleted message #{message.message_id})", flush=True)
        for query_id, (owner, answer) in list(api._open_queries.items()):
            if owner == user.id and answer is not None and query_id not in shown_answers:
                shown_answers.add(query_id)
                if answer.get("text"):
                    kind = "alert" if answer.get("show_alert") else "popup"
                    print(f"bot ({kind})> {answer['text']}", flush=True)
        await api.wait_change(timeout=1.0)


async def _handle_line(line: str, user: FakeUser) -> bool:
    if line in ("/quit", "/exit"):
        return False
    try:
        if line.startswith("/press "):
            await user.press(line[len("/press ") :].strip())
        elif line == "/buttons":
            with_keyboard = [m for m in user.chat if m.has_inline_keyboard]
            print(with_keyboard[-1].button_texts if with_keyboard else "(no buttons)")
        elif line == "/block":
            user.block()
        elif line == "/unblock":
            user.unblock()
        elif line == "/chat":
            print(user.dump())
        elif line == "/help":
            print(HELP)
        elif line:
            await user.send(line)
    except AssertionError as exc:
        print(f"! {exc}", flush=True)
    return True


async def run(args: argparse.Namespace) -> None:
    async with FakeBotApi(
        token=args.token,
        bot_username=args.bot_username,
        host=args.host,
        port=args.port,
        flood_control=args.flood_control,
    ) as api:
        user = api.add_user(
            args.user_id, args.first_name, username=args.username, language_code=args.language
        )
        print(f"Bot API stand-in listening; base_url={api.base_url} token={api.token}")
        print(f"base_file_url={api.base_file_url}")
        print(f"You are {user.first_name} (id {user.id}, language {user.language_code}).")
        print(HELP, flush=True)
        printer = asyncio.create_task(_printer(api, user))
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
                if not await _handle_line(line.strip(), user):
                    break
        finally:
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fake_bot_api", description="Run the Telegram Bot API stand-in."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="TandemTestBot")
    parser.add_argument("--user-id", type=int, default=1001)
    parser.add_argument("--first-name", default="Anna")
    parser.add_argument("--username", default="anna")
    parser.add_argument("--language", default="de")
    parser.add_argument("--flood-control", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
