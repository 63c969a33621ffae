"""The demo in a real browser (the distribution's Chromium, driven by Playwright): a new
mentee registers by typing and pressing buttons, the coordinator approves, time is
fast-forwarded and the kickoff's reminder arrives; the same page on a phone-sized screen.

Screenshots of the main screens go to a temporary folder, or with DEMO_SCREENSHOTS=1 to
docs/demo/ (the README shows one). Skipped, with the reason, where no Chromium is installed
(`.ci/run` installs it with apt-get when it can).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from demo import cohort
from demo.web import serve
from demo.world import COORDINATOR_NAME, Demo

CHROMIUM = os.environ.get("DEMO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo"

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (it is in the dev extra)"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        "no Chromium: install the distribution's package (apt-get install chromium); "
        ".ci/run does when it can",
        allow_module_level=True,
    )

Page = Any


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[tuple[Page, Demo]]:
    async with Demo(tmp_path / "demo.sqlite3") as demo:
        runner = await serve(demo, port=0)
        port = runner.addresses[0][1]
        try:
            async with playwright_api.async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                try:
                    context = await browser.new_context(
                        viewport={"width": 1100, "height": 760}, locale="de-DE"
                    )
                    tab = await context.new_page()
                    tab.set_default_timeout(10_000)
                    await tab.goto(f"http://127.0.0.1:{port}/")
                    yield tab, demo
                finally:
                    await browser.close()
        finally:
            await runner.cleanup()


def shots(tmp_path: Path) -> Path:
    folder = DOCS if os.environ.get("DEMO_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def screenshot(tab: Page, path: Path) -> None:
    await tab.locator("#toast").evaluate("node => { node.hidden = true; }")
    await tab.screenshot(path=str(path))


async def bot_says(tab: Page, text: str) -> None:
    """A bot message holding `text` is (or appears) in the open chat."""
    expect = playwright_api.expect
    await expect(tab.locator(".msg.bot .bubble", has_text=text).last).to_be_visible()


async def press(tab: Page, label: str) -> None:
    button = tab.locator(".msg.bot .keyboard button").filter(has_text=label).last
    await button.click()


async def type_(tab: Page, text: str) -> None:
    await tab.fill("#text", text)
    await tab.press("#text", "Enter")


async def test_register_approve_fast_forward(page: tuple[Page, Demo], tmp_path: Path) -> None:
    tab, demo = page
    folder = shots(tmp_path)
    expect = playwright_api.expect

    # A new person opens the program's invitation link and registers as a mentee.
    await tab.click("#add-person-open")
    await tab.fill("#add-name", "Erika Neumann")
    await tab.click("#add-person-submit")
    await expect(tab.locator("#chat-name")).to_have_text("Erika Neumann")
    await bot_says(tab, "Datenschutzhinweis")
    # The bot's <b> arrives as an entity and is shown bold, as Telegram shows it.
    await expect(tab.locator(".msg.bot b", has_text="Datenschutzhinweis").last).to_be_visible()
    await press(tab, "Ich stimme zu")
    await bot_says(tab, "Mentorin oder Mentor")
    await press(tab, "Mentee")
    for answer, next_prompt in (
        ("Erika <i>Neumann</i>", "Unternehmen"),
        ("Continental Automotive", "Branche"),
        ("Automobilzulieferer", "Position"),
        ("Teamleiterin Entwicklung", "Themen"),
    ):
        await type_(tab, answer)
        await bot_says(tab, next_prompt)
    await press(tab, "Kommunikation")
    await press(tab, "Fertig")
    await bot_says(tab, "Ziel")
    await type_(tab, "Sicherer führen.")
    await press(tab, "Persönlich oder online")
    await press(tab, "Frau")
    await bot_says(tab, "Stimmt alles?")
    # The name typed with a tag arrives as text, never as formatting.
    summary = tab.locator(".msg.bot .bubble", has_text="Stimmt alles?").last
    await expect(summary).to_contain_text("Erika <i>Neumann</i>")
    assert await summary.locator("i").count() == 0
    await screenshot(tab, folder / "registration.png")
    await press(tab, "Anmeldung absenden")
    await bot_says(tab, "Programmleitung")

    # The coordinator sees the registration and approves it; the mentee hears of it.
    await tab.locator(".person", has_text=COORDINATOR_NAME).click()
    await bot_says(tab, "Neue Anmeldung")
    await press(tab, "Freigeben")
    await expect(tab.locator(".msg.bot .keyboard button", has_text="Freigeben")).to_have_count(0)
    # …and asks for a matching proposal: 19 mentees now, 18 mentors.
    await type_(tab, "/match")
    await bot_says(tab, "18 von 19 Mentees")
    await screenshot(tab, folder / "coordinator.png")
    await tab.locator(".person", has_text="Erika Neumann").click()
    await bot_says(tab, "wurde freigegeben")

    # A week later the kickoff's first reminder reaches the cohort.
    mentor = cohort.people()[0].name
    await tab.locator(".person", has_text=mentor).click()
    await bot_says(tab, "Einladung")
    before = await tab.locator(".msg.bot").count()
    await tab.click("#forward-week")
    await expect(tab.locator(".msg.bot")).to_have_count(before + 1)
    await bot_says(tab, "in 14 Tagen")
    await expect(tab.locator(".messages .day")).to_have_count(2)  # a week apart: two days
    await screenshot(tab, folder / "reminder.png")

    # The command menu, and the same chat on a phone-sized screen.
    await tab.click("#menu-button")
    await expect(tab.locator("#menu .cmd", has_text="/events")).to_be_visible()
    await tab.click("#menu-button")
    await tab.set_viewport_size({"width": 390, "height": 780})
    await expect(tab.locator(".sidebar")).to_be_hidden()
    await expect(tab.locator(".msg.bot").last).to_be_visible()
    await screenshot(tab, folder / "phone.png")
    await tab.click("#back")
    await expect(tab.locator(".sidebar")).to_be_visible()
    assert demo.clock.offset.days >= 7
