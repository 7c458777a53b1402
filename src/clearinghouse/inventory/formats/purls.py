"""Package URLs for the registries the lockfile parsers meet, built as the purl spec says."""

from __future__ import annotations

from packageurl import PackageURL


def pypi_purl(name: str, version: str | None) -> str:
    """`pkg:pypi/<name>@<version>`; packageurl lowercases the name and turns `_` into `-`."""
    return str(PackageURL(type="pypi", name=name, version=version or None).to_string())


def npm_purl(name: str, version: str | None) -> str:
    """`pkg:npm/%40scope/name@version`: the scope is the namespace, its `@` percent-encoded."""
    namespace, _, bare = name.rpartition("/")
    return str(
        PackageURL(
            type="npm", namespace=namespace or None, name=bare, version=version or None
        ).to_string()
    )


def npm_name_problem(name: str) -> str | None:
    """Why `name` cannot be an npm package name, or None when it can (`name`, `@scope/name`)."""
    if not name or name != name.strip():
        return f"{name!r} is not a package name"
    if name.startswith("@"):
        scope, slash, bare = name[1:].partition("/")
        if not scope or not slash or not bare or "/" in bare:
            return f"{name!r} is not a scoped package name (@scope/name)"
    elif "/" in name:
        return f"{name!r} is not a package name (a / needs an @scope)"
    return None
