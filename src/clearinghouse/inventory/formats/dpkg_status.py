"""dpkg's status database (`/var/lib/dpkg/status`, and distroless `status.d/<package>` files).

One component per installed package: the binary package name in `name` (as osv-scanner lists it)
and its source package in `source_name` (the `Source:` field without its version, or the
package's own name when there is none, as Debian policy says), since Debian and Ubuntu
advisories name source packages. "Installed" means the Status field's third word is `installed`.
A paragraph without Status counts as installed only in a file where no package is marked
installed: distroless images write status.d files without Status, while dpkg writes it for every
package of its status file. Paragraphs without Package or Version are skipped with a warning; a
Status that is not "want flag status" is an error. Transitional packages (empty ones that only
pull in their successor) are kept, as osv-scanner keeps them, with a warning that they hold no
code. The ecosystem is "Debian", or "Ubuntu" when a package's maintainer is Ubuntu's (Ubuntu
rewrites Maintainer and keeps the Debian one as Original-Maintainer).
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.control_paragraphs import Paragraph, paragraphs
from clearinghouse.inventory.formats.decoding import database_text_of
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)


def marked_installed(name: str, paragraph: Paragraph) -> bool:
    status = paragraph.fields.get("Status")
    if status is None:
        return False
    words = status.split()
    if len(words) != 3:
        raise InventoryRejected(
            f"{name}: line {paragraph.line}: Status {status!r} is not 'want flag status'"
        )
    return words[2] == "installed"


def source_of(name: str, paragraph: Paragraph, package: str) -> str:
    """The source package's name: `Source: openssl (3.0.11-1)` → openssl; none → the package."""
    source = paragraph.fields.get("Source", "").strip()
    if not source:
        return package
    source_name, parenthesis, version = source.partition(" (")
    if parenthesis and not version.endswith(")"):
        raise InventoryRejected(f"{name}: line {paragraph.line}: Source {source!r} lacks ')'")
    return source_name


def transitional(paragraph: Paragraph) -> bool:
    description = paragraph.fields.get("Description", "").lower()
    return any(f"transitional {kind}package" in description for kind in ("", "dummy ", "empty "))


def is_ubuntu(found: list[Paragraph]) -> bool:
    return any(
        "Original-Maintainer" in p.fields or "ubuntu.com>" in p.fields.get("Maintainer", "")
        for p in found
    )


class DpkgStatus(InventoryFormat):
    format_id: ClassVar[str] = "dpkg-status"
    description: ClassVar[str] = "Debian/Ubuntu dpkg status database (/var/lib/dpkg/status)"
    file_names: ClassVar[tuple[str, ...]] = ("status",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return head.startswith(b"Package: ") and b"\nStatus: " in head

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        text, warnings = database_text_of(name, data)
        found = paragraphs(name, text)
        distro = "ubuntu" if is_ubuntu(found) else "debian"
        components: list[Component] = []
        written_by_dpkg = any(marked_installed(name, p) for p in found)
        for paragraph in found:
            status_applies = written_by_dpkg or "Status" in paragraph.fields
            if status_applies and not marked_installed(name, paragraph):
                continue
            package = paragraph.fields.get("Package")
            version = paragraph.fields.get("Version")
            if not package or not version:
                missing = "Package" if not package else "Version"
                warnings.append(f"line {paragraph.line}: no {missing} field, skipped")
                continue
            source = source_of(name, paragraph, package)
            if transitional(paragraph):
                warnings.append(
                    f"line {paragraph.line}: {package} is a transitional package with no code "
                    "of its own: findings on it are not exploitable"
                )
            qualifiers = {"arch": paragraph.fields.get("Architecture", "")}
            if source != package:
                qualifiers["upstream"] = source
            components.append(
                Component(
                    name=package,
                    version=version,
                    ecosystem=distro.title(),
                    purl=PackageURL(
                        type="deb",
                        namespace=distro,
                        name=package,
                        version=version,
                        qualifiers={k: v for k, v in qualifiers.items() if v},
                    ).to_string(),
                    source_name=source,
                    location=f"line {paragraph.line}",
                )
            )
        return ParsedInventory(
            format_id=self.format_id, components=tuple(components), warnings=tuple(warnings)
        )
