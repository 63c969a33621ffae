"""A Telegram Bot API stand-in for end-to-end tests, benchmarks and local try-outs.

The real python-telegram-bot Application talks HTTP to :class:`FakeBotApi`; tests act as
Telegram users through :class:`FakeUser`.
"""

from .errors import ApiError
from .models import ApiCall, BotMessage, InlineButton, SentDocument, WebhookDelivery
from .server import DEFAULT_TOKEN, FakeBotApi
from .user import FakeGroup, FakeUser, NoMessageError

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "InlineButton",
    "NoMessageError",
    "SentDocument",
    "WebhookDelivery",
]
