"""The use cases: what a user can do, with its permissions and rules, and nothing of Telegram.

A use case takes a `UnitOfWork` (the update's transaction, the clock reading and the acting
user) and plain input, checks who may do it, changes storage, plans what is scheduled and
returns a result that says what happened and who must be told, as data. Handlers render that
result; services never import `telegram` or `handlers` (tests/unit/test_architecture.py).
"""
