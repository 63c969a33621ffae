"""The map at the top of docs/architecture.md is the code's: every command, button kind and
dialog with the handler, use case, storage and tests that serve it. A new button or a use case
moved to another module changes the map; this fails until the document shows it
(`python scripts/architecture_map.py --write`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "architecture_map", ROOT / "scripts" / "architecture_map.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("architecture_map", module)
    spec.loader.exec_module(module)
    return module


def test_the_document_shows_the_current_map() -> None:
    generator = _generator()
    current = generator.DOC.read_text(encoding="utf-8")
    assert generator.START in current and generator.END in current
    assert generator.document(current) == current, "run: python scripts/architecture_map.py --write"


def test_every_command_button_and_dialog_reaches_a_use_case() -> None:
    """One hop from an action to its code: each row names a use case (services/), except the
    few that only show something, touch only the user's own settings (help, the language,
    keeping one's data) or refuse."""
    rows = _generator().table().splitlines()[2:]
    without = [row.split("|")[1].strip() for row in rows if row.split("|")[3].strip() == "–"]
    assert len(rows) > 150
    allowed = {"`/help`", "`/language`", "button `lg` (Language)", "button `dm:n` (EraseNo)"}
    # Catch-alls that refuse anything else under a coordinators' prefix to a participant.
    allowed |= {"button `cy` (OtherCompanies)", "button `rp` (OtherReport)"}
    assert set(without) <= allowed, without
