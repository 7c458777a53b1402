"""CSAF 2.0 advisories (OASIS Common Security Advisory Framework), VEX documents included.

Reads CSAF JSON documents from a file, a folder, a .zip or a .tar.gz, as a CSAF trusted
provider lays them out (`<year>/<id>.json` with `.sha256`/`.sha512` and `.asc` files beside
each, ROLIE feeds, `index.txt`, `changes.csv`). For each document:

1. **Checksums.** When `<name>.sha256` or `<name>.sha512` sits beside the document, the bytes
   must match it, or the document is rejected. (The `.asc` OpenPGP signatures are not checked:
   that needs the provider's public key, which a feed on disk does not carry.)
2. **Is it CSAF?** JSON without a top-level `document` object (ROLIE feeds, provider metadata,
   aggregators) is skipped without complaint. A document whose `document.csaf_version` is not
   "2.0" is rejected, saying so.
3. **Schema.** The official CSAF 2.0 JSON schema (with FIRST's CVSS v2/v3.0/v3.1 schemas it
   refers to, resolved offline), compiled to Python. The first error is reported with its path
   (in a CVSS object: mandatory test 6.1.8, which is those CVSS schemas).
4. **Mandatory tests.** The CSAF 2.0 mandatory tests (section 6.1: a product id used but never
   defined, contradicting product statuses, an unsorted revision history, a wrong CVSS base score
   for its vector …) as the `csaf` package implements them (knowledge.sources.csaf_mandatory,
   which also says where it does not follow the package). A document failing one is rejected
   with the test's id and title and its first errors.
5. **Records.** Each `vulnerabilities[]` entry becomes one record (knowledge.sources.csaf_records).
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import fastjsonschema

from clearinghouse.knowledge.sources.csaf_mandatory import check_mandatory
from clearinghouse.knowledge.sources.csaf_records import records_from_csaf
from clearinghouse.knowledge.sources.inputs import TAR_SUFFIXES, InputDocument, read_documents
from clearinghouse.knowledge.sources.interface import (
    Importer,
    RecordRejected,
    RejectedByContext,
    SourceRecord,
)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data" / "csaf-2.0"
# The CSAF schema refers to FIRST's CVSS schemas by these URLs; their own $ids differ (they
# carry a date query), so each URL is mapped to the copy shipped beside the CSAF schema.
CVSS_SCHEMAS = {
    f"https://www.first.org/cvss/{name}": name
    for name in ("cvss-v2.0.json", "cvss-v3.0.json", "cvss-v3.1.json")
}
CHECKSUMS = {"sha256": 64, "sha512": 128}  # algorithm (and file suffix) -> hex digits
CHECKSUM_SUFFIXES = tuple(f".{algorithm}" for algorithm in CHECKSUMS)
MAX_CHECKSUM_BYTES = 4096
# A tar archive is read once: its documents wait for the checksum files that may follow them,
# up to this many bytes; past it, the checksum files are found by a pass of their own, made
# only if a document asks for them.
MAX_HELD_BYTES = 128 * 1024 * 1024
INVALID_CVSS = re.compile(r"/vulnerabilities/\d+/scores/\d+/cvss_v[23](/|$)")


class ChecksumFiles:
    """The checksum files of an input. In a folder, a zip or beside a file they are found when
    first asked, by a look at the names (an unchanged document is skipped unparsed and never
    asks); in a tar archive they are gathered in the same pass as the documents (`found`),
    unless too many documents would have to wait for them."""

    def __init__(self, path: Path, found: dict[str, str] | None = None) -> None:
        self.path = path
        self._found = found

    def beside(self, name: str) -> tuple[tuple[str, str], ...]:
        """(algorithm, text) of each checksum file beside the document `name`."""
        if self._found is None:
            self._found = _checksum_files(self.path) if self.path.exists() else {}
        return tuple(
            (algorithm, self._found[f"{name}.{algorithm}"])
            for algorithm in CHECKSUMS
            if f"{name}.{algorithm}" in self._found
        )


@dataclass(frozen=True)
class CsafInput(InputDocument):
    """A document and where to find the checksum files beside it."""

    files: ChecksumFiles | None = None

    @property
    def checksums(self) -> tuple[tuple[str, str], ...]:
        """The text of each checksum file beside the document: (algorithm, text)."""
        return self.files.beside(self.name) if self.files is not None else ()


# ---------------------------------------------------------------------------- schema


@cache
def csaf_validator() -> Callable[[Any], Any]:
    """The official CSAF 2.0 schema, compiled to Python, with the CVSS schemas found offline.

    The schema declares draft 2020-12. Compiled as draft 7 it keeps its meaning: it uses `$defs`
    only through JSON-pointer `$ref`s, never `$ref` beside other keywords, and no keyword that
    changed between the drafts. One difference, on purpose: the `date-time` and `uri` formats
    are asserted (draft 2020-12 leaves formats to annotation; the CSAF standard requires them).
    The tests check it gives python-jsonschema's draft 2020-12 verdicts on the examples, Red
    Hat's documents, the validator suite and a sample of the CISA corpus.
    """
    schema = json.loads((SCHEMA_DIR / "csaf_json_schema.json").read_text(encoding="utf-8"))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"

    def offline(uri: str) -> Any:
        name = CVSS_SCHEMAS.get(uri.split("#", 1)[0].split("?", 1)[0])
        if name is None:
            raise ValueError(f"the CSAF schema refers to {uri}, which is not shipped")
        return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))

    return fastjsonschema.compile(schema, handlers={"https": offline, "http": offline})


def check_schema(data: Any) -> None:
    """Raise RecordRejected with the JSON pointer and message of the first schema error."""
    try:
        csaf_validator()(data)
    except fastjsonschema.JsonSchemaValueException as error:
        pointer = "/" + "/".join(str(p) for p in (error.path or [])[1:])
        message = error.message
        if error.name and message.startswith(error.name):
            message = message[len(error.name) :].strip()
        # CSAF mandatory test 6.1.8 (Invalid CVSS) is the CVSS schemas, part of this schema.
        test = " (CSAF mandatory test 6.1.8, Invalid CVSS)" if INVALID_CVSS.match(pointer) else ""
        raise RecordRejected(f"schema: {pointer}: {message}"[: 900 - len(test)] + test) from None


# ---------------------------------------------------------------------------- checksums


def verify_checksums(document: CsafInput) -> None:
    """Reject the document if a checksum file beside it does not match its bytes."""
    for algorithm, text in document.checksums:
        file = f"{Path(document.name).name}.{algorithm}"
        # "<hex>  <file name>" (sha512sum), a bare digest, or "SHA512 (<name>) = <hex>".
        tokens = text.replace("=", " ").split()
        digest = next(
            (
                t.lower()
                for t in tokens
                if re.fullmatch(f"[0-9a-fA-F]{{{CHECKSUMS[algorithm]}}}", t)
            ),
            None,
        )
        if digest is None:
            raise RejectedByContext(f"{file} does not hold a {algorithm.upper()} digest")
        actual = hashlib.new(algorithm, document.content or b"").hexdigest()
        if actual != digest:
            raise RejectedByContext(
                f"checksum mismatch: expected {digest} got {actual} ({algorithm.upper()}, {file})"
            )


def _is_checksum_file(name: str) -> bool:
    return name.lower().endswith(CHECKSUM_SUFFIXES)


def _checksum_text(size: int, read: Callable[[], bytes]) -> str:
    """A checksum file's text; "" (no digest) for a file too big to be one, left unread."""
    return read().decode("ascii", "replace") if size <= MAX_CHECKSUM_BYTES else ""


