"""Clearinghouse: validate, prioritize and distribute vulnerability fixes."""

__version__ = "0.1.0"
