"""SPDX 2.3 documents in tag-value form (`Tag: value` lines, `<text>…</text>` blocks).

The lines are gathered into SPDX's JSON shape (document fields, packages, relationships) and
read by `spdx.py`. There is no schema for tag-value; the reader checks the fields SPDX 2.3
requires of the document and of each package, and names the line where one is missing.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from clearinghouse.inventory.formats import spdx
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

SPDX_VERSION = "SPDX-2.3"
_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9]*):\s?(.*)$")
_SNIFF = re.compile(rb"^\s*(?:#[^\n]*\n\s*)*SPDXVersion:\s*SPDX-", re.MULTILINE)
DOCUMENT_TAGS = ("SPDXVersion", "DataLicense", "SPDXID", "DocumentName", "DocumentNamespace")
PACKAGE_TAGS = ("SPDXID", "PackageDownloadLocation")
# Tags that start a section that is not a package: its fields are not the package's.
_OTHER_SECTIONS = {"FileName", "SnippetSPDXID", "LicenseID"}


def _pairs(name: str, text: str) -> list[tuple[int, str, str]]:
    """(line number, tag, value), with multi-line <text> values joined."""
    pairs: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _TAG.match(line.strip())
        if match is None:
            raise InventoryRejected(
                f"{name}: line {number}: expected 'Tag: value', found {line[:60]!r}"
            )
        tag, value, start = match.group(1), match.group(2), number
        if value.lstrip().startswith("<text>"):
            block = [value.lstrip()[len("<text>") :]]
            while "</text>" not in block[-1]:
                if number >= len(lines):
                    raise InventoryRejected(f"{name}: line {start}: <text> is never closed")
                block.append(lines[number])
                number += 1
            value = "\n".join(block).split("</text>", 1)[0]
        pairs.append((start, tag, value.strip()))
    return pairs


def _external_ref(name: str, number: int, value: str) -> dict[str, str]:
    parts = value.split()
    if len(parts) < 3:
        raise InventoryRejected(
            f"{name}: line {number}: ExternalRef needs a category, a type and a locator"
        )
    return {"referenceCategory": parts[0], "referenceType": parts[1], "referenceLocator": parts[2]}


def _relationship(name: str, number: int, value: str) -> dict[str, str]:
    parts = value.split()
    if len(parts) < 3:
        raise InventoryRejected(
            f"{name}: line {number}: Relationship needs an element, a type and a related element"
        )
    return {"spdxElementId": parts[0], "relationshipType": parts[1], "relatedSpdxElement": parts[2]}


def document_shape(name: str, text: str) -> tuple[dict[str, Any], list[str]]:
    """The packages and relationships in SPDX's JSON names, and each package's line."""
    document: dict[str, Any] = {"packages": [], "relationships": []}
    header: dict[str, str] = {}
    package: dict[str, Any] | None = None
    packages: list[tuple[int, dict[str, Any]]] = []
    for number, tag, value in _pairs(name, text):
        if tag == "Relationship":
            document["relationships"].append(_relationship(name, number, value))
        elif tag == "PackageName":
            package = {"name": value, "externalRefs": []}
            packages.append((number, package))
        elif tag in _OTHER_SECTIONS:
            package = None
        elif package is not None:
            if tag == "SPDXID":
                package["SPDXID"] = value
            elif tag == "PackageVersion":
                package["versionInfo"] = value
            elif tag == "PackageSupplier":
                package["supplier"] = value
            elif tag == "PackageDownloadLocation":
                package["downloadLocation"] = value
            elif tag == "ExternalRef":
                package["externalRefs"].append(_external_ref(name, number, value))
        elif not packages:
            header.setdefault(tag, value)
    for tag in DOCUMENT_TAGS:
        if tag not in header:
            raise InventoryRejected(f"{name}: the document has no {tag} (SPDX 2.3 requires it)")
    if header["SPDXVersion"] != SPDX_VERSION:
        raise InventoryRejected(
            f"{name}: SPDXVersion {header['SPDXVersion']!r} is not one we read ({SPDX_VERSION})"
        )
    for number, entry in packages:
        for tag in PACKAGE_TAGS:
            key = {"SPDXID": "SPDXID", "PackageDownloadLocation": "downloadLocation"}[tag]
            if key not in entry:
                raise InventoryRejected(
                    f"{name}: line {number}: package {entry['name']!r} has no {tag} "
                    "(SPDX 2.3 requires it)"
                )
        document["packages"].append(entry)
    return document, [f"line {number}" for number, _ in packages]


class SpdxTagValue(InventoryFormat):
    format_id = "spdx-tag-value"
    description = "SPDX 2.3 SBOM, tag-value"
    suffixes: ClassVar[tuple[str, ...]] = (".spdx",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return _SNIFF.match(head.removeprefix(b"\xef\xbb\xbf")) is not None

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InventoryRejected(f"{name}: SPDX tag-value must be UTF-8: {error}") from None
        document, places = document_shape(name, text)
        found = spdx.extract(document, name, places)
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.components),
            warnings=tuple(found.warnings),
            spec_version="2.3",
        )
