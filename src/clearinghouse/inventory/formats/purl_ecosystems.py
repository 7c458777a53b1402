"""Package URLs in SBOMs and VEX: parsing them leniently, and the OSV ecosystem and name they mean.

SBOMs carry purls written by many tools, some broken (`pkg:pypi/`, `pkg:///`); a broken purl
is not a reason to refuse the whole upload, so `parse_purl` returns None and the caller warns.
"""

from __future__ import annotations

from packageurl import PackageURL

# purl type → OSV ecosystem, for registries whose name needs no other context.
REGISTRY_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "pub": "Pub",
    "hackage": "Hackage",
    "cran": "CRAN",
    "hex": "Hex",
    "swift": "SwiftURL",
    "conan": "ConanCenter",
    "bitnami": "Bitnami",
    "github": "GitHub Actions",
}
# rpm purls name their distribution in the namespace (purl-spec types: rpm).
RPM_ECOSYSTEMS = {
    "redhat": "Red Hat",
    "almalinux": "AlmaLinux",
    "rocky": "Rocky Linux",
    "rocky-linux": "Rocky Linux",
    "opensuse": "openSUSE",
    "suse": "SUSE",
    "mageia": "Mageia",
    "openeuler": "openEuler",
}


def parse_purl(text: str) -> PackageURL | None:
    """The purl, or None when it is not a valid package URL (a type and a name at least)."""
    text = text.strip()
    # packageurl-python reads "pkg:apk/alpine/@1.0" as the package "alpine"; the name is empty.
    path = text.split("#", 1)[0].split("?", 1)[0].rsplit("@", 1)[0]
    if path.endswith("/"):
        return None
    try:
        purl = PackageURL.from_string(text)
    except ValueError:
        return None
    if not purl.type or not purl.name:
        return None
    return purl


def _qualifier(purl: PackageURL, key: str) -> str:
    qualifiers = purl.qualifiers
    if isinstance(qualifiers, dict):
        return str(qualifiers.get(key) or "")
    return ""


def ecosystem_of(purl: PackageURL) -> str | None:
    """The OSV ecosystem a purl's package lives in, or None when OSV has none for it."""
    kind = purl.type.lower()
    if kind in REGISTRY_ECOSYSTEMS:
        return REGISTRY_ECOSYSTEMS[kind]
    namespace = (purl.namespace or "").lower()
    if kind == "deb":
        distro = _qualifier(purl, "distro").lower()
        if namespace == "ubuntu" or distro.startswith("ubuntu"):
            return "Ubuntu"
        if namespace == "debian" or distro.startswith("debian"):
            return "Debian"
        return None
    if kind == "apk":
        # Wolfi and Chainguard use apk too, and have their own OSV ecosystems.
        return {"alpine": "Alpine", "wolfi": "Wolfi", "chainguard": "Chainguard"}.get(namespace)
    if kind == "rpm":
        return RPM_ECOSYSTEMS.get(namespace)
    return None


def osv_name(purl: PackageURL) -> str:
    """The package name as OSV writes it for this purl's ecosystem."""
    kind = purl.type.lower()
    namespace = purl.namespace or ""
    if not namespace:
        return purl.name
    if kind == "maven":
        return f"{namespace}:{purl.name}"
    if kind in ("npm", "golang", "composer", "swift", "github", "conan"):
        return f"{namespace}/{purl.name}"
    # OS packages: the namespace is the distribution, not part of the name.
    return purl.name


def source_package(purl: PackageURL) -> str | None:
    """The source package an OS binary package was built from, when the purl names it.

    Syft writes `upstream`, osv-scalibr `source` (deb) or `origin` (apk); a version suffix
    ("openssl@3.0.8-r0") is dropped.
    """
    if purl.type.lower() not in ("deb", "apk", "rpm", "alpm"):
        return None
    for key in ("upstream", "source", "origin"):
        value = _qualifier(purl, key)
        if value:
            value = value.split("@", 1)[0].split(" ", 1)[0]
            if value.endswith(".src.rpm"):  # syft: name-version-release.src.rpm
                value = value[: -len(".src.rpm")].rsplit("-", 2)[0]
            return value or None
    return None


def canonical(purl: PackageURL) -> str:
    return str(purl.to_string())
