"""Validations per hour with a warm wheelhouse, and where a validation's time goes.

Validates reports of the validation corpus (tests/data/validation-corpus) with the real
validator: the sandbox, the PoC run `--runs` times on the affected and on the fixed version.
Two passes over the same reports, after a warm-up that fills the wheelhouse:

1. environments built: every target version's environment is built again in the sandbox (the
   first report of a version on a fresh worker);
2. environments cached: the steady state.

The baseline, measured in the same run, is the same PoC run directly (no sandbox) the same
number of times on each version, in a plain venv made from the same wheels outside the sandbox.

By default the PoCs that wait for their own 10 s alarms (the ReDoS ones) are left out, so that
the run stays short; `--all` takes them too. Usage (as root, from the repository):
PYTHONPATH=src python benchmarks/report_validation.py [--runs 3] [--all]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from clearinghouse.reports import environments
from clearinghouse.reports.schemas import ReportIn
from clearinghouse.reports.validation import Config, FixedVersion, Validator, package_name
from clearinghouse.sandbox import prepare
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "validation-corpus"
SLOW = ("TimeoutError",)  # oracles of PoCs that wait for their own alarm


def corpus(include_slow: bool) -> list[tuple[str, ReportIn]]:
    expected = json.loads((CORPUS / "expected.json").read_text())["reports"]
    chosen = []
    for name, verdicts in sorted(expected.items()):
        if verdicts["validation"] in ("ungrounded", "invalid"):
            continue  # never reach a sandbox run
        report = ReportIn.model_validate_json((CORPUS / name).read_text())
        oracle = report.proof_of_concept.oracle.model_dump()
        if not include_slow and oracle.get("exception_type") in SLOW:
            continue
        chosen.append((name, report))
    return chosen


def versions(report: ReportIn) -> list[str]:
    affected = list(report.target.affected_versions)  # type: ignore[union-attr]
    return affected + ([report.fixed_version] if report.fixed_version else [])


def plain_venv(wheelhouse: Path, into: Path) -> Path:
    """A venv outside the sandbox, from the same wheels: the baseline's environment."""
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(into)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        ["/usr/bin/python3", "-m", "pip", "--python", str(into / "bin" / "python"), "install",
         "--quiet", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
         "--find-links", str(wheelhouse), "-r", str(wheelhouse / prepare.REQUIREMENTS_FILE)],
        check=True,
    )  # fmt: skip
    return into / "bin" / "python"


def baseline(report: ReportIn, box: BubblewrapSandbox, runs: int, scratch: Path) -> float:
    """Seconds to run the PoC `runs` times on each version directly, in plain venvs."""
    name = package_name(report)
    total = 0.0
    for version in versions(report):
        pins = prepare.normalize([f"{name}=={version}"])
        wheelhouse = prepare.prepare_wheelhouse(box.root / "wheelhouse", pins)
        venv = scratch / "venvs" / wheelhouse.name
        python = venv / "bin" / "python"
        if not python.exists():
            plain_venv(wheelhouse, venv)
        work = Path(tempfile.mkdtemp(dir=scratch))
        for poc_file in report.proof_of_concept.files:
            target = work / poc_file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(poc_file.content)
        command = [str(python), *report.proof_of_concept.command[1:]]
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, cwd=work, capture_output=True, timeout=120, check=False)  # noqa: S603
            total += time.perf_counter() - started
    return total


def one_pass(
    box: BubblewrapSandbox, chosen: list[tuple[str, ReportIn]], config: Config
) -> list[dict[str, Any]]:
    rows = []
    for name, report in chosen:
        fixed = FixedVersion(report.fixed_version, "report") if report.fixed_version else None
        started = time.perf_counter()
        outcome = Validator(box, config).validate(report, fixed)
        rows.append(
            {
                "name": name,
                "verdict": outcome.verdict.value,
                "seconds": time.perf_counter() - started,
                **outcome.evidence["timings"],
            }
        )
    return rows


def summary(label: str, rows: list[dict[str, Any]], baseline_seconds: float) -> None:
    seconds = [r["seconds"] for r in rows]
    total = sum(seconds)
    parts = {
        k: sum(r[f"{k}_seconds"] for r in rows) for k in ("prepare", "install", "sandbox", "poc")
    }
    other = total - sum(parts.values())
    print(
        f"{label:<22}{len(rows):>4} {3600 * len(rows) / total:>9.0f}/h"
        f"{statistics.median(seconds):>9.2f}s"
        + "".join(f"{100 * v / total:>9.1f}%" for v in (*parts.values(), other))
        + f"{baseline_seconds / len(rows):>10.2f}s{total / baseline_seconds:>7.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="include the 10 s alarm PoCs")
    parser.add_argument(
        "--sandbox-dir",
        type=Path,
        default=Path("/var/tmp/clearinghouse-bench-sandbox"),  # noqa: S108 (root-owned, 0711, checked)
    )
    arguments = parser.parse_args()
    box = BubblewrapSandbox(arguments.sandbox_dir)
    box.require_usable()
    chosen = corpus(arguments.all)
    config = Config(runs=arguments.runs)
    for _, report in chosen:  # warm-up: the wheelhouse (downloads happen here, not timed)
        for version in versions(report):
            environments.environment(box, [f"{package_name(report)}=={version}"])
    scratch = Path(tempfile.mkdtemp(prefix="ch-bench-"))
    try:
        base = sum(baseline(report, box, arguments.runs, scratch) for _, report in chosen)
        shutil.rmtree(box.root / "environments")
        built = one_pass(box, chosen, config)
        cached = one_pass(box, chosen, config)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{len(chosen)} reports, {arguments.runs} runs per version; share of the wall time:")
    print(
        f"{'pass':<22}{'n':>4}{'per hour':>11}{'median':>10}{'prepare':>10}{'install':>10}"
        f"{'sandbox':>10}{'PoC':>10}{'other':>10}{'baseline':>11}{'ratio':>8}"
    )
    summary("environments built", built, base)
    summary("environments cached", cached, base)
    wrong = [r["name"] for r in cached if r["verdict"] != built[cached.index(r)]["verdict"]]
    if wrong:
        print("verdicts differed between passes:", ", ".join(wrong))


if __name__ == "__main__":
    main()
