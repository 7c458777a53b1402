"""CPE names: parsing both bindings and matching an advisory's CPE against a device's.

A CPE names a platform by eleven attributes (NISTIR 7695): part (`a` application, `o`
operating system, `h` hardware), vendor, product, version, update, edition, language,
sw_edition, target_sw, target_hw and other. Two bindings are in use and both are read here:

- the 2.3 formatted string, `cpe:2.3:a:adobe:flash_player:11.5.502.146:*:*:*:*:*:*:*`,
  where `*` is ANY, `-` is NA (not applicable), a backslash quotes the next character and an
  unquoted `*` or `?` at either end of a value is a wildcard;
- the 2.2 URI, `cpe:/a:adobe:flash_player:11.5.502.146`, percent-encoded, with missing or
  empty parts meaning ANY and a packed edition (`~edition~sw_edition~target_sw~target_hw~other`).

Matching follows the attribute comparison of NISTIR 7696: the advisory's CPE is the source
(it may hold ANY and wildcards), the device's the target. A name matches when every attribute
of the source is a superset of, or equal to, the target's — with one deliberate difference:
an attribute the device leaves ANY (it does not say its edition or language, say) is not
evidence against the advisory, so it matches. Part, vendor and product must be named by the
device. The version attribute is left to the caller, because advisories' CPEs often carry a
range's first version there while the range itself is given elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

ATTRIBUTES = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)
ANY = "*"  # the logical value ANY
NA = "-"  # the logical value NA
_PARTS = {"a", "o", "h"}


class CpeError(ValueError):
    """Text that is not a CPE name in either binding; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Value:
    """One attribute: ANY, NA, or a value that may start or end with wildcards.

    `text` keeps the value's characters, lower case, with quoting removed; `wild_start` and
    `wild_end` hold an unquoted leading/trailing wildcard run (`*`, or one or more `?`).
    """

    text: str
    wild_start: str = ""
    wild_end: str = ""

    @property
    def is_any(self) -> bool:
        return self.text == "" and self.wild_start == ANY and not self.wild_end

    @property
    def is_na(self) -> bool:
        return self.text == NA and not self.wild_start and not self.wild_end

    @property
    def is_concrete(self) -> bool:
        return not self.is_any and not self.is_na and not self.wild_start and not self.wild_end

    def covers(self, other: Value) -> bool:
        """Is `other` (a target's value) within this (a source's) value?"""
        if self.is_any or other.is_any:
            return True
        if self.is_na or other.is_na:
            return self.is_na and other.is_na
        if not other.is_concrete:
            return self == other
        return _pattern(self).fullmatch(other.text) is not None

    def __str__(self) -> str:
        if self.is_any:
            return ANY
        if self.is_na:
            return NA
        return self.wild_start + self.text + self.wild_end


ANY_VALUE = Value("", ANY)


@lru_cache(maxsize=4096)
def _pattern(value: Value) -> re.Pattern[str]:
    def wildcard(run: str) -> str:
        if run == ANY:
            return ".*"
        return f".{{0,{len(run)}}}" if run else ""  # "?" is one character, or none at an end

    return re.compile(wildcard(value.wild_start) + re.escape(value.text) + wildcard(value.wild_end))


@dataclass(frozen=True, slots=True)
class Cpe:
    part: Value
    vendor: Value
    product: Value
    version: Value
    update: Value
    edition: Value
    language: Value
    sw_edition: Value
    target_sw: Value
    target_hw: Value
    other: Value

    def covers(self, device: Cpe) -> bool:
        """Does this (an advisory's) CPE name the device, every attribute but the version?"""
        return all(
            getattr(self, name).covers(getattr(device, name))
            for name in ATTRIBUTES
            if name != "version"
        )

    def names_product(self) -> bool:
        """Are part, vendor and product named outright (no ANY, NA or wildcard)?"""
        return self.part.is_concrete and self.vendor.is_concrete and self.product.is_concrete

    def formatted(self) -> str:
        """The 2.3 formatted string (quoting the characters that need it)."""
        return "cpe:2.3:" + ":".join(_quote(getattr(self, name)) for name in ATTRIBUTES)


def _quote(value: Value) -> str:
    if value.is_any or value.is_na:
        return str(value)
    body = re.sub(r"([^A-Za-z0-9_.\-])", r"\\\1", value.text)
    return value.wild_start + body + value.wild_end


