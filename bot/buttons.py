"""Typed buttons: every kind of button is a small frozen dataclass, registered by its prefix.

Callback data is `prefix[:action]:field...`, at most 64 bytes (Telegram's limit; `pack` refuses
more, so a long value fails in tests, not in production). `parse` turns data back into the
button's type with every field checked (row ids within an SQL INTEGER, Telegram ids within a
BIGINT, enum members, dates), and raises `services.errors.Stale` for anything else: the router
answers that in one place. Each kind names the handler it goes to (`@on(Kind)`), and whether only
coordinators may press it, so the router checks the role before anything is parsed.

The security test and the fuzzers forge presses from `REGISTRY` (see `shapes`), so a button
added tomorrow is attacked the day it is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import itertools
import types
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Literal,
    NewType,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
)

from services.errors import Stale

if TYPE_CHECKING:
    from bot.context import Ctx

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
MAX_ROW_ID = 2**31 - 1  # an SQL INTEGER: PostgreSQL refuses a larger parameter outright
MAX_BIG_ID = 2**63 - 1  # a BIGINT: Telegram user ids, unix times

# A Telegram user id or a unix time in a button: 64 bits, where a plain `int` field is a row id.
BigInt = NewType("BigInt", int)


@dataclass_transform(frozen_default=True)
class Button:
    """Base of every button kind; subclasses are made with `@button(prefix, action)`, or, for a
    family of kinds that share a prefix and leading fields, as one-line subclasses of a family:

        class OnSurvey(Button, prefix="sk", coordinator=True):
            survey: int

        class ShowSurvey(OnSurvey, action="v"): ...

    The family (a class given `prefix`) is a frozen dataclass that is not registered itself; a
    subclass given `action` is registered with the family's prefix, role and head, so a family of
    twenty kinds does not repeat twenty decorators that differ in one word."""

    PREFIX: ClassVar[str]
    ACTION: ClassVar[str | None]
    COORDINATOR: ClassVar[bool]
    HEAD: ClassVar[int]
    _CODECS: ClassVar[tuple[tuple[str, Codec], ...]]
    _FAMILY: ClassVar[tuple[str, bool, int] | None] = None  # prefix, coordinator, head

    def __init_subclass__(
        cls,
        *,
        prefix: str | None = None,
        action: str | None = None,
        coordinator: bool = False,
        head: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            cls._FAMILY = (prefix, coordinator, head)
            dataclass(frozen=True)(cls)
        elif action is not None:
            if cls._FAMILY is None:
                raise ValueError(f"button {cls.__name__}: an action without a family's prefix")
            family_prefix, family_coordinator, family_head = cls._FAMILY
            _declare(cls, family_prefix, action, family_coordinator, family_head)

    def pack(self) -> str:
        values = [codec.dump(getattr(self, name)) for name, codec in self._CODECS]
        action = [self.ACTION] if self.ACTION is not None else []
        parts = [self.PREFIX, *values[: self.HEAD], *action, *values[self.HEAD :]]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, args: list[str]) -> Button:
        if len(args) != len(cls._CODECS):
            raise Stale(f"{cls.__name__}: {len(args)} fields")
        values = {}
        for (name, codec), raw in zip(cls._CODECS, args, strict=True):
            value = codec.load(raw)
            if value is _BAD:
                raise Stale(f"{cls.__name__}.{name}={raw[:20]!r}")
            values[name] = value
        return cls(**values)


B = TypeVar("B", bound=Button)
Handler = Callable[["Ctx", Any], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    """A registered button kind and the handler its presses go to."""

    type: type[Button]
    handler: Handler | None = None


REGISTRY: dict[tuple[str, str | None], Kind] = {}
# Prefixes whose action follows some leading fields (`mt:<proposal>:<version>:<action>:...`):
# how many. Every kind of such a prefix has the same head.
HEADS: dict[str, int] = {}
# The modules that declare and handle each prefix's kinds, imported before a press of it is
# looked up: flows are imported on first use (bot.router fills this in; `bot` names no handler
# module itself). A prefix not in it imports nothing.
FLOWS_OF_PREFIX: dict[str, tuple[str, ...]] = {}


@dataclass_transform(frozen_default=True)
def button(
    prefix: str, action: str | None = None, *, coordinator: bool = False, head: int = 0
) -> Callable[[type[B]], type[B]]:
    """Declare a button kind: `@button("me", "day") class PickDay(Button): day: dt.date`.

    `head` > 0 puts the action after that many leading fields, for a wire format whose buttons
    all start with the same fields (the proposal and its version: `mt:7:3:pin:12`)."""

    def declare(cls: type[B]) -> type[B]:
        return _declare(cls, prefix, action, coordinator, head)

    return declare


def _declare(
    cls: type[B], prefix: str, action: str | None, coordinator: bool, head: int
) -> type[B]:
    key = (prefix, action)
    if key in REGISTRY:
        raise ValueError(f"button {prefix}:{action} declared twice")
    if HEADS.setdefault(prefix, head) != head or (head and action is None):
        raise ValueError(f"button {prefix}:{action}: every kind needs the same head and an action")
    if SEPARATOR in prefix or (action is not None and SEPARATOR in action):
        raise ValueError(f"separator in button {prefix}:{action}")
    made: Any = dataclass(frozen=True)(cls)
    hints = typing.get_type_hints(made)
    made.PREFIX, made.ACTION, made.COORDINATOR = prefix, action, coordinator
    made.HEAD = head
    made._CODECS = tuple((f.name, codec_for(hints[f.name])) for f in dataclasses.fields(made))
    REGISTRY[key] = Kind(made)
    return made  # type: ignore[no-any-return]


def on(kind: type[B]) -> Callable[[Callable[[Ctx, B], Awaitable[None]]], Callable[..., Any]]:
    """Register the handler for presses of `kind`."""

    def register(fn: Callable[[Ctx, B], Awaitable[None]]) -> Callable[..., Any]:
        key = (kind.PREFIX, kind.ACTION)
        if REGISTRY[key].handler is not None:
            raise ValueError(f"two handlers for {kind.__name__}")
        REGISTRY[key] = Kind(kind, fn)
        return fn

    return register


def lookup(data: str | None) -> tuple[Kind, list[str]] | None:
    """The registered kind for callback data and its field strings; an action part is tried
    first, then the prefix alone (a kind without an action has its first field there)."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(SEPARATOR)
    for module in FLOWS_OF_PREFIX.get(parts[0], ()):
        importlib.import_module(module)
    head = HEADS.get(parts[0], 0)
    if len(parts) >= head + 2 and (kind := REGISTRY.get((parts[0], parts[head + 1]))) is not None:
        return kind, parts[1 : head + 1] + parts[head + 2 :]
    if (kind := REGISTRY.get((parts[0], None))) is not None:
        return kind, parts[1:]
    return None


