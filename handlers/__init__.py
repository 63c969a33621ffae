"""Telegram handlers: thin, one module per flow. Parse the update, call storage/core, render."""
