"""Pipenv's lockfile (Pipfile.lock).

The `default` section holds the runtime packages and `develop` the development-only ones; a
package in both is a runtime package. Versions are recorded as `==1.2.3`; the `==` is dropped.
Packages without a version (git checkouts, local paths, editable installs) have no registry
release and are named in a warning instead, as osv-scanner leaves them out.
"""

from __future__ import annotations

from clearinghouse.inventory.formats.documents import json_lockfile, string_at, table_at
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import pypi_purl


class PipfileLock(InventoryFormat):
    format_id = "pipfile-lock"
    description = "Pipenv lockfile (Pipfile.lock)"
    file_names = ("Pipfile.lock",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = json_lockfile(name, data)
        found: dict[tuple[str, str], Component] = {}
        unversioned: list[str] = []
        for section in ("default", "develop"):
            for package_name, entry in table_at(name, document, section, "").items():
                where = f"{section}.{package_name}"
                if not isinstance(entry, dict):
                    raise InventoryRejected(f"{name}: {where} is not an object")
                pinned = string_at(name, entry, "version", f"{where}.")
                if pinned is None:
                    unversioned.append(where)
                    continue
                if not pinned.startswith("=="):
                    raise InventoryRejected(f"{name}: {where}.version {pinned!r} is not ==pinned")
                version = pinned.removeprefix("==").removeprefix("=")
                key = (package_name, version)
                if key not in found:  # default comes first: in both means runtime
                    found[key] = Component(
                        name=package_name,
                        version=version,
                        ecosystem="PyPI",
                        purl=pypi_purl(package_name, version),
                        dev=section == "develop",
                        location=where,
                    )
        warnings = []
        if unversioned:
            warnings.append(
                f"{len(unversioned)} package(s) without a version (git, path or editable) are "
                "not listed: " + ", ".join(unversioned)
            )
        meta = table_at(name, document, "_meta", "")
        spec = meta.get("pipfile-spec")
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.values()),
            warnings=tuple(warnings),
            spec_version=None if spec is None else str(spec),
        )
