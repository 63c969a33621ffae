"""Persistence: the only package that talks SQL."""
