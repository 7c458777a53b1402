"""CycloneDX JSON: the official schema test suite, real SBOMs, CISA's VEX examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearinghouse.inventory.formats.compression import decompress
from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.interface import InventoryRejected
from tests.shared_data import COPIED, shared_file

SCHEMA_TESTS = sorted(
    str(path.relative_to(COPIED / "cyclonedx-schema-tests"))
    for path in (COPIED / "cyclonedx-schema-tests").glob("1.*/*.json")
)
# The documents python-jsonschema wrongly rejects (SOURCES.md: "the JSF oneOf quirk"). JSF's
# `algorithm` is oneOf [an enum of JWA names, a string with format "uri"]. A checker that does
# not check "uri" lets "ES256" match both branches, so oneOf fails. fastjsonschema checks the
# format: "ES256" is no URI, exactly one branch matches, and these documents validate, as
# their names say they should. They are asserted valid below like every other.
JSF_SIGNED = (
    "1.5/valid-signatures-1.5.json",
    "1.6/valid-standard-1.6.json",
    "1.6/valid-attestation-1.6.json",
    "1.7/valid-signatures-1.7.json",
    "1.7/valid-standard-1.7.json",
    "1.7/valid-attestation-1.7.json",
)


def test_the_suite_is_all_there() -> None:
    assert len(SCHEMA_TESTS) == 191
    present = [name for name in JSF_SIGNED if name in SCHEMA_TESTS]
    assert present, "no JSF-signed document left in the suite"


@pytest.mark.parametrize("relative", SCHEMA_TESTS)
def test_schema_suite(relative: str) -> None:
    path = shared_file(f"cyclonedx-schema-tests/{relative}")
    if path.name.startswith("valid-"):
        parsed = CycloneDxJson().parse(path.name, path.read_bytes())
        assert parsed.spec_version == relative.split("/")[0]
    else:
        with pytest.raises(InventoryRejected) as caught:
            CycloneDxJson().parse(path.name, path.read_bytes())
        message = str(caught.value)
        assert message.startswith(f"{path.name}: ")
        # Where and why: a JSON path and a schema rule, or the header that is wrong.
        assert ("at $" in message and "schema rule" in message) or "bomFormat" in message


def test_a_jsf_algorithm_that_is_neither_a_jwa_name_nor_a_uri_is_refused() -> None:
    path = shared_file("cyclonedx-schema-tests/1.5/valid-signatures-1.5.json")
    document = json.loads(path.read_bytes())
    assert document["signature"]["algorithm"] == "ES256"
    document["signature"]["algorithm"] = "ES 256"
    with pytest.raises(InventoryRejected, match=r"at \$\.signature"):
        CycloneDxJson().parse("signed.cdx.json", json.dumps(document).encode())


def test_a_bad_component_type_is_named_with_its_path_and_rule() -> None:
    path = shared_file("cyclonedx-schema-tests/1.6/invalid-component-type-1.6.json")
    with pytest.raises(InventoryRejected) as caught:
        CycloneDxJson().parse(path.name, path.read_bytes())
    assert "at $.components[0].type" in str(caught.value)
    assert "schema rule 'enum'" in str(caught.value)


EXAMPLES = sorted(
    str(path.relative_to(COPIED / "sbom-cyclonedx-examples"))
    for pattern in ("**/*.json", "**/*.json.gz")
    for path in (COPIED / "sbom-cyclonedx-examples").glob(pattern)
)


@pytest.mark.parametrize("relative", EXAMPLES)
def test_real_examples_parse(relative: str) -> None:
    path = shared_file(f"sbom-cyclonedx-examples/{relative}")
    name, data = decompress(path.name, path.read_bytes())
    parsed = CycloneDxJson().parse(name, data)
    document = json.loads(data)
    assert parsed.spec_version == document["specVersion"]
    if "components" in document and "/SBOM/" in f"/{relative}":
        assert parsed.components, "a real SBOM yields components"
        assert all(c.purl or c.cpe for c in parsed.components)


def test_keycloak_maven_components() -> None:
    path = shared_file("sbom-cyclonedx-examples/SBOM/keycloak-10.0.2/bom.json.gz")
    parsed = CycloneDxJson().parse(*decompress(path.name, path.read_bytes()))
    by_name = {c.name: c for c in parsed.components}
    jackson = by_name["com.fasterxml.jackson.core:jackson-databind"]
    assert jackson.ecosystem == "Maven"
    assert jackson.purl is not None
    assert jackson.purl.startswith("pkg:maven/com.fasterxml.jackson.core/jackson-databind@")
    assert jackson.version == jackson.purl.split("@", 1)[1].split("?", 1)[0]
    assert {c.ecosystem for c in parsed.components} == {"Maven"}


def test_juice_shop_npm_scoped_names() -> None:
    path = shared_file("sbom-cyclonedx-examples/SBOM/juice-shop/via_npm/bare/bom.1.4.json.gz")
    parsed = CycloneDxJson().parse(*decompress(path.name, path.read_bytes()))
    assert {c.ecosystem for c in parsed.components} == {"npm"}
    scoped = [c for c in parsed.components if c.name.startswith("@")]
    assert scoped
    assert all("/" in c.name and c.purl and "%40" in c.purl for c in scoped)


def _vex(relative: str) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    path = shared_file(f"sbom-cyclonedx-examples/VEX/{relative}")
    parsed = CycloneDxJson().parse(path.name, path.read_bytes())
    return [(s.vulnerability_id, s.status, s.justification, s.components) for s in parsed.vex]


@pytest.mark.parametrize(
    ("case", "status", "justification", "product"),
    [
        ("vex-affected.json", "affected", None, "product-DEF"),
        ("vex-fixed.json", "fixed", None, "product-DEF"),
        ("vex-not_affected.json", "not_affected", "code_not_present", "product-ABC"),
        ("vex-under_investigation.json", "under_investigation", None, "product-GHI"),
    ],
)
def test_cisa_use_case_1(case: str, status: str, justification: str | None, product: str) -> None:
    # The product is the BOM's subject; it has no purl, so the bom-ref stays.
    assert _vex(f"CISA-Use-Cases/Case-1/{case}") == [
        ("CVE-2021-44228", status, justification, (product,))
    ]


def test_vex_detail_keeps_the_response() -> None:
    path = shared_file("sbom-cyclonedx-examples/VEX/CISA-Use-Cases/Case-1/vex-not_affected.json")
    (statement,) = CycloneDxJson().parse(path.name, path.read_bytes()).vex
    assert statement.detail is not None
    assert statement.detail.startswith("This version of Product ABC is not affected")
    assert statement.detail.endswith("response: will_not_fix")


def test_bom_links_to_another_bom_keep_their_bom_ref_target() -> None:
    statements = _vex("CISA-Use-Cases/Case-7/vex.json")
    refs = {ref for *_, components in statements for ref in components}
    assert refs == {
        "urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC",
        "urn:cdx:e4c3eedc-4978-470c-ad02-6ffff63738ff/1#product-JKL",
    }


def test_vex_refs_resolve_to_the_purls_of_the_boms_components() -> None:
    bom = shared_file("sbom-cyclonedx-examples/VEX/bom.json")
    purls = {c.purl for c in CycloneDxJson().parse(bom.name, bom.read_bytes()).components}
    statements = _vex("vex.json")
    assert statements
    for _, status, _, components in statements:
        assert status in {"not_affected", "affected", "fixed", "under_investigation"}
        # vex.json refers into bom.json by BOM-Link; its bom-refs are purls.
        assert set(components) <= purls


def test_nested_components_are_flattened() -> None:
    path = shared_file("osv-scalibr-lockfiles/sbom/cdx/testdata/sbom-with-nested-comps.cdx.json")
    parsed = CycloneDxJson().parse(path.name, path.read_bytes())
    assert [(c.name, c.version, c.ecosystem) for c in parsed.components] == [
        ("openssl", "1.1.1", None),
        ("Nginx", "1.21.1", None),
        ("rustls", "0.23.13", "crates.io"),
    ]
    assert parsed.components[2].location == "$.components[1].components[0] (bom-ref rustls@0.23.13)"


def test_direct_and_dev_from_the_bom() -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [
            {"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1", "bom-ref": "a"},
            {
                "type": "library",
                "name": "B_c",
                "version": "2.0",
                "purl": "pkg:pypi/B_c@2.0",
                "bom-ref": "b",
                "scope": "excluded",
            },
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}],
    }
    parsed = CycloneDxJson().parse("x.cdx.json", json.dumps(bom).encode())
    first, second = parsed.components
    assert (first.direct, first.dev) == (True, False)
    assert (second.direct, second.dev) == (False, True)
    assert second.purl == "pkg:pypi/b-c@2.0"  # the purl spec's PyPI name normalization
    assert second.version == "2.0"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "not valid JSON"),
        (b"[1, 2]", "is a JSON object"),
        (b'{"bomFormat": "SPDX"}', '"bomFormat" is not "CycloneDX"'),
        (b'{"bomFormat": "CycloneDX", "specVersion": "2.0"}', "specVersion '2.0'"),
        (b'{"bomFormat": "CycloneDX", "specVersion": 1.4}', "specVersion 1.4"),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": {}}',
            r"at $.components: must be array",
        ),
    ],
)
def test_bad_documents_say_why(data: bytes, why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        CycloneDxJson().parse("bad.cdx.json", data)
    assert why in str(caught.value)
    assert str(caught.value).startswith("bad.cdx.json: ")


def test_sniff() -> None:
    path = shared_file("sbom-cyclonedx-examples/VEX/bom.json")
    assert CycloneDxJson.sniff("upload", path.read_bytes()[:65536])
    assert not CycloneDxJson.sniff("upload", b'{"spdxVersion": "SPDX-2.3"}')
    assert not CycloneDxJson.sniff("upload", Path(__file__).read_bytes())
