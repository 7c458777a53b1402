"""pip requirements files (requirements.txt, requirements-dev.txt, requirements.prod.txt …).

A requirements file is not a lockfile: only a requirement pinned to one release (`==` or `===`,
no wildcard) says what is installed, so only those become components. The others (ranges, bare
names, direct URLs, local paths, editable installs) are named in a warning, with their lines.
Included files (`-r`, `-c`) are not followed: the parser sees one file's bytes, so the warning
asks for the included file to be uploaded as well. Environment markers are kept out of the
decision: the requirement is listed whatever platform it is meant for, since the operator's
interpreter is not known here. Lines are read as pip reads them: a trailing backslash joins the
next line, `#` after whitespace starts a comment, and per-requirement options (`--hash`,
`--config-settings`, `-C` …) end the requirement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    ParsedInventory,
)
from clearinghouse.inventory.formats.purls import pypi_purl

_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDES = {"-r", "--requirement", "-c", "--constraint"}
_EDITABLE = {"-e", "--editable"}
# Options that change where or how pip installs, not what: nothing to report.
_GLOBAL_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--pre",
    "--trusted-host",
    "--use-feature",
}
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar")


@dataclass(frozen=True)
class _Line:
    number: int  # where the logical line starts
    text: str


def logical_lines(text: str) -> Iterator[_Line]:
    """Physical lines joined at trailing backslashes, comments removed, blank lines skipped."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        # A comment line never continues, and inside a continuation it ends it, as in pip.
        if raw.lstrip().startswith("#"):
            yield from _finish(start, pending)
            pending = []
            continue
        if raw.endswith("\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        yield from _finish(start, pending)
        pending = []
    if pending:  # a backslash on the last line joins nothing
        yield from _finish(start, pending)


def _finish(start: int, parts: list[str]) -> Iterator[_Line]:
    text = _COMMENT.sub("", "".join(parts)).strip()
    if text:
        yield _Line(start, text)


def split_options(text: str) -> tuple[str, str]:
    """The requirement and its per-requirement options: the first word starting with `-` ends it."""
    words = text.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]).strip(), " ".join(words[index:])
    return text, ""


class RequirementsTxt(InventoryFormat):
    format_id = "requirements-txt"
    description = "pip requirements file (requirements*.txt): the requirements pinned with =="
    file_names = ("requirements.txt",)

    @classmethod
    def claims_name(cls, name: str) -> bool:
        """Requirements files are named in many ways (`requirements-dev.txt`,
        `dev-requirements.txt`, `requirements.prod.txt`): a `.txt` named "requirements" is one."""
        lowered = name.lower()
        return lowered.endswith(".txt") and "requirements" in lowered

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        """A `.txt` file whose lines are all requirements or pip options, one of them pinning or
        bounding a version: `requirements/prod.txt` reaches the detector as `prod.txt`."""
        return name.lower().endswith(".txt") and _looks_like_requirements(head)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        components: list[Component] = []
        unpinned: list[str] = []
        warnings: list[str] = []
        for line in logical_lines(text_of(name, data)):
            where = f"line {line.number}"
            if line.text.startswith("-"):
                warning = _option_warning(line.text, where)
                if warning:
                    warnings.append(warning)
                continue
            requirement_text, _ = split_options(line.text)
            component, problem = _component(requirement_text, where)
            if component is not None:
                components.append(component)
            elif problem == "unpinned":
                unpinned.append(f"{requirement_text} ({where})")
            else:
                warnings.append(f"{where}: {problem}; not listed")
        if unpinned:
            warnings.insert(
                0,
                f"{len(unpinned)} requirement(s) not pinned to one version with == are not "
                f"listed: {', '.join(unpinned)}",
            )
        return ParsedInventory(
            format_id=self.format_id, components=tuple(components), warnings=tuple(warnings)
        )


def _looks_like_requirements(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if not text.endswith("\n"):
        text = text.rpartition("\n")[0]  # the head may end in the middle of a line
    versioned = False
    for line in logical_lines(text):
        if line.text.startswith("-"):
            option = line.text.split(" ", 1)[0].split("=", 1)[0]
            if option not in _INCLUDES | _EDITABLE | _GLOBAL_OPTIONS:
                return False
            continue
        try:
            requirement = Requirement(split_options(line.text)[0])
        except InvalidRequirement:
            return False
        versioned = versioned or bool(requirement.specifier) or bool(requirement.url)
    return versioned


def _option_warning(text: str, where: str) -> str | None:
    option, _, value = text.partition(" ")
    option, equals, attached = option.partition("=")
    value = (attached if equals else value).strip()
    if option in _INCLUDES:
        return (
            f"{where}: {option} {value} is not followed (one file is read at a time); "
            "upload that file too"
        )
    if option in _EDITABLE:
        return f"{where}: editable requirement {value} has no registry version; not listed"
    if option in _GLOBAL_OPTIONS:
        return None
    return f"{where}: unknown option {option!r}; line ignored"


def _component(text: str, where: str) -> tuple[Component | None, str]:
    """The component a requirement pins, or why there is none ("unpinned" or a problem)."""
    if "${" in text:
        return None, f"{text!r} uses an environment variable that pip would expand"
    try:
        requirement = Requirement(text)
    except InvalidRequirement as err:
        if "/" in text or "\\" in text or text.lower().endswith(_ARCHIVE_SUFFIXES):
            return None, f"{text!r} is a local path or URL, not a named requirement"
        return None, f"not a requirement ({str(err).splitlines()[0]})"
    if requirement.url:
        return None, "unpinned"
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1:
        return None, "unpinned"
    (specifier,) = specifiers
    if specifier.operator not in ("==", "===") or specifier.version.endswith(".*"):
        return None, "unpinned"
    return (
        Component(
            name=requirement.name,
            version=specifier.version,
            ecosystem="PyPI",
            purl=pypi_purl(requirement.name, specifier.version),
            location=where,
        ),
        "",
    )
