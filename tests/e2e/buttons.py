"""Every button the handlers can build: the typed registry (handlers/buttons.py), and, for the
flows not yet on it, the `pack(...)` calls read from their source.

Tests that forge callback data (the security test, the fuzzers) take their shapes from here
rather than from a hand-written list, so a button added tomorrow is forged the day it is
written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import handlers
import handlers.router
from handlers import buttons

HANDLERS = Path(handlers.__file__).resolve().parent
ID = None  # a part that is not a literal: an id, mostly, filled in by the test


def callback_shapes() -> list[tuple[str | None, ...]]:
    """The shape of every `pack(...)` call in the handlers: literal parts (and module string
    constants such as `PREFIX`) kept, `ID` for a computed part."""
    found: set[tuple[str | None, ...]] = set()
    for path in HANDLERS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "pack":
                parts: list[str | None] = []
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        parts.append(arg.value)
                    elif isinstance(arg, ast.Name) and arg.id in constants:
                        parts.append(constants[arg.id])
                    else:
                        parts.append(ID)
                found.add(tuple(parts))
    found.update(buttons.shapes())
    return sorted(found, key=lambda parts: [p or "" for p in parts])
