"""Typed buttons: what they pack to, and every way a forged or stale press is refused."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

import handlers.router  # noqa: F401  (every flow registers its buttons on import)
from handlers import buttons
from handlers.buttons import BigInt, Button, button
from services.errors import Stale


class Colour(enum.StrEnum):
    RED = "r"
    BLUE = "b"


@button("zz", "t")
class Sample(Button):
    row: int
    user: BigInt
    colour: Colour
    day: dt.date
    flag: bool
    word: str
    maybe: int | None = None


@button("zh", "go", head=2)
class Headed(Button):
    proposal: int
    version: int
    page: int


@pytest.fixture(autouse=True, scope="module")
def _forget_sample() -> object:
    yield None
    buttons.REGISTRY.pop(("zz", "t"), None)
    buttons.REGISTRY.pop(("zh", "go"), None)
    buttons.HEADS.pop("zh", None)


def test_a_button_packs_to_its_prefix_action_and_fields_and_back() -> None:
    pressed = Sample(7, BigInt(2**40), Colour.BLUE, dt.date(2027, 3, 1), True, "de")
    data = pressed.pack()
    assert data == "zz:t:7:1099511627776:b:20270301:1:de:"
    kind, fields = buttons.lookup(data) or (None, [])
    assert kind is not None and kind.type is Sample
    assert kind.type.unpack(fields) == pressed


@pytest.mark.parametrize(
    "fields",
    [
        ["7", "1", "b", "20270301", "1", "de"],  # one field short
        ["7", "1", "b", "20270301", "1", "de", "", "x"],  # one too many
        [str(2**31), "1", "b", "20270301", "1", "de", ""],  # beyond an SQL INTEGER
        ["-7", "1", "b", "20270301", "1", "de", ""],
        ["²", "1", "b", "20270301", "1", "de", ""],  # a Unicode digit int() refuses
        ["7", str(2**63), "b", "20270301", "1", "de", ""],  # beyond a BIGINT
        ["7", "1", "g", "20270301", "1", "de", ""],  # not a member
        ["7", "1", "b", "20270230", "1", "de", ""],  # no such day
        ["7", "1", "b", "20270301", "yes", "de", ""],
        ["7", "1", "b", "20270301", "1", "", ""],  # an empty word
        ["7", "1", "b", "20270301", "1", "de", "x"],
    ],
)
def test_a_forged_field_is_stale(fields: list[str]) -> None:
    with pytest.raises(Stale):
        Sample.unpack(fields)


def test_packing_refuses_what_would_not_come_back() -> None:
    with pytest.raises(ValueError):
        Sample(-1, BigInt(1), Colour.RED, dt.date(2027, 1, 1), False, "de").pack()
    with pytest.raises(ValueError):
        Sample(1, BigInt(1), Colour.RED, dt.date(2027, 1, 1), False, "a:b").pack()
    with pytest.raises(ValueError):
        Sample(1, BigInt(1), Colour.RED, dt.date(2027, 1, 1), False, "x" * 60).pack()


def test_every_registered_kind_has_a_handler_and_a_distinct_key() -> None:
    kinds = [k for key, k in buttons.REGISTRY.items() if key[0] not in ("zz", "zh")]
    assert kinds
    assert [k.type.__name__ for k in kinds if k.handler is None] == []


def test_shapes_name_every_value_of_a_small_field() -> None:
    shapes = {s for s in buttons.shapes() if s[0] == "zz"}
    assert ("zz", "t", None, None, "b", None, "0", None, None) in shapes
    assert len(shapes) == 2 * 2


def test_a_headed_kind_puts_its_action_after_the_leading_fields() -> None:
    data = Headed(7, 3, 2).pack()
    assert data == "zh:7:3:go:2"
    kind, fields = buttons.lookup(data) or (None, [])
    assert kind is not None and kind.type is Headed
    assert kind.type.unpack(fields) == Headed(7, 3, 2)
    assert buttons.lookup("zh:go:7:3:2") is None  # the action in the usual place is no kind
    assert buttons.lookup("zh:7:3:gone:2") is None
    assert ("zh", None, None, "go", None) in set(buttons.shapes())


def test_a_prefix_keeps_one_head() -> None:
    with pytest.raises(ValueError):

        @button("zh", "other", head=1)
        class Other(Button):
            proposal: int
