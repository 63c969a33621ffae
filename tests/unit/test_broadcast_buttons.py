"""The typed buttons of broadcasts and program settings pack exactly as the old `pack(...)` calls
did: keyboards already in coordinators' chats keep working after the upgrade."""

from __future__ import annotations

import pytest

from bot import buttons
from core.broadcasts import Audience
from handlers import broadcasts, program_settings
from handlers.views.broadcasts import (
    CancelScheduled,
    ChooseAudience,
    ChooseProgram,
    Discard,
    ResendInterrupted,
    Retry,
    SendLater,
    SendNow,
)
from handlers.views.program_settings import EditSetting, ResetSetting, ShowSettings
from services.errors import Stale
from services.program_settings import Setting

FLOWS = (broadcasts, program_settings)  # importing them registers the buttons' handlers

OLD_WIRE = [
    (ChooseProgram(0), "bc:p:0"),
    (ChooseProgram(7), "bc:p:7"),
    (ChooseAudience(Audience.MENTEES), "bc:a:mentees"),
    (ChooseAudience(Audience.QUIET, 35), "bc:a:quiet:35"),
    (SendNow(), "bc:go"),
    (SendLater(), "bc:later"),
    (Discard(), "bc:stop"),
    (CancelScheduled(3), "bc:x:3"),
    (Retry(3), "bc:r:3"),
    (ResendInterrupted(3), "bc:ri:3"),
    (ShowSettings(5), "ps:v:5"),
    (EditSetting(5, Setting.SIGNER_FUNCTION), "ps:e:5:sf"),
    (ResetSetting(5, Setting.BEFORE_MEETING), "ps:d:5:bm"),
]


@pytest.mark.parametrize(("pressed", "data"), OLD_WIRE)
def test_packs_as_before_and_back(pressed: buttons.Button, data: str) -> None:
    assert pressed.pack() == data
    found = buttons.lookup(data)
    assert found is not None
    kind, fields = found
    assert kind.type is type(pressed) and kind.type.COORDINATOR and kind.handler is not None
    assert kind.type.unpack(fields) == pressed


@pytest.mark.parametrize(
    "data", ["bc:a", "bc:a:nobody", "bc:a:all:1:2", "bc:p:x", "bc:go:1", "ps:e:5:zz", "ps:v:5:bm"]
)
def test_forged_shapes_are_stale(data: str) -> None:
    found = buttons.lookup(data)
    assert found is not None
    with pytest.raises(Stale):
        found[0].type.unpack(found[1])
