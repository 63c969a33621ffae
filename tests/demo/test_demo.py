"""The demo without a browser: its seeded cohort is a real program to match, and its page's
HTTP and server-sent-events API does what the page relies on (and refuses what it must)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from demo import cohort
from demo.web import serve
from demo.world import COORDINATOR_ID, Demo
from fake_bot_api import BotMessage


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with Demo(tmp_path / "demo.sqlite3") as started:
        yield started


async def bot_says(demo: Demo, user_id: int, *fragments: str, timeout: float = 10) -> BotMessage:
    """The newest bot message (or edit) in the person's chat that holds every fragment."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for entry in reversed(demo.chat(user_id)):
            if entry.bot is not None and all(f in entry.bot.text for f in fragments):
                return entry.bot
        if asyncio.get_running_loop().time() > deadline:
            texts = [e.bot.text if e.bot else f"> {e.typed}" for e in demo.chat(user_id)]
            raise AssertionError(f"{fragments!r} never arrived:\n" + "\n---\n".join(texts))
        await demo.api.wait_change(timeout=0.2)


def test_the_cohort_is_eighteen_pairs_from_eighteen_companies() -> None:
    people = cohort.people()
    mentors = [p for p in people if p.role == "mentor"]
    mentees = [p for p in people if p.role == "mentee"]
    assert len(mentors) == len(mentees) == 18
    assert len({p.name for p in people}) == 36
    assert len({p.company for p in mentors}) == len({p.company for p in mentees}) == 18
    assert len({p.industry for p in people}) >= 12  # different industries
    for first, second in cohort.COMPETITORS:
        assert {first, second} <= {p.company for p in people}


@pytest.mark.parametrize(
    "started",
    [
        dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC),  # a morning
        dt.datetime(2026, 12, 6, 16, 0, tzinfo=dt.UTC),  # 17:00 in Berlin, the kickoff's hour
        dt.datetime(2026, 12, 6, 23, 31, tzinfo=dt.UTC),  # after midnight in Berlin
        dt.datetime(2027, 3, 7, 20, 0, tzinfo=dt.UTC),  # three weeks on is summer time
    ],
)
def test_a_week_forward_always_reaches_the_kickoffs_reminder(started: dt.datetime) -> None:
    """The kickoff is about three weeks ahead and never more, whatever the hour the demo
    starts: a demo started in the evening had it 21 days and some hours away, and the page's
    "a week forward" stopped short of the reminder 14 days before."""
    zone = ZoneInfo(cohort.TIMEZONE)
    kickoff = dt.datetime.combine(cohort.kickoff_day(started, zone), cohort.KICKOFF_TIME, zone)
    ahead = kickoff - started
    assert dt.timedelta(days=20) <= ahead <= dt.timedelta(days=21)


async def test_match_proposes_eighteen_tandems_around_the_competitors(demo: Demo) -> None:
    assert demo.seeded is not None
    await demo.send(COORDINATOR_ID, "/match")
    proposal = await bot_says(demo, COORDINATOR_ID, "Matching-Vorschlag", "18 von 18 Mentees")
    company = {p.name: p.company for p in cohort.people()}
    pairs = re.findall(r"^\d+\. (.+?) \(.+?\) ↔ (.+?) \(.+?\) · ", proposal.text, re.MULTILINE)
    assert "derselbe Arbeitgeber" not in proposal.text  # the look-alikes were kept apart
    assert len(pairs) == 6  # the first page of the proposal
    for mentor, mentee in pairs:  # never one employer, never two competitors
        pair = {company[mentor], company[mentee]}
        assert len(pair) == 2
        assert not any(pair == set(rivals) for rivals in cohort.COMPETITORS)
    # Every seeded person got the kickoff's invitation when the bot started.
    await bot_says(demo, cohort.FIRST_PERSON_ID + 35, "Einladung", cohort.KICKOFF_TITLE)


async def events(response: aiohttp.ClientResponse) -> AsyncIterator[int]:
    async for raw in response.content:
        line = raw.decode().strip()
        if line.startswith("data: "):
            yield int(line.removeprefix("data: "))


