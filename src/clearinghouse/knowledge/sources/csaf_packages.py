"""CSAF products → OSV packages, from their purl, conservatively.

`package_for` maps a purl to an OSV package (see PURL_ECOSYSTEMS): only types whose OSV
ecosystem and name are unambiguous, and for distributions only when the release is known.
`affected_packages` says which versions of those packages a vulnerability affects. Anything not
mapped stays a product row, which loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from clearinghouse.knowledge.sources.csaf_products import ProductInfo, parse_purl
from clearinghouse.knowledge.sources.interface import AffectedPackage

AFFECTED = ("known_affected", "first_affected", "last_affected")


# purl type -> OSV ecosystem, for language registries whose package names need no context.
# Names are built as OSV wants them: Maven "group:artifact", Go and Packagist "namespace/name",
# npm "@scope/name". A purl of these types without a namespace where one is required is skipped.
PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
}
# Distributions, whose OSV ecosystem carries the release: the Debian release comes from the
# purl's `distro` qualifier (`debian-12` or a code name), Red Hat's product stream from the CPE
# of the platform the RPM is a component of, as osv.dev's Red Hat converter does.
DISTRIBUTIONS = ("Debian", "Red Hat")
DEBIAN_RELEASES = {
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "sid": "sid",
}
_REDHAT_CPE = re.compile(r"^cpe:/[ao]:redhat:(?P<stream>.+)$")


@dataclass(frozen=True)
class PackageKey:
    ecosystem: str
    name: str
    purl: str  # without version or qualifiers: the package, as OSV's `package.purl`
    version: str  # in the ecosystem's own form (Red Hat: epoch:version-release)


def _platform_cpe(info: ProductInfo) -> str | None:
    platform = info.platform
    while platform is not None:
        if platform.cpe:
            return platform.cpe
        platform = platform.platform
    return None


def package_for(info: ProductInfo) -> PackageKey | None:
    """The OSV package and exact version a product is, when its purl says so unambiguously."""
    purl = parse_purl(info.purl) if info.purl else None
    if purl is None or not purl.version:
        return None  # no version: nothing exact to say
    namespace = purl.namespace
    ecosystem = PURL_ECOSYSTEMS.get(purl.type)
    version = purl.version
    if ecosystem is not None:
        if purl.type == "maven":
            if not namespace:
                return None
            name = f"{namespace}:{purl.name}"
        elif purl.type in ("golang", "composer"):
            if not namespace:
                return None
            name = f"{namespace}/{purl.name}"
            if purl.type == "golang":
                version = version.removeprefix("v")  # OSV's Go versions have no "v"
        elif purl.type == "npm" and namespace:
            name = f"{namespace}/{purl.name}"
        elif namespace:
            return None  # these types have no namespace; one means a purl we do not understand
        else:
            name = purl.name
    elif purl.type == "deb" and namespace == "debian":
        # OSV's Debian names are source packages; a purl with another arch is a binary one,
        # whose name may differ (libssl3 comes from openssl).
        if purl.qualifiers.get("arch", "source") != "source":
            return None
        distro = purl.qualifiers.get("distro", "")
        release = distro.removeprefix("debian-")
        release = DEBIAN_RELEASES.get(release, release)
        if not re.fullmatch(r"\d+|sid", release):
            return None
        ecosystem, name = f"Debian:{release}", purl.name
    elif purl.type == "rpm" and namespace == "redhat":
        match = _REDHAT_CPE.match(_platform_cpe(info) or info.cpe or "")
        if not match:
            return None  # OSV's Red Hat ecosystem needs the product stream
        ecosystem, name = f"Red Hat:{match['stream']}", purl.name
        version = f"{purl.qualifiers.get('epoch') or '0'}:{version}"
    else:
        return None
    path = [*(namespace.split("/") if namespace else ()), purl.name]
    base = f"pkg:{purl.type}/" + "/".join(quote(part, safe="") for part in path)
    return PackageKey(ecosystem=ecosystem, name=name, purl=base, version=version)


def affected_packages(
    vulnerability: Mapping[str, Any], products: Mapping[str, ProductInfo], tracking_id: str
) -> list[AffectedPackage]:
    """OSV packages for products whose purl maps to an OSV ecosystem (csaf_products).

    Conservative, because a matcher acts on these without reading the advisory:
    - an exact affected version (`known_affected`, `first_affected`, `last_affected`) goes into
      `versions`, which OSV defines as the affected versions;
    - a fixed version becomes an ECOSYSTEM range `introduced: 0, fixed: <version>` (the form
      osv.dev's Red Hat converter gives) when the status is `first_fixed` ("the first fixed
      version": the earlier ones were affected), or `fixed` in a distribution's advisory, where
      a fixed package is the update of that package stream. A language package's `fixed`
      version alone says nothing about which versions were affected, so it gives no range;
    - two or more fixed versions of one package (release lines: log4j 2.12.2 and 2.16.0) give
      no range either: without knowing where each line starts, one range would call 2.12.2
      affected or miss 2.13; they stay in `database_specific.csaf.fixed` and the product rows;
    - a package left with neither affected versions nor a range is not emitted (to OSV tools
      that means "every version"), and neither are `known_not_affected`,
      `under_investigation`, `recommended` and version ranges (CSAF's
      `product_version_range`): the product rows keep them.
    """
    found: dict[tuple[str, str], dict[str, Any]] = {}
    status_of = vulnerability.get("product_status", {})
    for status in (*AFFECTED, "first_fixed", "fixed"):
        for product_id in status_of.get(status) or ():
            info = products.get(str(product_id))
            key = package_for(info) if info is not None else None
            if key is None:
                continue
            distribution = key.ecosystem.split(":", 1)[0] in DISTRIBUTIONS
            if status == "fixed" and not distribution:
                continue
            entry = found.setdefault(
                (key.ecosystem, key.name),
                {"purl": key.purl, "versions": [], "fixed": [], "product_ids": []},
            )
            entry["versions" if status in AFFECTED else "fixed"].append(key.version)
            entry["product_ids"].append(str(product_id))
    packages = []
    for (ecosystem, name), entry in found.items():
        fixed = list(dict.fromkeys(entry["fixed"]))
        ranges = (
            ({"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed[0]}]},)
            if len(fixed) == 1
            else ()
        )
        versions = tuple(dict.fromkeys(entry["versions"]))
        if not ranges and not versions:
            continue
        specific = {"tracking_id": tracking_id, "product_ids": entry["product_ids"]}
        packages.append(
            AffectedPackage(
                ecosystem=ecosystem,
                name=name,
                purl=entry["purl"],
                ranges=ranges,
                versions=versions,
                database_specific={"csaf": specific | ({"fixed": fixed} if fixed else {})},
            )
        )
    return packages
