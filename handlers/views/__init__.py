"""Shared renderers: the cards, messages and keyboards that more than one flow shows.

A flow module (handlers/*.py) imports views, never another flow; a view module also declares
the button kinds its keyboards carry (handlers/buttons.py), and the flow that handles a kind
registers for it with `@on(Kind)`.
"""
