"""SPDX in YAML, XML or RDF: recognized, so that the user hears what to send instead.

We read SPDX 2.3 in JSON (validated against its schema) and tag-value. The other encodings
carry the same document; every SPDX tool can write one of the two we read.
"""

from __future__ import annotations

import re
from typing import ClassVar

from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

_SNIFF = re.compile(rb"^\s*spdxVersion:\s|spdx\.org/rdf/terms|<spdxVersion>", re.MULTILINE)


class SpdxOtherEncodings(InventoryFormat):
    format_id = "spdx-yaml-xml-rdf"
    description = "SPDX in YAML, XML or RDF: recognized and refused (send JSON or tag-value)"
    suffixes: ClassVar[tuple[str, ...]] = (
        ".spdx.yaml",
        ".spdx.yml",
        ".spdx.xml",
        ".spdx.rdf",
        ".spdx.rdf.xml",
    )

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return _SNIFF.search(head) is not None

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        del data
        raise InventoryRejected(
            f"{name}: SPDX in YAML, XML or RDF is not supported: use JSON or tag-value "
            "(any SPDX tool converts, e.g. `pyspdxtools -i in.spdx.yaml -o out.spdx.json`)"
        )
