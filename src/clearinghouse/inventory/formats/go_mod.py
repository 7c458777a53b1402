"""go.mod, the Go module file: required modules, replacements, and the Go toolchain.

What osv-scanner reports, and so do we:
- every `require`d module at its version without the leading "v", as OSV's Go advisories spell
  versions ("v1.3.1" → "1.3.1"; the purl keeps the "v"); `// indirect` → direct False;
- `replace` applied as the go command does: `old v => new w` replaces only old@v, `old => new w`
  every required version of old; a replacement of a module that is not required changes nothing;
- a replacement by a local directory (`=> ./fork/net`) is kept, named by that path, without a
  version, purl or ecosystem: it is code of the operator's own, which no advisory can name, and
  a warning says so (osv-scanner counts it, then filters it out of the scan);
- the Go standard library as the component "stdlib", at the `toolchain` version when there is one
  (its "go" prefix and any "-suffix" removed), else at the `go` directive's version;
- one component per module@version once replacements are applied (two versions replaced by the
  same fork@version are one).
Before Go 1.17, go.mod did not list indirect dependencies; osv-scanner reads them from go.sum
beside it. We get one file, so those are not reported (a warning says so).
"""

from __future__ import annotations

from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.decoding import text_of
from clearinghouse.inventory.formats.go_mod_syntax import Directive, directives
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)


def go_component(path: str, version: str, line: int, direct: bool | None) -> Component:
    if path.startswith(("./", "../", "/")) or not version:
        return Component(name=path, version=None, direct=direct, location=f"line {line}")
    namespace, _, name = path.rpartition("/")
    purl = PackageURL(type="golang", namespace=namespace or None, name=name, version=version)
    return Component(
        name=path,
        version=version.removeprefix("v"),
        ecosystem="Go",
        purl=purl.to_string(),
        direct=direct,
        location=f"line {line}",
    )


def split_replace(name: str, directive: Directive) -> tuple[str, str, str, str]:
    """(old path, old version or "", new path, new version or "") of a replace directive."""
    args = directive.args
    if "=>" not in args:
        raise InventoryRejected(f"{name}: line {directive.line}: replace without '=>'")
    arrow = args.index("=>")
    old, new = args[:arrow], args[arrow + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2):
        raise InventoryRejected(
            f"{name}: line {directive.line}: expected 'module [version] => module [version]'"
        )
    return old[0], old[1] if len(old) == 2 else "", new[0], new[1] if len(new) == 2 else ""


class GoMod(InventoryFormat):
    format_id: ClassVar[str] = "go-mod"
    description: ClassVar[str] = "Go go.mod (requirements, replacements and the Go version)"
    file_names: ClassVar[tuple[str, ...]] = ("go.mod",)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        entries = directives(name, text_of(name, data))
        # Keyed by the required (path, version): a replacement takes the place of what it replaces.
        required: dict[tuple[str, str], Component] = {}
        go_version: str | None = None
        stdlib_version: str | None = None
        stdlib_line = 0
        warnings: list[str] = []
        for entry in entries:
            if entry.verb == "require":
                if len(entry.args) != 2:
                    raise InventoryRejected(
                        f"{name}: line {entry.line}: expected 'require module version'"
                    )
                path, version = entry.args
                indirect = entry.comment == "indirect" or entry.comment.startswith("indirect;")
                required[(path, version)] = go_component(path, version, entry.line, not indirect)
            elif entry.verb in ("go", "toolchain"):
                if len(entry.args) != 1:
                    raise InventoryRejected(f"{name}: line {entry.line}: expected '{entry.verb} X'")
                if entry.verb == "go":
                    go_version = entry.args[0]
                    if stdlib_version is None:
                        stdlib_version, stdlib_line = go_version, entry.line
                elif entry.args[0].startswith("go"):
                    # The toolchain says which Go builds the module: its library is the one used.
                    toolchain = entry.args[0].removeprefix("go").split("-", 1)[0]
                    stdlib_version, stdlib_line = toolchain, entry.line
        for entry in entries:
            if entry.verb != "replace":
                continue
            old, old_version, new, new_version = split_replace(name, entry)
            for (path, version), component in list(required.items()):
                if path == old and old_version in ("", version):
                    replaced = go_component(new, new_version, entry.line, component.direct)
                    required[(path, version)] = replaced
                    if replaced.version is None:
                        warnings.append(
                            f"line {entry.line}: {old} {version} is replaced by the local "
                            f"directory {new}, which no advisory can name"
                        )
        unique = {(c.name, c.version): c for c in required.values()}
        components = list(unique.values())
        if stdlib_version:
            components.append(
                Component(
                    name="stdlib",
                    version=stdlib_version,
                    ecosystem="Go",
                    purl=PackageURL(
                        type="golang", name="stdlib", version=stdlib_version
                    ).to_string(),
                    location=f"line {stdlib_line}",
                )
            )
        if go_version is not None and older_than_117(go_version):
            warnings.append(
                f"go {go_version}: before Go 1.17 go.mod omits indirect dependencies "
                "(they are listed in go.sum, which is not read here)"
            )
        return ParsedInventory(
            format_id=self.format_id, components=tuple(components), warnings=tuple(warnings)
        )


def older_than_117(go_version: str) -> bool:
    parts = go_version.split(".")
    try:
        return (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0) < (1, 17)
    except ValueError:
        return False
