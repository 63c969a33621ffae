"""The demo's web page and its small JSON API (aiohttp, loopback only by default).

The page (static/index.html, rendered here with the people list) is plain HTML with a little
JavaScript: it lists the people, shows one chat at a time like Telegram, and refreshes when
`/api/events` (server-sent events) says something changed. Bot messages go out as the text and
entities the stand-in parsed from the bot's HTML, so the page builds the formatting from DOM
nodes and never puts anybody's text into innerHTML.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from demo.world import BOT_USERNAME, Demo, Entry, Person

STATIC = Path(__file__).resolve().parent / "static"
STEPS = {"day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1), "month": dt.timedelta(days=30)}
ROLES = {"coordinator": "Programmleitung", "mentor": "Mentor", "mentee": "Mentee", "new": "Neu"}


def role_label(person: Person) -> str:
    """As the bot writes about people (no gender star): "Mentorin" for a woman."""
    if person.role == "mentor" and person.form_of_address == "f":
        return "Mentorin"
    return ROLES.get(person.role, person.role)


MAX_TEXT = 4096
MAX_NAME = 64
HEARTBEAT = 15.0
DEMO_KEY: web.AppKey[Demo] = web.AppKey("demo", Demo)
HOSTS_KEY: web.AppKey[tuple[str, ...] | None] = web.AppKey("hosts")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.user.id,
        "name": person.name,
        "role": person.role,
        "role_label": role_label(person),
        "language": person.user.language_code or "de",
        "messages": len(person.entries),
    }


def entry_json(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {"seq": entry.seq, "time": entry.at.isoformat()}
    if entry.typed is not None:
        return {**data, "from": "user", "text": entry.typed}
    message = entry.bot
    assert message is not None
    data.update(
        {
            "from": "bot",
            "id": message.message_id,
            "text": message.text,
            "entities": message.entities,
            "edits": message.edits,
            "deleted": message.deleted,
            "buttons": [
                [{"text": b.text, "data": b.callback_data, "url": b.url} for b in row]
                for row in message.buttons
            ],
        }
    )
    if message.document is not None:
        doc = message.document
        data["document"] = {
            "file_id": doc.file_id,
            "name": doc.filename,
            "size": len(doc.content),
            "mime": doc.mime_type or _guess(doc.filename),
        }
    return data


def _guess(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def state_json(demo: Demo) -> dict[str, Any]:
    return {
        "version": demo.version,
        "now": demo.clock.now().isoformat(),
        "offset_days": demo.clock.offset.total_seconds() / 86400,
        "bot": BOT_USERNAME,
        "invite_code": demo.seeded.invite_code if demo.seeded else None,
        "people": [person_json(p) for p in demo.people.values()],
    }


async def _body(request: web.Request) -> dict[str, Any]:
    """JSON only: a cross-site form cannot send it without the browser asking first (CORS),
    so another web page cannot drive the demo."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="JSON expected")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="invalid JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


def _person(request: web.Request) -> Person:
    demo = request.app[DEMO_KEY]
    try:
        return demo.person(int(request.match_info["user_id"]))
    except (KeyError, ValueError):
        raise web.HTTPNotFound(text="no such person") from None


