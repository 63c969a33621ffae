"""The Bot API description (api.json) and validation of incoming parameters against it.

Validation is stricter than Telegram on purpose: unknown parameter or field names are errors,
because in tests a typo must fail loudly instead of being silently ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ApiError, bad_request
from .models import UploadedFile

DEFAULT_SPEC_PATH = Path(__file__).with_name("data") / "api.json"

_INT_RE = re.compile(r"^[+-]?\d+$")
_MUST_BE_RE = re.compile(r"(?:must be|always)\s+[\"“*]?([a-z_]+)")
_BASE_TYPES = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, Field]
    returns: tuple[str, ...]


class _Mismatch(Exception):
    """Internal: a value does not fit a type; carries a human-readable reason."""


class ApiSpec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.methods: dict[str, MethodSpec] = {}
        for name, raw in data["methods"].items():
            fields = {
                f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]))
                for f in raw.get("fields", [])
            }
            self.methods[name.lower()] = MethodSpec(name, fields, tuple(raw.get("returns", [])))
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._discriminators: dict[str, dict[str, str]] = {}

    @classmethod
    def load(cls, path: Path | str | None = None) -> ApiSpec:
        with Path(path or DEFAULT_SPEC_PATH).open(encoding="utf-8") as fh:
            return cls(json.load(fh))

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def type_fields(self, type_name: str) -> dict[str, Field]:
        raw = self.types.get(type_name, {})
        return {
            f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]))
            for f in raw.get("fields", [])
        }

    # -- validation -----------------------------------------------------------------------------

    def validate(
        self,
        method: MethodSpec,
        params: dict[str, Any],
        *,
        encoded: bool,
    ) -> dict[str, Any]:
        """Check names, presence and types; return params with JSON-encoded values decoded.

        ``encoded`` means values arrived as form/query strings, where numbers, booleans and
        objects are all text and need decoding before they can be checked.
        """
        for name in params:
            if name not in method.fields:
                raise bad_request(f"unknown parameter {name}")
        out: dict[str, Any] = {}
        for spec_field in method.fields.values():
            if spec_field.name not in params:
                if spec_field.required:
                    raise _missing(spec_field.name)
                continue
            value = params[spec_field.name]
            try:
                out[spec_field.name] = self._check(value, spec_field.types, encoded, top=True)
            except _Mismatch as exc:
                raise bad_request(f"can't parse {spec_field.name}: {exc}") from None
        return out

    def _check(self, value: Any, types: tuple[str, ...], encoded: bool, *, top: bool) -> Any:
        # Strings are the catch-all, so try every more specific type first.
        ordered = sorted(types, key=lambda t: t == "String")
        errors: list[str] = []
        for type_name in ordered:
            try:
                return self._check_one(value, type_name, encoded, top=top)
            except _Mismatch as exc:
                errors.append(str(exc))
        raise _Mismatch(errors[0] if len(errors) == 1 else "; or ".join(errors))

    def _check_one(self, value: Any, type_name: str, encoded: bool, *, top: bool) -> Any:
        if type_name.startswith("Array of "):
            inner = type_name[len("Array of ") :]
            if isinstance(value, str) and (encoded or top):
                value = _json(value)
            if not isinstance(value, list):
                raise _Mismatch(f"expected {type_name}")
            return [self._check(item, (inner,), False, top=False) for item in value]
        if type_name == "Integer":
            if isinstance(value, bool):
                raise _Mismatch("expected Integer")
            if isinstance(value, int):
                return value
            if isinstance(value, str) and _INT_RE.match(value.strip()):
                return int(value.strip())
            raise _Mismatch("expected Integer")
        if type_name == "Float":
            if isinstance(value, bool):
                raise _Mismatch("expected Float")
            if isinstance(value, int | float):
                return value
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            raise _Mismatch("expected Float")
        if type_name in ("Boolean", "True"):
            result: bool | None = None
            if isinstance(value, bool):
                result = value
            elif isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
                result = value.strip().lower() in ("true", "1")
            elif isinstance(value, int) and value in (0, 1):
                result = bool(value)
            if result is None or (type_name == "True" and not result):
                raise _Mismatch(f"expected {type_name}")
            return result
        if type_name == "String":
            if isinstance(value, str):
                return value
            if top and isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise _Mismatch("expected String")
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            raise _Mismatch("expected a file upload")
        if type_name not in self.types:
            return value  # a type the description does not define: nothing to check against
        if isinstance(value, str) and (encoded or top):
            value = _json(value)
        if not isinstance(value, dict):
            raise _Mismatch(f"expected {type_name} object")
        return self._check_object(value, type_name)

    def _check_object(self, value: dict[str, Any], type_name: str) -> dict[str, Any]:
        raw = self.types[type_name]
        subtypes: list[str] = raw.get("subtypes") or []
        if subtypes:
            kind = value.get("type")
            mapping = self._discriminator(type_name)
            if isinstance(kind, str) and kind in mapping:
                return self._check_object(value, mapping[kind])
            if not mapping:
                errors = []
                for sub in subtypes:
                    try:
                        return self._check_object(value, sub)
                    except _Mismatch as exc:
                        errors.append(str(exc))
                raise _Mismatch("; or ".join(errors))
            raise _Mismatch(f"unsupported {type_name} type {kind!r}")
        fields = self.type_fields(type_name)
        if not fields:
            return value
        for key in value:
            if key not in fields:
                raise _Mismatch(f"unknown field {key!r} in {type_name}")
        out: dict[str, Any] = {}
        for spec_field in fields.values():
            if spec_field.name not in value:
                if spec_field.required:
                    raise _Mismatch(f"field {spec_field.name!r} of {type_name} is required")
                continue
            try:
                out[spec_field.name] = self._check(
                    value[spec_field.name], spec_field.types, False, top=False
                )
            except _Mismatch as exc:
                raise _Mismatch(f"{type_name}.{spec_field.name}: {exc}") from None
        expected_kind = self._constant_type(type_name)
        if expected_kind is not None and out.get("type") != expected_kind:
            raise _Mismatch(f"{type_name}.type must be {expected_kind!r}")
        return out

    def _constant_type(self, type_name: str) -> str | None:
        if not self.types.get(type_name, {}).get("subtype_of"):
            return None
        type_field = next(
            (f for f in self.types[type_name].get("fields", []) if f["name"] == "type"), None
        )
        if type_field is None:
            return None
        match = _MUST_BE_RE.search(type_field.get("description", ""))
        return match.group(1) if match else None

    def _discriminator(self, type_name: str) -> dict[str, str]:
        if type_name not in self._discriminators:
            mapping: dict[str, str] = {}
            for sub in self.types[type_name].get("subtypes") or []:
                kind = self._constant_type(sub)
                if kind is not None:
                    mapping[kind] = sub
            self._discriminators[type_name] = mapping
        return self._discriminators[type_name]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise _Mismatch("invalid JSON") from None


def _missing(name: str) -> ApiError:
    if name == "text":
        return bad_request("message text is empty")
    if name in ("document", "photo", "audio", "video", "sticker"):
        return bad_request(f"there is no {name} in the request")
    return bad_request(f"{name} is empty")
