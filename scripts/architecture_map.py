"""The map of docs/architecture.md: for each thing a user can do, the handler, the use case, the
storage module and the tests, read from the code itself.

The commands come from the router, the buttons and dialogs from their registries
(handlers/buttons.py, handlers/dialogs.py); which use case a handler calls and which storage
module a use case reaches are read from their source (calls through module imports, following
helper functions of the same module). tests/unit/test_architecture_map.py fails when the map in
the document differs from what this prints; `python scripts/architecture_map.py --write`
updates it.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- map:start -->", "<!-- map:end -->"
DEPTH = 4


@cache
def _tree(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


@cache
def _aliases(module: ModuleType) -> dict[str, str]:
    """Local name -> dotted target (`import a.b as c`, `from a import b`, `from a.b import f`)."""
    names: dict[str, str] = {}
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _function(module: ModuleType, name: str) -> ast.AST | None:
    for node in _tree(module).body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == name:
            return node
    return None


def _source(fn: Callable[..., Any]) -> list[ast.AST]:
    """The handler's own code, and that of the function it wraps (a decorator that answers a
    stale press before calling the flow's function)."""
    codes = [fn.__code__]
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        codes.append(wrapped.__code__)
    return [ast.parse(textwrap.dedent(inspect.getsource(code))) for code in codes]


def _calls(module: ModuleType, node: ast.AST | None) -> Iterator[str]:
    """Dotted names of the functions the code calls or hands on (module attributes and imported
    functions), and local functions as `module.name`."""
    if node is None:
        return
    aliases = _aliases(module)
    for item in ast.walk(node):
        if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name):
            target = aliases.get(item.value.id)
            owner = sys.modules.get(target or "")
            if owner is not None and inspect.isfunction(getattr(owner, item.attr, None)):
                yield f"{target}.{item.attr}"
        elif isinstance(item, ast.Call) and isinstance(item.func, ast.Name):
            name = item.func.id
            if name in aliases:
                owner_name, _, attr = aliases[name].rpartition(".")
                owner = sys.modules.get(owner_name)
                if owner is not None and inspect.isfunction(getattr(owner, attr, None)):
                    yield aliases[name]
            elif _function(module, name) is not None:
                yield f"{module.__name__}.{name}"


def reached(
    module: ModuleType, roots: list[ast.AST], layer: str, through: tuple[str, ...]
) -> list[str]:
    """Functions of `layer` (a package name) that the code reaches, following its own
    module's helpers and modules of the packages in `through`."""
    found: list[str] = []
    seen: set[str] = set()

    def visit(mod: ModuleType, node: ast.AST | None, depth: int) -> None:
        for target in _calls(mod, node):
            if target in seen:
                continue
            seen.add(target)
            owner, _, attr = target.rpartition(".")
            if owner.split(".")[0] == layer and owner != mod.__name__:
                found.append(target)
                continue
            if (
                depth < DEPTH
                and owner in sys.modules
                and (owner == mod.__name__ or owner.split(".")[0] in through)
            ):
                owner_module = sys.modules[owner]
                visit(owner_module, _function(owner_module, attr), depth + 1)

    for root in roots:
        visit(module, root, 0)
    return sorted(dict.fromkeys(found))


def _short(names: list[str], prefix: str) -> str:
    modules = sorted({n.rsplit(".", 1)[0].removeprefix(prefix) for n in names})
    return ", ".join(f"`{m}`" for m in modules) or "–"


def _use_cases(names: list[str]) -> str:
    return ", ".join(f"`{n.removeprefix('services.')}`" for n in names) or "–"


def _tests(service_names: list[str], words: list[str]) -> str:
    files = set()
    for name in service_names:
        module = name.split(".")[1]
        path = ROOT / "tests" / "services" / f"test_{module}.py"
        if path.exists():
            files.add(path.relative_to(ROOT).as_posix())
    # The end-to-end files that use the command (or name the flow) most: the fuzzers and the
    # golden files touch everything and are left out.
    scored = []
    for path in (ROOT / "tests" / "e2e").glob("test_*.py"):
        if path.stem in ("test_fuzz", "test_fuzz_updates") or path.stem.startswith("test_golden"):
            continue
        hits = sum(path.read_text(encoding="utf-8").count(word) for word in words)
        if hits:
            scored.append((-hits, path.relative_to(ROOT).as_posix()))
    e2e = [name for _, name in sorted(scored)[:2]]
    return ", ".join(f"`{f.removeprefix('tests/')}`" for f in sorted(files) + e2e) or "–"


def _row(action: str, fn: Callable[..., Any], words: list[str]) -> str:
    module = sys.modules[fn.__module__]
    name = getattr(fn, "__wrapped__", fn).__name__
    use_cases = reached(module, _source(fn), "services", ("handlers",))
    storage: list[str] = []
    for use_case in use_cases:
        owner, _, attr = use_case.rpartition(".")
        if owner in sys.modules:
            node = _function(sys.modules[owner], attr)
            storage += reached(sys.modules[owner], [node] if node else [], "storage", ("services",))
    handler = f"`{module.__name__.removeprefix('handlers.')}.{name}`"
    return (
        f"| {action} | {handler} | {_use_cases(use_cases)} | {_short(storage, 'storage.')} "
        f"| {_tests(use_cases, words)} |"
    )


def table() -> str:
    from bot import buttons, dialogs, router

    router.load_all()
    commands: dict[str, Callable[..., Any]] = {
        name: router.command_function(name) for name in router.COMMANDS
    }
    by_module: dict[str, list[str]] = {}
    for name, fn in commands.items():
        by_module.setdefault(fn.__module__, []).append(f'"/{name}')
    lines = [
        "| What a user does | Handler (`handlers/`) | Use case (`services/`) | Storage | Tests |",
        "|---|---|---|---|---|",
    ]
    for name, fn in commands.items():
        lines.append(_row(f"`/{name}`", fn, [f'"/{name}']))
    for (prefix, action), kind in sorted(buttons.REGISTRY.items(), key=lambda i: str(i[0])):
        if kind.handler is None:
            continue
        data = f"{prefix}:{action}" if action else prefix
        words = by_module.get(kind.handler.__module__) or [kind.handler.__module__.split(".")[-1]]
        lines.append(_row(f"button `{data}` ({kind.type.__name__})", kind.handler, words))
    for flow in sorted(dialogs.FLOWS.values(), key=lambda f: f.name):
        words = by_module.get(flow.on_text.__module__) or [flow.on_text.__module__.split(".")[-1]]
        lines.append(_row(f"text in dialog `{flow.name}`", flow.on_text, words))
    return "\n".join(lines)


def document(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> None:
    current = DOC.read_text(encoding="utf-8")
    if "--write" in sys.argv:
        DOC.write_text(document(current), encoding="utf-8")
    else:
        print(table())


if __name__ == "__main__":
    main()
