"""The main navigation; each domain's UI adds its entries when its router is included."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    order: int
    action: str  # the policy action a visitor needs to see the entry


_ITEMS: dict[str, NavItem] = {}


def add_nav_item(key: str, label: str, href: str, order: int, action: str) -> None:
    _ITEMS[key] = NavItem(key, label, href, order, action)


def nav_items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda item: (item.order, item.label))
