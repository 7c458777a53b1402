"""dpkg's status database (`/var/lib/dpkg/status`, and distroless `status.d/<package>` files).

One component per installed package: the binary package name in `name` (as osv-scanner lists
it) and its source package in `source_name` (the `Source:` field without its version, or the
package's own name when there is none, as Debian policy says), since Debian and Ubuntu
advisories name source packages. "Installed" means the Status field's third word is
`installed`. A paragraph without Status counts as installed only in a file where no package
is marked installed: distroless images write status.d files without Status, while dpkg writes
it for every package of its status file.
Paragraphs without Package or Version are skipped with a warning. The ecosystem is "Debian",
or "Ubuntu" when a package's maintainer is Ubuntu's (Ubuntu rewrites Maintainer and keeps the
Debian one as Original-Maintainer).
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.control_paragraphs import Paragraph, paragraphs
from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.interface import Component, InventoryFormat, ParsedInventory


def marked_installed(paragraph: Paragraph) -> bool:
    words = paragraph.fields.get("Status", "").split()
    return len(words) == 3 and words[2] == "installed"


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
        found = paragraphs(name, text_of(name, data))
        distro = "ubuntu" if is_ubuntu(found) else "debian"
        components: list[Component] = []
        warnings: list[str] = []
        written_by_dpkg = any(marked_installed(p) for p in found)
        for paragraph in found:
            package = paragraph.fields.get("Package")
            version = paragraph.fields.get("Version")
            may_lack_status = not written_by_dpkg
            if not marked_installed(paragraph) and not (
                may_lack_status and "Status" not in paragraph.fields
            ):
                continue
            if not package or not version:
                missing = "Package" if not package else "Version"
                warnings.append(f"line {paragraph.line}: no {missing} field, skipped")
                continue
            source = paragraph.fields.get("Source", "").split(" (", 1)[0].strip() or package
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
