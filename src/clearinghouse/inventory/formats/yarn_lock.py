"""Yarn's lockfile (yarn.lock): classic (Yarn 1) and berry (Yarn 2 and later).

Both list one entry per resolved package, headed by the descriptors that resolved to it
(`lodash@^4.17.0, lodash@^4.17.21:`). Classic is yarn's own indented syntax; berry is YAML with
a `__metadata` entry, and each entry's `resolution` names the package and the protocol it came
from. The name is the real package's, also for an alias (`ansi-regex-cjs@npm:ansi-regex@^5`).

What is listed, as osv-scanner lists it: every package with the version yarn recorded, from the
registry, git, a patch (`patch:`) or a local folder (`file:`, `link:`, `portal:`, berry
workspace members). The local ones are also named in a warning, since their version is the
folder's own, not a registry release. The project itself (berry `workspace:.`) is not a
component. Yarn does not record which packages are development-only, so none is marked dev.
Berry records what each workspace depends on, so there a package is direct when a workspace's
dependency descriptor resolved to it; classic does not, so there it is not known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.documents import yaml_mapping
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import npm_name_problem, npm_purl

_LOCAL_PROTOCOLS = ("file:", "link:", "portal:", "workspace:")


@dataclass
class _Entry:
    line: int
    descriptors: list[str]
    fields: dict[str, str] = field(default_factory=dict)


class YarnLock(InventoryFormat):
    format_id = "yarn-lock"
    description = "Yarn lockfile (yarn.lock), classic v1 and berry v2+"
    file_names = ("yarn.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        text = text_of(name, data)
        berry = any(line.startswith(("__metadata:", '"__metadata":')) for line in text.splitlines())
        found: dict[tuple[str, str | None], Component] = {}
        local: list[str] = []
        spec_version = "1" if "# yarn lockfile v1" in text else None
        if berry:
            document = yaml_mapping(name, data) or {}
            metadata = document.get("__metadata")
            if isinstance(metadata, dict):
                spec_version = str(metadata.get("version", "")) or None
            components = _berry_components(name, document, local)
        else:
            entries = _classic_entries(name, text)
            components = [_classic_component(name, entry, local) for entry in entries]
        for component in components:
            if component is not None:
                found.setdefault((component.name, component.version), component)
        warnings = []
        if local:
            warnings.append(
                f"{len(local)} package(s) come from a local folder; their version is not a "
                "registry release: " + ", ".join(local)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.values()),
            warnings=tuple(warnings),
            spec_version=spec_version,
        )


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """`@scope/name@range` → (`@scope/name`, `range`); an `npm:` alias gives the real name."""
    descriptor = descriptor.strip().strip('"')
    at = descriptor.find("@", 1)
    if at == -1:
        return descriptor, ""
    package_name, spec = descriptor[:at], descriptor[at + 1 :]
    if spec.startswith("npm:") and "@" in spec[5:]:
        return split_descriptor(spec[4:])
    return package_name, spec


def _component(name: str, package_name: str, version: str | None, where: str) -> Component:
    problem = npm_name_problem(package_name)
    if problem:
        raise InventoryRejected(f"{name}: {where}: {problem}")
    return Component(
        name=package_name,
        version=version,
        ecosystem="npm",
        purl=npm_purl(package_name, version),
        location=where,
    )


# Classic (v1) -------------------------------------------------------------------------------


def _classic_entries(name: str, text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    current: _Entry | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith(" "):
            if not stripped.endswith(":"):
                raise InventoryRejected(f"{name}: line {number}: an entry header must end in ':'")
            current = _Entry(number, _unquote_all(name, number, stripped[:-1].split(", ")))
            entries.append(current)
        elif current is None:
            raise InventoryRejected(f"{name}: line {number}: indented line outside an entry")
        elif line.startswith("  ") and not line.startswith("   "):
            key, _, value = stripped.partition(" ")
            if value:
                current.fields[_unquote(name, number, key)] = _unquote(name, number, value)
    return entries


def _unquote_all(name: str, number: int, parts: list[str]) -> list[str]:
    return [_unquote(name, number, part.strip()) for part in parts]


def _unquote(name: str, number: int, token: str) -> str:
    if token.startswith('"'):
        try:
            value = json.loads(token)
        except json.JSONDecodeError as err:
            raise InventoryRejected(f"{name}: line {number}: bad quoted string {token}") from err
        if not isinstance(value, str):
            raise InventoryRejected(f"{name}: line {number}: bad quoted string {token}")
        return value
    return token


def _classic_component(name: str, entry: _Entry, local: list[str]) -> Component:
    where = f"line {entry.line}"
    package_name, spec = split_descriptor(entry.descriptors[0])
    version = entry.fields.get("version")
    if not version:
        raise InventoryRejected(f"{name}: {where}: {package_name} has no version")
    if spec.startswith(_LOCAL_PROTOCOLS):
        local.append(f"{package_name}@{version} ({where})")
    return _component(name, package_name, version, where)


# Berry (v2+) --------------------------------------------------------------------------------


def _berry_components(
    name: str, document: dict[str, object], local: list[str]
) -> list[Component | None]:
    declared = _workspace_descriptors(document)
    components: list[Component | None] = []
    for key, entry in document.items():
        if key == "__metadata":
            continue
        where = f'"{key}"'
        if not isinstance(entry, dict):
            raise InventoryRejected(f"{name}: entry {where} is not a mapping")
        resolution = entry.get("resolution")
        version = entry.get("version")
        if not isinstance(resolution, str) or not isinstance(version, str):
            raise InventoryRejected(f"{name}: entry {where} has no resolution or no version")
        package_name, spec = split_descriptor(resolution)
        if spec == "workspace:.":
            components.append(None)  # the project itself
            continue
        if spec.startswith(_LOCAL_PROTOCOLS):
            local.append(f"{package_name}@{version} ({spec})")
        component = _component(name, package_name, version, where)
        if declared is not None:
            descriptors = {d.strip() for d in key.split(",")}
            component = replace(component, direct=bool(descriptors & declared))
        components.append(component)
    return components


def _workspace_descriptors(document: dict[str, object]) -> set[str] | None:
    """The descriptors (`name@npm:^1.0.0`) the workspaces depend on; None when none is recorded."""
    found: set[str] = set()
    workspaces = 0
    for entry in document.values():
        if not isinstance(entry, dict) or "@workspace:" not in str(entry.get("resolution", "")):
            continue
        workspaces += 1
        for group in ("dependencies", "peerDependencies"):
            dependencies = entry.get(group)
            if isinstance(dependencies, dict):
                found.update(f"{dependency}@{spec}" for dependency, spec in dependencies.items())
    return found if workspaces else None
