"""The production package is the bot and nothing else.

The Bot API stand-in (fake_bot_api) accepts any token and plays users, and the demo (demo/) runs
the bot against it: test and demo tooling that must never ship in the wheel or the image, nor be
imported by the bot at run time (a production install has neither it nor aiohttp). These checks
read the same files the build reads, so a package pattern, a COPY line or an import added later
cannot bring it back.
"""

from __future__ import annotations

import ast
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLING = ("fake_bot_api", "demo", "tests", "bench")


def _setuptools_config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, object] = tomllib.load(file)["tool"]["setuptools"]
    return config


def _wheel_packages() -> list[str]:
    """What `pip wheel .` packs: setuptools' find_packages with the same patterns (every
    directory with an __init__.py whose dotted name matches an `include` pattern)."""
    find = _setuptools_config()["packages"]
    assert isinstance(find, dict)
    patterns: list[str] = find["find"]["include"]
    found = []
    for init in ROOT.rglob("__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if not parts or parts[0].startswith("."):
            continue
        # find_packages only descends through packages: every parent needs an __init__.py.
        if not all(
            (ROOT.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))
        ):
            continue
        name = ".".join(parts)
        if any(fnmatchcase(name, pattern) for pattern in patterns):
            found.append(name)
    return sorted(found)


def test_the_wheel_holds_the_production_packages_only() -> None:
    packages = _wheel_packages()
    tops = {name.split(".")[0] for name in packages}
    assert {"bot", "handlers", "core", "storage"} <= tops
    assert not tops & set(TOOLING), packages
    package_data = _setuptools_config()["package-data"]
    assert isinstance(package_data, dict)
    assert not set(package_data) & set(TOOLING)


def test_production_code_never_imports_the_stand_in() -> None:
    """Also lazy imports inside functions: ast.walk sees every import statement. (`tandem-bot
    demo` imports `demo` lazily from the checkout next to an editable install, on purpose, and
    says what to do when it is missing; the demo then brings the stand-in.)"""
    offenders = []
    for package in {name.split(".")[0] for name in _wheel_packages()}:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] in {"fake_bot_api", "aiohttp", "tests", "bench"}:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not offenders


def test_the_image_never_sees_the_stand_in() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copies = [line for line in dockerfile.splitlines() if line.split()[:1] == ["COPY"]]
    assert copies
    assert not [line for line in copies if any(name in line for name in TOOLING)]
    assert not [line for line in copies if line.split()[1:2] == ["."]], "copies everything"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert set(TOOLING) <= set(ignored)
