"""Our own implementations of the `csaf` package's slowest mandatory tests, with its verdicts.

Six of the package's rules (6.1.1, 6.1.2, 6.1.4, 6.1.5, 6.1.13, 6.1.25) find product ids, group
ids, PURLs and hashes with python-jsonpath, which compiles each query again on every call and
builds a match object for every node it passes: on the CISA corpus they took nine tenths of the
mandatory tests' time (6.1.1 alone half). Here each is the package's rule line for line, with
its very JSONPath expressions, evaluated by `find` below: a tiny evaluator for the only forms
they use (`$`, `.name`, `[*]`, `..name`) that visits nodes in python-jsonpath's order (its
descendant segment is a depth-first pre-order walk, members in insertion order) and builds a
match's JSON pointer only when an error needs it, exactly as the package does.

Documents come from `json.loads`, so containers are `dict` and `list`. A document nested
deeper than python-jsonpath's recursion limit (100) makes the package's rule raise; `find` then
gives up and the package's own rule runs, so that even that verdict is the package's.
tests/knowledge/sources/test_csaf_fast_rules.py checks every error (path and message) against
the package's on the OASIS validator suite, the official examples and the whole CISA corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csaf._result import TestError

MAX_DEPTH = 100  # python-jsonpath's JSONPathEnvironment.max_recursion_depth
Parts = tuple[str | int, ...]
Check = Callable[[dict[str, Any]], list["TestError"]]


class _TooDeep(Exception):
    """The document is nested deeper than python-jsonpath walks: let the package decide."""


_STEP = re.compile(r"\.\.(\w+)|\.(\w+)|\[\*\]")


@cache
def _compile(expression: str) -> tuple[tuple[str, str], ...]:
    """`$.a[*]..b.c` -> (("name", "a"), ("wild", ""), ("descend", "b"), ("name", "c"))."""
    assert expression.startswith("$"), expression
    steps, position = [], 1
    while position < len(expression):
        match = _STEP.match(expression, position)
        if match is None:
            raise ValueError(f"unsupported JSONPath {expression!r} at {position}")
        if match[1]:
            steps.append(("descend", match[1]))
        elif match[2]:
            steps.append(("name", match[2]))
        else:
            steps.append(("wild", ""))
        position = match.end()
    return tuple(steps)


def find(expression: str, document: Any) -> Iterator[tuple[Any, Parts]]:
    """(value, path parts) of every match, in python-jsonpath's order."""
    return _resolve(_compile(expression), 0, document, ())


