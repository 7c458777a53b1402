"""Grounding: do the places a report cites exist in the version it names?

For each cited location: the file exists in the project's source (paths are relative to the
root of the released source archive), its line range lies within the file, and its symbol is
defined there. In Python files, symbols are found with `ast` (never imported or run): functions,
classes, methods as `Class.method` (nested classes and functions too), and names assigned at
module or class level (a vulnerable regular expression is often a module constant).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from clearinghouse.reports.schemas import Location


@dataclass(frozen=True)
class Missing:
    version: str
    location: int  # index into the report's `locations`
    what: str  # "file", "lines" or "symbol"
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "location": f"$.locations[{self.location}]",
            "what": self.what,
            "message": self.message,
        }


@dataclass
class GroundingResult:
    missing: list[Missing] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # what could not be checked, and why
    checked: int = 0

    @property
    def grounded(self) -> bool:
        return not self.missing


def python_symbols(source: str) -> set[str]:
    """Qualified names defined in a module: `f`, `C`, `C.m`, `C.Inner.m`, `CONSTANT`, `C.attr`.

    A function nested in a function is `outer.inner` (Python's `outer.<locals>.inner`); the
    local variables of functions are not symbols.
    """
    tree = ast.parse(source)
    names: set[str] = set()

    def visit(body: list[ast.stmt], prefix: str, in_function: bool = False) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(prefix + node.name)
                visit(node.body, f"{prefix}{node.name}.", in_function=True)
            elif isinstance(node, ast.ClassDef):
                names.add(prefix + node.name)
                visit(node.body, f"{prefix}{node.name}.", in_function)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and not in_function:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name):
                            names.add(prefix + leaf.id)
            elif isinstance(node, ast.If | ast.Try):
                # Definitions under `if TYPE_CHECKING:`, version checks and import fallbacks.
                branches = [node.body, node.orelse]
                if isinstance(node, ast.Try):
                    branches += [h.body for h in node.handlers] + [node.finalbody]
                for branch in branches:
                    visit(branch, prefix, in_function)

    visit(tree.body, "")
    return names


def _inside(root: Path, relative: str) -> Path | None:
    """The cited file, if it is a regular file really inside `root` (no link leads out)."""
    candidate = root / relative
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        return None
    return resolved


def ground(root: Path, version: str, locations: list[Location]) -> GroundingResult:
    """Check every location against the source tree at `root` (one version of the target)."""
    result = GroundingResult()
    symbols_by_file: dict[str, set[str] | None] = {}
    for index, location in enumerate(locations):
        result.checked += 1
        path = _inside(root, location.file)
        if path is None:
            result.missing.append(
                Missing(version, index, "file", f"{location.file} is not in {version}")
            )
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        if location.end_line is not None:
            count = len(text.splitlines())
            if location.end_line > count:
                result.missing.append(
                    Missing(
                        version,
                        index,
                        "lines",
                        f"{location.file} has {count} lines in {version}; "
                        f"lines {location.start_line}-{location.end_line} are cited",
                    )
                )
        if location.symbol is None:
            continue
        if not location.file.endswith(".py"):
            result.unchecked.append(
                f"$.locations[{index}].symbol: symbols are checked in Python files only"
            )
            continue
        if location.file not in symbols_by_file:
            try:
                symbols_by_file[location.file] = python_symbols(text)
            except (SyntaxError, ValueError, RecursionError):
                symbols_by_file[location.file] = None
        symbols = symbols_by_file[location.file]
        if symbols is None:
            result.unchecked.append(
                f"$.locations[{index}].symbol: {location.file} does not parse as Python 3"
            )
        elif location.symbol not in symbols:
            result.missing.append(
                Missing(
                    version,
                    index,
                    "symbol",
                    f"{location.symbol} is not defined in {location.file} in {version}",
                )
            )
    return result
