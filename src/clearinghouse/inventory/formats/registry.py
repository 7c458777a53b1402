"""The inventory formats we read, and how a file's format is recognized."""

from __future__ import annotations

from clearinghouse.inventory.formats.apk_installed import ApkInstalled
from clearinghouse.inventory.formats.cargo_lock import CargoLock
from clearinghouse.inventory.formats.composer_lock import ComposerLock
from clearinghouse.inventory.formats.csaf_vex import CsafVex
from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.cyclonedx_xml import CycloneDxXml
from clearinghouse.inventory.formats.device_list_csv import DeviceListCsv
from clearinghouse.inventory.formats.device_list_yaml import DeviceListYaml
from clearinghouse.inventory.formats.dpkg_status import DpkgStatus
from clearinghouse.inventory.formats.gemfile_lock import GemfileLock
from clearinghouse.inventory.formats.go_mod import GoMod
from clearinghouse.inventory.formats.gradle_lockfile import GradleLockfile
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
)
from clearinghouse.inventory.formats.maven_pom import MavenPom
from clearinghouse.inventory.formats.nuget_lock import NuGetLock
from clearinghouse.inventory.formats.package_lock import PackageLockJson
from clearinghouse.inventory.formats.pipfile_lock import PipfileLock
from clearinghouse.inventory.formats.pnpm_lock import PnpmLock
from clearinghouse.inventory.formats.poetry_lock import PoetryLock
from clearinghouse.inventory.formats.pylock_toml import PylockToml
from clearinghouse.inventory.formats.requirements_txt import RequirementsTxt
from clearinghouse.inventory.formats.rpmdb_sqlite import RpmDbSqlite
from clearinghouse.inventory.formats.spdx_json import SpdxJson
from clearinghouse.inventory.formats.spdx_tagvalue import SpdxTagValue
from clearinghouse.inventory.formats.spdx_unsupported import SpdxOtherEncodings
from clearinghouse.inventory.formats.uv_lock import UvLock
from clearinghouse.inventory.formats.yarn_lock import YarnLock

# Every format, in detection order: exact names first wins, then suffixes, then content.
FORMATS: tuple[type[InventoryFormat], ...] = (
    CargoLock,
    GoMod,
    GemfileLock,
    ComposerLock,
    NuGetLock,
    GradleLockfile,
    MavenPom,
    DpkgStatus,
    ApkInstalled,
    RpmDbSqlite,
    RequirementsTxt,
    PoetryLock,
    UvLock,
    PylockToml,
    PipfileLock,
    PackageLockJson,
    YarnLock,
    PnpmLock,
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
    SpdxOtherEncodings,
    DeviceListCsv,
    DeviceListYaml,
    CsafVex,
)

SNIFF_BYTES = 64 * 1024


def format_by_id(format_id: str) -> type[InventoryFormat]:
    for fmt in FORMATS:
        if fmt.format_id == format_id:
            return fmt
    known = ", ".join(sorted(f.format_id for f in FORMATS))
    raise InventoryRejected(f"unknown format {format_id!r}; known formats: {known}")


def detect_by_name(name: str) -> type[InventoryFormat] | None:
    """The format a file name says (exact names, then endings, then name patterns), or None."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for fmt in FORMATS:
        if base in fmt.file_names:
            return fmt
    lowered = base.lower()
    for fmt in FORMATS:
        if any(lowered.endswith(suffix) for suffix in fmt.suffixes):
            return fmt
    for fmt in FORMATS:
        if fmt.claims_name(base):
            return fmt
    return None


def detect(name: str, data: bytes) -> type[InventoryFormat]:
    """The format of a file, from its name and then its content; a clear error when unknown."""
    by_name = detect_by_name(name)
    if by_name is not None:
        return by_name
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    head = data[:SNIFF_BYTES]
    for fmt in FORMATS:
        if fmt.sniff(base, head):
            return fmt
    raise InventoryRejected(
        f"{base}: not a format we read (SBOMs: CycloneDX, SPDX; lockfiles; dpkg/apk/rpm "
        "databases; device lists); name the format explicitly if the file name is unusual"
    )
