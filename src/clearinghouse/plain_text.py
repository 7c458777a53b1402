"""Plain text for one line: a table cell, a finding's headline."""

from __future__ import annotations


def clip(text: str | None, width: int) -> str:
    """The text on one line, cut at a word to at most `width` characters, with an ellipsis
    where it was cut."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    return flat[: width - 1].rsplit(" ", 1)[0] + "…"
