"""The go.mod file's syntax: lines of tokens, `verb ( … )` blocks and `//` comments.

This is the grammar of the Go command's `modfile` package, read into (line number, verb, tokens,
comment) entries so that `go_mod.py` can apply the directives' meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from clearinghouse.inventory.formats.interface import InventoryRejected

# The directives the go command knows; any other verb makes `go` refuse the file.
VERBS = frozenset(
    {"module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool",
     "ignore"}
)  # fmt: skip


@dataclass(frozen=True)
class Directive:
    line: int
    verb: str
    args: tuple[str, ...]
    comment: str  # the trailing `//` comment, without the slashes, stripped


def unquote(name: str, number: int, raw: str) -> str:
    """A double-quoted Go string's value (its escapes are those JSON strings also have)."""
    try:
        value = json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        raise InventoryRejected(f"{name}: line {number}: bad escape in quoted string") from None
    return str(value)


def tokenize(name: str, number: int, line: str) -> tuple[list[str], str]:
    """The tokens of one line and its trailing comment."""
    tokens: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char in " \t\r":
            i += 1
        elif line.startswith("//", i):
            return tokens, line[i + 2 :].strip()
        elif char in '"`':
            end = i + 1
            while end < len(line) and line[end] != char:
                end += 2 if char == '"' and line[end] == "\\" else 1
            if end >= len(line):
                raise InventoryRejected(f"{name}: line {number}: unterminated quoted string")
            raw = line[i + 1 : end]
            tokens.append(unquote(name, number, raw) if char == '"' else raw)
            i = end + 1
        elif char in "()":
            tokens.append(char)
            i += 1
        else:
            end = i
            while (
                end < len(line) and line[end] not in ' \t\r"`()' and not line.startswith("//", end)
            ):
                end += 1
            tokens.append(line[i:end])
            i = end
    return tokens, ""


def directives(name: str, text: str) -> list[Directive]:
    """Every directive of a go.mod file, with blocks unfolded into one directive per line."""
    found: list[Directive] = []
    block: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        tokens, comment = tokenize(name, number, line)
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
            elif "(" in tokens or ")" in tokens:
                raise InventoryRejected(f"{name}: line {number}: unexpected parenthesis in block")
            else:
                found.append(Directive(number, block, tuple(tokens), comment))
            continue
        verb = tokens[0]
        if verb not in VERBS:
            raise InventoryRejected(f"{name}: line {number}: unknown directive {verb!r}")
        if tokens[1:] == ["("]:
            block = verb
        elif "(" in tokens or ")" in tokens:
            raise InventoryRejected(f"{name}: line {number}: unexpected parenthesis")
        else:
            found.append(Directive(number, verb, tuple(tokens[1:]), comment))
    if block is not None:
        raise InventoryRejected(f"{name}: {block} block not closed with ')'")
    return found
