"""Start-up imports only what the first answer needs: the matching engine (numpy, SciPy),
Alembic (the start checks the schema version with plain SQL) and the exports' libraries load when
used. Measured in docs/performance.md ("Start-up and the cost of an update")."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "scipy", "alembic", "matplotlib", "openpyxl", "reportlab", "PIL")

SCRIPT = f"""
import sys
import bot.app, bot.cli
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_importing_the_bot_leaves_the_heavy_libraries_for_later() -> None:
    done = subprocess.run(  # noqa: S603 - this Python, a fixed script
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "", f"imported at start: {done.stdout.strip()}"
