"""CycloneDX XML: the same meaning as the JSON encoding, and no XML attack gets through."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.cyclonedx_xml import CycloneDxXml
from clearinghouse.inventory.formats.interface import Component, InventoryRejected
from tests.shared_data import shared_file


def _identity(components: tuple[Component, ...]) -> list[tuple[object, ...]]:
    return [(c.name, c.version, c.ecosystem, c.purl, c.cpe, c.dev) for c in components]


@pytest.mark.parametrize(
    ("xml", "json"),
    [
        ("SBOM/laravel-7.12.0/bom.1.4.xml", "SBOM/laravel-7.12.0/bom.1.4.json"),
        (
            "SBOM/proton-bridge/proton-bridge-v1.8.0.bom.xml",
            "SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json",
        ),
        ("SBOM/cern-lhc-vdm-editor-e564943/bom.xml", "SBOM/cern-lhc-vdm-editor-e564943/bom.json"),
    ],
)
def test_xml_and_json_of_one_bom_agree(xml: str, json: str) -> None:
    xml_path = shared_file(f"sbom-cyclonedx-examples/{xml}")
    json_path = shared_file(f"sbom-cyclonedx-examples/{json}")
    from_xml = CycloneDxXml().parse(xml_path.name, xml_path.read_bytes())
    from_json = CycloneDxJson().parse(json_path.name, json_path.read_bytes())
    assert from_xml.components
    assert _identity(from_xml.components) == _identity(from_json.components)
    assert from_xml.spec_version == from_json.spec_version


def test_os_packages_carry_their_source_package() -> None:
    path = shared_file("osv-scanner-fixtures/testdata/sbom-insecure/alpine.cdx.xml")
    parsed = CycloneDxXml().parse(path.name, path.read_bytes())
    by_name = {c.name: c for c in parsed.components}
    libcrypto = by_name["libcrypto3"]
    assert (libcrypto.ecosystem, libcrypto.version, libcrypto.source_name) == (
        "Alpine",
        "3.0.8-r0",
        "openssl",
    )
    assert libcrypto.location is not None
    assert libcrypto.location.startswith("/bom/components/component[")
    assert "(bom-ref pkg:apk/alpine/libcrypto3@3.0.8-r0?" in libcrypto.location
    # busybox has no purl but a CPE: kept, to be matched by CPE.
    assert by_name["busybox"].purl is None
    assert by_name["busybox"].cpe is not None


def test_debian_packages_from_a_syft_image_sbom() -> None:
    path = shared_file("osv-scanner-fixtures/testdata/sbom-insecure/postgres-stretch.cdx.xml")
    parsed = CycloneDxXml().parse(path.name, path.read_bytes())
    ecosystems = {c.ecosystem for c in parsed.components}
    assert ecosystems == {"Debian", "Go", None}  # None: a pkg:generic component
    by_name = {c.name: c for c in parsed.components}
    # Syft names the source package only when it differs from the binary one.
    assert (by_name["libxml2"].version, by_name["libxml2"].source_name) == (
        "2.9.4+dfsg1-2.2+deb9u6",
        None,
    )
    assert (by_name["libssl1.1"].version, by_name["libssl1.1"].source_name) == (
        "1.1.0l-1~deb9u5",
        "openssl",
    )
    assert by_name["libssl1.1"].purl == (
        "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64&distro=debian-9&upstream=openssl"
    )


def test_broken_purls_are_warned_about_and_cpes_still_count() -> None:
    path = shared_file("osv-scanner-fixtures/testdata/sbom-insecure/bad-purls.cdx.xml")
    parsed = CycloneDxXml().parse(path.name, path.read_bytes())
    assert len(parsed.components) == 15
    bad = [w for w in parsed.warnings if "is not a valid package URL" in w]
    # pkg:pypi/ (3 times), pkg:///, / and a name left empty (pkg:apk/alpine/@1.36.1-r27).
    assert len(bad) == 6
    assert any("'pkg:///'" in w for w in bad)
    assert any("'pkg:apk/alpine/@1.36.1-r27?" in w for w in bad)
    ssl_client = [c for c in parsed.components if c.product == "ssl_client"]
    assert [(c.purl, c.cpe is not None) for c in ssl_client] == [(None, True)]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library">
<name>&lol2;</name></component></components></bom>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library">
<name>&xxe;</name><purl>pkg:npm/a@1</purl></component></components></bom>"""


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (BILLION_LAUGHS, "refused unsafe XML"),
        (EXTERNAL_ENTITY, "refused unsafe XML"),
        (b"<bom", "not well-formed XML"),
        (b'<?xml version="1.0" encoding="UTF-h"?><bom/>', "unknown encoding: UTF-h"),
        (b"<project xmlns='http://maven.apache.org/POM/4.0.0'/>", "not CycloneDX XML"),
        (b"<bom xmlns='http://cyclonedx.org/schema/bom/2.0'/>", "not CycloneDX XML"),
    ],
)
def test_bad_or_hostile_xml_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(InventoryRejected, match=why):
        CycloneDxXml().parse("bad.cdx.xml", data)


def test_vex_in_xml() -> None:
    data = b"""<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components>
    <component type="library" bom-ref="log4j">
      <group>org.apache.logging.log4j</group><name>log4j-core</name><version>2.14.1</version>
      <purl>pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1</purl>
    </component>
  </components>
  <vulnerabilities>
    <vulnerability>
      <id>CVE-2021-44228</id>
      <analysis>
        <state>not_affected</state><justification>code_not_reachable</justification>
        <responses><response>will_not_fix</response></responses>
        <detail>JNDI lookups are disabled.</detail>
      </analysis>
      <affects><target><ref>log4j</ref></target></affects>
    </vulnerability>
  </vulnerabilities>
</bom>"""
    parsed = CycloneDxXml().parse("vex.cdx.xml", data)
    (statement,) = parsed.vex
    assert statement.vulnerability_id == "CVE-2021-44228"
    assert statement.status == "not_affected"
    assert statement.justification == "code_not_reachable"
    assert statement.detail == "JNDI lookups are disabled.\nresponse: will_not_fix"
    assert statement.components == ("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",)
    assert parsed.components[0].name == "org.apache.logging.log4j:log4j-core"


def test_sniff() -> None:
    path = shared_file("sbom-cyclonedx-examples/SBOM/laravel-7.12.0/bom.1.4.xml")
    assert CycloneDxXml.sniff("upload", path.read_bytes()[:65536])
    assert not CycloneDxXml.sniff("upload", b"<project xmlns='http://maven.apache.org/POM/4.0.0'/>")
