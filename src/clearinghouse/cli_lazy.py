"""Sub-commands imported only when they run (or when help lists them).

Importing every domain's CLI (and, through them, the web framework, the sandbox and the
benchmark) costs about a second before any command starts. The root command knows its
sub-commands by name and where they live; the module is imported when the name is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer._click import Command  # typer carries its own click; its groups hold these
from typer.core import TyperGroup


@dataclass(frozen=True)
class Lazy:
    """`module:attribute`, a Typer app (a command group) or a function (a single command)."""

    target: str

    def load(self, name: str) -> Command:
        module_name, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            command: Command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyCommands(MutableMapping[str, Command]):
    """A group's commands: the loaded ones, and the lazy ones loaded on first lookup."""

    def __init__(self, loaded: Mapping[str, Command], order: Mapping[str, Lazy | None]):
        # `order` names every command in the order help lists them: None for one already loaded.
        self._loaded = dict(loaded)
        self._lazy = {name: lazy for name, lazy in order.items() if lazy is not None}
        unknown = set(order) - set(self._lazy) - set(self._loaded)
        missing = set(self._loaded) - set(order)
        if unknown or missing:
            raise RuntimeError(f"command order out of date: {sorted(unknown | missing)}")
        self._order = list(order)

    def __getitem__(self, name: str) -> Command:
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._lazy:
            raise KeyError(name)  # no such command
        try:
            command = self._lazy[name].load(name)
        except KeyError as exc:  # not "no such command": a bug in the module
            raise RuntimeError(f"loading the {name!r} command failed: {exc!r}") from exc
        self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._order:
            self._order.append(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._loaded.pop(name, None)
        self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._order


def lazy_group(order: Mapping[str, Lazy | None]) -> type[TyperGroup]:
    """A group class whose commands are `order`: Lazy ones imported on use."""

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = LazyCommands(self.commands, order)

    return LazyGroup
