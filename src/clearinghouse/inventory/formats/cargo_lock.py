"""Cargo.lock, the lockfile of Rust's cargo (format versions 1 to 4).

Every `[[package]]` is a component, as osv-scanner lists them, including the workspace's own
crates (no `source`) and crates taken from git (`source = "git+…"`): both carry the version of
their manifest and are kept, as osv-scanner keeps them, so that counts agree. A crates.io
advisory about a crate of the same name and version applies to a git copy of it as well.
A v1 lockfile's `[root]` table (the root crate, repeated in no `[[package]]`) is not a dependency
and is skipped, as osv-scanner does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import string_field, toml_of
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)


class CargoLock(InventoryFormat):
    format_id: ClassVar[str] = "cargo-lock"
    description: ClassVar[str] = "Rust Cargo.lock (format versions 1 to 4)"
    file_names: ClassVar[tuple[str, ...]] = ("Cargo.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = toml_of(name, data)
        packages: Any = document.get("package", [])
        if not isinstance(packages, list):
            raise InventoryRejected(f"{name}: 'package' must be an array of tables")
        components = []
        for index, package in enumerate(packages):
            where = f"{name}: package[{index}]"
            if not isinstance(package, dict):
                raise InventoryRejected(f"{where}: not a table")
            crate = string_field(where, package, "name")
            crate_version = string_field(where, package, "version")
            components.append(
                Component(
                    name=crate,
                    version=crate_version,
                    ecosystem="crates.io",
                    purl=PackageURL(type="cargo", name=crate, version=crate_version).to_string(),
                    location=f"package[{index}]",
                )
            )
        version = document.get("version")
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            spec_version=str(version) if isinstance(version, int) else None,
        )
