"""The CSAF product tree: what each product id names (vendor, product, version, CPE, purl).

`product_map` walks `product_tree.branches` (vendor → product_family → product_name →
product_version / product_version_range, and whatever categories sit between, such as Red Hat's
`architecture`), `full_product_names` and `relationships`, and gives every product id a
`ProductInfo`. A relationship (`default_component_of`, `installed_on` …) names a component in the
context of a platform: its info is the component's, with the platform kept beside it.

`relevant_document` cuts a document down to one vulnerability and the products it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from clearinghouse.knowledge.sources.interface import RecordRejected


@dataclass(frozen=True)
class ProductInfo:
    product_id: str
    name: str  # the full product name the document gives
    vendor: str = ""
    product: str = ""
    versions: tuple[str, ...] = ()
    version_ranges: tuple[str, ...] = ()
    cpe: str | None = None
    purl: str | None = None
    # For a relationship's product: the platform the component belongs to or is installed on.
    platform: ProductInfo | None = None


@dataclass(frozen=True)
class Purl:
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: Mapping[str, str]


_PURL = re.compile(r"^pkg:/*(?P<type>[A-Za-z.+-][A-Za-z0-9.+-]*)/(?P<rest>.+)$")


def parse_purl(text: str) -> Purl | None:
    """A package URL's parts (percent-decoded), or None when it is not one."""
    match = _PURL.match(text.strip())
    if not match:
        return None
    rest = match["rest"].split("#", 1)[0]
    rest, _, query = rest.partition("?")
    qualifiers = {}
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        if value:
            qualifiers[key.lower()] = unquote(value)
    path, _, version = rest.rpartition("@") if "@" in rest else (rest, "", "")
    segments = [unquote(s) for s in path.strip("/").split("/") if s]
    if not segments:
        return None
    kind = match["type"].lower()
    namespace, name = "/".join(segments[:-1]) or None, segments[-1]
    # The purl specification's per-type normalization, for the types mapped below.
    if kind == "pypi":
        name = name.lower().replace("_", "-")
    elif kind == "composer":
        namespace, name = namespace.lower() if namespace else None, name.lower()
    return Purl(
        type=kind,
        namespace=namespace,
        name=name,
        version=unquote(version) or None,
        qualifiers=qualifiers,
    )


# ---------------------------------------------------------------------------- product tree


def _helper(product: Mapping[str, Any]) -> tuple[str | None, str | None]:
    helper = product.get("product_identification_helper") or {}
    return helper.get("cpe") or None, helper.get("purl") or None


def _walk(
    branches: list[Mapping[str, Any]], path: tuple[tuple[str, str], ...]
) -> Iterator[tuple[tuple[tuple[str, str], ...], Mapping[str, Any]]]:
    for branch in branches:
        here = (*path, (str(branch["category"]), str(branch["name"])))
        if "product" in branch:
            yield here, branch["product"]
        yield from _walk(branch.get("branches") or [], here)


def _from_branch(path: tuple[tuple[str, str], ...], product: Mapping[str, Any]) -> ProductInfo:
    def nearest(category: str) -> str:
        return next((name for cat, name in reversed(path) if cat == category), "")

    cpe, purl = _helper(product)
    leaf_category, leaf_name = path[-1]
    parsed = parse_purl(purl) if purl else None
    return ProductInfo(
        product_id=str(product["product_id"]),
        name=str(product["name"]),
        vendor=nearest("vendor") or _cpe_vendor(cpe),
        # The product's own name; a package only named by its purl (a Red Hat RPM sits under
        # vendor → architecture) is called by the purl's name, not by the whole NEVRA.
        product=nearest("product_name")
        or (parsed.name if parsed else "")
        or nearest("product_family")
        or str(product["name"]),
        versions=(leaf_name,) if leaf_category == "product_version" else (),
        version_ranges=(leaf_name,) if leaf_category == "product_version_range" else (),
        cpe=cpe,
        purl=purl,
    )


def _from_full_name(product: Mapping[str, Any]) -> ProductInfo:
    cpe, purl = _helper(product)
    parsed = parse_purl(purl) if purl else None
    return ProductInfo(
        product_id=str(product["product_id"]),
        name=str(product["name"]),
        vendor=_cpe_vendor(cpe),
        product=(parsed.name if parsed else "") or str(product["name"]),
        cpe=cpe,
        purl=purl,
    )


def _cpe_vendor(cpe: str | None) -> str:
    """The vendor field of a CPE 2.2 (`cpe:/a:vendor:…`) or 2.3 (`cpe:2.3:a:vendor:…`) name."""
    if not cpe:
        return ""
    parts = cpe[5:].split(":") if cpe.startswith("cpe:/") else cpe.split(":")[2:]
    vendor = parts[1] if len(parts) > 1 else ""
    return "" if vendor in ("*", "-") else unquote(vendor).replace("_", " ")


