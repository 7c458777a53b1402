"""The crash state of a Python traceback, as ClusterFuzz compares crashes.

A crash state is the exception type and the three innermost frames **in the target's own
code**: frames of the proof of concept's files, of the standard library and of other installed
packages are left out, so two PoCs written differently that die at the same place in the target
have the same state. Frames are named `module.function` (`werkzeug.http.parse_cookie`) — no line
numbers, which move between versions.

`crash_state(stderr, target_modules)` reads the text a run printed; validation calls it with the
captured stderr and the target's top-level import names (from the wheel's `top_level.txt` or
RECORD; by default the package name with `-` as `_`). When exceptions are chained ("During
handling of the above exception…", "The above exception was the direct cause…"), the last
traceback printed is the one that escaped, and it is the one read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TOP_FRAMES = 3
_START = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in (?P<function>\S+)\s*$')
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::|$)")
_INSTALLED = ("site-packages", "dist-packages")


@dataclass(frozen=True)
class Frame:
    path: str
    function: str


@dataclass(frozen=True)
class CrashState:
    exception_type: str
    frames: tuple[str, ...]  # innermost first, at most TOP_FRAMES, in the target's code

    @property
    def comparable(self) -> bool:
        """A state without a frame in the target says nothing about where the target broke."""
        return bool(self.frames)

    @property
    def signature(self) -> str:
        return "\n".join((self.exception_type, *self.frames))

    def as_dict(self) -> dict[str, object]:
        return {"exception_type": self.exception_type, "frames": list(self.frames)}


@dataclass(frozen=True)
class Traceback:
    frames: tuple[Frame, ...]  # outermost first, as Python prints them
    exception_type: str


def last_traceback(text: str) -> Traceback | None:
    """The last traceback in `text` (the exception that escaped), or None if there is none."""
    start = text.rfind(_START)
    if start < 0:
        return None
    frames: list[Frame] = []
    exception_type: str | None = None
    for line in text[start + len(_START) :].splitlines():
        frame = _FRAME.match(line)
        if frame:
            frames.append(Frame(frame["path"], frame["function"]))
            continue
        if line[:1].isspace() or not line.strip():
            continue  # source lines, carets, "[Previous line repeated …]"
        found = _EXCEPTION.match(line)
        if found:
            exception_type = found["type"]
        break
    if exception_type is None:
        return None
    return Traceback(tuple(frames), exception_type)


def _installed_module(path: str) -> str | None:
    """`werkzeug/http.py` for a file under site-packages or dist-packages, else None."""
    parts = path.replace("\\", "/").split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in _INSTALLED:
            return "/".join(parts[index + 1 :]) or None
    return None


def _module_name(relative: str) -> str:
    module = relative.removesuffix(".py").replace("/", ".")
    return module.removesuffix(".__init__")


def default_modules(package: str) -> tuple[str, ...]:
    """The import name a package most likely has: `python-jose` → `python_jose`."""
    return (re.sub(r"[-_.]+", "_", package).lower(),)


def crash_state(stderr: str, target_modules: Iterable[str]) -> CrashState | None:
    """The crash state of the last traceback in `stderr`, or None when nothing was raised."""
    traceback = last_traceback(stderr)
    if traceback is None:
        return None
    tops = {m.lower() for m in target_modules}
    own: list[str] = []
    for frame in reversed(traceback.frames):
        relative = _installed_module(frame.path)
        if relative is None:
            continue  # the PoC's own files, the standard library
        top = relative.split("/", 1)[0].removesuffix(".py").lower()
        if top not in tops:
            continue  # another installed package
        own.append(f"{_module_name(relative)}.{frame.function}")
        if len(own) == TOP_FRAMES:
            break
    return CrashState(traceback.exception_type, tuple(own))
