"""Reading an uploaded JSON SBOM's bytes into data, with a clear error when they are not JSON."""

from __future__ import annotations

from typing import Any

import orjson

from clearinghouse.inventory.formats.interface import InventoryRejected


def load_object(name: str, data: bytes, what: str) -> dict[str, Any]:
    """The top-level JSON object; `what` names the format in messages ("CycloneDX JSON")."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InventoryRejected(f"{name}: not valid JSON, so not {what}: {error}") from None
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise InventoryRejected(f"{name}: {what} is a JSON object; this is a {kind}")
    return document


def sniff_key(head: bytes, key: bytes) -> bool:
    """Whether the start of a file looks like a JSON object holding `key` near its top."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"{") and key in head
