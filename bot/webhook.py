"""The webhook endpoint: the secret is checked before the body is read, and the body is capped.

PTB's own webhook server (tornado) reads the whole body, up to tornado's default of 100 MB,
before its handler looks at the secret header: ten parallel 95 MB posts from anyone who knows
the URL raised the process to 814 MB. This handler streams the body (`stream_request_body`), so
it decides in `prepare`, on the headers alone: a wrong or missing secret is answered 403 and a
declared body over MAX_BODY 413, and the connection is closed without reading the body. Only a
request with the right secret and a small enough body is read, into memory, up to MAX_BODY.

MAX_BODY is 1 MiB: an update is one message or button press. A text message is at most 4,096
characters and a caption 1,024, each with its entities, plus the message it replies to and the
sender's and chat's descriptions; even with every field filled and JSON-escaped this stays well
under 100 KB. Telegram's own webhook deliveries are a single update each.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus

import tornado.web
from telegram import Bot
from tornado.httpserver import HTTPServer

from bot.updates import readable

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, queue: asyncio.Queue[object], secret: str) -> None:
        self._bot, self._queue, self._secret = bot, queue, secret
        self._body = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            self._refuse(HTTPStatus.FORBIDDEN)
            return
        length = self.request.headers.get("Content-Length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def _refuse(self, status: HTTPStatus) -> None:
        """Answer and close without reading the body (tornado closes a connection whose
        response was finished before its request was read)."""
        log.info("webhook request refused: %d %s", status.value, status.phrase)
        self.set_status(status.value)
        self.set_header("Connection", "close")
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        # The server caps the body at MAX_BODY too (chunked uploads); this is the second guard.
        if len(self._body) + len(chunk) > MAX_BODY:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE.value)
        self._body.extend(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(bytes(self._body))
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST.value) from None
        # An update that cannot be read is answered 200 like any other: Telegram would
        # otherwise deliver it again and again (bot.updates logs it once).
        update = readable(data, self._bot)
        if update is not None:
            await self._queue.put(update)
        self.set_status(HTTPStatus.OK.value)
        self.finish()

    def log_exception(self, *args: object) -> None:
        """Tornado would log the request line; a refusal is logged in _refuse already."""


class WebhookServer:
    """Listens for Telegram's posts and puts the updates into PTB's update queue."""

    def __init__(self, bot: Bot, queue: asyncio.Queue[object], secret: str, path: str) -> None:
        shared = {"bot": bot, "queue": queue, "secret": secret}
        app = tornado.web.Application([(rf"/{path.strip('/')}/?", UpdateHandler, shared)])
        self._server = HTTPServer(app, max_body_size=MAX_BODY)

    def listen(self, port: int, address: str) -> None:
        self._server.listen(port, address=address)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
