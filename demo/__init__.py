"""Try Tandem without Telegram: the Bot API stand-in, the real bot on a fresh SQLite file, a
seeded cohort, and a local web page that shows the chats of several people like Telegram does.

Demo tooling like fake_bot_api: not in the wheel or the image; it runs from a checkout with the
`fake` extra (aiohttp). Start it with `tandem-bot demo`, `python -m demo` or `scripts/run`
without a token.
"""
