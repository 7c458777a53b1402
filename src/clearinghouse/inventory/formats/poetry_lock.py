"""Poetry's lockfile (poetry.lock), lock versions 1.x and 2.x.

Every `[[package]]` is a component. Development-only packages are those Poetry puts only in
non-main groups: `category = "dev"` in lock 1.x, `groups` without "main" in lock 2.1 (Poetry
2); lock 2.0 records neither, so nothing is marked dev there. Packages from a git repository
or a local directory or file keep the version Poetry recorded, as osv-scanner lists them; the
local ones are also named in a warning, since their version is not a registry release.
"""

from __future__ import annotations

from clearinghouse.inventory.formats.decoding import toml_of
from clearinghouse.inventory.formats.documents import (
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

_LOCAL_SOURCES = ("directory", "file")


class PoetryLock(InventoryFormat):
    format_id = "poetry-lock"
    description = "Poetry lockfile (poetry.lock)"
    file_names = ("poetry.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = toml_of(name, data)
        metadata = table_at(name, document, "metadata", "")
        lock_version = string_at(name, metadata, "lock-version", "metadata.")
        components: list[Component] = []
        local: list[str] = []
        for index, package in enumerate(tables_at(name, document, "package")):
            where = f"package[{index}]"
            package_name = string_at(name, package, "name", f"{where}.")
            version = string_at(name, package, "version", f"{where}.")
            if not package_name or not version:
                raise InventoryRejected(f"{name}: {where} has no name or no version")
            source = table_at(name, package, "source", f"{where}.")
            if string_at(name, source, "type", f"{where}.source.") in _LOCAL_SOURCES:
                url = string_at(name, source, "url", f"{where}.source.") or "?"
                local.append(f"{package_name}@{version} ({url})")
            components.append(
                Component(
                    name=package_name,
                    version=version,
                    ecosystem="PyPI",
                    purl=pypi_purl(package_name, version),
                    dev=_is_dev(name, package, where),
                    location=where,
                )
            )
        warnings = []
        if local:
            warnings.append(
                f"{len(local)} local package(s); their version is not a registry release: "
                + ", ".join(local)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            warnings=tuple(warnings),
            spec_version=lock_version,
        )


def _is_dev(name: str, package: dict[str, object], where: str) -> bool:
    groups = package.get("groups")
    if groups is not None:
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise InventoryRejected(f"{name}: {where}.groups is not a list of group names")
        return "main" not in groups
    return package.get("category") == "dev"