def prefixes() -> frozenset[str]:
    return frozenset(prefix for prefix, _ in REGISTRY)


# --- field codecs --------------------------------------------------------------------------------

_BAD: Any = object()


@dataclass(frozen=True)
class Codec:
    dump: Callable[[Any], str]
    load: Callable[[str], Any]  # the value, or _BAD
    samples: tuple[str, ...] = ()  # every valid value when there are few (enums, flags)


def _digits(limit: int) -> Callable[[str], Any]:
    def load(raw: str) -> Any:
        # isdigit() alone accepts "²" and other Unicode digits that int() then rejects.
        if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
            return _BAD
        number = int(raw)
        return number if number <= limit else _BAD

    return load


def _dump_int(limit: int) -> Callable[[Any], str]:
    def dump(value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise ValueError(f"not a button number: {value!r}")
        return str(value)

    return dump


def _dump_text(value: Any) -> str:
    if not isinstance(value, str) or not value or SEPARATOR in value:
        raise ValueError(f"not a button word: {value!r}")
    return value


def _load_text(raw: str) -> Any:
    return raw if raw else _BAD


def _load_date(raw: str) -> Any:
    if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
        return _BAD
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        return _BAD


def _choices(values: tuple[str, ...], convert: Callable[[str], Any]) -> Codec:
    def load(raw: str) -> Any:
        return convert(raw) if raw in values else _BAD

    def dump(value: Any) -> str:
        text = value.value if isinstance(value, enum.Enum) else str(value)
        if text not in values:
            raise ValueError(f"not one of {values}: {value!r}")
        return text

    return Codec(dump, load, values)


def codec_for(hint: Any) -> Codec:
    """How a field of this type is written into callback data and read back."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType) and type(None) in get_args(hint):
        (inner,) = [a for a in get_args(hint) if a is not type(None)]
        codec = codec_for(inner)
        return Codec(
            lambda v: "" if v is None else codec.dump(v),
            lambda raw: None if raw == "" else codec.load(raw),
            (*codec.samples, "") if codec.samples else (),
        )
    if hint is BigInt:
        return Codec(_dump_int(MAX_BIG_ID), _digits(MAX_BIG_ID))
    if hint is bool:
        return Codec(
            lambda v: "1" if v else "0",
            lambda raw: {"1": True, "0": False}.get(raw, _BAD),
            ("1", "0"),
        )
    if hint is int:
        return Codec(_dump_int(MAX_ROW_ID), _digits(MAX_ROW_ID))
    if hint is str:
        return Codec(_dump_text, _load_text)
    if hint is dt.date:
        return Codec(lambda d: d.strftime("%Y%m%d"), _load_date)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _choices(tuple(str(m.value) for m in hint), hint)
    if origin is Literal:
        values = tuple(str(a) for a in get_args(hint))
        return _choices(values, lambda raw: raw)
    raise TypeError(f"no button codec for {hint!r}")


# --- for tests: every shape a press can take ------------------------------------------------------

ID = None  # a field the forging test fills with ids of its own


def shapes() -> Iterator[tuple[str | None, ...]]:
    """Every registered kind as callback-data parts: literal prefix, action and every value of a
    field with few values (enums, flags); `ID` for a number or a word."""
    for kind in REGISTRY.values():
        action: tuple[str | None, ...] = () if kind.type.ACTION is None else (kind.type.ACTION,)
        options = [codec.samples or (ID,) for _, codec in kind.type._CODECS]
        lead = kind.type.HEAD
        for combo in itertools.islice(itertools.product(*options), 64):
            yield (kind.type.PREFIX, *combo[:lead], *action, *combo[lead:])
