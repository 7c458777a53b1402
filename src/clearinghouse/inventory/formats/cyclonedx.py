"""What a CycloneDX BOM says, whichever its encoding: components and VEX statements.

The JSON and XML readers both hand this module the BOM as JSON-shaped data (dicts and lists
with CycloneDX's JSON names), so the meaning is read in one place.

A component is kept when it can be matched: it has a valid purl or a CPE (as osv-scanner does).
Nested components (`components` inside a component) are flattened. The BOM's own subject
(`metadata.component`) is the product described, not one of its parts, and is not a component.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from clearinghouse.inventory.formats.interface import Component, InventoryRejected, VexStatement
from clearinghouse.inventory.formats.purl_ecosystems import (
    canonical,
    ecosystem_of,
    osv_name,
    parse_purl,
    source_package,
)

# CycloneDX analysis states → the VEX status words (CISA's minimum elements).
VEX_STATUS = {
    "not_affected": "not_affected",
    "false_positive": "not_affected",
    "exploitable": "affected",
    "in_triage": "under_investigation",
    "resolved": "fixed",
    "resolved_with_pedigree": "fixed",
}
# Real BOMs nest components a few levels deep; a limit keeps a hostile one from exhausting
# the stack.
MAX_NESTING = 64
# Properties tools write for development-only packages (cyclonedx-npm, cdxgen).
_DEV_PROPERTIES = {"cdx:npm:package:development", "cdxgen:npm:package:development"}


@dataclass
class Extraction:
    components: list[Component] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    purl_of_ref: dict[str, str] = field(default_factory=dict)  # bom-ref → canonical purl


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _list(value: Any, where: str, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InventoryRejected(f"{name}: {where} must be a list")
    return value


def _walk(
    entries: list[Any], path: str, name: str, xml: bool, depth: int = 0
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every component, nested ones too, with where it is: a JSON path, or an XPath for XML."""
    if entries and depth >= MAX_NESTING:
        raise InventoryRejected(f"{name}: components nested more than {MAX_NESTING} deep")
    for index, entry in enumerate(entries):
        where = f"{path}/component[{index + 1}]" if xml else f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            raise InventoryRejected(f"{name}: {where} must be an object")
        yield where, entry
        inner = f"{where}/components" if xml else f"{where}.components"
        nested = _list(entry.get("components"), inner, name)
        yield from _walk(nested, inner, name, xml, depth + 1)


def _is_dev(entry: Mapping[str, Any]) -> bool:
    if entry.get("scope") == "excluded":  # not part of what runs
        return True
    for prop in entry.get("properties") or ():
        if isinstance(prop, Mapping) and prop.get("name") in _DEV_PROPERTIES:
            return str(prop.get("value")).lower() == "true"
    return False


def _direct_refs(bom: Mapping[str, Any]) -> set[str] | None:
    """The refs the BOM's subject depends on directly, when its dependency graph says."""
    metadata = bom.get("metadata")
    subject = metadata.get("component") if isinstance(metadata, Mapping) else None
    root = subject.get("bom-ref") if isinstance(subject, Mapping) else None
    for dependency in bom.get("dependencies") or ():
        if isinstance(dependency, Mapping) and root and dependency.get("ref") == root:
            return {str(ref) for ref in dependency.get("dependsOn") or ()}
    return None


def _supplier(entry: Mapping[str, Any]) -> str | None:
    supplier = entry.get("supplier")
    if isinstance(supplier, Mapping) and _text(supplier.get("name")):
        return _text(supplier.get("name"))
    return _text(entry.get("publisher"))