def _resolve(
    steps: tuple[tuple[str, str], ...], at: int, node: Any, parts: Parts
) -> Iterator[tuple[Any, Parts]]:
    if at == len(steps):
        yield node, parts
        return
    kind, name = steps[at]
    if kind == "name":
        if isinstance(node, dict) and name in node:
            yield from _resolve(steps, at + 1, node[name], (*parts, name))
    elif kind == "wild":
        if isinstance(node, dict):
            for key, value in node.items():
                yield from _resolve(steps, at + 1, value, (*parts, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from _resolve(steps, at + 1, value, (*parts, index))
    else:
        for visited, where in _descendants(node, parts, 1):
            if isinstance(visited, dict) and name in visited:
                yield from _resolve(steps, at + 1, visited[name], (*where, name))


def _descendants(node: Any, parts: Parts, depth: int) -> Iterator[tuple[Any, Parts]]:
    """The node and every container (and string: python-jsonpath visits those too, and they
    count towards its depth limit) below it, depth first, pre-order."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    yield node, parts
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list | str):
                yield from _descendants(value, (*parts, key), depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict | list | str):
                yield from _descendants(value, (*parts, index), depth + 1)


@cache
def _package() -> tuple[Any, Any, Any]:
    """What errors are made of, from the package (imported when first needed: it is large)."""
    from csaf._result import TestError, _jpath_to_pointer
    from jsonpath.serialize import canonical_string

    return TestError, _jpath_to_pointer, canonical_string


def _error(parts: Parts, message: str) -> TestError:
    test_error, _, _ = _package()
    return test_error(instance_path=pointer(parts), message=message)


def pointer(parts: Parts) -> str:
    """The JSON pointer the package reports for a match at `parts`: python-jsonpath's path
    string for the match, converted by the package's own helper."""
    _, _jpath_to_pointer, canonical_string = _package()
    path = "$" + "".join(
        f"[{canonical_string(p)}]" if isinstance(p, str) else f"[{p}]" for p in parts
    )
    return str(_jpath_to_pointer(path))


# ---------------------------------------------------------------------------- the rules
# Each is the package's rule (csaf.csaf.v20.rules.mandatory) with `jsonpath.finditer` replaced
# by `find`; the expressions are the package's.

_DEFINED_PATHS = (
    "$.product_tree.full_product_names[*].product_id",
    "$.product_tree.branches..product.product_id",
    "$.product_tree.relationships[*].full_product_name.product_id",
)
_REFERENCED_PATHS = (
    "$.product_tree.product_groups[*].product_ids[*]",
    "$.product_tree.relationships[*].product_reference",
    "$.product_tree.relationships[*].relates_to_product_reference",
    "$.vulnerabilities[*].flags[*].product_ids[*]",
    "$.vulnerabilities[*].product_status.first_affected[*]",
    "$.vulnerabilities[*].product_status.first_fixed[*]",
    "$.vulnerabilities[*].product_status.fixed[*]",
    "$.vulnerabilities[*].product_status.known_affected[*]",
    "$.vulnerabilities[*].product_status.known_not_affected[*]",
    "$.vulnerabilities[*].product_status.last_affected[*]",
    "$.vulnerabilities[*].product_status.recommended[*]",
    "$.vulnerabilities[*].product_status.under_investigation[*]",
    "$.vulnerabilities[*].remediations[*].product_ids[*]",
    "$.vulnerabilities[*].scores[*].products[*]",
    "$.vulnerabilities[*].threats[*].product_ids[*]",
)


def missing_product_id_definition(doc: dict[str, Any]) -> list[TestError]:  # 6.1.1
    defined: set[str] = set()
    for expression in _DEFINED_PATHS:
        defined.update(str(value) for value, _ in find(expression, doc))
    errors = []
    for expression in _REFERENCED_PATHS:
        for pid, parts in find(expression, doc):
            if pid not in defined:
                errors.append(_error(parts, f"product id `{pid}` is not defined in product_tree"))
    return errors


def multiple_product_id_definition(doc: dict[str, Any]) -> list[TestError]:  # 6.1.2
    seen: dict[str, Parts] = {}
    errors = []
    for expression in _DEFINED_PATHS:
        for value, parts in find(expression, doc):
            pid = str(value)
            if pid in seen:
                errors.append(
                    _error(parts, f"product id `{pid}` is already defined at {pointer(seen[pid])}")
                )
            else:
                seen[pid] = parts
    return errors


_GROUP_REFERENCED_PATHS = (
    "$.vulnerabilities[*].threats[*].group_ids[*]",
    "$.vulnerabilities[*].remediations[*].group_ids[*]",
    "$.vulnerabilities[*].flags[*].group_ids[*]",
)
_GROUP_IDS = "$.product_tree.product_groups[*].group_id"


def missing_group_id_definition(doc: dict[str, Any]) -> list[TestError]:  # 6.1.4
    defined = {str(value) for value, _ in find(_GROUP_IDS, doc)}
    errors = []
    for expression in _GROUP_REFERENCED_PATHS:
        for gid, parts in find(expression, doc):
            if gid not in defined:
                errors.append(
                    _error(parts, f"group id `{gid}` is not defined in product_tree.product_groups")
                )
    return errors


def multiple_group_id_definition(doc: dict[str, Any]) -> list[TestError]:  # 6.1.5
    seen: dict[str, Parts] = {}
    errors = []
    for value, parts in find(_GROUP_IDS, doc):
        gid = str(value)
        if gid in seen:
            errors.append(
                _error(parts, f"group id `{gid}` is already defined at {pointer(seen[gid])}")
            )
        else:
            seen[gid] = parts
    return errors


_PURL_PATHS = (
    "$.product_tree.branches..product.product_identification_helper.purl",
    "$.product_tree.full_product_names[*].product_identification_helper.purl",
    "$.product_tree.relationships[*].full_product_name.product_identification_helper.purl",
)


def invalid_purl(doc: dict[str, Any]) -> list[TestError]:  # 6.1.13
    from csaf.csaf.v20.rules.mandatory._document_meta import _validate_purl

    errors = []
    for expression in _PURL_PATHS:
        for value, parts in find(expression, doc):
            error = _validate_purl(str(value))
            if error:
                errors.append(_error(parts, f"invalid PURL `{value}`: {error}"))
    return errors


_HASH_PATHS = (
    "$.product_tree.branches..product.product_identification_helper.hashes[*].file_hashes",
    "$.product_tree.full_product_names[*].product_identification_helper.hashes[*].file_hashes",
    "$.product_tree.relationships[*].full_product_name.product_identification_helper"
    ".hashes[*].file_hashes",
)


def multiple_hash_algorithm(doc: dict[str, Any]) -> list[TestError]:  # 6.1.25
    errors = []
    for expression in _HASH_PATHS:
        for hashes, parts in find(expression, doc):
            if not isinstance(hashes, list):
                continue
            seen: set[str] = set()
            for file_hash in hashes:
                algorithm = file_hash.get("algorithm", "")
                if algorithm in seen:
                    errors.append(
                        _error(parts, f"hash algorithm `{algorithm}` appears more than once")
                    )
                else:
                    seen.add(algorithm)
    return errors


FAST_RULES: dict[str, Check] = {
    "6.1.1": missing_product_id_definition,
    "6.1.2": multiple_product_id_definition,
    "6.1.4": missing_group_id_definition,
    "6.1.5": multiple_group_id_definition,
    "6.1.13": invalid_purl,
    "6.1.25": multiple_hash_algorithm,
}


def with_fallback(
    fast: Check, package: Callable[[dict[str, Any]], Sequence[Any]]
) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """Our rule, or the package's when the document is too deep for python-jsonpath."""

    def check(doc: dict[str, Any]) -> Sequence[Any]:
        try:
            return fast(doc)
        except _TooDeep:
            return package(doc)

    check.__name__ = fast.__name__
    check.__doc__ = fast.__doc__
    return check
