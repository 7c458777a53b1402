"""Reading a PoC run against the report's oracle: did the affected behaviour show?

Everything read here (exit status, output) comes from untrusted code. The finder's regular
expression is matched against the finder's output, so a pattern built to backtrack forever would
stall the worker: output patterns are matched in a child interpreter with a deadline.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from clearinghouse.reports.schemas import (
    ExceptionOracle,
    ExitCodeOracle,
    Oracle,
    OutputRegexOracle,
    SanitizerOracle,
    SignalOracle,
)
from clearinghouse.sandbox.interface import RunResult

REGEX_SECONDS = 10.0
# The last line of a traceback: "pkg.module.Error: message", "Error", or "Error: message".
_FINAL_LINE = re.compile(r"^(?P<type>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::|$)")
_SANITIZERS = {
    "address": "AddressSanitizer",
    "undefined": "UndefinedBehaviorSanitizer",
    "memory": "MemorySanitizer",
}
_MATCHER = (
    "import json, re, sys\n"
    "job = json.load(sys.stdin)\n"
    "pattern = re.compile(job['pattern'], re.MULTILINE)\n"
    "print(json.dumps([pattern.search(text) is not None for text in job['texts']]))\n"
)


class OracleTimeout(Exception):
    """The output pattern took too long to match: the report's oracle is unusable."""


@dataclass(frozen=True)
class Reading:
    triggered: bool
    observed: str  # what the run showed, in a few words, for the evidence


def uncaught_exception(stderr: str) -> str | None:
    """The qualified type of the exception that ended a Python program, from its traceback."""
    lines = stderr.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")]
    if not starts:
        return None
    # After the last traceback header: the frames (indented), then the exception's first line.
    for line in lines[starts[-1] + 1 :]:
        if line and not line[0].isspace():
            match = _FINAL_LINE.match(line)
            return match["type"] if match else None
    return None


def _same_exception(printed: str, expected: str) -> bool:
    printed = printed.removeprefix("builtins.")
    expected = expected.removeprefix("builtins.")
    return (
        printed == expected or printed.endswith("." + expected) or expected.endswith("." + printed)
    )


def regex_search(pattern: str, texts: Sequence[str], timeout: float = REGEX_SECONDS) -> list[bool]:
    """`re.search(pattern, text, re.MULTILINE)` for each text, in a child with a deadline."""
    try:
        done = subprocess.run(  # noqa: S603 (our interpreter and script; data on stdin)
            [sys.executable, "-I", "-c", _MATCHER],
            input=json.dumps({"pattern": pattern, "texts": list(texts)}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OracleTimeout(
            f"the output pattern did not finish matching within {timeout:.0f} s"
        ) from None
    if done.returncode != 0:
        raise OracleTimeout(f"the output pattern could not be matched: {done.stderr.strip()}")
    found: list[bool] = json.loads(done.stdout)
    return found


def _signal_name(number: int | None) -> str:
    if number is None:
        return "no signal"
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def read(oracle: Oracle, results: Sequence[RunResult]) -> list[Reading]:
    """One reading per run. Raises OracleTimeout for an output pattern that will not finish."""
    outs = [(r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")) for r in results]
    if isinstance(oracle, OutputRegexOracle):
        texts = [out if oracle.stream == "stdout" else err for out, err in outs]
        found = regex_search(oracle.pattern, texts)
        return [
            Reading(hit, f"{oracle.stream} {'matches' if hit else 'does not match'} the pattern")
            for hit in found
        ]
    return [_read_one(oracle, result, err) for result, (_, err) in zip(results, outs, strict=True)]


def _read_one(oracle: Oracle, result: RunResult, stderr: str) -> Reading:
    if isinstance(oracle, ExceptionOracle):
        raised = uncaught_exception(stderr) if result.exit_code == 1 else None
        if raised is None:
            return Reading(False, "no uncaught exception")
        return Reading(_same_exception(raised, oracle.exception_type), f"raised {raised}")
    if isinstance(oracle, ExitCodeOracle):
        return Reading(
            result.exit_code == oracle.exit_code and result.limit is None,
            f"exit code {result.exit_code}",
        )
    if isinstance(oracle, SignalOracle):
        expected = signal.Signals[oracle.signal].value
        died = _signal_name(result.signal)
        # A run the sandbox stopped (SIGKILL on a limit) is not the command dying of a signal.
        return Reading(result.signal == expected and result.limit is None, f"signal: {died}")
    if isinstance(oracle, SanitizerOracle):
        name = _SANITIZERS[oracle.sanitizer]
        match = re.search(rf"==\d+==(?:ERROR|WARNING): {name}: (?P<kind>[\w-]+)", stderr)
        if match is None and oracle.sanitizer == "undefined":
            match = re.search(r"(?P<kind>runtime error):", stderr)
        if match is None:
            return Reading(False, f"no {name} report")
        kind = match["kind"]
        wanted = oracle.error_type is None or oracle.error_type == kind
        return Reading(wanted, f"{name}: {kind}")
    raise TypeError(f"unknown oracle {oracle!r}")
