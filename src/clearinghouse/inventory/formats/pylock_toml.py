"""PEP 751 lock files (pylock.toml, pylock.<name>.toml).

A blank file locks nothing. Otherwise `lock-version` must be present and of major version 1
(the PEP asks readers to refuse a major version they do not know), and `packages` must be
present. Each package needs a name. A package with a version is a component, wherever it comes
from (index, archive or VCS: osv-scanner lists those too). A package without a version (a source
tree: a local directory, or a VCS checkout the locker did not version) is left out and named in
a warning, as pip-audit skips it.
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


class PylockToml(InventoryFormat):
    format_id = "pylock-toml"
    description = "Python lock file, PEP 751 (pylock.toml, pylock.*.toml)"
    file_names = ("pylock.toml",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        """Named lock files are `pylock.<name>.toml` (PEP 751)."""
        del head
        return name.startswith("pylock.") and name.endswith(".toml")

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = toml_of(name, data)
        if not document and not data.strip():
            return ParsedInventory(format_id=self.format_id, components=())
        lock_version = document.get("lock-version")
        if lock_version is None:
            raise InventoryRejected(f"{name}: lock-version is missing (PEP 751 requires it)")
        if not isinstance(lock_version, str) or lock_version.split(".")[0] != "1":
            raise InventoryRejected(
                f"{name}: lock-version {lock_version!r} is not a version 1.x we can read"
            )
        if "packages" not in document:
            raise InventoryRejected(f"{name}: packages is missing (PEP 751 requires it)")
        components: list[Component] = []
        unversioned: list[str] = []
        for index, package in enumerate(tables_at(name, document, "packages")):
            where = f"packages[{index}]"
            package_name = string_at(name, package, "name", f"{where}.")
            if not package_name:
                raise InventoryRejected(f"{name}: {where} has no name (PEP 751 requires it)")
            version = string_at(name, package, "version", f"{where}.")
            if version is None:
                source = "directory" if table_at(name, package, "directory", where) else "source"
                unversioned.append(f"{package_name} ({source})")
                continue
            components.append(
                Component(
                    name=package_name,
                    version=version,
                    ecosystem="PyPI",
                    purl=pypi_purl(package_name, version),
                    location=where,
                )
            )
        warnings = []
        if unversioned:
            warnings.append(
                f"{len(unversioned)} package(s) without a version are not listed: "
                + ", ".join(unversioned)
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components),
            warnings=tuple(warnings),
            spec_version=lock_version,
        )
