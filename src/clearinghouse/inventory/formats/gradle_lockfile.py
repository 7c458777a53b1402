"""gradle.lockfile, Gradle's dependency lock: one `group:artifact:version=configurations` line each.

Comment lines (`#`) and the `empty=` line (configurations that resolved nothing) are not
dependencies. Any other line that is not `group:artifact:version=…` is skipped with a warning,
as osv-scanner skips it. A dependency only test, annotation-processing or development-only
configurations use is dev.
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.interface import Component, InventoryFormat, ParsedInventory

# Configurations Gradle uses only to build and test: a dependency in no other one is dev-only.
BUILD_ONLY = ("test", "annotationProcessor", "developmentOnly", "kapt", "detekt", "lint")


def build_only(configuration: str) -> bool:
    return configuration.startswith(BUILD_ONLY) or "Test" in configuration


class GradleLockfile(InventoryFormat):
    format_id: ClassVar[str] = "gradle-lockfile"
    description: ClassVar[str] = "Gradle dependency lockfile (gradle.lockfile)"
    file_names: ClassVar[tuple[str, ...]] = ("gradle.lockfile", "buildscript-gradle.lockfile")

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        components: list[Component] = []
        warnings: list[str] = []
        for number, raw in enumerate(text_of(name, data).splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith("empty="):
                continue
            coordinates, equals, configurations = line.partition("=")
            parts = coordinates.split(":")
            if not equals or len(parts) != 3 or not all(parts):
                warnings.append(
                    f"line {number}: not group:artifact:version=configurations, skipped: {line!r}"
                )
                continue
            group, artifact, version = parts
            used_in = [c for c in configurations.split(",") if c]
            components.append(
                Component(
                    name=f"{group}:{artifact}",
                    version=version,
                    ecosystem="Maven",
                    purl=PackageURL(
                        type="maven", namespace=group, name=artifact, version=version
                    ).to_string(),
                    dev=bool(used_in) and all(build_only(c) for c in used_in),
                    location=f"line {number}",
                )
            )
        return ParsedInventory(
            format_id=self.format_id, components=tuple(components), warnings=tuple(warnings)
        )
