"""What every advisory importer produces: source records normalized to one shape.

An importer is a declarative pipeline (as in VulnerableCode): an id, the licence of the data,
a description, and its steps — `read` yields input documents from a folder, an archive or a file;
`parse` turns one document into zero or more `SourceRecord`s, or raises `RecordRejected` with the
reason. A document that holds many records (a catalog, a CSV file) yields a `Rejected` in place of
each entry it cannot import, and the rest of the document is still imported. The runner
(knowledge.pipeline) does everything else: content hashing, merging aliases, storing, events and
the run record. Importers never touch the database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from clearinghouse.knowledge.sources.inputs import InputDocument, read_documents


class RecordRejected(ValueError):
    """A record (or a whole document) that cannot be imported; the message says why."""


class RejectedByContext(RecordRejected):
    """A document rejected for something beside its bytes (a checksum file next to it).

    The runner remembers other rejections by the document's digest and does not read the same
    bytes again; this one it does not remember, since what is beside the document may change.
    """


@dataclass(frozen=True)
class Rejected:
    """One entry of a many-record document that cannot be imported; the others still are.

    `parse` yields it in place of the record: `where` names the entry ("row 17 (line 18)",
    "vulnerabilities[3]"), `reason` says what is wrong with it.
    """

    where: str
    reason: str


@dataclass(frozen=True)
class Severity:
    """A score as the source gives it: `CVSS_V3` with a vector, `CVSS_V4`, `Ubuntu`, …"""

    type: str
    score: str  # a CVSS vector, or the source's own rating
    source: str | None = None  # who assigned it (CNA, "CISA-ADP", a vendor)


@dataclass(frozen=True)
class AffectedPackage:
    """A package in an ecosystem with OSV ranges and/or explicit versions."""

    ecosystem: str  # an OSV ecosystem name: "PyPI", "Go", "crates.io", "AlmaLinux:8", "npm" …
    name: str
    purl: str | None = None
    ranges: tuple[Mapping[str, Any], ...] = ()  # OSV range objects, unchanged
    versions: tuple[str, ...] = ()
    ecosystem_specific: Mapping[str, Any] | None = None
    database_specific: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AffectedProduct:
    """A product that is not a package: a device or an appliance (CSAF product tree, CPE, KEV)."""

    vendor: str
    product: str
    versions: tuple[str, ...] = ()  # exact versions named by the source
    version_ranges: tuple[str, ...] = ()  # e.g. vers:generic/<4.2|>=3.0, or CSAF range text
    cpe: str | None = None
    purl: str | None = None
    status: str = (
        "known_affected"  # CSAF product status: known_affected, fixed, known_not_affected …
    )
    product_id: str | None = None  # the source's own id (CSAF product_id)
    remediations: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Reference:
    type: str  # OSV reference types: ADVISORY, FIX, REPORT, WEB, PACKAGE, ARTICLE, EVIDENCE …
    url: str


@dataclass(frozen=True)
class Exploitation:
    """Evidence of exploitation in the wild (CISA KEV)."""

    catalog: str  # "CISA KEV"
    date_added: str  # ISO date
    due_date: str | None
    required_action: str | None
    known_ransomware_use: str | None  # "Known" / "Unknown", as the catalog says
    vendor_project: str | None = None
    product: str | None = None
    name: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ExploitPrediction:
    """An EPSS score for one day."""

    score: float
    percentile: float
    model_version: str | None
    score_date: str | None


@dataclass(frozen=True)
class SourceRecord:
    """One advisory as one source tells it, ready to be merged into a vulnerability."""

    source: str  # the pipeline id
    record_id: str  # the id in that source: PYSEC-2021-1, GO-2022-0001, CVE-2024-1234, a CSAF id
    origin: str  # where it came from (file name inside the input), for messages
    aliases: tuple[str, ...] = ()  # other ids of the same vulnerability (CVE, GHSA, …)
    related: tuple[str, ...] = ()  # ids of related, not identical, vulnerabilities
    summary: str | None = None
    details: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    withdrawn: datetime | None = None
    severities: tuple[Severity, ...] = ()
    cwes: tuple[str, ...] = ()  # "CWE-79"
    affected: tuple[AffectedPackage, ...] = ()
    products: tuple[AffectedProduct, ...] = ()
    references: tuple[Reference, ...] = ()
    exploitation: Exploitation | None = None
    prediction: ExploitPrediction | None = None
    # SSVC decision points keyed by name as the source gives them, e.g. {"Exploitation": "poc"}.
    ssvc: Mapping[str, str] = field(default_factory=dict)
    # The record as stored and exported: an OSV-shaped document when the source has one.
    document: Mapping[str, Any] = field(default_factory=dict)
    # Set by the runner: the digest of the input document, so an unchanged one is not re-read.
    document_digest: str = ""


class Importer(ABC):
    """A declarative pipeline for one advisory source."""

    pipeline_id: ClassVar[str]
    licence: ClassVar[str]  # SPDX expression of the data's licence
    description: ClassVar[str]
    # File name endings this importer reads from a folder or an archive.
    suffixes: ClassVar[tuple[str, ...]]

    @classmethod
    def steps(cls) -> tuple[str, ...]:
        """The steps, in order, as shown in run records."""
        return ("read", "parse", "merge", "store")

    def read(self, path: Path) -> Iterator[InputDocument]:
        """Input documents from a file, a folder, a .zip or a .tar.gz."""
        return read_documents(path, self.suffixes)

    @abstractmethod
    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        """The records of one document, lazily: the runner stores them a batch at a time.

        Raise RecordRejected when the document as a whole cannot be imported; yield a
        `Rejected` for one bad entry of a document that holds many.
        """
