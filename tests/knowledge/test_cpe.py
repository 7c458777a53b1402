"""CPE names: both bindings (NISTIR 7695) and the attribute comparison of NISTIR 7696."""

# ruff: noqa: E501 (a table of CPE names reads best one pair to a line)

from __future__ import annotations

import pytest

from clearinghouse.knowledge.cpe import ATTRIBUTES, CpeError, device_cpe, parse


def _values(text: str) -> dict[str, str]:
    cpe = parse(text)
    return {name: str(getattr(cpe, name)) for name in ATTRIBUTES}


@pytest.mark.parametrize(
    ("uri", "formatted"),
    [
        # The unbinding examples of NISTIR 7695 (section 6), each against its formatted string.
        (
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
        ),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
        ),
        (
            "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~",
            "cpe:2.3:a:foo\\\\bar:big\\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*",
        ),
        ("cpe:/o:redhat:enterprise_linux:9", "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*"),
    ],
)
def test_the_two_bindings_read_as_the_same_name(uri: str, formatted: str):
    assert _values(uri) == _values(formatted)
    assert parse(formatted).formatted() == formatted


def test_quoting_wildcards_and_logical_values():
    cpe = parse("cpe:2.3:a:acme:web\\:server:1.0\\*:*:-:*:*:*:*:*")
    assert cpe.product.text == "web:server" and cpe.product.is_concrete
    assert cpe.version.text == "1.0*" and cpe.version.is_concrete  # a quoted *, not a wildcard
    assert cpe.update.is_any and cpe.edition.is_na
    pattern = parse("cpe:2.3:a:adobe:acrobat*:*:*:*:*:*:*:*:*")
    assert pattern.product.text == "acrobat" and pattern.product.wild_end == "*"
    assert parse("CPE:2.3:A:Adobe:Reader:9.0:*:*:*:*:*:*:*").vendor.text == "adobe"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("cpe:2.3:a:acme:router", "has 3 attributes after cpe:2.3:, not 11"),
        ("cpe:2.3:a:acme:router:1.0:*:*:*:*:*:*:*:*", "has 12 attributes"),
        ("cpe:2.3:x:acme:router:1.0:*:*:*:*:*:*:*", "part 'x' is not a (application), o or h"),
        ("cpe:2.3:a:acme::1.0:*:*:*:*:*:*:*", "product is empty (use * for any value)"),
        ("cpe:2.3:a:ac*me:router:1.0:*:*:*:*:*:*:*", "has a wildcard inside it"),
        ("cpe:2.3:a:acme:router:1.0:*:*:*:*:*:*:\\", "ends with a lone backslash"),
        ("cpe:/a:acme:router:1:2:3:4:5", "at most 7"),
        ("cpe:/a:acme:router:1::~a~b", "a packed edition needs five ~-separated fields"),
        ("pkg:pypi/django@1.0", "starts neither with cpe:2.3: nor cpe:/"),
    ],
)
def test_malformed_names_say_what_is_wrong(text: str, reason: str):
    with pytest.raises(CpeError, match=None) as caught:
        parse(text)
    assert reason in str(caught.value)


def test_a_device_must_name_its_product():
    assert device_cpe("cpe:2.3:h:dlink:dir-600:-:*:*:*:*:*:*:*").product.text == "dir-600"
    for vague in (
        "cpe:2.3:a:*:router:1.0:*:*:*:*:*:*:*",
        "cpe:2.3:a:acme:-:1.0:*:*:*:*:*:*:*",
        "cpe:2.3:a:acme:rout*:1.0:*:*:*:*:*:*:*",
        "cpe:2.3:*:acme:router:1.0:*:*:*:*:*:*:*",
    ):
        with pytest.raises(CpeError, match="does not name a product outright"):
            device_cpe(vague)


@pytest.mark.parametrize(
    ("advisory", "device", "covers"),
    [
        # ANY in the advisory covers every value; equal values cover each other, case aside.
        ("cpe:2.3:a:adobe:flash_player:*:*:*:*:*:*:*:*", "cpe:2.3:a:Adobe:Flash_Player:11.5:*:*:*:*:*:*:*", True),
        # Another product, vendor or part is not covered.
        ("cpe:2.3:a:adobe:flash_player:*:*:*:*:*:*:*:*", "cpe:2.3:a:adobe:air:2.6:*:*:*:*:*:*:*", False),
        ("cpe:2.3:a:adobe:air:*:*:*:*:*:*:*:*", "cpe:2.3:a:macromedia:air:2.6:*:*:*:*:*:*:*", False),
        ("cpe:2.3:o:dlink:dir-600_firmware:*:*:*:*:*:*:*:*", "cpe:2.3:h:dlink:dir-600_firmware:-:*:*:*:*:*:*:*", False),
        # The version attribute is left to the advisory's ranges.
        ("cpe:2.3:a:adobe:reader:9.0:*:*:*:*:*:*:*", "cpe:2.3:a:adobe:reader:9.3:*:*:*:*:*:*:*", True),
        # A named target platform must match; the device not saying its platform is no evidence.
        ("cpe:2.3:a:vendor:agent:*:*:*:*:*:windows:*:*", "cpe:2.3:a:vendor:agent:2.0:*:*:*:*:linux:*:*", False),
        ("cpe:2.3:a:vendor:agent:*:*:*:*:*:windows:*:*", "cpe:2.3:a:vendor:agent:2.0:*:*:*:*:Windows:*:*", True),
        ("cpe:2.3:a:vendor:agent:*:*:*:*:*:windows:*:*", "cpe:2.3:a:vendor:agent:2.0:*:*:*:*:*:*:*", True),
        # NA covers only NA; a value does not cover NA.
        ("cpe:2.3:a:vendor:agent:*:-:*:*:*:*:*:*", "cpe:2.3:a:vendor:agent:2.0:sp1:*:*:*:*:*:*", False),
        ("cpe:2.3:a:vendor:agent:*:-:*:*:*:*:*:*", "cpe:2.3:a:vendor:agent:2.0:-:*:*:*:*:*:*", True),
        ("cpe:2.3:a:vendor:agent:*:sp1:*:*:*:*:*:*", "cpe:2.3:a:vendor:agent:2.0:-:*:*:*:*:*:*", False),
        # Wildcards at the ends of an advisory's value.
        ("cpe:2.3:a:adobe:acrobat*:*:*:*:*:*:*:*:*", "cpe:2.3:a:adobe:acrobat_dc:20.1:*:*:*:*:*:*:*", True),
        ("cpe:2.3:a:adobe:acrobat*:*:*:*:*:*:*:*:*", "cpe:2.3:a:adobe:reader:20.1:*:*:*:*:*:*:*", False),
        ("cpe:2.3:a:vendor:agent:*:sp?:*:*:*:*:*:*", "cpe:2.3:a:vendor:agent:2.0:sp2:*:*:*:*:*:*", True),
        ("cpe:2.3:a:vendor:agent:*:sp?:*:*:*:*:*:*", "cpe:2.3:a:vendor:agent:2.0:sp12:*:*:*:*:*:*", False),
        # The 2.2 URI of the device reads the same.
        ("cpe:2.3:a:microsoft:internet_explorer:*:beta:*:*:*:*:*:*", "cpe:/a:microsoft:internet_explorer:8.0.6001:beta", True),
    ],
)  # fmt: skip
def test_an_advisory_cpe_covers_a_device_attribute_by_attribute(
    advisory: str, device: str, covers: bool
):
    assert parse(advisory).covers(parse(device)) is covers
