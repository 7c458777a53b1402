"""A CSAF product tree, read for one question: what is each product_id, as a purl or CPE.

Products are defined in `branches` (at any depth), in `full_product_names`, and in
`relationships` (a product that is one product installed on or part of another); groups
(`product_groups`) name sets of product ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.purl_ecosystems import canonical, parse_purl

# Real trees are vendor / product / version, a few levels; a hostile one could be thousands.
MAX_DEPTH = 64


def objects(value: Any, where: str, name: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InventoryRejected(f"{name}: {where} must be a list of objects")
    return value


def _identifier(product: Mapping[str, Any]) -> str | None:
    """The product's purl (canonical) or CPE, from its product identification helper."""
    helper = product.get("product_identification_helper")
    if not isinstance(helper, Mapping):
        return None
    purl_text = helper.get("purl")
    purl = parse_purl(purl_text) if isinstance(purl_text, str) else None
    if purl is not None:
        return canonical(purl)
    cpe = helper.get("cpe")
    return cpe if isinstance(cpe, str) and cpe else None


class ProductTree:
    """product_id → how a VEX statement names it: purl, else CPE, else the product's name."""

    def __init__(self, tree: Any, name: str) -> None:
        self.name = name
        self.refs: dict[str, str] = {}
        self.groups: dict[str, list[str]] = {}
        if tree is None:
            return
        if not isinstance(tree, Mapping):
            raise InventoryRejected(f"{name}: product_tree must be an object")
        self._branches(objects(tree.get("branches"), "product_tree.branches", name), "")
        for index, product in enumerate(
            objects(tree.get("full_product_names"), "product_tree.full_product_names", name)
        ):
            self._define(product, f"product_tree.full_product_names[{index}]")
        relationships = objects(tree.get("relationships"), "product_tree.relationships", name)
        for index, relationship in enumerate(relationships):
            where = f"product_tree.relationships[{index}]"
            combined = relationship.get("full_product_name")
            if not isinstance(combined, Mapping):
                raise InventoryRejected(f"{name}: {where} has no full_product_name")
            # The combined product is the referenced component, where it runs.
            component = self.refs.get(str(relationship.get("product_reference")))
            self._define(combined, where, fallback=component)
        for index, group in enumerate(
            objects(tree.get("product_groups"), "product_tree.product_groups", name)
        ):
            ids = group.get("product_ids")
            if not isinstance(group.get("group_id"), str) or not isinstance(ids, list):
                raise InventoryRejected(
                    f"{name}: product_tree.product_groups[{index}] needs group_id and product_ids"
                )
            self.groups[group["group_id"]] = [str(i) for i in ids]

    def _branches(self, branches: list[Mapping[str, Any]], where: str, depth: int = 0) -> None:
        if branches and depth >= MAX_DEPTH:
            raise InventoryRejected(f"{self.name}: product_tree branches nested too deeply")
        for index, branch in enumerate(branches):
            here = f"{where}branches[{index}]"
            product = branch.get("product")
            if product is not None:
                if not isinstance(product, Mapping):
                    where = f"product_tree.{here}.product"
                    raise InventoryRejected(f"{self.name}: {where} must be an object")
                self._define(product, f"product_tree.{here}.product")
            nested = objects(branch.get("branches"), here, self.name)
            self._branches(nested, here + ".", depth + 1)

    def _define(self, product: Mapping[str, Any], where: str, fallback: str | None = None) -> None:
        product_id, label = product.get("product_id"), product.get("name")
        if not isinstance(product_id, str) or not isinstance(label, str):
            raise InventoryRejected(f"{self.name}: {where} needs a product_id and a name")
        self.refs[product_id] = _identifier(product) or fallback or label

    def ref(self, product_id: str, where: str) -> str:
        if product_id not in self.refs:
            raise InventoryRejected(
                f"{self.name}: {where}: product id {product_id!r} is not defined in the "
                "product tree"
            )
        return self.refs[product_id]

    def covered(self, entry: Mapping[str, Any], where: str) -> set[str]:
        """The product ids a flag, threat or remediation is about (its products and groups)."""
        products, groups = entry.get("product_ids") or [], entry.get("group_ids") or []
        if not isinstance(products, list) or not isinstance(groups, list):
            raise InventoryRejected(f"{self.name}: {where}: product_ids and group_ids are lists")
        ids = {str(i) for i in products}
        for group in groups:
            ids.update(self.groups.get(str(group), ()))
        return ids