async def index(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    items = "\n".join(
        f'<li><button class="person" data-id="{p.user.id}" data-role="{html.escape(p.role)}">'
        f'<span class="avatar">{html.escape(p.name[:1])}</span>'
        f'<span class="who"><span class="name">{html.escape(p.name)}</span>'
        f'<span class="role">{html.escape(role_label(p))}</span></span>'
        "</button></li>"
        for p in demo.people.values()
    )
    page = page.replace("<!--PEOPLE-->", items)
    return web.Response(text=page, content_type="text/html", charset="utf-8")


async def state(request: web.Request) -> web.Response:
    return web.json_response(state_json(request.app[DEMO_KEY]))


async def chat(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    person = _person(request)
    return web.json_response(
        {
            "person": person_json(person),
            "entries": [entry_json(e) for e in demo.chat(person.user.id)],
            "commands": demo.commands(person.user.id),
            "version": demo.version,
        }
    )


async def send(request: web.Request) -> web.Response:
    person = _person(request)
    text = str((await _body(request)).get("text", "")).strip()
    if not text or len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=f"a message of 1 to {MAX_TEXT} characters")
    await request.app[DEMO_KEY].send(person.user.id, text)
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    person = _person(request)
    body = await _body(request)
    try:
        message_id, data = int(body["message_id"]), str(body["data"])
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(text="message_id and data expected") from None
    try:
        answer = await request.app[DEMO_KEY].press(person.user.id, message_id, data)
    except LookupError:
        raise web.HTTPNotFound(text="no such message") from None
    except AssertionError:  # the button is not on the message (any more)
        raise web.HTTPConflict(text="this button is gone") from None
    return web.json_response({"ok": True, "answer": answer})


async def add_person(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    body = await _body(request)
    name = " ".join(str(body.get("name", "")).split())[:MAX_NAME]
    language = body.get("language", "de")
    if not name or language not in ("de", "en"):
        raise web.HTTPBadRequest(text="a name and the language de or en expected")
    person = demo.add_person(name, language=language)
    if body.get("invite") and demo.seeded is not None:
        # What tapping the program's invitation link does in Telegram.
        await demo.send(person.user.id, f"/start {demo.seeded.invite_code}")
    return web.json_response(person_json(person))


async def forward(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    step = STEPS.get(str((await _body(request)).get("step", "")))
    if step is None:
        raise web.HTTPBadRequest(text=f"step is one of {', '.join(STEPS)}")
    await demo.forward(step)
    return web.json_response(state_json(demo))


async def document(request: web.Request) -> web.Response:
    doc = request.app[DEMO_KEY].document(request.match_info["file_id"])
    if doc is None:
        raise web.HTTPNotFound(text="no such file")
    mime = doc.mime_type or _guess(doc.filename)
    inline = request.query.get("open") == "1" and mime in ("application/pdf", "image/png")
    disposition = "inline" if inline else "attachment"
    plain = doc.filename.encode("ascii", "replace").decode().replace('"', "").replace("\\", "")
    return web.Response(
        body=doc.content,
        content_type=mime,
        headers={
            "Content-Disposition": (
                f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(doc.filename)}"
            )
        },
    )


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `version` whenever something changed (a message, an edit, a new
    person, the clock), and a comment every few seconds to keep the connection open."""
    demo = request.app[DEMO_KEY]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    seen = -1
    try:
        while True:
            version = await demo.changes(seen, HEARTBEAT)
            if version != seen:
                seen = version
                await response.write(f"event: version\ndata: {version}\n\n".encode())
            else:
                await response.write(b": still here\n\n")
            # Changes come in bursts (a list of messages): one refresh for the burst.
            await asyncio.sleep(0.05)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


@web.middleware
async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Loopback only, unless started with another --host: a page on the internet cannot reach
    the demo through a DNS name that points at 127.0.0.1 (DNS rebinding)."""
    allowed = request.app[HOSTS_KEY]
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    if allowed is not None and host not in allowed:
        raise web.HTTPForbidden(text="unexpected Host header")
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html":  # the page; files keep the browser's viewers
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'",
        )
    return response


def make_app(demo: Demo, *, any_host: bool = False) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[DEMO_KEY] = demo
    app[HOSTS_KEY] = None if any_host else LOOPBACK_NAMES
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/people", add_person)
    app.router.add_post("/api/forward", forward)
    app.router.add_get("/api/chat/{user_id}", chat)
    app.router.add_post("/api/chat/{user_id}/send", send)
    app.router.add_post("/api/chat/{user_id}/press", press)
    app.router.add_get("/files/{file_id}", document)
    return app


async def serve(demo: Demo, host: str = "127.0.0.1", port: int = 8080) -> web.AppRunner:
    """Start the page; returns the runner (cleanup() stops it)."""
    app = make_app(demo, any_host=host not in ("127.0.0.1", "::1", "localhost"))
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
