"""npm's lockfile (package-lock.json, npm-shrinkwrap.json), lockfile versions 1, 2 and 3.

Versions 2 and 3 list every installed folder under `packages`, keyed by its path
(`node_modules/a/node_modules/b`); version 1 nests `dependencies` inside each other. Version 2
holds both: `packages` is read when present. The project itself (the "" entry) is not a
component. An installed copy under an alias (`"string-width-cjs": "npm:string-width@4.2.0"`)
is the real package (`name` in v2+, the `npm:` version in v1).

The same package at the same version installed in several folders is one component, at its
first path, development-only if every copy is (`dev: true`). `devOptional` copies are not
dev-only: npm sets it on a dev dependency that is also an optional dependency of a runtime one,
so it is installed in production too (osv-scanner counts it as dev; we do not).

What osv-scanner lists, we list: packages from git keep the version the lockfile records (in
version 1 the `version` is the git URL, so there is none); local folders (`file:` dependencies,
workspace members outside `node_modules`) keep the folder's own version in v2+ and have none in
v1. Both are named in a warning, since their version is not a registry release. Symlinks
(`link: true`) are skipped: the folder they point to is its own entry.

A package is direct when it is installed at the top of the project or of a workspace member
(`node_modules/<name>`, `packages/a/node_modules/<name>`) under a name that one of them
declares; version 1 does not record what the project declares, so there it is not known.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from clearinghouse.inventory.formats.documents import json_lockfile, kind_of, string_at
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import npm_name_problem, npm_purl

_NODE_MODULES = "node_modules/"
_DECLARED = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


class PackageLockJson(InventoryFormat):
    format_id = "package-lock-json"
    description = "npm lockfile (package-lock.json, npm-shrinkwrap.json), versions 1 to 3"
    file_names = ("package-lock.json", "npm-shrinkwrap.json")

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = json_lockfile(name, data)
        version = document.get("lockfileVersion")
        packages = document.get("packages")
        found: dict[tuple[str, str | None], Component] = {}
        local: list[str] = []  # where the local folders are
        if packages is not None:
            if not isinstance(packages, dict):
                raise InventoryRejected(f"{name}: packages is {kind_of(packages)}, not an object")
            components = _from_packages(name, packages, local)
        else:
            dependencies = document.get("dependencies")
            components = _from_dependencies(name, dependencies, "dependencies", local)
        for component in components:
            key = (component.name, component.version)
            seen = found.get(key)
            if seen is None:
                found[key] = component
            else:  # one runtime copy makes it a runtime package, one direct copy a direct one
                found[key] = replace(
                    seen,
                    dev=seen.dev and component.dev,
                    direct=True if seen.direct or component.direct else seen.direct,
                )
        unregistered = [
            c.location or c.name for c in found.values() if c.version is None or c.location in local
        ]
        warnings = []
        if version is not None and version not in (1, 2, 3):
            warnings.append(f"lockfileVersion {version!r} is not one we know (1 to 3); read as 3")
        if unregistered:
            warnings.append(
                f"{len(unregistered)} package(s) come from a local folder or git; their version "
                "is not a registry release: " + ", ".join(unregistered)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.values()),
            warnings=tuple(warnings),
            spec_version=None if version is None else str(version),
        )


def _from_packages(name: str, packages: dict[str, Any], local: list[str]) -> list[Component]:
    declared = _declared(packages)
    components = []
    for path, entry in packages.items():
        if path == "":
            continue
        if not isinstance(entry, dict):
            raise InventoryRejected(f'{name}: packages["{path}"] is {kind_of(entry)}')
        where = f'packages["{path}"]'
        if entry.get("link") is True:
            continue
        package_name = string_at(name, entry, "name", f"{where}.") or _name_from_path(path)
        if _NODE_MODULES not in path:
            local.append(where)
        version = string_at(name, entry, "version", f"{where}.")
        dev = entry.get("dev") is True
        component = _component(name, package_name, version, dev, where)
        if declared and _NODE_MODULES in path:
            prefix, _, installed_as = path.rpartition(_NODE_MODULES)
            direct = _NODE_MODULES not in prefix and installed_as in declared
            component = replace(component, direct=direct)
        components.append(component)
    return components


def _declared(packages: dict[str, Any]) -> set[str]:
    """The names the project and its workspace members declare (empty when none is recorded)."""
    names: set[str] = set()
    for path, entry in packages.items():
        if _NODE_MODULES in path or not isinstance(entry, dict):
            continue
        for group in _DECLARED:
            declared = entry.get(group)
            if isinstance(declared, dict):
                names.update(declared)
    return names


def _name_from_path(path: str) -> str:
    """`node_modules/a/node_modules/@s/b` → `@s/b`; a local folder → its last segment."""
    tail = path.rsplit(_NODE_MODULES, 1)[-1]
    parts = tail.split("/")
    if len(parts) >= 2 and parts[-2].startswith("@"):
        return f"{parts[-2]}/{parts[-1]}"
    return parts[-1]


def _from_dependencies(
    name: str, dependencies: object, where: str, local: list[str]
) -> list[Component]:
    if dependencies is None:
        return []
    if not isinstance(dependencies, dict):
        raise InventoryRejected(f"{name}: {where} is {kind_of(dependencies)}, not an object")
    components = []
    for key, entry in dependencies.items():
        here = f"{where}.{key}"
        if not isinstance(entry, dict):
            raise InventoryRejected(f"{name}: {here} is {kind_of(entry)}, not an object")
        nested = entry.get("dependencies")
        components.extend(_from_dependencies(name, nested, f"{here}.dependencies", local))
        raw = string_at(name, entry, "version", f"{here}.")
        package_name, version = key, raw
        if raw is not None and raw.startswith("npm:"):
            # An alias: "npm:<real name>@<version>"; the real name may be scoped.
            real, at, aliased = raw[4:].rpartition("@")
            if not at or not real:
                raise InventoryRejected(f"{name}: {here}.version {raw!r} is not npm:name@version")
            package_name, version = real, aliased
        elif raw is not None and raw.startswith("file:"):
            local.append(here)
            version = None  # the folder's path, not a version
        elif raw is not None and not raw[:1].isdigit():
            version = None  # git+ssh://…#commit, a tarball URL: no registry version
        components.append(_component(name, package_name, version, entry.get("dev") is True, here))
    return components


def _component(
    name: str, package_name: str, version: str | None, dev: bool, where: str
) -> Component:
    problem = npm_name_problem(package_name)
    if problem:
        raise InventoryRejected(f"{name}: {where}: {problem}")
    return Component(
        name=package_name,
        version=version,
        ecosystem="npm",
        purl=npm_purl(package_name, version),
        dev=dev,
        location=where,
    )
