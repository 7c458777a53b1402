"""pom.xml: declared dependencies, managed versions, property interpolation, safe XML."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.maven_pom import MavenPom
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/java/pomxml/testdata"


def pom(body: str, head: str = "") -> bytes:
    return (
        '<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        f"<modelVersion>4.0.0</modelVersion>{head}\n{body}\n</project>\n"
    ).encode()


def dependency(group: str, artifact: str, version: str | None = None, extra: str = "") -> str:
    declared = f"<version>{version}</version>" if version is not None else ""
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"{declared}{extra}</dependency>"
    )


def test_properties_are_interpolated() -> None:
    data = shared_file(f"{FIXTURES}/interpolation.xml").read_bytes()
    components = MavenPom().parse("pom.xml", data).components
    assert [(c.name, c.version) for c in components] == [
        ("org.mine:mypackage", "1.0.0"),
        ("org.mine:my.package", "2.3.4"),
        ("org.mine:ranged-package", "9.4.35.v20201120"),
    ]
    assert components[0].purl == "pkg:maven/org.mine/mypackage@1.0.0"
    assert components[0].ecosystem == "Maven"


def test_a_version_range_is_reported_at_its_lower_bound_with_a_warning() -> None:
    body = (
        "<dependencies>"
        + dependency("org.x", "a", "[1.2,2.0)")
        + dependency("org.x", "b", "(,1.0]")
        + "</dependencies>"
    )
    parsed = MavenPom().parse("pom.xml", pom(body))
    assert [(c.name, c.version) for c in parsed.components] == [("org.x:a", "1.2")]
    assert parsed.warnings == (
        "dependencies[0]: org.x:a: range '[1.2,2.0)', reported at its lower bound",
        "dependencies[1]: org.x:b: range '(,1.0]', has no lower bound",
    )


def test_managed_versions_fill_undeclared_ones_and_the_rest_is_said() -> None:
    data = shared_file(f"{FIXTURES}/with-parent.xml").read_bytes()
    parsed = MavenPom().parse("pom.xml", data)
    assert [(c.name, c.version) for c in parsed.components] == [
        ("org.alice:alice", "1.0.0"),
        ("org.bob:bob", "2.0.0"),
        ("org.chuck:chuck", "3.0.0"),
    ]
    assert parsed.warnings == ("dependencies[3]: org.frank:frank: no version here, skipped",)


def test_project_and_parent_versions_and_nested_properties() -> None:
    head = (
        "<parent><groupId>org.p</groupId><artifactId>p</artifactId><version>7</version></parent>"
        "<artifactId>app</artifactId>"
        "<properties><base>2.1</base><lib.version>${base}.3</lib.version></properties>"
    )
    body = (
        "<dependencies>"
        + dependency("${project.groupId}", "a", "${project.version}")
        + dependency("org.x", "b", "${lib.version}")
        + dependency("org.x", "c", "${project.parent.version}", "<scope>test</scope>")
        + "</dependencies>"
    )
    components = MavenPom().parse("pom.xml", pom(body, head)).components
    assert [(c.name, c.version, c.dev) for c in components] == [
        ("org.p:a", "7", False),
        ("org.x:b", "2.1.3", False),
        ("org.x:c", "7", True),
    ]


def test_an_unresolved_property_skips_the_dependency_with_a_warning() -> None:
    body = "<dependencies>" + dependency("org.x", "a", "${nowhere.version}") + "</dependencies>"
    parsed = MavenPom().parse("pom.xml", pom(body))
    assert parsed.components == ()
    assert parsed.warnings == (
        "dependencies[0]: org.x:a: property in '${nowhere.version}' not defined in this pom, "
        "skipped",
    )


def test_a_property_cycle_is_unresolved_not_endless() -> None:
    head = "<properties><a>${b}</a><b>${a}</b></properties>"
    body = "<dependencies>" + dependency("org.x", "a", "${a}") + "</dependencies>"
    assert MavenPom().parse("pom.xml", pom(body, head)).components == ()


def test_active_profiles_count_and_plugin_dependencies_do_not() -> None:
    profiles = shared_file(f"{FIXTURES}/profiles.xml").read_bytes()
    (profile_dependency,) = MavenPom().parse("pom.xml", profiles).components
    assert profile_dependency.name == "org.profile:profile-dep"
    data = shared_file(f"{FIXTURES}/plugin-dependency.xml").read_bytes()
    (only,) = MavenPom().parse("pom.xml", data).components
    assert only.location == "dependencies[0]"


def test_a_declared_encoding_is_honoured() -> None:
    data = "<?xml version='1.0' encoding='iso-8859-1'?><project>" + (
        "<properties><v>1.0-ä</v></properties><dependencies>"
        + dependency("org.x", "a", "${v}")
        + "</dependencies></project>"
    )
    (a,) = MavenPom().parse("pom.xml", data.encode("iso-8859-1")).components
    assert a.version == "1.0-ä"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<project><dependencies>", "not well-formed XML"),
        (b"<settings/>", "the root element is not <project>"),
        (
            b'<!DOCTYPE p [<!ENTITY x "y">]><project>&x;</project>',
            "XML feature refused for safety",
        ),
        (
            b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><project>&x;</project>',
            "XML feature refused for safety",
        ),
    ],
)
def test_bad_and_dangerous_files_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        MavenPom().parse("pom.xml", data)


def test_detected_by_name_suffix_and_content() -> None:
    assert detect("pom.xml", b"") is MavenPom
    assert detect("library-1.0.pom", b"") is MavenPom
    assert detect("registry.xml", pom("")) is MavenPom
