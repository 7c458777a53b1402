"""Reading lockfiles beyond `decoding`: blank JSON files, YAML, and typed access to fields.

A file that is not what it claims to be, or a field of the wrong type, is an `InventoryRejected`
naming the file and the place, never a decoder's own exception or a KeyError/TypeError.
"""

from __future__ import annotations

from typing import Any

import yaml

from clearinghouse.inventory.formats.decoding import json_object_of, text_of
from clearinghouse.inventory.formats.interface import InventoryRejected


def json_lockfile(name: str, data: bytes) -> dict[str, Any]:
    """A JSON lockfile's top-level object; a blank file locks nothing, as osv-scanner reads it."""
    if not data.strip():
        return {}
    return json_object_of(name, data)


class _LockfileYamlLoader(yaml.BaseLoader):
    """YAML's base schema without aliases: lockfiles never use them, and a few nested aliases
    expand into more nodes than any machine can walk ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) have no place in a lockfile", self.get_mark()
            )
        return super().compose_node(parent, index)


def yaml_mapping(name: str, data: bytes) -> dict[str, Any] | None:
    """A YAML document whose top level is a mapping; None for an empty document.

    Every scalar stays the string the file holds (YAML's base schema): a version `1.10` must not
    become the number 1.1, and `true` is the string "true". Aliases are refused.
    """
    text = text_of(name, data)
    try:
        document = yaml.load(text, Loader=_LockfileYamlLoader)  # noqa: S506 - plain data only
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(err, "problem", None) or "malformed"
        raise InventoryRejected(f"{name}: not YAML: {problem}{at}") from err
    except RecursionError as err:
        raise InventoryRejected(f"{name}: nested too deeply to be a lockfile") from err
    if document is None:
        return None
    if not isinstance(document, dict):
        raise InventoryRejected(f"{name}: the top level is {kind_of(document)}, not a mapping")
    return document


def table_at(name: str, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """`parent[key]` when it is a table/object; absent or empty (YAML `key:`) is an empty table."""
    value = parent.get(key)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise InventoryRejected(f"{name}: {where}{key} is {kind_of(value)}, not a table")
    return value


def string_at(name: str, parent: dict[str, Any], key: str, where: str) -> str | None:
    """`parent[key]` when it is a string; absent is None."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InventoryRejected(f"{name}: {where}{key} is {kind_of(value)}, not a string")
    return value


def kind_of(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


def tables_at(name: str, parent: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """`parent[key]` as a list of tables (TOML `[[key]]`); absent is an empty list."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InventoryRejected(f"{name}: {key} is {kind_of(value)}, not a list of tables")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InventoryRejected(f"{name}: {key}[{index}] is {kind_of(item)}, not a table")
    return value
