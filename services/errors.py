"""The two ways a use case says no, answered in one place by the router (bot/router.py).

The router does not roll back: it audits the refusal and the update's transaction commits. So a
use case raises them before it changes anything, except that it may first end the dialog that
led to something gone (a dialog about a dissolved tandem must not ask again); that end commits
with the audit row.
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
