"""Which components are matched as devices, and under which vendor and product names."""

from __future__ import annotations

from clearinghouse.inventory.formats.interface import Component
from clearinghouse.knowledge.service import CpeError, device_cpe


def device_names(c: Component) -> tuple[str, str] | None:
    """Vendor and product when the component is matched as a device: a device list's row, an
    SBOM component with a supplier and no ecosystem, or one that only has a CPE naming them."""
    if c.vendor:
        return c.vendor, c.product or c.name
    if c.ecosystem or not c.cpe:
        return None
    try:
        named = device_cpe(c.cpe)
    except CpeError:
        return None
    return named.vendor.text.replace("_", " "), named.product.text.replace("_", " ")
