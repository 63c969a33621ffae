"""The survey buttons keep the wire format of the keyboards already in users' chats: every
spelling the old `pack(...)` calls wrote parses to its typed kind and packs back unchanged."""

from __future__ import annotations

import pytest

import bot.router  # noqa: F401 (a lookup imports the flows of its prefix)
from bot import buttons
from services.errors import Stale

OLD_SPELLINGS = [
    "sv:s:5",
    "sv:a:5:0:10",
    "sv:a:5:7:rematch",
    "sv:k:5:9",
    "sk:p",
    "sk:l:3",
    "sk:n:3:midterm",
    "sk:n:3:final",
    "sk:v:5",
    "sk:e:5",
    "sk:q:5:satisfaction",
    "sk:qt:5:c1",
    "sk:qu:5:fit",
    "sk:qd:5:c2",
    "sk:a:5",  # choose the type of the new question
    "sk:a:5:s10",
    "sk:rs:5",
    "sk:d:5",
    "sk:s:5",
    "sk:sy:5:0",
    "sk:sy:5:1804320000",
    "sk:u:5",
    "sk:c:5",  # asks to confirm
    "sk:c:5:y",
    "sk:r:5",
]


@pytest.mark.parametrize("data", OLD_SPELLINGS)
def test_an_old_keyboard_still_presses_the_same_kind(data: str) -> None:
    found = buttons.lookup(data)
    assert found is not None, data
    kind, fields = found
    assert kind.handler is not None
    assert data.startswith("sk:") == kind.type.COORDINATOR
    assert kind.type.unpack(fields).pack() == data


@pytest.mark.parametrize("data", ["sk:a:5:zz", "sk:c:5:n", "sk:a:5:s5:x", "sk:c", "sv:a:5:0:"])
def test_a_forged_spelling_is_stale(data: str) -> None:
    found = buttons.lookup(data)
    assert found is not None
    kind, fields = found
    with pytest.raises(Stale):
        kind.type.unpack(fields)
