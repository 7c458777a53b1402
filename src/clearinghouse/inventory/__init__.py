"""Operators' inventories: assets, the components they run, and the files that list them."""
