"""pnpm's lockfile (pnpm-lock.yaml), lockfile versions 5 to 9.

Every entry of `packages` is an installed package, keyed by a dependency path whose shape
changed over the versions: `/name/1.0.0_peer@2.0.0` (v5), `/name@1.0.0(peer@2.0.0)` (v6 to v8),
`name@1.0.0(peer@2.0.0)` (v9); a scope adds a segment (`/@scope/name/1.0.0`). The peer suffix is
not part of the version, so copies that differ only by peers are one component. Packages from
git or a tarball carry `name` and `version` fields, which win over the path. As osv-scanner
does, they are listed with that version, and so are local packages (`file:` paths and
directories), which are also named in a warning since their version is not a registry release;
a package whose version cannot be known (a local one without a `version` field, a bare git
path) is left out and named in a warning.

Development-only: v5 to v8 mark each package `dev: true`; v9 does not, so a package is dev-only
when it is reached from the importers' `devDependencies` and never from their `dependencies`
or `optionalDependencies`, following `snapshots`. Direct: a package at a version the project
or a workspace member (`importers`; the top level before v9) depends on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from clearinghouse.inventory.formats.documents import kind_of, table_at, yaml_mapping
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import npm_name_problem, npm_purl

_RUNTIME_GROUPS = ("dependencies", "optionalDependencies")
_IMPORTER_GROUPS = (*_RUNTIME_GROUPS, "devDependencies")


class PnpmLock(InventoryFormat):
    format_id = "pnpm-lock"
    description = "pnpm lockfile (pnpm-lock.yaml), versions 5 to 9"
    file_names = ("pnpm-lock.yaml",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = yaml_mapping(name, data) or {}
        raw_version = document.get("lockfileVersion")
        major = _major(name, raw_version)
        packages = table_at(name, document, "packages", "")
        dev_only = _v9_dev_only(name, document) if major >= 9 else set()
        direct = _direct(name, document, major)
        found: dict[tuple[str, str | None], Component] = {}
        unversioned: list[str] = []
        local: list[str] = []
        for key, entry in packages.items():
            where = f"packages[{key!r}]"
            if entry is None or entry == "":
                entry = {}
            if not isinstance(entry, dict):
                raise InventoryRejected(f"{name}: {where} is {kind_of(entry)}, not a mapping")
            package_name, version, is_local = _name_and_version(name, key, entry, major, where)
            if not version:
                unversioned.append(key)
                continue
            if is_local:
                local.append(f"{package_name}@{version} ({key})")
            dev = entry.get("dev") == "true" or _strip_peers(key) in dev_only
            component = Component(
                name=package_name,
                version=version,
                ecosystem="npm",
                purl=npm_purl(package_name, version),
                dev=dev,
                direct=None if direct is None else _is_direct(key, package_name, version, direct),
                location=where,
            )
            seen = found.get((package_name, version))
            if seen is None:
                found[(package_name, version)] = component
            elif seen.dev and not dev:
                found[(package_name, version)] = replace(seen, dev=False)
        warnings = []
        if unversioned:
            warnings.append(
                f"{len(unversioned)} package(s) whose path and fields give no name or no "
                "version are not listed: " + ", ".join(unversioned)
            )
        if local:
            warnings.append(
                f"{len(local)} package(s) come from a local folder; their version is not a "
                "registry release: " + ", ".join(local)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.values()),
            warnings=tuple(warnings),
            spec_version=None if raw_version is None else str(raw_version),
        )


def _major(name: str, raw: object) -> int:
    if raw is None:
        return 9  # recent pnpm always writes it; no version means no path to decode anyway
    try:
        return int(float(str(raw)))
    except (ValueError, OverflowError):
        raise InventoryRejected(f"{name}: lockfileVersion {raw!r} is not a number") from None


def _strip_peers(path: str) -> str:
    """`name@1.0.0(peer@2.0.0)` → `name@1.0.0`."""
    return path.split("(", 1)[0].lstrip("/")


def _name_and_version(
    name: str, key: str, entry: dict[str, Any], major: int, where: str
) -> tuple[str, str, bool]:
    """The package's name, its version ("" when none can be known), and whether it is local."""
    named = entry.get("name") if isinstance(entry.get("name"), str) else None
    versioned = entry.get("version") if isinstance(entry.get("version"), str) else None
    resolution = entry.get("resolution")
    resolution = resolution if isinstance(resolution, dict) else {}
    local = (
        key.startswith(("file:", "link:"))
        or "@file:" in key
        or "@link:" in key
        or "directory" in resolution
        or str(resolution.get("tarball", "")).startswith("file:")
    )
    if local:
        # A bare folder path is no name; `name@file:…` (v6+) names the package before the @.
        for protocol in ("@file:", "@link:"):
            if protocol in key and not named:
                named = key.lstrip("/").split(protocol, 1)[0]
        if not named or not versioned:
            return named or "", "", True
        return _checked(name, named, where), versioned, True
    path_name, path_version = _from_path(key, major)
    package_name = named or path_name
    if not package_name:
        raise InventoryRejected(f"{name}: {where}: not a dependency path, and no name field")
    package_name = _checked(name, package_name, where)
    version = versioned or path_version
    if not version or not version[:1].isdigit():
        return package_name, "", False  # e.g. a bare git host path: nothing to match on
    return package_name, version, False


