"""composer.lock, the lockfile of PHP's Composer: `packages`, and `packages-dev` as dev.

Every locked package is kept at the version the file gives, as osv-scanner does (Packagist
advisories name the "vendor/package" name).
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import json_object_of, string_field
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)


class ComposerLock(InventoryFormat):
    format_id: ClassVar[str] = "composer-lock"
    description: ClassVar[str] = "PHP Composer composer.lock"
    file_names: ClassVar[tuple[str, ...]] = ("composer.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = json_object_of(name, data)
        components: list[Component] = []
        for section, dev in (("packages", False), ("packages-dev", True)):
            packages = document.get(section, [])
            if packages is None:
                continue
            if not isinstance(packages, list):
                raise InventoryRejected(f"{name}: {section!r} is not a list")
            for index, package in enumerate(packages):
                where = f"{section}[{index}]"
                if not isinstance(package, dict):
                    raise InventoryRejected(f"{name}: {where}: not an object")
                package_name = string_field(f"{name}: {where}", package, "name")
                version = string_field(f"{name}: {where}", package, "version")
                namespace, _, short = package_name.rpartition("/")
                purl = PackageURL(
                    type="composer", namespace=namespace or None, name=short, version=version
                )
                components.append(
                    Component(
                        name=package_name,
                        version=version,
                        ecosystem="Packagist",
                        purl=purl.to_string(),
                        dev=dev,
                        location=where,
                    )
                )
        return ParsedInventory(format_id=self.format_id, components=tuple(components))
