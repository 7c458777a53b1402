"""RustSec advisories in their Markdown form (the rustsec/advisory-db repository).

Each `crates/<crate>/RUSTSEC-*.md` is a ```` ```toml ```` front-matter block (`[advisory]`,
`[affected]`, `[versions]`), a `# Title` line and a Markdown body. We convert it to the OSV
record RustSec itself publishes (the `osv` branch of advisory-db, made by `rustsec-admin osv`)
and import that through the shared OSV checks. The conversion follows the `rustsec` crate's
`OsvAdvisory::from_rustsec`; tests compare it with the official export field by field.

What differs from the export, and why:

- `modified`: the export takes it from git history (the last commit touching the file), which
  a Markdown file does not carry. We use the latest date the advisory states (`withdrawn`, else
  `date`) at 12:00 UTC, the same convention as `published`.
- Informational advisories of a kind RustSec does not export (`informational` other than
  `notice`, `unmaintained`, `unsound`) are imported all the same; the kind is kept.
- `rust/<component>/CVE-*.md` (the Rust toolchain: `std`, `cargo`, `rustdoc`) are not in the
  export, and no OSV ecosystem names the toolchain. We import them as records about a product
  (vendor "Rust", product the component) with the same OSV document but no `affected` package:
  the converted SEMVER ranges go to `database_specific.toolchain`, so a crates.io package named
  `std` is never matched by mistake.

Licence: the database is CC0-1.0; advisories imported from GHSA say `license = "CC-BY-4.0"`
in their front matter, which the record keeps in `database_specific.license`.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    AffectedProduct,
    Importer,
    RecordRejected,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv_records import record_from_osv
from clearinghouse.knowledge.sources.semver_requirements import (
    RequirementError,
    intervals_from_events,
    rustsec_events,
    vers,
)

ECOSYSTEM = "crates.io"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _rfc3339(date: Any, field: str) -> str:
    """RustSec dates are `YYYY-MM-DD`; the export writes them as noon UTC."""
    text = date.isoformat() if isinstance(date, datetime.date) else str(date)
    try:
        day = datetime.date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise RecordRejected(f"[advisory] {field}: {text!r} is not a valid YYYY-MM-DD date")
    if not 2000 <= day.year <= 2100:  # RustSec's bounds
        raise RecordRejected(f"[advisory] {field}: {text!r}: the year must be 2000 to 2100")
    return f"{day.isoformat()}T12:00:00Z"


def split_markdown(text: str) -> tuple[str, str, str]:
    """The TOML front matter, the title and the description, as RustSec's `Parts::parse`."""
    if not text.startswith("```toml"):
        raise RecordRejected(f"unexpected start of advisory: {text[:20]!r}")
    toml_end = text.find("\n```")
    if toml_end < 0:
        raise RecordRejected("couldn't find the end of the TOML front matter")
    front_matter = text[7:toml_end].strip()
    markdown = text[toml_end + 4 :].lstrip()
    if not markdown.startswith("# "):
        raise RecordRejected("expected a '# ' title after the TOML front matter")
    newline = markdown.find("\n")
    if newline < 0:
        raise RecordRejected("no Markdown body (description) after the title")
    title = markdown[2:newline].rstrip()
    description = markdown[newline + 1 :].strip()
    return front_matter, title, description