async def test_the_page_and_its_api(demo: Demo) -> None:
    runner = await serve(demo, port=0)
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(base) as http:
            async with http.get("/") as page:
                body = await page.text()
                assert page.status == 200
                assert "Dana Kaiser" in body and "Sabine Ohlendorf" in body
                assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            async with http.get("/api/state") as response:
                state = await response.json()
            assert len(state["people"]) == 37
            # People are named as the bot names them: no gender star or slash forms.
            labels = {p["role_label"] for p in state["people"]}
            assert labels == {"Programmleitung", "Mentorin", "Mentor", "Mentee"}
            assert demo.seeded is not None and state["invite_code"] == demo.seeded.invite_code

            stream = await http.get("/api/events", timeout=aiohttp.ClientTimeout(total=30))
            versions = events(stream)
            first = await anext(versions)

            # A new person with a name that is HTML opens the invitation link.
            added = await post(http, "/api/people", name="<b>Erika</b> Neumann", invite=True)
            assert added["name"] == "<b>Erika</b> Neumann" and added["role"] == "new"
            assert await asyncio.wait_for(anext(versions), 5) > first
            uid = added["id"]
            privacy = await bot_says(demo, uid, "Datenschutzhinweis")
            chat = await get(http, f"/api/chat/{uid}")
            assert chat["entries"][0]["from"] == "user"
            assert chat["entries"][0]["text"] == f"/start {state['invite_code']}"
            shown = next(e for e in chat["entries"] if e.get("id") == privacy.message_id)
            assert any(e["type"] == "bold" for e in shown["entities"])
            assert any(c["command"] == "start" for c in chat["commands"])

            consent = privacy.find_button("✅ Ich stimme zu")
            assert consent is not None and consent.callback_data is not None
            pressed = await post(
                http, f"/api/chat/{uid}/press", message_id=privacy.message_id,
                data=consent.callback_data,
            )  # fmt: skip
            assert pressed["ok"] is True
            await bot_says(demo, uid, "Mentorin oder Mentor")  # the role question
            # A button that is gone (the consent message lost its keyboard) is refused.
            async with http.post(
                f"/api/chat/{uid}/press",
                json={"message_id": privacy.message_id, "data": "rg:forged"},
            ) as gone:
                assert gone.status == 409

            await post(http, f"/api/chat/{uid}/send", text="/cancel")
            typed = [
                e for e in (await get(http, f"/api/chat/{uid}"))["entries"] if e["from"] == "user"
            ]
            assert [e["text"] for e in typed][-1] == "/cancel"

            # Fast-forward a week: the kickoff's reminder (14 days before) reaches the cohort.
            before = demo.clock.now()
            moved = await post(http, "/api/forward", step="week")
            assert dt.datetime.fromisoformat(moved["now"]) - before >= dt.timedelta(days=7)
            await bot_says(demo, cohort.FIRST_PERSON_ID, cohort.KICKOFF_TITLE, "14 Tagen")

            # A document the bot sends can be downloaded with its name and type.
            await demo.send(COORDINATOR_ID, "/export")
            await wait_for_document(demo, COORDINATOR_ID)
            doc = next(
                e.bot.document for e in demo.chat(COORDINATOR_ID) if e.bot and e.bot.document
            )
            async with http.get(f"/files/{doc.file_id}") as download:
                assert download.status == 200
                assert await download.read() == doc.content
                assert doc.filename in download.headers["Content-Disposition"]

            # What the page must refuse: forms from other sites, other Host names, nonsense.
            async with http.post("/api/forward", data="step=week") as form:
                assert form.status == 415
            async with http.get("/api/state", headers={"Host": "evil.example:80"}) as rebound:
                assert rebound.status == 403
            async with http.post("/api/forward", json={"step": "year"}) as bad:
                assert bad.status == 400
            async with http.get("/api/chat/424242") as unknown:
                assert unknown.status == 404
            stream.close()
    finally:
        await runner.cleanup()


async def wait_for_document(demo: Demo, user_id: int, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(e.bot and e.bot.document for e in demo.chat(user_id)):
        if asyncio.get_running_loop().time() > deadline:
            texts = [e.bot.text if e.bot else f"> {e.typed}" for e in demo.chat(user_id)]
            raise AssertionError("no document:\n" + "\n---\n".join(texts))
        await demo.api.wait_change(timeout=0.2)


async def post(http: aiohttp.ClientSession, path: str, **body: Any) -> dict[str, Any]:
    async with http.post(path, json=body) as response:
        assert response.status == 200, await response.text()
        data: dict[str, Any] = json.loads(await response.text())
        return data


async def get(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    async with http.get(path) as response:
        assert response.status == 200, await response.text()
        data: dict[str, Any] = await response.json()
        return data


def test_the_cli_says_what_the_demo_needs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import demo as package
    from bot import cli

    assert "demo" in cli.parser().format_help()
    # An installed wheel without the checkout: no demo package to import.
    monkeypatch.setitem(sys.modules, "demo", None)
    assert cli.main(["demo"]) == cli.DEMO_MISSING
    assert "checkout" in capsys.readouterr().err
    # A checkout without the `fake` extra: the demo is there, aiohttp is not.
    monkeypatch.setitem(sys.modules, "demo", package)
    for name in ("demo.main", "demo.web"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delattr(package, "main", raising=False)
    monkeypatch.delattr(package, "web", raising=False)
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    assert cli.main(["demo", "--help"]) == cli.DEMO_MISSING
    assert "missing: aiohttp" in capsys.readouterr().err