def _checksum_files(path: Path) -> dict[str, str]:
    """Name (as read_documents names documents) + "." + algorithm -> the checksum file's text.

    A pass over the input of its own: in a provider's archive the `.sha512` comes after the
    document it vouches for, and read_documents streams documents one by one.
    """
    found: dict[str, str] = {}

    def keep(name: str, size: int, read: Callable[[], bytes]) -> None:
        if _is_checksum_file(name):
            found[name] = _checksum_text(size, read)

    lower = path.name.lower()
    if path.is_dir():
        for file in path.rglob("*"):
            if file.is_file():
                keep(file.relative_to(path).as_posix(), file.stat().st_size, file.read_bytes)
    elif lower.endswith(TAR_SUFFIXES):
        try:
            with tarfile.open(path) as tar:
                for member in tar:
                    handle = tar.extractfile(member) if member.isfile() else None
                    if handle is not None:
                        keep(member.name, member.size, handle.read)
        except (tarfile.TarError, EOFError, OSError):
            pass  # read_documents reports a broken archive
    elif lower.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        keep(info.filename, info.file_size, partial(archive.read, info))
        except (zipfile.BadZipFile, OSError, EOFError):
            pass
    elif path.is_file():
        for algorithm in CHECKSUMS:
            sibling = path.with_name(f"{path.name}.{algorithm}")
            if sibling.is_file():
                keep(sibling.name, sibling.stat().st_size, sibling.read_bytes)
    return found


