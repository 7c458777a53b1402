"""What an SPDX 2.3 document says about its packages, whichever its encoding.

The JSON and tag-value readers hand this module the document in SPDX's JSON shape. A package is
kept when it can be matched: it has a valid purl or a CPE among its external references (as
osv-scanner does); the others are counted in a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clearinghouse.inventory.formats.interface import Component, InventoryRejected
from clearinghouse.inventory.formats.purl_ecosystems import (
    canonical,
    ecosystem_of,
    osv_name,
    parse_purl,
    source_package,
)

# "A DEV_DEPENDENCY_OF B": A is needed only to develop or build B, not to run it.
_DEV_RELATIONSHIPS = {"DEV_DEPENDENCY_OF", "DEV_TOOL_OF", "TEST_DEPENDENCY_OF", "TEST_TOOL_OF"}
_CPE_TYPES = {"cpe23Type", "cpe22Type"}
_SUPPLIER_KINDS = ("Organization:", "Person:")


@dataclass
class Extraction:
    components: list[Component] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _supplier(value: Any) -> str | None:
    text = _text(value)
    if text is None or text == "NOASSERTION":
        return None
    for kind in _SUPPLIER_KINDS:
        if text.startswith(kind):
            return text[len(kind) :].strip() or None
    return text


def _dev_elements(document: Mapping[str, Any], name: str) -> set[str]:
    relationships = document.get("relationships") or []
    if not isinstance(relationships, list):
        raise InventoryRejected(f"{name}: relationships must be a list")
    return {
        str(item.get("spdxElementId"))
        for item in relationships
        if isinstance(item, Mapping)
        and isinstance(item.get("relationshipType"), str)
        and item["relationshipType"] in _DEV_RELATIONSHIPS
    }


def extract(document: Mapping[str, Any], name: str, places: list[str] | None = None) -> Extraction:
    """Components from the packages; `places` says where each package is (default: JSON path)."""
    found = Extraction()
    packages = document.get("packages") or []
    if not isinstance(packages, list):
        raise InventoryRejected(f"{name}: packages must be a list")
    dev = _dev_elements(document, name)
    unmatchable = 0
    for index, package in enumerate(packages):
        place = places[index] if places else f"$.packages[{index}]"
        if not isinstance(package, Mapping):
            raise InventoryRejected(f"{name}: {place} must be an object")
        spdx_id = _text(package.get("SPDXID"))
        purl_text: str | None = None
        cpe: str | None = None
        for ref in package.get("externalRefs") or ():
            if not isinstance(ref, Mapping):
                raise InventoryRejected(f"{name}: {place}.externalRefs: each entry is an object")
            kind, locator = ref.get("referenceType"), _text(ref.get("referenceLocator"))
            if kind == "purl" and purl_text is None:
                purl_text = locator
            elif kind in _CPE_TYPES and cpe is None:
                cpe = locator
        purl = parse_purl(purl_text) if purl_text else None
        if purl_text and purl is None:
            found.warnings.append(f"{place}: {purl_text!r} is not a valid package URL")
        if purl is None and cpe is None:
            unmatchable += 1
            continue
        version = _text(package.get("versionInfo")) or (purl.version if purl else None)
        found.components.append(
            Component(
                name=osv_name(purl) if purl else (_text(package.get("name")) or cpe or ""),
                version=version,
                ecosystem=ecosystem_of(purl) if purl else None,
                purl=canonical(purl) if purl else None,
                cpe=cpe,
                source_name=source_package(purl) if purl else None,
                vendor=_supplier(package.get("supplier")),
                product=_text(package.get("name")),
                dev=spdx_id in dev,
                location=place + (f" ({spdx_id})" if spdx_id else ""),
            )
        )
    if unmatchable:
        found.warnings.append(
            f"{unmatchable} package(s) with neither a purl nor a CPE were skipped: "
            "nothing identifies them to match against advisories"
        )
    return found
