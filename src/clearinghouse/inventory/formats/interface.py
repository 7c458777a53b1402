"""What every inventory parser produces: components normalized to one shape.

A format is one file kind an operator can upload: an SBOM (CycloneDX, SPDX), a lockfile
(poetry.lock, package-lock.json, Cargo.lock …), an installed-package database (dpkg, apk, rpm)
or a device list. Each lives in its own module as an `InventoryFormat` subclass and is listed
in `registry.FORMATS`. A parser reads bytes and returns a `ParsedInventory`; it never touches the
database, the network or the file system beyond the bytes it is given. Bad input raises
`InventoryRejected` with a message that says where and why ("line 12: version missing").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


class InventoryRejected(ValueError):
    """A file that cannot be read as the format it claims to be; the message says why."""


@dataclass(frozen=True)
class Component:
    """One thing the operator runs: a package at a version, or a device.

    `ecosystem` is an OSV ecosystem name ("PyPI", "npm", "Go", "crates.io", "Maven", "NuGet",
    "RubyGems", "Packagist", "Pub", "Debian", "Alpine", …), or None for a device or a component
    that names no ecosystem. `purl` is a canonical package URL when one can be built.
    """

    name: str
    version: str | None
    ecosystem: str | None = None
    purl: str | None = None
    cpe: str | None = None  # a CPE 2.3 formatted string
    # The source package a binary package was built from (dpkg, apk origin, rpm SOURCERPM): OS
    # advisories (Debian, Alpine, Red Hat) name source packages, so the matcher looks this up.
    source_name: str | None = None
    vendor: str | None = None  # devices and SBOM suppliers
    product: str | None = None
    dev: bool = False  # a development-only dependency, when the file says so
    direct: bool | None = None  # declared by the project itself (None: the file does not say)
    location: str | None = None  # where in the file: "line 12", "packages[3]", a bom-ref


@dataclass(frozen=True)
class VexStatement:
    """A statement an upload makes about a vulnerability in its own components (VEX)."""

    vulnerability_id: str  # as written: CVE-…, GHSA-…
    status: str  # not_affected | affected | fixed | under_investigation
    justification: str | None = None  # e.g. code_not_reachable, component_not_present
    detail: str | None = None  # free text: impact statement, response, action
    # Which components the statement is about: purls or bom-refs resolved to purls when possible.
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedInventory:
    """What one file holds."""

    format_id: str
    components: tuple[Component, ...]
    vex: tuple[VexStatement, ...] = ()
    # Things worth telling the user that do not stop the upload ("3 packages without a version").
    warnings: tuple[str, ...] = ()
    spec_version: str | None = None  # "1.6" for CycloneDX 1.6, "3" for package-lock v3 …


class InventoryFormat(ABC):
    """One inventory file kind."""

    format_id: ClassVar[str]  # "cyclonedx-json", "poetry-lock", "dpkg-status" …
    description: ClassVar[str]  # one line, shown by `clearinghouse scan --list-formats`
    # Exact file names this format is known by ("poetry.lock"); matched case-sensitively.
    file_names: ClassVar[tuple[str, ...]] = ()
    # File name endings ("*.cdx.json" → ".cdx.json"), for formats without a fixed name.
    suffixes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def claims_name(cls, name: str) -> bool:
        """Whether a file name the exact names and endings cannot express says this format
        (`requirements-dev.txt`, `requirements.prod.txt`). The default claims none."""
        del name
        return False

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        """Whether `head` (the first 64 KiB) looks like this format when the name does not say.

        The default recognizes nothing by content; SBOM formats override it.
        """
        del name, head
        return False

    @abstractmethod
    def parse(self, name: str, data: bytes) -> ParsedInventory:
        """Read a whole file. `name` is the file's name (no directories), for messages."""
