"""Start-up imports only what the first answer needs: the matching engine (numpy, SciPy),
Alembic (the start checks the schema version with plain SQL) and the exports' libraries load when
used, and so do the flows (bot.router imports a flow when its command, button or dialog is first
used). Measured in docs/performance.md ("Start-up and the cost of an update").

The router's tables (where each command, button prefix and dialog lives) are checked here
against the registries with every flow imported: a kind or a dialog added to a flow without its
line in the tables would otherwise be answered as stale in production."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from typing import Any

from bot import buttons, dialogs, router

HEAVY = ("numpy", "scipy", "alembic", "matplotlib", "openpyxl", "reportlab", "PIL")

# What a start imports of handlers/: /help and the fallbacks for text, unknown commands and
# other messages (handlers.common), and what they render with.
AT_START = {"handlers", "handlers.common", "handlers.keyboards", "handlers.views"}
AT_START_VIEWS = {"handlers.views.contact"}

# The start as the CLI and the tests build it: the Application with every handler registered.
SCRIPT = f"""
import json, sys
import bot.app, bot.cli
from bot.app import build_application
from bot.settings import Settings
build_application(Settings(
    _env_file=None,
    telegram_bot_token="123456:AAH-start-up-test_0123456789abcdefghij",
    database_url="sqlite+aiosqlite:///:memory:",
))
print(json.dumps({{
    "heavy": [m for m in {HEAVY!r} if m in sys.modules],
    "handlers": sorted(m for m in sys.modules if m.split(".")[0] == "handlers"),
}}))
"""


def run(script: str) -> dict[str, list[Any]]:
    done = subprocess.run(  # noqa: S603 - this Python, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, list[Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_starting_the_bot_leaves_the_heavy_libraries_and_the_flows_for_later() -> None:
    found = run(SCRIPT)
    assert found["heavy"] == [], f"imported at start: {found['heavy']}"
    assert set(found["handlers"]) == AT_START | AT_START_VIEWS, "imported at start"


def test_a_press_a_command_and_a_dialog_import_their_flow_on_first_use() -> None:
    script = """
import asyncio, json, sys
from bot import buttons, dialogs, router
before = "handlers.matching" in sys.modules
found = buttons.lookup("mt:7:3:pin:12")
press = [found[0].type.__name__, found[0].handler is not None, "handlers.matching" in sys.modules]
flow = dialogs.find("reg")
dialog = [flow is not None and flow.on_text.__module__, "handlers.registration" in sys.modules]
command = router.command_function("stats").__module__
unknown = [buttons.lookup("zz:1") is None, dialogs.find("nonsense") is None]
print(json.dumps({"before": [before], "press": press, "dialog": dialog, "command": [command],
                  "unknown": unknown}))
"""
    found = run(script)
    assert found["before"] == [False]
    assert found["press"][1:] == [True, True]
    assert found["dialog"] == ["handlers.registration", True]
    assert found["command"] == ["handlers.reports"]
    assert found["unknown"] == [True, True]


def test_the_router_knows_where_every_button_and_dialog_lives() -> None:
    router.load_all()
    handled_by: defaultdict[str, set[str]] = defaultdict(set)
    for (prefix, _), kind in buttons.REGISTRY.items():
        if prefix in ("zz", "zh"):  # test_buttons' own kinds
            continue
        handled_by[prefix].add(kind.handler.__module__ if kind.handler else kind.type.__module__)
    assert {prefix: set(modules) for prefix, modules in router.BUTTONS.items()} == handled_by
    assert {name: flow.on_text.__module__ for name, flow in dialogs.FLOWS.items()} == router.DIALOGS
    for name, path in router.COMMANDS.items():
        assert router.command_function(name).__module__ == path.partition(":")[0]
    assert set(router.FLOW_MODULES) >= set(router.DIALOGS.values())
    assert buttons.FLOWS_OF_PREFIX == router.BUTTONS
    assert dialogs.FLOW_MODULES == router.DIALOGS
