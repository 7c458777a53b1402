"""A device list as YAML: a list of devices, or a mapping with a `devices` list.

Values are read as written: `version: 1.10` is the version "1.10", not the number 1.1 a YAML
loader would make of it. Messages name the line of the device.
"""

from __future__ import annotations

import re

import yaml

from clearinghouse.inventory.formats.device_list import OPTIONAL, REQUIRED, column, device
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

_NULL = "tag:yaml.org,2002:null"
_KEYS = [re.compile(rb"^[ \t-]*" + key.encode() + rb"\s*:", re.MULTILINE) for key in REQUIRED]


def _document(name: str, data: bytes) -> yaml.Node | None:
    try:
        return yaml.compose(data.decode("utf-8-sig"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as error:
        raise InventoryRejected(f"{name}: not UTF-8 text (byte {error.start})") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InventoryRejected(f"{name}: {where}not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise InventoryRejected(f"{name}: not valid YAML: {error}") from None


def _devices(name: str, root: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and column(key.value) == "devices":
                root = value
                break
        else:
            raise InventoryRejected(f"{name}: a mapping with a 'devices' list is expected")
    if not isinstance(root, yaml.SequenceNode):
        raise InventoryRejected(f"{name}: a list of devices is expected")
    return list(root.value)


def _row(name: str, node: yaml.Node, where: str) -> dict[str, str | None]:
    if not isinstance(node, yaml.MappingNode):
        raise InventoryRejected(f"{name}: {where}: a device is a mapping of vendor, product …")
    row: dict[str, str | None] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise InventoryRejected(f"{name}: {where}: keys are plain words")
        if column(key.value) not in REQUIRED + OPTIONAL:
            continue  # other keys (location, owner …) are the operator's own notes
        if not isinstance(value, yaml.ScalarNode):
            raise InventoryRejected(f"{name}: {where}: {key.value} must be a single value")
        row[column(key.value)] = None if value.tag == _NULL else value.value
    missing = [c for c in REQUIRED if c not in row]
    if missing:
        raise InventoryRejected(f"{name}: {where}: no {', '.join(missing)} key")
    return row


class DeviceListYaml(InventoryFormat):
    format_id = "device-list-yaml"
    description = "Device list, YAML: vendor, product, version (cpe, name, notes optional)"

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if stripped.startswith((b"{", b"<")):
            return False
        return all(key.search(head) for key in _KEYS)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        components = []
        for index, node in enumerate(_devices(name, _document(name, data))):
            where = f"device {index + 1} (line {node.start_mark.line + 1})"
            components.append(device(_row(name, node, where), where, name))
        return ParsedInventory(format_id=self.format_id, components=tuple(components))