def _strings(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordRejected(f"{where} {key}: expected a list of strings")
    return list(value)


def _optional_string(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise RecordRejected(f"[advisory] {key}: expected a string")
    return value


def _function_sort_key(path: str) -> list[str]:
    # RustSec keeps functions in a BTreeMap keyed by path segments.
    return path.split("::")


def _url(text: str, field: str) -> str:
    """The URL as RustSec's `url::Url` writes it back, for the cases advisories have.

    The WHATWG serialization lower-cases the scheme and the host, drops a default port and
    gives an empty path "/". Every URL in advisory-db is already written that way; a text that
    is not an absolute URL is rejected, as RustSec rejects it.
    """
    stripped = text.strip()
    try:
        parts = urlsplit(stripped)
        port = parts.port
    except ValueError:
        raise RecordRejected(f"[advisory] {field}: {text!r} is not a URL") from None
    if not parts.scheme or not parts.netloc or any(c.isspace() for c in stripped):
        raise RecordRejected(f"[advisory] {field}: {text!r} is not an absolute URL")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return stripped
    host = parts.hostname or ""
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + (f"[{host}]" if ":" in host else host)
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def reference_type(url: str) -> str:
    """RustSec's `guess_url_kind`: issues are REPORTs; RustSec, GHSA and CVE pages ADVISORYs.

    A CVE page is an ADVISORY at either address: the export in hand was made by a
    rustsec-admin that knew `cve.mitre.org`, and RustSec has since moved to `www.cve.org`.
    """
    if ("://github.com/" in url or "://gitlab." in url) and "/issues/" in url:
        return "REPORT"
    if "/advisories/" in url or "://www.cve.org/" in url or "://cve.mitre.org/" in url:
        return "ADVISORY"
    if "://crates.io/crates/" in url:
        return "PACKAGE"
    return "WEB"


def _cvss(vector: str | None) -> list[dict[str, str]]:
    """The OSV severity for the advisory's CVSS vector: v2, v3.0/3.1 or v4.0.

    RustSec's `cvss` crate reads the vector and writes it back; every vector in advisory-db is
    already written the way it writes them, so the text is kept. The OSV schema then checks it.
    """
    if vector is None:
        return []
    if vector.startswith("CVSS:3."):
        return [{"type": "CVSS_V3", "score": vector}]
    if vector.startswith("CVSS:4."):
        return [{"type": "CVSS_V4", "score": vector}]
    return [{"type": "CVSS_V2", "score": vector}]


def advisory_to_osv(text: str) -> tuple[dict[str, Any], str]:
    """The OSV document for one advisory's Markdown, and the package (crate or component)."""
    front_matter, title, description = split_markdown(text)
    if not front_matter.startswith("[advisory]"):
        front_matter = "[advisory]\n" + front_matter  # the "V4" form omits the table header
    try:
        data = tomllib.loads(front_matter)
    except tomllib.TOMLDecodeError as exc:
        raise RecordRejected(f"front matter is not valid TOML: {exc}") from None
    advisory = data.get("advisory")
    if not isinstance(advisory, dict):
        raise RecordRejected("front matter has no [advisory] table")
    for key in ("title", "description"):
        if key in advisory:
            raise RecordRejected(f"invalid `{key}` attribute in the advisory TOML")
    for key in ("id", "package"):
        if not isinstance(advisory.get(key), str) or not advisory[key].strip():
            raise RecordRejected(f"[advisory] {key}: missing or not a string")
    if "date" not in advisory:
        raise RecordRejected("[advisory] date: missing")
    advisory_id: str = advisory["id"]
    package: str = advisory["package"]

    versions = data.get("versions")
    if not isinstance(versions, dict) or "patched" not in versions:
        raise RecordRejected("[versions] patched is missing")
    patched = _strings(versions, "patched", "[versions]")
    unaffected = _strings(versions, "unaffected", "[versions]")
    try:
        events = rustsec_events(patched, unaffected)
    except RequirementError as exc:
        raise RecordRejected(f"[versions]: {exc}") from None

    affected_table = data.get("affected") or {}
    if not isinstance(affected_table, dict):
        raise RecordRejected("[affected] must be a table")
    functions = affected_table.get("functions") or {}
    if not isinstance(functions, dict):
        raise RecordRejected("[affected] functions must be a table")

    # The package on crates.io, the advisory on rustsec.org, its `url`, then its references.
    references = [
        f"https://crates.io/crates/{package}",
        f"https://rustsec.org/advisories/{advisory_id}.html",
    ]
    url = _optional_string(advisory, "url")
    if url is not None:
        references.append(url)
    references += _strings(advisory, "references", "[advisory]")
    normalized = [_url(u, "url" if u == url else "references") for u in references]

    cvss = _optional_string(advisory, "cvss")
    severity = _cvss(cvss)
    informational = _optional_string(advisory, "informational")
    licence = _optional_string(advisory, "license") or "CC0-1.0"
    withdrawn = advisory.get("withdrawn")
    document: dict[str, Any] = {
        "id": advisory_id,
        "modified": _rfc3339(withdrawn or advisory["date"], "withdrawn" if withdrawn else "date"),
        "published": _rfc3339(advisory["date"], "date"),
    }
    if withdrawn is not None:
        document["withdrawn"] = _rfc3339(withdrawn, "withdrawn")
    document |= {
        "aliases": _strings(advisory, "aliases", "[advisory]"),
        "related": _strings(advisory, "related", "[advisory]"),
        "summary": title,
        "details": description,
        "severity": severity,
        "affected": [
            {
                "package": {
                    "ecosystem": ECOSYSTEM,
                    "name": package,
                    "purl": f"pkg:cargo/{package}",
                },
                "ecosystem_specific": {
                    "affects": {
                        "arch": _strings(affected_table, "arch", "[affected]"),
                        "os": _strings(affected_table, "os", "[affected]"),
                        "functions": sorted(functions, key=_function_sort_key),
                    },
                    "affected_functions": None,
                },
                "database_specific": {
                    "categories": _strings(advisory, "categories", "[advisory]"),
                    "cvss": cvss,
                    "informational": informational,
                },
                "ranges": [{"type": "SEMVER", "events": events}],
                "versions": [],
            }
        ],
        "references": [{"type": reference_type(u), "url": u} for u in normalized],
        "database_specific": {"license": licence},
    }
    return document, package


def _toolchain_document(
    document: dict[str, Any], component: str
) -> tuple[dict[str, Any], AffectedProduct]:
    """A `rust/<component>/` advisory: the toolchain is a product, not a crates.io package."""
    (affected,) = document["affected"]
    ranges = affected["ranges"]
    toolchain = {
        "component": component,
        "ranges": ranges,
        "categories": affected["database_specific"]["categories"],
        "informational": affected["database_specific"]["informational"],
        "affects": affected["ecosystem_specific"]["affects"],
    }
    references = [r for r in document["references"] if r["type"] != "PACKAGE"]
    changed = {
        **{k: v for k, v in document.items() if k != "affected"},
        "references": references,
        "database_specific": {**document["database_specific"], "toolchain": toolchain},
    }
    product = AffectedProduct(
        vendor="Rust",
        product=component,
        version_ranges=(vers(intervals_from_events(ranges[0]["events"])),),
    )
    return changed, product


def advisory_path(name: str) -> tuple[str, str] | None:
    """(collection, package) for `…/crates/<crate>/<ID>.md` or `…/rust/<component>/<ID>.md`;
    None for other files (README.md, EXAMPLE_ADVISORY.md) and for drafts
    (`RUSTSEC-0000-0000.md`, which RustSec skips too)."""
    parts = PurePosixPath(name).parts
    if len(parts) < 3 or parts[-3] not in ("crates", "rust") or not name.endswith(".md"):
        return None
    if parts[-1].startswith("RUSTSEC-0000-0000."):
        return None
    return parts[-3], parts[-2]


class RustSecImporter(Importer):
    pipeline_id = "rustsec"
    licence = "CC0-1.0"  # advisories imported from GHSA: CC-BY-4.0, marked in each record
    description = "RustSec advisory-db in its Markdown form (crates/ and rust/), as OSV"
    suffixes = (".md",)

    def read(self, path: Path) -> Iterator[InputDocument]:
        """The advisories only; an unreadable document is passed on to be reported."""
        for document in super().read(path):
            if document.content is None or advisory_path(document.name) is not None:
                yield document

    def parse(self, document: InputDocument) -> Iterator[SourceRecord]:
        where = advisory_path(document.name)
        if document.content is None or where is None:
            raise RecordRejected(document.problem or "not an advisory: crates|rust/<name>/<ID>.md")
        collection, folder = where
        try:
            text = document.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordRejected(f"not UTF-8 text: {exc}") from None
        osv, package = advisory_to_osv(text)
        if package != folder:
            raise RecordRejected(
                f"[advisory] package {package!r} does not match its folder {folder!r}"
            )
        if osv["id"] != PurePosixPath(document.name).stem:
            raise RecordRejected(f"[advisory] id {osv['id']!r} does not match the file name")
        if collection == "crates":
            yield record_from_osv(osv, source=self.pipeline_id, origin=document.name)
            return
        osv, product = _toolchain_document(osv, package)
        record = record_from_osv(osv, source=self.pipeline_id, origin=document.name)
        yield replace(record, products=(product,))