def extract(bom: Mapping[str, Any], name: str, *, xml: bool = False) -> Extraction:
    """Components and the bom-ref → purl table the VEX part needs."""
    found = Extraction()
    direct = _direct_refs(bom)
    unmatchable = 0
    top = _list(bom.get("components"), "components", name)
    for where, entry in _walk(top, "/bom/components" if xml else "$.components", name, xml):
        purl_text, cpe = _text(entry.get("purl")), _text(entry.get("cpe"))
        purl = parse_purl(purl_text) if purl_text else None
        ref = _text(entry.get("bom-ref"))
        if purl_text and purl is None:
            found.warnings.append(f"{where}: {purl_text!r} is not a valid package URL")
        if purl is None and cpe is None:
            unmatchable += 1
            continue
        version = _text(entry.get("version")) or (purl.version if purl else None)
        component = Component(
            name=osv_name(purl) if purl else (_text(entry.get("name")) or cpe or ""),
            version=version,
            ecosystem=ecosystem_of(purl) if purl else None,
            purl=canonical(purl) if purl else None,
            cpe=cpe,
            source_name=source_package(purl) if purl else None,
            vendor=_supplier(entry),
            product=_text(entry.get("name")),
            dev=_is_dev(entry),
            direct=(ref in direct) if direct is not None and ref else None,
            location=where + (f" (bom-ref {ref})" if ref else ""),
        )
        found.components.append(component)
        if ref and component.purl:
            found.purl_of_ref[ref] = component.purl
    if unmatchable:
        found.warnings.append(
            f"{unmatchable} component(s) with neither a purl nor a CPE were skipped: "
            "nothing identifies them to match against advisories"
        )
    return found


def _resolve(ref: str, purl_of_ref: Mapping[str, str]) -> str:
    if ref in purl_of_ref:
        return purl_of_ref[ref]
    # A BOM-Link (urn:cdx:<serial>/<version>#<bom-ref>) points into another BOM: VEX
    # documents published apart from the SBOM do this; the bom-ref is often a purl itself.
    local = unquote(ref.split("#", 1)[1]) if ref.startswith("urn:cdx:") and "#" in ref else ref
    if local in purl_of_ref:
        return purl_of_ref[local]
    purl = parse_purl(local) if local.startswith("pkg:") else None
    return canonical(purl) if purl else ref


def vex_statements(
    bom: Mapping[str, Any], purl_of_ref: Mapping[str, str], name: str
) -> tuple[list[VexStatement], list[str]]:
    """The BOM's `vulnerabilities[].analysis` as VEX statements, with refs resolved to purls."""
    statements: list[VexStatement] = []
    without_analysis = 0
    entries = _list(bom.get("vulnerabilities"), "vulnerabilities", name)
    for index, entry in enumerate(entries):
        where = f"$.vulnerabilities[{index}]"
        if not isinstance(entry, Mapping):
            raise InventoryRejected(f"{name}: {where} must be an object")
        identifier = _text(entry.get("id"))
        analysis = entry.get("analysis")
        if not isinstance(analysis, Mapping) or not _text(analysis.get("state")):
            without_analysis += 1  # a disclosure (VDR), not a statement about impact
            continue
        if identifier is None:
            raise InventoryRejected(f"{name}: {where}: a VEX statement needs the vulnerability id")
        state = str(analysis["state"])
        if state not in VEX_STATUS:
            known = ", ".join(VEX_STATUS)
            raise InventoryRejected(
                f"{name}: {where}.analysis.state {state!r} is not one of {known}"
            )
        refs = []
        for affected in _list(entry.get("affects"), f"{where}.affects", name):
            ref = _text(affected.get("ref")) if isinstance(affected, Mapping) else None
            if ref is None:
                raise InventoryRejected(f"{name}: {where}.affects: each entry needs a ref")
            refs.append(_resolve(ref, purl_of_ref))
        details = [text for text in (_text(analysis.get("detail")),) if text]
        responses = [str(r) for r in analysis.get("response") or () if isinstance(r, str)]
        if responses:
            details.append("response: " + ", ".join(responses))
        statements.append(
            VexStatement(
                vulnerability_id=identifier,
                status=VEX_STATUS[state],
                justification=_text(analysis.get("justification")),
                detail="\n".join(details) or None,
                components=tuple(dict.fromkeys(refs)),
            )
        )
    warnings = []
    if without_analysis:
        warnings.append(
            f"{without_analysis} vulnerability entr(ies) without an analysis state were not read "
            "as VEX statements (they disclose, they do not say whether the product is affected)"
        )
    return statements, warnings
