"""Paragraphs of `Field: value` lines separated by blank lines (Debian control syntax).

dpkg's status database is written in it; continuation lines start with a space or a tab.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearinghouse.inventory.formats.interface import InventoryRejected


@dataclass
class Paragraph:
    line: int  # where it starts
    fields: dict[str, str] = field(default_factory=dict)


def paragraphs(name: str, text: str) -> list[Paragraph]:
    found: list[Paragraph] = []
    current: Paragraph | None = None
    last = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current = None
            continue
        if line[0] in " \t":
            if current is None or not last:
                raise InventoryRejected(f"{name}: line {number}: continuation line without a field")
            current.fields[last] += "\n" + line.strip()
            continue
        key, colon, value = line.partition(":")
        if not colon or not key or " " in key:
            raise InventoryRejected(f"{name}: line {number}: expected 'Field: value', got {line!r}")
        if current is None:
            current = Paragraph(number)
            found.append(current)
        # Field names are case-insensitive in control files; keep the first spelling's meaning.
        last = key.strip().title()
        current.fields[last] = value.strip()
    return found
