"""NuGet's packages.lock.json: the packages restored for each target framework.

A package restored for several frameworks at one version is one component. Entries of type
"Project" are the solution's own projects, with no version from the registry: they are skipped.
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import json_object_of
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)


class NuGetLock(InventoryFormat):
    format_id: ClassVar[str] = "nuget-packages-lock"
    description: ClassVar[str] = "NuGet packages.lock.json"
    file_names: ClassVar[tuple[str, ...]] = ("packages.lock.json",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = json_object_of(name, data)
        frameworks = document.get("dependencies")
        if not isinstance(frameworks, dict):
            raise InventoryRejected(f"{name}: 'dependencies' missing or not an object")
        found: dict[tuple[str, str], Component] = {}
        for framework, packages in frameworks.items():
            if not isinstance(packages, dict):
                raise InventoryRejected(f"{name}: dependencies.{framework}: not an object")
            for package, entry in packages.items():
                where = f"dependencies.{framework}.{package}"
                if not isinstance(entry, dict):
                    raise InventoryRejected(f"{name}: {where}: not an object")
                kind = entry.get("type")
                if kind == "Project":
                    continue
                version = entry.get("resolved")
                if not isinstance(version, str) or not version:
                    raise InventoryRejected(f"{name}: {where}: 'resolved' version missing")
                key = (package, version)
                direct = kind == "Direct"
                previous = found.get(key)
                if previous is not None:
                    direct = direct or bool(previous.direct)
                found[key] = Component(
                    name=package,
                    version=version,
                    ecosystem="NuGet",
                    purl=PackageURL(type="nuget", name=package, version=version).to_string(),
                    direct=direct,
                    location=previous.location if previous else where,
                )
        version = document.get("version")
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.values()),
            spec_version=str(version) if isinstance(version, int) else None,
        )