def _read_tar_once(path: Path, suffixes: tuple[str, ...]) -> Iterator[CsafInput]:
    """A tar archive's documents with their checksum files, in one pass over it.

    A provider's archive puts `<name>.sha512` after `<name>`, but nothing in a tar archive
    promises an order, so every document waits for the end of the archive, when every checksum
    file has been seen. Past MAX_HELD_BYTES of waiting documents, the rest need not wait: the
    checksum files are then found by a pass of their own (as for a zip) when a document first
    asks for them, which a re-import whose documents are all known never does.
    """
    found: dict[str, str] = {}
    files = ChecksumFiles(path, found)
    held: deque[InputDocument] | None = deque()  # None once the documents no longer wait
    held_bytes = 0

    def release(waiting: deque[InputDocument], files: ChecksumFiles) -> Iterator[CsafInput]:
        while waiting:  # each let go of as it goes
            document = waiting.popleft()
            yield CsafInput(document.name, document.content, document.problem, files=files)

    for document in read_documents(path, suffixes + CHECKSUM_SUFFIXES):
        if _is_checksum_file(document.name):
            if held is not None:  # (past that, the pass of their own finds them)
                content = document.content or b""
                found[document.name] = _checksum_text(len(content), partial(bytes, content))
        elif held is None:
            yield CsafInput(document.name, document.content, document.problem, files=files)
        else:
            held.append(document)
            held_bytes += len(document.content or b"")
            if held_bytes > MAX_HELD_BYTES:
                files = ChecksumFiles(path)  # found in a pass of their own, if ever asked
                yield from release(held, files)
                held = None
    if held is not None:
        yield from release(held, files)


# ---------------------------------------------------------------------------- the importer


class CsafImporter(Importer):
    pipeline_id = "csaf"
    licence = "LicenseRef-per-document"  # each document states its own terms (distribution)
    description = (
        "CSAF 2.0 advisories and VEX documents (JSON) from a file, a folder, a .zip or a "
        ".tar.gz; checksums beside them are verified"
    )
    suffixes = (".json",)

    def read(self, path: Path) -> Iterator[InputDocument]:
        """The shared reader's documents, each with the checksum files found beside it."""
        if path.is_file() and path.name.lower().endswith(TAR_SUFFIXES):
            yield from _read_tar_once(path, self.suffixes)
            return
        files = ChecksumFiles(path)
        for document in read_documents(path, self.suffixes):
            yield CsafInput(document.name, document.content, document.problem, files=files)

    def parse(self, document: InputDocument) -> Iterator[SourceRecord]:
        if document.content is None:
            raise RecordRejected(document.problem or "unreadable")
        if isinstance(document, CsafInput):
            verify_checksums(document)
        try:
            data = json.loads(document.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RecordRejected(f"not valid JSON: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
            return  # a ROLIE feed, provider metadata, an aggregator …: not an advisory
        version = data["document"].get("csaf_version")
        if version != "2.0":
            raise RecordRejected(
                f"document.csaf_version is {version!r}; this importer reads CSAF 2.0 only"
                if version is not None
                else "a CSAF document needs document.csaf_version; this importer reads 2.0"
            )
        check_schema(data)
        check_mandatory(data)
        yield from records_from_csaf(data, source=self.pipeline_id, origin=document.name)
