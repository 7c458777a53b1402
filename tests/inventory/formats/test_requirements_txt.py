"""requirements.txt: pinned requirements only, read the way pip reads the lines."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect, detect_by_name
from clearinghouse.inventory.formats.requirements_txt import RequirementsTxt, logical_lines
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/python/requirements/testdata"


def test_pinned_requirements_keep_the_version_as_written() -> None:
    parsed = parse_shared(RequirementsTxt, f"{SCALIBR}/comments.txt")
    assert pairs(parsed) == {
        ("PyCrypto", "1.2-alpha"),
        ("GMPY2", "1"),
        ("SymPy", "1.2"),
        ("requests", "1.0"),
        ("six", "1.2"),
    }
    sympy = next(c for c in parsed.components if c.name == "SymPy")
    assert sympy.ecosystem == "PyPI"
    assert sympy.purl == "pkg:pypi/sympy@1.2"
    assert sympy.location == "line 6"


def test_unpinned_ranges_wildcards_and_urls_are_named_in_a_warning() -> None:
    parsed = parse_shared(RequirementsTxt, f"{SCALIBR}/with_versions.txt")
    assert ("yolo", "1.0") in pairs(parsed)  # === is a pin too
    assert ("qwerty", "0.1") in pairs(parsed)  # across a line continuation
    assert not any(c.name in ("asdf", "newspaper3k", "pkg") for c in parsed.components)
    (unpinned,) = parsed.warnings
    assert unpinned.startswith("4 requirement(s) not pinned")
    assert "asdf==0.7.* (line 4)" in unpinned
    assert "pkg<=1.2.3 (line 12)" in unpinned


def test_includes_are_reported_not_followed() -> None:
    parsed = parse_shared(RequirementsTxt, f"{SCALIBR}/example.txt")
    assert pairs(parsed) == {("docopt", "0.6.1")}
    text = "\n".join(parsed.warnings)
    assert "line 21: -r other-requirements.txt is not followed" in text
    assert "line 22: -c constraints.txt is not followed" in text
    assert "'./downloads/numpy-1.9.2-cp34-none-win32.whl' is a local path or URL" in text
    assert "urllib3 @ https://github.com/urllib3" in text  # a direct URL is not a pin


def test_per_requirement_options_end_the_requirement() -> None:
    parsed = parse_shared(RequirementsTxt, f"{SCALIBR}/per_req_options.txt")
    names = [c.name for c in parsed.components]
    assert "foo1" in names and "foo9" in names and "foo14" in names
    # Text between the pin and the options is part of the requirement, which makes it invalid.
    assert "foo7" not in names
    assert "foo10" not in names and "foo15" not in names  # "foo10==" has no version
    assert "foo17--hash" in names  # not an option: it does not start with -
    assert any(w.startswith("line 13: not a requirement") for w in parsed.warnings)


def test_extras_and_markers_do_not_hide_a_pin() -> None:
    assert pairs(parse_shared(RequirementsTxt, f"{SCALIBR}/extras.txt")) == {
        ("pyjwt", "2.1.0"),
        ("celery", "4.4.7"),
    }
    parsed = RequirementsTxt().parse("requirements.txt", b'foo5==1.0; python_version < "2.7"\n')
    assert pairs(parsed) == {("foo5", "1.0")}


def test_environment_variables_and_invalid_lines_are_warnings() -> None:
    parsed = parse_shared(RequirementsTxt, f"{SCALIBR}/env_var.txt")
    assert pairs(parsed) == {("asdf", "1.2"), ("another", "1.0")}
    assert parsed.warnings == (
        "line 2: 'qwert==${MY_VARIABLE_1}' uses an environment variable that pip would "
        "expand; not listed",
    )
    invalid = parse_shared(RequirementsTxt, f"{SCALIBR}/invalid.txt")
    assert invalid.components == ()
    assert any("unknown option '-foo'" in w for w in invalid.warnings)


def test_logical_lines_join_continuations_and_drop_comments() -> None:
    text = "a==1 \\\n  --hash=sha256:1\n# comment \\\nb==2 # trailing\nc==3 \\\n# ends it\nd==4 \\"
    assert [(line.number, line.text) for line in logical_lines(text)] == [
        (1, "a==1   --hash=sha256:1"),
        (4, "b==2"),
        (5, "c==3"),
        (7, "d==4"),
    ]


@pytest.mark.parametrize(
    "file_name",
    [
        "requirements.txt",
        "requirements-dev.txt",
        "requirements.prod.txt",
        "my-requirements.txt",
        "the_requirements_for_test.txt",
    ],
)
def test_requirements_files_are_recognized_by_name(file_name: str) -> None:
    assert detect(file_name, b"flask==1.0.0\n") is RequirementsTxt
    assert detect_by_name(f"project/{file_name}") is RequirementsTxt  # when walking folders


def test_a_text_file_of_requirements_is_recognized_by_its_lines() -> None:
    # requirements/prod.txt reaches the detector as prod.txt.
    assert detect("prod.txt", b"# pinned\n-i https://pypi.org/simple\nflask==1.0.0\n") is (
        RequirementsTxt
    )
    assert detect_by_name("requirements/prod.txt") is None  # the name alone does not say


@pytest.mark.parametrize(
    "head",
    [
        b"Remember to pin flask==1.0.0 before the release.\n",
        b"flask\ndjango\n",  # bare names: a word list as much as requirements
        b"--unknown-option\nflask==1.0.0\n",
        b"\xff\xfe",
    ],
)
def test_other_text_files_are_not_requirements(head: bytes) -> None:
    with pytest.raises(InventoryRejected):
        detect("notes.txt", head)