def _checked(name: str, package_name: str, where: str) -> str:
    problem = npm_name_problem(package_name)
    if problem:
        raise InventoryRejected(f"{name}: {where}: {problem}")
    return package_name


def _from_path(key: str, major: int) -> tuple[str | None, str | None]:
    """The name and version a dependency path encodes, or None where it encodes none."""
    if major >= 6:
        path = _strip_peers(key)
        at = path.find("@", 1)
        if at == -1:
            return None, None
        return path[:at], path[at + 1 :]
    parts = key.split("/")[1:]  # v5: "/name/1.0.0" or "registry.host/name/1.0.0"
    if not parts or not parts[0]:
        return None, None
    if parts[0].startswith("@"):
        if len(parts) < 2:
            return None, None
        package, rest = f"{parts[0]}/{parts[1]}", parts[2:]
    else:
        package, rest = parts[0], parts[1:]
    if not rest:
        at = package.find("@", 1)
        return (package[:at], package[at + 1 :]) if at != -1 else (package, None)
    return package, rest[0].split("_", 1)[0]


def _importers(name: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The project and its workspace members: the top level (before v9) and `importers`."""
    found = [document]
    for path, importer in table_at(name, document, "importers", "").items():
        if not isinstance(importer, dict):
            raise InventoryRejected(f"{name}: importers[{path!r}] is not a mapping")
        found.append(importer)
    return found


def _is_direct(key: str, package_name: str, version: str, direct: set[str]) -> bool:
    return f"{package_name}@{version}" in direct or _strip_peers(key) in direct


def _direct(name: str, document: dict[str, Any], major: int) -> set[str] | None:
    """What the importers depend on, as `name@version` or as the package's key (git, file).

    None when the file records no importer dependencies at all.
    """
    found: set[str] = set()
    recorded = False
    for importer in _importers(name, document):
        for group in _IMPORTER_GROUPS:
            for dependency, spec in table_at(name, importer, group, "").items():
                recorded = True
                reference = spec.get("version") if isinstance(spec, dict) else spec
                if not isinstance(reference, str):
                    continue
                if reference[:1].isdigit():  # a version, perhaps with peers
                    found.add(f"{dependency}@{reference.split('(')[0].split('_')[0]}")
                else:  # the package's key (v9: after "name@"): an alias's real one, git, a file
                    found.add(_strip_peers(reference).replace("file:./", "file:", 1))
                    found.add(_strip_peers(f"{dependency}@{reference}"))
                    real, version = _from_path(reference, major)
                    if real and version:
                        found.add(f"{real}@{version.split('(')[0]}")
    return found if recorded else None


def _v9_dev_only(name: str, document: dict[str, Any]) -> set[str]:
    """Package keys (without peers) reached only from the importers' devDependencies."""
    snapshots = table_at(name, document, "snapshots", "")
    runtime: list[str] = []
    development: list[str] = []
    for importer in _importers(name, document)[1:]:
        for group in _IMPORTER_GROUPS:
            target = development if group == "devDependencies" else runtime
            for dependency, spec in table_at(name, importer, group, "").items():
                version = spec.get("version") if isinstance(spec, dict) else spec
                if isinstance(version, str):
                    target.append(f"{dependency}@{version}")
    runtime_reach = _reach(runtime, snapshots)
    return {_strip_peers(k) for k in _reach(development, snapshots) - runtime_reach}


def _reach(roots: list[str], snapshots: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        snapshot = snapshots.get(current)
        if not isinstance(snapshot, dict):
            continue
        for group in _RUNTIME_GROUPS:
            dependencies = snapshot.get(group)
            if isinstance(dependencies, dict):
                todo.extend(f"{d}@{v}" for d, v in dependencies.items() if isinstance(v, str))
    return seen
