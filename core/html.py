"""HTML that is already markup, as opposed to user text that must be escaped."""

from __future__ import annotations


class Safe(str):
    """A parameter that is already valid HTML (rendered by us, not typed by a user): the
    translator places it as it is, where any other parameter is escaped."""

    __slots__ = ()
