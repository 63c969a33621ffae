"""`python -m fake_bot_api`, from the repository root: the stand-in is not installed with the bot,
and its dependency comes with the `fake` extra; say so instead of a bare ImportError."""

import sys

try:
    import aiohttp  # noqa: F401
except ModuleNotFoundError:
    sys.exit("The Bot API stand-in needs aiohttp: pip install -e '.[fake]' (in the repository).")

from .cli import main

main()
