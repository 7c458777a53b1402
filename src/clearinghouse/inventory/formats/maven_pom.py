"""Maven's pom.xml: the dependencies a project declares, at the versions it declares.

Components are the project's `<dependencies>` and those of profiles active by default, as
osv-scanner extracts them without resolving anything: a dependency without its own version
takes the one `<dependencyManagement>` declares for it (dependencyManagement entries that no
dependency uses install nothing and are not components). `${property}` references are
interpolated from the pom's own `<properties>` and project.version / groupId / artifactId and
the parent's version and groupId. What this one file cannot settle — a property defined
elsewhere, a version inherited from a parent or an imported BOM — is skipped with a warning.
Parents' own dependencies are not read: the parent is another file (osv-scanner reads it when
it sits beside this one). A groupId:artifactId declared twice is one component, the first.
Plugin dependencies are build tools, not part of the product, and are not read. Test-scoped
dependencies are dev. A version range ("[1.2,2.0)") is reported at its lower bound, as
osv-scanner reports it, with a warning. The XML is parsed with defusedxml (no entities, no
external references).
"""

from __future__ import annotations

import re
from typing import ClassVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from packageurl import PackageURL

from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

REFERENCE = re.compile(r"\$\{([^}]*)\}")
# "[1.2,2.0)" → "1.2": the lowest version a range allows, as osv-scanner reports it.
RANGE_LOWER_BOUND = re.compile(r"^[\[(]([^,\])]+)[,\])]")
MAX_DEPTH = 10  # properties referring to properties; deeper means a cycle


def local(tag: str) -> str:
    """A tag without its namespace: poms are written with and without Maven's."""
    return tag.rsplit("}", 1)[-1]


def child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if local(c.tag) == name), None)


def text(element: Element | None, name: str) -> str:
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""


def children(element: Element | None, *path: str) -> list[Element]:
    for name in path[:-1]:
        element = child(element, name)
    if element is None:
        return []
    return [c for c in element if local(c.tag) == path[-1]]


def properties_of(project: Element) -> dict[str, str]:
    parent = child(project, "parent")
    builtin = {
        "project.groupId": text(project, "groupId") or text(parent, "groupId"),
        "project.artifactId": text(project, "artifactId"),
        "project.version": text(project, "version") or text(parent, "version"),
        "project.parent.groupId": text(parent, "groupId"),
        "project.parent.version": text(parent, "version"),
    }
    # The deprecated spellings still found in old poms.
    for short in ("groupId", "artifactId", "version"):
        builtin[short] = builtin[f"pom.{short}"] = builtin[f"project.{short}"]
    builtin["parent.version"] = builtin["project.parent.version"]
    properties = child(project, "properties")
    declared = {
        local(p.tag): (p.text or "").strip() for p in (properties if properties is not None else [])
    }
    return {**{k: v for k, v in builtin.items() if v}, **declared}


def interpolate(value: str, properties: dict[str, str]) -> str | None:
    """The value with every ${name} replaced; None when a name is not defined here."""
    for _ in range(MAX_DEPTH):
        names = REFERENCE.findall(value)
        if not names:
            return value
        if any(name not in properties for name in names):
            return None
        value = REFERENCE.sub(lambda m: properties[m.group(1)], value)
    return None


def managed_versions(project: Element, properties: dict[str, str]) -> dict[str, str]:
    """groupId:artifactId → the version `<dependencyManagement>` declares for it."""
    managed: dict[str, str] = {}
    for entry in children(project, "dependencyManagement", "dependencies", "dependency"):
        group = interpolate(text(entry, "groupId"), properties)
        artifact = interpolate(text(entry, "artifactId"), properties)
        version = interpolate(text(entry, "version"), properties)
        if group and artifact and version:
            managed.setdefault(f"{group}:{artifact}", version)
    return managed


def declared_dependencies(project: Element) -> list[tuple[str, Element]]:
    """(location, element) of the project's dependencies and its active-by-default profiles'."""
    declared = [
        (f"dependencies[{i}]", d)
        for i, d in enumerate(children(project, "dependencies", "dependency"))
    ]
    for index, profile in enumerate(children(project, "profiles", "profile")):
        if text(child(profile, "activation"), "activeByDefault") == "true":
            declared += [
                (f"profiles[{index}].dependencies[{i}]", d)
                for i, d in enumerate(children(profile, "dependencies", "dependency"))
            ]
    return declared


class MavenPom(InventoryFormat):
    format_id: ClassVar[str] = "maven-pom"
    description: ClassVar[str] = "Maven pom.xml (declared dependencies)"
    file_names: ClassVar[tuple[str, ...]] = ("pom.xml",)
    suffixes: ClassVar[tuple[str, ...]] = (".pom",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return b"<project" in head and b"<modelVersion>" in head

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        try:
            project = fromstring(data)
        except ParseError as error:
            raise InventoryRejected(f"{name}: not well-formed XML: {error}") from None
        except DefusedXmlException as error:
            raise InventoryRejected(f"{name}: XML feature refused for safety: {error}") from None
        except (ValueError, LookupError) as error:  # e.g. an unknown declared encoding
            raise InventoryRejected(f"{name}: unreadable XML: {error}") from None
        if local(project.tag) != "project":
            raise InventoryRejected(f"{name}: the root element is not <project>")
        properties = properties_of(project)
        managed = managed_versions(project, properties)
        components: dict[str, Component] = {}
        warnings: list[str] = []
        for location, dependency in declared_dependencies(project):
            group = interpolate(text(dependency, "groupId"), properties)
            artifact = interpolate(text(dependency, "artifactId"), properties)
            if not group or not artifact:
                warnings.append(f"{location}: groupId or artifactId missing or unresolved, skipped")
                continue
            key = f"{group}:{artifact}"
            raw = text(dependency, "version")
            version = interpolate(raw, properties) if raw else managed.get(key)
            if not version:
                why = f"property in {raw!r} not defined in this pom" if raw else "no version here"
                warnings.append(f"{location}: {key}: {why}, skipped")
                continue
            if version[0] in "[(":
                lowest = RANGE_LOWER_BOUND.match(version)
                said = "reported at its lower bound" if lowest else "has no lower bound"
                warnings.append(f"{location}: {key}: range {version!r}, {said}")
                if lowest is None:
                    continue
                version = lowest[1]
            if key in components:
                continue
            components[key] = Component(
                name=key,
                version=version,
                ecosystem="Maven",
                purl=PackageURL(
                    type="maven", namespace=group, name=artifact, version=version
                ).to_string(),
                dev=text(dependency, "scope") == "test",
                direct=True,
                location=location,
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(components.values()),
            warnings=tuple(warnings),
            spec_version=text(project, "modelVersion") or None,
        )
