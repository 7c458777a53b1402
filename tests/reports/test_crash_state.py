"""Crash states of real Python tracebacks: the exception and the top frames in the target's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clearinghouse.reports.crash_state import crash_state, default_modules, last_traceback


def _run(tmp_path: Path, name: str, source: str) -> str:
    """Run a PoC file with the installed packages and return what it printed on stderr."""
    poc = tmp_path / name
    poc.write_text(source)
    done = subprocess.run(
        [sys.executable, str(poc)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 1, done.stderr
    return done.stderr


RENDER_UNDEFINED = """
import jinja2

def render(text):
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render()

render("{{ x.y }}")
"""

RENDER_UNDEFINED_OTHERWISE = """
from jinja2 import Environment, StrictUndefined

class Page:
    def show(self):
        template = Environment(undefined=StrictUndefined).from_string("{{ x.y }}")
        return template.render()

for _ in range(1):
    Page().show()
"""


def test_the_state_keeps_the_exception_and_the_targets_innermost_frames(tmp_path: Path):
    stderr = _run(tmp_path, "poc.py", RENDER_UNDEFINED)
    state = crash_state(stderr, ["jinja2"])
    assert state is not None and state.comparable
    assert state.exception_type == "jinja2.exceptions.UndefinedError"
    assert 1 <= len(state.frames) <= 3
    # Only the target's frames, named module.function, innermost first; no PoC frame.
    assert all(f.startswith("jinja2.") for f in state.frames)
    assert not any("render(text)" in f or f.startswith("poc") for f in state.frames)
    traceback = last_traceback(stderr)
    assert traceback is not None and traceback.frames[0].path.endswith("poc.py")


def test_two_pocs_written_differently_that_break_the_same_place_have_one_state(tmp_path: Path):
    first = crash_state(_run(tmp_path, "a.py", RENDER_UNDEFINED), ["jinja2"])
    second = crash_state(_run(tmp_path, "b.py", RENDER_UNDEFINED_OTHERWISE), ["jinja2"])
    assert first is not None and second is not None
    assert first.signature == second.signature


def test_another_place_in_the_same_package_is_another_state(tmp_path: Path):
    undefined = crash_state(_run(tmp_path, "a.py", RENDER_UNDEFINED), ["jinja2"])
    syntax = crash_state(
        _run(tmp_path, "b.py", "import jinja2\njinja2.Environment().from_string('{% if %}')\n"),
        ["jinja2"],
    )
    assert undefined is not None and syntax is not None
    assert syntax.exception_type == "jinja2.exceptions.TemplateSyntaxError"
    assert syntax.signature != undefined.signature


def test_frames_of_other_packages_and_the_standard_library_are_left_out(tmp_path: Path):
    # packageurl raises; jinja2 is not the target: no frame of the target, nothing to compare.
    stderr = _run(
        tmp_path, "poc.py", "import packageurl\npackageurl.PackageURL.from_string('pkg:x')\n"
    )
    other = crash_state(stderr, ["jinja2"])
    assert other is not None and other.frames == () and not other.comparable
    own = crash_state(stderr, ["packageurl"])
    assert own is not None and own.frames == ("packageurl.from_string",)
    assert own.exception_type == "ValueError"


def test_the_exception_that_escaped_is_the_last_of_a_chain(tmp_path: Path):
    stderr = _run(
        tmp_path,
        "poc.py",
        "import jinja2\ntry:\n    jinja2.Environment().from_string('{% if %}')\n"
        "except Exception as exc:\n    raise RuntimeError('wrapped') from exc\n",
    )
    assert "The above exception was the direct cause" in stderr
    state = crash_state(stderr, ["jinja2"])
    assert state is not None and state.exception_type == "RuntimeError" and not state.comparable


def test_no_traceback_no_state():
    assert crash_state("", ["jinja2"]) is None
    assert crash_state("Killed\n", ["jinja2"]) is None
    assert default_modules("Python-Jose") == ("python_jose",)