def product_map(tree: Mapping[str, Any] | None) -> dict[str, ProductInfo]:
    """Every product id the tree defines (the importer ran the mandatory tests before: no id is
    defined twice, 6.1.2; every relationship refers to defined products, 6.1.1, not in a circle,
    6.1.3)."""
    products: dict[str, ProductInfo] = {}

    def define(info: ProductInfo) -> None:
        products.setdefault(info.product_id, info)

    if not tree:
        return products
    for path, product in _walk(list(tree.get("branches") or ()), ()):
        define(_from_branch(path, product))
    for product in tree.get("full_product_names") or ():
        define(_from_full_name(product))
    relationships = list(tree.get("relationships") or ())
    # A relationship may build on another one's product; resolve until nothing changes.
    pending = relationships
    while pending:
        waiting = []
        for relationship in pending:
            component = products.get(str(relationship["product_reference"]))
            platform = products.get(str(relationship["relates_to_product_reference"]))
            if component is None or platform is None:
                waiting.append(relationship)
                continue
            full = relationship["full_product_name"]
            define(
                ProductInfo(
                    product_id=str(full["product_id"]),
                    name=str(full["name"]),
                    vendor=component.vendor,
                    product=component.product,
                    versions=component.versions,
                    version_ranges=component.version_ranges,
                    cpe=component.cpe or _helper(full)[0],
                    purl=component.purl or _helper(full)[1],
                    platform=platform,
                )
            )
        if len(waiting) == len(pending):
            missing = next(
                ref
                for r in waiting
                for ref in (str(r["product_reference"]), str(r["relates_to_product_reference"]))
                if ref not in products
            )
            raise RecordRejected(f"product_tree.relationships: unresolved product {missing!r}")
        pending = waiting
    return products


def product_groups(tree: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    return {
        str(group["group_id"]): tuple(str(p) for p in group.get("product_ids") or ())
        for group in (tree or {}).get("product_groups") or ()
    }


def product_ids(item: Mapping[str, Any], groups: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The products a remediation, flag, threat or score names, groups expanded."""
    ids = [str(p) for p in item.get("product_ids") or ()]
    for group in item.get("group_ids") or ():
        ids.extend(groups.get(str(group), ()))
    return list(dict.fromkeys(ids))


def relevant_document(data: Mapping[str, Any], vulnerability: Mapping[str, Any]) -> dict[str, Any]:
    """The document with this vulnerability only, and the part of the product tree it names."""
    tree = data.get("product_tree") or {}
    groups = product_groups(tree)
    group_ids = {
        str(g)
        for key in ("remediations", "flags", "threats", "scores")
        for item in vulnerability.get(key) or ()
        for g in item.get("group_ids") or ()
    }
    wanted = {str(p) for ids in (vulnerability.get("product_status") or {}).values() for p in ids}
    for key in ("remediations", "flags", "threats"):
        for item in vulnerability.get(key) or ():
            wanted.update(product_ids(item, groups))
    for score in vulnerability.get("scores") or ():
        wanted.update(str(p) for p in score.get("products") or ())
    wanted.update(p for g in group_ids for p in groups.get(g, ()))
    relationships = {
        str(r["full_product_name"]["product_id"]): r for r in tree.get("relationships") or ()
    }
    todo = list(wanted)
    while todo:  # a relationship needs the products it relates
        relationship = relationships.get(todo.pop())
        if relationship is not None:
            for ref in (
                relationship["product_reference"],
                relationship["relates_to_product_reference"],
            ):
                if str(ref) not in wanted:
                    wanted.add(str(ref))
                    todo.append(str(ref))

    def prune(branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = []
        for branch in branches:
            children = prune(branch.get("branches") or [])
            own = "product" in branch and str(branch["product"]["product_id"]) in wanted
            if children or own:
                trimmed = {k: v for k, v in branch.items() if k != "branches"}
                if children:
                    trimmed["branches"] = children
                kept.append(trimmed)
        return kept

    # Shared, not copied, with the input: records are never changed after they are made.
    out: dict[str, Any] = {"document": data["document"]}
    pruned: dict[str, Any] = {}
    if branches := prune(list(tree.get("branches") or ())):
        pruned["branches"] = branches
    if kept := [p for p in tree.get("full_product_names") or () if p["product_id"] in wanted]:
        pruned["full_product_names"] = kept
    if kept := [
        r for r in relationships.values() if r["full_product_name"]["product_id"] in wanted
    ]:
        pruned["relationships"] = kept
    if kept := [g for g in tree.get("product_groups") or () if g["group_id"] in group_ids]:
        pruned["product_groups"] = kept
    if pruned:
        out["product_tree"] = pruned
    out["vulnerabilities"] = [vulnerability]
    return out
