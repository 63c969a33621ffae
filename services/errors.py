"""The two ways a use case says no, answered in one place by the router (handlers/router.py).

Both leave the transaction as it was when they were raised: a use case raises them before it
changes anything, so the router can audit the refusal and commit the audit row alone.
"""

from __future__ import annotations


class Stale(Exception):
    """The button or dialog points at something that is gone, changed, or not the user's own:
    an old keyboard, a forged press, another tandem's id. The user is told "no longer valid"
    (an alert when `alert`, else the small toast) and the press is audited.

    `key` names another catalog message to show instead (e.g. "meet.changed_alert"), and `edit`
    removes the pressed keyboard so it cannot be pressed again."""

    def __init__(
        self,
        reason: str = "",
        *,
        alert: bool = False,
        key: str = "error.stale_button",
        edit: bool = False,
    ) -> None:
        super().__init__(reason or key)
        self.reason = reason
        self.alert = alert
        self.key = key
        self.edit = edit


class Refused(Exception):
    """The acting user lacks the right: not a coordinator, or a coordinator of other programs
    only (`all_programs`). Answered with "not allowed" and audited as `refused`."""

    def __init__(self, what: str, *, all_programs: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.all_programs = all_programs
