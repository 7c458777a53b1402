"""Alpine's installed-package database (`/lib/apk/db/installed`).

Blocks of `X:value` lines separated by blank lines: P is the package, V its version, A its
architecture, o its origin (the aports source package, which Alpine's advisories name: it goes
into `source_name`; a package without origin is its own). Blocks without P or V are skipped
with a warning.
"""

from __future__ import annotations

import re
from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import database_text_of
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

FIELD = re.compile(r"^([A-Za-z]):(.*)$")


class ApkInstalled(InventoryFormat):
    format_id: ClassVar[str] = "apk-installed"
    description: ClassVar[str] = "Alpine apk installed database (/lib/apk/db/installed)"
    file_names: ClassVar[tuple[str, ...]] = ("installed",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return re.match(rb"(C:Q1[A-Za-z0-9+/=]+\n)?P:[^\n]+\nV:", head) is not None

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        blocks: list[tuple[int, dict[str, str]]] = []
        current: dict[str, str] | None = None
        text, warnings = database_text_of(name, data)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                current = None
                continue
            field = FIELD.match(line)
            if field is None:
                raise InventoryRejected(f"{name}: line {number}: expected 'X:value', got {line!r}")
            if current is None:
                current = {}
                blocks.append((number, current))
            # Files (F, R, Z, a …) repeat; only the package's own single-valued fields matter.
            current.setdefault(field[1], field[2])
        components: list[Component] = []
        for start, block in blocks:
            package, version = block.get("P"), block.get("V")
            if not package or not version:
                warnings.append(f"line {start}: no {'P' if not package else 'V'}: field, skipped")
                continue
            arch = block.get("A")
            components.append(
                Component(
                    name=package,
                    version=version,
                    ecosystem="Alpine",
                    purl=PackageURL(
                        type="apk",
                        namespace="alpine",
                        name=package,
                        version=version,
                        qualifiers={"arch": arch} if arch else None,
                    ).to_string(),
                    source_name=block.get("o") or package,
                    location=f"line {start}",
                )
            )
        return ParsedInventory(
            format_id=self.format_id, components=tuple(components), warnings=tuple(warnings)
        )
