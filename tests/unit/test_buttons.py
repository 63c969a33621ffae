"""Typed buttons: what they pack to, and every way a forged or stale press is refused."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from bot import buttons, router
from bot.buttons import BigInt, Button, button
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
    router.load_all()
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


def _load(hint: object, raw: str) -> object:
    value = buttons.codec_for(hint).load(raw)
    return None if value is buttons._BAD else value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("2147483647", 2**31 - 1),  # the largest SQL INTEGER
        ("2147483648", None),  # PostgreSQL would refuse the parameter
        ("8000000000", None),
        ("9" * 18, None),
        ("", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("1e3", None),
        ("0x10", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not ASCII
        ("²", None),
        ("abc", None),
    ],
)
def test_a_row_id_is_ascii_digits_within_an_sql_integer(value: str, expected: int | None) -> None:
    assert _load(int, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8000000000", 8_000_000_000),  # a Telegram user id beyond 32 bits
        ("9223372036854775807", 2**63 - 1),  # the largest BIGINT
        ("9223372036854775808", None),
        ("9" * 20, None),
        ("²", None),
        ("-5", None),
    ],
)
def test_a_telegram_id_is_within_a_bigint(value: str, expected: int | None) -> None:
    assert _load(BigInt, value) == expected


@pytest.mark.parametrize("data", [None, "", "x" * 65, "ä" * 33, "zz:t:" + "1" * 60])
def test_junk_or_oversized_data_names_no_kind(data: str | None) -> None:
    assert buttons.lookup(data) is None


def test_the_limit_is_64_bytes_not_characters() -> None:
    assert buttons.MAX_CALLBACK_BYTES == 64
    # 22 umlauts are 44 bytes: with the other fields the data is under 64 characters but over
    # 64 bytes, and Telegram counts bytes.
    umlauts = Sample(1, BigInt(1), Colour.RED, dt.date(2027, 1, 1), False, "ä" * 22)
    with pytest.raises(ValueError, match="64 bytes"):
        umlauts.pack()
    fits = Sample(1, BigInt(1), Colour.RED, dt.date(2027, 1, 1), False, "ä" * 16)
    assert len(fits.pack().encode()) <= 64
