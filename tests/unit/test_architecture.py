"""The shape of the code, measured: who may import whom, how large a module may grow, and how
much of the code is handler code. A change that breaks a rule fails here with the offender named,
rather than in a review months later (docs/architecture.md explains the rules)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("bot", "handlers", "core", "storage", "services")
MIGRATIONS = ROOT / "storage" / "migrations"
MAX_MODULE_LINES = 400
# The assignment solver is one algorithm (a sparse auction with its optimality certificate);
# splitting it would scatter one proof over several files.
LARGE_ON_PURPOSE = {"core/matching/solver.py"}
# Wiring: the modules that put the layers together may import any of them.
WIRING = {"bot/app.py", "bot/cli.py", "bot/router.py"}


def modules() -> Iterator[Path]:
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            if MIGRATIONS not in path.parents:
                yield path


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def runtime_imports(path: Path) -> set[str]:
    """Absolute imports that run when the module is used: everything but `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                visit(other)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return found


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def top(name: str) -> str:
    return name.split(".")[0]


FORBIDDEN = {
    "core": {"telegram", "sqlalchemy", "bot", "handlers", "services", "storage"},
    "storage": {"telegram", "bot", "handlers", "services"},
    "services": {"telegram", "bot", "handlers"},
    "handlers": {"storage"},
    "bot": {"handlers"},
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    offenders = {
        rel(path): sorted(name for name in runtime_imports(path) if top(name) in FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
        if rel(path) not in WIRING and MIGRATIONS not in path.parents
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def flows() -> set[str]:
    """The modules that handle what a user does: those of the router's commands and of the
    handlers registered for buttons and dialogs. Shared renderers (handlers/views), the
    introduction sender and the scheduled messages' renderer are not flows."""
    from bot import buttons, dialogs, router

    router.load_all()
    handlers = [
        *(router.command_function(name) for name in router.COMMANDS),
        *(kind.handler for kind in buttons.REGISTRY.values() if kind.handler is not None),
        *(flow.on_text for flow in dialogs.FLOWS.values()),
    ]
    return {fn.__module__ for fn in handlers}


def test_the_flows_are_found() -> None:
    assert {"handlers.meetings", "handlers.registration", "handlers.agreement"} <= flows()
    assert not any(name.startswith("handlers.views") for name in flows())


def test_no_flow_imports_another_flow() -> None:
    names = flows()
    offenders = {}
    for name in sorted(names):
        path = ROOT / (name.replace(".", "/") + ".py")
        imported = {n if n in names else n.rsplit(".", 1)[0] for n in runtime_imports(path)} & (
            names - {name}
        )
        if imported:
            offenders[name] = sorted(imported)
    assert offenders == {}


def test_views_do_not_import_flows() -> None:
    names = flows()
    offenders = {
        rel(path): sorted(n for n in runtime_imports(path) if n in names)
        for path in (ROOT / "handlers" / "views").glob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_no_module_grows_past_its_limit() -> None:
    large = {
        rel(path): lines(path)
        for path in modules()
        if lines(path) > MAX_MODULE_LINES and rel(path) not in LARGE_ON_PURPOSE
    }
    assert large == {}


def test_handlers_are_at_most_three_tenths_of_the_code() -> None:
    total = sum(lines(path) for path in modules())
    handler_lines = sum(lines(path) for path in modules() if rel(path).startswith("handlers/"))
    assert handler_lines / total <= 0.30, f"{handler_lines} of {total} lines"
