"""The finder report format (Pydantic), and what the API answers about a report.

The JSON Schema shipped in `data/report.schema.json` is generated from `ReportIn`
(`clearinghouse reports schema`); a test keeps the two equal. docs/reports.md explains each field.
The finder organization is never part of the file: it is the caller's own organization.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from packageurl import PackageURL
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1.0"
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
_SIGNALS = {"SIGSEGV", "SIGABRT", "SIGBUS", "SIGFPE", "SIGILL", "SIGKILL", "SIGTERM", "SIGSYS"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def relative_path(value: str) -> str:
    """A POSIX path inside a tree: relative, no `..`, no empty parts, no backslashes."""
    if not value or value.startswith("/") or "\\" in value or "\x00" in value:
        raise ValueError("must be a relative POSIX path inside the source tree")
    parts = value.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("must not contain empty, '.' or '..' parts")
    return value


RelativePath = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(relative_path)]


class PackageTarget(_Strict):
    """A released package: its purl (without version) and the versions the finder says are hit."""

    kind: Literal["package"] = "package"
    purl: str = Field(
        max_length=500,
        description="Package URL without a version, e.g. pkg:pypi/jinja2",
        examples=["pkg:pypi/jinja2"],
    )
    affected_versions: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=50, description="Versions the proof of concept hits"
    )

    @field_validator("purl")
    @classmethod
    def _check_purl(cls, value: str) -> str:
        try:
            purl = PackageURL.from_string(value)
        except ValueError as exc:
            raise ValueError(f"not a package URL: {exc}") from None
        if purl.version is not None:
            raise ValueError("leave the version out of the purl; list it in affected_versions")
        return purl.to_string()


class RepositoryTarget(_Strict):
    """Unreleased code: a public repository and the commit the finder looked at."""

    kind: Literal["repository"] = "repository"
    repository_url: str = Field(pattern=r"^https://[^\s/]+/\S+$", max_length=500)
    commit: str = Field(pattern=r"^[0-9a-f]{7,64}$", description="Commit id, lower-case hex")


Target = Annotated[PackageTarget | RepositoryTarget, Field(discriminator="kind")]


class Weakness(_Strict):
    cwe: str = Field(pattern=r"^CWE-[1-9][0-9]{0,4}$", examples=["CWE-1333"])
    impact: str = Field(min_length=1, max_length=2000, description="What an attacker gains")


class Location(_Strict):
    """A place in the target's source the report relies on; grounding checks each one."""

    file: RelativePath
    start_line: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)
    symbol: str | None = Field(
        default=None,
        max_length=300,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
        description="A function, class or Class.method defined in the file",
    )

    @model_validator(mode="after")
    def _lines(self) -> Location:
        if (self.start_line is None) != (self.end_line is None):
            raise ValueError("give both start_line and end_line, or neither")
        if (
            self.start_line is not None
            and self.end_line is not None
            and (self.end_line < self.start_line)
        ):
            raise ValueError("end_line is before start_line")
        return self


class Provenance(_Strict):
    """How the finding was made: the model and tool, and whether a person checked it."""

    model: str | None = Field(default=None, max_length=200, description="null: no AI model")
    model_version: str | None = Field(default=None, max_length=200)
    tool: str | None = Field(default=None, max_length=200, description="The agent or scanner")
    trace_reference: str | None = Field(
        default=None, max_length=1000, description="Where the finder keeps the run's trace"
    )
    human_reviewed: bool


class PocFile(_Strict):
    path: RelativePath
    content: str = Field(max_length=10_000_000, description="UTF-8 text of the file")


class Environment(_Strict):
    python: Literal["3.11"] = Field(description="Python version the PoC runs under")
    dependencies: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="Extra exact pins (name==version) besides the target",
    )

    @field_validator("dependencies")
    @classmethod
    def _pins(cls, value: list[str]) -> list[str]:
        for pin in value:
            if not _PIN.match(pin):
                raise ValueError(f"{pin!r} is not an exact pin like name==1.2.3")
        return value


class OracleKind(StrEnum):
    EXCEPTION = "exception"
    EXIT_CODE = "exit_code"
    SIGNAL = "signal"
    OUTPUT_REGEX = "output_regex"
    SANITIZER = "sanitizer"


