"""uv's lockfile (uv.lock).

Every `[[package]]` is a component with the version uv recorded, as osv-scanner lists them,
except the project itself when it is not a package (source `virtual = "."`). Local packages
(workspace members and the project as `editable`, `directory`, `path` sources) are also named
in a warning, since their version is not a registry release; one without a version (a dynamic
version uv does not record) is left out. A package is development-only when it is reached only
through a local package's `dev-dependencies` (uv's dependency groups), never through its
dependencies or extras (extras are optional features, not development tools, even when named
"dev"; osv-scanner marks the packages of extras with the extra's name). A package is direct
when a local package depends on it.
"""

from __future__ import annotations

from typing import Any

from clearinghouse.inventory.formats.decoding import toml_of
from clearinghouse.inventory.formats.documents import (
    kind_of,
    string_at,
    table_at,
    tables_at,
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
        document = toml_of(name, data)
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
        runtime, development, declared = _reachable(name, packages, local)
        components: list[Component] = []
        local_named: list[str] = []  # for the warning
        for index, package in enumerate(packages):
            package_name = str(package["name"])
            where = f"package[{index}]"
            if table_at(name, package, "source", f"{where}.").get("virtual") == ".":
                continue  # the project itself, not a package
            version = string_at(name, package, "version", f"{where}.")
            if package_name in local:
                local_named.append(f"{package_name}@{version or '(no version: not listed)'}")
                if not version:
                    continue
            elif not version:
                raise InventoryRejected(f"{name}: {where} ({package_name}) has no version")
            components.append(
                Component(
                    name=package_name,
                    version=version,
                    ecosystem="PyPI",
                    purl=pypi_purl(package_name, version),
                    dev=package_name in development and package_name not in runtime,
                    direct=None if package_name in local or not local else package_name in declared,
                    location=where,
                )
            )
        version_field = document.get("version")
        warnings = []
        if local_named:
            warnings.append(
                f"{len(local_named)} local package(s); their version is not a registry release: "
                + ", ".join(local_named)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            warnings=tuple(warnings),
            spec_version=None if version_field is None else str(version_field),
        )


def _reachable(
    name: str, packages: list[dict[str, Any]], local: set[str]
) -> tuple[set[str], set[str], set[str]]:
    """Package names reached from the local packages' runtime and development dependencies,
    and the names the local packages depend on themselves."""
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
    return _closure(runtime_roots, edges), _closure(dev_roots, edges), runtime_roots | dev_roots


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
