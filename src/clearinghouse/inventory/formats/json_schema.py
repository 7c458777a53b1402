"""Validating SBOMs against their official JSON schemas, fast and offline.

The schemas ship in `schemas/` beside this module. Each is compiled once by fastjsonschema
(to Python code, linear in the document) and cached; python-jsonschema is far slower on
large SBOMs and is kept off this path. `$ref`s to other schema files (CycloneDX's
`spdx.schema.json`, `jsf-0.82.schema.json`, `cryptography-defs.schema.json`) are resolved from
the same folder, never the network. Formats (date-time, uri, email …) are checked: without
that several of CycloneDX's own `invalid-*` test documents would pass.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import fastjsonschema

from clearinghouse.inventory.formats.interface import InventoryRejected

Validator = Callable[[Any], Any]


def _load(folder: str, file_name: str) -> Any:
    text = resources.files(__package__).joinpath("schemas", folder, file_name).read_text("utf-8")
    return json.loads(text)


@functools.cache
def validator(folder: str, file_name: str) -> Validator:
    """The compiled validator of one schema file; compiled on first use, then reused."""

    def local(uri: str) -> Any:
        # Sibling schemas are referred to by file name, relative to the schema's $id.
        return _load(folder, uri.rsplit("/", 1)[-1])

    compiled: Validator = fastjsonschema.compile(
        _load(folder, file_name), handlers={"http": local, "https": local}
    )
    return compiled


def _json_path(path: list[Any] | None) -> str:
    text = "$"
    for step in (path or [])[1:]:  # the first step is fastjsonschema's name for the root
        index = isinstance(step, int) or (isinstance(step, str) and step.isdigit())
        text += f"[{step}]" if index else f".{step}"
    return text


def validate(name: str, document: Any, folder: str, file_name: str, what: str) -> None:
    """Reject `document` with the JSON path and the schema rule it breaks, if it breaks one."""
    try:
        validator(folder, file_name)(document)
    except RecursionError:
        # The generated validator recurses once per nesting level of the document.
        raise InventoryRejected(f"{name}: nested too deeply to validate as {what}") from None
    except fastjsonschema.JsonSchemaValueException as error:
        message = error.message.removeprefix(error.name or "data").strip()
        raise InventoryRejected(
            f"{name}: not valid {what}: at {_json_path(error.path)}: {message} "
            f"(schema rule {error.rule!r})"
        ) from None
