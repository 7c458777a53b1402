"""Device lists: what an operator without SBOMs knows of its equipment, one device per row.

The columns are `vendor`, `product` and `version` (required), and `cpe`, `name`, `notes`
(optional); their names are matched without regard to case or surrounding spaces. Both the CSV
and the YAML reader hand each row here as a mapping of column to text, with its place in the
file for messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from clearinghouse.inventory.formats.interface import Component, InventoryRejected
from clearinghouse.knowledge.service import CpeError, device_cpe

REQUIRED = ("vendor", "product", "version")
OPTIONAL = ("cpe", "name", "notes")


def column(header: str) -> str:
    return header.strip().lower()


def missing_columns(columns: Iterable[str]) -> list[str]:
    present = {column(c) for c in columns}
    return [c for c in REQUIRED if c not in present]


def device(row: Mapping[str, str | None], where: str, name: str) -> Component:
    """One device. `row` maps normalized column names to the cell's text (None when empty)."""
    values = {key: (value or "").strip() for key, value in row.items()}
    empty = [c for c in REQUIRED if not values.get(c)]
    if empty:
        raise InventoryRejected(
            f"{name}: {where}: {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty "
            f"(every device needs {', '.join(REQUIRED)})"
        )
    cpe = values.get("cpe") or None
    if cpe is not None:
        try:
            device_cpe(cpe)
        except CpeError as exc:
            raise InventoryRejected(f"{name}: {where}: cpe: {exc}") from None
    return Component(
        name=values.get("name") or values["product"],
        version=values["version"],
        cpe=cpe,
        vendor=values["vendor"],
        product=values["product"],
        location=where,
    )