class ExceptionOracle(_Strict):
    kind: Literal["exception"]
    exception_type: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
        max_length=200,
        description="Qualified name of the exception the affected version raises",
    )


class ExitCodeOracle(_Strict):
    kind: Literal["exit_code"]
    exit_code: int = Field(ge=1, le=255)


class SignalOracle(_Strict):
    kind: Literal["signal"]
    signal: str

    @field_validator("signal")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in _SIGNALS:
            raise ValueError(f"use one of {', '.join(sorted(_SIGNALS))}")
        return value


class OutputRegexOracle(_Strict):
    kind: Literal["output_regex"]
    stream: Literal["stdout", "stderr"] = "stdout"
    pattern: str = Field(min_length=1, max_length=1000)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class SanitizerOracle(_Strict):
    kind: Literal["sanitizer"]
    sanitizer: Literal["address", "undefined", "memory"]
    error_type: str | None = Field(default=None, max_length=200, examples=["heap-buffer-overflow"])


Oracle = Annotated[
    ExceptionOracle | ExitCodeOracle | SignalOracle | OutputRegexOracle | SanitizerOracle,
    Field(discriminator="kind"),
]


class ProofOfConcept(_Strict):
    files: list[PocFile] = Field(min_length=1, max_length=20)
    command: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        min_length=1,
        max_length=50,
        description="argv, run in the work dir",
        examples=[["python", "poc.py"]],
    )
    environment: Environment
    oracle: Oracle

    @model_validator(mode="after")
    def _unique_paths(self) -> ProofOfConcept:
        paths = [f.path for f in self.files]
        if len(set(paths)) != len(paths):
            raise ValueError("two PoC files have the same path")
        return self


class ReportIn(_Strict):
    """A finder report, as submitted."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Clearinghouse finder report")

    schema_version: Literal["1.0"]
    title: str = Field(min_length=5, max_length=200)
    description: str = Field(min_length=1, max_length=50_000)
    target: Target
    weakness: Weakness
    locations: list[Location] = Field(default_factory=list, max_length=100)
    provenance: Provenance
    proof_of_concept: ProofOfConcept
    fixed_version: str | None = Field(default=None, min_length=1, max_length=100)


class ReportStatus(StrEnum):
    RECEIVED = "received"  # stored, grounding queued
    GROUNDED = "grounded"  # every cited place exists; waits for validation
    UNGROUNDED = "ungrounded"  # final: the claims do not match the source
    GROUNDING_FAILED = "grounding_failed"  # the source could not be fetched or read
    DUPLICATE = "duplicate"  # final: a known vulnerability or an earlier report (dedupe)
    VALIDATED = "validated"  # final: the PoC was run in the sandbox; the verdict says how it went
    VALIDATION_FAILED = "validation_failed"  # final: infrastructure kept failing (verdict error)


class Verdict(StrEnum):
    """The outcome for a report (docs/reports.md, "Verdicts")."""

    REPRODUCED = "reproduced"  # the oracle holds on the affected version, not on the fixed one
    REPRODUCED_UNFIXED = (
        "reproduced_unfixed"  # holds; no fix known, or the known fix does not stop it
    )
    NOT_REPRODUCED = "not_reproduced"  # the oracle does not hold, or holds on the report's fix too
    UNGROUNDED = "ungrounded"  # cites files, lines or symbols that do not exist
    DUPLICATE = "duplicate"  # a known advisory or an earlier report (deduplication decides)
    INVALID = "invalid"  # the PoC cannot be run as written (the finder's fault)
    ERROR = "error"  # the infrastructure failed, after retries (never the finder's fault)


class ReportOut(BaseModel):
    """A report as its finder (or a coordinator) sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    finder_organization_id: str
    submitted_by: str | None
    title: str
    content_hash: str
    status: ReportStatus
    verdict: str | None
    verdict_details: dict[str, object] | None
    created_at: datetime
    updated_at: datetime


class ReportDetail(ReportOut):
    content: ReportIn


class SubmissionOut(BaseModel):
    report: ReportOut
    created: bool = Field(description="false: the same content was already submitted")
