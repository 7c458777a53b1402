"""Gemfile.lock (and gems.locked), Bundler's lockfile: the specs of its GEM, GIT and PATH sections.

Each `    name (version)` spec line is a component, as osv-scanner lists them: gems from git
repositories (GIT) and local directories (PATH) are kept with the version their gemspec declares.
A platform-specific gem is written `name (version-platform)`: the version is what precedes the
first "-" (RubyGems versions contain none), the platform goes into the purl; the same gem locked
for two platforms is two components, as osv-scanner counts it. Gems named in DEPENDENCIES are
direct. A spec line without a version is skipped with a warning.
"""

from __future__ import annotations

import re
from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.interface import Component, InventoryFormat, ParsedInventory

SOURCES = ("GEM", "GIT", "PATH", "PLUGIN SOURCE")
SPEC = re.compile(r"^ {4}(?P<name>[^ ()]+) \((?P<version>[^()]+)\)$")
DEPENDENCY = re.compile(r"^ {2}(?P<name>[^ !()]+)!?(?: \(.*\))?$")


class GemfileLock(InventoryFormat):
    format_id: ClassVar[str] = "gemfile-lock"
    description: ClassVar[str] = "Ruby Bundler Gemfile.lock / gems.locked"
    file_names: ClassVar[tuple[str, ...]] = ("Gemfile.lock", "gems.locked")

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        section = ""
        in_specs = False
        specs: list[tuple[int, str, str, str | None, str]] = []
        direct: set[str] = set()
        warnings: list[str] = []
        for number, line in enumerate(text_of(name, data).splitlines(), start=1):
            line = line.rstrip()
            if not line:
                continue
            if not line.startswith(" "):
                section, in_specs = line, False
                continue
            if section in SOURCES:
                if line == "  specs:":
                    in_specs = True
                elif line.startswith("  ") and not line.startswith("   "):
                    in_specs = False  # remote:, revision:, branch: …
                elif in_specs and not line.startswith("     "):
                    spec = SPEC.match(line)
                    version, _, platform = spec["version"].partition("-") if spec else ("", "", "")
                    if spec is None or not version:
                        warnings.append(f"line {number}: spec without a version, skipped")
                        continue
                    specs.append((number, spec["name"], version, platform or None, section))
            elif section == "DEPENDENCIES":
                dependency = DEPENDENCY.match(line)
                if dependency is not None:
                    direct.add(dependency["name"])
        components = tuple(
            Component(
                name=gem,
                version=version,
                ecosystem="RubyGems",
                purl=PackageURL(
                    type="gem",
                    name=gem,
                    version=version,
                    qualifiers={"platform": platform} if platform else None,
                ).to_string(),
                direct=gem in direct,
                location=f"line {number} ({source})",
            )
            for number, gem, version, platform, source in specs
        )
        return ParsedInventory(
            format_id=self.format_id, components=components, warnings=tuple(warnings)
        )
