"""NuGet's packages.lock.json: the packages restored for each target framework.

As osv-scanner does, each framework's entry is a component (a package restored for net6.0 and
for net8.0 is listed twice, each with its framework in `location`: they are two builds).
Entries of type "Project" are the solution's own projects, which have no registry version: they
are kept without version, ecosystem or purl (osv-scanner counts them, then cannot scan them),
and a warning says so.
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
        components: list[Component] = []
        warnings: list[str] = []
        for framework, packages in frameworks.items():
            if not isinstance(packages, dict):
                raise InventoryRejected(f"{name}: dependencies.{framework}: not an object")
            for package, entry in packages.items():
                where = f"dependencies.{framework}.{package}"
                if not isinstance(entry, dict):
                    raise InventoryRejected(f"{name}: {where}: not an object")
                kind = entry.get("type")
                if kind == "Project":
                    components.append(Component(name=package, version=None, location=where))
                    warnings.append(f"{where}: a project of the solution, not a NuGet package")
                    continue
                version = entry.get("resolved")
                if not isinstance(version, str) or not version:
                    raise InventoryRejected(f"{name}: {where}: 'resolved' version missing")
                components.append(
                    Component(
                        name=package,
                        version=version,
                        ecosystem="NuGet",
                        purl=PackageURL(type="nuget", name=package, version=version).to_string(),
                        direct=kind == "Direct",
                        location=where,
                    )
                )
        version = document.get("version")
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            warnings=tuple(warnings),
            spec_version=str(version) if isinstance(version, int) else None,
        )
