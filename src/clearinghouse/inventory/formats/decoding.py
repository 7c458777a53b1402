"""Turning a file's bytes into text, TOML or JSON, with errors that name the file."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from clearinghouse.inventory.formats.interface import InventoryRejected


def text_of(name: str, data: bytes) -> str:
    """The file as UTF-8 text (a leading byte-order mark is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InventoryRejected(f"{name}: not UTF-8 text (byte {error.start})") from None


def database_text_of(name: str, data: bytes) -> tuple[str, list[str]]:
    """An installed-package database as text, and a warning if it is not all UTF-8.

    Package names and versions are ASCII, but old packages wrote Latin-1 into descriptions and
    maintainer names; one such byte must not cost the whole database. Invalid bytes become U+FFFD.
    """
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        warning = f"{name}: not all UTF-8 (first bad byte at {error.start}), read with replacements"
        return data.decode("utf-8-sig", errors="replace"), [warning]


def toml_of(name: str, data: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(text_of(name, data))
    except tomllib.TOMLDecodeError as error:
        raise InventoryRejected(f"{name}: not valid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InventoryRejected(f"{name}: TOML nested too deeply") from None


def json_object_of(name: str, data: bytes) -> dict[str, Any]:
    """The file as a JSON object; any other JSON value is rejected."""
    try:
        document = json.loads(text_of(name, data))
    except json.JSONDecodeError as error:
        raise InventoryRejected(
            f"{name}: not valid JSON: line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise InventoryRejected(f"{name}: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise InventoryRejected(f"{name}: expected a JSON object, found {type(document).__name__}")
    return document


def string_field(where: str, table: dict[str, Any], key: str) -> str:
    """A required, non-empty string member of a table."""
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise InventoryRejected(f"{where}: {key!r} missing or not a string")
    return value
