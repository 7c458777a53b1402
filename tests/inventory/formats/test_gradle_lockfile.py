"""gradle.lockfile: group:artifact:version lines and the configurations that use them."""

from __future__ import annotations

from clearinghouse.inventory.formats.gradle_lockfile import GradleLockfile
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/java/gradlelockfile/testdata"


def test_coordinates_and_build_only_dependencies() -> None:
    data = shared_file(f"{FIXTURES}/5-pkg").read_bytes()
    components = GradleLockfile().parse("gradle.lockfile", data).components
    first = components[0]
    assert (first.name, first.version, first.ecosystem) == (
        "org.springframework.boot:spring-boot-autoconfigure",
        "2.7.4",
        "Maven",
    )
    assert first.purl == "pkg:maven/org.springframework.boot/spring-boot-autoconfigure@2.7.4"
    assert first.location == "line 5"
    # Used only by annotationProcessor and compileClasspath: compile classpath ships, not dev.
    assert not components[1].dev
    assert not components[2].dev  # runtimeClasspath too


def test_a_dependency_of_test_configurations_only_is_dev() -> None:
    data = b"junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\nempty=\n"
    (junit,) = GradleLockfile().parse("gradle.lockfile", data).components
    assert junit.dev


def test_bad_lines_are_skipped_with_a_warning() -> None:
    parsed = GradleLockfile().parse(
        "gradle.lockfile", shared_file(f"{FIXTURES}/with-bad-pkg").read_bytes()
    )
    assert len(parsed.components) == 2
    assert parsed.warnings[0] == (
        "line 3: not group:artifact:version=configurations, skipped: '>>>'"
    )


def test_detected_by_name() -> None:
    assert detect("gradle.lockfile", b"") is GradleLockfile
