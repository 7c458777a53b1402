"""When an operator's own VEX statement speaks about a finding."""

from __future__ import annotations

from collections.abc import Collection


def speaks_about(
    statement_vulnerability: str | None,
    statement_components: Collection[str],
    vulnerability_ids: Collection[str],
    component_names: Collection[str | None],
) -> bool:
    """A statement covers a finding when it names the vulnerability by any of its ids, and
    either names no component (it is about the whole product) or names this one by purl or
    name."""
    if statement_vulnerability not in vulnerability_ids:
        return False
    return not statement_components or any(
        name in statement_components for name in component_names if name
    )