@lru_cache(maxsize=65536)
def parse(text: str) -> Cpe:
    """A CPE from its 2.3 formatted string or its 2.2 URI; CpeError says what is wrong."""
    stripped = text.strip()
    if stripped.lower().startswith("cpe:2.3:"):
        values = _formatted_values(stripped)
    elif stripped.lower().startswith("cpe:/"):
        values = _uri_values(stripped)
    else:
        raise CpeError(f"{text!r} is not a CPE name: it starts neither with cpe:2.3: nor cpe:/")
    part = values[0]
    if not (part.is_any or part.text in _PARTS):
        raise CpeError(f"{text!r}: part {str(part)!r} is not a (application), o or h")
    return Cpe(*values)


def _formatted_values(text: str) -> list[Value]:
    fields: list[str] = []
    current: list[str] = []
    body = text[len("cpe:2.3:") :]
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            if index + 1 == len(body):
                raise CpeError(f"{text!r} ends with a lone backslash")
            current.append(body[index : index + 2])
            index += 2
            continue
        if char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    fields.append("".join(current))
    if len(fields) != len(ATTRIBUTES):
        raise CpeError(
            f"{text!r} has {len(fields)} attributes after cpe:2.3:, not 11 "
            "(part:vendor:product:version:update:edition:language:sw_edition:target_sw:"
            "target_hw:other; quote a colon inside a value as \\:)"
        )
    pairs = zip(ATTRIBUTES, fields, strict=True)
    return [_formatted_value(text, name, field) for name, field in pairs]


def _formatted_value(text: str, name: str, field: str) -> Value:
    if field == "":
        raise CpeError(f"{text!r}: {name} is empty (use * for any value)")
    if field == ANY:
        return ANY_VALUE
    if field == NA:
        return Value(NA)
    start = re.match(r"^(\*|\?+)", field)
    wild_start = start.group(1) if start else ""
    rest = field[len(wild_start) :]
    end = re.search(r"(?<!\\)(\*|\?+)$", rest)
    wild_end = end.group(1) if end else ""
    middle = rest[: len(rest) - len(wild_end)]
    if re.search(r"(?<!\\)[*?]", middle):
        raise CpeError(
            f"{text!r}: {name} {field!r} has a wildcard inside it; only its ends may hold "
            "one (quote a literal * or ? as \\* or \\?)"
        )
    return Value(re.sub(r"\\(.)", r"\1", middle).lower(), wild_start, wild_end)


def _uri_values(text: str) -> list[Value]:
    parts = text[len("cpe:/") :].split(":")
    if len(parts) > 7:
        raise CpeError(
            f"{text!r} has {len(parts)} parts after cpe:/, at most 7 "
            "(part:vendor:product:version:update:edition:language)"
        )
    parts += [""] * (7 - len(parts))
    edition = parts[5]
    if edition.startswith("~"):
        packed = edition.split("~")
        if len(packed) != 6:
            raise CpeError(f"{text!r}: a packed edition needs five ~-separated fields")
        unpacked = packed[1:]
    else:
        unpacked = [edition, "", "", "", ""]
    raw = [*parts[:5], unpacked[0], parts[6], *unpacked[1:]]
    return [_uri_value(text, name, field) for name, field in zip(ATTRIBUTES, raw, strict=True)]


def _uri_value(text: str, name: str, field: str) -> Value:
    if field == "":
        return ANY_VALUE
    if field == NA:
        return Value(NA)
    start = re.match(r"^((?:%01)+|%02)", field)
    head = start.group(1) if start else ""
    end = re.search(r"((?:%01)+|%02)$", field[len(head) :])
    tail = end.group(1) if end else ""
    wild_start, wild_end = _wild(head), _wild(tail)
    middle = field[len(head) : len(field) - len(tail)]
    if "%01" in middle or "%02" in middle:
        raise CpeError(f"{text!r}: {name} {field!r} has a wildcard inside it")
    return Value(unquote(middle).lower(), wild_start, wild_end)


def _wild(encoded: str) -> str:
    """A URI's encoded wildcard run as the formatted string writes it: %02 is *, %01 is ?."""
    return ANY if encoded == "%02" else "?" * (len(encoded) // 3)


def device_cpe(text: str) -> Cpe:
    """A device's own CPE: it must name its part, vendor and product outright."""
    cpe = parse(text)
    if not cpe.names_product():
        raise CpeError(
            f"{text!r} does not name a product outright: a device's CPE needs part, vendor "
            "and product without * , - or wildcards"
        )
    return cpe
