"""Inventory file formats: one module per format, each an `InventoryFormat` (see interface)."""
