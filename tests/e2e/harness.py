"""Runs the real Application against the Bot API stand-in, and walks users through flows.

Used by the end-to-end tests and by `bench/`; the flows assert what a user sees at every step,
so a regression in any prompt fails loudly with the chat dump.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.app import AnyApplication, build_application, menus_set, running
from bot.context import services
from bot.i18n import translator
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from core.clock import Clock, FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser

TOKEN = "123456789:AAH-tandem-e2e-SECRET-token_0123456789"
COORDINATOR_ID = 9001


def make_settings(api: FakeBotApi, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": api.token,
        "telegram_api_base_url": api.base_url,
        "database_url": database_url,
        "coordinators": frozenset({COORDINATOR_ID}),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def bot_running(
    settings: Settings,
    clock: Clock | None = None,
    introduction_interval: float = 60.0,
    limiter: RateLimiter | None = None,
) -> AsyncIterator[AnyApplication]:
    app = build_application(
        settings,
        clock=clock,
        introduction_interval=dt.timedelta(seconds=introduction_interval),
        # Test users answer in microseconds; test_resilience runs the production pacing.
        limiter=limiter or RateLimiter.unpaced(),
    )
    async with running(app, settings, poll_timeout=1) as started:
        await menus_set(started)  # set while the bot answers; tests look at them
        yield started


async def advance(app: AnyApplication, clock: FrozenClock, delta: dt.timedelta) -> None:
    """Move the test clock; the scheduler re-arms its timers exactly as after a restart, so
    whatever came due in the skipped time fires now."""
    clock.advance(delta)
    scheduler = services(app).scheduler
    assert scheduler is not None
    await scheduler.reload()


@dataclass
class Profile:
    role: str = "mentor"  # mentor | mentee
    name: str = "Anna Schmidt"
    company: str = "Alstom"
    industry: str = "Bahntechnik"
    position: str = "Bereichsleiterin Fertigung"
    topics: list[str] = field(default_factory=lambda: ["Kommunikation", "Feedback"])
    custom_topics: list[str] = field(default_factory=list)
    goals: str = "Ich möchte meine Erfahrung als Führungskraft weitergeben."
    meeting_format: str = "both"  # in_person | online | both
    form_of_address: str = "n"  # f (Frau) | m (Herr) | n (neutral)


ROLE_LABEL = {
    "de": {"mentor": "Mentorin oder Mentor", "mentee": "Mentee"},
    "en": {"mentor": "Mentor", "mentee": "Mentee"},
}
FORMAT_LABEL = {
    "de": {"in_person": "Persönlich", "online": "Online", "both": "Persönlich oder online"},
    "en": {"in_person": "In person", "online": "Online", "both": "In person or online"},
}
ADDRESS_LABEL = {
    "de": {"f": "Frau", "m": "Herr", "n": "Neutral / keine Angabe"},
    "en": {"f": "Ms", "m": "Mr", "n": "Neutral / not specified"},
}
CONSENT = {"de": "✅ Ich stimme zu", "en": "✅ I agree"}
SUBMIT = {"de": "✅ Anmeldung absenden", "en": "✅ Submit registration"}


def refused_calls(api: FakeBotApi) -> list[tuple[str, int, object]]:
    """Calls Telegram refused: broken HTML, bad markup, unknown chats. Not a message to a user
    who blocked the bot (403), not an edit that changes nothing (a refreshed card showing the
    same state), not the old long poll cut off when a restarted bot polls anew."""
    return [
        (c.method, c.status, c.response)
        for c in api.calls
        if c.status >= 400
        and c.status != 403
        and "not modified" not in str(c.response.get("description", ""))
        and c.method != "getUpdates"
    ]


def expect(message: BotMessage, *fragments: str) -> BotMessage:
    for fragment in fragments:
        assert fragment in message.text, f"{fragment!r} not in bot message:\n{message.text}"
    return message


async def answer_of(user: FakeUser, query_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """The bot's answerCallbackQuery for a press; every press must be answered."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (answer := user.callback_answer(query_id)) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"callback query {query_id} was never answered")
        await asyncio.sleep(0.01)
    return answer


async def next_with_buttons(user: FakeUser, timeout: float = 5.0) -> BotMessage:
    """Skip plain notes ("Hinzugefügt.") until the next prompt with a keyboard."""
    while True:
        message = await user.next_message(timeout)
        if message.buttons:
            return message


async def create_program(
    coordinator: FakeUser, name: str = "Cross-Mentoring Salzgitter 2027"
) -> str:
    """Walks /newprogram; returns the invite code shown on the program card."""
    await coordinator.send("/newprogram")
    expect(await coordinator.next_message(), "Neuen Jahrgang")
    await coordinator.send(name)
    start = await coordinator.next_message()
    await coordinator.press(start.button_texts[0], message=start)
    end = await coordinator.next_message()
    await coordinator.press(end.button_texts[0], message=end)  # 12 months
    expect(await coordinator.next_message(), "angelegt")
    card = await coordinator.next_message()
    match = re.search(r"\?start=([A-Z0-9]+)", card.text)
    assert match, card.text
    return match.group(1)


async def register(user: FakeUser, code: str, profile: Profile, language: str = "de") -> BotMessage:
    """Registers through the deep link, asserting each step; returns the final confirmation."""
    summary = await fill_registration(user, code, profile, language)
    await user.press(SUBMIT[language], message=summary)
    return await user.next_message()


async def fill_registration(
    user: FakeUser, code: str, profile: Profile, language: str = "de"
) -> BotMessage:
    """Every step of the registration up to the summary, whose confirm button is not pressed."""
    # Imported here, not at the top: bench.common imports this module into a start it measures.
    from handlers.views.fields import topic_name

    await user.send(f"/start {code}")
    privacy = await user.next_message()
    await user.press(CONSENT[language], message=privacy)
    await user.next_message()  # welcome
    role = await user.next_message()
    await user.press(ROLE_LABEL[language][profile.role], message=role)
    for value in (profile.name, profile.company, profile.industry, profile.position):
        prompt = await user.next_message()
        if prompt.find_button("rg:cn") is not None:  # "Meinten Sie …?": keep the typed name
            await user.press("rg:cn", message=prompt)
            await user.next_message()
        await user.send(value)
    topics = await user.next_message()
    for topic in profile.topics:  # stored names; the buttons show them in the user's language
        await user.press(topic_name(translator(language), topic), message=topics)
    for custom in profile.custom_topics:
        await user.send(custom)
        topics = await next_with_buttons(user)
    await user.press("rg:td", message=topics)
    await user.next_message()  # goals
    await user.send(profile.goals)
    fmt = await user.next_message()
    await user.press(FORMAT_LABEL[language][profile.meeting_format], message=fmt)
    address = await user.next_message()
    await user.press(ADDRESS_LABEL[language][profile.form_of_address], message=address)
    summary = await user.next_message()
    expect(summary, profile.name, profile.company)
    return summary
