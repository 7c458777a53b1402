"""uv's lockfile (uv.lock).

Every `[[package]]` from a registry, a git repository or a URL is a component, with the version
uv recorded. The project itself and its workspace members (source `virtual`, `editable`) and
local directories or files (`directory`, `path`) have no registry release and are left out, as
osv-scanner does. A package is development-only when it is reached only through a local
project's `dev-dependencies` (uv's dependency groups), never through its dependencies or extras.
"""

from __future__ import annotations

from typing import Any

from clearinghouse.inventory.formats.documents import (
    kind_of,
    string_at,
    table_at,
    tables_at,
    toml_table,
)
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import pypi_purl

_LOCAL_SOURCES = ("virtual", "editable", "directory", "path")


class UvLock(InventoryFormat):
    format_id = "uv-lock"
    description = "uv lockfile (uv.lock)"
    file_names = ("uv.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = toml_table(name, data)
        packages = tables_at(name, document, "package")
        local: set[str] = set()
        for index, package in enumerate(packages):
            where = f"package[{index}]"
            package_name = string_at(name, package, "name", f"{where}.")
            if not package_name:
                raise InventoryRejected(f"{name}: {where} has no name")
            source = table_at(name, package, "source", f"{where}.")
            if any(key in source for key in _LOCAL_SOURCES):
                local.add(package_name)
        runtime, development = _reachable(name, packages, local)
        components: list[Component] = []
        for index, package in enumerate(packages):
            package_name = str(package["name"])
            if package_name in local:
                continue
            where = f"package[{index}]"
            version = string_at(name, package, "version", f"{where}.")
            if not version:
                raise InventoryRejected(f"{name}: {where} ({package_name}) has no version")
            components.append(
                Component(
                    name=package_name,
                    version=version,
                    ecosystem="PyPI",
                    purl=pypi_purl(package_name, version),
                    dev=package_name in development and package_name not in runtime,
                    location=where,
                )
            )
        version_field = document.get("version")
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            spec_version=None if version_field is None else str(version_field),
        )


def _reachable(
    name: str, packages: list[dict[str, Any]], local: set[str]
) -> tuple[set[str], set[str]]:
    """Package names reached from the local projects' runtime and development dependencies."""
    edges: dict[str, set[str]] = {}
    runtime_roots: set[str] = set()
    dev_roots: set[str] = set()
    for index, package in enumerate(packages):
        where = f"package[{index}]"
        package_name = str(package["name"])
        targets = edges.setdefault(package_name, set())
        runtime = _names(name, package.get("dependencies"), f"{where}.dependencies")
        for group in ("optional-dependencies", "dev-dependencies"):
            for key, value in table_at(name, package, group, f"{where}.").items():
                found = _names(name, value, f"{where}.{group}.{key}")
                if package_name in local and group == "dev-dependencies":
                    dev_roots |= found
                else:
                    runtime |= found
        targets |= runtime
        if package_name in local:
            runtime_roots |= runtime
    return _closure(runtime_roots, edges), _closure(dev_roots, edges)


def _names(name: str, value: object, where: str) -> set[str]:
    if value is None:
        return set()
    if not isinstance(value, list):
        raise InventoryRejected(f"{name}: {where} is {kind_of(value)}, not a list")
    found = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InventoryRejected(f"{name}: {where}[{index}] has no package name")
        found.add(item["name"])
    return found


def _closure(roots: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(edges.get(current, ()))
    return seen
